/*
 * arch_x86_64.c — the x86-64 architecture description: 4- and 5-level
 * paging (Intel SDM vol. 3A ch. 4) from CR3, CR4 and EFER, entry decoding,
 * the canonical-address rule, what a Linux process sees of the address
 * space, and libopcodes' name for the instruction set. With its kernel
 * classifier (classify_kernel_x86_64.c) the only file that knows x86 facts.
 */
#include "config.h"

#include <dis-asm.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* Raw entry bits (SDM vol. 3A, 4.5). */
#define E_P (UINT64_C(1) << 0)
#define E_RW (UINT64_C(1) << 1)
#define E_US (UINT64_C(1) << 2)
#define E_PWT (UINT64_C(1) << 3)
#define E_PCD (UINT64_C(1) << 4)
#define E_A (UINT64_C(1) << 5)
#define E_D (UINT64_C(1) << 6)
#define E_PS (UINT64_C(1) << 7)      /* PAT in a PTE */
#define E_G (UINT64_C(1) << 8)
#define E_PAT_LARGE (UINT64_C(1) << 12)
#define E_NX (UINT64_C(1) << 63)
#define E_PKEY_SHIFT 59
#define E_ADDR UINT64_C(0x000ffffffffff000) /* bits 51:12 */

#define CR4_LA57 (UINT64_C(1) << 12)
#define EFER_NXE (UINT64_C(1) << 11)
#define MAXPHYADDR_MAX 52            /* architectural maximum */
#define MAXPHYADDR_MIN 12

#define PAGE_SHIFT 12
#define INDEX_BITS 9                 /* 512 entries of 8 bytes per table */

static const char *const level_names[] = { "?", "PT", "PD", "PDPT", "PML4",
					   "PML5" };
/* The kernel's ptdump calls the levels by its own table names. */
static const char *const ptdump_names[] = { "?", "pte", "pmd", "pud", "p4d",
					    "pgd" };

/* Address bits at or above MAXPHYADDR (within 51:12): reserved. */
static uint64_t phys_reserved(const struct vml_paging *p)
{
	return E_ADDR & ~((UINT64_C(1) << p->maxphyaddr) - 1);
}

static uint64_t level_span(uint32_t level)
{
	return UINT64_C(1) << (PAGE_SHIFT + INDEX_BITS * (level - 1));
}

/* Decode entry e found at level (5 = PML5 ... 1 = PTE). */
static void decode_entry(const struct vml_paging *p, uint32_t level,
			 uint64_t e, struct vml_pt_entry *ret)
{
	struct vml_pt_entry d = { 0 };
	d.present = e & E_P;
	if (!d.present) {
		*ret = d;
		return;
	}
	uint64_t phys_res = phys_reserved(p);
	uint64_t reserved = phys_res;
	if (!p->nx)
		reserved |= E_NX;
	d.flags = VML_PT_PRESENT;
	if (e & E_RW)
		d.flags |= VML_PT_WRITE;
	if (e & E_US)
		d.flags |= VML_PT_USER;
	if (e & E_PWT)
		d.flags |= VML_PT_PWT;
	if (e & E_PCD)
		d.flags |= VML_PT_PCD;
	if (e & E_A)
		d.flags |= VML_PT_ACCESSED;
	if (p->nx && (e & E_NX))
		d.flags |= VML_PT_NX;

	if (level == 1) {
		d.leaf = true;
		d.page_size = level_span(1);
		if (e & E_PS) /* bit 7 of a PTE is PAT */
			d.flags |= VML_PT_PAT;
	} else if (e & E_PS) {
		d.flags |= VML_PT_PS;
		if (level >= 4) {
			/* No 512 GiB pages: PS is reserved in PML4E/PML5E. */
			reserved |= E_PS;
		} else {
			d.leaf = true;
			d.page_size = level_span(level);
			/* Between PAT (bit 12) and the frame: must be zero. */
			reserved |= (d.page_size - 1) & ~(E_PAT_LARGE | 0xfff);
			if (e & E_PAT_LARGE)
				d.flags |= VML_PT_PAT;
		}
	}
	if (d.leaf) {
		if (e & E_D)
			d.flags |= VML_PT_DIRTY;
		if (e & E_G)
			d.flags |= VML_PT_GLOBAL;
		d.pkey = (uint32_t)(e >> E_PKEY_SHIFT) & 0xf;
		d.addr = e & E_ADDR & ~(d.page_size - 1);
	} else {
		d.addr = e & E_ADDR;
	}
	d.addr &= ~phys_res;
	d.reserved = (e & reserved) != 0;
	*ret = d;
}

/* Permissions down the levels: user and write only if every level allows
 * them, no-execute if any level forbids execution. */
static uint32_t combine(uint32_t upper, uint32_t entry)
{
	uint32_t keep = VML_PT_USER | VML_PT_WRITE;
	return (upper & entry & keep) | ((upper | entry) & VML_PT_NX);
}

/* Leaf attributes that come from the leaf alone; A and D are left out. */
static uint32_t leaf_flags(const struct vml_paging *p, uint32_t effective,
			   uint32_t leaf)
{
	(void)p;
	uint32_t own = VML_PT_PRESENT | VML_PT_PWT | VML_PT_PCD | VML_PT_PS |
		       VML_PT_GLOBAL | VML_PT_PAT;
	return combine(effective, leaf) | (leaf & own);
}

/* Canonical form: bits 63..va_bits-1 all equal. */
static void halves(unsigned va_bits, uint64_t *user_end,
		   uint64_t *kernel_start)
{
	*user_end = UINT64_C(1) << (va_bits - 1);
	*kernel_start = ~(*user_end - 1);
}

static const char *const registers[] = { "cr3", "cr4", "efer", NULL };

static struct vml_error *paging_from_registers(
	const struct vml_arch *arch, const struct vml_named_value *regs,
	size_t nregs, uint32_t maxphyaddr, struct vml_paging *p)
{
	uint64_t value[3] = { 0 };
	bool seen[3] = { false };
	for (size_t i = 0; i < nregs; i++) {
		size_t r = 0;
		while (registers[r] && strcmp(registers[r], regs[i].name))
			r++;
		if (!registers[r])
			return vml_error_create(VML_ERROR_INVALID,
						"%s paging: unknown register"
						" '%s' (want cr3, cr4, efer)",
						arch->name, regs[i].name);
		if (seen[r])
			return vml_error_create(VML_ERROR_INVALID,
						"%s paging: register %s given"
						" twice", arch->name,
						registers[r]);
		seen[r] = true;
		value[r] = regs[i].value;
	}
	for (size_t r = 0; registers[r]; r++)
		if (!seen[r])
			return vml_error_create(VML_ERROR_INVALID,
						"%s paging: register %s missing",
						arch->name, registers[r]);
	uint64_t cr3 = value[0], cr4 = value[1], efer = value[2];
	if (!maxphyaddr)
		maxphyaddr = MAXPHYADDR_MAX;
	if (maxphyaddr < MAXPHYADDR_MIN || maxphyaddr > MAXPHYADDR_MAX)
		return vml_error_create(VML_ERROR_INVALID,
					"MAXPHYADDR %" PRIu32 " is outside %d..%d",
					maxphyaddr, MAXPHYADDR_MIN,
					MAXPHYADDR_MAX);
	/* Bits 11:0 are PCID or PWT/PCD and 63:52 are not address bits;
	 * an address bit at or above MAXPHYADDR is one no CPU of that width
	 * could load (MOV to CR3 faults): masking it would walk another page. */
	uint64_t root = cr3 & E_ADDR;
	if (root >> maxphyaddr)
		return vml_error_create(VML_ERROR_INVALID,
					"CR3 0x%" PRIx64 " has address bits at or"
					" above MAXPHYADDR %" PRIu32 ": no CPU of"
					" that physical width can use it as a"
					" root", cr3, maxphyaddr);

	p->levels = cr4 & CR4_LA57 ? 5 : 4;
	for (uint32_t l = 1; l <= p->levels; l++)
		p->level[l] = (struct vml_pt_level){
			.shift = PAGE_SHIFT + INDEX_BITS * (l - 1),
			.index_bits = INDEX_BITS,
			.name = level_names[l],
			.short_name = ptdump_names[l],
		};
	p->entry_size = 8;
	p->va_bits = PAGE_SHIFT + INDEX_BITS * p->levels; /* 48 or 57 */
	p->nroots = 1;
	p->roots[0] = (struct vml_pt_root){
		.table = root,
		.va_base = 0,
		.sign_extend = true,   /* one root, both canonical halves */
		.name = "CR3",
		.key = "cr3",
	};
	p->maxphyaddr = maxphyaddr;
	p->nx = efer & EFER_NXE;
	p->nx_key = "nxe";
	p->nx_off_note = "EFER.NXE clear";
	return NULL;
}

static const struct vml_arch_bit entry_bits[] = {
	{ VML_PT_PRESENT, "P" }, { VML_PT_WRITE, "RW" }, { VML_PT_USER, "US" },
	{ VML_PT_PWT, "PWT" }, { VML_PT_PCD, "PCD" }, { VML_PT_ACCESSED, "A" },
	{ VML_PT_DIRTY, "D" }, { VML_PT_PS, "PS" }, { VML_PT_GLOBAL, "G" },
	{ VML_PT_PAT, "PAT" }, { VML_PT_NX, "NX" },
};

/* As the kernel's x86 ptdump prints them. */
#define COL(flag, on, off) { flag, flag, on }, { flag, 0, off }
static const struct vml_arch_column ptdump_columns[] = {
	COL(VML_PT_USER, "USR", "   "), COL(VML_PT_WRITE, "RW", "ro"),
	COL(VML_PT_PWT, "PWT", "   "), COL(VML_PT_PCD, "PCD", "   "),
	COL(VML_PT_PAT, "PAT", "   "), COL(VML_PT_PS, "PSE", "   "),
	COL(VML_PT_GLOBAL, "GLB", "   "), COL(VML_PT_NX, "NX", "x "),
};
#undef COL

static const struct vml_arch_bit json_bits[] = {
	{ VML_PT_USER, "user" }, { VML_PT_WRITE, "write" }, { VML_PT_NX, "nx" },
	{ VML_PT_GLOBAL, "global" }, { VML_PT_PAT, "pat" },
	{ VML_PT_PCD, "pcd" }, { VML_PT_PWT, "pwt" },
};

static const char *const aliases[] = { "i386:x86-64", "x86_64", NULL };

/* struct elf_prstatus, elf_prpsinfo and siginfo_t of x86-64 Linux
 * (<sys/procfs.h>, <sys/user.h>: rip is register 16, rsp 19). */
static const struct vml_arch_core_notes core_notes = {
	.prstatus_cursig = 12,
	.prstatus_pid = 32,
	.prstatus_reg = 112,
	.reg_size = 8,
	.reg_sp = 19,
	.reg_ip = 16,
	.prpsinfo_size = 136,
	.prpsinfo_pid = 24,
	.prpsinfo_fname = 40,
	.prpsinfo_psargs = 56,
	.siginfo_signo = 0,
	.siginfo_code = 8,
	.siginfo_addr = 16,
};

/* x86-64's x32 ABI (ELFCLASS32 objects of EM_X86_64, GDB's
 * "i386:x64-32"): 32-bit pointers in 64-bit mode. Not supported: its
 * cores and processes get this one line instead of a wrong answer. */
static const char *const x32_aliases[] = { "i386:x64-32", NULL };
const struct vml_arch_unsupported vml_arch_x32 = {
	.id = VML_ARCH_X32,
	.name = "x32",
	.aliases = x32_aliases,
	.elf_machine = EM_X86_64,
	.elf_class = ELFCLASS32,
	.why = "unsupported: x32 processes (the x86-64 ABI with 32-bit"
	       " pointers, ELFCLASS32 x86-64)",
};

/* ------------------------------------------------------------ crash */

/*
 * What an instruction does, from libopcodes' AT&T text ("mov
 * 0x10(%rax),%eax", "rep stos %rax,%es:(%rdi)", "jmp *0x8(%rax)", "movaps
 * (%rax),%xmm0", "mov %fs:0x28,%rax", "mov 0x2ee5(%rip),%eax        #
 * 0x4040 <counter>"): the mnemonic after any prefixes, the operands split
 * at top-level commas, each memory operand [%seg:][disp][(base,index,
 * scale)] evaluated with the thread's registers (sub-registers of the
 * full ones, rip-relative from the next instruction, %fs/%gs from
 * fs_base/gs_base). The text is the library's own decoder output but is
 * still treated as untrusted: every copy and scan is bounded.
 */

#define OPS_MAX 6                    /* operands of one instruction */
#define OP_TEXT 64

/* Words libopcodes prints before a mnemonic. */
static const char *const insn_prefixes[] = {
	"lock", "rep", "repz", "repnz", "repe", "repne", "bnd", "notrack",
	"data16", "data32", "addr16", "addr32", "cs", "ds", "es", "fs", "gs",
	"ss", "xacquire", "xrelease", "rex", "rex64", NULL,
};

static bool in_list(const char *const *list, const char *word)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], word) == 0)
			return true;
	return false;
}

/* Copies src into dst (size bytes), cut to fit, always terminated. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A general register's value by any of its names ("eax" is the low half
 * of "rax"; i386 has "eax" itself), and its width in bits. */
static bool x86_gpr(const char *name, vml_reg_lookup_fn *reg, void *arg,
		    uint64_t *value, unsigned *bits_ret)
{
	static const char *const legacy[] = { "ax", "bx", "cx", "dx", "si",
					      "di", "bp", "sp", "ip", NULL };
	char core[4] = "";         /* "ax" */
	unsigned bits = 0, shift = 0;
	size_t n = strnlen(name, 8);
	char full64[8], full32[8];
	full32[0] = '\0';
	if (n >= 2 && n <= 4 && name[0] == 'r' && name[1] >= '0' &&
	    name[1] <= '9') {
		/* r8 .. r15, with d/w/b (or l) for the low parts. */
		size_t digits = name[2] >= '0' && name[2] <= '9' ? 2 : 1;
		char suffix = name[1 + digits];
		bits = suffix == 'd' ? 32 : suffix == 'w' ? 16 :
		       suffix == 'b' || suffix == 'l' ? 8 : 64;
		if (suffix && name[2 + digits])
			return false;
		snprintf(full64, sizeof(full64), "r%.*s", (int)digits, name + 1);
	} else {
		if (n == 3 && (name[0] == 'r' || name[0] == 'e')) {
			memcpy(core, name + 1, 2);
			bits = name[0] == 'r' ? 64 : 32;
		} else if (n == 2 && (name[1] == 'l' || name[1] == 'h') &&
			   strchr("abcd", name[0])) {
			core[0] = name[0];
			core[1] = 'x';
			bits = 8;
			shift = name[1] == 'h' ? 8 : 0;
		} else if (n == 3 && name[2] == 'l') {
			memcpy(core, name, 2);      /* sil dil bpl spl */
			bits = 8;
		} else if (n == 2) {
			memcpy(core, name, 2);
			bits = 16;
		} else {
			return false;
		}
		core[2] = '\0';
		if (!in_list(legacy, core))
			return false;
		snprintf(full64, sizeof(full64), "r%s", core);
		snprintf(full32, sizeof(full32), "e%s", core);
	}
	uint64_t v;
	if (!reg(arg, name, &v) && !reg(arg, full64, &v) &&
	    !(full32[0] && reg(arg, full32, &v)))
		return false;
	v >>= shift;
	if (bits < 64)
		v &= (UINT64_C(1) << bits) - 1;
	*value = v;
	if (bits_ret)
		*bits_ret = bits;
	return true;
}

/* Width in bytes of a register operand ("%eax" 4, "%xmm1" 16), 0 when
 * it is none we know. */
static uint32_t x86_reg_bytes(const char *op)
{
	if (op[0] != '%')
		return 0;
	const char *r = op + 1;
	if (starts_with(r, "xmm"))
		return 16;
	if (starts_with(r, "ymm"))
		return 32;
	if (starts_with(r, "zmm"))
		return 64;
	if (starts_with(r, "mm"))
		return 8;
	static const char *const gpr64[] = { "rax", "rbx", "rcx", "rdx", "rsi",
					     "rdi", "rbp", "rsp", NULL };
	static const char *const gpr32[] = { "eax", "ebx", "ecx", "edx", "esi",
					     "edi", "ebp", "esp", NULL };
	static const char *const gpr16[] = { "ax", "bx", "cx", "dx", "si", "di",
					     "bp", "sp", NULL };
	static const char *const gpr8[] = { "al", "bl", "cl", "dl", "ah", "bh",
					    "ch", "dh", "sil", "dil", "bpl",
					    "spl", NULL };
	if (in_list(gpr64, r))
		return 8;
	if (in_list(gpr32, r))
		return 4;
	if (in_list(gpr16, r))
		return 2;
	if (in_list(gpr8, r))
		return 1;
	if (r[0] == 'r' && r[1] >= '0' && r[1] <= '9') {
		size_t n = strnlen(r, 6);
		char last = r[n - 1];
		return last == 'd' ? 4 : last == 'w' ? 2 :
		       last == 'b' || last == 'l' ? 1 : 8;
	}
	return 0;
}

/* A number as libopcodes prints one: "0x10", "-0x8", "16". */
static bool parse_number(const char **pp, uint64_t *value)
{
	const char *p = *pp;
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	uint64_t v = 0;
	size_t digits = 0;
	for (; digits < 20; p++, digits++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		v = v * base + d;     /* wraps like the CPU's address sum */
	}
	if (digits == 0 || digits == 20)
		return false;
	*value = neg ? 0 - v : v;
	*pp = p;
	return true;
}

/* "%rax" at *pp into name (without '%'); false when there is none. */
static bool parse_reg_name(const char **pp, char *name, size_t size)
{
	const char *p = *pp;
	if (*p != '%')
		return false;
	p++;
	size_t n = 0;
	while (((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) &&
	       n + 1 < size)
		name[n++] = *p++;
	name[n] = '\0';
	if (n == 0)
		return false;
	*pp = p;
	return true;
}

struct x86_ctx {
	const struct vml_arch *arch;
	uint64_t next_pc;            /* pc + len: what %rip means */
	vml_reg_lookup_fn *reg;
	vml_mem_read_fn *mem;
	void *arg;
};

static bool x86_reg_value(const struct x86_ctx *c, const char *name,
			  uint64_t *value, unsigned *bits)
{
	if (strcmp(name, "rip") == 0 || strcmp(name, "eip") == 0) {
		*value = strcmp(name, "eip") == 0 ?
				 c->next_pc & 0xffffffffu : c->next_pc;
		*bits = name[0] == 'e' ? 32 : 64;
		return true;
	}
	return x86_gpr(name, c->reg, c->arg, value, bits);
}

/* A memory operand: [%seg:][disp][(base[,index[,scale]])], or a bare
 * absolute address. Evaluates it when every register is known. */
static bool parse_memory(const struct x86_ctx *c, const char *op,
			 struct vml_insn_mem *m)
{
	memset(m, 0, sizeof(*m));
	copy_str(m->text, sizeof(m->text), op);
	const char *p = op;
	if (p[0] == '%' && p[1] && p[2] == 's' && p[3] == ':' &&
	    strchr("cdefgs", p[1])) {
		m->segment[0] = p[1];
		m->segment[1] = 's';
		p += 4;
	}
	uint64_t disp = 0;
	bool has_disp = false;
	if (*p != '(') {
		if (!parse_number(&p, &disp))
			return false;
		has_disp = true;
	}
	if (*p == '(') {
		p++;
		if (*p == '%' && !parse_reg_name(&p, m->base, sizeof(m->base)))
			return false;
		if (*p == ',') {
			p++;
			if (*p == '%' &&
			    !parse_reg_name(&p, m->index, sizeof(m->index)))
				return false;
			m->scale = 1;
			if (*p == ',') {
				p++;
				if (*p < '1' || *p > '8')
					return false;
				m->scale = (uint32_t)(*p - '0');
				p++;
			}
		}
		if (*p != ')')
			return false;
		p++;
	} else if (!has_disp) {
		return false;
	}
	if (*p != '\0')
		return false;
	if (m->scale && m->scale != 1 && m->scale != 2 && m->scale != 4 &&
	    m->scale != 8)
		return false;

	/* The sum, in the address size: 32 bits for an i386 process or
	 * 32-bit registers (addr32), else 64. */
	uint64_t ea = disp;
	unsigned bits = 64, rbits;
	bool known = true;
	if (m->base[0]) {
		known = x86_reg_value(c, m->base, &m->base_value, &rbits);
		if (known && rbits == 32)
			bits = 32;
		ea += m->base_value;
	}
	if (known && m->index[0]) {
		known = x86_reg_value(c, m->index, &m->index_value, &rbits);
		if (known && rbits == 32)
			bits = 32;
		ea += m->index_value * m->scale;
	}
	if (c->arch->pointer_size == 4)
		bits = 32;
	if (bits == 32)
		ea &= 0xffffffffu;
	if (known && m->segment[0]) {
		/* Flat segments but %fs and %gs, whose bases the kernel keeps
		 * per thread (fs_base, gs_base); an i386 process's come from
		 * the GDT, which no register here says. */
		if (m->segment[0] == 'f' || m->segment[0] == 'g') {
			char name[8];
			snprintf(name, sizeof(name), "%s_base", m->segment);
			known = c->arch->pointer_size == 8 &&
				c->reg(c->arg, name, &m->segment_base);
			ea += m->segment_base;
		}
	}
	m->has_addr = known;
	m->addr = known ? ea : 0;
	return true;
}

/* Instructions whose last (memory) operand is read, not written. */
static bool reads_destination(const char *mn)
{
	static const char *const starts[] = {
		"cmp", "test", "ucomis", "comis", "vucomis", "vcomis", "ptest",
		"vptest", "push", "jmp", "call", "ljmp", "lcall", "bound",
		"verr", "verw", "lgdt", "lidt", "lldt", "ltr", "lmsw",
		"fld", "fild", "fbld", "fcom", "ficom", "fucom", "ldmxcsr",
		"vldmxcsr", "fxrstor", "xrstor", "frstor", "fldcw", "fldenv",
		"clflush", "clwb", "invlpg", "mul", "imul", "div", "idiv",
		"fadd", "fsub", "fmul", "fdiv", "fiadd", "fisub", "fimul",
		"fidiv", "crc32", NULL,
	};
	for (size_t i = 0; starts[i]; i++)
		if (starts_with(mn, starts[i]))
			return true;
	/* bt reads; bts/btr/btc write. */
	return strcmp(mn, "bt") == 0 || strcmp(mn, "btw") == 0 ||
	       strcmp(mn, "btl") == 0 || strcmp(mn, "btq") == 0;
}

/* Instructions that only compute their operand's address. */
static bool no_access(const char *mn)
{
	return starts_with(mn, "lea") || starts_with(mn, "nop") ||
	       starts_with(mn, "prefetch") || starts_with(mn, "endbr");
}

static bool is_branch(const char *mn)
{
	return mn[0] == 'j' || starts_with(mn, "call") ||
	       starts_with(mn, "ret") || starts_with(mn, "lret") ||
	       starts_with(mn, "iret") || starts_with(mn, "loop") ||
	       starts_with(mn, "ljmp") || starts_with(mn, "lcall") ||
	       starts_with(mn, "xbegin");
}

/* The alignment an instruction's memory operand needs (#GP otherwise),
 * given the width of its vector operand: the explicitly aligned moves,
 * fxsave/xsave, cmpxchg16b, and legacy (non-VEX) SSE instructions on a
 * full 16-byte memory operand. Approximate for the last group: the SDM
 * lists exceptions (unaligned moves, scalar and narrower forms) that are
 * taken out by name. */
static uint32_t x86_alignment(const char *mn, uint32_t vec_bytes,
			      bool has_xmm)
{
	static const char *const aligned[] = {
		"movaps", "movapd", "movdqa", "movntps", "movntpd", "movntdq",
		"movntdqa", "vmovaps", "vmovapd", "vmovdqa", "vmovdqa32",
		"vmovdqa64", "vmovntps", "vmovntpd", "vmovntdq", "vmovntdqa",
		NULL,
	};
	if (in_list(aligned, mn))
		return vec_bytes ? vec_bytes : 16;
	if (starts_with(mn, "fxsave") || starts_with(mn, "fxrstor") ||
	    strcmp(mn, "cmpxchg16b") == 0)
		return 16;
	if (starts_with(mn, "xsave") || starts_with(mn, "xrstor"))
		return 64;
	if (!has_xmm || mn[0] == 'v')
		return 0;
	static const char *const unaligned[] = {
		"movups", "movupd", "movdqu", "lddqu", "movq", "movd", "movhps",
		"movhpd", "movlps", "movlpd", "movddup", "movss", "movsd",
		"cvtdq2pd", "cvtps2pd", "cvtpi2ps", "cvtpi2pd", "insertps",
		"extractps", "maskmovdqu", "movmskps", "movmskpd", NULL,
	};
	if (in_list(unaligned, mn) || starts_with(mn, "pinsr") ||
	    starts_with(mn, "pextr") || starts_with(mn, "pmovsx") ||
	    starts_with(mn, "pmovzx") || starts_with(mn, "pbroadcast") ||
	    starts_with(mn, "cvtsi2") || starts_with(mn, "cvtss") ||
	    starts_with(mn, "cvtsd") || starts_with(mn, "cvttss") ||
	    starts_with(mn, "cvttsd"))
		return 0;
	size_t n = strlen(mn);
	/* Scalar single and double: 4 or 8 bytes, no alignment. */
	if (n > 2 && (strcmp(mn + n - 2, "ss") == 0 ||
		      strcmp(mn + n - 2, "sd") == 0))
		return 0;
	return 16;
}

static bool x86_privileged(const char *mn, char ops[][OP_TEXT], size_t nops)
{
	static const char *const exact[] = {
		"hlt", "cli", "sti", "clts", "invd", "wbinvd", "invlpg",
		"rdmsr", "wrmsr", "swapgs", "sysret", "sysretq", "sysretl",
		"sysexit", "sysexitq", "sysexitl", "lgdt", "lidt", "lldt", "ltr",
		"lmsw", "in", "inb", "inw", "inl", "out", "outb", "outw", "outl",
		"insb", "insw", "insl", "outsb", "outsw", "outsl", "ins", "outs",
		NULL,
	};
	if (in_list(exact, mn))
		return true;
	for (size_t i = 0; i < nops; i++)
		if (starts_with(ops[i], "%cr") || starts_with(ops[i], "%db") ||
		    starts_with(ops[i], "%dr"))
			return true;
	/* int $N reaches the kernel only through gates open to user mode:
	 * 3 (int3's) and 0x80 (the legacy system call). */
	if (strcmp(mn, "int") == 0 && nops == 1 &&
	    strcmp(ops[0], "$0x3") != 0 && strcmp(ops[0], "$0x80") != 0)
		return true;
	return false;
}

/* Bytes a suffixed mnemonic accesses ("movq" 8, "movb" 1) for the common
 * integer instructions, 0 when it says nothing. */
static uint32_t suffix_bytes(const char *mn)
{
	static const char *const bases[] = {
		"mov", "add", "sub", "and", "or", "xor", "cmp", "test", "inc",
		"dec", "neg", "not", "push", "pop", "adc", "sbb", "shl", "shr",
		"sar", "sal", "rol", "ror", "rcl", "rcr", "mul", "imul", "div",
		"idiv", "xchg", "bts", "btr", "btc", "bt", "xadd", "cmpxchg",
		"stos", "lods", "movs", "cmps", "scas", NULL,
	};
	size_t n = strlen(mn);
	if (n < 3)
		return 0;
	char last = mn[n - 1];
	uint32_t bytes = last == 'b' ? 1 : last == 'w' ? 2 : last == 'l' ? 4 :
			 last == 'q' ? 8 : 0;
	if (!bytes)
		return 0;
	for (size_t i = 0; bases[i]; i++)
		if (strlen(bases[i]) == n - 1 &&
		    strncmp(mn, bases[i], n - 1) == 0)
			return bytes;
	/* movzbl, movsbw, movslq ...: the source's width is the 5th letter. */
	if (n == 6 && starts_with(mn, "mov") && (mn[3] == 'z' || mn[3] == 's')) {
		char src = mn[4];
		return src == 'b' ? 1 : src == 'w' ? 2 : src == 'l' ? 4 : 0;
	}
	return 0;
}

void vml_x86_insn_facts(const struct vml_arch *arch, const char *insn,
			uint64_t pc, uint32_t len, vml_reg_lookup_fn *reg,
			vml_mem_read_fn *mem, void *arg,
			struct vml_insn_facts *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!insn)
		return;
	struct x86_ctx c = { .arch = arch, .next_pc = pc + len, .reg = reg,
			     .mem = mem, .arg = arg };
	uint64_t ptr_mask = arch->pointer_size == 4 ? 0xffffffffu : UINT64_MAX;
	c.next_pc &= ptr_mask;

	/* A working copy without the comment libopcodes adds after '#'. */
	char text[160];
	copy_str(text, sizeof(text), insn);
	char *hash = strchr(text, '#');
	if (hash)
		*hash = '\0';

	/* Prefix words, then the mnemonic, then the operands. */
	char *p = text;
	char mn[sizeof(ret->mnemonic)] = "";
	for (int words = 0; words < 8; words++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char word[32];
		size_t n = 0;
		while (p[n] && p[n] != ' ' && p[n] != '\t')
			n++;
		snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), p);
		p += n;
		if (in_list(insn_prefixes, word) || starts_with(word, "rex.") ||
		    word[0] == '{')
			continue;
		copy_str(mn, sizeof(mn), word);
		break;
	}
	if (!mn[0])
		return;
	copy_str(ret->mnemonic, sizeof(ret->mnemonic), mn);
	while (*p == ' ' || *p == '\t')
		p++;

	/* Operands: split at commas outside parentheses; drop " <sym>"
	 * annotations and AVX-512 {masks}. */
	char ops[OPS_MAX][OP_TEXT];
	size_t nops = 0;
	while (*p && nops < OPS_MAX) {
		size_t n = 0;
		int depth = 0;
		char *o = ops[nops];
		bool in_brace = false, in_angle = false;
		for (; *p && !(depth == 0 && *p == ','); p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && depth > 0)
				depth--;
			if (*p == '{')
				in_brace = true;
			if (*p == '<')
				in_angle = true;
			bool keep = !in_brace && !in_angle && *p != ' ' &&
				    *p != '\t';
			if (*p == '}')
				in_brace = false;
			if (*p == '>')
				in_angle = false;
			if (keep && n + 1 < OP_TEXT)
				o[n++] = *p;
		}
		o[n] = '\0';
		if (*p == ',')
			p++;
		if (n)
			nops++;
	}

	ret->branch = is_branch(mn);
	ret->no_access = no_access(mn);
	ret->trap = strcmp(mn, "ud2") == 0 || strcmp(mn, "ud0") == 0 ||
		    strcmp(mn, "ud1") == 0 || starts_with(mn, "ud1");
	ret->privileged = x86_privileged(mn, ops, nops);
	uint32_t word = arch->pointer_size;

	/* Register widths: what a memory operand moves, and the vector
	 * width an aligned move needs. */
	uint32_t reg_bytes = 0, vec_bytes = 0;
	bool has_xmm = false;
	for (size_t i = 0; i < nops; i++) {
		uint32_t b = x86_reg_bytes(ops[i]);
		if (starts_with(ops[i], "%xmm") || starts_with(ops[i], "%ymm") ||
		    starts_with(ops[i], "%zmm")) {
			vec_bytes = b > vec_bytes ? b : vec_bytes;
			has_xmm = true;
		}
		if (b && !reg_bytes)
			reg_bytes = b;
	}
	uint32_t size = suffix_bytes(mn);
	if (!size)
		size = vec_bytes ? vec_bytes : reg_bytes;

	for (size_t i = 0; i < nops && ret->nmem < VML_INSN_MAX_MEM; i++) {
		const char *op = ops[i];
		bool indirect = op[0] == '*';
		if (indirect)
			op++;
		if (op[0] == '$')
			continue;                 /* immediate */
		if (op[0] == '%' && !strchr(op, ':') && !strchr(op, '(')) {
			/* A register; an indirect branch's target. */
			char name[8];
			const char *q = op;
			uint64_t v;
			unsigned bits;
			if (indirect && parse_reg_name(&q, name, sizeof(name)) &&
			    x86_reg_value(&c, name, &v, &bits)) {
				ret->has_target = true;
				ret->target = v;
			}
			continue;
		}
		if (op[0] == '%' && starts_with(op, "%st"))
			continue;                 /* x87 register st(N) */
		if (ret->branch && !indirect) {
			/* A direct branch's target is a number, not memory. */
			const char *q = op;
			uint64_t v;
			if (parse_number(&q, &v) && *q == '\0') {
				ret->has_target = true;
				ret->target = v & ptr_mask;
			}
			continue;
		}
		struct vml_insn_mem *m = &ret->mem[ret->nmem];
		if (!parse_memory(&c, op, m))
			continue;
		ret->nmem++;
		m->size = indirect ? word : size;
		if (ret->no_access)
			continue;
		m->read = true;
		bool last = i + 1 == nops;
		if (last && !reads_destination(mn) && !indirect)
			m->write = true;
		if (last && nops == 1 && !indirect &&
		    !(starts_with(mn, "inc") || starts_with(mn, "dec") ||
		      starts_with(mn, "not") || starts_with(mn, "neg") ||
		      starts_with(mn, "pop") || starts_with(mn, "set") ||
		      starts_with(mn, "sh") || starts_with(mn, "sa") ||
		      starts_with(mn, "ro") || starts_with(mn, "rc") ||
		      starts_with(mn, "fst") || starts_with(mn, "fist") ||
		      starts_with(mn, "fnst") || starts_with(mn, "stmxcsr") ||
		      starts_with(mn, "vstmxcsr") || starts_with(mn, "fxsave") ||
		      starts_with(mn, "xsave") || starts_with(mn, "fnsave") ||
		      starts_with(mn, "clflush") || starts_with(mn, "sgdt") ||
		      starts_with(mn, "sidt") || starts_with(mn, "cmpxchg")))
			m->write = false;
		if (m->write && (starts_with(mn, "mov") || starts_with(mn, "set") ||
				 starts_with(mn, "stos") || starts_with(mn, "fst") ||
				 starts_with(mn, "pop") || starts_with(mn, "vmov")))
			m->read = false;          /* a plain store */
		if (indirect && m->has_addr && mem) {
			/* jmp *8(%rax): the target is the word there. */
			uint64_t t = 0;
			if (mem(arg, m->addr, &t, word)) {
				ret->has_target = true;
				ret->target = t & ptr_mask;
			}
		}
	}

	/* Implicit accesses of the stack. */
	bool call = starts_with(mn, "call");
	bool retn = starts_with(mn, "ret");
	if (call || starts_with(mn, "push") || starts_with(mn, "enter")) {
		ret->push = true;
		ret->stack_size = word;
	}
	if (retn || starts_with(mn, "pop")) {
		ret->pop = true;
		ret->stack_size = word;
	}
	if (retn && mem) {
		uint64_t sp, t = 0;
		unsigned bits;
		if (x86_reg_value(&c, arch->pointer_size == 4 ? "esp" : "rsp",
				  &sp, &bits) && mem(arg, sp, &t, word)) {
			ret->has_target = true;
			ret->target = t & ptr_mask;
		}
	}
	if (ret->nmem == 1 && !ret->no_access)
		ret->alignment = x86_alignment(mn, vec_bytes, has_xmm);
}

/* struct user_regs_struct of x86-64 (<sys/user.h>), GDB's names. */
static const char *const core_regs[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static const uint8_t int3[] = { 0xcc };

static const struct vml_arch_crash crash = {
	.pc_reg = "rip",
	.sp_reg = "rsp",
	.core_regs = core_regs,
	.ncore_regs = VML_ARRAY_SIZE(core_regs),
	.trap_insn = int3,
	.trap_insn_len = sizeof(int3),
	.insn_facts = vml_x86_insn_facts,
};

/* ------------------------------------------------------------ dumps */

/* QEMU's x86 CPU-state note (target/i386/arch_dump.c, struct
 * QEMUCPUState): version, size, the 16 general registers, rip, rflags,
 * ten 24-byte segment records (selector, limit, flags, pad, base), cr0 to
 * cr4, then fields added later behind `size`. Offsets in bytes. */
#define QCS_GPR 8
#define QCS_RIP 136
#define QCS_RFLAGS 144
#define QCS_SEG 152
#define QCS_SEG_SIZE 24
#define QCS_SEG_BASE 16
#define QCS_CR 392
#define QCS_MIN_SIZE (QCS_CR + 5 * 8)

static size_t qemu_cpu_note(const uint8_t *desc, uint64_t size,
			    struct vml_named_value *regs, size_t max)
{
	static const char *const gpr[] = { "rax", "rbx", "rcx", "rdx", "rsi",
					   "rdi", "rsp", "rbp", "r8", "r9",
					   "r10", "r11", "r12", "r13", "r14",
					   "r15" };
	/* fs and gs bases under the names NT_PRSTATUS uses. */
	static const struct { unsigned index; const char *name; } seg[] = {
		{ 3, "fs_base" }, { 4, "gs_base" },
	};
	static const char *const cr[] = { "cr0", "cr1", "cr2", "cr3", "cr4" };
	if (size < QCS_MIN_SIZE)
		return 0;
	uint32_t version = (uint32_t)vml_le64(desc) & 0xffffffffu;
	uint32_t stated = (uint32_t)(vml_le64(desc) >> 32);
	/* Version 1 is the only one; fields grow at the end behind size. */
	if (version != 1 || stated < QCS_MIN_SIZE)
		return 0;
	size_t n = 0;
#define PUT(nm, off) do { if (n < max) regs[n++] = \
	(struct vml_named_value){ (nm), vml_le64(desc + (off)) }; } while (0)
	for (size_t i = 0; i < VML_ARRAY_SIZE(gpr); i++)
		PUT(gpr[i], QCS_GPR + 8 * i);
	PUT("rip", QCS_RIP);
	PUT("eflags", QCS_RFLAGS);
	for (size_t i = 0; i < VML_ARRAY_SIZE(seg); i++)
		PUT(seg[i].name, QCS_SEG + QCS_SEG_SIZE * seg[i].index +
				 QCS_SEG_BASE);
	for (size_t i = 0; i < VML_ARRAY_SIZE(cr); i++)
		if (i != 1)    /* CR1 is reserved */
			PUT(cr[i], QCS_CR + 8 * i);
#undef PUT
	return n;
}

/* QEMU's CPU state has no EFER. x86-64 Linux sets EFER.NXE on every CPU
 * that has NX (and SCE, LME, LMA always), and writes NX into its tables
 * only then: the value a running kernel has. */
static const struct vml_named_value assumed[] = {
	{ "efer", UINT64_C(0xd01) },   /* SCE | LME | LMA | NXE */
};

#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)

/* VMCOREINFO numbers are decimal ("%ld"), symbols and KERNELOFFSET hex. */
static bool vmci_number(vml_vmcoreinfo_get_fn *get, void *arg,
			const char *key, int base, int64_t *ret)
{
	const char *v = get(arg, key);
	if (!v || !*v)
		return false;
	char *end;
	errno = 0;
	long long x = base == 10 ? strtoll(v, &end, 10) :
		      (long long)strtoull(v, &end, 16);
	if (errno || *end)
		return false;
	*ret = (int64_t)x;
	return true;
}

/* kdump's /proc/vmcore has NT_PRSTATUS notes only: the root is the
 * kernel's own top-level table, init_top_pgt (swapper_pg_dir on x86-64),
 * a kernel-image address, so physical = virtual - __START_KERNEL_map +
 * phys_base (the kernel's __phys_addr_symbol). */
static struct vml_error *vmcoreinfo_paging(vml_vmcoreinfo_get_fn *get,
					   void *arg,
					   struct vml_named_value *regs,
					   size_t max, size_t *n,
					   const char **how)
{
	static const char *const roots[] = { "SYMBOL(init_top_pgt)",
					     "SYMBOL(swapper_pg_dir)" };
	int64_t virt = 0, phys_base = 0, l5 = 0;
	const char *key = NULL;
	for (size_t i = 0; i < VML_ARRAY_SIZE(roots) && !key; i++)
		if (vmci_number(get, arg, roots[i], 16, &virt))
			key = roots[i];
	if (!key)
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"no page-table root: the dump has no"
					" CPU state with CR3 and its VMCOREINFO"
					" has no SYMBOL(init_top_pgt)");
	if (!vmci_number(get, arg, "NUMBER(phys_base)", 10, &phys_base))
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"VMCOREINFO has %s but no"
					" NUMBER(phys_base): its physical address"
					" is unknown", key);
	if ((uint64_t)virt < START_KERNEL_MAP)
		return vml_error_create(VML_ERROR_FORMAT,
					"VMCOREINFO's %s=%" PRIx64 " is not a"
					" kernel-image address", key,
					(uint64_t)virt);
	(void)vmci_number(get, arg, "NUMBER(pgtable_l5_enabled)", 10, &l5);
	if (max < 3)
		return vml_error_create(VML_ERROR_INVALID,
					"vmcoreinfo paging: room for 3 registers"
					" needed");
	uint64_t root = (uint64_t)virt - START_KERNEL_MAP + (uint64_t)phys_base;
	regs[0] = (struct vml_named_value){ "cr3", root };
	regs[1] = (struct vml_named_value){ "cr4", l5 == 1 ? CR4_LA57 : 0 };
	regs[2] = assumed[0];
	*n = 3;
	*how = key[7] == 'i' ? "init_top_pgt in VMCOREINFO, less"
			       " __START_KERNEL_map, plus phys_base" :
			       "swapper_pg_dir in VMCOREINFO, less"
			       " __START_KERNEL_map, plus phys_base";
	return NULL;
}

/* Parallel to the kernel classifier's symbols (page_offset_base,
 * vmalloc_base, vmemmap_base, _text): VMCOREINFO has SYMBOL(_stext), at
 * the same address as _text in x86-64's linker script. */
static const char *const dump_symbol_keys[] = {
	NULL, NULL, NULL, "SYMBOL(_stext)",
};

static const struct vml_arch_dump dump = {
	.qemu_cpu_note = qemu_cpu_note,
	.assumed = assumed,
	.nassumed = VML_ARRAY_SIZE(assumed),
	.assumed_why = "EFER is not in the dump: NXE assumed, as x86-64 Linux"
		       " sets it on every CPU with NX",
	.vmcoreinfo_paging = vmcoreinfo_paging,
	.symbol_keys = dump_symbol_keys,
};

const struct vml_arch vml_arch_x86_64 = {
	.id = VML_ARCH_X86_64,
	.name = "x86-64",
	.aliases = aliases,
	.elf_machine = EM_X86_64,
	.elf_class = ELFCLASS64,
	.pointer_size = 8,
	.bfd_arch = bfd_arch_i386,
	.bfd_mach = bfd_mach_x86_64,
	.big_endian = false,
	.insn_max = 15,
	.paging_registers = registers,
	.paging_from_registers = paging_from_registers,
	.decode_entry = decode_entry,
	.combine = combine,
	.initial_flags = VML_PT_USER | VML_PT_WRITE,
	.leaf_flags = leaf_flags,
	.user_nx_flag = VML_PT_NX,
	.halves = halves,
	.entry_bits = entry_bits,
	.nentry_bits = VML_ARRAY_SIZE(entry_bits),
	.pkey_name = "PKEY",
	.ptdump_columns = ptdump_columns,
	.nptdump_columns = VML_ARRAY_SIZE(ptdump_columns),
	.json_bits = json_bits,
	.njson_bits = VML_ARRAY_SIZE(json_bits),
	.json_pkey = true,
	.process = {
		.va_bits = 48,
		.wide_va_bits = 57,                      /* LA57 */
		.vsyscall_start = UINT64_C(0xffffffffff600000),
		.vsyscall_end = UINT64_C(0xffffffffff601000),
		.red_zone = 128,                         /* System V ABI */
		.null_guard_end = 0x10000,               /* vm.mmap_min_addr */
		.noncanonical_fault = "#GP",
		.space_last = UINT64_MAX,
	},
	.kernel = &vml_kernel_class_x86_64,
	.core = &core_notes,
	.crash = &crash,
	.dump = &dump,
};

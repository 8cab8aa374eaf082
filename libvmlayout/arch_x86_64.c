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
#include <inttypes.h>
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
};

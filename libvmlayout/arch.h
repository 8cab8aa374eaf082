/*
 * arch.h — the architecture description: one const table of data and
 * function pointers per architecture (arch_x86_64.c, later arch_aarch64.c),
 * found by vml_arch_get(). Everything that differs between architectures
 * lives behind it: paging formats and their roots (made from raw register
 * values), entry decoding, how permissions combine down the levels, the
 * canonical-address rule, what a process sees of the address space, the
 * libopcodes identity, and (through struct vml_kernel_class) the kernel's
 * documented address map and KASLR inference.
 *
 * The generic code (pt_walk.c, kernel.c, kernel_where.c,
 * render_pagetables.c, disasm.c, where.c) is written against this file
 * only: adding an architecture means one arch_*.c, its kernel classifier
 * and their tests, never an `if (arch == ...)` elsewhere.
 *
 * Internal: nothing here is ABI.
 */
#ifndef VML_ARCH_H
#define VML_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Most levels any supported format has (x86-64 LA57: 5; AArch64 with
 * 52-bit VAs and 4 KiB granules: 5). struct vml_pt_translation holds one
 * step per level. */
#define VML_PT_MAX_LEVELS 5
/* Most roots (translation base registers) of one paging configuration:
 * x86-64 has one (CR3, the whole canonical space); AArch64 two (TTBR0 for
 * the low range, TTBR1 for the high one). */
#define VML_PT_MAX_ROOTS 2

/* ------------------------------------------------------------ paging */

/* One level of a page-table format. Levels are numbered from 1, the level
 * whose entries map the smallest pages, up to paging->levels, the root. */
struct vml_pt_level {
	unsigned shift;        /* virtual-address bit of index bit 0 */
	unsigned index_bits;   /* the table has 1 << index_bits entries */
	const char *name;      /* the architecture's name ("PML4") */
	const char *short_name;/* the kernel's ptdump name ("p4d") */
};

/* A root table and the virtual addresses it translates. The virtual
 * address of root entry i is va_base + i * (1 << level[levels].shift),
 * sign-extended from bit va_bits - 1 when sign_extend is set (x86-64: one
 * root for both canonical halves); the root translates exactly the
 * addresses that formula yields. */
struct vml_pt_root {
	uint64_t table;        /* physical address of the root table */
	uint64_t va_base;
	bool sign_extend;
	const char *name;      /* register holding it: "CR3" */
	const char *key;       /* the same for JSON keys: "cr3" */
	/* The root's own level and the index bits of its table, when they
	 * differ from the paging's (0: paging->levels and that level's
	 * index_bits). AArch64 sizes TTBR0's and TTBR1's ranges apart
	 * (T0SZ, T1SZ): the two walks may start at different levels, and a
	 * root table may have fewer entries than a full table (48-bit VAs
	 * with 64 KiB pages: 64). */
	uint32_t levels;
	unsigned index_bits;
};

/* A decoded page-table entry. */
struct vml_pt_entry {
	bool present;
	bool leaf;             /* maps a page (else points at a table) */
	bool reserved;         /* the CPU would fault on it */
	uint64_t addr;         /* next table (non-leaf) or page frame (leaf) */
	uint64_t page_size;    /* leaves only */
	uint32_t flags;        /* enum vml_pt_flags of this entry alone */
	uint32_t pkey;         /* leaves only */
};

/* A paging configuration, made by the architecture's paging_from_registers
 * (public as the opaque struct vml_paging). Plain data: copied by value. */
struct vml_paging {
	const struct vml_arch *arch;
	uint32_t levels;
	struct vml_pt_level level[VML_PT_MAX_LEVELS + 1]; /* [1..levels] */
	unsigned entry_size;   /* bytes per entry (little-endian) */
	size_t nroots;
	struct vml_pt_root roots[VML_PT_MAX_ROOTS];       /* ascending VAs */
	unsigned va_bits;      /* virtual address width */
	uint32_t maxphyaddr;   /* physical address width */
	bool nx;               /* no-execute bits are enforced */
	uint64_t user_end;     /* first address above the user half (made) */
	uint64_t kernel_start; /* first address of the kernel half (made) */
	const char *nx_key;    /* JSON key of "no-execute enforced": "nxe" */
	const char *nx_off_note; /* why it is not: "EFER.NXE clear" */
	/* What the architecture keeps from its registers to decode entries
	 * (AArch64: MAIR_EL1 and the TCR_EL1/SCTLR_EL1 bits that change the
	 * descriptor format or permissions). Only its own code reads them. */
	uint64_t arch_regs[4];
	uint32_t arch_flags;
	/* Made by the architecture when it says more than "N-level paging"
	 * ("4K granule, 4 levels from L0 (48-bit)"); "" otherwise. */
	char mode_text[96];
	/* Made from the above once the architecture filled them: */
	char roots_text[64];   /* "CR3 0x2692000" */
	char description[192]; /* "CR3 0x2692000, 4-level paging, NX enabled" */
};

/* Span of one entry at level (1 << shift). */
static inline uint64_t vml_pt_span(const struct vml_paging *p, uint32_t level)
{
	return UINT64_C(1) << p->level[level].shift;
}

static inline unsigned vml_pt_entries(const struct vml_paging *p,
				      uint32_t level)
{
	return 1u << p->level[level].index_bits;
}

/* Bytes of a table at level. */
static inline size_t vml_pt_table_size(const struct vml_paging *p,
				       uint32_t level)
{
	return (size_t)vml_pt_entries(p, level) * p->entry_size;
}

/* The level of root r's table, and how many entries it has. */
static inline uint32_t vml_pt_root_levels(const struct vml_paging *p,
					  const struct vml_pt_root *r)
{
	return r->levels ? r->levels : p->levels;
}

static inline unsigned vml_pt_root_entries(const struct vml_paging *p,
					   const struct vml_pt_root *r)
{
	return 1u << (r->index_bits ? r->index_bits :
		      p->level[vml_pt_root_levels(p, r)].index_bits);
}

/* Virtual address of entry i of root r (see struct vml_pt_root). */
uint64_t vml_pt_root_entry_va(const struct vml_paging *p,
			      const struct vml_pt_root *r, unsigned i);
/* The root translating va, or NULL when none does (not canonical). */
const struct vml_pt_root *vml_pt_root_for(const struct vml_paging *p,
					  uint64_t va);
/* Sign-extend va from bit bits - 1. */
uint64_t vml_sign_extend(uint64_t va, unsigned bits);

/* ------------------------------------------------------------ kernel */

struct vml_kernel;

/* What the kernel classifier of an architecture provides (kernel.c does
 * the arch-neutral rest: regions per slot, user-half runs, accessors). */
struct vml_kernel_class {
	/* Symbols the debugger should look up, and the base each gives. */
	const struct vml_kernel_symbol *symbols;
	const enum vml_kbase *symbol_bases;   /* parallel to symbols */
	size_t nsymbols;
	/* The base a found symbol gives (NULL: its value or address as is;
	 * AArch64's memstart_addr is a physical address the linear map's
	 * base is computed from). */
	uint64_t (*symbol_base)(const struct vml_paging *p, size_t symbol,
				uint64_t value);
	/* Why a base is unknown when it is (NULL: "nothing mapped there"). */
	const char *unknown_why[VML_KBASE_COUNT];
	/* How output names each base ("page_offset_base"). */
	const char *base_names[VML_KBASE_COUNT];
	/* The documented direct-map base for this paging (read plan when
	 * the stub cannot read physical memory and no symbol says better). */
	uint64_t (*direct_map_default)(const struct vml_paging *p);
	/* Fill the bases that were not given (k->how[b] == UNKNOWN) from the
	 * ranges, the pc and the documented map. */
	void (*infer_bases)(struct vml_kernel *k);
	/* Add the documented slots with vml_kernel_add_slot, earlier ones
	 * winning where they overlap later ones. */
	void (*add_slots)(struct vml_kernel *k);
};

/* A slot of the documented map: the unit kernel regions are grouped by. */
struct vml_kslot {
	uint64_t start, end;     /* [start, end) */
	uint32_t kind;           /* enum vml_kind */
	int base;                /* enum vml_kbase it depends on, or -1 */
	const char *what;        /* the documentation's words */
};

#define VML_KERNEL_MAX_SLOTS 24

struct vml_kernel {
	struct vml_paging paging;
	const struct vml_kernel_class *kclass;
	struct vml_pt_range *ranges;   /* sorted, as the walk gives them */
	size_t nranges;
	uint32_t *kinds;               /* slot kind of each range's start */
	uint64_t bases[VML_KBASE_COUNT];
	uint32_t how[VML_KBASE_COUNT]; /* enum vml_kbase_how */
	uint64_t pc;
	struct vml_kslot slots[VML_KERNEL_MAX_SLOTS]; /* sorted, disjoint */
	size_t nslots;
	struct vml_pt_walk_stats stats;
	struct vml_layout *layout;
	/* Borrowed from vml_kernel_from_pagetables (NULL from ranges):
	 * vml_kernel_where and vml_kernel_find_phys read the tables through
	 * it again (every page is in its cache after the walk). */
	struct vml_source *source;
	/* The kernel's own symbols and types (vml_kernel_set_ksyms), borrowed;
	 * NULL: none. */
	const struct vml_ksyms *ksyms;
};

/* kernel.c helpers for classifiers. */
/* Index of the first range with last >= va (ranges are sorted). */
size_t vml_kernel_first_range_from(const struct vml_kernel *k, uint64_t va);
/* Exclusive end of a range, saturating at 2^64 - 1. */
uint64_t vml_kernel_range_end(const struct vml_pt_range *r);
/* A present supervisor mapping in the kernel half. */
bool vml_kernel_range_is_kernel(const struct vml_kernel *k,
				const struct vml_pt_range *r);
/* The walk's ranges mapping pa (no reads): fills the first max hits
 * (hits may be NULL) and returns how many there are. */
size_t vml_kernel_ranges_phys(const struct vml_kernel *k, uint64_t pa,
			      size_t max, struct vml_pt_phys_hit *hits);
/* The caller's hints (hints_size bytes; hints may be NULL) read into
 * *copy: *ret is copy, or NULL when hints is NULL. VML_ERROR_INVALID for a
 * size below VML_KERNEL_HINTS_SIZE_V2. */
struct vml_error *vml_kernel_read_hints(const struct vml_kernel_hints *hints,
					size_t hints_size,
					struct vml_kernel_hints *copy,
					const struct vml_kernel_hints **ret);
/* Record a documented slot (ignored when empty or when the table is full). */
void vml_kernel_add_slot(struct vml_kernel *k, uint64_t start, uint64_t end,
			 uint32_t kind, int base, const char *what);

/* ------------------------------------------------------------ arch */

/* What a process sees of its address space (processes cannot read their
 * kernel's paging mode: this is the usual one). */
struct vml_arch_process {
	unsigned va_bits;          /* canonical width a process assumes */
	unsigned wide_va_bits;     /* the wider mode (x86-64 LA57), or 0 */
	uint64_t vsyscall_start;   /* legacy fixed page in the kernel half */
	uint64_t vsyscall_end;     /*   (0, 0 when the ABI has none) */
	uint32_t red_zone;         /* bytes below $sp the ABI lets code use */
	uint64_t null_guard_end;   /* nothing is ever mapped below (the usual
				    * vm.mmap_min_addr): NULL + field offset */
	const char *noncanonical_fault; /* what an access raises: "#GP" */
	/* Architectures whose processes have no non-canonical hole (a 32-bit
	 * space is all addresses): the last address of the space, and where
	 * the kernel part starts as the process sees it, one candidate per
	 * kernel kind, ascending; the layout takes the lowest one no user
	 * region reaches above (the evidence: where the stack and the vdso
	 * were put), default_kernel_start when it has no region at all.
	 * nkernel_starts == 0: the canonical halves of va_bits (x86-64). */
	uint64_t space_last;
	const uint64_t *kernel_starts;
	size_t nkernel_starts;
	uint64_t default_kernel_start;
};

/* Where the architecture's Linux core notes keep what the core reader
 * uses: struct elf_prstatus, elf_prpsinfo and siginfo_t as the kernel (and
 * GDB's gcore) write them for this ABI. Offsets in bytes; NT_FILE and
 * NT_AUXV words are pointer_size bytes. The unit tests check them against
 * <sys/procfs.h> and <signal.h> compiled for the ABI. */
struct vml_arch_core_notes {
	uint32_t prstatus_cursig;      /* short pr_cursig */
	uint32_t prstatus_pid;         /* int pr_pid */
	uint32_t prstatus_reg;         /* pr_reg: struct user_regs_struct */
	uint32_t reg_size;             /* bytes of one register in pr_reg */
	uint32_t reg_sp, reg_ip;       /* their indexes in pr_reg */
	uint32_t prpsinfo_size;        /* sizeof(struct elf_prpsinfo) */
	uint32_t prpsinfo_pid;         /* int pr_pid */
	uint32_t prpsinfo_fname;       /* char pr_fname[16] */
	uint32_t prpsinfo_psargs;      /* char pr_psargs[80] */
	uint32_t siginfo_signo, siginfo_code; /* int si_signo, si_code */
	uint32_t siginfo_addr;         /* void *si_addr (pointer_size bytes) */
};

/* An ABI vmlayout recognises but does not support (x86-64's x32): its
 * identity, and the one line that says so. */
struct vml_arch_unsupported {
	enum vml_arch_id id;
	const char *name;              /* "x32" */
	const char *const *aliases;    /* GDB's "i386:x64-32" */
	uint16_t elf_machine;
	uint8_t elf_class;
	const char *why;               /* "unsupported: x32 processes ..." */
};

struct vml_arch {
	enum vml_arch_id id;
	const char *name;              /* "x86-64" */
	const char *const *aliases;    /* other names: GDB's "i386:x86-64" */
	uint16_t elf_machine;          /* EM_X86_64 */
	uint8_t elf_class;             /* ELFCLASS64 */
	unsigned pointer_size;
	/* libopcodes identity (enum bfd_architecture, machine number). */
	int bfd_arch;
	unsigned long bfd_mach;
	bool big_endian;
	unsigned insn_max;             /* longest instruction, bytes */

	/* Registers the debugger must read for paging_from_registers. */
	const char *const *paging_registers;  /* NULL-terminated */
	/* Paging from raw register values (name, value); validates them. */
	struct vml_error *(*paging_from_registers)(
		const struct vml_arch *arch, const struct vml_named_value *regs,
		size_t nregs, uint32_t maxphyaddr, struct vml_paging *ret);
	/* Decode raw entry e read from a table at level. An all-zero entry
	 * must be "not present" (the walker skips the call for it). */
	void (*decode_entry)(const struct vml_paging *p, uint32_t level,
			     uint64_t e, struct vml_pt_entry *ret);
	/* Effective permissions after passing entry (its own flags) below
	 * upper; the walk starts from initial_flags. */
	uint32_t (*combine)(uint32_t upper, uint32_t entry);
	uint32_t initial_flags;
	/* Flags of a leaf's range: effective permissions and the leaf's own
	 * attributes (no accessed/dirty: they would break coalescing). The
	 * paging is there for rules that depend on registers (AArch64:
	 * SCTLR_EL1.WXN). */
	uint32_t (*leaf_flags)(const struct vml_paging *p, uint32_t effective,
			       uint32_t leaf);
	/* The flag that forbids execution at user level: VML_PT_NX where one
	 * bit forbids both (x86-64), VML_PT_UXN where user and kernel have
	 * their own (AArch64: UXN and PXN). */
	uint32_t user_nx_flag;
	/* The two halves of an address space of va_bits. */
	void (*halves)(unsigned va_bits, uint64_t *user_end,
		       uint64_t *kernel_start);

	/* Names of entry bits, in display order (whereis walk), and of the
	 * protection key field ("PKEY"). */
	const struct vml_arch_bit *entry_bits;
	size_t nentry_bits;
	const char *pkey_name;
	/* Attribute columns of a ptdump row, in order. */
	const struct vml_arch_column *ptdump_columns;
	size_t nptdump_columns;
	/* Keys of a --pagetables --json range's booleans, in order (the
	 * one for VML_PT_NX is true only when the paging enforces it). */
	const struct vml_arch_bit *json_bits;
	size_t njson_bits;
	bool json_pkey;                /* a "pkey" number follows them */
	/* Memory types (enum vml_pt_memtype, the flags' MEMTYPE field) and
	 * shareability (SH field) by name, for ptdump, JSON and whereis;
	 * NULL where the architecture decodes none. */
	const char *const *memtype_names;     /* VML_PT_MEMTYPE_COUNT */
	const char *const *shareability_names; /* 4 */
	/* Optional: an entry decoded in the architecture's own words for
	 * the whereis walk ("PAGE AF nG AP=01 ..."), instead of entry_bits. */
	void (*format_entry)(const struct vml_paging *p, uint32_t level,
			     uint64_t e, struct vml_strbuf *sb);
	/* Optional: the effective permissions of a mapping in the
	 * architecture's words (whereis "effective:"), instead of
	 * "user|supervisor writable|read-only executable|no-exec". */
	void (*format_effective)(const struct vml_paging *p, uint32_t flags,
				 struct vml_strbuf *sb);

	struct vml_arch_process process;
	const struct vml_kernel_class *kernel;   /* NULL: user space only */
	/* Its processes' core notes (NULL: no cores of this architecture). */
	const struct vml_arch_core_notes *core;
	/* What a crash explanation needs (NULL: crashes not explained). */
	const struct vml_arch_crash *crash;
	/* Whole-machine dumps of its kernels (NULL: none; vmcore.c). */
	const struct vml_arch_dump *dump;
};

struct vml_arch_bit {
	uint32_t flag;                 /* enum vml_pt_flags */
	const char *name;
};

/* A ptdump column: consecutive entries with the same mask make one
 * column, which shows the text of the first entry whose value equals
 * flags & mask, or blanks as wide as its widest text when none does
 * (VML_PT_PS is on for every leaf above level 1: a large page). */
struct vml_arch_column {
	uint32_t mask;
	uint32_t value;
	const char *text;
};

/* ------------------------------------------------------------ dumps */

/* A VMCOREINFO lookup (vmcore.c): the value of key ("SYMBOL(init_top_pgt)",
 * "NUMBER(phys_base)", "KERNELOFFSET"), or NULL when the dump has none. */
typedef const char *vml_vmcoreinfo_get_fn(void *arg, const char *key);

/* What the architecture knows about dumps of a whole machine (QEMU's
 * dump-guest-memory, kdump): where the paging registers are, or what
 * stands in for them. Used by vmcore.c only. */
struct vml_arch_dump {
	/* QEMU's CPU-state note ("QEMU", type 0) of one CPU: its registers
	 * as (name, value) into regs (at most max; names are static), the
	 * paging ones under the names paging_registers uses. Returns how
	 * many; 0 for a note too short or of a version it does not know. */
	size_t (*qemu_cpu_note)(const uint8_t *desc, uint64_t size,
				struct vml_named_value *regs, size_t max);
	/* Paging registers no dump records, with the value the kernel runs
	 * with, and why that may be assumed (one phrase). */
	const struct vml_named_value *assumed;
	size_t nassumed;
	const char *assumed_why;
	/* The paging registers from VMCOREINFO alone (a dump without CPU
	 * state holding them: kdump's /proc/vmcore has NT_PRSTATUS only):
	 * into regs (at most max), *n set; *how says from what (static).
	 * VML_ERROR_NOT_FOUND naming the missing key. */
	struct vml_error *(*vmcoreinfo_paging)(vml_vmcoreinfo_get_fn *get,
					       void *arg,
					       struct vml_named_value *regs,
					       size_t max, size_t *n,
					       const char **how);
	/* VMCOREINFO keys whose value is the address of a base symbol when
	 * "SYMBOL(name)" is not there, parallel to kernel->symbols (x86-64:
	 * _text is _stext); NULL entries where none. */
	const char *const *symbol_keys;
};

/* ------------------------------------------------------------ crash */

/* How many memory operands an instruction may have (x86 string moves:
 * two; one more for safety). */
#define VML_INSN_MAX_MEM 3

/* One memory operand of a decoded instruction, evaluated with a thread's
 * registers (crash.c). */
struct vml_insn_mem {
	char text[64];           /* as printed: "0x10(%rax)", "%fs:0x28" */
	bool has_addr;           /* the effective address could be computed */
	uint64_t addr;
	uint32_t size;           /* bytes accessed; 0 when not known */
	bool read, write;
	char base[8], index[8], segment[4];  /* register names, "" none */
	uint64_t base_value, index_value, segment_base;
	uint32_t scale;
};

/* What an instruction does that can make it fault. */
struct vml_insn_facts {
	char mnemonic[32];       /* without prefixes ("movaps") */
	size_t nmem;
	struct vml_insn_mem mem[VML_INSN_MAX_MEM];
	bool no_access;          /* lea, nop, prefetch: the operand is only
				    computed */
	bool branch;             /* may change pc (jmp, jcc, call, ret ...) */
	bool has_target;         /* where it goes, when known: */
	uint64_t target;         /*   a register, memory, the word at $sp */
	bool push;               /* writes below $sp (push, call) */
	bool pop;                /* reads at $sp (pop, ret) */
	uint32_t stack_size;     /* bytes of that implicit stack access */
	uint32_t alignment;      /* its memory operand must be aligned to this
				    (movaps: 16); 0 when not */
	bool privileged;         /* user mode may not run it (#GP) */
	bool trap;               /* a deliberate invalid opcode (ud2) */
};

/* The thread's register called name (the architecture's own name, e.g.
 * "rax"), false when it is not known. */
typedef bool vml_reg_lookup_fn(void *arg, const char *name, uint64_t *value);
/* len bytes of target memory at addr, false when unreadable. */
typedef bool vml_mem_read_fn(void *arg, uint64_t addr, void *buf, size_t len);

struct vml_arch_crash {
	const char *pc_reg, *sp_reg;       /* "rip", "rsp" */
	/* The registers of a core's pr_reg, in order (struct
	 * user_regs_struct), named as the architecture's debugger does. */
	const char *const *core_regs;
	size_t ncore_regs;
	/* The trap instruction a program may run itself (x86: int3): a
	 * SIGTRAP with these bytes right below $pc was the program's. */
	const uint8_t *trap_insn;
	size_t trap_insn_len;
	/* Facts of the instruction insn (libopcodes' text in AT&T syntax, as
	 * vml_disasm_one_arch prints it) at pc, len bytes long: its memory
	 * operands with their effective addresses (registers through reg, a
	 * branch's target through mem; both get arg). Bounded; garbage text
	 * gives no operands. */
	void (*insn_facts)(const struct vml_arch *arch, const char *insn,
			   uint64_t pc, uint32_t len, vml_reg_lookup_fn *reg,
			   vml_mem_read_fn *mem, void *arg,
			   struct vml_insn_facts *ret);
};

/* arch_x86_64.c: the x86 operand parser, for i386 too. */
void vml_x86_insn_facts(const struct vml_arch *arch, const char *insn,
			uint64_t pc, uint32_t len, vml_reg_lookup_fn *reg,
			vml_mem_read_fn *mem, void *arg,
			struct vml_insn_facts *ret);

/* NULL for VML_ARCH_UNKNOWN and unknown ids. */
const struct vml_arch *vml_arch_get(enum vml_arch_id id);
/* The architecture of processes and cores until layouts carry their own
 * (from the ELF header): the only one user space supports today. */
const struct vml_arch *vml_arch_default(void);

/* The supported architecture id names, or an error: VML_ERROR_UNSUPPORTED
 * with the ABI's own line for one recognised but not supported (x32),
 * VML_ERROR_INVALID for an unknown id. */
struct vml_error *vml_arch_lookup(enum vml_arch_id id,
				  const struct vml_arch **ret);
/* The architecture of an ELF file or core from its header's class and
 * machine; VML_ERROR_UNSUPPORTED (one line naming them) when none is. */
struct vml_error *vml_arch_for_elf(uint8_t elf_class, uint16_t elf_machine,
				   const struct vml_arch **ret);

/* The architecture of a layout (the default one for NULL). */
static inline const struct vml_arch *vml_layout_arch(const struct vml_layout *l)
{
	return l && l->arch ? l->arch : vml_arch_default();
}

/* arch_x86_64.c */
extern const struct vml_arch vml_arch_x86_64;
extern const struct vml_arch_unsupported vml_arch_x32;
/* arch_i386.c */
extern const struct vml_arch vml_arch_i386;
/* classify_kernel_x86_64.c */
extern const struct vml_kernel_class vml_kernel_class_x86_64;
/* arch_aarch64.c */
extern const struct vml_arch vml_arch_aarch64;
/* classify_kernel_aarch64.c */
extern const struct vml_kernel_class vml_kernel_class_aarch64;

#endif /* VML_ARCH_H */

/*
 * vmlayout.h — the one public header of libvmlayout.
 *
 * libvmlayout answers two questions about a virtual address space:
 * what does it look like (a sorted, classified region set, rendered as a
 * picture, a table or JSON) and what is this address (vml_layout_where).
 *
 * Conventions (see DESIGN.md):
 *  - every fallible function returns struct vml_error * (NULL on success),
 *    results come back through *_ret out-pointers;
 *  - the library never aborts, exits or prints;
 *  - objects are opaque handles freed with their vml_*_free function;
 *  - all addresses are uint64_t; ranges are [start, end) unless a field is
 *    named "last" (inclusive, used where a range may touch 2^64).
 *
 * ABI: public structs only ever grow at the end; the libtool version in
 * configure.ac follows the usual current:revision:age rules.
 */
#ifndef VMLAYOUT_H
#define VMLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VML_ABI_VERSION 1

/* ---------------------------------------------------------------- errors */

enum vml_error_code {
	VML_OK = 0,
	VML_ERROR_NOMEM = 1,       /* out of memory */
	VML_ERROR_INVALID = 2,     /* bad argument from the caller */
	VML_ERROR_PARSE = 3,       /* malformed text (/proc maps, ...) */
	VML_ERROR_FORMAT = 4,      /* malformed binary (ELF, core, tables) */
	VML_ERROR_UNSUPPORTED = 5, /* well-formed but not something we handle */
	VML_ERROR_IO = 6,          /* a system call failed (errno kept) */
	VML_ERROR_PERMISSION = 7,  /* EACCES/EPERM */
	VML_ERROR_FAULT = 8,       /* target memory could not be read */
	VML_ERROR_LIMIT = 9,       /* a safety bound was hit */
	VML_ERROR_NOT_FOUND = 10,  /* no such process, file, region ... */
};

struct vml_error;

enum vml_error_code vml_error_code(const struct vml_error *err);
/* One line, no trailing newline, names what was wrong and where. */
const char *vml_error_message(const struct vml_error *err);
/* errno for VML_ERROR_IO/PERMISSION/NOT_FOUND from a system call, else 0. */
int vml_error_errno(const struct vml_error *err);
/* Faulting address for VML_ERROR_FAULT; *has_address false otherwise. */
uint64_t vml_error_address(const struct vml_error *err, bool *has_address);
/* Safe on NULL and on the library's static errors. */
void vml_error_free(struct vml_error *err);

/* Free memory the library handed out (rendered strings). */
void vml_free(void *ptr);

const char *vml_version(void);

/* ---------------------------------------------------------------- sources */

/* Where bytes come from: one interface, several back ends. */
enum vml_space {
	VML_SPACE_VIRTUAL = 0,
	VML_SPACE_PHYSICAL = 1,
};

/*
 * Read callback for the GDB bridge (or any host). Fills buf with exactly len
 * bytes from addr in space and returns 0, or returns non-zero when any byte
 * cannot be read. Never partially succeeds.
 */
typedef int vml_read_fn(void *arg, enum vml_space space, uint64_t addr,
			void *buf, size_t len);

struct vml_source;

struct vml_error *vml_source_from_callback(vml_read_fn *fn, void *arg,
					   struct vml_source **ret);
/* Virtual reads from /proc/PID/mem (needs ptrace access to PID). */
struct vml_error *vml_source_from_pid(int pid, struct vml_source **ret);
/* Reads from a caller-owned buffer that stays alive as long as the source;
 * byte i of buf is address base + i in the given space. */
struct vml_error *vml_source_from_buffer(enum vml_space space, uint64_t base,
					 const void *buf, size_t len,
					 struct vml_source **ret);
struct vml_error *vml_source_read(struct vml_source *src, enum vml_space space,
				  uint64_t addr, void *buf, size_t len);
/* Drop cached physical pages (call when the target has run). */
void vml_source_invalidate(struct vml_source *src);

struct vml_source_stats {
	uint64_t reads;       /* reads that reached the back end */
	uint64_t bytes;       /* bytes those reads asked for */
	uint64_t cache_hits;  /* page reads served from the cache */
	uint64_t failures;    /* back-end reads that failed */
};
void vml_source_get_stats(const struct vml_source *src,
			  struct vml_source_stats *ret);
void vml_source_free(struct vml_source *src);

/* ---------------------------------------------------------------- regions */

enum vml_prot {
	VML_PROT_READ = 1u << 0,
	VML_PROT_WRITE = 1u << 1,
	VML_PROT_EXEC = 1u << 2,
	VML_PROT_SHARED = 1u << 3, /* 's' in maps; private otherwise */
};

/* What a region holds. Strings from vml_kind_name() are the JSON "kind". */
enum vml_kind {
	VML_KIND_UNKNOWN = 0,   /* "unknown" */
	/* user space */
	VML_KIND_TEXT,          /* "text": executable segment of an ELF object */
	VML_KIND_RODATA,        /* "rodata": read-only segment (headers, .rodata, .eh_frame) */
	VML_KIND_RELRO,         /* "relro": .got/.data.rel.ro made read-only after relocation */
	VML_KIND_DATA,          /* "data": writable file-backed segment (.data, .got.plt) */
	VML_KIND_BSS,           /* "bss": anonymous tail of the data segment */
	VML_KIND_HEAP,          /* "heap": brk heap */
	VML_KIND_STACK,         /* "stack": main thread's stack */
	VML_KIND_THREAD_STACK,  /* "thread-stack" */
	VML_KIND_GUARD,         /* "guard": PROT_NONE mapping */
	VML_KIND_MMAP_FILE,     /* "mmap-file": file mapping that is no ELF segment */
	VML_KIND_MMAP_ANON,     /* "mmap-anon" */
	VML_KIND_VDSO,          /* "vdso" */
	VML_KIND_VVAR,          /* "vvar" */
	VML_KIND_VSYSCALL,      /* "vsyscall" */
	/* kernel space (named after Documentation/arch/x86/x86_64/mm.rst) */
	VML_KIND_KERNEL,        /* "kernel": kernel half, not further known */
	VML_KIND_DIRECT_MAP,    /* "direct-map" */
	VML_KIND_VMALLOC,       /* "vmalloc" */
	VML_KIND_VMEMMAP,       /* "vmemmap" */
	VML_KIND_CPU_ENTRY_AREA,/* "cpu-entry-area" */
	VML_KIND_ESPFIX,        /* "espfix" */
	VML_KIND_EFI,           /* "efi" */
	VML_KIND_KERNEL_TEXT,   /* "kernel-text" */
	VML_KIND_MODULES,       /* "modules" */
	VML_KIND_FIXMAP,        /* "fixmap" */
	VML_KIND_KASAN,         /* "kasan-shadow" */
	VML_KIND_LDT_REMAP,     /* "ldt-remap" */
	VML_KIND_COUNT
};
const char *vml_kind_name(enum vml_kind kind);

/* How users group regions in the picture. vml_group_name() gives the JSON "group". */
enum vml_group {
	VML_GROUP_NONE = 0,     /* "none" */
	VML_GROUP_EXE,          /* "exe": the main executable's segments + .bss */
	VML_GROUP_HEAP,         /* "heap" */
	VML_GROUP_MMAP,         /* "mmap": libraries, anonymous and file mappings */
	VML_GROUP_STACK,        /* "stack": main and thread stacks */
	VML_GROUP_SPECIAL,      /* "special": vdso, vvar, vsyscall */
	VML_GROUP_KERNEL,       /* "kernel" */
	VML_GROUP_COUNT
};
const char *vml_group_name(enum vml_group group);

enum vml_region_flags {
	VML_REGION_DELETED = 1u << 0,   /* maps said " (deleted)" */
	VML_REGION_ANON_NAMED = 1u << 1,/* "[anon:NAME]" */
	VML_REGION_PSEUDO = 1u << 2,    /* "[heap]", "[stack]", "[vdso]" ... */
	VML_REGION_LIBRARY = 1u << 3,   /* segment of a shared object */
	VML_REGION_EXE = 1u << 4,       /* segment of the main executable */
	VML_REGION_GUESSED = 1u << 5,   /* kind inferred without full information
					   (set by the classifier, also from the
					   two flags below) */
	VML_REGION_ENDS_AT_TOP = 1u << 6,/* really ends at 2^64, which `end` cannot
					   hold: end is 2^64-1 and the last byte
					   (0xffffffffffffffff) is inside too */
	VML_REGION_PERMS_GUESSED = 1u << 7,/* perms not in the input: taken from the
					   file on disk (a core that left the
					   mapping out); never cleared */
	VML_REGION_NAME_GUESSED = 1u << 8,/* pseudo name ([heap], [stack], [vvar])
					   inferred by the core reader, not
					   stated by the kernel; never cleared */
};

struct vml_region {
	uint64_t start;        /* inclusive */
	uint64_t end;          /* exclusive */
	uint64_t offset;       /* file offset of start (maps column 3) */
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t prot;         /* enum vml_prot bits */
	uint32_t kind;         /* enum vml_kind */
	uint32_t group;        /* enum vml_group */
	uint32_t flags;        /* enum vml_region_flags */
	char perms[8];         /* "r-xp" as in maps, NUL-terminated */
	const char *name;      /* maps' last column verbatim minus " (deleted)"; NULL if empty */
	const char *path;      /* file path when name is a file (starts with '/'); else NULL */
	const char *object;    /* ELF object this region belongs to (exe or lib path), else NULL */
	int64_t tid;           /* thread whose stack this is; 0 if none */
};

/* ---------------------------------------------------------------- layouts */

struct vml_layout;

/* Parse /proc/PID/maps text. The text need not be NUL-terminated. */
struct vml_error *vml_layout_from_maps(const char *text, size_t len,
				       struct vml_layout **ret);
/*
 * Everything the kernel tells about PID: maps, auxv, exe path, every
 * thread's stack pointer (from /proc/PID/task/TID/syscall when readable),
 * then classifies. Also attaches a /proc/PID/mem source when readable.
 */
struct vml_error *vml_layout_from_pid(int pid, struct vml_layout **ret);
void vml_layout_free(struct vml_layout *layout);

/* Context used by vml_layout_classify(); all optional. */
struct vml_error *vml_layout_add_thread(struct vml_layout *layout, int64_t tid,
					uint64_t sp, bool is_main);
/* Raw auxv as in /proc/PID/auxv or NT_AUXV: pairs of uint64_t. */
struct vml_error *vml_layout_set_auxv(struct vml_layout *layout,
				      const void *auxv, size_t len);
struct vml_error *vml_layout_set_exe(struct vml_layout *layout,
				     const char *path);
/* Borrowed; must outlive the layout (or be replaced by NULL first). Used to
 * read instruction bytes and in-memory ELF headers. */
void vml_layout_set_source(struct vml_layout *layout, struct vml_source *src);
/* Prefix for every file path read from disk (like GDB's sysroot); "" or NULL for none. */
struct vml_error *vml_layout_set_sysroot(struct vml_layout *layout,
					 const char *sysroot);
/* Name every region (kind, group, object). Reads ELF headers of mapped
 * files, bounded. A layout already classified and not changed since is left
 * as it is (no work, pointers into it stay valid). */
struct vml_error *vml_layout_classify(struct vml_layout *layout);

enum vml_layout_flags {
	VML_LAYOUT_INCOMPLETE = 1u << 0, /* some input was missing or damaged */
};
uint32_t vml_layout_flags(const struct vml_layout *layout);

size_t vml_layout_count(const struct vml_layout *layout);
/* NULL when i >= count. Pointers stay valid until the layout is freed. */
const struct vml_region *vml_layout_region(const struct vml_layout *layout,
					   size_t i);
/* The region containing addr, or NULL. O(log n). */
const struct vml_region *vml_layout_find(const struct vml_layout *layout,
					 uint64_t addr);

struct vml_gap {
	uint64_t start;                 /* first unmapped address */
	uint64_t last;                  /* last unmapped address (inclusive) */
	const struct vml_region *below; /* region just below, or NULL */
	const struct vml_region *above; /* region just above, or NULL */
};
/* False when addr is mapped; otherwise fills ret with the gap holding addr
 * (bounded by neighbouring regions, or by 0 / 2^64-1). O(log n).
 * vml_layout_where's gap is also bounded by the part of the space holding
 * the address (user space ends below the non-canonical hole, or below a
 * 32-bit process's kernel part). */
bool vml_layout_gap(const struct vml_layout *layout, uint64_t addr,
		    struct vml_gap *ret);

/* ---------------------------------------------------------------- cores */

/* Facts from an ELF core's notes (NT_PRPSINFO, NT_SIGINFO, NT_PRSTATUS ...). */
struct vml_core_info {
	int32_t pid;
	int32_t signo;           /* signal that caused the dump; 0 if unknown */
	bool has_fault_addr;
	uint64_t fault_addr;     /* NT_SIGINFO si_addr for SIGSEGV/SIGBUS/SIGILL/SIGFPE */
	char command[17];        /* pr_fname */
	char args[81];           /* pr_psargs */
	uint32_t nthreads;       /* NT_PRSTATUS notes */
	bool has_file_note;      /* NT_FILE present: file names and offsets known */
	bool has_auxv;
	bool incomplete;         /* truncated or damaged input: layout is partial */
};

/*
 * Maps the core (never reads it whole), builds its layout from PT_LOAD +
 * NT_FILE, takes threads from NT_PRSTATUS and auxv from NT_AUXV, and
 * classifies. The layout reads memory from the core itself (its own source).
 * Unsupported cores (not ELF64 x86-64 ET_CORE) give VML_ERROR_UNSUPPORTED.
 */
struct vml_error *vml_layout_from_core(const char *path, struct vml_layout **ret);
/* Same, from a caller-owned buffer that must outlive the layout (fuzzing, tests). */
struct vml_error *vml_layout_from_core_buffer(const void *buf, size_t len,
					      struct vml_layout **ret);
/* Core facts for a layout made from a core; false for other layouts.
 * ret may be NULL (only asking whether the layout is from a core). */
bool vml_layout_core_info(const struct vml_layout *layout,
			  struct vml_core_info *ret);
/*
 * The one-line summary of a core that front ends print above its picture
 * or table, e.g.
 *   core core.4242: pid 4242 (demo-prog), signal SIGSEGV (fault address
 *   0x555555571010), 2 threads
 * (one line, ending in a newline). path is the core as the user named it,
 * or NULL. Signals have their Linux names. VML_ERROR_INVALID for a layout
 * that is not from a core. *ret: free with vml_free().
 */
struct vml_error *vml_render_core_summary(const struct vml_layout *layout,
					  const char *path, char **ret);
/*
 * Warnings about a layout as a whole, one line each ("warning: the layout
 * is incomplete: ..."), for front ends to print (on stderr, after their own
 * name); "" when there are none. *ret: free with vml_free().
 */
struct vml_error *vml_render_layout_warnings(const struct vml_layout *layout,
					     char **ret);

/* ---------------------------------------------------------------- whereis */

enum vml_half {
	VML_HALF_USER = 0,
	VML_HALF_KERNEL = 1,
	VML_HALF_NONCANONICAL = 2,
	VML_HALF_OUTSIDE = 3,      /* beyond the address space (above 4 GiB for
				      a 32-bit process) */
};

/* Where an address below a thread's $sp lies (vml_where.stack_note). */
enum vml_stack_note {
	VML_STACK_NOTE_NONE = 0,     /* at or above $sp, or no $sp known */
	VML_STACK_NOTE_RED_ZONE = 1, /* below $sp, inside the ABI's red zone */
	VML_STACK_NOTE_UNUSED = 2,   /* below $sp and the red zone: unused stack */
};

/*
 * The answer of vml_layout_where. Pointers in it (region, gap.below,
 * gap.above, section, symbol) point into the layout: they stay valid until
 * the layout is freed or classified again after a change (a region
 * appended, threads, auxv, exe or sysroot set). vml_layout_classify on a
 * layout that has not changed since it was classified does nothing, so it
 * does not invalidate them.
 */
struct vml_where {
	uint64_t addr;
	uint32_t half;                   /* enum vml_half, by the layout's halves
					    (vml_layout_space: 48-bit canonical
					    form on x86-64) */
	bool canonical;
	const struct vml_region *region; /* NULL when unmapped */
	struct vml_gap gap;              /* valid when region == NULL */
	bool has_file_offset;
	uint64_t file_offset;            /* offset of addr in region->path */
	const char *section;             /* ".text", ".bss" ...; NULL if none */
	uint64_t section_offset;
	const char *symbol;              /* nearest ELF symbol at or below addr; NULL */
	uint64_t symbol_offset;
	int64_t stack_tid;               /* thread whose stack holds addr; 0 none */
	bool has_stack_sp;
	uint64_t stack_sp;               /* that thread's $sp */
	int64_t above_sp;                /* addr - sp (negative: below sp, red zone or unused) */
	bool has_insn;
	uint32_t insn_len;
	char insn[160];                  /* "mov    %rsp,%rbp" as GDB's x/i prints it */
	/* Notes the library decides so every front end says the same
	 * (added at the end: a caller built against an older header must
	 * be rebuilt until vml_layout_where takes the struct's size). */
	uint32_t stack_note;             /* enum vml_stack_note (with has_stack_sp) */
	bool null_page;                  /* unmapped user address below the lowest a
	                                    process can map (vm.mmap_min_addr's usual
	                                    64 KiB): a NULL pointer plus an offset */
	bool kernel_hidden;              /* unmapped kernel-half address of a layout
	                                    that shows no kernel mappings: kernel
	                                    space is not visible to this process */
	uint64_t user_end;               /* the canonical halves addr was judged by: */
	uint64_t kernel_start;           /*   [0, user_end) and [kernel_start, 2^64) */
	const char *noncanonical_fault;  /* what touching a non-canonical address
	                                    raises ("#GP"); static storage */
	uint64_t space_last;             /* last address of the space
	                                    (0xffffffff for a 32-bit process) */
};
/* Explain addr. Never fails for an unmapped or non-canonical address: that
 * is an answer, not an error. */
struct vml_error *vml_layout_where(struct vml_layout *layout, uint64_t addr,
				   struct vml_where *ret);

/* ---------------------------------------------------------------- render */

enum vml_format {
	VML_FORMAT_PICTURE = 0, /* the classic layout drawing, fits 80 columns */
	VML_FORMAT_TABLE = 1,   /* one row per region, as maps plus kind */
	VML_FORMAT_JSON = 2,    /* {"regions": [...]} */
	VML_FORMAT_TEXT = 3,    /* whereis: human-readable lines */
	VML_FORMAT_LINE = 4,    /* whereis: the answer's first line alone (for a
	                           non-canonical address, the one-line error a
	                           debugger reports) */
};
enum vml_render_flags {
	VML_RENDER_COLOR = 1u << 0, /* ANSI colour */
};
/* *ret is NUL-terminated, free with vml_free(). */
struct vml_error *vml_render_layout(const struct vml_layout *layout,
				    enum vml_format format, uint32_t flags,
				    char **ret);
/* format: VML_FORMAT_TEXT, VML_FORMAT_JSON or VML_FORMAT_LINE. Formats
 * where alone: layout may be NULL. */
struct vml_error *vml_render_where(const struct vml_layout *layout,
				   const struct vml_where *where,
				   enum vml_format format, uint32_t flags,
				   char **ret);
/* Human size: "4 KiB", "1.5 MiB", "128 TiB" (exact values without decimals). Always NUL-terminates. */
void vml_format_size(uint64_t bytes, char *buf, size_t size);

/* ---------------------------------------------------------------- disasm */

/* Decode one x86-64 instruction (AT&T syntax, as GDB's default x/i) from
 * code[0..len) located at addr (other instruction sets:
 * vml_disasm_one_arch). */
struct vml_error *vml_disasm_one(const uint8_t *code, size_t len, uint64_t addr,
				 char *out, size_t out_size,
				 size_t *insn_len_ret);

/* ---------------------------------------------------------------- architectures */

/* The architectures libvmlayout describes (values never change). */
enum vml_arch_id {
	VML_ARCH_UNKNOWN = 0,
	VML_ARCH_X86_64 = 1,
	VML_ARCH_I386 = 2,   /* 32-bit x86 processes (ELFCLASS32 EM_386): user
				space only, no paging */
	VML_ARCH_X32 = 3,    /* x86-64's x32 ABI (ELFCLASS32 EM_X86_64, GDB's
				"i386:x64-32"): recognised only to say it is
				not supported */
};
/* The architecture called name: its own name ("x86-64") or a debugger's
 * (GDB's Architecture.name(), "i386:x86-64"); VML_ARCH_UNKNOWN for none. */
enum vml_arch_id vml_arch_from_name(const char *name);
/* "x86-64"; NULL for an unknown id. Static storage: lives forever. */
const char *vml_arch_name(enum vml_arch_id arch);

/*
 * The architecture of a layout's address space: its halves, pointer size,
 * auxv word size, red zone, disassembler. Builders set it themselves (a
 * core from its ELF header, vml_layout_from_pid from /proc/PID/exe's);
 * a layout from maps is x86-64 until told (set it before the auxv: a
 * 32-bit auxv is pairs of uint32_t). VML_ERROR_UNSUPPORTED for VML_ARCH_X32
 * (its one line says so), VML_ERROR_INVALID for an unknown id or a layout
 * with regions beyond the architecture's address space.
 */
struct vml_error *vml_layout_set_arch(struct vml_layout *layout,
				      enum vml_arch_id arch);
/* VML_ARCH_X86_64 until set (VML_ARCH_UNKNOWN for NULL). */
enum vml_arch_id vml_layout_get_arch(const struct vml_layout *layout);
/* vml_disasm_one for arch's instruction set (VML_ARCH_I386: i386, as GDB's
 * x/i shows a 32-bit process). VML_ERROR_UNSUPPORTED for an id without a
 * decoder (VML_ARCH_UNKNOWN, VML_ARCH_X32). */
struct vml_error *vml_disasm_one_arch(enum vml_arch_id arch,
				      const uint8_t *code, size_t len,
				      uint64_t addr, char *out,
				      size_t out_size, size_t *insn_len_ret);

/* A name and a 64-bit value (registers, symbols). Arrays of them are
 * borrowed for the duration of the call that takes them, names included. */
struct vml_named_value {
	const char *name;
	uint64_t value;
};

/* ---------------------------------------------------------------- paging */

/* Decoded page-table entry bits, the same for every architecture (not raw
 * bit positions). New bits are added at the end, never renumbered. */
enum vml_pt_flags {
	VML_PT_PRESENT = 1u << 0,
	VML_PT_WRITE = 1u << 1,    /* writable */
	VML_PT_USER = 1u << 2,     /* user-accessible */
	VML_PT_PWT = 1u << 3,      /* write-through */
	VML_PT_PCD = 1u << 4,      /* cache disabled */
	VML_PT_ACCESSED = 1u << 5,
	VML_PT_DIRTY = 1u << 6,
	VML_PT_PS = 1u << 7,       /* large page: a leaf above the last level */
	VML_PT_GLOBAL = 1u << 8,
	VML_PT_PAT = 1u << 9,      /* memory-type attribute bit */
	VML_PT_NX = 1u << 10,      /* no-execute (only when the paging enforces it) */
};

/*
 * NULL-terminated list of the register names a caller must read from the
 * target and pass to vml_paging_from_registers (x86-64: "cr3", "cr4",
 * "efer"); NULL for an unknown arch. Static storage: lives forever.
 */
const char *const *vml_arch_paging_registers(enum vml_arch_id arch);

/* A paging configuration: format (levels, entry layout), root table(s),
 * address widths, no-execute. Opaque; made from raw registers. */
struct vml_paging;

/*
 * Decodes the registers (all of vml_arch_paging_registers(arch), each
 * once; regs is borrowed for the call) into a paging configuration.
 * maxphyaddr is the physical address width in bits, 0 for unknown (the
 * architecture's maximum). Errors (VML_ERROR_INVALID) name a missing,
 * unknown or repeated register, an unsupported mode, a width outside what
 * the architecture allows, and a root with address bits at or above
 * maxphyaddr (no CPU of that width could use it: walking it masked would
 * read the wrong page). Free *ret with vml_paging_free.
 */
struct vml_error *vml_paging_from_registers(enum vml_arch_id arch,
					    const struct vml_named_value *regs,
					    size_t nregs, uint32_t maxphyaddr,
					    struct vml_paging **ret);
void vml_paging_free(struct vml_paging *paging);
enum vml_arch_id vml_paging_arch(const struct vml_paging *paging);
/* Levels of tables (x86-64: 4, or 5 with LA57). */
uint32_t vml_paging_levels(const struct vml_paging *paging);
/* Virtual address width (48, 57 ...). */
uint32_t vml_paging_va_bits(const struct vml_paging *paging);
/* True when no-execute bits are enforced (x86-64: EFER.NXE). */
bool vml_paging_nx(const struct vml_paging *paging);
/* Root tables (one per translation base register), ascending VA ranges. */
size_t vml_paging_root_count(const struct vml_paging *paging);
/* Physical address of root i; 0 when i is out of range. */
uint64_t vml_paging_root(const struct vml_paging *paging, size_t i);
/* One line, e.g. "CR3 0x2692000, 4-level paging, NX enabled". Owned by
 * paging: valid until it is freed. */
const char *vml_paging_description(const struct vml_paging *paging);

enum vml_pt_status {
	VML_PT_MAPPED = 0,     /* a leaf mapping */
	VML_PT_ALIAS = 1,      /* table already walked elsewhere in this walk: not descended */
	VML_PT_UNREADABLE = 2, /* table page could not be read */
	VML_PT_RESERVED = 3,   /* entry with reserved bits set: the CPU would fault */
};

/* One coalesced run of leaves (or a problem span). */
struct vml_pt_range {
	uint64_t start;        /* first virtual address (canonical) */
	uint64_t last;         /* last virtual address, inclusive */
	uint64_t phys;         /* physical address of start (MAPPED), or of the
	                          table (ALIAS, UNREADABLE) or frame (RESERVED) */
	uint64_t page_size;    /* of the leaves; 0 for problems */
	uint32_t flags;        /* effective enum vml_pt_flags: user/write only if
	                          every level allows them, NX if any level sets it;
	                          A and D are not compared when coalescing and are
	                          left out */
	uint32_t pkey;         /* protection key of the leaves */
	uint32_t level;        /* level of the leaf/entry: 1 = the last level
	                          (smallest pages) ... vml_paging_levels = root */
	uint32_t status;       /* enum vml_pt_status */
};

struct vml_pt_walk;

/* Walks every root of paging through src (physical reads, whole pages,
 * each table at most once). Unreadable tables and reserved entries become
 * problem ranges; only an unreadable root is an error (VML_ERROR_FAULT).
 * src is borrowed for the call. */
struct vml_error *vml_pt_walk(struct vml_source *src,
			      const struct vml_paging *paging,
			      struct vml_pt_walk **ret);
size_t vml_pt_walk_count(const struct vml_pt_walk *walk);
/* NULL when i >= count. Owned by the walk. */
const struct vml_pt_range *vml_pt_walk_range(const struct vml_pt_walk *walk,
					     size_t i);
struct vml_pt_walk_stats {
	uint64_t table_pages;  /* distinct tables read */
	uint64_t entries;      /* present entries examined */
	uint64_t leaves;       /* leaf entries seen (before coalescing) */
	uint64_t problems;     /* ranges with status != MAPPED */
};
void vml_pt_walk_get_stats(const struct vml_pt_walk *walk,
			   struct vml_pt_walk_stats *ret);
void vml_pt_walk_free(struct vml_pt_walk *walk);

/* One level of a single-address translation. */
struct vml_pt_step {
	uint32_t level;        /* root level down to 1 */
	uint32_t index;        /* entry index in the table */
	uint64_t table;        /* physical address of the table */
	uint64_t entry_addr;   /* physical address of the entry */
	uint64_t value;        /* raw entry */
	uint32_t flags;        /* decoded enum vml_pt_flags of this entry alone */
	uint32_t pkey;
};

struct vml_pt_translation {
	uint64_t va;
	uint32_t nsteps;
	struct vml_pt_step steps[5];
	bool mapped;
	uint64_t phys;         /* when mapped */
	uint64_t page_size;    /* when mapped */
	uint32_t flags;        /* effective flags when mapped */
	uint32_t stop_level;   /* level where the walk ended */
	uint32_t status;       /* MAPPED, UNREADABLE, RESERVED; not mapped + MAPPED = not present */
};
/* A va no root translates is VML_ERROR_INVALID ("not canonical"). */
struct vml_error *vml_pt_translate(struct vml_source *src,
				   const struct vml_paging *paging,
				   uint64_t va,
				   struct vml_pt_translation *ret);

/* One virtual address that translates to the physical address asked for. */
struct vml_pt_phys_hit {
	uint64_t va;           /* canonical; maps exactly pa (not the page start) */
	uint64_t page_size;    /* of the leaf */
	uint32_t level;        /* level of the leaf */
	uint32_t flags;        /* effective, as vml_pt_range.flags (no A/D) */
	uint32_t pkey;
};
/*
 * Reverse translation: every virtual address whose walk ends in a leaf
 * covering pa, following every path through the tables, including shared
 * tables and recursive entries (the same table reached at several levels).
 * Non-present entries, entries with reserved bits and unreadable tables
 * map nothing. Fills hits[0..*nhits_ret) with the first max of them in
 * ascending address order and *total_ret with how many there are (may be
 * astronomically many; saturates at UINT64_MAX). Work is bounded by the
 * number of distinct (table, level) pairs, not by the number of paths.
 * hits may be NULL when max is 0; total_ret may be NULL.
 */
struct vml_error *vml_pt_find_phys(struct vml_source *src,
				   const struct vml_paging *paging,
				   uint64_t pa, size_t max,
				   struct vml_pt_phys_hit *hits,
				   size_t *nhits_ret, uint64_t *total_ret);

/* ---------------------------------------------------------------- kernel
 * A whole address space read from page tables, as under QEMU's gdbstub:
 * the kernel half named after the kernel's documented virtual memory map
 * (x86-64: Documentation/arch/x86/x86_64/mm.rst, 4- and 5-level), KASLR
 * bases given (vmlinux symbols) or inferred from the mappings, the user
 * half drawn like a process. The architecture comes from the paging. */

/* Bases of the kernel layout that KASLR moves (or that depend on config);
 * output names them as the architecture's kernel does (x86-64:
 * page_offset_base, vmalloc_base, vmemmap_base, _text, MODULES_VADDR). */
enum vml_kbase {
	VML_KBASE_PAGE_OFFSET = 0, /* start of the direct map */
	VML_KBASE_VMALLOC,         /* start of vmalloc space */
	VML_KBASE_VMEMMAP,         /* start of the struct page array */
	VML_KBASE_TEXT,            /* start of the kernel image mapping */
	VML_KBASE_MODULES,         /* start of module space */
	VML_KBASE_COUNT
};

/* Where a base came from. */
enum vml_kbase_how {
	VML_KBASE_UNKNOWN = 0,     /* nothing mapped to infer it from */
	VML_KBASE_GIVEN = 1,       /* from the caller (vmlinux symbols) */
	VML_KBASE_INFERRED = 2,    /* from the page tables (and the pc) */
	VML_KBASE_DOCUMENTED = 3,  /* the documented fixed address (no KASLR seen) */
};

/* What the caller should fetch for a kernel symbol. */
enum vml_symbol_want {
	VML_SYMBOL_VALUE = 0,      /* the 64-bit value stored at the symbol */
	VML_SYMBOL_ADDRESS = 1,    /* the symbol's address */
};
struct vml_kernel_symbol {
	const char *name;          /* "page_offset_base" */
	uint32_t want;             /* enum vml_symbol_want */
};
/* The kernel symbols that give bases on arch, *count_ret of them: look
 * each up in the target's symbol table and pass what was found in
 * vml_kernel_hints.symbols under the same name. Static storage: lives
 * forever. NULL (and 0) for an unknown arch. */
const struct vml_kernel_symbol *vml_arch_kernel_symbols(enum vml_arch_id arch,
							size_t *count_ret);

struct vml_kernel_hints {
	uint64_t pc;               /* current program counter; 0 when unknown */
	/* Symbols found (vml_arch_kernel_symbols), as wanted; names not in
	 * that list are ignored, a value of 0 means not found. Borrowed for
	 * the call. */
	const struct vml_named_value *symbols;
	size_t nsymbols;
};

/* How a debugger should read physical memory for the walk. */
enum vml_read_mode {
	VML_READ_PHYSICAL = 0,     /* the stub's physical-memory reads */
	VML_READ_DIRECT_MAP = 1,   /* virtual reads at direct_base + pa */
};
struct vml_read_plan {
	uint32_t mode;             /* enum vml_read_mode */
	uint64_t direct_base;      /* VML_READ_DIRECT_MAP: where pa 0 is mapped */
	char note[256];            /* one line for the user, no newline; ""
				      for VML_READ_PHYSICAL */
};
/* The reading policy: physical reads when the stub has them, else the
 * direct map at its base from the hints' symbols, else at the documented
 * default (wrong under KASLR; the note says so). Fills
 * min(ret_size, sizeof) bytes of *ret; ret_size below the first published
 * size is VML_ERROR_INVALID. hints may be NULL. */
struct vml_error *vml_kernel_read_plan(const struct vml_paging *paging,
				       const struct vml_kernel_hints *hints,
				       bool phys_reads,
				       struct vml_read_plan *ret,
				       size_t ret_size);

struct vml_kernel;

/* Walks paging's roots through src (physical reads) and classifies. paging
 * is copied; hints (may be NULL) are read during the call only. src is
 * borrowed and must outlive the kernel: vml_kernel_where and
 * vml_kernel_find_phys read the tables again through it (cached pages).
 * Unreadable or corrupt tables make the layout INCOMPLETE, not an error;
 * an unreadable root is VML_ERROR_FAULT, and tables with no present entry
 * at all (a wrong root, or one outside RAM that reads as zeros) are
 * VML_ERROR_NOT_FOUND: nothing was read, so nothing can be told. */
struct vml_error *vml_kernel_from_pagetables(struct vml_source *src,
					     const struct vml_paging *paging,
					     const struct vml_kernel_hints *hints,
					     struct vml_kernel **ret);
/* Same from ranges the caller already has (sorted by start, as
 * vml_pt_walk_range gives them); paging and the ranges are copied. */
struct vml_error *vml_kernel_from_ranges(const struct vml_paging *paging,
					 const struct vml_pt_range *ranges,
					 size_t count,
					 const struct vml_kernel_hints *hints,
					 struct vml_kernel **ret);
void vml_kernel_free(struct vml_kernel *kernel);

/* Regions of both halves (kernel ones: one per run of equal permissions
 * inside a documented slot, VML_REGION_GUESSED when the slot's base was
 * inferred). Owned by the kernel object, valid until it is freed. */
const struct vml_layout *vml_kernel_layout(const struct vml_kernel *kernel);
/* The kernel's copy of its paging; valid until the kernel is freed. */
const struct vml_paging *vml_kernel_paging(const struct vml_kernel *kernel);
/* A base and (through how_ret, may be NULL) enum vml_kbase_how; 0 unknown. */
uint64_t vml_kernel_base(const struct vml_kernel *kernel, enum vml_kbase which,
			 uint32_t *how_ret);
/* enum vml_kind of the slot holding va (VML_KIND_UNKNOWN in the user half
 * and the non-canonical hole, VML_KIND_KERNEL for unnamed kernel space). */
uint32_t vml_kernel_kind_at(const struct vml_kernel *kernel, uint64_t va);
/* enum vml_half of va for this kernel's paging. */
uint32_t vml_kernel_half(const struct vml_kernel *kernel, uint64_t va);
/* The ranges of the walk (all statuses) and the kind of each; owned by
 * the kernel. */
size_t vml_kernel_range_count(const struct vml_kernel *kernel);
const struct vml_pt_range *vml_kernel_range(const struct vml_kernel *kernel,
					    size_t i);
uint32_t vml_kernel_range_kind(const struct vml_kernel *kernel, size_t i);
/* Walk statistics (zero for vml_kernel_from_ranges). */
void vml_kernel_walk_stats(const struct vml_kernel *kernel,
			   struct vml_pt_walk_stats *ret);
/* Every virtual address the walk's ranges map physical address pa at,
 * ascending: fills at most max of them into vas (may be NULL when max is
 * 0) and returns how many there are in total. Reads nothing (aliases
 * through shared tables need vml_kernel_find_phys). */
size_t vml_kernel_phys_to_virt(const struct vml_kernel *kernel, uint64_t pa,
			       uint64_t *vas, size_t max);

/* One virtual address mapping a physical address, with what is there. */
struct vml_kernel_hit {
	uint64_t va;               /* maps exactly the physical address */
	uint64_t page_size;        /* of the leaf */
	uint32_t level;            /* of the leaf */
	uint32_t flags;            /* effective enum vml_pt_flags (no A/D) */
	uint32_t pkey;
	uint32_t half;             /* enum vml_half */
	uint32_t kind;             /* vml_kernel_kind_at(va) */
};
/*
 * Every virtual address mapping pa: with a source, vml_pt_find_phys over
 * the kernel's tables (shared and recursive tables followed); without
 * (vml_kernel_from_ranges) the walk's ranges. hits is an array of max
 * elements of hit_size bytes each (hit_size >= the first published
 * sizeof(struct vml_kernel_hit); each gets min(hit_size, sizeof) bytes);
 * hits may be NULL when max is 0, total_ret may be NULL.
 */
struct vml_error *vml_kernel_find_phys(const struct vml_kernel *kernel,
				       uint64_t pa, size_t max,
				       struct vml_kernel_hit *hits,
				       size_t hit_size, size_t *nhits_ret,
				       uint64_t *total_ret);

/* How many aliases a struct vml_kernel_where holds. */
#define VML_KERNEL_WHERE_ALIASES 64

/* whereis on a page-table target. */
struct vml_kernel_where {
	uint64_t addr;
	struct vml_pt_translation walk;  /* level by level; walk.mapped etc. */
	uint32_t half;                   /* enum vml_half (never NONCANONICAL:
					    that is an error) */
	uint32_t kind;                   /* enum vml_kind of the slot, as
					    vml_kernel_kind_at */
	const struct vml_region *region; /* region holding addr or NULL; owned
					    by the kernel's layout, valid until
					    the kernel is freed */
	size_t region_index;             /* its index in vml_kernel_layout;
					    SIZE_MAX when region is NULL */
	bool has_symbol;
	char symbol[128];                /* the caller's "name+0x12", copied
					    (cut to fit) */
	/* Mapped only: the other virtual addresses mapping the same physical
	 * address (addr itself left out), first VML_KERNEL_WHERE_ALIASES. */
	uint64_t mappings_total;         /* every mapping, addr included */
	uint64_t aliases_total;          /* every other mapping */
	uint32_t naliases;
	struct vml_kernel_hit aliases[VML_KERNEL_WHERE_ALIASES];
	bool direct_map;                 /* addr is in the direct map */
	bool text_maps_page;             /* the kernel image mapping maps the
					    same physical page */
};
/*
 * Explains addr: the translation through the kernel's tables, its slot,
 * region and aliases (reads through the kernel's source; a kernel from
 * ranges has no walk: VML_ERROR_UNSUPPORTED). symbol may be NULL. An
 * address no root translates is VML_ERROR_INVALID ("not canonical").
 * Fills min(ret_size, sizeof) bytes; ret_size below the first published
 * size is VML_ERROR_INVALID.
 */
struct vml_error *vml_kernel_where(const struct vml_kernel *kernel,
				   uint64_t addr, const char *symbol,
				   struct vml_kernel_where *ret,
				   size_t ret_size);

enum vml_kernel_render_flags {
	VML_KRENDER_PAGETABLES = 1u << 8, /* ptdump view: every range + flags */
	VML_KRENDER_WX = 1u << 9,         /* only writable+executable ranges */
};
/* Pure formatters: they read nothing. *ret is NUL-terminated, free it with
 * vml_free(). */
/* flags: VML_RENDER_COLOR | VML_KRENDER_*. Without PAGETABLES/WX: the
 * region picture with the bases (TEXT/PICTURE) or {"levels", root,
 * no-execute, "bases", "incomplete", "regions"} (JSON). With them: a
 * ptdump-style table (TEXT/TABLE) or {"ranges": [...]} (JSON). */
struct vml_error *vml_render_kernel(const struct vml_kernel *kernel,
				    enum vml_format format, uint32_t flags,
				    char **ret);
/* whereis: slot and region, the walk level by level with decoded bits,
 * page size, physical address, aliases. format TEXT or JSON. */
struct vml_error *vml_render_kernel_where(const struct vml_kernel *kernel,
					  const struct vml_kernel_where *where,
					  enum vml_format format,
					  uint32_t flags, char **ret);
/* whereis --phys: the hits of vml_kernel_find_phys (n of them, hit_size
 * bytes apart) out of total. format TEXT or JSON. */
struct vml_error *vml_render_phys_hits(const struct vml_kernel *kernel,
				       uint64_t pa,
				       const struct vml_kernel_hit *hits,
				       size_t n, size_t hit_size,
				       uint64_t total, enum vml_format format,
				       uint32_t flags, char **ret);

/* One debugger command on a page-table target. */
enum vml_kernel_query {
	VML_KQUERY_LAYOUT = 0,     /* vmlayout */
	VML_KQUERY_PAGETABLES = 1, /* vmlayout --pagetables */
	VML_KQUERY_WX = 2,         /* vmlayout --wx */
	VML_KQUERY_WHERE = 3,      /* whereis ADDR */
	VML_KQUERY_PHYS = 4,       /* whereis --phys ADDR */
};
struct vml_kernel_request {
	uint32_t query;            /* enum vml_kernel_query */
	uint32_t format;           /* VML_FORMAT_TEXT or VML_FORMAT_JSON */
	uint32_t flags;            /* VML_RENDER_COLOR */
	uint64_t addr;             /* WHERE: virtual, PHYS: physical address */
	const char *symbol;        /* WHERE: "name+0x12" or NULL (borrowed) */
};
/*
 * The one call a debugger bridge makes per command: walks, classifies,
 * answers the request and renders it into *ret (free with vml_free). Every
 * read of the command happens inside this call (through src, borrowed for
 * the call), so a bridge switches its stub's physical mode around it
 * alone. req_size is sizeof(struct vml_kernel_request) as the caller knows
 * it (at least the first published size).
 */
struct vml_error *vml_kernel_answer(struct vml_source *src,
				    const struct vml_paging *paging,
				    const struct vml_kernel_hints *hints,
				    const struct vml_kernel_request *req,
				    size_t req_size, char **ret);

#ifdef __cplusplus
}
#endif

#endif /* VMLAYOUT_H */

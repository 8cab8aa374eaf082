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
 * ABI (VML_ABI_VERSION; the soname is libvmlayout.so.VML_ABI_VERSION, from
 * the libtool version in configure.ac, current:revision:age rules):
 *  - Sized structs. A function that fills a struct the caller provides,
 *    or reads one, takes the struct's size as the caller was compiled with
 *    it (pass sizeof), next to the pointer; an array of structs comes with
 *    the size of one element:
 *        struct vml_where w;
 *        err = vml_layout_where(layout, addr, &w, sizeof(w));
 *    The library fills the first min(size, its own sizeof) bytes, and reads
 *    what a caller's struct lacks as zero, so structs grow at the end
 *    without breaking programs built against an older header. A size below
 *    a struct's first published size, VML_<NAME>_SIZE_V2, is
 *    VML_ERROR_INVALID. A struct marked "fixed" (it is embedded in another
 *    struct, or passed in an array without an element size) keeps its
 *    layout for the whole of this ABI.
 *  - Pointers. Every function or field that hands out a pointer says who
 *    owns it and how long it lives. A pointer to one element of an array
 *    the library owns (vml_layout_region, vml_layout_find, vml_where.region,
 *    vml_pt_walk_range, vml_kernel_range ...) is for that element alone:
 *    never index, increment or subtract it (the element's size may grow);
 *    ask by index, and use the indexes answers carry (vml_where.region_index,
 *    vml_gap.below_index ...). Strings handed over through char **ret are
 *    the caller's, freed with vml_free(); const char * results are the
 *    library's and must not be freed.
 */
#ifndef VMLAYOUT_H
#define VMLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes: the soname's number (libvmlayout.so.2).
 * It changes whenever a program built against this header would break
 * with a newer library; vml_abi_version() says which one the loaded
 * library has (a binding loading it at run time checks the two agree). */
#define VML_ABI_VERSION 2

/*
 * Marks what the shared library exports. The library is built with
 * -fvisibility=hidden, so every function declared here carries it and
 * nothing else is exported (tests/python/test_bindings.py compares the
 * .so's dynamic symbols with this header's functions).
 */
#if defined(__GNUC__) || defined(__clang__)
#define VML_PUBLIC __attribute__((visibility("default")))
#else
#define VML_PUBLIC
#endif

/* The size of TYPE up to and including MEMBER: how the VML_*_SIZE_V2
 * minimums of the sized structs are spelled (a published prefix). */
#define VML_SIZE_THROUGH(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

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
	VML_ERROR_CANCELLED = 11,  /* the caller's progress callback said stop */
};

struct vml_error;

VML_PUBLIC
enum vml_error_code vml_error_code(const struct vml_error *err);
/* One line, no trailing newline, names what was wrong and where. Owned by
 * err: valid until vml_error_free(err). */
VML_PUBLIC
const char *vml_error_message(const struct vml_error *err);
/* errno for VML_ERROR_IO/PERMISSION/NOT_FOUND from a system call, else 0. */
VML_PUBLIC
int vml_error_errno(const struct vml_error *err);
/* Faulting address for VML_ERROR_FAULT; *has_address false otherwise. */
VML_PUBLIC
uint64_t vml_error_address(const struct vml_error *err, bool *has_address);
/* Every error returned is the caller's to free with this (once). Safe on
 * NULL and on the library's static errors. */
VML_PUBLIC
void vml_error_free(struct vml_error *err);

/* Free memory the library handed out (rendered strings). */
VML_PUBLIC
void vml_free(void *ptr);

/* The package version, "0.1.0". Static storage: lives forever. */
VML_PUBLIC
const char *vml_version(void);
/* VML_ABI_VERSION as the library was built. */
VML_PUBLIC
int vml_abi_version(void);

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

/* A source is the caller's: free it with vml_source_free, after every
 * layout and kernel that borrows it. */
struct vml_source;

/* fn and arg are kept: they must stay valid as long as the source. */
VML_PUBLIC
struct vml_error *vml_source_from_callback(vml_read_fn *fn, void *arg,
					   struct vml_source **ret);
/* Virtual reads from /proc/PID/mem (needs ptrace access to PID). */
VML_PUBLIC
struct vml_error *vml_source_from_pid(int pid, struct vml_source **ret);
/* Reads from a caller-owned buffer that stays alive as long as the source;
 * byte i of buf is address base + i in the given space. */
VML_PUBLIC
struct vml_error *vml_source_from_buffer(enum vml_space space, uint64_t base,
					 const void *buf, size_t len,
					 struct vml_source **ret);
VML_PUBLIC
struct vml_error *vml_source_read(struct vml_source *src, enum vml_space space,
				  uint64_t addr, void *buf, size_t len);
/* Drop cached physical pages (call when the target has run). */
VML_PUBLIC
void vml_source_invalidate(struct vml_source *src);

struct vml_source_stats {
	uint64_t reads;       /* reads that reached the back end */
	uint64_t bytes;       /* bytes those reads asked for */
	uint64_t cache_hits;  /* page reads served from the cache */
	uint64_t failures;    /* back-end reads that failed */
};
#define VML_SOURCE_STATS_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_source_stats, failures)
/* Counters of src (all zero for a NULL src). Sized: ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_source_get_stats(const struct vml_source *src,
				       struct vml_source_stats *ret,
				       size_t ret_size);
VML_PUBLIC
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
	VML_KIND_GUARD,         /* "guard": PROT_NONE mapping directly below a
				   stack (a thread's, or the main one) */
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
	/* user space again (added later; values never change) */
	VML_KIND_RESERVED,      /* "reserved": PROT_NONE address space that is no
				   stack guard: glibc's malloc arena
				   reservations, Go's heap reservations, a
				   library's alignment hole (that one has the
				   library as its object) */
	/* kernel space again (AArch64: Documentation/arch/arm64/memory.rst) */
	VML_KIND_PCI_IO,        /* "pci-io": PCI I/O space */
	VML_KIND_COUNT
};
/* Static storage: lives forever. */
VML_PUBLIC
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
/* Static storage: lives forever. */
VML_PUBLIC
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
	VML_REGION_FILE_MISMATCH = 1u << 9,/* the file at path on disk is not
					   the one mapped here (rebuilt since:
					   build-id, mtime or inode differ);
					   nothing is read from it: the kind
					   is guessed from the perms, whereis
					   gives no section, symbol or insn
					   from it (set by the classifier) */
};

/*
 * One region of a layout. The library owns every vml_region and hands out
 * pointers to single ones (vml_layout_region, vml_layout_find, vml_where,
 * vml_gap): they stay valid, and so do the strings in them, until the
 * layout is freed; vml_layout_classify after a change rewrites the kind,
 * group, flags, object, tid, nthreads and tids fields in place. Never do pointer arithmetic
 * on them: the struct may grow at the end (callers read only the fields
 * they know), so the next region is not at region + 1 in the caller's
 * view. Use indexes (vml_layout_region(layout, i), region_index fields).
 */
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
	int64_t tid;           /* thread whose stack this is (for a stack shared by
				  several threads, the first of tids; for a
				  guard, the thread of the stack above it);
				  0 if none */
	/* Every thread whose $sp lies in the region, by tid ascending (a
	 * mapping holding the stacks of several threads, a guard page a
	 * thread overflowed into). tids is owned by the layout, valid as
	 * the region's strings are until the layout is classified again
	 * after a change; NULL when nthreads is 0. */
	uint32_t nthreads;
	const int64_t *tids;
};

/* ---------------------------------------------------------------- layouts */

struct vml_layout;

/* Parse /proc/PID/maps text. The text need not be NUL-terminated (it is
 * copied: the caller's buffer is borrowed for the call). The new layout is
 * the caller's: free it with vml_layout_free (which frees everything it
 * handed out). */
VML_PUBLIC
struct vml_error *vml_layout_from_maps(const char *text, size_t len,
				       struct vml_layout **ret);
/*
 * Everything the kernel tells about PID: maps, auxv, exe path, every
 * thread's stack pointer (from /proc/PID/task/TID/syscall when readable),
 * then classifies. Also attaches a /proc/PID/mem source when readable (the
 * layout's own: freed with it). Free *ret with vml_layout_free.
 */
VML_PUBLIC
struct vml_error *vml_layout_from_pid(int pid, struct vml_layout **ret);
VML_PUBLIC
void vml_layout_free(struct vml_layout *layout);

/* Context used by vml_layout_classify(); all optional. Every argument is
 * copied (borrowed for the call only). */
VML_PUBLIC
struct vml_error *vml_layout_add_thread(struct vml_layout *layout, int64_t tid,
					uint64_t sp, bool is_main);
/* Raw auxv as in /proc/PID/auxv or NT_AUXV: pairs of uint64_t. */
VML_PUBLIC
struct vml_error *vml_layout_set_auxv(struct vml_layout *layout,
				      const void *auxv, size_t len);
VML_PUBLIC
struct vml_error *vml_layout_set_exe(struct vml_layout *layout,
				     const char *path);
/* Borrowed; must outlive the layout (or be replaced by NULL first). Used to
 * read instruction bytes and in-memory ELF headers. */
VML_PUBLIC
void vml_layout_set_source(struct vml_layout *layout, struct vml_source *src);
/* Prefix for every file path read from disk (like GDB's sysroot); "" or
 * NULL for none. Copied. */
VML_PUBLIC
struct vml_error *vml_layout_set_sysroot(struct vml_layout *layout,
					 const char *sysroot);
/* The layout is of the live local process pid (0: none, the default;
 * vml_layout_from_pid sets it): the library may then read /proc/PID/
 * map_files/START-END and /proc/PID/exe, so a deleted (or rebuilt and
 * replaced) file still gives its sections and symbols, and compare the
 * maps' device and inode with the file at each path. Set it only for a
 * process on this machine (not one under a remote gdbserver). */
VML_PUBLIC
struct vml_error *vml_layout_set_pid(struct vml_layout *layout, int pid);
/* The syntax of the instructions whereis decodes: "att" (the default, as
 * GDB's x/i by default) or "intel" (GDB's `set disassembly-flavor intel`;
 * libopcodes' "intel" option). Copied; VML_ERROR_INVALID for any other
 * name. Takes effect for the next vml_layout_where. */
VML_PUBLIC
struct vml_error *vml_layout_set_disasm_syntax(struct vml_layout *layout,
					       const char *syntax);
/* Name every region (kind, group, object). Reads ELF headers of mapped
 * files, bounded. A layout already classified and not changed since is left
 * as it is (no work, pointers into it stay valid). */
VML_PUBLIC
struct vml_error *vml_layout_classify(struct vml_layout *layout);

enum vml_layout_flags {
	VML_LAYOUT_INCOMPLETE = 1u << 0, /* some input was missing or damaged */
	VML_LAYOUT_PARTIAL = 1u << 1,    /* only what vml_layout_add_known_mappings
					    could tell: the mappings were not
					    listed */
};
VML_PUBLIC
uint32_t vml_layout_flags(const struct vml_layout *layout);
/*
 * For a process whose mappings cannot be listed (qemu-aarch64 -g: QEMU's
 * user-mode gdbstub gives no /proc/PID/maps): adds what can be known to a
 * layout with the process's auxv, executable (and sysroot, and a source
 * reading its memory) set: the executable's PT_LOADs at AT_ENTRY's bias,
 * the dynamic linker's at AT_BASE, the libraries of the dynamic linker's
 * r_debug list, and the main stack from the main thread's $sp to the
 * strings at its top; sets VML_LAYOUT_PARTIAL (vml_render_layout_warnings
 * says what is missing). Call before vml_layout_classify.
 * VML_ERROR_INVALID without AT_ENTRY or the executable.
 */
VML_PUBLIC
struct vml_error *vml_layout_add_known_mappings(struct vml_layout *layout);

VML_PUBLIC
size_t vml_layout_count(const struct vml_layout *layout);
/* Region i, NULL when i >= count. Owned by the layout: valid until the
 * layout is freed (see struct vml_region: no pointer arithmetic). */
VML_PUBLIC
const struct vml_region *vml_layout_region(const struct vml_layout *layout,
					   size_t i);
/* The region containing addr, or NULL. O(log n). Owned by the layout, as
 * vml_layout_region's. */
VML_PUBLIC
const struct vml_region *vml_layout_find(const struct vml_layout *layout,
					 uint64_t addr);
/* The index of the region containing addr, SIZE_MAX when addr is
 * unmapped (or layout is NULL). O(log n). */
VML_PUBLIC
size_t vml_layout_find_index(const struct vml_layout *layout, uint64_t addr);

/* An unmapped span and its neighbours. Sized (vml_layout_gap); fixed for
 * this ABI: it is embedded in struct vml_where. below and above are owned
 * by the layout, as vml_layout_region's. */
struct vml_gap {
	uint64_t start;                 /* first unmapped address */
	uint64_t last;                  /* last unmapped address (inclusive) */
	const struct vml_region *below; /* region just below, or NULL */
	const struct vml_region *above; /* region just above, or NULL */
	size_t below_index;             /* index of below; SIZE_MAX when NULL */
	size_t above_index;             /* index of above; SIZE_MAX when NULL */
};
#define VML_GAP_SIZE_V2 VML_SIZE_THROUGH(struct vml_gap, above_index)
/* The gap holding the unmapped address addr (bounded by neighbouring
 * regions, or by 0 / 2^64-1). O(log n). A mapped addr has no gap:
 * VML_ERROR_INVALID (vml_layout_find_index tells which addresses are
 * mapped). vml_layout_where's gap is also bounded by the part of the space
 * holding the address (user space ends below the non-canonical hole, or
 * below a 32-bit process's kernel part). Sized: ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_layout_gap(const struct vml_layout *layout,
				 uint64_t addr, struct vml_gap *ret,
				 size_t ret_size);

/* ---------------------------------------------------------------- cores */

/* Facts from an ELF core's notes (NT_PRPSINFO, NT_SIGINFO, NT_PRSTATUS ...).
 * Sized (vml_layout_core_info). */
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
#define VML_CORE_INFO_SIZE_V2 VML_SIZE_THROUGH(struct vml_core_info, incomplete)

/*
 * Maps the core (never reads it whole), builds its layout from PT_LOAD +
 * NT_FILE, takes threads from NT_PRSTATUS and auxv from NT_AUXV, and
 * classifies. The layout reads memory from the core itself (its own source,
 * freed with it). Unsupported cores (not ELF64 x86-64 ET_CORE) give
 * VML_ERROR_UNSUPPORTED. Free *ret with vml_layout_free.
 */
VML_PUBLIC
struct vml_error *vml_layout_from_core(const char *path, struct vml_layout **ret);
/* Same, from a caller-owned buffer that must outlive the layout (fuzzing,
 * tests): the layout reads it, never copies it. */
VML_PUBLIC
struct vml_error *vml_layout_from_core_buffer(const void *buf, size_t len,
					      struct vml_layout **ret);
/* True when layout was made from a core (vml_layout_from_core*). */
VML_PUBLIC
bool vml_layout_is_core(const struct vml_layout *layout);
/* Core facts of a layout made from a core; VML_ERROR_INVALID for other
 * layouts (vml_layout_is_core tells). Sized: ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_layout_core_info(const struct vml_layout *layout,
				       struct vml_core_info *ret,
				       size_t ret_size);
/*
 * The one-line summary of a core that front ends print above its picture
 * or table, e.g.
 *   core core.4242: pid 4242 (demo-prog), signal SIGSEGV (fault address
 *   0x555555571010), 2 threads
 * (one line, ending in a newline). path is the core as the user named it,
 * or NULL. Signals have their Linux names. VML_ERROR_INVALID for a layout
 * that is not from a core. *ret: free with vml_free().
 */
VML_PUBLIC
struct vml_error *vml_render_core_summary(const struct vml_layout *layout,
					  const char *path, char **ret);
/*
 * Warnings about a layout as a whole, one line each ("warning: the layout
 * is incomplete: ..."), for front ends to print (on stderr, after their own
 * name); "" when there are none. *ret: free with vml_free().
 */
VML_PUBLIC
struct vml_error *vml_render_layout_warnings(const struct vml_layout *layout,
					     char **ret);
/* The same warnings one by one: how many there are, and line i (starts
 * with "warning: ", no newline; NULL when i >= count). The lines are the
 * layout's, valid until it is classified again or freed. Besides an
 * incomplete layout, classification warns once about mapped files whose
 * copy on disk is another file (VML_REGION_FILE_MISMATCH), naming them. */
VML_PUBLIC
size_t vml_layout_warning_count(const struct vml_layout *layout);
VML_PUBLIC
const char *vml_layout_warning(const struct vml_layout *layout, size_t i);

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
 * What an address is to a thread's stack (vml_where.stack_role). An
 * address is on thread T's stack only by T's own $sp: in a mapping holding
 * the $sp of several threads, it belongs to the thread whose $sp is the
 * nearest at or below it (below every $sp there: the thread with the
 * lowest, as its red zone or unused stack); a mapping holding no $sp is no
 * stack (except [stack], the main thread's by name).
 */
enum vml_stack_role {
	VML_STACK_ROLE_NONE = 0,      /* not on or by a stack */
	VML_STACK_ROLE_LIVE = 1,      /* at or above the thread's $sp: the part
					 in use (or $sp unknown: has_stack_sp
					 is false) */
	VML_STACK_ROLE_RED_ZONE = 2,  /* below $sp, inside the ABI's red zone */
	VML_STACK_ROLE_UNUSED = 3,    /* below $sp and the red zone */
	VML_STACK_ROLE_GUARD = 4,     /* the guard page(s) of a stack, no $sp in
					 them: an overflow of that stack faults
					 here */
	VML_STACK_ROLE_OVERFLOW = 5,  /* a guard holding the thread's own $sp:
					 the thread overflowed its stack */
	VML_STACK_ROLE_GAP_OVERFLOW = 6, /* unmapped, in the gap right below the
					 main stack, which holds its thread's
					 $sp: the kernel did not grow the stack
					 down to $sp (RLIMIT_STACK, or the
					 stack guard gap above the mapping
					 below): a stack overflow */
};

/*
 * The answer of vml_layout_where. Sized (vml_layout_where fills it,
 * vml_render_where reads it). Pointers in it (region, gap.below,
 * gap.above, section, symbol, stack_threads) point into the layout: they stay valid until
 * the layout is freed or classified again after a change (threads, auxv,
 * exe or sysroot set). vml_layout_classify on a layout that has not changed
 * since it was classified does nothing, so it does not invalidate them.
 * noncanonical_fault is static storage (lives forever). Use region_index
 * and gap.below_index / gap.above_index, never pointer arithmetic, to
 * find the regions in the layout.
 */
struct vml_where {
	uint64_t addr;
	uint32_t half;                   /* enum vml_half, by the layout's halves
					    (vml_layout_space: 48-bit canonical
					    form on x86-64) */
	bool canonical;
	const struct vml_region *region; /* NULL when unmapped */
	struct vml_gap gap;              /* valid when region == NULL; never
	                                    runs past the half holding addr (a
	                                    bound that is no region leaves
	                                    below/above NULL) */
	bool has_file_offset;
	uint64_t file_offset;            /* offset of addr in region->path */
	const char *section;             /* ".text", ".bss" ...; NULL if none */
	uint64_t section_offset;
	const char *symbol;              /* nearest ELF symbol at or below addr; NULL */
	uint64_t symbol_offset;
	int64_t stack_tid;               /* thread whose stack holds addr (or
	                                    whose guard or stack gap it is:
	                                    stack_role); 0 none */
	bool has_stack_sp;
	uint64_t stack_sp;               /* that thread's $sp */
	int64_t above_sp;                /* addr - sp (negative: below sp, red zone or unused) */
	bool has_insn;
	uint32_t insn_len;
	char insn[160];                  /* "mov    %rsp,%rbp" as GDB's x/i prints it */
	/* Notes the library decides so every front end says the same. */
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
	size_t region_index;             /* index of region in the layout;
	                                    SIZE_MAX when unmapped */
	uint64_t space_last;             /* last address of the space
	                                    (0xffffffff for a 32-bit process) */
	/* Stack facts: stack_tid, has_stack_sp, stack_sp and above_sp above
	 * describe the thread stack_role names. */
	uint32_t stack_role;             /* enum vml_stack_role */
	bool stack_is_main;              /* stack_tid is the main thread */
	uint64_t overflow_depth;         /* OVERFLOW: bytes from the top of the
	                                    guard (the stack's lowest address)
	                                    down to the thread's $sp ("$sp is
	                                    0xe20 into it"); GAP_OVERFLOW: from
	                                    the main stack's lowest address down
	                                    to $sp; else 0 */
	size_t stack_region_index;       /* the stack mapping (for a guard the
	                                    stack above it, for GAP_OVERFLOW the
	                                    main stack); SIZE_MAX when none */
	uint32_t nstack_threads;         /* threads whose $sp lies in that stack */
	const int64_t *stack_threads;    /*   mapping, by tid ascending (stack_tid
	                                    among them unless its $sp is in the
	                                    guard or gap); owned by the layout,
	                                    as region */
};
#define VML_WHERE_SIZE_V2 VML_SIZE_THROUGH(struct vml_where, stack_threads)
/* Explain addr. Never fails for an unmapped or non-canonical address: that
 * is an answer, not an error. Classifies the layout first if it is not.
 * Sized: ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_layout_where(struct vml_layout *layout, uint64_t addr,
				   struct vml_where *ret, size_t ret_size);

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
VML_PUBLIC
struct vml_error *vml_render_layout(const struct vml_layout *layout,
				    enum vml_format format, uint32_t flags,
				    char **ret);
/* format: VML_FORMAT_TEXT, VML_FORMAT_JSON or VML_FORMAT_LINE. Formats
 * where alone: layout may be NULL. where is the caller's answer from
 * vml_layout_where (sized: where_size = sizeof(*where)), read during the
 * call only. *ret: free with vml_free(). */
VML_PUBLIC
struct vml_error *vml_render_where(const struct vml_layout *layout,
				   const struct vml_where *where,
				   size_t where_size, enum vml_format format,
				   uint32_t flags, char **ret);
/* Human size: "4 KiB", "1.5 MiB", "128 TiB" (exact values without decimals). Always NUL-terminates. */
VML_PUBLIC
void vml_format_size(uint64_t bytes, char *buf, size_t size);

/* ---------------------------------------------------------------- disasm */

/* Decode one x86-64 instruction (AT&T syntax, as GDB's default x/i) from
 * code[0..len) located at addr into the caller's out (out_size bytes,
 * always NUL-terminated); other instruction sets: vml_disasm_one_arch. */
VML_PUBLIC
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
	VML_ARCH_AARCH64 = 4, /* AArch64 (ELFCLASS64 EM_AARCH64, GDB's
				 "aarch64"): kernels (TTBR0/TTBR1 paging),
				 processes and cores */
};
/* The architecture called name: its own name ("x86-64") or a debugger's
 * (GDB's Architecture.name(), "i386:x86-64"); VML_ARCH_UNKNOWN for none. */
VML_PUBLIC
enum vml_arch_id vml_arch_from_name(const char *name);
/* "x86-64"; NULL for an unknown id. Static storage: lives forever. */
VML_PUBLIC
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
VML_PUBLIC
struct vml_error *vml_layout_set_arch(struct vml_layout *layout,
				      enum vml_arch_id arch);
/* VML_ARCH_X86_64 until set (VML_ARCH_UNKNOWN for NULL). */
VML_PUBLIC
enum vml_arch_id vml_layout_get_arch(const struct vml_layout *layout);
/* vml_disasm_one for arch's instruction set (VML_ARCH_I386: i386, as GDB's
 * x/i shows a 32-bit process). VML_ERROR_UNSUPPORTED for an id without a
 * decoder (VML_ARCH_UNKNOWN, VML_ARCH_X32). */
VML_PUBLIC
struct vml_error *vml_disasm_one_arch(enum vml_arch_id arch,
				      const uint8_t *code, size_t len,
				      uint64_t addr, char *out,
				      size_t out_size, size_t *insn_len_ret);

/* A name and a 64-bit value (registers, symbols). Arrays of them are
 * borrowed for the duration of the call that takes them, names included.
 * Fixed for this ABI (arrays of them carry no element size). */
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
	VML_PT_NX = 1u << 10,      /* no-execute (only when the paging enforces it);
				      AArch64: privileged execute-never (PXN) */
	/* AArch64 (zero on x86-64, where NX forbids both): */
	VML_PT_UXN = 1u << 11,     /* unprivileged (EL0) execute-never */
	VML_PT_CONT = 1u << 12,    /* contiguous hint */
	VML_PT_DBM = 1u << 13,     /* dirty bit modifier (hardware dirty state) */
	/* Fields: shareability (AArch64 SH: 0 non-, 2 outer, 3 inner
	 * shareable) and the memory type (enum vml_pt_memtype; AArch64:
	 * AttrIndx resolved through MAIR_EL1). */
	VML_PT_SH_SHIFT = 14,
	VML_PT_SH_MASK = 3u << 14,
	VML_PT_MEMTYPE_SHIFT = 16,
	VML_PT_MEMTYPE_MASK = 0xfu << 16,
};

/* Memory types in the flags' MEMTYPE field (0 where the architecture
 * decodes none: x86-64 leaves PAT/PCD/PWT as bits). */
enum vml_pt_memtype {
	VML_PT_MEM_UNKNOWN = 0,
	VML_PT_MEM_NORMAL_WB = 1,      /* Normal, write-back (inner and outer) */
	VML_PT_MEM_NORMAL_WT = 2,      /* Normal, write-through */
	VML_PT_MEM_NORMAL_NC = 3,      /* Normal, non-cacheable */
	VML_PT_MEM_NORMAL_TAGGED = 4,  /* Normal, write-back, MTE tagged */
	VML_PT_MEM_NORMAL_MIXED = 5,   /* Normal, inner and outer differ */
	VML_PT_MEM_DEVICE_nGnRnE = 6,
	VML_PT_MEM_DEVICE_nGnRE = 7,
	VML_PT_MEM_DEVICE_nGRE = 8,
	VML_PT_MEM_DEVICE_GRE = 9,
	VML_PT_MEM_RESERVED = 10,      /* an encoding the architecture leaves
					  UNPREDICTABLE */
	VML_PT_MEMTYPE_COUNT
};

/*
 * NULL-terminated list of the register names a caller must read from the
 * target and pass to vml_paging_from_registers (x86-64: "cr3", "cr4",
 * "efer"); NULL for an unknown arch. Static storage: lives forever.
 */
VML_PUBLIC
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
VML_PUBLIC
struct vml_error *vml_paging_from_registers(enum vml_arch_id arch,
					    const struct vml_named_value *regs,
					    size_t nregs, uint32_t maxphyaddr,
					    struct vml_paging **ret);
VML_PUBLIC
void vml_paging_free(struct vml_paging *paging);
VML_PUBLIC
enum vml_arch_id vml_paging_arch(const struct vml_paging *paging);
/* Levels of tables (x86-64: 4, or 5 with LA57). */
VML_PUBLIC
uint32_t vml_paging_levels(const struct vml_paging *paging);
/* Virtual address width (48, 57 ...). */
VML_PUBLIC
uint32_t vml_paging_va_bits(const struct vml_paging *paging);
/* True when no-execute bits are enforced (x86-64: EFER.NXE). */
VML_PUBLIC
bool vml_paging_nx(const struct vml_paging *paging);
/* Root tables (one per translation base register), ascending VA ranges. */
VML_PUBLIC
size_t vml_paging_root_count(const struct vml_paging *paging);
/* Physical address of root i; 0 when i is out of range. */
VML_PUBLIC
uint64_t vml_paging_root(const struct vml_paging *paging, size_t i);
/* One line, e.g. "CR3 0x2692000, 4-level paging, NX enabled". Owned by
 * paging: valid until it is freed. */
VML_PUBLIC
const char *vml_paging_description(const struct vml_paging *paging);

enum vml_pt_status {
	VML_PT_MAPPED = 0,     /* a leaf mapping */
	VML_PT_ALIAS = 1,      /* table already walked elsewhere in this walk: not descended */
	VML_PT_UNREADABLE = 2, /* table page could not be read */
	VML_PT_RESERVED = 3,   /* entry with reserved bits set: the CPU would fault */
};

/* One coalesced run of leaves (or a problem span). The library hands out
 * pointers to single ranges it owns (vml_pt_walk_range, vml_kernel_range:
 * no pointer arithmetic, see struct vml_region) and reads arrays of them
 * with an element size (vml_kernel_from_ranges). */
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
#define VML_PT_RANGE_SIZE_V2 VML_SIZE_THROUGH(struct vml_pt_range, status)

struct vml_pt_walk;

/* Walks every root of paging through src (physical reads, whole pages,
 * each table at most once). Unreadable tables and reserved entries become
 * problem ranges; only an unreadable root is an error (VML_ERROR_FAULT).
 * src and paging are borrowed for the call. Free *ret with
 * vml_pt_walk_free. */
VML_PUBLIC
struct vml_error *vml_pt_walk(struct vml_source *src,
			      const struct vml_paging *paging,
			      struct vml_pt_walk **ret);
VML_PUBLIC
size_t vml_pt_walk_count(const struct vml_pt_walk *walk);
/* Range i, NULL when i >= count. Owned by the walk: valid until it is
 * freed (no pointer arithmetic: see struct vml_pt_range). */
VML_PUBLIC
const struct vml_pt_range *vml_pt_walk_range(const struct vml_pt_walk *walk,
					     size_t i);
struct vml_pt_walk_stats {
	uint64_t table_pages;  /* distinct tables read */
	uint64_t entries;      /* present entries examined */
	uint64_t leaves;       /* leaf entries seen (before coalescing) */
	uint64_t problems;     /* ranges with status != MAPPED */
};
#define VML_PT_WALK_STATS_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_pt_walk_stats, problems)
/* Counters of the walk (all zero for a NULL walk). Sized: ret_size =
 * sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_pt_walk_get_stats(const struct vml_pt_walk *walk,
					struct vml_pt_walk_stats *ret,
					size_t ret_size);
VML_PUBLIC
void vml_pt_walk_free(struct vml_pt_walk *walk);

/* One level of a single-address translation. Fixed for this ABI: embedded
 * (as an array) in struct vml_pt_translation. */
struct vml_pt_step {
	uint32_t level;        /* root level down to 1 */
	uint32_t index;        /* entry index in the table */
	uint64_t table;        /* physical address of the table */
	uint64_t entry_addr;   /* physical address of the entry */
	uint64_t value;        /* raw entry */
	uint32_t flags;        /* decoded enum vml_pt_flags of this entry alone */
	uint32_t pkey;
};

/* A single-address translation. Sized (vml_pt_translate); fixed for this
 * ABI: embedded in struct vml_kernel_where. */
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
#define VML_PT_TRANSLATION_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_pt_translation, status)
/* Translates va level by level through src (borrowed for the call). A va
 * no root translates is VML_ERROR_INVALID ("not canonical"). Sized:
 * ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_pt_translate(struct vml_source *src,
				   const struct vml_paging *paging,
				   uint64_t va,
				   struct vml_pt_translation *ret,
				   size_t ret_size);

/* One virtual address that translates to the physical address asked for.
 * Sized, in arrays with an element size (vml_pt_find_phys). */
struct vml_pt_phys_hit {
	uint64_t va;           /* canonical; maps exactly pa (not the page start) */
	uint64_t page_size;    /* of the leaf */
	uint32_t level;        /* level of the leaf */
	uint32_t flags;        /* effective, as vml_pt_range.flags (no A/D) */
	uint32_t pkey;
};
#define VML_PT_PHYS_HIT_SIZE_V2 VML_SIZE_THROUGH(struct vml_pt_phys_hit, pkey)
/*
 * Reverse translation: every virtual address whose walk ends in a leaf
 * covering pa, following every path through the tables, including shared
 * tables and recursive entries (the same table reached at several levels).
 * Non-present entries, entries with reserved bits and unreadable tables
 * map nothing. Fills hits[0..*nhits_ret) with the first max of them in
 * ascending address order and *total_ret with how many there are (may be
 * astronomically many; saturates at UINT64_MAX). Work is bounded by the
 * number of distinct (table, level) pairs, not by the number of paths.
 * hits is an array of max elements of hit_size bytes each (sizeof(*hits));
 * each hit gets min(hit_size, sizeof) bytes. hits may be NULL when max is
 * 0; total_ret may be NULL. src is borrowed for the call.
 */
VML_PUBLIC
struct vml_error *vml_pt_find_phys(struct vml_source *src,
				   const struct vml_paging *paging,
				   uint64_t pa, size_t max,
				   struct vml_pt_phys_hit *hits,
				   size_t hit_size, size_t *nhits_ret,
				   uint64_t *total_ret);

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
/* Fixed for this ABI: vml_arch_kernel_symbols returns an array of them. */
struct vml_kernel_symbol {
	const char *name;          /* "page_offset_base" */
	uint32_t want;             /* enum vml_symbol_want */
};
/* The kernel symbols that give bases on arch, *count_ret of them: look
 * each up in the target's symbol table and pass what was found in
 * vml_kernel_hints.symbols under the same name. Static storage: lives
 * forever. NULL (and 0) for an unknown arch. */
VML_PUBLIC
const struct vml_kernel_symbol *vml_arch_kernel_symbols(enum vml_arch_id arch,
							size_t *count_ret);

/* What the caller knows about the kernel. Sized: every function that
 * reads it takes hints_size = sizeof(*hints) (ignored when hints is NULL)
 * and reads it during the call only. */
struct vml_kernel_hints {
	uint64_t pc;               /* current program counter; 0 when unknown */
	/* Symbols found (vml_arch_kernel_symbols), as wanted; names not in
	 * that list are ignored, a value of 0 means not found. Borrowed for
	 * the call. */
	const struct vml_named_value *symbols;
	size_t nsymbols;
};
#define VML_KERNEL_HINTS_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_kernel_hints, nsymbols)

/* How a debugger should read physical memory for the walk. */
enum vml_read_mode {
	VML_READ_PHYSICAL = 0,     /* the stub's physical-memory reads */
	VML_READ_DIRECT_MAP = 1,   /* virtual reads at direct_base + pa */
};
/* Sized (vml_kernel_read_plan). */
struct vml_read_plan {
	uint32_t mode;             /* enum vml_read_mode */
	uint64_t direct_base;      /* VML_READ_DIRECT_MAP: where pa 0 is mapped */
	char note[256];            /* one line for the user, no newline; ""
				      for VML_READ_PHYSICAL */
};
#define VML_READ_PLAN_SIZE_V2 VML_SIZE_THROUGH(struct vml_read_plan, note)
/* The reading policy: physical reads when the stub has them, else the
 * direct map at its base from the hints' symbols, else at the documented
 * default (wrong under KASLR; the note says so). hints may be NULL. Sized:
 * ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_kernel_read_plan(const struct vml_paging *paging,
				       const struct vml_kernel_hints *hints,
				       size_t hints_size, bool phys_reads,
				       struct vml_read_plan *ret,
				       size_t ret_size);

struct vml_kernel;

/* Walks paging's roots through src (physical reads) and classifies. paging
 * is copied; hints (may be NULL) are read during the call only. src is
 * borrowed and must outlive the kernel: vml_kernel_where and
 * vml_kernel_find_phys read the tables again through it (cached pages).
 * The new kernel is the caller's: free it with vml_kernel_free.
 * Unreadable or corrupt tables make the layout INCOMPLETE, not an error;
 * an unreadable root is VML_ERROR_FAULT, and tables with no present entry
 * at all (a wrong root, or one outside RAM that reads as zeros) are
 * VML_ERROR_NOT_FOUND: nothing was read, so nothing can be told. */
VML_PUBLIC
struct vml_error *vml_kernel_from_pagetables(struct vml_source *src,
					     const struct vml_paging *paging,
					     const struct vml_kernel_hints *hints,
					     size_t hints_size,
					     struct vml_kernel **ret);
/* Same from ranges the caller already has (sorted by start, as
 * vml_pt_walk_range gives them): an array of count elements of range_size
 * bytes each (sizeof(*ranges)). paging and the ranges are copied. */
VML_PUBLIC
struct vml_error *vml_kernel_from_ranges(const struct vml_paging *paging,
					 const struct vml_pt_range *ranges,
					 size_t count, size_t range_size,
					 const struct vml_kernel_hints *hints,
					 size_t hints_size,
					 struct vml_kernel **ret);
VML_PUBLIC
void vml_kernel_free(struct vml_kernel *kernel);

/* Regions of both halves (kernel ones: one per run of equal permissions
 * inside a documented slot, VML_REGION_GUESSED when the slot's base was
 * inferred). Owned by the kernel object, valid until it is freed. */
VML_PUBLIC
const struct vml_layout *vml_kernel_layout(const struct vml_kernel *kernel);
/* The kernel's copy of its paging; valid until the kernel is freed. */
VML_PUBLIC
const struct vml_paging *vml_kernel_paging(const struct vml_kernel *kernel);
/* A base and (through how_ret, may be NULL) enum vml_kbase_how; 0 unknown. */
VML_PUBLIC
uint64_t vml_kernel_base(const struct vml_kernel *kernel, enum vml_kbase which,
			 uint32_t *how_ret);
/* enum vml_kind of the slot holding va (VML_KIND_UNKNOWN in the user half
 * and the non-canonical hole, VML_KIND_KERNEL for unnamed kernel space). */
VML_PUBLIC
uint32_t vml_kernel_kind_at(const struct vml_kernel *kernel, uint64_t va);
/* enum vml_half of va for this kernel's paging. */
VML_PUBLIC
uint32_t vml_kernel_half(const struct vml_kernel *kernel, uint64_t va);
/* The ranges of the walk (all statuses) and the kind of each; owned by
 * the kernel, valid until it is freed (vml_kernel_range: NULL when i >=
 * count; no pointer arithmetic, see struct vml_pt_range). */
VML_PUBLIC
size_t vml_kernel_range_count(const struct vml_kernel *kernel);
VML_PUBLIC
const struct vml_pt_range *vml_kernel_range(const struct vml_kernel *kernel,
					    size_t i);
VML_PUBLIC
uint32_t vml_kernel_range_kind(const struct vml_kernel *kernel, size_t i);
/* Walk statistics (zero for vml_kernel_from_ranges). Sized: ret_size =
 * sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_kernel_walk_stats(const struct vml_kernel *kernel,
					struct vml_pt_walk_stats *ret,
					size_t ret_size);
/* Every virtual address the walk's ranges map physical address pa at,
 * ascending: fills at most max of them into vas (may be NULL when max is
 * 0) and returns how many there are in total. Reads nothing (aliases
 * through shared tables need vml_kernel_find_phys). */
VML_PUBLIC
size_t vml_kernel_phys_to_virt(const struct vml_kernel *kernel, uint64_t pa,
			       uint64_t *vas, size_t max);

/* One virtual address mapping a physical address, with what is there.
 * Sized, in arrays with an element size (vml_kernel_find_phys,
 * vml_render_phys_hits); fixed for this ABI: embedded (as an array) in
 * struct vml_kernel_where. */
struct vml_kernel_hit {
	uint64_t va;               /* maps exactly the physical address */
	uint64_t page_size;        /* of the leaf */
	uint32_t level;            /* of the leaf */
	uint32_t flags;            /* effective enum vml_pt_flags (no A/D) */
	uint32_t pkey;
	uint32_t half;             /* enum vml_half */
	uint32_t kind;             /* vml_kernel_kind_at(va) */
};
#define VML_KERNEL_HIT_SIZE_V2 VML_SIZE_THROUGH(struct vml_kernel_hit, kind)
/*
 * Every virtual address mapping pa: with a source, vml_pt_find_phys over
 * the kernel's tables (shared and recursive tables followed); without
 * (vml_kernel_from_ranges) the walk's ranges. hits is an array of max
 * elements of hit_size bytes each (sizeof(*hits); at least
 * VML_KERNEL_HIT_SIZE_V2; each gets min(hit_size, sizeof) bytes); hits may
 * be NULL when max is 0, total_ret may be NULL.
 */
VML_PUBLIC
struct vml_error *vml_kernel_find_phys(const struct vml_kernel *kernel,
				       uint64_t pa, size_t max,
				       struct vml_kernel_hit *hits,
				       size_t hit_size, size_t *nhits_ret,
				       uint64_t *total_ret);

/* Where vml_kernel_where.symbol came from. */
enum vml_symbol_from {
	VML_SYMBOL_FROM_CALLER = 0,      /* the debugger's (vmlinux) symbols */
	VML_SYMBOL_FROM_KALLSYMS = 1,    /* the kernel's kallsyms */
	VML_SYMBOL_FROM_MODULE = 2,      /* a loaded module's symbol table */
};

/* How many aliases a struct vml_kernel_where holds. */
#define VML_KERNEL_WHERE_ALIASES 64

/* whereis on a page-table target. Sized (vml_kernel_where fills it,
 * vml_render_kernel_where reads it). */
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
	/* With the kernel's symbols (vml_kernel_set_ksyms): */
	uint32_t symbol_from;            /* enum vml_symbol_from of symbol */
	/* With the kernel's types too (BTF): the kernel object holding addr
	 * in one line — a task's stack (pid, comm, CPU, distance from its
	 * saved sp), a module's part, a vmalloc area (range, size, caller,
	 * flags), a CPU's per-CPU unit, a slab object (cache, index, offset,
	 * allocated or free) or the page it maps (page table, anonymous, page
	 * cache of a file, buddy-free, reserved) — or "" when none is known. */
	char object[512];
};
#define VML_KERNEL_WHERE_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_kernel_where, text_maps_page)
/* Through object: callers built with this header (a V2 size is still
 * accepted and gets no symbol_from or object). */
#define VML_KERNEL_WHERE_SIZE_V3 \
	VML_SIZE_THROUGH(struct vml_kernel_where, object)
/*
 * Explains addr: the translation through the kernel's tables, its slot,
 * region and aliases (reads through the kernel's source; a kernel from
 * ranges has no walk: VML_ERROR_UNSUPPORTED). symbol may be NULL. An
 * address no root translates is VML_ERROR_INVALID ("not canonical").
 * symbol is copied. Sized: ret_size = sizeof(*ret).
 */
VML_PUBLIC
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
VML_PUBLIC
struct vml_error *vml_render_kernel(const struct vml_kernel *kernel,
				    enum vml_format format, uint32_t flags,
				    char **ret);
/* whereis: slot and region, the walk level by level with decoded bits,
 * page size, physical address, aliases. format TEXT or JSON. where is
 * sized: where_size = sizeof(*where). */
VML_PUBLIC
struct vml_error *vml_render_kernel_where(const struct vml_kernel *kernel,
					  const struct vml_kernel_where *where,
					  size_t where_size,
					  enum vml_format format,
					  uint32_t flags, char **ret);
/* whereis --phys: the hits of vml_kernel_find_phys (n of them, hit_size
 * bytes apart: sizeof(*hits)) out of total. format TEXT or JSON. */
VML_PUBLIC
struct vml_error *vml_render_phys_hits(const struct vml_kernel *kernel,
				       uint64_t pa,
				       const struct vml_kernel_hit *hits,
				       size_t n, size_t hit_size,
				       uint64_t total, enum vml_format format,
				       uint32_t flags, char **ret);

/* The guest process pid's user mappings, read from the kernel's memory
 * with its own symbols and types (vml_kernel_set_ksyms with a ksyms that
 * has types): its VMAs as /proc/PID/maps text (*maps_ret, free with
 * vml_free; vml_layout_from_maps makes its layout) and the physical
 * address of its page-table root mm->pgd (*pgd_phys_ret, may be NULL; 0
 * when unknown). VML_ERROR_NOT_FOUND for no such pid or a kernel thread,
 * VML_ERROR_UNSUPPORTED without types. */
VML_PUBLIC
struct vml_error *vml_kernel_task_maps(const struct vml_kernel *kernel,
				       int32_t pid, char **maps_ret,
				       uint64_t *pgd_phys_ret);

/* One debugger command on a page-table target. */
enum vml_kernel_query {
	VML_KQUERY_LAYOUT = 0,     /* vmlayout */
	VML_KQUERY_PAGETABLES = 1, /* vmlayout --pagetables */
	VML_KQUERY_WX = 2,         /* vmlayout --wx */
	VML_KQUERY_WHERE = 3,      /* whereis ADDR */
	VML_KQUERY_PHYS = 4,       /* whereis --phys ADDR */
	VML_KQUERY_TASK = 5,       /* vmlayout --task PID: addr is the pid;
				      needs ksyms with types (BTF) */
};
struct vml_ksyms;       /* kernel symbols and types, below */
/* Sized (vml_kernel_answer reads it). */
struct vml_kernel_request {
	uint32_t query;            /* enum vml_kernel_query */
	uint32_t format;           /* VML_FORMAT_TEXT or VML_FORMAT_JSON */
	uint32_t flags;            /* VML_RENDER_COLOR */
	uint64_t addr;             /* WHERE: virtual, PHYS: physical address */
	const char *symbol;        /* WHERE: "name+0x12" or NULL (borrowed) */
	/* The kernel's own symbols and types (vml_ksyms_load; NULL: none):
	 * given to the walk with vml_kernel_set_ksyms. Borrowed. */
	const struct vml_ksyms *ksyms;
	/* WHERE: a guest process's pid (0: none): addr is explained in that
	 * process's user layout (its VMAs) and walked through its page
	 * tables (mm->pgd); needs ksyms with types. */
	int32_t task;
};
#define VML_KERNEL_REQUEST_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_kernel_request, symbol)
/*
 * The one call a debugger bridge makes per command: walks, classifies,
 * answers the request and renders it into *ret (free with vml_free). Every
 * read of the command happens inside this call (through src, borrowed for
 * the call), so a bridge switches its stub's physical mode around it
 * alone. hints (may be NULL) and req are sized (hints_size =
 * sizeof(*hints), req_size = sizeof(*req)) and read during the call.
 */
VML_PUBLIC
struct vml_error *vml_kernel_answer(struct vml_source *src,
				    const struct vml_paging *paging,
				    const struct vml_kernel_hints *hints,
				    size_t hints_size,
				    const struct vml_kernel_request *req,
				    size_t req_size, char **ret);

/* ---------------------------------------------------------------- kernel symbols and types
 * A kernel carries its own names and types: kallsyms (CONFIG_KALLSYMS:
 * every function, and with CONFIG_KALLSYMS_ALL every variable) and BTF
 * (CONFIG_DEBUG_INFO_BTF: every struct). vml_ksyms_load finds both in the
 * kernel image's memory through a kernel's page-table walk, so a debugger
 * without vmlinux gets symbol+offset in whereis, the KASLR bases as the
 * kernel stores them, and (with BTF) what a task stack, a module address,
 * a vmalloc area or a per-CPU area is. What changes while the kernel runs
 * (modules, tasks, vmalloc areas) is read again at each question. */

struct vml_ksyms;

enum vml_ksyms_flags {
	VML_KSYMS_NO_TYPES = 1u << 0,  /* kallsyms only, do not read BTF */
};
/*
 * Reads kernel's kallsyms (and BTF, unless VML_KSYMS_NO_TYPES) through
 * its walk and source: the kernel image mapping is searched for the
 * tables (at most 256 MiB read, in large reads), then __start_BTF ..
 * __stop_BTF is read and parsed with libbpf. A kernel without BTF gets
 * symbols only (vml_ksyms_has_types false; the description says so in one
 * line). No kallsyms tables is VML_ERROR_NOT_FOUND; a kernel from ranges
 * (no source) VML_ERROR_UNSUPPORTED. The result does not borrow kernel:
 * free it with vml_ksyms_free.
 */
VML_PUBLIC
struct vml_error *vml_ksyms_load(const struct vml_kernel *kernel,
				 uint32_t flags, struct vml_ksyms **ret);
VML_PUBLIC
void vml_ksyms_free(struct vml_ksyms *ksyms);
/* NULL when kernel (a later stop's walk) still holds the tables ksyms was
 * read from (the kallsyms token index, re-read: one page), else
 * VML_ERROR_NOT_FOUND: another kernel; load again. */
VML_PUBLIC
struct vml_error *vml_ksyms_check(const struct vml_ksyms *ksyms,
				  const struct vml_kernel *kernel);
/* One line: "94266 symbols from kallsyms at 0x... (relative offsets); 124000
 * types from BTF (4262 KiB)", or "...; no BTF (...): symbols only". Owned
 * by ksyms. */
VML_PUBLIC
const char *vml_ksyms_description(const struct vml_ksyms *ksyms);
VML_PUBLIC
bool vml_ksyms_has_types(const struct vml_ksyms *ksyms);
/* Symbols of the kernel image, in the kernel's order (ascending addresses;
 * absolute ones, the per-CPU offsets of some kernels, first). */
VML_PUBLIC
size_t vml_ksyms_count(const struct vml_ksyms *ksyms);

/* One kernel symbol. Sized (vml_ksyms_symbol, _lookup, _find). */
struct vml_ksym {
	uint64_t addr;
	uint64_t size;             /* to the next symbol's address; 0 unknown */
	const char *name;          /* owned by the ksyms (or the module list
				      it came from): valid until it is freed */
	const char *module;        /* NULL for the kernel image */
	uint32_t type;             /* the kallsyms letter ('T', 't', 'D' ...) */
	bool absolute;             /* an absolute value, not an address */
};
#define VML_KSYM_SIZE_V2 VML_SIZE_THROUGH(struct vml_ksym, absolute)
/* Symbol i (VML_ERROR_NOT_FOUND past the last). Sized: ret_size. */
VML_PUBLIC
struct vml_error *vml_ksyms_symbol(const struct vml_ksyms *ksyms, size_t i,
				   struct vml_ksym *ret, size_t ret_size);
/* The symbol called name (the first of equal names); VML_ERROR_NOT_FOUND. */
VML_PUBLIC
struct vml_error *vml_ksyms_lookup(const struct vml_ksyms *ksyms,
				   const char *name, struct vml_ksym *ret,
				   size_t ret_size);
/* The symbol at or below addr in the kernel image (as /proc/kallsyms and
 * the kernel's %pS name it) and addr's offset from it (offset_ret may be
 * NULL); VML_ERROR_NOT_FOUND outside the image's symbols. */
VML_PUBLIC
struct vml_error *vml_ksyms_find(const struct vml_ksyms *ksyms, uint64_t addr,
				 struct vml_ksym *ret, size_t ret_size,
				 uint64_t *offset_ret);
/*
 * Gives kernel its symbols: the architecture's base symbols
 * (vml_arch_kernel_symbols; x86-64 page_offset_base, vmalloc_base,
 * vmemmap_base read as values through the walk, _text as an address)
 * become given bases (VML_KBASE_GIVEN) unless the kernel's hints already
 * gave them (a vmlinux in the debugger wins), the layout is classified
 * again with them (regions and pointers into the layout change), and
 * vml_kernel_where names symbols and kernel objects. ksyms is borrowed:
 * it must outlive kernel (or be replaced by NULL).
 */
VML_PUBLIC
struct vml_error *vml_kernel_set_ksyms(struct vml_kernel *kernel,
				       const struct vml_ksyms *ksyms);
/*
 * Writes an ELF file at path holding every symbol of the kernel image
 * (functions STT_FUNC, variables STT_OBJECT, with sizes; absolute
 * per-CPU offsets left out) and, when kernel is not NULL and has symbols
 * and types (vml_kernel_set_ksyms, BTF), of its loaded modules (read now,
 * one section per part: "vmltest.text"; a module that cannot be read is
 * left out), in NOBITS sections spanning them, for a debugger's
 * add-symbol-file: backtraces and disassembly get names. The file is
 * written whole or not at all (a temporary then rename).
 */
VML_PUBLIC
struct vml_error *vml_ksyms_write_elf(const struct vml_ksyms *ksyms,
				      const struct vml_kernel *kernel,
				      const char *path);

/* ---------------------------------------------------------------- ELF object cache
 * Classifying a layout parses every mapped ELF file (program headers,
 * sections, symbols). A debugger rebuilds its layout at every stop; a
 * cache handed to each new layout lets them share the parsed objects of
 * files that did not change, keyed by the file's device, inode, size and
 * modification time (sysroot + path as the layout reads it). */

struct vml_elf_cache;

/* A new, empty cache holding at most max_bytes of parsed objects (0: 128
 * MiB); beyond that the least recently used are dropped. The cache is the
 * caller's: free it with vml_elf_cache_free. Not thread-safe: one thread
 * at a time uses a cache and the layouts it is set on. */
VML_PUBLIC
struct vml_error *vml_elf_cache_new(uint64_t max_bytes,
				    struct vml_elf_cache **ret);
/* Layouts keep the objects they took from the cache: the cache may be
 * freed before them. NULL-safe. */
VML_PUBLIC
void vml_elf_cache_free(struct vml_elf_cache *cache);
/* Classification of layout takes parsed objects from cache and adds the
 * ones it parses (NULL: parse every file, keep nothing). Borrowed: cache
 * must stay alive while layout is classified (vml_layout_classify,
 * vml_layout_where and the other calls that classify first). Does not
 * change any answer, so it does not invalidate pointers. */
VML_PUBLIC
void vml_layout_set_elf_cache(struct vml_layout *layout,
			      struct vml_elf_cache *cache);
struct vml_elf_cache_stats {
	uint64_t hits;        /* objects found in the cache */
	uint64_t misses;      /* objects parsed from their file */
	uint64_t entries;     /* objects held now */
	uint64_t bytes;       /* memory they hold */
	uint64_t evictions;   /* objects dropped for the bound */
};
#define VML_ELF_CACHE_STATS_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_elf_cache_stats, evictions)
/* Counters of cache (all zero for NULL). Sized: ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_elf_cache_get_stats(const struct vml_elf_cache *cache,
					  struct vml_elf_cache_stats *ret,
					  size_t ret_size);

/* ---------------------------------------------------------------- pointer scans
 * Every aligned pointer-sized word of the memory a selection names whose
 * value points into the memory another selection names.
 *
 * A selection is a comma-separated list of items, each of them
 *   - a kind as vml_kind_name() and `--table` print it: "heap", "stack",
 *     "mmap-anon", "data", "direct-map", "kernel-text" ...;
 *   - "all": every region;
 *   - an object or file: its base name ("libc.so.6") or its path, matched
 *     against the regions' ELF object, path and maps name ("[heap]");
 *   - START-END: the addresses [START, END), each 0x hex or decimal;
 *   - (TO of a kernel scan only) "slab:NAME": a slab cache as
 *     /proc/slabinfo names it ("slab:kmalloc-256"): only values inside an
 *     object of one of the named caches count (the other items, if any,
 *     narrow where; none: the direct map), and each kept hit names its
 *     object (vml_scan_hit.object). A process scan, or a kernel without
 *     symbols and BTF, gets a one-line error.
 * An item that is none of these is VML_ERROR_NOT_FOUND naming it; a kind
 * no region has selects nothing (not an error). Only mapped memory is
 * selected: readable regions (process) or mapped page-table ranges
 * (kernel; uncached ones, likely device memory, are left out of the
 * memory read). */

/* Called between blocks of a long operation: done of total units (bytes)
 * so far. Return non-zero to stop it (VML_ERROR_CANCELLED). */
typedef int vml_progress_fn(void *arg, uint64_t done, uint64_t total);

/* Sized (vml_layout_scan and vml_kernel_scan read it during the call). */
struct vml_scan_request {
	const char *from;            /* memory to read; NULL or "": "all" */
	const char *to;              /* where values must point; NULL or
					"": anywhere mapped */
	uint64_t max_hits;           /* hits kept for vml_scan_hit (0:
					VML_SCAN_DEFAULT_MAX_HITS); counts are
					exact beyond it */
	struct vml_source *source;   /* read through this (NULL: the
					layout's or the kernel's source) */
	vml_progress_fn *progress;   /* may be NULL */
	void *progress_arg;
	uint64_t block;              /* bytes per read (0: 1 MiB) */
};
#define VML_SCAN_REQUEST_SIZE_V2 VML_SIZE_THROUGH(struct vml_scan_request, block)
#define VML_SCAN_DEFAULT_MAX_HITS 100000u

struct vml_scan;

/* Scans a process layout (classified first) through req->source or the
 * layout's source (VML_ERROR_INVALID when it has none). Memory that cannot
 * be read is counted, not an error. The scan borrows layout: free the scan
 * first. Free *ret with vml_scan_free. */
VML_PUBLIC
struct vml_error *vml_layout_scan(struct vml_layout *layout,
				  const struct vml_scan_request *req,
				  size_t req_size, struct vml_scan **ret);
/* The same over a kernel's mapped ranges (its layout's regions name the
 * hits), virtual reads through req->source or the kernel's source. The
 * scan borrows kernel. */
VML_PUBLIC
struct vml_error *vml_kernel_scan(const struct vml_kernel *kernel,
				  const struct vml_scan_request *req,
				  size_t req_size, struct vml_scan **ret);
VML_PUBLIC
void vml_scan_free(struct vml_scan *scan);

struct vml_scan_stats {
	uint64_t selected;     /* bytes FROM selected */
	uint64_t scanned;      /* of those, bytes read and tested */
	uint64_t unreadable;   /* of those, bytes that could not be read */
	uint64_t ranges;       /* contiguous ranges FROM selected */
	uint64_t hits;         /* pointers found (all of them) */
	uint64_t kept;         /* hits held: vml_scan_hit(0 .. kept-1) */
};
#define VML_SCAN_STATS_SIZE_V2 VML_SIZE_THROUGH(struct vml_scan_stats, kept)
/* Sized: ret_size = sizeof(*ret). */
VML_PUBLIC
struct vml_error *vml_scan_get_stats(const struct vml_scan *scan,
				     struct vml_scan_stats *ret,
				     size_t ret_size);

/* One pointer found, with the facts of a whereis one-liner about the
 * value. Sized (vml_scan_hit). */
struct vml_scan_hit {
	uint64_t at;           /* address of the word */
	uint64_t value;        /* the pointer it holds */
	size_t region_index;   /* region holding value (in the layout, or the
				  kernel's layout) */
	const char *section;   /* ELF section holding value, or NULL */
	uint64_t section_offset;
	const char *symbol;    /* nearest ELF symbol at or below value, or NULL */
	uint64_t symbol_offset;
	/* After V2: the slab object value points into, as whereis names it
	 * ("vmltest_cache object 3 at 0x... (100 bytes ...) of slab at ...,
	 * +0x0 into it, allocated"), for kernel scans whose TO names slab
	 * caches; else NULL. The scan's (valid while it is). */
	const char *object;
};
#define VML_SCAN_HIT_SIZE_V2 VML_SIZE_THROUGH(struct vml_scan_hit, symbol_offset)
/* Through object: callers built with this header (a V2 size is still
 * accepted and gets no object). */
#define VML_SCAN_HIT_SIZE_V3 VML_SIZE_THROUGH(struct vml_scan_hit, object)
/* Hit i (ascending by at) of the first kept; VML_ERROR_INVALID past them.
 * The strings are the layout's (valid while it is). Sized. */
VML_PUBLIC
struct vml_error *vml_scan_hit(const struct vml_scan *scan, size_t i,
			       struct vml_scan_hit *ret, size_t ret_size);
/* TEXT: one summary line, the count of pointers per destination (kind and
 * object or name), then one line per kept hit; JSON: {"scanned": BYTES,
 * "selected", "unreadable", "total", "pointers": [{"at", "value", "kind",
 * "path", "section", "symbol", "offset"}, ...]} where "offset" is value's
 * distance from the symbol, else from the section, else from its region's
 * start. *ret: free with vml_free(). */
VML_PUBLIC
struct vml_error *vml_render_scan(const struct vml_scan *scan,
				  enum vml_format format, uint32_t flags,
				  char **ret);

/* ---------------------------------------------------------------- memory with annotations
 * whereis --deref: words read from memory, each value followed while it
 * points into mapped memory, like a debugger's telescope. */

#define VML_DEREF_MAX_DEPTH 8

/* Why a word's chain ends. */
enum vml_deref_end {
	VML_DEREF_END_VALUE = 0,       /* the last value points nowhere mapped */
	VML_DEREF_END_CYCLE = 1,       /* it points at a word already in the chain */
	VML_DEREF_END_DEPTH = 2,       /* the depth asked for was reached */
	VML_DEREF_END_UNREADABLE = 3,  /* it points into mapped memory that
					  could not be read */
	VML_DEREF_END_NO_WORD = 4,     /* the word itself could not be read
					  (nvalues is 0) */
};

/* One word. Sized, in arrays with an element size. */
struct vml_deref_word {
	uint64_t at;                          /* address of the word */
	uint32_t nvalues;                     /* values in chain */
	uint32_t end;                         /* enum vml_deref_end */
	uint64_t chain[VML_DEREF_MAX_DEPTH];  /* chain[0]: the word; chain[i+1]:
						 the word at chain[i] */
};
#define VML_DEREF_WORD_SIZE_V2 VML_SIZE_THROUGH(struct vml_deref_word, chain)
/* Reads count words from addr (8-byte steps) through src (NULL: the
 * layout's source), each followed up to depth values (1 ..
 * VML_DEREF_MAX_DEPTH; 0 means 4). words is an array of count elements of
 * word_size bytes (sizeof(*words)). Classifies layout first. */
VML_PUBLIC
struct vml_error *vml_layout_deref(struct vml_layout *layout,
				   struct vml_source *src, uint64_t addr,
				   size_t count, uint32_t depth,
				   struct vml_deref_word *words,
				   size_t word_size);
/* The same on a kernel: values are followed through its mapped ranges,
 * read through src (NULL: the kernel's source). */
VML_PUBLIC
struct vml_error *vml_kernel_deref(const struct vml_kernel *kernel,
				   struct vml_source *src, uint64_t addr,
				   size_t count, uint32_t depth,
				   struct vml_deref_word *words,
				   size_t word_size);
/* TEXT: one line per word, "ADDR +OFF: VALUE kind object section+off
 * symbol+off -> VALUE ..." (a value that points nowhere is shown as
 * characters when its bytes are printable); JSON: {"address", "words":
 * [{"at", "values": [{"value", "kind", "path", "section", "symbol",
 * "offset"}], "end"}]}. layout is the one the words were read with
 * (vml_kernel_layout for a kernel). Pure: reads nothing. */
VML_PUBLIC
struct vml_error *vml_render_deref(const struct vml_layout *layout,
				   const struct vml_deref_word *words,
				   size_t count, size_t word_size,
				   enum vml_format format, uint32_t flags,
				   char **ret);


/* ---------------------------------------------------------------- crash
 * "Why did it die?": a fatal signal explained from the signal's facts
 * (siginfo), the registers of the thread that received it, the
 * instruction at its $pc (libopcodes; the memory operand evaluated with
 * the thread's registers) and the layout. Cores give the registers
 * (every NT_PRSTATUS) and the signal (NT_SIGINFO) themselves; a debugger
 * gives them for a live process with the two calls below, so live and
 * core answers come from the same code. */

/*
 * The general registers of thread tid, as the architecture names them
 * (x86-64: "rax" ... "r15", "rip", "rsp", "eflags", "fs_base", "gs_base",
 * the names of struct user_regs_struct and of GDB; i386: "eax" ... "eip",
 * "esp"). Unknown names are kept and ignored. A second call for the same
 * tid replaces the first. regs (names included) is borrowed for the call:
 * everything is copied. At most 4096 registers (VML_ERROR_LIMIT). Does not
 * change the layout's regions (no classification is undone).
 */
VML_PUBLIC
struct vml_error *vml_layout_add_thread_registers(struct vml_layout *layout,
						  int64_t tid,
						  const struct vml_named_value *regs,
						  size_t nregs);
/*
 * The signal thread tid was stopped (or killed) by: si_signo, si_code and,
 * when has_addr, si_addr, as the kernel filled its siginfo_t (GDB:
 * $_siginfo). One per layout: a second call replaces the first. si_addr
 * is ignored for a signal that was sent (si_code <= 0: kill, tgkill,
 * sigqueue), whose siginfo holds the sender there.
 */
VML_PUBLIC
struct vml_error *vml_layout_set_siginfo(struct vml_layout *layout,
					 int64_t tid, int32_t signo,
					 int32_t si_code, bool has_addr,
					 uint64_t addr);

/* Why the program died (vml_crash.kind); vml_crash_kind_name() gives the
 * JSON "kind". Values never change; new ones are added at the end. */
enum vml_crash_kind {
	VML_CRASH_SIGNAL = 0,          /* "signal": a fatal signal named, not
					  explained further (SIGQUIT, SIGSYS ...) */
	VML_CRASH_NULL_DEREF,          /* "null-dereference": an access (or a
					  call) below the lowest address a
					  process can map: NULL + offset */
	VML_CRASH_STACK_OVERFLOW,      /* "stack-overflow": a thread's $sp (or
					  the access) in its stack's guard page,
					  or the main thread's below [stack] */
	VML_CRASH_WRITE_READONLY,      /* "write-read-only": a write to a
					  mapping without write permission
					  (.rodata, relro, text) */
	VML_CRASH_EXEC_NONEXEC,        /* "exec-non-executable": $pc in a
					  mapping without execute permission
					  (heap, stack, data) */
	VML_CRASH_UNMAPPED,            /* "unmapped": an access to an unmapped
					  gap (between two regions) */
	VML_CRASH_NONCANONICAL,        /* "non-canonical": the address the
					  instruction used is in the
					  non-canonical hole (#GP: the kernel
					  reports no address) */
	VML_CRASH_MISALIGNED,          /* "misaligned": an instruction that
					  needs an aligned address got another
					  (#GP for movaps, #AC: SIGBUS
					  BUS_ADRALN) */
	VML_CRASH_BUS_ERROR,           /* "bus-error": SIGBUS, e.g. BUS_ADRERR
					  past the end of a mapped file */
	VML_CRASH_ABORT,               /* "abort": SIGABRT (abort(), a failed
					  assert(), glibc's fatal checks) */
	VML_CRASH_ARITHMETIC,          /* "arithmetic": SIGFPE */
	VML_CRASH_ILLEGAL,             /* "illegal-instruction": SIGILL */
	VML_CRASH_TRAP,                /* "trap": SIGTRAP from the program's
					  own trap instruction (int3) */
	VML_CRASH_KERNEL_ADDRESS,      /* "kernel-address": an access to the
					  kernel half */
	VML_CRASH_PROTECTION,          /* "protection": an access the mapping's
					  protection forbids that is no write to
					  read-only memory (a read of PROT_NONE,
					  a protection key) */
	VML_CRASH_PRIVILEGED,          /* "privileged-instruction": #GP from an
					  instruction user mode may not run */
	VML_CRASH_GENERAL_PROTECTION,  /* "general-protection": SIGSEGV with
					  SI_KERNEL not explained further */
	VML_CRASH_SENT,                /* "sent": a fault signal sent by kill,
					  tgkill or sigqueue: no fault happened */
	VML_CRASH_KIND_COUNT
};
/* "null-dereference"; NULL for an unknown kind. Static storage. */
VML_PUBLIC
const char *vml_crash_kind_name(enum vml_crash_kind kind);

/* The access that faulted (vml_crash.access). */
enum vml_crash_access {
	VML_ACCESS_UNKNOWN = 0,
	VML_ACCESS_READ = 1,
	VML_ACCESS_WRITE = 2,
	VML_ACCESS_EXECUTE = 3,        /* an instruction fetch: $pc itself */
};

/* Where vml_crash.addr comes from. */
enum vml_crash_addr_from {
	VML_ADDR_NONE = 0,             /* no address (has_addr false) */
	VML_ADDR_SIGINFO = 1,          /* si_addr, as the kernel reported it */
	VML_ADDR_OPERAND = 2,          /* the effective address of the
					  instruction's memory operand,
					  computed from the thread's registers */
	VML_ADDR_TARGET = 3,           /* where a branch (jmp *, call *, ret)
					  was going: a register, or the word
					  read from memory */
	VML_ADDR_SP = 4,               /* the thread's $sp (implicit stack
					  access) */
};

/*
 * The explanation of a crash. Sized (vml_layout_crash fills it,
 * vml_render_crash reads it). Pointers in it (section, symbol, pc_section,
 * pc_symbol, return_symbol) point into the layout, valid as vml_where's
 * are (until the layout is freed or classified again after a change);
 * summary, code_name, code_text and abort_function are static storage.
 * Region indexes are SIZE_MAX when there is none.
 */
struct vml_crash {
	uint32_t kind;                 /* enum vml_crash_kind */
	const char *summary;           /* "NULL pointer dereference" */
	/* The signal. */
	int32_t signo;
	int32_t si_code;
	bool has_si_code;              /* false: a core without NT_SIGINFO
					  (the signal from pr_cursig alone) */
	const char *code_name;         /* "SEGV_MAPERR", "SI_TKILL"; NULL when
					  unknown */
	const char *code_text;         /* "address not mapped to object" */
	bool sent;                     /* si_code <= 0: sent by a process */
	bool has_fault_addr;
	uint64_t fault_addr;           /* si_addr */
	/* The thread that received it. */
	int64_t tid;                   /* 0 when unknown */
	bool tid_is_main;
	uint32_t nthreads;             /* threads the layout knows */
	bool has_pc;
	uint64_t pc;
	bool has_sp;
	uint64_t sp;
	size_t pc_region_index;
	const char *pc_section;
	uint64_t pc_section_offset;
	const char *pc_symbol;
	uint64_t pc_symbol_offset;
	bool has_insn;
	uint32_t insn_len;
	char insn[160];                /* at pc, as GDB's x/i (the layout's
					  syntax) */
	/* The memory operand the instruction used (the one holding the
	 * faulting address when it has two), evaluated with the thread's
	 * registers. */
	bool has_operand;
	char operand[64];              /* "0x10(%rax)" (AT&T) */
	bool has_operand_addr;         /* every register it names is known */
	uint64_t operand_addr;         /* its effective address */
	uint32_t operand_size;         /* bytes accessed; 0 when unknown */
	char operand_base[8];          /* "rax"; "" when none */
	uint64_t operand_base_value;
	char operand_index[8];         /* "rbx"; "" when none */
	uint64_t operand_index_value;
	uint32_t operand_scale;
	char operand_segment[4];       /* "fs"; "" when none */
	uint64_t operand_segment_base;
	/* The address the crash is about, and where it lies. */
	uint32_t access;               /* enum vml_crash_access */
	bool has_addr;
	uint64_t addr;
	uint32_t addr_from;            /* enum vml_crash_addr_from */
	uint32_t half;                 /* enum vml_half of addr */
	bool canonical;
	size_t region_index;           /* the region holding addr */
	struct vml_gap gap;            /* when addr is unmapped: the gap
					  (bounded by its half, as whereis) */
	const char *section;           /* ELF section holding addr; NULL */
	uint64_t section_offset;
	const char *symbol;            /* nearest symbol at or below addr */
	uint64_t symbol_offset;
	bool has_file_offset;
	uint64_t file_offset;          /* addr's offset in the mapped file */
	/* STACK_OVERFLOW: whose stack, how deep. */
	int64_t overflow_tid;
	bool overflow_is_main;
	uint64_t overflow_sp;          /* that thread's $sp */
	uint64_t overflow_depth;       /* bytes from the stack's lowest address
					  down to $sp (or to addr when $sp did
					  not go below it) */
	size_t stack_region_index;     /* the stack that overflowed */
	size_t guard_region_index;     /* its guard page; SIZE_MAX below
					  [stack] (the stack guard gap) */
	/* MISALIGNED: the alignment the instruction needs. */
	uint32_t alignment;
	/* BUS_ERROR past the end of a mapped file: its size on disk. */
	bool has_file_size;
	uint64_t file_size;
	/* ABORT: the innermost glibc function on the thread's stack that
	 * says why ("__assert_fail", "__stack_chk_fail", "__fortify_fail",
	 * "abort" ...), and glibc's message (__abort_msg) when it left one. */
	const char *abort_function;
	bool has_abort_message;
	char abort_message[256];
	/* A jump or call to a bad address: the word at $sp when it is a
	 * return address (the call came from there). */
	bool has_return_addr;
	uint64_t return_addr;
	const char *return_symbol;
	uint64_t return_symbol_offset;
};
#define VML_CRASH_SIZE_V2 \
	VML_SIZE_THROUGH(struct vml_crash, return_symbol_offset)

/*
 * Explains the fatal signal the layout knows (vml_layout_set_siginfo, or
 * a core's notes). VML_ERROR_NOT_FOUND, with one line saying why, when
 * there is none: no signal, or one that is no crash ("no fatal signal:
 * the program is not stopped by a crash"; a live program stopped by a
 * breakpoint's SIGTRAP or by SIGINT, a gcore of a running program).
 * Classifies the layout first if it is not, reads the instruction and a
 * few stack words through its source. Sized: ret_size = sizeof(*ret).
 */
VML_PUBLIC
struct vml_error *vml_layout_crash(struct vml_layout *layout,
				   struct vml_crash *ret, size_t ret_size);
/*
 * A crash as one short paragraph (VML_FORMAT_TEXT, wrapped at 78 columns)
 * or one JSON object with every fact (VML_FORMAT_JSON). A pure formatter:
 * layout (may be NULL: regions are then left out) is read for the regions
 * the indexes name. flags: none yet (pass 0; the paragraph has no colour).
 * crash is sized: crash_size = sizeof(*crash). *ret: free with vml_free().
 */
VML_PUBLIC
struct vml_error *vml_render_crash(const struct vml_layout *layout,
				   const struct vml_crash *crash,
				   size_t crash_size, enum vml_format format,
				   uint32_t flags, char **ret);

/* ---------------------------------------------------------------- kernel dumps (vmcores)
 * A whole machine's memory saved in a file: QEMU's dump-guest-memory ELF
 * (with -device vmcoreinfo the kernel's VMCOREINFO is in it) or kdump's
 * ELF /proc/vmcore layout. The file is mapped, never read whole: opening
 * reads its headers and notes; the kernel's page tables are then walked
 * through its physical memory like a live guest's. */

/* What a file is (vml_dump_probe). Values never change. */
enum vml_dump_format {
	VML_DUMP_NONE = 0,   /* not a kernel dump (a process core, anything) */
	VML_DUMP_ELF = 1,    /* ELF core with VMCOREINFO or QEMU CPU notes,
				or segments at physical addresses */
	VML_DUMP_KDUMP = 2,  /* kdump-compressed (dump-guest-memory -z/-l/-s,
				makedumpfile; its flattened stream too) */
};
/* Reads path's headers and notes to tell a kernel dump from a process
 * core: *format_ret an enum vml_dump_format. A file that cannot be opened
 * is an error; one that is damaged before any note says "kernel" is
 * VML_DUMP_NONE (the core reader then says what is wrong). */
VML_PUBLIC
struct vml_error *vml_dump_probe(const char *path, uint32_t *format_ret);

struct vml_vmcore;
/* Maps path and reads its headers and notes: the physical memory its
 * PT_LOAD segments hold (by p_paddr) or, kdump-compressed, its bitmaps and
 * page descriptors (pages decompressed when read: zlib, lzo, snappy; a
 * flattened stream is indexed block by block), the first CPU's registers
 * (QEMU's CPU-state note: CR3, CR4; EFER is assumed, see paging_from),
 * else the page-table root VMCOREINFO names. VML_ERROR_FORMAT naming what
 * is damaged (a truncated header, a note running past its segment ...),
 * VML_ERROR_UNSUPPORTED for other architectures (and zstd pages, which
 * fail alone), VML_ERROR_NOT_FOUND when no paging root can be found.
 * Segments the file holds only in part are kept for that part (the dump is
 * then incomplete, see vml_vmcore_info). Free with vml_vmcore_free. */
VML_PUBLIC
struct vml_error *vml_vmcore_open(const char *path, struct vml_vmcore **ret);
/* The same from len bytes at buf (borrowed: must outlive the vmcore). */
VML_PUBLIC
struct vml_error *vml_vmcore_open_buffer(const void *buf, size_t len,
					 struct vml_vmcore **ret);
VML_PUBLIC
void vml_vmcore_free(struct vml_vmcore *vmcore);

/* What a dump says about itself. Sized (vml_vmcore_get_info). */
struct vml_vmcore_info {
	uint32_t format;           /* enum vml_dump_format */
	uint32_t arch;             /* enum vml_arch_id */
	uint32_t ncpus;            /* NT_PRSTATUS notes */
	uint64_t nsegments;        /* PT_LOAD segments with bytes */
	uint64_t memory_bytes;     /* physical memory the file holds */
	uint64_t file_size;
	bool has_cpu_state;        /* QEMU CPU-state notes (control registers) */
	bool has_vmcoreinfo;
	bool has_pc;
	uint64_t pc;               /* the first CPU's program counter */
	bool has_kernel_offset;
	uint64_t kernel_offset;    /* VMCOREINFO KERNELOFFSET (KASLR) */
	bool has_phys_base;
	int64_t phys_base;         /* VMCOREINFO NUMBER(phys_base) */
	char osrelease[65];        /* VMCOREINFO OSRELEASE; "" when absent */
	char paging_from[160];     /* where the paging registers come from */
	bool incomplete;           /* damaged but usable: problem says how */
	char problem[200];
};
#define VML_VMCORE_INFO_SIZE_V2 VML_SIZE_THROUGH(struct vml_vmcore_info, problem)
VML_PUBLIC
struct vml_error *vml_vmcore_get_info(const struct vml_vmcore *vmcore,
				      struct vml_vmcore_info *ret,
				      size_t ret_size);
/* The value of key in the dump's VMCOREINFO ("KERNELOFFSET",
 * "SYMBOL(_stext)", "NUMBER(phys_base)") into buf (size bytes, always
 * NUL-terminated); false when absent or longer than buf. */
VML_PUBLIC
bool vml_vmcore_vmcoreinfo(const struct vml_vmcore *vmcore, const char *key,
			   char *buf, size_t size);
/* The dump's physical memory (physical reads only) and its paging; owned
 * by the vmcore, valid until it is freed. */
VML_PUBLIC
struct vml_source *vml_vmcore_source(const struct vml_vmcore *vmcore);
VML_PUBLIC
const struct vml_paging *vml_vmcore_paging(const struct vml_vmcore *vmcore);
/* The kernel of the dump: vml_kernel_from_pagetables through its memory
 * with its paging, the first CPU's pc and VMCOREINFO's base symbols as
 * hints. The kernel borrows the vmcore: free it first. */
VML_PUBLIC
struct vml_error *vml_vmcore_kernel(const struct vml_vmcore *vmcore,
				    struct vml_kernel **ret);
/* vml_kernel_answer on the dump (same hints as vml_vmcore_kernel). */
VML_PUBLIC
struct vml_error *vml_vmcore_answer(const struct vml_vmcore *vmcore,
				    const struct vml_kernel_request *req,
				    size_t req_size, char **ret);

#ifdef __cplusplus
}
#endif

#endif /* VMLAYOUT_H */

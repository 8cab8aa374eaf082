/*
 * internal.h — private interfaces shared by libvmlayout's files.
 * Nothing here is ABI; tests link the convenience library and may use it.
 */
#ifndef VML_INTERNAL_H
#define VML_INTERNAL_H

#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmlayout.h"

#define VML_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define VML_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- error.c */

struct vml_error {
	enum vml_error_code code;
	int errnum;            /* errno, or 0 */
	bool has_address;
	uint64_t address;
	bool is_static;        /* never freed */
	char *message;
};

/* Reporting out-of-memory never allocates. */
extern struct vml_error vml_enomem;

struct vml_error *vml_error_create(enum vml_error_code code, const char *fmt,
				   ...) VML_PRINTF(2, 3);
/* Appends ": strerror(errnum)"; code from errnum (EACCES/EPERM -> PERMISSION,
 * ENOENT/ESRCH -> NOT_FOUND, else IO). */
struct vml_error *vml_error_from_errno(int errnum, const char *fmt, ...)
	VML_PRINTF(2, 3);
struct vml_error *vml_error_fault(uint64_t address, const char *fmt, ...)
	VML_PRINTF(2, 3);

/* Sized structs (the ABI rule in vmlayout.h): a caller's struct comes with
 * its size. vml_check_size is VML_ERROR_INVALID ("what: struct of N bytes,
 * want at least MIN") when size < min, else NULL. */
struct vml_error *vml_check_size(const char *what, size_t size, size_t min);
/* Out: the first min(size, have) bytes of the library's src (have bytes)
 * into the caller's dst (size bytes). */
static inline void vml_copy_out(void *dst, size_t size, const void *src,
				size_t have)
{
	memcpy(dst, src, size < have ? size : have);
}
/* In: the caller's src (size bytes) into the library's dst (have bytes);
 * what an older caller's struct lacks reads as zero. */
static inline void vml_copy_in(void *dst, size_t have, const void *src,
			       size_t size)
{
	memset(dst, 0, have);
	memcpy(dst, src, size < have ? size : have);
}

/* ------------------------------------------------------------- arena.c */

/* Bump allocator for strings and small records that live as long as their
 * owner; one free releases all. Pointers stay stable. */
struct vml_arena {
	struct vml_arena_chunk *head;
};
void vml_arena_init(struct vml_arena *arena);
void vml_arena_release(struct vml_arena *arena);
void *vml_arena_alloc(struct vml_arena *arena, size_t size);
/* Copies len bytes and adds a NUL. NULL on out of memory. */
char *vml_arena_strndup(struct vml_arena *arena, const char *s, size_t len);
char *vml_arena_strdup(struct vml_arena *arena, const char *s);
/* Bytes the arena holds (chunks included), for memory accounting. */
size_t vml_arena_bytes(const struct vml_arena *arena);

/* Little-endian fields of files (ELF, kdump headers, notes) read byte by
 * byte: right whatever the host's byte order and the field's alignment. */
static inline uint16_t vml_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t vml_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t vml_le64(const uint8_t *p)
{
	return (uint64_t)vml_le32(p) | (uint64_t)vml_le32(p + 4) << 32;
}

/* Overflow-checked arithmetic: false on overflow. */
static inline bool vml_add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}
static inline bool vml_mul_overflows(size_t a, size_t b, size_t *prod)
{
	return __builtin_mul_overflow(a, b, prod);
}

/* The one binary search: how many elements of base[0..n) — sorted by the
 * uint64_t key at key_offset of each size-byte element, ascending — have a
 * key <= key, i.e. the index just past the last one at or below key.
 * O(log n). VML_UPPER_BOUND names the key by its member. */
static inline size_t vml_upper_bound(const void *base, size_t n, size_t size,
				     size_t key_offset, uint64_t key)
{
	const unsigned char *p = base;
	size_t lo = 0, len = n;
	while (len > 0) {
		size_t half = len / 2;
		uint64_t k;
		memcpy(&k, p + (lo + half) * size + key_offset, sizeof(k));
		if (k <= key) {
			lo += half + 1;
			len -= half + 1;
		} else {
			len = half;
		}
	}
	return lo;
}
#define VML_UPPER_BOUND(array, n, member, key)                              \
	vml_upper_bound((array), (n), sizeof(*(array)),                     \
			offsetof(__typeof__(*(array)), member), (key))

/* The same search over names: the first i in [0, n) whose name_at(ctx, i)
 * is name, in a list sorted by strcmp order (equal names keep their
 * order, so the first is the one a scan would find); n when there is
 * none. O(log n). */
static inline size_t vml_first_named(size_t n,
				     const char *(*name_at)(const void *ctx,
							    size_t i),
				     const void *ctx, const char *name)
{
	size_t lo = 0, len = n;
	while (len > 0) {
		size_t half = len / 2;
		if (strcmp(name_at(ctx, lo + half), name) < 0) {
			lo += half + 1;
			len -= half + 1;
		} else {
			len = half;
		}
	}
	return lo < n && !strcmp(name_at(ctx, lo), name) ? lo : n;
}

/* Grow *array (of elem bytes each) so it holds at least need elements.
 * Doubles, checks overflow. Returns false on overflow / out of memory. */
bool vml_grow(void **array, size_t *capacity, size_t need, size_t elem);

/* ------------------------------------------------------------- strbuf.c */

/* The one growable string every renderer appends to (vml_sb_*). Failure is
 * sticky: after the first allocation failure appends do nothing and
 * vml_sb_finish reports out of memory, so callers append unchecked.
 * Zero-initialise it ({ 0 }) before use. */
struct vml_strbuf {
	char *data;            /* NUL-terminated text, or NULL while empty */
	size_t len, cap;       /* len excludes the NUL */
	bool failed;
};
void vml_sb_putn(struct vml_strbuf *sb, const char *s, size_t n);
void vml_sb_puts(struct vml_strbuf *sb, const char *s);
void vml_sb_putc(struct vml_strbuf *sb, char c);
void vml_sb_repeat(struct vml_strbuf *sb, const char *s, size_t times);
void vml_sb_printf(struct vml_strbuf *sb, const char *fmt, ...) VML_PRINTF(2, 3);
void vml_sb_vprintf(struct vml_strbuf *sb, const char *fmt, va_list ap)
	VML_PRINTF(2, 0);
/* Hands the text to *ret (the caller frees it with vml_free) and empties
 * sb, or after any failure frees it and returns &vml_enomem. */
struct vml_error *vml_sb_finish(struct vml_strbuf *sb, char **ret);
/* Drops the text without handing it out. */
void vml_sb_release(struct vml_strbuf *sb);
/* Appends s for a terminal: control characters and invalid UTF-8 become
 * '?' so a hostile file name cannot break a line or emit escapes. At most
 * max_width columns; a cut string ends with "...". Returns columns used. */
size_t vml_sb_put_display(struct vml_strbuf *sb, const char *s,
			  size_t max_width);
/* Terminal columns of s (UTF-8 aware; an invalid byte counts one). */
size_t vml_display_width(const char *s);
/* s as a JSON string, escaped (invalid UTF-8 bytes as \u00XX), or null
 * when s is NULL. */
void vml_sb_json_string(struct vml_strbuf *sb, const char *s);

/* ------------------------------------------------------------- hashmap.c */

/* The one hash map: uint64_t keys (0 included) to uint64_t values, open
 * addressing. Zero-initialise it ({ 0 }); free with vml_hashmap_release.
 * Used by the source's page cache and the page-table walker. */
struct vml_hashmap_slot;
struct vml_hashmap {
	struct vml_hashmap_slot *slots;
	size_t nslots;         /* power of two, or 0 */
	size_t count;          /* keys in slots (key 0 aside) */
	bool has_zero;         /* key 0 is kept here: 0 marks an empty slot */
	uint64_t zero_value;
};
/* True when key is present, its value in *value_ret (may be NULL). */
bool vml_hashmap_get(const struct vml_hashmap *map, uint64_t key,
		     uint64_t *value_ret);
/* Adds key or replaces its value; false on out of memory (map unchanged). */
bool vml_hashmap_put(struct vml_hashmap *map, uint64_t key, uint64_t value);
/* Room for more new keys: that many puts cannot fail afterwards. */
bool vml_hashmap_reserve(struct vml_hashmap *map, size_t more);
size_t vml_hashmap_count(const struct vml_hashmap *map);
/* Every (key, value) once, in no order: *pos starts at 0; false at the end. */
bool vml_hashmap_next(const struct vml_hashmap *map, size_t *pos,
		      uint64_t *key_ret, uint64_t *value_ret);
/* Frees the table; the map is empty and usable again. */
void vml_hashmap_release(struct vml_hashmap *map);

/* ------------------------------------------------------------- source.c */

/* Read one whole 4 KiB physical page through the source's page cache.
 * *page_ret points into the cache and stays valid until the source is
 * invalidated or freed. pa must be 4 KiB aligned. */
struct vml_error *vml_source_read_page(struct vml_source *src,
				       enum vml_space space, uint64_t pa,
				       const uint8_t **page_ret);

/* A source over the library's own reader (vmcore.c): fn's error, with its
 * message, is what a failed read returns. fn and arg are kept. */
typedef struct vml_error *vml_reader_fn(void *arg, enum vml_space space,
					 uint64_t addr, void *buf, size_t len);
struct vml_error *vml_source_from_reader(vml_reader_fn *fn, void *arg,
					 struct vml_source **ret);

/* Direct pointer to [addr, addr + len) when the source holds those bytes
 * in memory (a buffer, a mapped core's dumped bytes), else NULL (read
 * them with vml_source_read). Valid as long as the source. */
const uint8_t *vml_source_peek(struct vml_source *src, enum vml_space space,
			       uint64_t addr, size_t len);

/* ------------------------------------------------------------- elf_file.c */

/* ELF structures of either class, read from untrusted bytes: ELF32 ones are
 * widened into the Elf64 types, so every reader (files on disk, cores, the
 * program headers in a core's memory) has one code path. Little-endian
 * objects on a little-endian host (every architecture described). */
struct vml_elf_class_sizes {
	size_t ehdr, phdr, shdr, sym;   /* bytes of one entry in the file */
};
/* False for a class that is neither ELFCLASS32 nor ELFCLASS64. */
bool vml_elf_class_sizes(uint8_t elf_class, struct vml_elf_class_sizes *ret);
/* raw holds one entry of elf_class (its size from vml_elf_class_sizes). */
void vml_elf_ehdr_widen(uint8_t elf_class, const void *raw, Elf64_Ehdr *ret);
void vml_elf_phdr_widen(uint8_t elf_class, const void *raw, Elf64_Phdr *ret);
void vml_elf_shdr_widen(uint8_t elf_class, const void *raw, Elf64_Shdr *ret);
void vml_elf_sym_widen(uint8_t elf_class, const void *raw, Elf64_Sym *ret);

/* One allocated section of an ELF object, at its link-time address. */
struct vml_elf_section {
	const char *name;
	uint64_t addr;
	uint64_t size;
	uint64_t offset;
	uint32_t type;
	uint64_t flags;
};

struct vml_elf_symbol {
	uint64_t addr;
	uint64_t size;
	const char *name;
};

struct vml_elf_segment {   /* PT_LOAD */
	uint64_t vaddr, memsz, offset, filesz, align;
	uint32_t flags;        /* PF_R/PF_W/PF_X */
};

/* Longest build-id kept (GNU ld writes 16 or 20 bytes; more is no id). */
#define VML_ELF_BUILD_ID_MAX 64

/* What we learned from one ELF file on disk (bounded reads only). */
struct vml_elf_info {
	const char *path;
	bool valid;            /* false: not readable or not an ELF object of
				  an architecture described (arch.c) */
	const struct vml_arch *arch; /* from its class and machine (valid only) */
	uint16_t type;         /* ET_EXEC / ET_DYN */
	uint64_t entry;
	struct vml_elf_segment *segments;
	size_t nsegments;
	struct vml_elf_section *sections;  /* sorted by addr, SHF_ALLOC only */
	size_t nsections;
	struct vml_elf_symbol *symbols;    /* sorted by addr, .symtab + .dynsym */
	size_t nsymbols;
	struct vml_arena arena;
	/* References beyond the first (elf_cache.c): layouts sharing a
	 * cached object each hold one; vml_elf_info_put drops one. */
	uint32_t extra_refs;
	/* NT_GNU_BUILD_ID of its PT_NOTE segments (valid only); length 0
	 * when it has none. */
	uint8_t build_id[VML_ELF_BUILD_ID_MAX];
	size_t build_id_len;
};

/* Reads path (with sysroot prefix) and fills *ret. A file that cannot be
 * read or is not ELF gives ret->valid == false and no error; errors are for
 * out of memory only. */
struct vml_error *vml_elf_info_load(const char *sysroot, const char *path,
				    struct vml_elf_info **ret);
void vml_elf_info_free(struct vml_elf_info *info);
/* ------------------------------------------------------------- elf_cache.c */

/* vml_elf_info_load through cache (NULL: no cache): the parsed object of
 * the file sysroot + path, shared with every layout that loaded the same
 * file (same device, inode, size and mtime). The caller holds one
 * reference to *ret and drops it with vml_elf_info_put. */
struct vml_error *vml_elf_cache_load(struct vml_elf_cache *cache,
				     const char *sysroot, const char *path,
				     struct vml_elf_info **ret);
/* Drops one reference; the last frees the object. NULL-safe. */
void vml_elf_info_put(struct vml_elf_info *info);

/* A reader of an ELF image that is not a file: exactly len bytes at the
 * image's file offset off into buf, true on success (never partly). */
typedef bool vml_elf_read_fn(void *arg, uint64_t off, void *buf, size_t len);
/* The same parser as vml_elf_info_load over read: an image of size bytes
 * (every read lies below it), such as an ELF object in target memory (the
 * vDSO, a mapped file's header page in a core). name is copied as the
 * path. headers_only: the ELF header and program headers alone (segments,
 * build-id). Errors are for out of memory only. */
struct vml_error *vml_elf_info_load_reader(vml_elf_read_fn *read, void *arg,
					   uint64_t size, const char *name,
					   bool headers_only,
					   struct vml_elf_info **ret);
/* The NT_GNU_BUILD_ID in len bytes of notes padded to align (4 or 8) into
 * id (VML_ELF_BUILD_ID_MAX bytes); false when there is none or the notes
 * are damaged before it. */
bool vml_elf_notes_build_id(const uint8_t *p, size_t len, size_t align,
			    uint8_t *id, size_t *id_len);
/* Section containing the link-time address vaddr, or NULL. O(log n). */
const struct vml_elf_section *vml_elf_find_section(const struct vml_elf_info *info,
						   uint64_t vaddr);
/* Nearest symbol at or below vaddr (within its size when it has one, or
 * within the same section), or NULL. O(log n). */
const struct vml_elf_symbol *vml_elf_find_symbol(const struct vml_elf_info *info,
						 uint64_t vaddr);

/* ------------------------------------------------------------- layout */

struct vml_thread {
	int64_t tid;
	uint64_t sp;
	bool is_main;
};

/* A mapped ELF object: the file and its load bias in this address space. */
struct vml_object {
	const char *path;
	struct vml_elf_info *elf;  /* owned */
	uint64_t bias;             /* runtime address - link-time address */
	uint64_t start, end;       /* span of its regions */
	bool is_exe;
};

struct vml_auxv {
	bool present;
	uint64_t phdr, phent, phnum, pagesz, base, entry, sysinfo_ehdr, execfn;
};

/* Why the file on disk is not the one that was mapped (build_id.c). */
enum vml_mismatch {
	VML_MISMATCH_NONE = 0,
	VML_MISMATCH_BUILD_ID,          /* both have a build-id; they differ */
	VML_MISMATCH_BUILD_ID_ONE_SIDE, /* only one of the two has one */
	VML_MISMATCH_MTIME,             /* changed after the core was written */
	VML_MISMATCH_INODE,             /* another file at that path */
};
struct vml_mismatch_entry {
	const char *path;      /* the region's (layout strings) */
	enum vml_mismatch why;
};

struct vml_layout {
	struct vml_region *regions;    /* sorted by start, non-overlapping */
	size_t count, capacity;
	/* Copy of every region's start, made by vml_layout_finish: lookups
	 * binary-search 8-byte keys instead of 112-byte regions, so a 60,000
	 * region search stays in cache. Used only while nstarts == count. */
	uint64_t *starts;
	size_t nstarts;
	struct vml_arena strings;      /* names, paths */
	struct vml_thread *threads;
	size_t nthreads, threads_capacity;
	/* The tids of vml_region.tids: each region's run, by tid, in region
	 * order (every thread's $sp lies in at most one region). Rebuilt by
	 * the classifier. */
	int64_t *region_tids;
	size_t region_tids_capacity;
	struct vml_auxv auxv;
	char *exe_path;
	char *sysroot;
	struct vml_source *source;     /* borrowed */
	struct vml_source *owned_source; /* from vml_layout_from_pid */
	struct vml_object *objects;    /* owned, with their ELF info */
	size_t nobjects, objects_capacity;
	uint32_t flags;                /* enum vml_layout_flags */
	bool classified;
	struct vml_core *core;         /* owned; set by layout_core.c */
	/* The architecture the address space belongs to (the default one
	 * until a builder knows better), and for a layout made from page
	 * tables the halves its paging gives (a process cannot see them). */
	const struct vml_arch *arch;
	bool halves_known;
	uint64_t user_end, kernel_start;
	/* The raw auxv as given (parsed into auxv with the architecture's
	 * word size, again when the architecture changes). */
	uint8_t *auxv_raw;
	size_t auxv_raw_len;
	/* Parsed ELF objects shared across layouts (borrowed, may be NULL):
	 * vml_layout_set_elf_cache. */
	struct vml_elf_cache *elf_cache;
	/* A local live process (vml_layout_set_pid): its /proc/PID files
	 * may be read (map_files, exe); 0 when none. */
	int pid;
	/* enum vml_disasm_syntax of the insn lines. */
	uint32_t disasm_syntax;
	/* elf_mem.c: the vDSO's ELF image read from memory, loaded the first
	 * time an answer needs it (reset with the objects). */
	struct vml_object vdso;
	bool vdso_tried;
	/* build_id.c: warnings made by the last classification, one line
	 * each, and the mapped files whose copy on disk differs. */
	char **warnings;
	size_t nwarnings, warnings_capacity;
	struct vml_mismatch_entry *mismatches;
	size_t nmismatches, mismatches_capacity;
	/* crash.c: thread registers and the signal (owned; NULL until set). */
	struct vml_crash_facts *crash;
};

/* core_elf.c: frees what vml_layout_from_core attached (NULL-safe). */
void vml_core_free(struct vml_core *core);
/* layout_core.c: the core facts of a layout made from a core (owned by the
 * layout), or NULL. */
const struct vml_core_info *vml_layout_core(const struct vml_layout *layout);
/* core_objects.c: names the file mappings of a core without NT_FILE from
 * its auxv and the dynamic linker's r_debug list (files read from disk,
 * under the layout's sysroot); run by the classifier on core layouts. */
struct vml_error *vml_core_name_objects(struct vml_layout *layout);
/* The sysroot to read path under: the layout's, except for the executable
 * of a core named from the auxv (a local file, as qemu-aarch64 -L DIR
 * runs a program outside DIR). */
const char *vml_layout_file_root(const struct vml_layout *layout,
				 const char *path);

/* ------------------------------------------------------------- core_elf.c */

/* One PT_LOAD of a core. Bytes [vaddr, vaddr + avail) are in the file;
 * the rest of [vaddr, vaddr + memsz) was not dumped (or the file is cut). */
struct vml_core_load {
	uint64_t vaddr, memsz;
	uint64_t offset;       /* file offset of the dumped bytes */
	uint64_t filesz;       /* bytes the header says were dumped (<= memsz) */
	uint64_t avail;        /* of those, bytes really inside the file */
	uint32_t flags;        /* PF_X 1, PF_W 2, PF_R 4 */
};

/* One NT_FILE entry; offset already in bytes. */
struct vml_core_file {
	uint64_t start, end, offset;
	const char *path;      /* in core->strings, " (deleted)" kept */
};

struct vml_core_thread {   /* one NT_PRSTATUS */
	int64_t tid;
	uint64_t sp, ip;
	/* pr_reg inside the core's data: nregs registers of the
	 * architecture's reg_size, named by its crash description. */
	const uint8_t *regs;
	uint32_t nregs;
	/* The NT_SIGINFO that followed this thread's NT_PRSTATUS (the
	 * kernel writes it after the dumping thread's, gcore after each). */
	bool has_siginfo;
	int32_t sig_signo, sig_code;
	bool sig_has_addr;       /* a fault's si_addr (si_code > 0) */
	uint64_t sig_addr;
};

struct vml_core {
	const uint8_t *data;   /* the whole core (mapped or caller's buffer) */
	size_t size;
	const struct vml_arch *arch; /* from the ELF header: picks the notes'
					layout and the words' size */
	uint8_t elf_class;
	void *mapping;         /* munmap'd by vml_core_free when non-NULL */
	size_t mapping_size;
	struct vml_core_load *loads;     /* sorted by vaddr, non-overlapping */
	size_t nloads;
	struct vml_core_file *files;     /* sorted by start, non-overlapping */
	size_t nfiles;
	struct vml_core_thread *threads; /* in note order */
	size_t nthreads, threads_capacity;
	const uint8_t *auxv;   /* NT_AUXV bytes inside data, or NULL */
	size_t auxv_len;
	struct vml_core_info info;
	bool from_gdb;         /* written by GDB's gcore: PF_R is always set */
	/* The core file's modification time (vml_layout_from_core), when
	 * known: a mapped file changed later is not the one dumped. */
	bool has_mtime;
	int64_t mtime_sec, mtime_nsec;
	const char *problem;   /* first damage found (in strings), or NULL */
	/* Directory of the core file (vml_layout_from_core; in strings), or
	 * NULL: where the dumping process ran, so relative paths (AT_EXECFN)
	 * may be resolved against it. */
	const char *dir;
	struct vml_arena strings;
};

/* Parses headers and notes of an ELF core of an architecture arch.c
 * describes (ELF64 x86-64, ELF32 i386) held in buf (borrowed, must
 * outlive the core). Damage that still leaves something usable sets
 * info.incomplete (and problem) instead of failing. */
struct vml_error *vml_core_parse(const void *buf, size_t len,
				 struct vml_core **ret);
/* vml_read_fn over the dumped bytes of the loads (arg is the core): fails
 * for physical reads and for any byte that is not in the file. */
int vml_core_read(void *arg, enum vml_space space, uint64_t addr, void *buf,
		  size_t len);

/* region.c */
/* start <= addr, and addr below end, or the last byte of a region that
 * ends at 2^64 (VML_REGION_ENDS_AT_TOP). */
static inline bool vml_region_contains(const struct vml_region *r, uint64_t addr)
{
	return addr >= r->start &&
	       (addr < r->end || ((r->flags & VML_REGION_ENDS_AT_TOP) &&
				  addr == UINT64_MAX && r->end == UINT64_MAX));
}
/* Bytes in r, counting the last byte of a region that ends at 2^64. */
static inline uint64_t vml_region_size(const struct vml_region *r)
{
	uint64_t size = r->end - r->start;
	if ((r->flags & VML_REGION_ENDS_AT_TOP) && r->end == UINT64_MAX && r->start)
		size++;
	return size;
}
/* Last byte of r (inclusive): UINT64_MAX for a region that ends at 2^64. */
static inline uint64_t vml_region_last(const struct vml_region *r)
{
	if ((r->flags & VML_REGION_ENDS_AT_TOP) && r->end == UINT64_MAX)
		return UINT64_MAX;
	return r->end - 1;
}
struct vml_error *vml_layout_create(struct vml_layout **ret);
/* Appends a copy; strings in r must already live in layout->strings. */
struct vml_error *vml_layout_append(struct vml_layout *layout,
				    const struct vml_region *r);
/* Sorts by start and rejects overlaps (VML_ERROR_FORMAT naming both). */
struct vml_error *vml_layout_finish(struct vml_layout *layout);
/* Index of the region holding addr, or SIZE_MAX. */
size_t vml_layout_index(const struct vml_layout *layout, uint64_t addr);
/* vml_layout_gap without the size rule: false when addr is mapped, else
 * *ret (the whole struct) is the gap holding it. layout may be NULL. */
bool vml_layout_gap_at(const struct vml_layout *layout, uint64_t addr,
		       struct vml_gap *ret);
/* How the layout's address space divides: the picture's halves and
 * whether it shows kernel space. */
struct vml_arch;
struct vml_layout_space {
	uint64_t user_end;       /* first address above the user half */
	uint64_t kernel_start;   /* first address of the kernel half */
	bool kernel_visible;     /* kernel-half regions besides [vsyscall] */
	const char *noncanonical_fault; /* what touching the hole raises */
	uint64_t last;           /* last address of the space */
	unsigned addr_digits;    /* hex digits of a full address (16, or 8
				    for a 32-bit space) */
};
void vml_layout_space(const struct vml_layout *layout,
		      struct vml_layout_space *ret);
/* Fills r->prot/flags from r->perms. */
void vml_region_set_perms(struct vml_region *r, const char perms[4]);

/* The object table (region.c owns it; the classifier fills it). */
/* Appends a copy of obj; the layout takes obj->elf (freed on failure). */
struct vml_error *vml_layout_add_object(struct vml_layout *layout,
					const struct vml_object *obj);
/* Sorts the objects by start, as vml_layout_object_at needs. */
void vml_layout_sort_objects(struct vml_layout *layout);
/* The mapped object holding addr, or NULL. */
const struct vml_object *vml_layout_object_at(const struct vml_layout *layout,
					      uint64_t addr);
void vml_layout_free_objects(struct vml_layout *layout);

/* ------------------------------------------------------------- elf_mem.c */

/* vml_elf_info_load_reader over target memory: the image's file offset 0
 * is at base, size bytes of it may be read, through src. */
struct vml_error *vml_elf_info_load_mem(struct vml_source *src, uint64_t base,
					uint64_t size, const char *name,
					bool headers_only,
					struct vml_elf_info **ret);
/* The vDSO as an object (its symbols from its .dynsym), read through the
 * layout's source on first use; NULL when there is none or it cannot be
 * read. Owned by the layout until it is classified again or freed. */
const struct vml_object *vml_layout_vdso(struct vml_layout *layout);
/* vml_layout_object_at, or the vDSO's object once vml_layout_vdso loaded
 * it. */
const struct vml_object *vml_layout_object_or_vdso(const struct vml_layout *layout,
						   uint64_t addr);
void vml_layout_free_vdso(struct vml_layout *layout);

/* ------------------------------------------------------------- build_id.c */

/* sysroot + path (malloc'ed), or a copy of path; NULL on out of memory. */
char *vml_path_with_sysroot(const char *sysroot, const char *path);
/* Whether disk (path's ELF info, read with the layout's sysroot) is the
 * file that was mapped; first is the region mapping its file offset 0, or
 * NULL. Reads the header page through the layout's source. */
enum vml_mismatch vml_file_mismatch(const struct vml_layout *layout,
				    const char *path,
				    const struct vml_region *first,
				    const struct vml_elf_info *disk);
struct vml_error *vml_layout_add_mismatch(struct vml_layout *layout,
					  const char *path,
					  enum vml_mismatch why);
/* The ELF info of the file a live local process (layout->pid) mapped at
 * r, read through /proc/PID/map_files (or /proc/PID/exe for the program)
 * even after it was deleted or replaced; *ret NULL when there is no pid.
 * Errors are for out of memory only. */
struct vml_error *vml_mapped_file_elf(const struct vml_layout *layout,
				      const struct vml_region *r, bool is_exe,
				      struct vml_elf_info **ret);
/* The one warning line naming every mismatched file (none: nothing). */
struct vml_error *vml_layout_mismatch_warning(struct vml_layout *layout);
/* Warnings of a classification: cleared when it starts (mismatches too),
 * one line each (copied). */
void vml_layout_clear_warnings(struct vml_layout *layout);
struct vml_error *vml_layout_add_warning(struct vml_layout *layout,
					 const char *line);

/* ------------------------------------------------------------- format.c */

/* Size of [start, last] as vml_format_size writes it; "16 EiB" for the
 * whole space (the one size a uint64_t cannot hold). */
void vml_format_span(uint64_t start, uint64_t last, char *buf, size_t size);
/* The non-canonical hole between halves [0, user_end) and
 * [kernel_start, 2^64) as "16 EiB - 256 TiB". */
void vml_format_hole(uint64_t user_end, uint64_t kernel_start, char *buf,
		     size_t size);
/* A region's exclusive end in hex, "0x7ffff7dd0000", zero-padded to
 * pad_digits digits (0: no padding; the table pads to its space's width);
 * "0x10000000000000000" for a region that ends at 2^64. The one rule
 * every text output uses for a region's end. */
void vml_format_region_end(const struct vml_region *r, unsigned pad_digits,
			   char *buf, size_t size);
/* r->perms as 4 printable characters ("r-xp"; anything else '?'). */
void vml_format_perms(const struct vml_region *r, char *buf, size_t size);
/* Last component of path ("libc.so.6"); NULL for NULL. */
const char *vml_base_name(const char *path);
/* What a region is called: its path, else its maps name; NULL if none. */
const char *vml_region_label(const struct vml_region *r);
/* The Linux name of a signal: "SIGSEGV", "SIGRTMIN+3"; "signal 99" for a
 * number Linux does not use. 16 bytes always suffice. */
void vml_signal_name(int32_t signo, char *buf, size_t size);
/* "threads 4788, 4789" (or "thread 4788"): the threads whose $sp r
 * holds, as the picture and the table name a shared stack. */
void vml_sb_thread_list(struct vml_strbuf *sb, const struct vml_region *r);
/* ANSI colour of a group in the picture, table and whereis. */
const char *vml_group_color(uint32_t group);
#define VML_COLOR_RESET "\033[0m"
/* "s" unless n is 1: "1 range", "2 ranges". */
static inline const char *vml_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}
/* Both NULL, or equal strings. */
static inline bool vml_same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The exclusive end of a range whose last byte is last, as an exact JSON
 * number: 18446744073709551616 when last is 2^64-1. */
void vml_json_end(struct vml_strbuf *sb, uint64_t last);
/* The JSON object of one region: the one key set and value rules every
 * JSON output uses for a region (layout, whereis, gap neighbours, kernel):
 * "start", "end" (exclusive, exact: 18446744073709551616 for a region that
 * ends at 2^64), "perms", "kind", "group", "path", "name", "offset",
 * "object", "tid" (null when none), "tids" (every thread whose $sp
 * the region holds, [] when none), "deleted", "guessed" (the kind or
 * perms were inferred without full information). NULL r gives null. */
void vml_json_region(struct vml_strbuf *sb, const struct vml_region *r);
/* The same members without the braces, for an object that carries a
 * region's fields among its own (whereis JSON). */
void vml_json_region_members(struct vml_strbuf *sb, const struct vml_region *r);
/* Every region member with the value null (whereis of an unmapped address). */
void vml_json_region_null_members(struct vml_strbuf *sb);

/* where.c: a thread's stack overflow, as whereis and the picture tell it. */
struct vml_overflow {
	int64_t tid;             /* the thread that overflowed */
	bool is_main;
	uint64_t sp;             /* its $sp */
	uint64_t depth;          /* from the stack's lowest address down to sp */
	size_t stack_index;      /* the stack it overflowed */
};
/* Region guard_index is a guard holding the $sp of the thread whose stack
 * is above it: true and *ret (the thread with the highest $sp in it, or
 * the stack's own thread). */
bool vml_guard_overflow(const struct vml_layout *layout, size_t guard_index,
			struct vml_overflow *ret);
/* The main stack, region stack_index, did not reach its thread's $sp: the
 * $sp is unmapped, in the gap right below it. true and *ret. */
bool vml_stack_gap_overflow(const struct vml_layout *layout,
			    size_t stack_index, struct vml_overflow *ret);

/* render_picture.c: the picture of vml_render_layout (format checked). */
struct vml_error *vml_render_picture(const struct vml_layout *layout,
				     uint32_t flags, char **ret);

/* classify_kernel.c: the source a kernel was walked through (borrowed),
 * NULL for vml_kernel_from_ranges. */
struct vml_source *vml_kernel_source(const struct vml_kernel *k);

/* disasm.c: the syntax of vml_disasm_at (vml_layout_set_disasm_syntax). */
enum vml_disasm_syntax {
	VML_DISASM_ATT = 0,
	VML_DISASM_INTEL = 1,
};
/* disasm.c: symbolizer used to annotate branch targets as GDB does:
 * "call   0x401030 <puts@plt>". May be NULL. */
struct vml_error *vml_disasm_at(struct vml_layout *layout, uint64_t addr,
				char *out, size_t out_size,
				size_t *insn_len_ret);

/* ------------------------------------------------------------- select.c */

/* A piece of mapped memory a selection chooses from: a process region, or
 * a kernel's mapped page-table range (with the region of the kernel's
 * layout holding it). Arrays of them are sorted by start, non-overlapping. */
struct vml_unit {
	uint64_t start, last;          /* inclusive last */
	uint32_t kind;                 /* enum vml_kind */
	bool readable;                 /* may be read (FROM) */
	const struct vml_region *region; /* names: object, path, maps name */
	size_t region_index;           /* of region in its layout, or SIZE_MAX */
};
/* [start, last], inclusive, inside unit (an index into the units), or
 * SIZE_MAX when it was merged across units. */
struct vml_span {
	uint64_t start, last;
	size_t unit;
};
/* Parses spec (vmlayout.h, "pointer scans": kinds, "all", objects, paths,
 * START-END, comma-separated; NULL or "" means "all") against units and
 * returns the memory it selects as sorted spans (*spans_ret: free with
 * free(); may be NULL when *count_ret is 0): merged across units into as
 * few as possible, or with per_unit one or more per unit, each naming its
 * unit. readable_only keeps units that may be read. what names the
 * selection in errors ("FROM"). */
struct vml_error *vml_select(const char *spec, const char *what,
			     const struct vml_unit *units, size_t nunits,
			     bool readable_only, bool per_unit,
			     struct vml_span **spans_ret, size_t *count_ret);
/* Slab caches a TO selection names with "slab:NAME" items (kernel scans
 * only): only values inside an object of one of them count. */
#define VML_SELECT_MAX_CACHES 16u
#define VML_SELECT_CACHE_NAME 64u
struct vml_cache_names {
	size_t count;
	char names[VML_SELECT_MAX_CACHES][VML_SELECT_CACHE_NAME];
};
/* Takes the "slab:NAME" items out of spec: their names in *ret, the other
 * items (comma-separated, as given) in *rest_ret (free with free(); ""
 * when none). Errors: an empty or over-long name, more than
 * VML_SELECT_MAX_CACHES, a spec too long (what names the selection). */
struct vml_error *vml_select_caches(const char *spec, const char *what,
				    char **rest_ret,
				    struct vml_cache_names *ret);
/* The units of a process layout: one per region. *ret: free with free(). */
struct vml_error *vml_layout_units(const struct vml_layout *layout,
				   struct vml_unit **ret, size_t *count_ret);

/* ------------------------------------------------------------- scan.c */

/* The facts of a whereis one-liner about value: the region holding it
 * (SIZE_MAX when none), its ELF section and symbol (NULL when unknown). */
struct vml_value_facts {
	size_t region_index;
	const char *section;
	uint64_t section_offset;
	const char *symbol;
	uint64_t symbol_offset;
};
void vml_value_facts(const struct vml_layout *layout, uint64_t value,
		     struct vml_value_facts *ret);
/* A kernel's mapped page-table ranges as units (uncached ones not
 * readable), named by its layout's regions. *ret: free with free(). */
struct vml_error *vml_kernel_units(const struct vml_kernel *kernel,
				   struct vml_unit **ret, size_t *count_ret);
/* What render_scan.c reads of a scan. */
const struct vml_layout *vml_scan_layout(const struct vml_scan *scan);
const uint64_t *vml_scan_counts(const struct vml_scan *scan, size_t *n);
const struct vml_scan_hit *vml_scan_hits(const struct vml_scan *scan);
/* The selection as given (NULL when it was the default). */
const char *vml_scan_selection(const struct vml_scan *scan, bool to);
/* ------------------------------------------------------------- crash.c */

/* Registers and the signal of a layout (vml_layout_add_thread_registers,
 * vml_layout_set_siginfo); freed with the layout. */
struct vml_crash_facts;
void vml_crash_facts_free(struct vml_crash_facts *facts);
/* A signal known without its siginfo (a core without NT_SIGINFO: the
 * dumping thread's pr_cursig): no si_code, no address. */
struct vml_error *vml_layout_set_signal(struct vml_layout *layout,
					int64_t tid, int32_t signo);

/* disasm.c: up to len bytes of the instruction at addr, through the
 * layout's source, else from the mapped file (what vml_disasm_at decodes);
 * returns how many were read (0: none). Never reads past addr's region. */
size_t vml_disasm_read(struct vml_layout *layout, uint64_t addr, uint8_t *buf,
		       size_t len);

#endif /* VML_INTERNAL_H */

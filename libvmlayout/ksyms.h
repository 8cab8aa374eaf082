/*
 * ksyms.h — kernel symbols and types read from the kernel's own memory
 * (kallsyms.c, btf.c, ksyms.c, kmem.c and the walkers of kernel lists:
 * ktasks.c, kmodules.c, kvmalloc.c, kpercpu.c, kmm.c). Internal: nothing
 * here is ABI; the public face is struct vml_ksyms in vmlayout.h.
 */
#ifndef VML_KSYMS_H
#define VML_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ------------------------------------------------------------ kallsyms.c */

/* Bounds of what the parser accepts (a kernel has ~100k-300k symbols). */
#define VML_KALLSYMS_MAX_SYMS     (UINT32_C(1) << 22)
/* Longest expanded name (KSYM_NAME_LEN is 512 since 6.1, 128 before). */
#define VML_KALLSYMS_NAME_MAX     1024
/* How far below the token table the names may start. */
#define VML_KALLSYMS_MAX_BACK     (UINT64_C(64) << 20)

struct vml_kallsyms_sym {
	uint64_t addr;
	uint32_t name;           /* offset of its NUL-terminated name in names */
	char type;               /* the kallsyms letter ('T', 't', 'D' ...) */
	bool absolute;           /* an absolute value (per-CPU offsets on
				    kernels with absolute per-CPU symbols) */
};

/* How the addresses are stored. */
enum vml_kallsyms_addrs {
	VML_KALLSYMS_ABSOLUTE = 0,   /* kallsyms_addresses: one word each */
	VML_KALLSYMS_RELATIVE = 1,   /* kallsyms_offsets: base + (u32)off */
	VML_KALLSYMS_ABS_PERCPU = 2, /* offsets: >= 0 absolute, < 0 relative
					to relative_base - 1 */
	VML_KALLSYMS_PLACE_RELATIVE = 3, /* 7.0+: s32 offsets from their own
					    address, no relative_base */
};

/* The tables found and decoded, in the kernel's order (ascending
 * addresses). Offsets are into the buffer given to vml_kallsyms_parse. */
struct vml_kallsyms {
	struct vml_kallsyms_sym *syms;
	size_t count;
	char *names;             /* every name, NUL-terminated */
	size_t names_size;
	uint32_t addrs;          /* enum vml_kallsyms_addrs */
	bool offsets_last;       /* 6.4+: addresses after the token index */
	unsigned markers_size;   /* 4 (.long) or 8 (older: a pointer each) */
	uint64_t relative_base;  /* RELATIVE / ABS_PERCPU */
	size_t num_syms_off, names_off, markers_off, token_table_off,
	       token_index_off, addrs_off;
	uint8_t token_index[512];/* as read: what ksyms checks the kernel
				    still holds */
};

/*
 * Finds the kallsyms tables in len bytes of kernel memory (buf holds the
 * virtual addresses [va, va + len); ptr_size is the kernel's word) and
 * decodes every symbol. image_start/image_end bound where the kernel image
 * is mapped: the relative base and _text must lie there. Every length is
 * checked; a buffer holding no valid tables is VML_ERROR_NOT_FOUND.
 * Free *ret with vml_kallsyms_free.
 */
struct vml_error *vml_kallsyms_parse(const uint8_t *buf, size_t len,
				     uint64_t va, unsigned ptr_size,
				     uint64_t image_start, uint64_t image_end,
				     struct vml_kallsyms **ret);
void vml_kallsyms_free(struct vml_kallsyms *ks);
static inline const char *vml_kallsyms_name(const struct vml_kallsyms *ks,
					    size_t i)
{
	return ks->names + ks->syms[i].name;
}

/* ------------------------------------------------------------ ksyms.c */

struct vml_btf;

/* A relocatable symbol by address (absolute ones are left out). */
struct vml_ksym_addr {
	uint64_t addr;
	uint32_t index;          /* into kallsyms->syms */
};

/* Public as the opaque struct vml_ksyms: what a kernel tells about itself
 * from its memory, constant while it runs (modules, tasks and vmalloc
 * areas change: they are read live at each question). */
struct vml_ksyms {
	const struct vml_arch *arch;
	struct vml_kallsyms *kallsyms;
	uint64_t tables_va;      /* address of the buffer parsed */
	struct vml_ksym_addr *by_addr;   /* ascending */
	size_t nby_addr;
	uint32_t *by_name;       /* every symbol, by name then address */
	uint64_t image_start, image_end; /* the image mapping searched */
	uint64_t end;            /* symbols name addresses below this (_end) */
	uint64_t bytes_read;     /* of the image, to find the tables */
	struct vml_btf *btf;     /* NULL: the kernel has no BTF (or not read) */
	char btf_note[160];      /* why there are no types, "" when there are */
	char description[320];
};

/* A struct vml_ksyms of tab (taken over, freed on error too) found at
 * tables_va in an image mapped at [image_start, image_end); no types. */
struct vml_error *vml_ksyms_from_kallsyms(const struct vml_arch *arch,
					 struct vml_kallsyms *tab,
					 uint64_t tables_va,
					 uint64_t image_start,
					 uint64_t image_end,
					 struct vml_ksyms **ret);
/* ks->description written again ("N symbols from kallsyms at ...; types
 * or why there are none"), one line. */
void vml_ksyms_describe(struct vml_ksyms *ks);
/* The symbol named name (the lowest address of equal names), or NULL. */
const struct vml_kallsyms_sym *vml_ksyms_named(const struct vml_ksyms *ks,
					       const char *name);
/* Address of name, 0 when there is no such symbol. */
uint64_t vml_ksyms_addr(const struct vml_ksyms *ks, const char *name);
/* The relocatable symbol at or below addr inside the image's symbols
 * (index into kallsyms->syms, SIZE_MAX when none) and its size (to the
 * next higher address). */
size_t vml_ksyms_at(const struct vml_ksyms *ks, uint64_t addr,
		    uint64_t *size_ret);
/* "name+0x12" of addr, or false. */
bool vml_ksyms_format(const struct vml_ksyms *ks, uint64_t addr, char *buf,
		      size_t size);

/* The values of the architecture's base symbols (vml_arch_kernel_symbols)
 * read through k's walk, or their addresses, as hints: fills at most max,
 * returns how many. */
size_t vml_ksyms_base_values(const struct vml_ksyms *ks,
			     const struct vml_kernel *k,
			     struct vml_named_value *out, size_t max);
/* kernel.c: k classified again, bases from syms where the caller's hints
 * gave none (vml_kernel_set_ksyms). */
struct vml_error *vml_kernel_reclassify(struct vml_kernel *k,
					const struct vml_named_value *syms,
					size_t nsyms);

/* ------------------------------------------------------------ ksyms_elf.c */

/* A symbol and a section of a symbol file (vml_elf_write_symbols). */
struct vml_elf_symbol_in {
	const char *name;
	uint64_t addr, size;
	char type;               /* kallsyms letter: lower case is local */
};
struct vml_elf_section_in {
	const char *name;
	uint64_t addr, size;
	bool exec;
	const struct vml_elf_symbol_in *syms;
	size_t nsyms;
};
/* An ET_EXEC ELF of arch at path (written whole: a temporary, then
 * renamed) with one NOBITS section per secs[i] and their symbols. */
struct vml_error *vml_elf_write_symbols(const struct vml_arch *arch,
					const struct vml_elf_section_in *secs,
					size_t nsecs, const char *path);

/* ------------------------------------------------------------ btf.c */

/* A member of a kernel struct, from BTF. */
struct vml_btf_field {
	uint64_t offset;         /* bytes from the start of the struct */
	uint64_t size;           /* bytes */
	uint64_t count;          /* array elements (1 when not an array) */
	uint64_t elem_size;      /* bytes of one element */
};
/* Parses size bytes of raw BTF (copied). VML_ERROR_FORMAT when it is not. */
struct vml_error *vml_btf_from_bytes(const void *data, size_t size,
				     struct vml_btf **ret);
/* The kernel's BTF, __start_BTF..__stop_BTF of ks's kallsyms, into
 * ks->btf; a kernel without (or with unreadable) BTF leaves ks->btf NULL
 * and says why in ks->btf_note. Errors: out of memory only. */
struct vml_error *vml_btf_load(struct vml_ksyms *ks,
			       const struct vml_kernel *k);
void vml_btf_free(struct vml_btf *b);
/* "124000 types from BTF (4262 KiB)". */
const char *vml_btf_summary(const struct vml_btf *b);
/* Member path ("thread.sp": members of members, anonymous ones looked
 * through) of struct (or union, or typedef of one) type. False when the
 * kernel has no such member (or it is a bit field). */
bool vml_btf_member(const struct vml_btf *b, const char *type,
		    const char *path, struct vml_btf_field *ret);
bool vml_btf_offset(const struct vml_btf *b, const char *type,
		    const char *path, uint64_t *offset_ret);
/* A bit-field member (slab.objects): its offset in bits from the start of
 * the struct and its width (1..64). False when it is not a bit field. */
bool vml_btf_bitfield(const struct vml_btf *b, const char *type,
		      const char *path, uint64_t *bit_offset_ret,
		      uint32_t *bit_size_ret);
/* The first enumerator of enum enum_name whose value is value ("PG_slab"
 * of enum pageflags), NULL when none; owned by b. */
const char *vml_btf_enum_name(const struct vml_btf *b, const char *enum_name,
			      int64_t value);
/* sizeof(struct type). */
bool vml_btf_size(const struct vml_btf *b, const char *type, uint64_t *ret);
/* The value of enumerator name, in any enum. */
bool vml_btf_enum_value(const struct vml_btf *b, const char *name,
			int64_t *ret);

/* ------------------------------------------------------------ kmem.c */

struct vml_kernel;
struct vml_pt_range;

/* The mapped range of k's walk holding va, or NULL. */
const struct vml_pt_range *vml_kernel_range_at(const struct vml_kernel *k,
					       uint64_t va);
/* va's physical address through the walk; *left_ret (may be NULL): bytes
 * from va to the end of its range (physically contiguous). */
struct vml_error *vml_kernel_virt_to_phys(const struct vml_kernel *k,
					  uint64_t va, uint64_t *pa_ret,
					  uint64_t *left_ret);
/* len bytes at va, page by page through the source's page cache. */
struct vml_error *vml_kernel_read(const struct vml_kernel *k, uint64_t va,
				  void *buf, size_t len);
/* The same in large uncached reads (megabytes of image data). */
struct vml_error *vml_kernel_read_bulk(const struct vml_kernel *k,
				       uint64_t va, void *buf, size_t len);
/* One kernel word (pointer_size bytes, the kernel's byte order). */
struct vml_error *vml_kernel_read_word(const struct vml_kernel *k,
				       uint64_t va, uint64_t *ret);
/* A NUL-terminated string of at most size - 1 bytes (cut to fit). */
struct vml_error *vml_kernel_read_string(const struct vml_kernel *k,
					 uint64_t va, char *buf, size_t size);

#endif /* VML_KSYMS_H */

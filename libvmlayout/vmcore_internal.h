/*
 * vmcore_internal.h — private interfaces between vmcore.c (a kernel's
 * whole physical memory in a file, as a source) and kdump.c (the
 * kdump-compressed formats). Nothing here is ABI.
 */
#ifndef VML_VMCORE_INTERNAL_H
#define VML_VMCORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Compression flags of a kdump page descriptor and of the header's status
 * (makedumpfile's diskdump_mod.h; QEMU writes the first three). */
#define VML_KDUMP_ZLIB 0x1u
#define VML_KDUMP_LZO 0x2u
#define VML_KDUMP_SNAPPY 0x4u
#define VML_KDUMP_ZSTD 0x20u
/* Header status only: makedumpfile stopped writing (out of space); pages
 * it did not write have a zero descriptor. */
#define VML_KDUMP_INCOMPLETE 0x8u

struct vml_kdump;

/* What a kdump-compressed dump says about itself (headers only). */
struct vml_kdump_facts {
	bool flattened;          /* makedumpfile's flattened stream */
	uint64_t blocks;         /* flattened: data blocks indexed */
	uint32_t header_version;
	uint32_t block_size;     /* = the kernel's page size */
	uint32_t status;         /* compression flags the header names */
	uint32_t nr_cpus;
	uint64_t max_mapnr;      /* page frames the bitmaps cover */
	uint64_t ram_pages;      /* set in the 1st bitmap */
	uint64_t dumped_pages;   /* set in the 2nd bitmap: a descriptor each */
	bool has_phys_base;
	int64_t phys_base;       /* the sub-header's (what the dumper knew) */
	char release[66];        /* utsname.release; QEMU leaves it empty */
	char machine[66];        /* utsname.machine ("x86_64") */
	/* ELF notes (NT_PRSTATUS, QEMU's CPU state, VMCOREINFO) and the
	 * VMCOREINFO text, owned by the kdump (NULL, 0 when absent). */
	const uint8_t *notes;
	size_t notes_size;
	const uint8_t *vmcoreinfo;
	size_t vmcoreinfo_size;
	/* First damage found that still leaves something usable. */
	bool incomplete;
	char problem[200];
};

/* Checks the header, sub-header and bitmaps of the dump in data (size
 * bytes, borrowed: must outlive the kdump) and indexes them; reads no
 * page descriptor and no page. VML_ERROR_FORMAT naming the field for a
 * damaged header, VML_ERROR_UNSUPPORTED for what this reader does not do.
 */
struct vml_error *vml_kdump_open(const uint8_t *data, size_t size,
				 struct vml_kdump **ret);
void vml_kdump_free(struct vml_kdump *kd);
const struct vml_kdump_facts *vml_kdump_get_facts(const struct vml_kdump *kd);
/* len bytes of physical memory at pa: each page through its descriptor,
 * decompressed on demand (a few pages kept). A page not in the dump, an
 * excluded one, a bad descriptor or data that does not decompress to one
 * page is VML_ERROR_FAULT naming the page and why. */
struct vml_error *vml_kdump_read(struct vml_kdump *kd, uint64_t pa,
				 void *buf, size_t len);
/* Physical ranges of RAM (runs of the 1st bitmap), ascending: the i-th
 * as [*start, *start + *size); false past the last. */
bool vml_kdump_range(const struct vml_kdump *kd, size_t i, uint64_t *start,
		     uint64_t *size);
size_t vml_kdump_range_count(const struct vml_kdump *kd);
/* Decompressions done (tests and bench: each page once while cached). */
uint64_t vml_kdump_decompressions(const struct vml_kdump *kd);

#endif /* VML_VMCORE_INTERNAL_H */

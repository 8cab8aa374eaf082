/*
 * kmem.c — reading a kernel's virtual memory through its own page-table
 * walk: a virtual address is translated with the walk's ranges (no read)
 * and its bytes are read as physical memory through the kernel's source,
 * page by page through the source's page cache (structures: task_struct,
 * module, vmap_area ...) or in large uncached reads (the image's
 * read-only data, BTF). The debugger's own idea of virtual memory (its
 * current CR3, its caches) plays no part.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "ksyms.h"

#define PAGE 4096u

/* The mapped range holding va, or NULL. */
const struct vml_pt_range *vml_kernel_range_at(const struct vml_kernel *k,
					       uint64_t va)
{
	size_t i = vml_kernel_first_range_from(k, va);
	if (i >= k->nranges)
		return NULL;
	const struct vml_pt_range *r = &k->ranges[i];
	if (r->start > va || r->status != VML_PT_MAPPED)
		return NULL;
	return r;
}

struct vml_error *vml_kernel_virt_to_phys(const struct vml_kernel *k,
					  uint64_t va, uint64_t *pa_ret,
					  uint64_t *left_ret)
{
	const struct vml_pt_range *r = vml_kernel_range_at(k, va);
	if (!r)
		return vml_error_fault(va, "kernel address 0x%" PRIx64 " is not"
				       " mapped", va);
	*pa_ret = r->phys + (va - r->start);
	if (left_ret)
		*left_ret = r->last - va + 1 ? r->last - va + 1 : UINT64_MAX;
	return NULL;
}

struct vml_error *vml_kernel_read(const struct vml_kernel *k, uint64_t va,
				  void *buf, size_t len)
{
	if (!k->source)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"kernel made from ranges: no memory"
					" to read");
	uint8_t *out = buf;
	while (len) {
		uint64_t pa = 0;
		struct vml_error *err = vml_kernel_virt_to_phys(k, va, &pa,
								NULL);
		if (err)
			return err;
		const uint8_t *page;
		err = vml_source_read_page(k->source, VML_SPACE_PHYSICAL,
					   pa & ~(uint64_t)(PAGE - 1), &page);
		if (err) {
			vml_error_free(err);
			return vml_error_fault(va, "cannot read kernel address"
					       " 0x%" PRIx64 " (physical 0x%"
					       PRIx64 ")", va, pa);
		}
		size_t in = pa & (PAGE - 1), n = PAGE - in;
		if (n > len)
			n = len;
		memcpy(out, page + in, n);
		out += n;
		len -= n;
		if (len && vml_add_overflows(va, n, &va))
			return vml_error_fault(va, "kernel read wraps past 2^64");
	}
	return NULL;
}

struct vml_error *vml_kernel_read_bulk(const struct vml_kernel *k,
				       uint64_t va, void *buf, size_t len)
{
	if (!k->source)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"kernel made from ranges: no memory"
					" to read");
	uint8_t *out = buf;
	while (len) {
		uint64_t pa, left;
		struct vml_error *err = vml_kernel_virt_to_phys(k, va, &pa,
								&left);
		if (err)
			return err;
		/* One range is physically contiguous: read up to 1 MiB of it
		 * at once (a remote stub answers large reads far faster). */
		size_t n = len;
		if (n > left)
			n = (size_t)left;
		if (n > (1u << 20))
			n = 1u << 20;
		err = vml_source_read(k->source, VML_SPACE_PHYSICAL, pa, out, n);
		if (err)
			return err;
		out += n;
		len -= n;
		if (len && vml_add_overflows(va, n, &va))
			return vml_error_fault(va, "kernel read wraps past 2^64");
	}
	return NULL;
}

struct vml_error *vml_kernel_read_word(const struct vml_kernel *k,
				       uint64_t va, uint64_t *ret)
{
	unsigned size = k->paging.arch->pointer_size;
	uint8_t b[8] = { 0 };
	struct vml_error *err = vml_kernel_read(k, va, b, size);
	if (err)
		return err;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned at = k->paging.arch->big_endian ? i : size - 1 - i;
		v = v << 8 | b[at];
	}
	*ret = v;
	return NULL;
}

struct vml_error *vml_kernel_read_string(const struct vml_kernel *k,
					 uint64_t va, char *buf, size_t size)
{
	if (!size)
		return NULL;
	size_t n = 0;
	while (n + 1 < size) {
		/* Up to the end of the page: never read a page the string
		 * does not reach. */
		size_t chunk = PAGE - ((va + n) & (PAGE - 1));
		if (chunk > size - 1 - n)
			chunk = size - 1 - n;
		struct vml_error *err = vml_kernel_read(k, va + n, buf + n,
							chunk);
		if (err) {
			buf[n] = '\0';
			return err;
		}
		void *nul = memchr(buf + n, '\0', chunk);
		if (nul)
			return NULL;
		n += chunk;
	}
	buf[n] = '\0';
	return NULL;
}

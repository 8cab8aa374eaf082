/*
 * source.c — where bytes come from: one interface, three back ends
 * (host callback, /proc/PID/mem, caller-owned buffer), plus a per-source
 * cache of whole 4 KiB pages used by the page-table walker.
 *
 * The page cache maps (space, page address) to a cached page through the
 * library's hash map. It remembers failures too (negative cache), so that a
 * walk over corrupt tables never asks the back end twice for the same bad
 * page; this matters when the back end is GDB talking to a remote stub.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define VML_PAGE_SIZE 4096u
/* At most this many page copies are kept (256 MiB); beyond it pages are
 * still served, from a small ring of scratch pages, but not remembered. */
#define VML_CACHE_MAX_PAGES 65536u
/* At most this many remembered failures. */
#define VML_CACHE_MAX_FAILED 65536u
/* Scratch pages for reads past the cache bound: a pointer handed out from
 * the ring stays valid for the next VML_SCRATCH_PAGES - 1 uncached reads. */
#define VML_SCRATCH_PAGES 8u

enum source_kind {
	SOURCE_CALLBACK,
	SOURCE_READER,
	SOURCE_PID,
	SOURCE_BUFFER,
};

/* The cache's value for a page the back end could not read; any other
 * value indexes pages[]. */
#define CACHE_FAILED UINT64_MAX

struct vml_source {
	enum source_kind kind;
	/* SOURCE_CALLBACK */
	vml_read_fn *fn;
	/* SOURCE_READER */
	vml_reader_fn *reader;
	void *arg;
	/* SOURCE_PID */
	int fd;
	int pid;
	/* SOURCE_BUFFER */
	enum vml_space buf_space;
	uint64_t base;
	const uint8_t *buf;
	size_t len;

	struct vml_source_stats stats;

	/* page address | space (pages are aligned, bit 0 is free) ->
	 * index into pages, or CACHE_FAILED */
	struct vml_hashmap cache;
	uint8_t **pages;    /* cached page copies */
	size_t npages, pages_cap;
	size_t nfailed;     /* remembered failures */

	uint8_t *scratch;   /* VML_SCRATCH_PAGES pages, allocated on demand */
	unsigned scratch_next;
};

static const char *space_name(enum vml_space space)
{
	return space == VML_SPACE_PHYSICAL ? "physical" : "virtual";
}

static struct vml_error *source_new(enum source_kind kind,
				    struct vml_source **ret)
{
	struct vml_source *src = calloc(1, sizeof(*src));
	if (!src)
		return &vml_enomem;
	src->kind = kind;
	src->fd = -1;
	*ret = src;
	return NULL;
}

struct vml_error *vml_source_from_callback(vml_read_fn *fn, void *arg,
					   struct vml_source **ret)
{
	if (!fn || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"callback source needs a read function");
	struct vml_source *src = NULL;
	struct vml_error *err = source_new(SOURCE_CALLBACK, &src);
	if (err)
		return err;
	src->fn = fn;
	src->arg = arg;
	*ret = src;
	return NULL;
}

struct vml_error *vml_source_from_reader(vml_reader_fn *fn, void *arg,
					 struct vml_source **ret)
{
	if (!fn || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"reader source needs a read function");
	struct vml_source *src = NULL;
	struct vml_error *err = source_new(SOURCE_READER, &src);
	if (err)
		return err;
	src->reader = fn;
	src->arg = arg;
	*ret = src;
	return NULL;
}

struct vml_error *vml_source_from_pid(int pid, struct vml_source **ret)
{
	if (pid <= 0 || !ret)
		return vml_error_create(VML_ERROR_INVALID, "invalid pid %d", pid);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vml_error_from_errno(errno, "cannot open %s", path);
	struct vml_source *src = NULL;
	struct vml_error *err = source_new(SOURCE_PID, &src);
	if (err) {
		close(fd);
		return err;
	}
	src->fd = fd;
	src->pid = pid;
	*ret = src;
	return NULL;
}

struct vml_error *vml_source_from_buffer(enum vml_space space, uint64_t base,
					 const void *buf, size_t len,
					 struct vml_source **ret)
{
	if (!ret || (!buf && len) ||
	    (space != VML_SPACE_VIRTUAL && space != VML_SPACE_PHYSICAL))
		return vml_error_create(VML_ERROR_INVALID,
					"invalid buffer source arguments");
	/* The last byte's address must be representable. */
	if (len && len - 1 > UINT64_MAX - base)
		return vml_error_create(VML_ERROR_INVALID,
					"buffer of %zu byte%s at 0x%" PRIx64
					" wraps past 2^64", len, vml_plural(len),
					base);
	struct vml_source *src = NULL;
	struct vml_error *err = source_new(SOURCE_BUFFER, &src);
	if (err)
		return err;
	src->buf_space = space;
	src->base = base;
	src->buf = buf;
	src->len = len;
	*ret = src;
	return NULL;
}

/* ------------------------------------------------------------ back ends */

static struct vml_error *read_pid(struct vml_source *src, uint64_t addr,
				  uint8_t *buf, size_t len)
{
	size_t done = 0;
	/* Each pread makes progress or ends the loop, so len bounds it. */
	while (done < len) {
		/* /proc/PID/mem accepts offsets >= 2^63 (unsigned offsets),
		 * so the cast to off_t is what the kernel expects. */
		ssize_t n = pread(src->fd, buf + done, len - done,
				  (off_t)(addr + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vml_error_fault(addr + done,
					       "cannot read %zu byte%s at 0x%" PRIx64
					       " from /proc/%d/mem: %s",
					       len - done, vml_plural(len - done),
					       addr + done, src->pid,
					       strerror(errno));
		if (n == 0)
			return vml_error_fault(addr + done,
					       "cannot read %zu byte%s at 0x%" PRIx64
					       " from /proc/%d/mem: end of file",
					       len - done, vml_plural(len - done),
					       addr + done, src->pid);
		done += (size_t)n;
	}
	return NULL;
}

static struct vml_error *read_buffer(struct vml_source *src, uint64_t addr,
				     uint8_t *buf, size_t len)
{
	if (addr < src->base || addr - src->base > src->len ||
	    len > src->len - (addr - src->base))
		return vml_error_fault(addr,
				       "%s address 0x%" PRIx64 " (+%zu byte%s) is"
				       " outside the buffer [0x%" PRIx64
				       ", +%zu)", space_name(src->buf_space),
				       addr, len, vml_plural(len), src->base,
				       src->len);
	memcpy(buf, src->buf + (addr - src->base), len);
	return NULL;
}

static struct vml_error *check_space(const struct vml_source *src,
				     enum vml_space space)
{
	if (space != VML_SPACE_VIRTUAL && space != VML_SPACE_PHYSICAL)
		return vml_error_create(VML_ERROR_INVALID,
					"unknown address space %d", (int)space);
	if (src->kind == SOURCE_PID && space != VML_SPACE_VIRTUAL)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"/proc/%d/mem has no physical memory",
					src->pid);
	if (src->kind == SOURCE_BUFFER && space != src->buf_space)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"this buffer holds %s memory, not %s",
					space_name(src->buf_space),
					space_name(space));
	return NULL;
}

/* One back-end read, counted in the stats. */
static struct vml_error *backend_read(struct vml_source *src,
				      enum vml_space space, uint64_t addr,
				      uint8_t *buf, size_t len)
{
	struct vml_error *err = NULL;
	src->stats.reads++;
	src->stats.bytes += len;
	if (len && len - 1 > UINT64_MAX - addr) {
		err = vml_error_fault(addr, "%s read of %zu byte%s at 0x%" PRIx64
				      " wraps past 2^64", space_name(space),
				      len, vml_plural(len), addr);
	} else {
		switch (src->kind) {
		case SOURCE_CALLBACK:
			if (src->fn(src->arg, space, addr, buf, len) != 0)
				err = vml_error_fault(addr, "cannot read %zu byte%s"
						      " of %s memory at 0x%" PRIx64,
						      len, vml_plural(len),
						      space_name(space), addr);
			break;
		case SOURCE_READER:
			err = src->reader(src->arg, space, addr, buf, len);
			break;
		case SOURCE_PID:
			err = read_pid(src, addr, buf, len);
			break;
		case SOURCE_BUFFER:
			err = read_buffer(src, addr, buf, len);
			break;
		}
	}
	if (err)
		src->stats.failures++;
	return err;
}

struct vml_error *vml_source_read(struct vml_source *src, enum vml_space space,
				  uint64_t addr, void *buf, size_t len)
{
	if (!src || (!buf && len))
		return vml_error_create(VML_ERROR_INVALID,
					"read needs a source and a buffer");
	struct vml_error *err = check_space(src, space);
	if (err)
		return err;
	if (len == 0)
		return NULL;
	return backend_read(src, space, addr, buf, len);
}

/* The bytes [addr, addr + len) in place, when the source holds them in
 * memory: a buffer source, or a core's dumped bytes (a callback source
 * over vml_core_read). NULL otherwise: read them. Counted as one read. */
const uint8_t *vml_source_peek(struct vml_source *src, enum vml_space space,
			       uint64_t addr, size_t len)
{
	if (!src || len == 0 || len - 1 > UINT64_MAX - addr)
		return NULL;
	const uint8_t *p = NULL;
	if (src->kind == SOURCE_BUFFER && space == src->buf_space) {
		if (addr >= src->base && addr - src->base <= src->len &&
		    len <= src->len - (addr - src->base))
			p = src->buf + (addr - src->base);
	} else if (src->kind == SOURCE_CALLBACK && src->fn == vml_core_read &&
		   space == VML_SPACE_VIRTUAL) {
		const struct vml_core *core = src->arg;
		size_t i = VML_UPPER_BOUND(core->loads, core->nloads, vaddr, addr);
		if (i > 0) {
			const struct vml_core_load *l = &core->loads[i - 1];
			uint64_t in_load = addr - l->vaddr;
			if (in_load < l->avail && len <= l->avail - in_load)
				p = core->data + l->offset + in_load;
		}
	}
	if (p) {
		src->stats.reads++;
		src->stats.bytes += len;
	}
	return p;
}

/* ------------------------------------------------------------ page cache */

/* A scratch page for a read that will not be cached. */
static uint8_t *scratch_page(struct vml_source *src)
{
	if (!src->scratch) {
		src->scratch = malloc((size_t)VML_SCRATCH_PAGES * VML_PAGE_SIZE);
		if (!src->scratch)
			return NULL;
	}
	uint8_t *page = src->scratch + (size_t)src->scratch_next * VML_PAGE_SIZE;
	src->scratch_next = (src->scratch_next + 1) % VML_SCRATCH_PAGES;
	return page;
}

struct vml_error *vml_source_read_page(struct vml_source *src,
				       enum vml_space space, uint64_t pa,
				       const uint8_t **page_ret)
{
	if (!src || !page_ret)
		return vml_error_create(VML_ERROR_INVALID,
					"page read needs a source");
	if (pa & (VML_PAGE_SIZE - 1))
		return vml_error_create(VML_ERROR_INVALID,
					"page address 0x%" PRIx64
					" is not 4 KiB aligned", pa);
	struct vml_error *err = check_space(src, space);
	if (err)
		return err;

	uint64_t key = pa | (uint64_t)space;
	uint64_t slot;
	if (vml_hashmap_get(&src->cache, key, &slot)) {
		src->stats.cache_hits++;
		if (slot == CACHE_FAILED)
			return vml_error_fault(pa, "cannot read %s page 0x%" PRIx64
					       " (failed before)",
					       space_name(space), pa);
		*page_ret = src->pages[slot];
		return NULL;
	}

	/* Past the bounds we keep serving pages, just without remembering. */
	bool cacheable = src->npages < VML_CACHE_MAX_PAGES &&
			 src->nfailed < VML_CACHE_MAX_FAILED;
	/* Room first, so that remembering the result cannot fail. */
	if (cacheable && (!vml_hashmap_reserve(&src->cache, 1) ||
			  !vml_grow((void **)&src->pages, &src->pages_cap,
				    src->npages + 1, sizeof(*src->pages))))
		return &vml_enomem;
	uint8_t *page = cacheable ? malloc(VML_PAGE_SIZE) : NULL;
	bool owned = page != NULL;
	if (!page)
		page = scratch_page(src);
	if (!page)
		return &vml_enomem;

	err = backend_read(src, space, pa, page, VML_PAGE_SIZE);
	if (err) {
		if (owned)
			free(page);
		if (cacheable) {
			/* Cannot fail: room was reserved above. */
			(void)vml_hashmap_put(&src->cache, key, CACHE_FAILED);
			src->nfailed++;
		}
		return err;
	}
	if (owned) {
		src->pages[src->npages] = page;
		(void)vml_hashmap_put(&src->cache, key, src->npages++);
	}
	*page_ret = page;
	return NULL;
}

void vml_source_invalidate(struct vml_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->npages; i++)
		free(src->pages[i]);
	free(src->pages);
	src->pages = NULL;
	src->npages = src->pages_cap = 0;
	src->nfailed = 0;
	vml_hashmap_release(&src->cache);
}

struct vml_error *vml_source_get_stats(const struct vml_source *src,
				       struct vml_source_stats *ret,
				       size_t ret_size)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"source stats: NULL result");
	struct vml_error *err = vml_check_size("source stats", ret_size,
					       VML_SOURCE_STATS_SIZE_V2);
	if (err)
		return err;
	struct vml_source_stats st = { 0 };
	if (src)
		st = src->stats;
	vml_copy_out(ret, ret_size, &st, sizeof(st));
	return NULL;
}

void vml_source_free(struct vml_source *src)
{
	if (!src)
		return;
	vml_source_invalidate(src);
	free(src->scratch);
	if (src->fd >= 0)
		close(src->fd);
	free(src);
}

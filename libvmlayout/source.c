/*
 * source.c — where bytes come from: one interface, three back ends
 * (host callback, /proc/PID/mem, caller-owned buffer), plus a per-source
 * cache of whole 4 KiB pages used by the page-table walker.
 *
 * The page cache is an open-addressing hash table keyed by (space, page
 * address). It remembers failures too (negative cache), so that a walk over
 * corrupt tables never asks the back end twice for the same bad page; this
 * matters when the back end is GDB talking to a remote stub.
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
	SOURCE_PID,
	SOURCE_BUFFER,
};

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_PAGE,     /* page holds the bytes */
	SLOT_FAILED,   /* the back end could not read this page */
};

struct cache_slot {
	uint64_t key;  /* page address | space (pages are aligned, bit 0 is free) */
	uint8_t *page;
	uint32_t state;
};

struct vml_source {
	enum source_kind kind;
	/* SOURCE_CALLBACK */
	vml_read_fn *fn;
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

	struct cache_slot *slots;
	size_t nslots;      /* power of two, or 0 */
	size_t used;        /* slots not SLOT_EMPTY */
	size_t npages;      /* SLOT_PAGE slots */
	size_t nfailed;     /* SLOT_FAILED slots */

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
					"buffer of %zu bytes at 0x%" PRIx64
					" wraps past 2^64", len, base);
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
					       "cannot read %zu bytes at 0x%" PRIx64
					       " from /proc/%d/mem: %s",
					       len - done, addr + done, src->pid,
					       strerror(errno));
		if (n == 0)
			return vml_error_fault(addr + done,
					       "cannot read %zu bytes at 0x%" PRIx64
					       " from /proc/%d/mem: end of file",
					       len - done, addr + done, src->pid);
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
				       "%s address 0x%" PRIx64 " (+%zu bytes) is"
				       " outside the buffer [0x%" PRIx64
				       ", +%zu)", space_name(src->buf_space),
				       addr, len, src->base, src->len);
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
		err = vml_error_fault(addr, "%s read of %zu bytes at 0x%" PRIx64
				      " wraps past 2^64", space_name(space),
				      len, addr);
	} else {
		switch (src->kind) {
		case SOURCE_CALLBACK:
			if (src->fn(src->arg, space, addr, buf, len) != 0)
				err = vml_error_fault(addr, "cannot read %zu bytes"
						      " of %s memory at 0x%" PRIx64,
						      len, space_name(space), addr);
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

/* ------------------------------------------------------------ page cache */

static size_t slot_hash(uint64_t key, size_t nslots)
{
	/* Fibonacci hashing spreads page-aligned keys over the table. */
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	       (nslots - 1);
}

static struct cache_slot *cache_find(struct vml_source *src, uint64_t key)
{
	if (!src->nslots)
		return NULL;
	size_t mask = src->nslots - 1;
	size_t i = slot_hash(key, src->nslots);
	/* The table is never more than half full, so an empty slot ends the
	 * probe; nslots bounds it regardless. */
	for (size_t n = 0; n < src->nslots; n++, i = (i + 1) & mask) {
		struct cache_slot *slot = &src->slots[i];
		if (slot->state == SLOT_EMPTY)
			return NULL;
		if (slot->key == key)
			return slot;
	}
	return NULL;
}

/* Make room for one more slot; false when out of memory. */
static bool cache_reserve(struct vml_source *src)
{
	if (src->nslots && src->used + 1 <= src->nslots / 2)
		return true;
	size_t nslots = src->nslots ? src->nslots * 2 : 32;
	struct cache_slot *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return false;
	size_t mask = nslots - 1;
	for (size_t j = 0; j < src->nslots; j++) {
		struct cache_slot *old = &src->slots[j];
		if (old->state == SLOT_EMPTY)
			continue;
		size_t i = slot_hash(old->key, nslots);
		while (slots[i].state != SLOT_EMPTY)
			i = (i + 1) & mask;
		slots[i] = *old;
	}
	free(src->slots);
	src->slots = slots;
	src->nslots = nslots;
	return true;
}

/* Insert a key known to be absent; the caller reserved room. */
static void cache_insert(struct vml_source *src, uint64_t key, uint8_t *page,
			 enum slot_state state)
{
	size_t mask = src->nslots - 1;
	size_t i = slot_hash(key, src->nslots);
	while (src->slots[i].state != SLOT_EMPTY)
		i = (i + 1) & mask;
	src->slots[i] = (struct cache_slot){ .key = key, .page = page,
					     .state = state };
	src->used++;
	if (state == SLOT_PAGE)
		src->npages++;
	else
		src->nfailed++;
}

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
	struct cache_slot *slot = cache_find(src, key);
	if (slot) {
		src->stats.cache_hits++;
		if (slot->state == SLOT_FAILED)
			return vml_error_fault(pa, "cannot read %s page 0x%" PRIx64
					       " (failed before)",
					       space_name(space), pa);
		*page_ret = slot->page;
		return NULL;
	}

	/* Past the bounds we keep serving pages, just without remembering. */
	bool cacheable = src->npages < VML_CACHE_MAX_PAGES &&
			 src->nfailed < VML_CACHE_MAX_FAILED;
	if (cacheable && !cache_reserve(src))
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
		if (cacheable)
			cache_insert(src, key, NULL, SLOT_FAILED);
		return err;
	}
	if (owned)
		cache_insert(src, key, page, SLOT_PAGE);
	*page_ret = page;
	return NULL;
}

void vml_source_invalidate(struct vml_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->nslots; i++)
		free(src->slots[i].page);
	free(src->slots);
	src->slots = NULL;
	src->nslots = 0;
	src->used = 0;
	src->npages = 0;
	src->nfailed = 0;
}

void vml_source_get_stats(const struct vml_source *src,
			  struct vml_source_stats *ret)
{
	if (!ret)
		return;
	if (!src) {
		*ret = (struct vml_source_stats){ 0 };
		return;
	}
	*ret = src->stats;
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

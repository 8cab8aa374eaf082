/*
 * scan.c — pointer scans: every aligned 8-byte word of the memory FROM
 * selects whose value points into the memory TO selects.
 *
 * Memory is read in large blocks through the source (a mapped core's bytes
 * in place, /proc/PID/mem in MiB preads, a debugger's callback in large
 * reads); a block that cannot be read is split in halves down to single
 * pages, so one bad page costs a few reads and no good page is lost. Each
 * word is tested against the destination set with one subtraction and
 * compare (the set's lowest and highest address), then a binary search of
 * the destination spans; a hit gets the facts of a whereis one-liner
 * (region, ELF section, symbol). The caller's progress callback runs
 * between blocks and may stop the scan.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kobjects.h"

#define VML_SCAN_BLOCK (1u << 20)
#define VML_SCAN_MIN_BLOCK 4096u
#define VML_SCAN_MAX_BLOCK (64u << 20)
#define WORD 8u

struct vml_scan {
	const struct vml_layout *layout;  /* borrowed: names the hits */
	struct vml_scan_stats stats;
	struct vml_scan_hit *hits;
	size_t capacity;
	uint64_t *counts;                 /* pointers into each region */
	size_t ncounts;
	uint64_t max_hits;
	char *from, *to;                  /* the selections as given */
};

/* The destination set: sorted spans (one or more per region) as key
 * arrays, and two pre-filters: the lowest and highest address, then a
 * bitmap of the address chunks (2 MiB or coarser) the spans touch,
 * indexed by a hash of the chunk number. A value passing both is looked
 * up exactly. */
#define FILTER_BITS 20u                   /* 2^20 bits: 128 KiB */
#define FILTER_MAX_CHUNKS (1u << 18)      /* a quarter of the bits, at most */
struct dest_set {
	uint64_t *starts, *lasts;
	size_t *regions;                  /* region index of each span */
	size_t n;
	uint64_t lo, width;               /* v is a candidate iff v - lo <= width */
	uint64_t gap_lo, gap_width;       /* ... and not v - gap_lo <= gap_width:
					     the widest hole between spans (a
					     process's: from its last mapping to
					     [vsyscall]) */
	uint64_t *filter;                 /* FILTER_BITS bits, or NULL: none */
	unsigned shift;                   /* chunk = v >> shift */
};

static inline uint64_t filter_bit(uint64_t v, unsigned shift)
{
	return ((v >> shift) * 0x9e3779b97f4a7c15ull) >> (64 - FILTER_BITS);
}

/* TO's slab:NAME items: a value counts only inside an object of a named
 * cache. Whether a page is such a slab's (and where its objects lie) is
 * remembered per page in a direct-mapped table, so a scan reads a page's
 * struct page and cache once, not once per pointer into it. */
#define SLAB_PAGE_SLOTS 4096u
struct slab_page {
	uint64_t key;                     /* page number + 1; 0: empty */
	bool match;                       /* a slab of a named cache */
	bool geometry;                    /* start, size, objects known */
	uint64_t start, size, objects;    /* its objects: start + i * size */
};
struct slab_filter {
	struct vml_kobj kobj;
	const struct vml_cache_names *names;
	struct slab_page *pages;
};

struct scan_run {
	struct vml_scan *scan;
	struct slab_filter *slab;         /* NULL: no slab:NAME in TO */
	struct vml_source *src;
	const struct dest_set *dest;
	uint8_t *buf;
	size_t last_span;                 /* span of the last hit, or SIZE_MAX */
	struct vml_error *err;            /* sticky (out of memory) */
};

/* ------------------------------------------------------------ facts */

void vml_value_facts(const struct vml_layout *layout, uint64_t value,
		     struct vml_value_facts *ret)
{
	*ret = (struct vml_value_facts){ .region_index = SIZE_MAX };
	if (!layout)
		return;
	ret->region_index = vml_layout_index(layout, value);
	if (ret->region_index == SIZE_MAX ||
	    !layout->regions[ret->region_index].object)
		return;
	const struct vml_object *obj = vml_layout_object_at(layout, value);
	if (!obj || !obj->elf || !obj->elf->valid)
		return;
	uint64_t link = value - obj->bias;
	const struct vml_elf_section *sec = vml_elf_find_section(obj->elf, link);
	if (sec) {
		ret->section = sec->name;
		ret->section_offset = link - sec->addr;
	}
	const struct vml_elf_symbol *sym = vml_elf_find_symbol(obj->elf, link);
	if (sym) {
		ret->symbol = sym->name;
		ret->symbol_offset = link - sym->addr;
	}
}

/* ------------------------------------------------------------ the loop */

/* The span holding v: its index, or SIZE_MAX. */
static size_t dest_find(const struct dest_set *d, uint64_t v)
{
	const uint64_t *starts = d->starts;
	size_t lo = 0, len = d->n;
	while (len > 0) {
		size_t half = len / 2;
		if (starts[lo + half] <= v) {
			lo += half + 1;
			len -= half + 1;
		} else {
			len = half;
		}
	}
	return lo > 0 && v <= d->lasts[lo - 1] ? lo - 1 : SIZE_MAX;
}

static bool cache_named(const struct vml_cache_names *names,
			const char *name)
{
	for (size_t i = 0; i < names->count; i++)
		if (!strcmp(names->names[i], name))
			return true;
	return false;
}

/* v lies inside an object of one of the named caches. */
static bool slab_match(struct slab_filter *f, uint64_t v)
{
	uint64_t page = v >> 12;
	struct slab_page *e = &f->pages[(page * 0x9e3779b97f4a7c15ull) >>
					(64 - 12)];
	struct vml_kslab_obj o;
	if (e->key != page + 1) {
		*e = (struct slab_page){ .key = page + 1 };
		if (!vml_kslab_slot(&f->kobj, v, &o))
			return false;
		e->match = cache_named(f->names, o.name);
		if (e->match && o.in_object) {
			e->geometry = true;
			e->start = o.obj - o.index * o.size;
			e->size = o.size;
			e->objects = o.objects;
		}
	}
	if (!e->match)
		return false;
	if (!e->geometry) {
		/* The first value seen on the page was in a red zone or
		 * padding: ask again for this one. */
		if (!vml_kslab_slot(&f->kobj, v, &o) || !o.in_object)
			return false;
		e->geometry = true;
		e->start = o.obj - o.index * o.size;
		e->size = o.size;
		e->objects = o.objects;
	}
	return v >= e->start && (v - e->start) / e->size < e->objects;
}

/* The object a kept hit points into, in whereis's words (malloc'd; NULL
 * when it cannot be said). */
static char *slab_object(struct slab_filter *f, uint64_t v)
{
	struct vml_kslab_obj o;
	if (!vml_kslab_find(&f->kobj, v, &o))
		return NULL;
	char buf[512];
	vml_kslab_format(&o, buf, sizeof(buf));
	size_t n = strlen(buf);
	char *d = malloc(n + 1);
	if (d)
		memcpy(d, buf, n + 1);
	return d;
}

static void on_hit(struct scan_run *run, uint64_t at, uint64_t value,
		   size_t region)
{
	struct vml_scan *scan = run->scan;
	if (run->slab && !slab_match(run->slab, value))
		return;
	scan->stats.hits++;
	if (region < scan->ncounts)
		scan->counts[region]++;
	if (scan->stats.kept >= scan->max_hits || run->err)
		return;
	/* The facts only for the hits kept: counting needs none. */
	struct vml_value_facts f;
	vml_value_facts(scan->layout, value, &f);
	if (!vml_grow((void **)&scan->hits, &scan->capacity,
		      (size_t)scan->stats.kept + 1, sizeof(*scan->hits))) {
		run->err = &vml_enomem;
		return;
	}
	scan->hits[scan->stats.kept++] = (struct vml_scan_hit){
		.at = at, .value = value, .region_index = region,
		.section = f.section, .section_offset = f.section_offset,
		.symbol = f.symbol, .symbol_offset = f.symbol_offset,
		.object = run->slab ? slab_object(run->slab, value) : NULL,
	};
}

/* What the word loop carries from word to word. */
struct word_state {
	const struct dest_set *d;
	size_t last;                      /* span of the last hit, or SIZE_MAX */
	uint64_t last_lo, last_width;
};

/* One candidate value (it passed the min/max test). */
static inline void test_candidate(struct scan_run *run, struct word_state *ws,
				  uint64_t at, uint64_t v)
{
	const struct dest_set *d = ws->d;
	/* Pointers cluster: most point into the same span as the last. */
	if (v - ws->last_lo <= ws->last_width) {
		on_hit(run, at, v, d->regions[ws->last]);
		return;
	}
	if (d->filter) {
		uint64_t bit = filter_bit(v, d->shift);
		if (!(d->filter[bit >> 6] & (1ull << (bit & 63))))
			return;
	}
	size_t span = dest_find(d, v);
	if (span == SIZE_MAX)
		return;
	on_hit(run, at, v, d->regions[span]);
	ws->last = span;
	ws->last_lo = d->starts[span];
	ws->last_width = d->lasts[span] - ws->last_lo;
}

/* Tests every whole word of p[0..len) (addr is 8-byte aligned). Words go
 * eight at a time through the min/max test without branches (a bit mask
 * of candidates), so data that is mostly not pointers costs no
 * mispredicted branch per word. */
static void test_words(struct scan_run *run, uint64_t addr, const uint8_t *p,
		       size_t len)
{
	const struct dest_set *d = run->dest;
	const uint64_t lo = d->lo, width = d->width;
	const uint64_t gap_lo = d->gap_lo, gap_width = d->gap_width;
	struct word_state ws = { .d = d, .last = run->last_span,
				 .last_lo = 1, .last_width = 0 };
	if (ws.last < d->n) {
		ws.last_lo = d->starts[ws.last];
		ws.last_width = d->lasts[ws.last] - ws.last_lo;
	}
	size_t n = len / WORD, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w[8];
		memcpy(w, p + i * WORD, sizeof(w));
		unsigned mask = 0;
#pragma GCC unroll 8
		for (unsigned j = 0; j < 8; j++)
			mask |= (unsigned)((w[j] - lo <= width) &
					   (w[j] - gap_lo > gap_width)) << j;
		while (mask) {
			unsigned j = (unsigned)__builtin_ctz(mask);
			mask &= mask - 1;
			test_candidate(run, &ws, addr + (i + j) * WORD, w[j]);
		}
	}
	for (; i < n; i++) {
		uint64_t v;
		memcpy(&v, p + i * WORD, sizeof(v));
		if (v - lo <= width && v - gap_lo > gap_width)
			test_candidate(run, &ws, addr + i * WORD, v);
	}
	run->last_span = ws.last;
	run->scan->stats.scanned += (uint64_t)n * WORD;
}

/* Reads and tests [addr, addr + len); what cannot be read is split down to
 * pages and counted as unreadable. */
static void scan_block(struct scan_run *run, uint64_t addr, size_t len)
{
	const uint8_t *p = vml_source_peek(run->src, VML_SPACE_VIRTUAL, addr,
					   len);
	if (p) {
		test_words(run, addr, p, len);
		return;
	}
	struct vml_error *err = vml_source_read(run->src, VML_SPACE_VIRTUAL,
						addr, run->buf, len);
	if (!err) {
		test_words(run, addr, run->buf, len);
		return;
	}
	bool fatal = vml_error_code(err) == VML_ERROR_NOMEM;
	vml_error_free(err);
	if (fatal) {
		run->err = &vml_enomem;
		return;
	}
	uint64_t first_page = addr & ~(uint64_t)(VML_SCAN_MIN_BLOCK - 1);
	if (len <= VML_SCAN_MIN_BLOCK ||
	    addr + len - first_page <= VML_SCAN_MIN_BLOCK) {
		run->scan->stats.unreadable += len;
		return;
	}
	/* Split at a page boundary near the middle. */
	uint64_t mid = (addr + len / 2) & ~(uint64_t)(VML_SCAN_MIN_BLOCK - 1);
	if (mid <= addr)
		mid = first_page + VML_SCAN_MIN_BLOCK;
	scan_block(run, addr, (size_t)(mid - addr));
	if (!run->err)
		scan_block(run, mid, (size_t)(addr + len - mid));
}

static struct vml_error *scan_spans(struct scan_run *run,
				    const struct vml_span *from, size_t nfrom,
				    size_t block,
				    const struct vml_scan_request *req)
{
	struct vml_scan *scan = run->scan;
	uint64_t done = 0, total = scan->stats.selected;
	for (size_t s = 0; s < nfrom; s++) {
		/* Whole words only: [first aligned word, last whole word]. */
		uint64_t start = from[s].start, last = from[s].last;
		uint64_t aligned = (start + WORD - 1) & ~(uint64_t)(WORD - 1);
		if (start > UINT64_MAX - (WORD - 1) || aligned > last ||
		    last - aligned < WORD - 1) {
			done += last - start + 1;
			continue;
		}
		/* Bytes of whole words (the whole 2^64 space loses its last
		 * word rather than overflow). */
		uint64_t span = last - aligned;
		uint64_t end_word = span == UINT64_MAX ?
					    UINT64_MAX & ~(uint64_t)(WORD - 1) :
					    ((span + 1) / WORD) * WORD;
		uint64_t pos = 0;
		done += aligned - start;
		while (pos < end_word) {
			uint64_t left = end_word - pos;
			size_t len = left < block ? (size_t)left : block;
			scan_block(run, aligned + pos, len);
			if (run->err)
				return run->err;
			pos += len;
			done += len;
			if (req->progress &&
			    req->progress(req->progress_arg, done, total)) {
				char a[32], b[32];
				vml_format_size(done, a, sizeof(a));
				vml_format_size(total, b, sizeof(b));
				return vml_error_create(VML_ERROR_CANCELLED,
							"scan stopped after %s "
							"of %s", a, b);
			}
		}
		done += span - end_word + 1;
	}
	return NULL;
}

/* ------------------------------------------------------------ entry */

static uint64_t spans_bytes(const struct vml_span *s, size_t n)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t len = s[i].last - s[i].start;
		/* The whole 2^64 space does not fit: saturate. */
		total = len == UINT64_MAX || total > UINT64_MAX - len - 1 ?
				UINT64_MAX : total + len + 1;
	}
	return total;
}

static void free_dest(struct dest_set *d)
{
	free(d->starts);
	free(d->lasts);
	free(d->regions);
	free(d->filter);
}

/* The chunk filter, at the finest chunk size (from 2 MiB up) whose chunk
 * count stays a quarter of the bits; none when even 2^40-byte chunks are
 * too many (a filter that passes everything is no filter). */
static void make_filter(struct dest_set *d)
{
	unsigned shift;
	for (shift = 21; shift <= 40; shift++) {
		uint64_t chunks = 0;
		for (size_t i = 0; i < d->n && chunks <= FILTER_MAX_CHUNKS; i++)
			chunks += (d->lasts[i] >> shift) -
				  (d->starts[i] >> shift) + 1;
		if (chunks <= FILTER_MAX_CHUNKS)
			break;
	}
	if (shift > 40)
		return;
	d->filter = calloc((1u << FILTER_BITS) / 64, sizeof(uint64_t));
	if (!d->filter)
		return;   /* slower, not wrong */
	d->shift = shift;
	for (size_t i = 0; i < d->n; i++) {
		uint64_t c = d->starts[i] >> shift, last = d->lasts[i] >> shift;
		for (;; c++) {
			uint64_t bit = filter_bit(c << shift, shift);
			d->filter[bit >> 6] |= 1ull << (bit & 63);
			if (c == last)
				break;
		}
	}
}

static struct vml_error *make_dest(const struct vml_span *spans, size_t n,
				   const struct vml_unit *units,
				   struct dest_set *d)
{
	*d = (struct dest_set){ 0 };
	if (n == 0) {
		/* Nothing to point at: no value passes the pre-filter. */
		d->lo = 1;
		d->width = 0;
		d->n = 0;
		return NULL;
	}
	d->starts = malloc(n * sizeof(uint64_t));
	d->lasts = malloc(n * sizeof(uint64_t));
	d->regions = malloc(n * sizeof(size_t));
	if (!d->starts || !d->lasts || !d->regions) {
		free_dest(d);
		return &vml_enomem;
	}
	for (size_t i = 0; i < n; i++) {
		d->starts[i] = spans[i].start;
		d->lasts[i] = spans[i].last;
		d->regions[i] = spans[i].unit == SIZE_MAX ? SIZE_MAX :
				units[spans[i].unit].region_index;
	}
	d->n = n;
	d->lo = spans[0].start;
	d->width = spans[n - 1].last - spans[0].start;
	/* No hole: an empty one that excludes nothing (gap_lo 0 width 0
	 * would exclude 0, which is below lo anyway). */
	for (size_t i = 0; i + 1 < n; i++) {
		uint64_t hole = spans[i + 1].start - spans[i].last - 1;
		if (hole > d->gap_width) {
			d->gap_lo = spans[i].last + 1;
			d->gap_width = hole - 1;
		}
	}
	make_filter(d);
	return NULL;
}

void vml_scan_free(struct vml_scan *scan)
{
	if (!scan)
		return;
	for (uint64_t i = 0; scan->hits && i < scan->stats.kept; i++)
		free((char *)scan->hits[i].object);
	free(scan->hits);
	free(scan->counts);
	free(scan->from);
	free(scan->to);
	free(scan);
}

static char *dup_or_null(const char *s)
{
	if (!s || !*s)
		return NULL;
	size_t n = strnlen(s, 4096);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The scan itself over units (a layout's regions or a kernel's ranges);
 * layout names the hits. */
/* TO's slab:NAME items into f (f->names: none, when it names none):
 * kernel (NULL for a process) must have symbols and BTF to find slabs.
 * *to_ret: TO without them (the direct map when nothing else is left). */
static struct vml_error *slab_setup(const struct vml_kernel *kernel,
				    const char *to, struct vml_cache_names *names,
				    struct slab_filter *f, char **to_ret)
{
	*f = (struct slab_filter){ 0 };
	struct vml_error *err = vml_select_caches(to, "TO", to_ret, names);
	if (err || !names->count)
		return err;
	if (!kernel)
		return vml_error_create(VML_ERROR_INVALID,
					"TO: 'slab:%s' selects slab objects, "
					"which only a kernel scan has (this "
					"is a process)", names->names[0]);
	if (!vml_kobj_init(&f->kobj, kernel))
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"TO: 'slab:%s' needs the kernel's "
					"symbols and BTF types (its struct "
					"page and kmem_cache); this kernel "
					"has none", names->names[0]);
	f->names = names;
	f->pages = calloc(SLAB_PAGE_SLOTS, sizeof(*f->pages));
	if (!f->pages)
		return &vml_enomem;
	if (!**to_ret) {
		static const char dm[] = "direct-map";
		char *d = realloc(*to_ret, sizeof(dm));
		if (!d)
			return &vml_enomem;
		memcpy(d, dm, sizeof(dm));
		*to_ret = d;
	}
	return NULL;
}

static struct vml_error *run_scan(const struct vml_layout *layout,
				  const struct vml_kernel *kernel,
				  const struct vml_unit *units, size_t nunits,
				  struct vml_source *src,
				  const struct vml_scan_request *req,
				  struct vml_scan **ret)
{
	struct vml_span *from = NULL, *to = NULL;
	size_t nfrom = 0, nto = 0;
	struct dest_set dest = { 0 };
	struct vml_scan *scan = NULL;
	uint8_t *buf = NULL;
	struct vml_cache_names names;
	struct slab_filter slab;
	char *to_rest = NULL;
	struct vml_error *err = slab_setup(kernel, req->to, &names, &slab,
					   &to_rest);
	if (!err)
		err = vml_select(req->from, "FROM", units, nunits, true, false,
				 &from, &nfrom);
	if (!err)
		err = vml_select(to_rest, "TO", units, nunits, false, true, &to,
				 &nto);
	if (!err)
		err = make_dest(to, nto, units, &dest);
	if (err)
		goto out;
	size_t block = req->block ? (size_t)req->block : VML_SCAN_BLOCK;
	if (block < VML_SCAN_MIN_BLOCK)
		block = VML_SCAN_MIN_BLOCK;
	if (block > VML_SCAN_MAX_BLOCK)
		block = VML_SCAN_MAX_BLOCK;
	block &= ~(size_t)(VML_SCAN_MIN_BLOCK - 1);
	scan = calloc(1, sizeof(*scan));
	buf = malloc(block);
	if (!scan || !buf) {
		err = &vml_enomem;
		goto out;
	}
	scan->layout = layout;
	scan->max_hits = req->max_hits ? req->max_hits : VML_SCAN_DEFAULT_MAX_HITS;
	scan->ncounts = layout->count;
	scan->counts = layout->count ? calloc(layout->count, sizeof(uint64_t)) :
				       NULL;
	scan->from = dup_or_null(req->from);
	scan->to = dup_or_null(req->to);
	if ((layout->count && !scan->counts) || (req->from && *req->from &&
						 !scan->from) ||
	    (req->to && *req->to && !scan->to)) {
		err = &vml_enomem;
		goto out;
	}
	scan->stats.selected = spans_bytes(from, nfrom);
	scan->stats.ranges = nfrom;
	struct scan_run run = {
		.scan = scan, .src = src, .dest = &dest, .buf = buf,
		.last_span = SIZE_MAX, .slab = slab.names ? &slab : NULL,
	};
	err = scan_spans(&run, from, nfrom, block, req);
out:
	free(slab.pages);
	free(to_rest);
	free(from);
	free(to);
	free_dest(&dest);
	free(buf);
	if (err) {
		vml_scan_free(scan);
		return err;
	}
	*ret = scan;
	return NULL;
}

static struct vml_error *check_request(const struct vml_scan_request *req,
				       size_t req_size,
				       struct vml_scan_request *copy,
				       struct vml_scan **ret)
{
	if (!req || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"scan: NULL request or result");
	struct vml_error *err = vml_check_size("scan request", req_size,
					       VML_SCAN_REQUEST_SIZE_V2);
	if (err)
		return err;
	vml_copy_in(copy, sizeof(*copy), req, req_size);
	return NULL;
}

struct vml_error *vml_layout_scan(struct vml_layout *layout,
				  const struct vml_scan_request *req,
				  size_t req_size, struct vml_scan **ret)
{
	struct vml_scan_request r;
	struct vml_error *err = check_request(req, req_size, &r, ret);
	if (err)
		return err;
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "scan: NULL layout");
	struct vml_source *src = r.source ? r.source : layout->source;
	if (!src)
		return vml_error_create(VML_ERROR_INVALID,
					"scan: the layout has no memory to "
					"read (no source)");
	err = vml_layout_classify(layout);
	if (err)
		return err;
	struct vml_unit *units = NULL;
	size_t n = 0;
	err = vml_layout_units(layout, &units, &n);
	if (!err)
		err = run_scan(layout, NULL, units, n, src, &r, ret);
	free(units);
	return err;
}

/* The kernel's mapped ranges as units; uncached ones (PCD: likely device
 * memory, where a read may have side effects) are not read. */
struct vml_error *vml_kernel_units(const struct vml_kernel *kernel,
				   struct vml_unit **ret, size_t *count_ret)
{
	size_t n = vml_kernel_range_count(kernel), m = 0;
	const struct vml_layout *layout = vml_kernel_layout(kernel);
	*ret = NULL;
	*count_ret = 0;
	if (n == 0)
		return NULL;
	struct vml_unit *units = calloc(n, sizeof(*units));
	if (!units)
		return &vml_enomem;
	for (size_t i = 0; i < n; i++) {
		const struct vml_pt_range *r = vml_kernel_range(kernel, i);
		if (r->status != VML_PT_MAPPED)
			continue;
		size_t ri = vml_layout_find_index(layout, r->start);
		const struct vml_region *reg = vml_layout_region(layout, ri);
		units[m++] = (struct vml_unit){
			.start = r->start,
			.last = r->last,
			.kind = reg ? reg->kind : vml_kernel_range_kind(kernel, i),
			.readable = !(r->flags & VML_PT_PCD),
			.region = reg,
			.region_index = ri,
		};
	}
	*ret = units;
	*count_ret = m;
	return NULL;
}

struct vml_error *vml_kernel_scan(const struct vml_kernel *kernel,
				  const struct vml_scan_request *req,
				  size_t req_size, struct vml_scan **ret)
{
	struct vml_scan_request r;
	struct vml_error *err = check_request(req, req_size, &r, ret);
	if (err)
		return err;
	if (!kernel)
		return vml_error_create(VML_ERROR_INVALID, "scan: NULL kernel");
	struct vml_source *src = r.source ? r.source : vml_kernel_source(kernel);
	if (!src)
		return vml_error_create(VML_ERROR_INVALID,
					"scan: the kernel has no memory to "
					"read (made from ranges, no source)");
	struct vml_unit *units = NULL;
	size_t n = 0;
	err = vml_kernel_units(kernel, &units, &n);
	if (!err)
		err = run_scan(vml_kernel_layout(kernel), kernel, units, n, src,
			       &r, ret);
	free(units);
	return err;
}

struct vml_error *vml_scan_get_stats(const struct vml_scan *scan,
				     struct vml_scan_stats *ret,
				     size_t ret_size)
{
	if (!scan || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"scan stats: NULL scan or result");
	struct vml_error *err = vml_check_size("scan stats", ret_size,
					       VML_SCAN_STATS_SIZE_V2);
	if (err)
		return err;
	vml_copy_out(ret, ret_size, &scan->stats, sizeof(scan->stats));
	return NULL;
}

struct vml_error *vml_scan_hit(const struct vml_scan *scan, size_t i,
			       struct vml_scan_hit *ret, size_t ret_size)
{
	if (!scan || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"scan hit: NULL scan or result");
	struct vml_error *err = vml_check_size("scan hit", ret_size,
					       VML_SCAN_HIT_SIZE_V2);
	if (err)
		return err;
	if (i >= scan->stats.kept)
		return vml_error_create(VML_ERROR_INVALID,
					"scan hit %zu: the scan holds %" PRIu64,
					i, scan->stats.kept);
	vml_copy_out(ret, ret_size, &scan->hits[i], sizeof(scan->hits[i]));
	return NULL;
}

/* render_scan.c reads the scan through these. */
const struct vml_layout *vml_scan_layout(const struct vml_scan *scan)
{
	return scan->layout;
}

const uint64_t *vml_scan_counts(const struct vml_scan *scan, size_t *n)
{
	*n = scan->ncounts;
	return scan->counts;
}

const struct vml_scan_hit *vml_scan_hits(const struct vml_scan *scan)
{
	return scan->hits;
}

const char *vml_scan_selection(const struct vml_scan *scan, bool to)
{
	return to ? scan->to : scan->from;
}

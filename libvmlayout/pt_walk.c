/*
 * pt_walk.c — the page-table walker, single-address translation and the
 * reverse lookup (physical -> virtual), for any paging format the
 * architecture description (arch.h) gives: levels with their index bits
 * and table sizes, one or more roots each translating its own range of
 * virtual addresses, entry decoding and how permissions combine down the
 * levels. Nothing here knows an architecture's bits.
 *
 * The walk visits every present entry in virtual-address order, so its
 * output is sorted without a second pass. Leaves are coalesced as they are
 * seen: a "current run" grows while the next leaf continues it exactly
 * (contiguous virtual and physical addresses, same page size, level,
 * effective flags and protection key). Anything else ends the run.
 *
 * Tables are untrusted: they may point at themselves, share pages, point
 * outside memory or hold reserved bits. Every table is descended at most
 * once per walk (a second reference becomes an ALIAS range), an unreadable
 * table becomes an UNREADABLE range, and an entry the CPU would fault on
 * becomes a RESERVED range. Tables are read through the source's page
 * cache in whole 4 KiB pages (a bigger table is several pages, a smaller
 * one part of a page). Output and work are bounded.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

#define PT_PAGE_SIZE 4096u

/* Bounds on untrusted tables: output ranges and distinct table pages. */
#define PT_MAX_RANGES 4000000u
#define PT_MAX_TABLES (1u << 20)

struct vml_pt_walk {
	struct vml_pt_range *ranges;
	size_t count, capacity;
	struct vml_pt_walk_stats stats;
};

/* Tables of each level, big enough for any level's table. */
typedef uint8_t *pt_tables[VML_PT_MAX_LEVELS + 1];

static struct vml_error *check_paging(const struct vml_paging *p)
{
	if (!p || !p->arch)
		return vml_error_create(VML_ERROR_INVALID,
					"page-table walk needs a paging"
					" configuration");
	if (p->levels < 1 || p->levels > VML_PT_MAX_LEVELS || !p->nroots ||
	    p->nroots > VML_PT_MAX_ROOTS || p->entry_size < 1 ||
	    p->entry_size > 8)
		return vml_error_create(VML_ERROR_INVALID,
					"page-table walk: inconsistent paging"
					" configuration");
	for (size_t r = 0; r < p->nroots; r++) {
		const struct vml_pt_root *root = &p->roots[r];
		uint32_t top = vml_pt_root_levels(p, root);
		if (top > p->levels ||
		    (root->index_bits &&
		     root->index_bits > p->level[top].index_bits))
			return vml_error_create(VML_ERROR_INVALID,
						"page-table walk: root %s does"
						" not fit the paging's levels",
						root->name);
	}
	return NULL;
}

/* Index of va's entry in its table at level, a table of n entries. */
static unsigned level_index(const struct vml_paging *p, uint64_t va,
			    uint32_t level, unsigned n)
{
	return (unsigned)(va >> p->level[level].shift) & (n - 1);
}

/* Entries of the table at level: the root's own count at its level. */
static unsigned table_entries(const struct vml_paging *p,
			      const struct vml_pt_root *root, uint32_t level)
{
	return root ? vml_pt_root_entries(p, root) : vml_pt_entries(p, level);
}

static uint64_t read_entry(const struct vml_paging *p, const uint8_t *ptr)
{
	/* Every walk reads every entry of every table: the formats there are
	 * (little-endian, 8 or 4 bytes) in one load each. */
	if (!p->arch->big_endian) {
		if (p->entry_size == 8)
			return vml_le64(ptr);
		if (p->entry_size == 4)
			return vml_le32(ptr);
	}
	uint64_t v = 0;
	if (p->arch->big_endian)
		for (unsigned i = 0; i < p->entry_size; i++)
			v = (v << 8) | ptr[i];
	else
		for (unsigned i = p->entry_size; i-- > 0;)
			v = (v << 8) | ptr[i];
	return v;
}

/* Entry i of a table copy at level. */
static uint64_t table_entry(const struct vml_paging *p, const uint8_t *table,
			    unsigned i)
{
	return read_entry(p, table + (size_t)i * p->entry_size);
}

static void decode(const struct vml_paging *p, uint32_t level, uint64_t e,
		   struct vml_pt_entry *d)
{
	/* Most entries of a table are empty, and an all-zero entry is "not
	 * present" in every format (x86's P bit, Arm's valid bit): the
	 * decoders give all-zero for it too, without the call. */
	if (!e) {
		*d = (struct vml_pt_entry){ 0 };
		return;
	}
	p->arch->decode_entry(p, level, e, d);
}

/* One private buffer per level, sized for that level's table: the source
 * cache may recycle its pages once full, a copy cannot move. Not zeroed: a
 * level is always loaded before use. */
static bool tables_alloc(const struct vml_paging *p, pt_tables tables)
{
	for (uint32_t l = 0; l <= VML_PT_MAX_LEVELS; l++)
		tables[l] = NULL;
	for (uint32_t l = 1; l <= p->levels; l++) {
		tables[l] = malloc(vml_pt_table_size(p, l));
		if (!tables[l])
			return false;
	}
	return true;
}

static void tables_free(pt_tables tables)
{
	for (uint32_t l = 0; l <= VML_PT_MAX_LEVELS; l++)
		free(tables[l]);
}

/* Copy the table of size bytes at pa into dst (a private copy: the source
 * cache may recycle its pages once full), page by page through the cache.
 * A page that cannot be read is a hole: *readable false and no error; any
 * other failure (out of memory, a source without physical memory) stops
 * the caller. */
static struct vml_error *copy_table(struct vml_source *src, uint64_t pa,
				    size_t size, uint8_t *dst, bool *readable)
{
	for (size_t off = 0; off < size;) {
		uint64_t addr = pa + off;
		uint64_t page_pa = addr & ~(uint64_t)(PT_PAGE_SIZE - 1);
		size_t within = (size_t)(addr - page_pa);
		size_t n = PT_PAGE_SIZE - within;
		if (n > size - off)
			n = size - off;
		const uint8_t *page;
		struct vml_error *err = vml_source_read_page(
			src, VML_SPACE_PHYSICAL, page_pa, &page);
		if (err) {
			enum vml_error_code code = vml_error_code(err);
			vml_error_free(err);
			if (code != VML_ERROR_FAULT)
				return code == VML_ERROR_NOMEM ? &vml_enomem :
				       vml_error_create(code, "cannot read page"
							" table at 0x%" PRIx64,
							pa);
			*readable = false;
			return NULL;
		}
		memcpy(dst + off, page + within, n);
		off += n;
	}
	*readable = true;
	return NULL;
}

static struct vml_error *root_unreadable(const struct vml_pt_root *r)
{
	/* Without a root nothing at all is known: that is an error, not a
	 * hole. */
	return vml_error_fault(r->table, "cannot read the root page table at"
			       " 0x%" PRIx64, r->table);
}

/* ---------------------------------------------------------------- walk */

struct pt_walker {
	struct vml_source *src;
	const struct vml_paging *p;
	struct vml_pt_walk *walk;
	struct vml_hashmap visited; /* table addresses already descended */
	struct vml_pt_range run;   /* current run of leaves */
	bool have_run;
	pt_tables tables;          /* the table being read at each level */
};

static struct vml_error *push_range(struct pt_walker *w,
				    const struct vml_pt_range *r)
{
	struct vml_pt_walk *walk = w->walk;
	if (walk->count >= PT_MAX_RANGES)
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables produce more than %u ranges",
					PT_MAX_RANGES);
	if (!vml_grow((void **)&walk->ranges, &walk->capacity, walk->count + 1,
		      sizeof(*walk->ranges)))
		return &vml_enomem;
	walk->ranges[walk->count++] = *r;
	if (r->status != VML_PT_MAPPED)
		walk->stats.problems++;
	return NULL;
}

static struct vml_error *flush_run(struct pt_walker *w)
{
	if (!w->have_run)
		return NULL;
	w->have_run = false;
	return push_range(w, &w->run);
}

/* Does leaf r continue the current run exactly? */
static bool run_continues(const struct vml_pt_range *run,
			  const struct vml_pt_range *r)
{
	uint64_t run_size = run->last - run->start + 1, next_pa;
	if (run->last == UINT64_MAX || run->last + 1 != r->start)
		return false;
	if (vml_add_overflows(run->phys, run_size, &next_pa) ||
	    next_pa != r->phys)
		return false;
	return run->page_size == r->page_size && run->level == r->level &&
	       run->flags == r->flags && run->pkey == r->pkey;
}

/* Like the kernel's ptdump note_page(): extend the run or emit it. */
static struct vml_error *note_leaf(struct pt_walker *w,
				   const struct vml_pt_range *r)
{
	w->walk->stats.leaves++;
	if (w->have_run && run_continues(&w->run, r)) {
		w->run.last = r->last;
		return NULL;
	}
	struct vml_error *err = flush_run(w);
	if (err)
		return err;
	w->run = *r;
	w->have_run = true;
	return NULL;
}

/* Problems are never merged: each names its own table or entry. */
static struct vml_error *note_problem(struct pt_walker *w, uint64_t va,
				      uint32_t level, uint64_t phys,
				      uint32_t flags, enum vml_pt_status status)
{
	struct vml_error *err = flush_run(w);
	if (err)
		return err;
	struct vml_pt_range r = {
		.start = va,
		.last = va + (vml_pt_span(w->p, level) - 1),
		.phys = phys,
		.flags = flags,
		.level = level,
		.status = status,
	};
	return push_range(w, &r);
}

/* Read table pa (the root's when root is not NULL) into the private copy
 * for level; false if unreadable. */
static struct vml_error *load_table(struct pt_walker *w, uint32_t level,
				    const struct vml_pt_root *root,
				    uint64_t pa, bool *readable)
{
	size_t size = (size_t)table_entries(w->p, root, level) *
		      w->p->entry_size;
	struct vml_error *err = copy_table(w->src, pa, size, w->tables[level],
					   readable);
	if (err || !*readable)
		return err;
	if (w->walk->stats.table_pages >= PT_MAX_TABLES)
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables use more than %u table pages",
					PT_MAX_TABLES);
	if (!vml_hashmap_put(&w->visited, pa, 0))
		return &vml_enomem;
	w->walk->stats.table_pages++;
	return NULL;
}

static struct vml_error *walk_table(struct pt_walker *w, uint32_t level,
				    const struct vml_pt_root *root,
				    uint64_t va_base, uint32_t upper_flags);

static struct vml_error *walk_entry(struct pt_walker *w, uint32_t level,
				    uint64_t va, uint64_t e,
				    uint32_t upper_flags)
{
	const struct vml_arch *a = w->p->arch;
	struct vml_pt_entry d;
	decode(w->p, level, e, &d);
	if (!d.present)
		return NULL;
	w->walk->stats.entries++;
	uint32_t eff = a->combine(upper_flags, d.flags) | VML_PT_PRESENT;
	if (d.reserved)
		return note_problem(w, va, level, d.addr, eff, VML_PT_RESERVED);
	if (d.leaf) {
		struct vml_pt_range r = {
			.start = va,
			.last = va + (d.page_size - 1),
			.phys = d.addr,
			.page_size = d.page_size,
			.flags = a->leaf_flags(w->p, upper_flags, d.flags),
			.pkey = d.pkey,
			.level = level,
			.status = VML_PT_MAPPED,
		};
		return note_leaf(w, &r);
	}
	if (level <= 1)
		/* A decoder never makes a last-level entry a table; should
		 * one, there is nothing below to walk. */
		return note_problem(w, va, level, d.addr, eff, VML_PT_RESERVED);
	if (vml_hashmap_get(&w->visited, d.addr, NULL))
		return note_problem(w, va, level, d.addr, eff, VML_PT_ALIAS);
	bool readable;
	struct vml_error *err = load_table(w, level - 1, NULL, d.addr,
					   &readable);
	if (err)
		return err;
	if (!readable)
		return note_problem(w, va, level, d.addr, eff,
				    VML_PT_UNREADABLE);
	return walk_table(w, level - 1, NULL, va, eff);
}

/* Walk the table already loaded for level; the virtual address of entry i
 * is va_base + i * span, or the root's rule at the root level. Recursion
 * depth is at most the number of levels. */
static struct vml_error *walk_table(struct pt_walker *w, uint32_t level,
				    const struct vml_pt_root *root,
				    uint64_t va_base, uint32_t upper_flags)
{
	const uint8_t *table = w->tables[level];
	unsigned n = table_entries(w->p, root, level);
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = root ? vml_pt_root_entry_va(w->p, root, i) :
			      va_base + (uint64_t)i * vml_pt_span(w->p, level);
		struct vml_error *err = walk_entry(w, level, va,
						   table_entry(w->p, table, i),
						   upper_flags);
		if (err)
			return err;
	}
	return NULL;
}

struct vml_error *vml_pt_walk(struct vml_source *src,
			      const struct vml_paging *paging,
			      struct vml_pt_walk **ret)
{
	if (!src || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"page-table walk needs a source");
	struct vml_error *err = check_paging(paging);
	if (err)
		return err;
	struct pt_walker *w = calloc(1, sizeof(*w));
	if (!w)
		return &vml_enomem;
	w->src = src;
	w->p = paging;
	w->walk = calloc(1, sizeof(*w->walk));
	if (!tables_alloc(paging, w->tables) || !w->walk) {
		err = &vml_enomem;
		goto out;
	}
	for (size_t r = 0; r < paging->nroots && !err; r++) {
		const struct vml_pt_root *root = &paging->roots[r];
		uint32_t top = vml_pt_root_levels(paging, root);
		bool readable;
		err = load_table(w, top, root, root->table, &readable);
		if (!err && !readable)
			err = root_unreadable(root);
		if (!err)
			err = walk_table(w, top, root, 0,
					 paging->arch->initial_flags);
	}
	if (!err)
		err = flush_run(w);
out:
	if (err)
		vml_pt_walk_free(w->walk);
	else
		*ret = w->walk;
	vml_hashmap_release(&w->visited);
	tables_free(w->tables);
	free(w);
	return err;
}

size_t vml_pt_walk_count(const struct vml_pt_walk *walk)
{
	return walk ? walk->count : 0;
}

const struct vml_pt_range *vml_pt_walk_range(const struct vml_pt_walk *walk,
					     size_t i)
{
	if (!walk || i >= walk->count)
		return NULL;
	return &walk->ranges[i];
}

struct vml_error *vml_pt_walk_get_stats(const struct vml_pt_walk *walk,
					struct vml_pt_walk_stats *ret,
					size_t ret_size)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"walk stats: NULL result");
	struct vml_error *err = vml_check_size("walk stats", ret_size,
					       VML_PT_WALK_STATS_SIZE_V2);
	if (err)
		return err;
	struct vml_pt_walk_stats st = { 0 };
	if (walk)
		st = walk->stats;
	vml_copy_out(ret, ret_size, &st, sizeof(st));
	return NULL;
}

void vml_pt_walk_free(struct vml_pt_walk *walk)
{
	if (!walk)
		return;
	free(walk->ranges);
	free(walk);
}

/* ---------------------------------------------------------------- translate */

struct vml_error *vml_pt_translate(struct vml_source *src,
				   const struct vml_paging *paging,
				   uint64_t va,
				   struct vml_pt_translation *ret,
				   size_t ret_size)
{
	if (!src || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"translation needs a source");
	struct vml_error *err = vml_check_size("translation", ret_size,
					       VML_PT_TRANSLATION_SIZE_V2);
	if (err)
		return err;
	err = check_paging(paging);
	if (err)
		return err;
	const struct vml_arch *a = paging->arch;
	const struct vml_pt_root *root = vml_pt_root_for(paging, va);
	if (!root && paging->roots[0].sign_extend)
		return vml_error_create(VML_ERROR_INVALID,
					"0x%" PRIx64 " is not canonical with"
					" %" PRIu32 "-level paging", va,
					paging->levels);
	if (!root)
		/* Roots with ranges of their own (AArch64's TTBR0/TTBR1). */
		return vml_error_create(VML_ERROR_INVALID,
					"0x%" PRIx64 " is not canonical: it is"
					" outside the ranges %s translate"
					" (below 0x%" PRIx64 ", from 0x%" PRIx64
					")", va, paging->roots_text,
					paging->user_end, paging->kernel_start);

	struct vml_pt_translation t = { .va = va, .status = VML_PT_MAPPED };
	uint64_t table = root->table;
	uint32_t eff = a->initial_flags;
	uint32_t top = vml_pt_root_levels(paging, root);
	for (uint32_t level = top; level >= 1; level--) {
		t.stop_level = level;
		unsigned index = level_index(paging, va, level,
					     table_entries(paging,
							   level == top ? root :
							   NULL, level));
		uint64_t entry_addr = table + (uint64_t)index * paging->entry_size;
		uint64_t page_pa = entry_addr & ~(uint64_t)(PT_PAGE_SIZE - 1);
		const uint8_t *page;
		err = vml_source_read_page(src, VML_SPACE_PHYSICAL, page_pa,
					   &page);
		if (err) {
			if (vml_error_code(err) != VML_ERROR_FAULT)
				return err;
			vml_error_free(err);
			t.status = VML_PT_UNREADABLE;
			break;
		}
		uint64_t e = read_entry(paging, page + (entry_addr - page_pa));
		struct vml_pt_entry d;
		decode(paging, level, e, &d);
		t.steps[t.nsteps++] = (struct vml_pt_step){
			.level = level,
			.index = index,
			.table = table,
			.entry_addr = entry_addr,
			.value = e,
			.flags = d.flags,
			.pkey = d.pkey,
		};
		if (!d.present)
			break;
		if (d.reserved || (!d.leaf && level == 1)) {
			t.status = VML_PT_RESERVED;
			break;
		}
		if (d.leaf) {
			t.mapped = true;
			t.page_size = d.page_size;
			t.phys = d.addr | (va & (d.page_size - 1));
			t.flags = a->leaf_flags(paging, eff, d.flags);
			break;
		}
		eff = a->combine(eff, d.flags);
		table = d.addr;
	}
	vml_copy_out(ret, ret_size, &t, sizeof(t));
	return NULL;
}

/* ---------------------------------------------------------------- reverse */

/*
 * Reverse translation must follow every path, not every table once: a
 * page under a shared last-level table has one virtual address per entry
 * pointing at that table, and a recursive entry makes a table serve as
 * its own child. Paths can be astronomically many (KASAN's shadow: one
 * table under thousands of entries, one zero page under each), so the
 * search is done twice:
 *
 *  1. count: hits inside the subtree of each (table, level) pair, memoized.
 *     A table reached at level L only points at level L - 1, so the pairs
 *     form a DAG no deeper than the levels and each pair is read and
 *     scanned once.
 *  2. collect: a depth-first walk in address order that only descends into
 *     entries whose subtree count is non-zero and stops after max hits, so
 *     it visits at most max * levels tables whatever the sharing.
 *
 * Effective flags are combined on the way down in step 2, so the same
 * shared subtree gets the right flags under each parent.
 */

/* Distinct (table, level) pairs: the walker's table bound at every level. */
#define PT_MAX_MEMO (PT_MAX_TABLES * (uint64_t)VML_PT_MAX_LEVELS)

struct pt_finder {
	struct vml_source *src;
	const struct vml_paging *p;
	uint64_t pa;
	struct vml_hashmap memo;  /* table | level -> hits in its subtree, saturated
			      * (level is never 0 and below the tables'
			      * alignment, so keys are never 0 nor shared) */
	pt_tables tables;    /* the table being scanned at each level */
	void *hits;          /* max hits of hit_size bytes (the caller's) */
	size_t hit_size;
	size_t max, n;
	uint64_t budget;   /* tables step 2 may still visit */
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;
	return vml_add_overflows(a, b, &s) ? UINT64_MAX : s;
}

static struct vml_error *memo_add(struct pt_finder *f, uint64_t key,
				  uint64_t count)
{
	if (vml_hashmap_count(&f->memo) >= PT_MAX_MEMO)
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables hold more than %" PRIu64
					" (table, level) pairs", PT_MAX_MEMO);
	return vml_hashmap_put(&f->memo, key, count) ? NULL : &vml_enomem;
}

/* Copy table pa of n entries into the private copy for level; *readable
 * false on a fault (a hole maps nothing), other errors stop the search. */
static struct vml_error *finder_load(struct pt_finder *f, uint32_t level,
				     uint64_t pa, unsigned n, bool *readable)
{
	return copy_table(f->src, pa, (size_t)n * f->p->entry_size,
			  f->tables[level], readable);
}

static bool leaf_covers(const struct vml_pt_entry *d, uint64_t pa)
{
	return pa >= d->addr && pa - d->addr < d->page_size;
}

/* Step 1: hits under table at level (of n entries: a root's may be
 * fewer); recursion depth <= levels. */
static struct vml_error *count_table(struct pt_finder *f, uint32_t level,
				     uint64_t table, unsigned n,
				     uint64_t *count_ret)
{
	uint64_t key = table | level;
	/* A root may have fewer entries than its level's tables (AArch64's
	 * TnSZ, PAE's four-entry PDPT), and an entry elsewhere may point at
	 * the same address as a full table of the same level: those are two
	 * subtrees, so only full tables share the memo. A short root is
	 * counted once, by its own search. */
	bool memoize = n == vml_pt_entries(f->p, level);
	if (memoize && vml_hashmap_get(&f->memo, key, count_ret))
		return NULL;
	bool readable;
	struct vml_error *err = finder_load(f, level, table, n, &readable);
	if (err)
		return err;
	uint64_t total = 0;
	for (unsigned i = 0; readable && i < n; i++) {
		struct vml_pt_entry d;
		decode(f->p, level, table_entry(f->p, f->tables[level], i), &d);
		if (!d.present || d.reserved)
			continue;
		if (d.leaf) {
			if (leaf_covers(&d, f->pa))
				total = sat_add(total, 1);
			continue;
		}
		if (level <= 1)
			continue;
		uint64_t sub;
		err = count_table(f, level - 1, d.addr,
				  vml_pt_entries(f->p, level - 1), &sub);
		if (err)
			return err;
		total = sat_add(total, sub);
	}
	*count_ret = total;
	return memoize ? memo_add(f, key, total) : NULL;
}

/* Step 2: the first hits under table (whose count is non-zero) in address
 * order. The virtual address of entry i is va_base + i * span, or the
 * root's rule at the root level. */
static struct vml_error *collect_table(struct pt_finder *f, uint32_t level,
				       uint64_t table,
				       const struct vml_pt_root *root,
				       uint64_t va_base, uint32_t upper_flags)
{
	const struct vml_arch *a = f->p->arch;
	if (!f->budget)
		/* Only possible if the tables changed between the steps. */
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables changed while searching"
					" for physical 0x%" PRIx64, f->pa);
	f->budget--;
	unsigned n = table_entries(f->p, root, level);
	bool readable;
	struct vml_error *err = finder_load(f, level, table, n, &readable);
	if (err)
		return err;
	if (!readable)
		return vml_error_fault(table, "page table at 0x%" PRIx64
				       " became unreadable", table);
	for (unsigned i = 0; i < n && f->n < f->max; i++) {
		uint64_t va = root ? vml_pt_root_entry_va(f->p, root, i) :
			      va_base + (uint64_t)i * vml_pt_span(f->p, level);
		struct vml_pt_entry d;
		decode(f->p, level, table_entry(f->p, f->tables[level], i), &d);
		if (!d.present || d.reserved)
			continue;
		if (d.leaf) {
			if (leaf_covers(&d, f->pa)) {
				struct vml_pt_phys_hit h = {
					.va = va + (f->pa - d.addr),
					.page_size = d.page_size,
					.level = level,
					.flags = a->leaf_flags(f->p,
							       upper_flags,
							       d.flags),
					.pkey = d.pkey,
				};
				vml_copy_out((char *)f->hits +
					     f->n++ * f->hit_size,
					     f->hit_size, &h, sizeof(h));
			}
			continue;
		}
		if (level <= 1)
			continue;
		/* A memo hit: every pair under the root was counted. It
		 * touches only the lower levels' copies, not this one. */
		uint64_t sub;
		err = count_table(f, level - 1, d.addr,
				  vml_pt_entries(f->p, level - 1), &sub);
		if (err)
			return err;
		if (!sub)
			continue;
		err = collect_table(f, level - 1, d.addr, NULL, va,
				    a->combine(upper_flags, d.flags));
		if (err)
			return err;
	}
	return NULL;
}

struct vml_error *vml_pt_find_phys(struct vml_source *src,
				   const struct vml_paging *paging,
				   uint64_t pa, size_t max,
				   struct vml_pt_phys_hit *hits,
				   size_t hit_size, size_t *nhits_ret,
				   uint64_t *total_ret)
{
	if (!src || !nhits_ret || (max && !hits))
		return vml_error_create(VML_ERROR_INVALID,
					"physical search needs a source, a"
					" count and room for the hits");
	size_t bytes;
	if (max && vml_mul_overflows(max, hit_size, &bytes))
		return vml_error_create(VML_ERROR_INVALID,
					"physical search: %zu hits of %zu"
					" bytes overflow", max, hit_size);
	struct vml_error *err = max ? vml_check_size("physical search hit",
						     hit_size,
						     VML_PT_PHYS_HIT_SIZE_V2) :
				      NULL;
	if (err)
		return err;
	err = check_paging(paging);
	if (err)
		return err;
	struct pt_finder f = { .src = src, .p = paging, .pa = pa,
			       .hits = hits, .hit_size = hit_size,
			       .max = max };
	if (!tables_alloc(paging, f.tables)) {
		tables_free(f.tables);
		return &vml_enomem;
	}
	/* Step 2 visits at most levels tables per hit it returns, plus each
	 * root once. */
	uint64_t budget;
	if (__builtin_mul_overflow((uint64_t)max, (uint64_t)paging->levels,
				   &budget))
		budget = UINT64_MAX;
	f.budget = sat_add(budget, paging->nroots);

	uint64_t total = 0;
	for (size_t r = 0; r < paging->nroots && !err; r++) {
		const struct vml_pt_root *root = &paging->roots[r];
		uint32_t top = vml_pt_root_levels(paging, root);
		unsigned n = vml_pt_root_entries(paging, root);
		bool readable;
		uint64_t sub = 0;
		err = finder_load(&f, top, root->table, n, &readable);
		if (!err && !readable)
			err = root_unreadable(root);
		if (!err)
			err = count_table(&f, top, root->table, n, &sub);
		if (!err && sub && f.n < max)
			err = collect_table(&f, top, root->table, root, 0,
					    paging->arch->initial_flags);
		total = sat_add(total, sub);
	}
	if (!err) {
		*nhits_ret = f.n;
		if (total_ret)
			*total_ret = total;
	}
	vml_hashmap_release(&f.memo);
	tables_free(f.tables);
	return err;
}

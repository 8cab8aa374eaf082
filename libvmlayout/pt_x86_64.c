/*
 * pt_x86_64.c — x86-64 page-table walker, 4- and 5-level paging
 * (Intel SDM vol. 3A ch. 4).
 *
 * The walk visits every present entry in virtual-address order, so its
 * output is sorted without a second pass. Leaves are coalesced as they are
 * seen: a "current run" grows while the next leaf continues it exactly
 * (contiguous virtual and physical addresses, same page size, level,
 * effective flags and protection key). Anything else ends the run.
 *
 * Tables are untrusted: they may point at themselves, share pages, point
 * outside memory or hold reserved bits. Every table page is descended at
 * most once per walk (a second reference becomes an ALIAS range), an
 * unreadable table becomes an UNREADABLE range, and an entry the CPU would
 * fault on becomes a RESERVED range. Output and work are bounded.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PT_PAGE_SIZE 4096u
#define PT_ENTRIES 512u

/* Raw entry bits. */
#define E_P (UINT64_C(1) << 0)
#define E_RW (UINT64_C(1) << 1)
#define E_US (UINT64_C(1) << 2)
#define E_PWT (UINT64_C(1) << 3)
#define E_PCD (UINT64_C(1) << 4)
#define E_A (UINT64_C(1) << 5)
#define E_D (UINT64_C(1) << 6)
#define E_PS (UINT64_C(1) << 7)      /* PAT in a PTE */
#define E_G (UINT64_C(1) << 8)
#define E_PAT_LARGE (UINT64_C(1) << 12)
#define E_NX (UINT64_C(1) << 63)
#define E_PKEY_SHIFT 59
#define E_ADDR UINT64_C(0x000ffffffffff000) /* bits 51:12 */

/* Bounds on untrusted tables: output ranges and distinct table pages. */
#define PT_MAX_RANGES 4000000u
#define PT_MAX_TABLES (1u << 20)

struct vml_pt_walk {
	struct vml_pt_range *ranges;
	size_t count, capacity;
	struct vml_pt_walk_stats stats;
};

/* What the walk needs to know about the configuration, checked once. */
struct pt_mode {
	uint32_t levels;
	bool nxe;
	uint64_t phys_reserved;  /* address bits 51:MAXPHYADDR */
	uint64_t root;
	unsigned va_bits;        /* 48 or 57 */
};

/* One entry, decoded for its level. */
struct pt_entry {
	bool present;
	bool leaf;
	bool reserved;
	uint64_t addr;       /* table (non-leaf) or frame (leaf) address */
	uint64_t page_size;  /* leaves only */
	uint32_t flags;      /* enum vml_pt_flags of this entry alone */
	uint32_t pkey;       /* leaves only */
};

static uint64_t level_span(uint32_t level)
{
	return UINT64_C(1) << (12 + 9 * (level - 1));
}

static unsigned level_index(uint64_t va, uint32_t level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* Sign-extend from bit va_bits - 1: the canonical form of an address. */
static uint64_t canonical(uint64_t va, unsigned va_bits)
{
	unsigned shift = 64 - va_bits;
	return (uint64_t)((int64_t)(va << shift) >> shift);
}

static struct vml_error *pt_mode_init(const struct vml_pt_config *config,
				      struct pt_mode *mode)
{
	if (!config)
		return vml_error_create(VML_ERROR_INVALID,
					"page-table walk needs a configuration");
	if (config->levels != 4 && config->levels != 5)
		return vml_error_create(VML_ERROR_INVALID,
					"%" PRIu32 "-level paging is not x86-64"
					" (want 4 or 5)", config->levels);
	uint32_t maxphy = config->maxphyaddr ? config->maxphyaddr : 52;
	if (maxphy < 12 || maxphy > 52)
		return vml_error_create(VML_ERROR_INVALID,
					"MAXPHYADDR %" PRIu32 " is outside 12..52",
					maxphy);
	mode->levels = config->levels;
	mode->nxe = config->nxe;
	mode->phys_reserved = E_ADDR & ~((UINT64_C(1) << maxphy) - 1);
	mode->root = config->cr3 & E_ADDR & ~mode->phys_reserved;
	mode->va_bits = config->levels == 5 ? 57 : 48;
	return NULL;
}

static uint64_t read_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Decode entry e found at level (5 = PML5 ... 1 = PTE). */
static struct pt_entry decode_entry(const struct pt_mode *mode, uint32_t level,
				    uint64_t e)
{
	struct pt_entry d = { 0 };
	d.present = e & E_P;
	if (!d.present)
		return d;

	uint64_t reserved = mode->phys_reserved;
	if (!mode->nxe)
		reserved |= E_NX;
	d.flags = VML_PT_PRESENT;
	if (e & E_RW)
		d.flags |= VML_PT_WRITE;
	if (e & E_US)
		d.flags |= VML_PT_USER;
	if (e & E_PWT)
		d.flags |= VML_PT_PWT;
	if (e & E_PCD)
		d.flags |= VML_PT_PCD;
	if (e & E_A)
		d.flags |= VML_PT_ACCESSED;
	if (mode->nxe && (e & E_NX))
		d.flags |= VML_PT_NX;

	if (level == 1) {
		d.leaf = true;
		d.page_size = PT_PAGE_SIZE;
		if (e & E_PS) /* bit 7 of a PTE is PAT */
			d.flags |= VML_PT_PAT;
	} else if (e & E_PS) {
		d.flags |= VML_PT_PS;
		if (level >= 4) {
			/* No 512 GiB pages: PS is reserved in PML4E/PML5E. */
			reserved |= E_PS;
		} else {
			d.leaf = true;
			d.page_size = level_span(level);
			/* Between PAT (bit 12) and the frame: must be zero. */
			reserved |= (d.page_size - 1) & ~(E_PAT_LARGE | 0xfff);
			if (e & E_PAT_LARGE)
				d.flags |= VML_PT_PAT;
		}
	}
	if (d.leaf) {
		if (e & E_D)
			d.flags |= VML_PT_DIRTY;
		if (e & E_G)
			d.flags |= VML_PT_GLOBAL;
		d.pkey = (uint32_t)(e >> E_PKEY_SHIFT) & 0xf;
		d.addr = e & E_ADDR & ~(d.page_size - 1);
	} else {
		d.addr = e & E_ADDR;
	}
	d.addr &= ~mode->phys_reserved;
	d.reserved = (e & reserved) != 0;
	return d;
}

/* Permissions down the levels: user and write only if every level allows
 * them, no-execute if any level forbids execution. */
static uint32_t combine_flags(uint32_t upper, uint32_t entry)
{
	uint32_t keep = VML_PT_USER | VML_PT_WRITE;
	return (upper & entry & keep) | ((upper | entry) & VML_PT_NX);
}

/* Leaf attributes that come from the leaf alone; A and D are left out. */
static uint32_t leaf_flags(uint32_t effective, uint32_t leaf)
{
	uint32_t own = VML_PT_PRESENT | VML_PT_PWT | VML_PT_PCD | VML_PT_PS |
		       VML_PT_GLOBAL | VML_PT_PAT;
	return combine_flags(effective, leaf) | (leaf & own);
}

/* ---------------------------------------------------------------- map */

/* Open-addressing map from non-zero uint64 keys to uint64 values: the
 * walk's set of tables already descended (value unused) and the reverse
 * lookup's memo of hit counts per (table, level). */
struct pt_map_slot {
	uint64_t key;      /* 0 = empty */
	uint64_t value;
};

struct pt_map {
	struct pt_map_slot *slots;
	size_t nslots;     /* power of two */
	size_t used;
};

static size_t pt_map_hash(uint64_t key, size_t nslots)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	       (nslots - 1);
}

static struct pt_map_slot *pt_map_find(const struct pt_map *map, uint64_t key)
{
	if (!map->nslots)
		return NULL;
	size_t mask = map->nslots - 1;
	size_t i = pt_map_hash(key, map->nslots);
	for (size_t n = 0; n < map->nslots; n++, i = (i + 1) & mask) {
		if (map->slots[i].key == key)
			return &map->slots[i];
		if (map->slots[i].key == 0)
			return NULL;
	}
	return NULL;
}

/* Adds key (non-zero, known to be absent). False when out of memory. */
static bool pt_map_add(struct pt_map *map, uint64_t key, uint64_t value)
{
	if (!map->nslots || map->used + 1 > map->nslots / 2) {
		size_t nslots = map->nslots ? map->nslots * 2 : 64;
		struct pt_map_slot *slots = calloc(nslots, sizeof(*slots));
		if (!slots)
			return false;
		for (size_t j = 0; j < map->nslots; j++) {
			if (!map->slots[j].key)
				continue;
			size_t i = pt_map_hash(map->slots[j].key, nslots);
			while (slots[i].key)
				i = (i + 1) & (nslots - 1);
			slots[i] = map->slots[j];
		}
		free(map->slots);
		map->slots = slots;
		map->nslots = nslots;
	}
	size_t i = pt_map_hash(key, map->nslots);
	while (map->slots[i].key)
		i = (i + 1) & (map->nslots - 1);
	map->slots[i] = (struct pt_map_slot){ .key = key, .value = value };
	map->used++;
	return true;
}

/* Copy the 4 KiB table at pa into dst (a private copy: the source cache
 * may recycle its pages once full). A page that cannot be read is a hole:
 * *readable false and no error; any other failure (out of memory, a
 * source without physical memory) stops the caller. */
static struct vml_error *copy_table(struct vml_source *src, uint64_t pa,
				    uint8_t *dst, bool *readable)
{
	const uint8_t *page;
	struct vml_error *err = vml_source_read_page(src, VML_SPACE_PHYSICAL,
						     pa, &page);
	if (err) {
		enum vml_error_code code = vml_error_code(err);
		vml_error_free(err);
		if (code != VML_ERROR_FAULT)
			return code == VML_ERROR_NOMEM ? &vml_enomem :
			       vml_error_create(code, "cannot read page table"
						" at 0x%" PRIx64, pa);
		*readable = false;
		return NULL;
	}
	memcpy(dst, page, PT_PAGE_SIZE);
	*readable = true;
	return NULL;
}

/* ---------------------------------------------------------------- walk */

struct pt_walker {
	struct vml_source *src;
	struct pt_mode mode;
	struct vml_pt_walk *walk;
	struct pt_map visited;     /* table addresses | 1 already descended */
	struct vml_pt_range run;  /* current run of leaves */
	bool have_run;
	/* One private copy of the table being read at each level: the source
	 * cache may recycle pages once it is full, a copy cannot move.
	 * Allocated without zeroing: a level is always loaded before use. */
	uint8_t (*tables)[PT_PAGE_SIZE];
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
		.last = va + (level_span(level) - 1),
		.phys = phys,
		.flags = flags,
		.level = level,
		.status = status,
	};
	return push_range(w, &r);
}

/* Read table pa into the private copy for level; false if unreadable. */
static struct vml_error *load_table(struct pt_walker *w, uint32_t level,
				    uint64_t pa, bool *readable)
{
	struct vml_error *err = copy_table(w->src, pa, w->tables[level - 1],
					   readable);
	if (err || !*readable)
		return err;
	if (w->walk->stats.table_pages >= PT_MAX_TABLES)
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables use more than %u table pages",
					PT_MAX_TABLES);
	if (!pt_map_add(&w->visited, pa | 1, 0))
		return &vml_enomem;
	w->walk->stats.table_pages++;
	return NULL;
}

static struct vml_error *walk_table(struct pt_walker *w, uint32_t level,
				    uint64_t va_base, uint32_t upper_flags);

static struct vml_error *walk_entry(struct pt_walker *w, uint32_t level,
				    uint64_t va, uint64_t e,
				    uint32_t upper_flags)
{
	struct pt_entry d = decode_entry(&w->mode, level, e);
	if (!d.present)
		return NULL;
	w->walk->stats.entries++;
	uint32_t eff = combine_flags(upper_flags, d.flags) | VML_PT_PRESENT;
	if (d.reserved)
		return note_problem(w, va, level, d.addr, eff, VML_PT_RESERVED);
	if (d.leaf) {
		struct vml_pt_range r = {
			.start = va,
			.last = va + (d.page_size - 1),
			.phys = d.addr,
			.page_size = d.page_size,
			.flags = leaf_flags(upper_flags, d.flags),
			.pkey = d.pkey,
			.level = level,
			.status = VML_PT_MAPPED,
		};
		return note_leaf(w, &r);
	}
	if (pt_map_find(&w->visited, d.addr | 1))
		return note_problem(w, va, level, d.addr, eff, VML_PT_ALIAS);
	bool readable;
	struct vml_error *err = load_table(w, level - 1, d.addr, &readable);
	if (err)
		return err;
	if (!readable)
		return note_problem(w, va, level, d.addr, eff,
				    VML_PT_UNREADABLE);
	return walk_table(w, level - 1, va, eff);
}

/* Walk the table already loaded for level; depth is at most 5. */
static struct vml_error *walk_table(struct pt_walker *w, uint32_t level,
				    uint64_t va_base, uint32_t upper_flags)
{
	const uint8_t *table = w->tables[level - 1];
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t va = va_base + (uint64_t)i * level_span(level);
		if (level == w->mode.levels)
			va = canonical(va, w->mode.va_bits);
		struct vml_error *err = walk_entry(w, level, va,
						   read_le64(table + 8 * i),
						   upper_flags);
		if (err)
			return err;
	}
	return NULL;
}

struct vml_error *vml_pt_walk(struct vml_source *src,
			      const struct vml_pt_config *config,
			      struct vml_pt_walk **ret)
{
	if (!src || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"page-table walk needs a source");
	struct pt_walker *w = calloc(1, sizeof(*w));
	if (!w)
		return &vml_enomem;
	struct vml_error *err = pt_mode_init(config, &w->mode);
	if (err)
		goto out;
	w->src = src;
	w->tables = malloc(w->mode.levels * sizeof(*w->tables));
	w->walk = calloc(1, sizeof(*w->walk));
	if (!w->tables || !w->walk) {
		err = &vml_enomem;
		goto out;
	}
	bool readable;
	err = load_table(w, w->mode.levels, w->mode.root, &readable);
	if (!err && !readable)
		/* Without the root nothing at all is known: that is an error,
		 * not a hole. */
		err = vml_error_fault(w->mode.root, "cannot read the root page"
				      " table at 0x%" PRIx64, w->mode.root);
	if (!err)
		err = walk_table(w, w->mode.levels, 0,
				 VML_PT_USER | VML_PT_WRITE);
	if (!err)
		err = flush_run(w);
out:
	if (err)
		vml_pt_walk_free(w->walk);
	else
		*ret = w->walk;
	free(w->visited.slots);
	free(w->tables);
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

void vml_pt_walk_get_stats(const struct vml_pt_walk *walk,
			   struct vml_pt_walk_stats *ret)
{
	if (!ret)
		return;
	if (!walk) {
		*ret = (struct vml_pt_walk_stats){ 0 };
		return;
	}
	*ret = walk->stats;
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
				   const struct vml_pt_config *config,
				   uint64_t va,
				   struct vml_pt_translation *ret)
{
	if (!src || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"translation needs a source");
	struct pt_mode mode;
	struct vml_error *err = pt_mode_init(config, &mode);
	if (err)
		return err;
	if (canonical(va, mode.va_bits) != va)
		return vml_error_create(VML_ERROR_INVALID,
					"0x%" PRIx64 " is not canonical with"
					" %" PRIu32 "-level paging", va,
					mode.levels);

	struct vml_pt_translation t = { .va = va, .status = VML_PT_MAPPED };
	uint64_t table = mode.root;
	uint32_t eff = VML_PT_USER | VML_PT_WRITE;
	for (uint32_t level = mode.levels; level >= 1; level--) {
		t.stop_level = level;
		const uint8_t *page;
		err = vml_source_read_page(src, VML_SPACE_PHYSICAL, table, &page);
		if (err) {
			if (vml_error_code(err) != VML_ERROR_FAULT)
				return err;
			vml_error_free(err);
			t.status = VML_PT_UNREADABLE;
			break;
		}
		unsigned index = level_index(va, level);
		uint64_t e = read_le64(page + 8 * index);
		struct pt_entry d = decode_entry(&mode, level, e);
		t.steps[t.nsteps++] = (struct vml_pt_step){
			.level = level,
			.index = index,
			.table = table,
			.entry_addr = table + 8 * index,
			.value = e,
			.flags = d.flags,
			.pkey = d.pkey,
		};
		if (!d.present)
			break;
		if (d.reserved) {
			t.status = VML_PT_RESERVED;
			break;
		}
		if (d.leaf) {
			t.mapped = true;
			t.page_size = d.page_size;
			t.phys = d.addr | (va & (d.page_size - 1));
			t.flags = leaf_flags(eff, d.flags);
			break;
		}
		eff = combine_flags(eff, d.flags);
		table = d.addr;
	}
	*ret = t;
	return NULL;
}

/* ---------------------------------------------------------------- reverse */

/*
 * Reverse translation must follow every path, not every table once: a
 * page under a shared PT has one virtual address per PD entry pointing at
 * that PT, and a recursive entry makes a table serve as its own child.
 * Paths can be astronomically many (KASAN's shadow: one PT under thousands
 * of PD entries, one zero page under each), so the search is done twice:
 *
 *  1. count: hits inside the subtree of each (table, level) pair, memoized.
 *     A table reached at level L only points at level L - 1, so the pairs
 *     form a DAG of depth <= 5 and each pair is read and scanned once.
 *  2. collect: a depth-first walk in address order that only descends into
 *     entries whose subtree count is non-zero and stops after max hits, so
 *     it visits at most max * levels tables whatever the sharing.
 *
 * Effective flags are combined on the way down in step 2, so the same
 * shared subtree gets the right flags under each parent.
 */

/* Distinct (table, level) pairs: the walker's table bound at every level. */
#define PT_MAX_MEMO (PT_MAX_TABLES * 5u)

struct pt_finder {
	struct vml_source *src;
	struct pt_mode mode;
	uint64_t pa;
	struct pt_map memo;  /* table | level -> hits in its subtree, saturated
			      * (level is never 0, so keys are never 0) */
	/* Private copy of the table being scanned at each level (see
	 * struct pt_walker: the cache may hand out recycled scratch pages). */
	uint8_t (*tables)[PT_PAGE_SIZE];
	struct vml_pt_phys_hit *hits;
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
	if (f->memo.used >= PT_MAX_MEMO)
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables hold more than %u"
					" (table, level) pairs", PT_MAX_MEMO);
	return pt_map_add(&f->memo, key, count) ? NULL : &vml_enomem;
}

/* Copy table pa into the private page for level; *readable false on a
 * fault (a hole maps nothing), other errors stop the search. */
static struct vml_error *finder_load(struct pt_finder *f, uint32_t level,
				     uint64_t pa, bool *readable)
{
	return copy_table(f->src, pa, f->tables[level - 1], readable);
}

static bool leaf_covers(const struct pt_entry *d, uint64_t pa)
{
	return pa >= d->addr && pa - d->addr < d->page_size;
}

/* Step 1: hits under table at level; recursion depth <= levels. */
static struct vml_error *count_table(struct pt_finder *f, uint32_t level,
				     uint64_t table, uint64_t *count_ret)
{
	uint64_t key = table | level;
	const struct pt_map_slot *slot = pt_map_find(&f->memo, key);
	if (slot) {
		*count_ret = slot->value;
		return NULL;
	}
	bool readable;
	struct vml_error *err = finder_load(f, level, table, &readable);
	if (err)
		return err;
	uint64_t total = 0;
	for (unsigned i = 0; readable && i < PT_ENTRIES; i++) {
		uint64_t e = read_le64(f->tables[level - 1] + 8 * i);
		struct pt_entry d = decode_entry(&f->mode, level, e);
		if (!d.present || d.reserved)
			continue;
		if (d.leaf) {
			if (leaf_covers(&d, f->pa))
				total = sat_add(total, 1);
			continue;
		}
		uint64_t sub;
		err = count_table(f, level - 1, d.addr, &sub);
		if (err)
			return err;
		total = sat_add(total, sub);
	}
	*count_ret = total;
	return memo_add(f, key, total);
}

/* Step 2: the first hits under table (whose count is non-zero) in address
 * order. va_base is the canonical address of the table's entry 0. */
static struct vml_error *collect_table(struct pt_finder *f, uint32_t level,
				       uint64_t table, uint64_t va_base,
				       uint32_t upper_flags)
{
	if (!f->budget)
		/* Only possible if the tables changed between the steps. */
		return vml_error_create(VML_ERROR_LIMIT,
					"page tables changed while searching"
					" for physical 0x%" PRIx64, f->pa);
	f->budget--;
	bool readable;
	struct vml_error *err = finder_load(f, level, table, &readable);
	if (err)
		return err;
	if (!readable)
		return vml_error_fault(table, "page table at 0x%" PRIx64
				       " became unreadable", table);
	for (unsigned i = 0; i < PT_ENTRIES && f->n < f->max; i++) {
		uint64_t va = va_base + (uint64_t)i * level_span(level);
		if (level == f->mode.levels)
			va = canonical(va, f->mode.va_bits);
		uint64_t e = read_le64(f->tables[level - 1] + 8 * i);
		struct pt_entry d = decode_entry(&f->mode, level, e);
		if (!d.present || d.reserved)
			continue;
		if (d.leaf) {
			if (leaf_covers(&d, f->pa))
				f->hits[f->n++] = (struct vml_pt_phys_hit){
					.va = va + (f->pa - d.addr),
					.page_size = d.page_size,
					.level = level,
					.flags = leaf_flags(upper_flags, d.flags),
					.pkey = d.pkey,
				};
			continue;
		}
		/* A memo hit: every pair under the root was counted. It
		 * touches only the lower levels' copies, not this one. */
		uint64_t sub;
		err = count_table(f, level - 1, d.addr, &sub);
		if (err)
			return err;
		if (!sub)
			continue;
		err = collect_table(f, level - 1, d.addr, va,
				    combine_flags(upper_flags, d.flags));
		if (err)
			return err;
	}
	return NULL;
}

struct vml_error *vml_pt_find_phys(struct vml_source *src,
				   const struct vml_pt_config *config,
				   uint64_t pa, size_t max,
				   struct vml_pt_phys_hit *hits,
				   size_t *nhits_ret, uint64_t *total_ret)
{
	if (!src || !nhits_ret || (max && !hits))
		return vml_error_create(VML_ERROR_INVALID,
					"physical search needs a source, a"
					" count and room for the hits");
	struct pt_finder f = { .src = src, .pa = pa, .hits = hits, .max = max };
	struct vml_error *err = pt_mode_init(config, &f.mode);
	if (err)
		return err;
	f.tables = malloc(f.mode.levels * sizeof(*f.tables));
	if (!f.tables)
		return &vml_enomem;
	/* Step 2 visits at most levels tables per hit it returns. */
	uint64_t budget;
	if (__builtin_mul_overflow((uint64_t)max, (uint64_t)f.mode.levels,
				   &budget))
		budget = UINT64_MAX;
	f.budget = sat_add(budget, 1);

	uint64_t total = 0;
	bool readable;
	err = finder_load(&f, f.mode.levels, f.mode.root, &readable);
	if (!err && !readable)
		err = vml_error_fault(f.mode.root, "cannot read the root page"
				      " table at 0x%" PRIx64, f.mode.root);
	if (!err)
		err = count_table(&f, f.mode.levels, f.mode.root, &total);
	if (!err && total && max)
		err = collect_table(&f, f.mode.levels, f.mode.root, 0,
				    VML_PT_USER | VML_PT_WRITE);
	if (!err) {
		*nhits_ret = f.n;
		if (total_ret)
			*total_ret = total;
	}
	free(f.memo.slots);
	free(f.tables);
	return err;
}

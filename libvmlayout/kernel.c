/*
 * kernel.c — a whole address space from its page tables, the part that is
 * the same for every architecture: hints applied, the documented slots
 * the architecture's kernel classifier adds (trimmed where they overlap,
 * sorted), one region per run of equal permissions inside a slot, the user
 * half as runs, and the accessors. The classifier (struct
 * vml_kernel_class, e.g. classify_kernel_x86_64.c) names the slots and
 * infers the KASLR bases.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "ksyms.h"

/* ------------------------------------------------------------ helpers */

/* Exclusive end of a range, saturating at 2^64 - 1 (regions cannot end at
 * 2^64; they carry VML_REGION_ENDS_AT_TOP instead). */
uint64_t vml_kernel_range_end(const struct vml_pt_range *r)
{
	return r->last == UINT64_MAX ? UINT64_MAX : r->last + 1;
}

bool vml_kernel_range_is_kernel(const struct vml_kernel *k,
				const struct vml_pt_range *r)
{
	return r->status == VML_PT_MAPPED &&
	       r->start >= k->paging.kernel_start && !(r->flags & VML_PT_USER);
}

/* Any mapping of the kernel half, user-accessible ones (vsyscall) included:
 * these make up the kernel regions. */
static bool range_in_kernel_half(const struct vml_kernel *k,
				 const struct vml_pt_range *r)
{
	return r->status == VML_PT_MAPPED && r->start >= k->paging.kernel_start;
}

/* Ranges are sorted and disjoint, so their lasts are sorted too: the
 * first range with last >= va follows every range with last <= va - 1. */
size_t vml_kernel_first_range_from(const struct vml_kernel *k, uint64_t va)
{
	return va ? VML_UPPER_BOUND(k->ranges, k->nranges, last, va - 1) : 0;
}

/* ------------------------------------------------------------ slots */

void vml_kernel_add_slot(struct vml_kernel *k, uint64_t start, uint64_t end,
			 uint32_t kind, int base, const char *what)
{
	if (start >= end || k->nslots >= VML_KERNEL_MAX_SLOTS)
		return;
	k->slots[k->nslots++] = (struct vml_kslot){ start, end, kind, base, what };
}

static int slot_cmp(const void *a, const void *b)
{
	const struct vml_kslot *sa = a, *sb = b;
	return sa->start < sb->start ? -1 : sa->start > sb->start;
}

/* Earlier slots win: cut each later one where an earlier one already
 * claims the space (in two when the earlier one lies inside it: AArch64's
 * kernel image and module region sit inside vmalloc space), drop what is
 * left empty, sort. */
static void finish_slots(struct vml_kernel *k)
{
	for (size_t i = 0; i < k->nslots; i++) {
		for (size_t j = 0; j < i; j++) {
			struct vml_kslot *s = &k->slots[i];
			const struct vml_kslot *w = &k->slots[j];
			if (s->start >= w->end || w->start >= s->end)
				continue;
			if (s->start < w->start && w->end < s->end &&
			    k->nslots < VML_KERNEL_MAX_SLOTS) {
				/* The part above w goes on as a slot of its
				 * own (checked against every earlier one). */
				struct vml_kslot above = *s;
				above.start = w->end;
				k->slots[k->nslots++] = above;
				s->end = w->start;
				continue;
			}
			if (s->start >= w->start)
				s->start = w->end < s->end ? w->end : s->end;
			else
				s->end = w->start;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < k->nslots; i++)
		if (k->slots[i].start < k->slots[i].end)
			k->slots[n++] = k->slots[i];
	k->nslots = n;
	qsort(k->slots, n, sizeof(k->slots[0]), slot_cmp);
}

static const struct vml_kslot *slot_at(const struct vml_kernel *k, uint64_t va)
{
	for (size_t i = 0; i < k->nslots; i++)
		if (va >= k->slots[i].start && va < k->slots[i].end)
			return &k->slots[i];
	return NULL;
}

/* ------------------------------------------------------------ regions */

static void range_perms(const struct vml_kernel *k, uint32_t flags,
			char perms[8])
{
	/* A user mapping is executable as user code sees it (AArch64: UXN;
	 * x86-64: NX, one bit for both). */
	uint32_t nx = flags & VML_PT_USER ? k->paging.arch->user_nx_flag :
		      VML_PT_NX;
	bool exec = !(flags & nx) || (nx == VML_PT_NX && !k->paging.nx);
	perms[0] = 'r';
	perms[1] = flags & VML_PT_WRITE ? 'w' : '-';
	perms[2] = exec ? 'x' : '-';
	perms[3] = 'p';
	perms[4] = '\0';
}

static struct vml_error *append_region(struct vml_kernel *k, uint64_t start,
				       uint64_t end, uint32_t kind,
				       uint32_t group, uint32_t rflags,
				       const char perms[8], const char *name)
{
	struct vml_region r = { 0 };
	r.start = start;
	r.end = end;
	r.kind = kind;
	r.group = group;
	memcpy(r.perms, perms, 5);
	vml_region_set_perms(&r, perms);
	r.flags |= rflags;
	/* vml_kernel_range_end() saturates: a run reaching the last page
	 * really ends at 2^64. Pages are at least 4 KiB, so no real range
	 * ends just before the last byte. */
	if (end == UINT64_MAX)
		r.flags |= VML_REGION_ENDS_AT_TOP;
	if (name) {
		r.name = vml_arena_strdup(&k->layout->strings, name);
		if (!r.name)
			return &vml_enomem;
	}
	return vml_layout_append(k->layout, &r);
}

/* User half: contiguous runs with equal permissions, the way a process's
 * maps would show them (page tables know no file names). */
static struct vml_error *user_regions(struct vml_kernel *k)
{
	size_t i = 0;
	while (i < k->nranges && k->ranges[i].start < k->paging.kernel_start) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->status != VML_PT_MAPPED) {
			i++;
			continue;
		}
		char perms[8], next[8];
		range_perms(k, r->flags, perms);
		uint32_t user = r->flags & VML_PT_USER;
		uint64_t start = r->start, end = vml_kernel_range_end(r);
		size_t j = i + 1;
		for (; j < k->nranges; j++) {
			const struct vml_pt_range *n = &k->ranges[j];
			range_perms(k, n->flags, next);
			if (n->status != VML_PT_MAPPED || n->start != end ||
			    n->start >= k->paging.kernel_start ||
			    (n->flags & VML_PT_USER) != user ||
			    strcmp(next, perms))
				break;
			end = vml_kernel_range_end(n);
		}
		struct vml_error *err = append_region(
			k, start, end, user ? VML_KIND_UNKNOWN : VML_KIND_KERNEL,
			VML_GROUP_NONE, VML_REGION_GUESSED, perms,
			user ? NULL : "supervisor-only mapping in the user half");
		if (err)
			return err;
		i = j;
	}
	return NULL;
}

/* Region name: the documentation's words plus where the base came from. */
static const char *region_name(const struct vml_kernel *k,
			       const struct vml_kslot *s, char *buf, size_t size)
{
	if (s->base < 0) {
		snprintf(buf, size, "%s", s->what);
		return buf;
	}
	static const char *const how[] = { "unknown", "from symbols", "inferred",
					   "documented" };
	uint32_t h = k->how[s->base];
	snprintf(buf, size, "%s, base 0x%" PRIx64 " %s", s->what,
		 k->bases[s->base], h < VML_ARRAY_SIZE(how) ? how[h] : "?");
	return buf;
}

/* Kernel half: one region per run of equal permissions inside a slot
 * (first to last mapped byte), and one per contiguous run of mappings
 * outside every documented slot. */
static struct vml_error *kernel_regions(struct vml_kernel *k)
{
	size_t i = vml_kernel_first_range_from(k, k->paging.kernel_start);
	char name[160];
	while (i < k->nranges) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (!range_in_kernel_half(k, r)) {
			i++;
			continue;
		}
		const struct vml_kslot *s = slot_at(k, r->start);
		uint64_t start = r->start, end = vml_kernel_range_end(r);
		/* A union would draw kernel text as "rwx" when no page is
		 * both writable and executable. The picture folds a slot's
		 * regions into one row with a summary ("r-x rw- r--"). */
		char perms[8], next[8];
		range_perms(k, r->flags, perms);
		size_t j = i + 1;
		for (; j < k->nranges; j++) {
			const struct vml_pt_range *n = &k->ranges[j];
			if (!range_in_kernel_half(k, n))
				continue;
			if (s ? n->start >= s->end :
			    (n->start != end || slot_at(k, n->start)))
				break;
			range_perms(k, n->flags, next);
			if (memcmp(next, perms, 4) != 0)
				break;
			end = vml_kernel_range_end(n);
		}
		if (s && end > s->end)
			end = s->end;
		bool guessed = !s || (s->base >= 0 &&
				      k->how[s->base] != VML_KBASE_GIVEN);
		struct vml_error *err = append_region(
			k, start, end, s ? s->kind : VML_KIND_KERNEL,
			VML_GROUP_KERNEL, guessed ? VML_REGION_GUESSED : 0, perms,
			s ? region_name(k, s, name, sizeof(name)) :
			    "kernel mapping outside the documented slots");
		if (err)
			return err;
		i = j;
	}
	return NULL;
}

static struct vml_error *build_layout(struct vml_kernel *k)
{
	struct vml_error *err = vml_layout_create(&k->layout);
	if (err)
		return err;
	/* The paging says where the halves are; the picture follows it. */
	k->layout->arch = k->paging.arch;
	k->layout->halves_known = true;
	k->layout->user_end = k->paging.user_end;
	k->layout->kernel_start = k->paging.kernel_start;
	err = user_regions(k);
	if (!err)
		err = kernel_regions(k);
	if (!err)
		err = vml_layout_finish(k->layout);
	if (err)
		return err;
	for (size_t i = 0; i < k->nranges; i++)
		if (k->ranges[i].status == VML_PT_UNREADABLE ||
		    k->ranges[i].status == VML_PT_RESERVED)
			k->layout->flags |= VML_LAYOUT_INCOMPLETE;
	k->layout->classified = true;
	return NULL;
}

/* ------------------------------------------------------------ hints */

/* The bases the caller's symbols give, by the classifier's symbol list. */
static void apply_hints(struct vml_kernel *k, const struct vml_kernel_hints *h)
{
	if (!h)
		return;
	k->pc = h->pc;
	const struct vml_kernel_class *kc = k->kclass;
	for (size_t i = 0; h->symbols && i < h->nsymbols; i++) {
		const struct vml_named_value *v = &h->symbols[i];
		if (!v->name || !v->value)
			continue;
		for (size_t s = 0; s < kc->nsymbols; s++) {
			if (strcmp(kc->symbols[s].name, v->name))
				continue;
			enum vml_kbase b = kc->symbol_bases[s];
			k->bases[b] = kc->symbol_base ?
				      kc->symbol_base(&k->paging, s, v->value) :
				      v->value;
			k->how[b] = VML_KBASE_GIVEN;
		}
	}
}

/* ------------------------------------------------------------ public */

uint32_t vml_kernel_kind_at(const struct vml_kernel *k, uint64_t va)
{
	if (!k || va < k->paging.kernel_start)
		return VML_KIND_UNKNOWN;
	const struct vml_kslot *s = slot_at(k, va);
	return s ? s->kind : VML_KIND_KERNEL;
}

uint32_t vml_kernel_half(const struct vml_kernel *k, uint64_t va)
{
	if (!k)
		return VML_HALF_NONCANONICAL;
	if (va < k->paging.user_end)
		return VML_HALF_USER;
	return va >= k->paging.kernel_start ? VML_HALF_KERNEL :
	       VML_HALF_NONCANONICAL;
}

struct vml_error *vml_kernel_read_hints(const struct vml_kernel_hints *hints,
					size_t hints_size,
					struct vml_kernel_hints *copy,
					const struct vml_kernel_hints **ret)
{
	*ret = NULL;
	if (!hints)
		return NULL;
	struct vml_error *err = vml_check_size("kernel hints", hints_size,
					       VML_KERNEL_HINTS_SIZE_V2);
	if (err)
		return err;
	vml_copy_in(copy, sizeof(*copy), hints, hints_size);
	*ret = copy;
	return NULL;
}

struct vml_error *vml_kernel_from_ranges(const struct vml_paging *paging,
					 const struct vml_pt_range *ranges,
					 size_t count, size_t range_size,
					 const struct vml_kernel_hints *hints,
					 size_t hints_size,
					 struct vml_kernel **ret)
{
	if (!paging || !paging->arch || !ret || (count && !ranges))
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: NULL paging, ranges or result");
	size_t bytes;
	if (count && vml_mul_overflows(count, range_size, &bytes))
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: %zu ranges of %zu bytes"
					" overflow", count, range_size);
	struct vml_error *err = count ? vml_check_size("kernel range",
						       range_size,
						       VML_PT_RANGE_SIZE_V2) :
					NULL;
	struct vml_kernel_hints hints_copy;
	if (!err)
		err = vml_kernel_read_hints(hints, hints_size, &hints_copy,
					    &hints);
	if (err)
		return err;
	if (!paging->arch->kernel)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"kernel: no kernel map for %s",
					paging->arch->name);
	struct vml_kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return &vml_enomem;
	k->paging = *paging;
	k->kclass = paging->arch->kernel;
	if (count) {
		k->ranges = calloc(count, sizeof(*k->ranges));
		k->kinds = calloc(count, sizeof(*k->kinds));
		if (!k->ranges || !k->kinds) {
			vml_kernel_free(k);
			return &vml_enomem;
		}
		/* The caller's element i is i * range_size bytes in. */
		for (size_t i = 0; i < count; i++)
			vml_copy_in(&k->ranges[i], sizeof(k->ranges[i]),
				    (const char *)ranges + i * range_size,
				    range_size);
	}
	for (size_t i = 1; i < count; i++) {
		if (k->ranges[i].start > k->ranges[i - 1].last)
			continue;
		err = vml_error_create(VML_ERROR_INVALID,
				       "kernel: range %zu (0x%" PRIx64 ") not"
				       " sorted", i, k->ranges[i].start);
		vml_kernel_free(k);
		return err;
	}
	k->nranges = count;
	apply_hints(k, hints);
	k->kclass->infer_bases(k);
	k->kclass->add_slots(k);
	finish_slots(k);
	for (size_t i = 0; i < count; i++)
		k->kinds[i] = vml_kernel_kind_at(k, k->ranges[i].start);
	err = build_layout(k);
	if (err) {
		vml_kernel_free(k);
		return err;
	}
	*ret = k;
	return NULL;
}

struct vml_error *vml_kernel_from_pagetables(struct vml_source *src,
					     const struct vml_paging *paging,
					     const struct vml_kernel_hints *hints,
					     size_t hints_size,
					     struct vml_kernel **ret)
{
	if (!src || !paging || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: NULL source, paging or result");
	/* Checked before the walk: a bad size should not cost a walk. */
	struct vml_kernel_hints hints_copy;
	struct vml_error *err = vml_kernel_read_hints(hints, hints_size,
						      &hints_copy, &hints);
	if (err)
		return err;
	struct vml_pt_walk *walk;
	err = vml_pt_walk(src, paging, &walk);
	if (err)
		return err;
	struct vml_pt_walk_stats stats;
	err = vml_pt_walk_get_stats(walk, &stats, sizeof(stats));
	if (err) {
		vml_pt_walk_free(walk);
		return err;
	}
	if (!stats.entries) {
		/* Not one present entry: "nothing mapped" would be a lie
		 * about a kernel; what was read is no page table. */
		vml_pt_walk_free(walk);
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"the page tables at %s map nothing: no"
					" entry of the root table is present"
					" (a wrong root, or one outside RAM"
					" that reads as zeros)",
					paging->roots_text);
	}
	size_t n = vml_pt_walk_count(walk);
	if (!stats.leaves) {
		/* Present entries, but none leads to a page: every table below
		 * the root unreadable or damaged. Nothing was walked, so
		 * nothing can be told (least of all "no W+X mappings"). */
		size_t unreadable = 0, reserved = 0;
		for (size_t i = 0; i < n; i++) {
			const struct vml_pt_range *r = vml_pt_walk_range(walk, i);
			unreadable += r && r->status == VML_PT_UNREADABLE;
			reserved += r && r->status == VML_PT_RESERVED;
		}
		vml_pt_walk_free(walk);
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"the page tables at %s map nothing: %"
					PRIu64 " present entr%s but no page"
					" reached (%zu unreadable table%s, %zu"
					" entr%s with reserved bits)",
					paging->roots_text, stats.entries,
					stats.entries == 1 ? "y" : "ies",
					unreadable, vml_plural(unreadable),
					reserved, reserved == 1 ? "y" : "ies");
	}
	struct vml_pt_range *ranges = NULL;
	if (n) {
		ranges = calloc(n, sizeof(*ranges));
		if (!ranges) {
			vml_pt_walk_free(walk);
			return &vml_enomem;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct vml_pt_range *r = vml_pt_walk_range(walk, i);
		if (r)
			ranges[i] = *r;
	}
	vml_pt_walk_free(walk);
	err = vml_kernel_from_ranges(paging, ranges, n, sizeof(*ranges), hints,
				     sizeof(*hints), ret);
	free(ranges);
	if (!err) {
		(*ret)->stats = stats;
		(*ret)->source = src;
	}
	return err;
}

/* Classifies k again with bases from symbols (the kernel's own kallsyms):
 * a base the caller's hints gave stays; the others are taken from syms or
 * inferred again; slots, kinds and the layout are rebuilt. */
struct vml_error *vml_kernel_reclassify(struct vml_kernel *k,
					const struct vml_named_value *syms,
					size_t nsyms)
{
	for (size_t b = 0; b < VML_KBASE_COUNT; b++)
		if (k->how[b] != VML_KBASE_GIVEN)
			k->how[b] = VML_KBASE_UNKNOWN;
	const struct vml_kernel_class *kc = k->kclass;
	for (size_t i = 0; syms && i < nsyms; i++) {
		for (size_t s = 0; syms[i].name && s < kc->nsymbols; s++) {
			enum vml_kbase b = kc->symbol_bases[s];
			if (strcmp(kc->symbols[s].name, syms[i].name) ||
			    !syms[i].value || k->how[b] == VML_KBASE_GIVEN)
				continue;
			k->bases[b] = syms[i].value;
			k->how[b] = VML_KBASE_GIVEN;
		}
	}
	kc->infer_bases(k);
	k->nslots = 0;
	kc->add_slots(k);
	finish_slots(k);
	for (size_t i = 0; i < k->nranges; i++)
		k->kinds[i] = vml_kernel_kind_at(k, k->ranges[i].start);
	struct vml_layout *old = k->layout;
	k->layout = NULL;
	struct vml_error *err = build_layout(k);
	if (err) {
		vml_layout_free(k->layout);
		k->layout = old;
		return err;
	}
	vml_layout_free(old);
	return NULL;
}

void vml_kernel_free(struct vml_kernel *k)
{
	if (!k)
		return;
	vml_layout_free(k->layout);
	free(k->ranges);
	free(k->kinds);
	free(k);
}

const struct vml_layout *vml_kernel_layout(const struct vml_kernel *k)
{
	return k ? k->layout : NULL;
}

const struct vml_paging *vml_kernel_paging(const struct vml_kernel *k)
{
	return k ? &k->paging : NULL;
}

struct vml_source *vml_kernel_source(const struct vml_kernel *k)
{
	return k ? k->source : NULL;
}

uint64_t vml_kernel_base(const struct vml_kernel *k, enum vml_kbase which,
			 uint32_t *how_ret)
{
	if (!k || (unsigned)which >= VML_KBASE_COUNT) {
		if (how_ret)
			*how_ret = VML_KBASE_UNKNOWN;
		return 0;
	}
	if (how_ret)
		*how_ret = k->how[which];
	return k->how[which] ? k->bases[which] : 0;
}

size_t vml_kernel_range_count(const struct vml_kernel *k)
{
	return k ? k->nranges : 0;
}

const struct vml_pt_range *vml_kernel_range(const struct vml_kernel *k,
					    size_t i)
{
	return k && i < k->nranges ? &k->ranges[i] : NULL;
}

uint32_t vml_kernel_range_kind(const struct vml_kernel *k, size_t i)
{
	return k && i < k->nranges ? k->kinds[i] : VML_KIND_UNKNOWN;
}

struct vml_error *vml_kernel_walk_stats(const struct vml_kernel *k,
					struct vml_pt_walk_stats *ret,
					size_t ret_size)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel walk stats: NULL result");
	struct vml_error *err = vml_check_size("kernel walk stats", ret_size,
					       VML_PT_WALK_STATS_SIZE_V2);
	if (err)
		return err;
	struct vml_pt_walk_stats st = { 0 };
	if (k)
		st = k->stats;
	vml_copy_out(ret, ret_size, &st, sizeof(st));
	return NULL;
}

/* The one scan of the walk's ranges for physical address pa (hits or vas
 * may be NULL): every mapped range covering it, ascending. */
static size_t scan_ranges(const struct vml_kernel *k, uint64_t pa, size_t max,
			  struct vml_pt_phys_hit *hits, uint64_t *vas)
{
	size_t found = 0;
	for (size_t i = 0; k && i < k->nranges; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->status != VML_PT_MAPPED || pa < r->phys ||
		    pa - r->phys > r->last - r->start)
			continue;
		uint64_t va = r->start + (pa - r->phys);
		if (found < max) {
			if (hits)
				hits[found] = (struct vml_pt_phys_hit){
					.va = va,
					.page_size = r->page_size,
					.level = r->level,
					.flags = r->flags,
					.pkey = r->pkey,
				};
			if (vas)
				vas[found] = va;
		}
		found++;
	}
	return found;
}

size_t vml_kernel_ranges_phys(const struct vml_kernel *k, uint64_t pa,
			      size_t max, struct vml_pt_phys_hit *hits)
{
	return scan_ranges(k, pa, hits ? max : 0, hits, NULL);
}

size_t vml_kernel_phys_to_virt(const struct vml_kernel *k, uint64_t pa,
			       uint64_t *vas, size_t max)
{
	return scan_ranges(k, pa, vas ? max : 0, NULL, vas);
}

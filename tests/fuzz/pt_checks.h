/*
 * pt_checks.h — what must hold for any page tables, whatever the
 * architecture: shared by the page-table fuzz targets (fuzz_pt.c for
 * x86-64, fuzz_pt_aarch64.c), which differ only in how they turn the
 * input's header into paging registers.
 *
 * The walk either stops with an allowed error (unreadable root, a bound,
 * memory) or gives ranges that are sorted, disjoint and inside the
 * levels; translating a mapped range's first and last page gives what the
 * walk said; the reverse lookup finds the walk's first mappings; any
 * address, canonical or not, translates or is refused as invalid.
 */
#ifndef VML_FUZZ_PT_CHECKS_H
#define VML_FUZZ_PT_CHECKS_H

#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static void check(bool ok)
{
	/* Invariant broken: crash so libFuzzer saves the input. */
	if (!ok)
		__builtin_trap();
}

static void translate_and_compare(struct vml_source *src,
				  const struct vml_paging *cfg,
				  const struct vml_pt_range *r, uint64_t va)
{
	struct vml_pt_translation t;
	struct vml_error *err = vml_pt_translate(src, cfg, va, &t, sizeof(t));
	if (err == &vml_enomem)
		return;
	check(err == NULL); /* walk output is canonical */
	check(t.nsteps <= vml_paging_levels(cfg) && t.nsteps <= 5);
	if (r->status != VML_PT_MAPPED)
		return;
	/* The walk reached va along the very entries translate reads. */
	check(t.mapped);
	check(t.page_size == r->page_size);
	check(t.flags == r->flags);
	check(t.phys == r->phys + (va - r->start));
	check(t.stop_level == r->level);
}

/* Every path the walk took is one the reverse lookup follows. */
static void find_and_compare(struct vml_source *src,
			     const struct vml_paging *cfg,
			     const struct vml_pt_range *r)
{
	struct vml_pt_phys_hit hits[4];
	size_t n = 0;
	uint64_t total = 0;
	struct vml_error *err = vml_pt_find_phys(src, cfg, r->phys, 4, hits,
						 sizeof(hits[0]), &n, &total);
	if (err) {
		enum vml_error_code code = vml_error_code(err);
		check(code == VML_ERROR_LIMIT || code == VML_ERROR_NOMEM);
		vml_error_free(err);
		return;
	}
	check(total >= 1 && n >= 1 && n <= 4 && n <= total);
	for (size_t i = 1; i < n; i++)
		check(hits[i - 1].va < hits[i].va);
}

/* Walks the tables in mem (physical memory from address 0) with cfg and
 * checks every invariant above, then translates extra_va. Table pages
 * counted by the walk's statistics must fit in mem when count_tables
 * (x86-64: every table is one 4 KiB page). Frees cfg. */
static void check_pt_walk(struct vml_paging *cfg, const uint8_t *mem,
			  size_t len, bool count_tables, uint64_t extra_va)
{
	struct vml_source *src;
	if (vml_source_from_buffer(VML_SPACE_PHYSICAL, 0, mem, len, &src)) {
		vml_paging_free(cfg);
		return;
	}
	struct vml_pt_walk *walk;
	struct vml_error *err = vml_pt_walk(src, cfg, &walk);
	if (err) {
		/* Only an unreadable root, a bound or memory may stop a walk. */
		enum vml_error_code code = vml_error_code(err);
		check(code == VML_ERROR_FAULT || code == VML_ERROR_LIMIT ||
		      code == VML_ERROR_NOMEM);
		vml_error_free(err);
	} else {
		size_t n = vml_pt_walk_count(walk);
		if (count_tables) {
			struct vml_pt_walk_stats st;
			check(!vml_pt_walk_get_stats(walk, &st, sizeof(st)));
			check(st.table_pages <= len / 4096);
		}
		const struct vml_pt_range *prev = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct vml_pt_range *r = vml_pt_walk_range(walk, i);
			check(r && r->start <= r->last);
			check(!prev || prev->last < r->start);
			check(r->level >= 1 &&
			      r->level <= vml_paging_levels(cfg));
			if (r->status == VML_PT_MAPPED)
				check(r->page_size &&
				      (r->last - r->start + 1) % r->page_size == 0);
			if (i < 8) {
				translate_and_compare(src, cfg, r, r->start);
				if (r->status == VML_PT_MAPPED) {
					translate_and_compare(
						src, cfg, r,
						r->last + 1 - r->page_size);
					if (i < 2)
						find_and_compare(src, cfg, r);
				}
			}
			prev = r;
		}
		check(vml_pt_walk_range(walk, n) == NULL);
		vml_pt_walk_free(walk);
	}

	/* One arbitrary address, canonical or not. */
	struct vml_pt_translation t;
	err = vml_pt_translate(src, cfg, extra_va, &t, sizeof(t));
	if (err) {
		check(vml_error_code(err) == VML_ERROR_INVALID ||
		      vml_error_code(err) == VML_ERROR_NOMEM);
		vml_error_free(err);
	}
	vml_source_free(src);
	vml_paging_free(cfg);
}

#endif

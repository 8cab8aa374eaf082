/*
 * fuzz_pt.c — libFuzzer target for the page-table walker.
 *
 * Input: 4 header bytes, then physical memory starting at address 0.
 *   byte 0: bit 0 -> 5-level paging, bit 1 -> EFER.NXE
 *   byte 1: MAXPHYADDR = 32 + byte % 21 (32..52)
 *   byte 2: CR3 page index (may point past the memory: unreadable root)
 *   byte 3: seed for one extra address to translate
 * Besides memory safety, it checks what must hold for any tables: ranges
 * are sorted and disjoint, and translating a mapped range's first and last
 * page gives what the walk said.
 */
// run-fuzz: max_len=36868
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#define HEADER 4

static void check(bool ok)
{
	/* Invariant broken: crash so libFuzzer saves the input. */
	if (!ok)
		__builtin_trap();
}

static void translate_and_compare(struct vml_source *src,
				  const struct vml_pt_config *cfg,
				  const struct vml_pt_range *r, uint64_t va)
{
	struct vml_pt_translation t;
	struct vml_error *err = vml_pt_translate(src, cfg, va, &t);
	if (err == &vml_enomem)
		return;
	check(err == NULL); /* walk output is canonical */
	check(t.nsteps <= cfg->levels && t.nsteps <= 5);
	if (r->status != VML_PT_MAPPED)
		return;
	/* The walk reached va along the very entries translate reads. */
	check(t.mapped);
	check(t.page_size == r->page_size);
	check(t.flags == r->flags);
	check(t.phys == r->phys + (va - r->start));
	check(t.stop_level == r->level);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	const uint8_t *mem = data + HEADER;
	size_t len = size - HEADER;
	struct vml_pt_config cfg = {
		.levels = data[0] & 1 ? 5 : 4,
		.nxe = data[0] & 2,
		.maxphyaddr = 32 + data[1] % 21,
		.cr3 = (uint64_t)data[2] * 4096,
	};
	struct vml_source *src;
	if (vml_source_from_buffer(VML_SPACE_PHYSICAL, 0, mem, len, &src))
		return 0;

	struct vml_pt_walk *walk;
	struct vml_error *err = vml_pt_walk(src, &cfg, &walk);
	if (err) {
		/* Only an unreadable root, a bound or memory may stop a walk. */
		enum vml_error_code code = vml_error_code(err);
		check(code == VML_ERROR_FAULT || code == VML_ERROR_LIMIT ||
		      code == VML_ERROR_NOMEM);
		vml_error_free(err);
	} else {
		size_t n = vml_pt_walk_count(walk);
		struct vml_pt_walk_stats st;
		vml_pt_walk_get_stats(walk, &st);
		check(st.table_pages <= len / 4096);
		const struct vml_pt_range *prev = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct vml_pt_range *r = vml_pt_walk_range(walk, i);
			check(r && r->start <= r->last);
			check(!prev || prev->last < r->start);
			check(r->level >= 1 && r->level <= cfg.levels);
			if (r->status == VML_PT_MAPPED)
				check(r->page_size &&
				      (r->last - r->start + 1) % r->page_size == 0);
			if (i < 8) {
				translate_and_compare(src, &cfg, r, r->start);
				if (r->status == VML_PT_MAPPED)
					translate_and_compare(
						src, &cfg, r,
						r->last + 1 - r->page_size);
			}
			prev = r;
		}
		check(vml_pt_walk_range(walk, n) == NULL);
		vml_pt_walk_free(walk);
	}

	/* One arbitrary address, canonical or not. */
	struct vml_pt_translation t;
	uint64_t va = (uint64_t)data[3] * UINT64_C(0x0101010101010101) << 12;
	err = vml_pt_translate(src, &cfg, va, &t);
	if (err) {
		check(vml_error_code(err) == VML_ERROR_INVALID ||
		      vml_error_code(err) == VML_ERROR_NOMEM);
		vml_error_free(err);
	}
	vml_source_free(src);
	return 0;
}

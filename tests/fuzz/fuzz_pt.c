/*
 * fuzz_pt.c — libFuzzer target for the page-table walker.
 *
 * Input: 4 header bytes, then physical memory starting at address 0.
 *   byte 0: bit 0 -> CR4.LA57 (5-level paging), bit 1 -> EFER.NXE,
 *           bits 7:4 -> CR3's low bits (PCID: ignored by the walk)
 *   byte 1: MAXPHYADDR = 32 + byte % 21 (32..52)
 *   byte 2: CR3 page index (may point past the memory: unreadable root)
 *   byte 3: seed for one extra address to translate
 * The paging comes from those raw registers through
 * vml_paging_from_registers, as a debugger makes it. Besides memory
 * safety, it checks what must hold for any tables: ranges are sorted and
 * disjoint, translating a mapped range's first and last page gives what
 * the walk said, and the reverse lookup finds the walk's first mappings.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	const uint8_t *mem = data + HEADER;
	size_t len = size - HEADER;
	struct vml_named_value regs[] = {
		{ "cr3", (uint64_t)data[2] * 4096 | (data[0] >> 4) },
		{ "cr4", data[0] & 1 ? UINT64_C(1) << 12 : 0 },
		{ "efer", data[0] & 2 ? UINT64_C(1) << 11 : 0 },
	};
	struct vml_paging *cfg;
	struct vml_error *err = vml_paging_from_registers(
		VML_ARCH_X86_64, regs, 3, 32 + data[1] % 21, &cfg);
	if (err) {
		/* Roots below 1 MiB fit every width from 32 bits. */
		check(err == &vml_enomem);
		return 0;
	}
	struct vml_source *src;
	if (vml_source_from_buffer(VML_SPACE_PHYSICAL, 0, mem, len, &src)) {
		vml_paging_free(cfg);
		return 0;
	}

	struct vml_pt_walk *walk;
	err = vml_pt_walk(src, cfg, &walk);
	if (err) {
		/* Only an unreadable root, a bound or memory may stop a walk. */
		enum vml_error_code code = vml_error_code(err);
		check(code == VML_ERROR_FAULT || code == VML_ERROR_LIMIT ||
		      code == VML_ERROR_NOMEM);
		vml_error_free(err);
	} else {
		size_t n = vml_pt_walk_count(walk);
		struct vml_pt_walk_stats st;
		check(!vml_pt_walk_get_stats(walk, &st, sizeof(st)));
		check(st.table_pages <= len / 4096);
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
	uint64_t va = (uint64_t)data[3] * UINT64_C(0x0101010101010101) << 12;
	err = vml_pt_translate(src, cfg, va, &t, sizeof(t));
	if (err) {
		check(vml_error_code(err) == VML_ERROR_INVALID ||
		      vml_error_code(err) == VML_ERROR_NOMEM);
		vml_error_free(err);
	}
	vml_source_free(src);
	vml_paging_free(cfg);
	return 0;
}

/* fuzz_maps.c — libFuzzer target: arbitrary bytes as /proc/PID/maps text.
 * On success, look up and explain gaps at a few addresses (including the
 * boundaries of the first and last regions) to exercise the binary searches
 * on whatever set the parser accepted, then render it as picture, table and
 * JSON; then give it threads and explain their stacks. */
// run-fuzz: max_len=16384
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

static void probe(const struct vml_layout *layout, uint64_t addr)
{
	struct vml_gap gap;
	const struct vml_region *r = vml_layout_find(layout, addr);
	size_t index = vml_layout_find_index(layout, addr);
	struct vml_error *err = vml_layout_gap(layout, addr, &gap, sizeof(gap));
	bool unmapped = err == NULL;
	vml_error_free(err);
	/* find, its index and gap must agree; a disagreement is a bug worth
	 * a crash */
	if ((r != NULL) == unmapped || (index == SIZE_MAX) != unmapped ||
	    (r && vml_layout_region(layout, index) != r))
		__builtin_trap();
	if (unmapped && (addr < gap.start || addr > gap.last ||
			 vml_layout_region(layout, gap.below_index) != gap.below ||
			 vml_layout_region(layout, gap.above_index) != gap.above))
		__builtin_trap();
}

/* Stacks by $sp: threads whose $sp sit on the edges of regions (in a
 * PROT_NONE page, just below a mapping), classified with no file readable
 * (a sysroot that does not exist), then whereis at and around each $sp,
 * rendered every way, and the picture again. */
static void stacks(struct vml_layout *layout)
{
	size_t n = vml_layout_count(layout);
	if (n == 0 || vml_layout_set_sysroot(layout, "/nonexistent/vml-fuzz"))
		return;
	uint64_t sps[8];
	size_t nsps = 0;
	for (size_t i = 0; i < 8 && i < n; i++) {
		const struct vml_region *r = vml_layout_region(layout, i * n / 8);
		uint64_t sp = i % 3 == 0 ? r->start :
			      i % 3 == 1 ? r->end - 1 : r->start - 0x800;
		if (vml_layout_add_thread(layout, (int64_t)i + 1, sp, i == 0))
			return;
		sps[nsps++] = sp;
	}
	struct vml_error *err = vml_layout_classify(layout);
	if (err) {
		if (err != &vml_enomem)
			__builtin_trap();
		return;
	}
	static const enum vml_format where_formats[] = {
		VML_FORMAT_TEXT, VML_FORMAT_JSON, VML_FORMAT_LINE,
	};
	for (size_t k = 0; k < nsps; k++) {
		for (int d = -1; d <= 1; d++) {
			struct vml_where w;
			if (vml_layout_where(layout, sps[k] + (uint64_t)(d * 8), &w,
					     sizeof(w)))
				__builtin_trap();
			/* An answer's stack mapping holds its threads. */
			const struct vml_region *s =
				vml_layout_region(layout, w.stack_region_index);
			if ((w.stack_region_index != SIZE_MAX && !s) ||
			    (s && w.nstack_threads != s->nthreads))
				__builtin_trap();
			for (size_t f = 0; f < 3; f++) {
				char *out = NULL;
				err = vml_render_where(layout, &w, sizeof(w),
						       where_formats[f], 0, &out);
				if (err != &vml_enomem && (err || !out))
					__builtin_trap();
				vml_free(out);
			}
		}
	}
	char *out = NULL;
	err = vml_render_layout(layout, VML_FORMAT_PICTURE, 0, &out);
	if (err != &vml_enomem && (err || !out))
		__builtin_trap();
	vml_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vml_layout *layout = NULL;
	struct vml_error *err = vml_layout_from_maps((const char *)data, size, &layout);
	if (err) {
		vml_error_free(err);
		return 0;
	}
	size_t n = vml_layout_count(layout);
	probe(layout, 0);
	probe(layout, UINT64_MAX);
	probe(layout, 0x7fffffffe000);
	if (n) {
		const struct vml_region *first = vml_layout_region(layout, 0);
		const struct vml_region *last = vml_layout_region(layout, n - 1);
		probe(layout, first->start);
		probe(layout, first->end - 1);
		probe(layout, first->end);
		probe(layout, last->start - 1);
		probe(layout, last->end);
		probe(layout, first->start + (last->end - first->start) / 2);
	}
	/* The renderers draw any layout, classified or not. */
	static const enum vml_format formats[] = {
		VML_FORMAT_PICTURE, VML_FORMAT_TABLE, VML_FORMAT_JSON,
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *out = NULL;
		err = vml_render_layout(layout, formats[i], VML_RENDER_COLOR, &out);
		if (err != &vml_enomem && (err || !out))
			__builtin_trap();
		vml_free(out);
	}
	stacks(layout);
	vml_layout_free(layout);
	return 0;
}

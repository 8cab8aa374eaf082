/*
 * fuzz_core.c — libFuzzer target for the ELF core reader.
 *
 * Feeds arbitrary bytes to vml_layout_from_core_buffer (headers, notes,
 * region building, pseudo names, classification) and, when a layout comes
 * back, reads through its memory source and asks for its core facts, so the
 * read path over damaged loads is exercised too; then renders it every way
 * (picture, table, JSON, summary, warnings, whereis at a few addresses, one
 * inside the vDSO, whose ELF image is then parsed from the core), so
 * the renderers meet hostile names and numbers. Seeds in
 * tests/fuzz/seeds_core/ are the tiny hand-built cores of
 * tests/unit/core_elf_test.c (VML_CORE_SEED_DIR=DIR ./unit_tests writes
 * them).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A render must succeed (or run out of memory) and give a string. */
static void check_render(struct vml_error *err, char *out)
{
	if (err == &vml_enomem)
		return;
	if (err || !out)
		abort();
	vml_free(out);
}

static void render_all(struct vml_layout *layout, const struct vml_core_info *info)
{
	static const enum vml_format layout_formats[] = {
		VML_FORMAT_PICTURE, VML_FORMAT_TABLE, VML_FORMAT_JSON,
	};
	static const enum vml_format where_formats[] = {
		VML_FORMAT_TEXT, VML_FORMAT_JSON, VML_FORMAT_LINE,
	};
	char *out = NULL;
	for (size_t i = 0; i < sizeof(layout_formats) / sizeof(layout_formats[0]); i++) {
		struct vml_error *err = vml_render_layout(layout, layout_formats[i],
							  VML_RENDER_COLOR, &out);
		check_render(err, out);
	}
	check_render(vml_render_core_summary(layout, "core", &out), out);
	check_render(vml_render_layout_warnings(layout, &out), out);
	size_t n = vml_layout_count(layout);
	/* Inside the vDSO, when the core names one: its ELF image is parsed
	 * from the core's memory (elf_mem.c). */
	uint64_t vdso = 0x10;
	for (size_t i = 0; i < n; i++)
		if (vml_layout_region(layout, i)->kind == VML_KIND_VDSO)
			vdso = vml_layout_region(layout, i)->start + 0x10;
	uint64_t addrs[5] = {
		info->fault_addr, 0x10,
		n ? vml_layout_region(layout, 0)->start : 0,
		n ? vml_layout_region(layout, n - 1)->end : UINT64_MAX,
		vdso,
	};
	for (size_t a = 0; a < 5; a++) {
		struct vml_where w;
		struct vml_error *err = vml_layout_where(layout, addrs[a], &w,
							sizeof(w));
		if (err) {
			vml_error_free(err);
			continue;
		}
		for (size_t f = 0; f < sizeof(where_formats) / sizeof(where_formats[0]); f++)
			check_render(vml_render_where(layout, &w, sizeof(w), where_formats[f], 0, &out),
				     out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan flags any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	struct vml_layout *layout = NULL;
	struct vml_error *err = vml_layout_from_core_buffer(copy, size, &layout);
	if (err) {
		/* Every error must carry a message. */
		if (!vml_error_message(err))
			abort();
		vml_error_free(err);
		free(copy);
		return 0;
	}
	struct vml_core_info info;
	if (!vml_layout_is_core(layout) ||
	    vml_layout_core_info(layout, &info, sizeof(info)))
		abort();
	uint8_t buf[64];
	size_t n = vml_layout_count(layout);
	for (size_t i = 0; i < n && i < 64; i++) {
		const struct vml_region *r = vml_layout_region(layout, i);
		if (r->start >= r->end)
			abort();
		if (layout->source) {
			struct vml_error *e = vml_source_read(layout->source,
							      VML_SPACE_VIRTUAL,
							      r->end - 1, buf, 1);
			vml_error_free(e);
			e = vml_source_read(layout->source, VML_SPACE_VIRTUAL,
					    r->start, buf, sizeof(buf));
			vml_error_free(e);
		}
	}
	render_all(layout, &info);
	vml_layout_free(layout);
	free(copy);
	return 0;
}

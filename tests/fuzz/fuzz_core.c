/*
 * fuzz_core.c — libFuzzer target for the ELF core reader.
 *
 * Feeds arbitrary bytes to vml_layout_from_core_buffer (headers, notes,
 * region building, pseudo names, classification) and, when a layout comes
 * back, reads through its memory source and asks for its core facts, so the
 * read path over damaged loads is exercised too. Seeds in
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
	if (!vml_layout_core_info(layout, &info))
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
	vml_layout_free(layout);
	free(copy);
	return 0;
}

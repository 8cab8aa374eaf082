/*
 * deref.c — whereis --deref N EXPR: N words from an address, each value
 * followed while it points into mapped memory (a debugger's telescope).
 *
 * The chain of one word stops at a value that points nowhere mapped, at an
 * address already read in this chain (a cycle: list->next == list), at
 * memory that is mapped but cannot be read (or must not be: a kernel's
 * uncached device memory), or at the depth asked for. Every read is one
 * 8-byte read through the source; nothing is decided by the renderer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_DEPTH 4u
/* More words than anyone reads on a screen; bounds the work. */
#define MAX_WORDS 65536u

static const struct vml_unit *unit_at(const struct vml_unit *units, size_t n,
				      uint64_t v)
{
	size_t ub = VML_UPPER_BOUND(units, n, start, v);
	if (ub == 0 || v > units[ub - 1].last)
		return NULL;
	return &units[ub - 1];
}

static bool read_word(struct vml_source *src, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	struct vml_error *err = vml_source_read(src, VML_SPACE_VIRTUAL, addr, b,
						sizeof(b));
	if (err) {
		vml_error_free(err);
		return false;
	}
	memcpy(v, b, sizeof(*v));
	return true;
}

static void follow(const struct vml_unit *units, size_t n,
		   struct vml_source *src, uint64_t at, uint32_t depth,
		   struct vml_deref_word *w)
{
	*w = (struct vml_deref_word){ .at = at };
	if (!read_word(src, at, &w->chain[0])) {
		w->end = VML_DEREF_END_NO_WORD;
		return;
	}
	w->nvalues = 1;
	for (;;) {
		uint64_t v = w->chain[w->nvalues - 1];
		const struct vml_unit *u = unit_at(units, n, v);
		if (!u) {
			w->end = VML_DEREF_END_VALUE;
			return;
		}
		/* Addresses read so far: at, then every value but the last. */
		bool seen = v == at;
		for (uint32_t i = 0; i + 1 < w->nvalues && !seen; i++)
			seen = w->chain[i] == v;
		if (seen) {
			w->end = VML_DEREF_END_CYCLE;
			return;
		}
		if (w->nvalues >= depth) {
			w->end = VML_DEREF_END_DEPTH;
			return;
		}
		if (!u->readable || !read_word(src, v, &w->chain[w->nvalues])) {
			w->end = VML_DEREF_END_UNREADABLE;
			return;
		}
		w->nvalues++;
	}
}

static struct vml_error *deref(const struct vml_unit *units, size_t n,
			       struct vml_source *src, uint64_t addr,
			       size_t count, uint32_t depth,
			       struct vml_deref_word *words, size_t word_size)
{
	if (!src)
		return vml_error_create(VML_ERROR_INVALID,
					"deref: no memory to read (no source)");
	if (depth == 0)
		depth = DEFAULT_DEPTH;
	if (depth > VML_DEREF_MAX_DEPTH)
		depth = VML_DEREF_MAX_DEPTH;
	unsigned char *out = (unsigned char *)words;
	for (size_t i = 0; i < count; i++) {
		uint64_t at = addr + (uint64_t)i * 8;
		struct vml_deref_word w;
		follow(units, n, src, at, depth, &w);
		vml_copy_out(out + i * word_size, word_size, &w, sizeof(w));
		if (at > UINT64_MAX - 8 && i + 1 < count) {
			/* The next word would wrap past 2^64. */
			for (size_t j = i + 1; j < count; j++) {
				struct vml_deref_word none = {
					.at = at + (j - i) * 8,
					.end = VML_DEREF_END_NO_WORD,
				};
				vml_copy_out(out + j * word_size, word_size, &none,
					     sizeof(none));
			}
			break;
		}
	}
	return NULL;
}

static struct vml_error *check_args(size_t count, const void *words,
				    size_t word_size)
{
	if (count && !words)
		return vml_error_create(VML_ERROR_INVALID,
					"deref: NULL words");
	if (count > MAX_WORDS)
		return vml_error_create(VML_ERROR_LIMIT,
					"deref: %zu words asked for, at most %u",
					count, MAX_WORDS);
	return vml_check_size("deref word", word_size, VML_DEREF_WORD_SIZE_V2);
}

struct vml_error *vml_layout_deref(struct vml_layout *layout,
				   struct vml_source *src, uint64_t addr,
				   size_t count, uint32_t depth,
				   struct vml_deref_word *words,
				   size_t word_size)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "deref: NULL layout");
	struct vml_error *err = check_args(count, words, word_size);
	if (!err)
		err = vml_layout_classify(layout);
	if (err)
		return err;
	struct vml_unit *units = NULL;
	size_t n = 0;
	err = vml_layout_units(layout, &units, &n);
	if (!err)
		err = deref(units, n, src ? src : layout->source, addr, count,
			    depth, words, word_size);
	free(units);
	return err;
}

struct vml_error *vml_kernel_deref(const struct vml_kernel *kernel,
				   struct vml_source *src, uint64_t addr,
				   size_t count, uint32_t depth,
				   struct vml_deref_word *words,
				   size_t word_size)
{
	if (!kernel)
		return vml_error_create(VML_ERROR_INVALID, "deref: NULL kernel");
	struct vml_error *err = check_args(count, words, word_size);
	if (err)
		return err;
	struct vml_unit *units = NULL;
	size_t n = 0;
	err = vml_kernel_units(kernel, &units, &n);
	if (!err)
		err = deref(units, n, src ? src : vml_kernel_source(kernel), addr,
			    count, depth, words, word_size);
	free(units);
	return err;
}

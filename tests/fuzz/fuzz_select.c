/* fuzz_select.c — libFuzzer target: arbitrary bytes as the selections of
 * vmlayout --scan FROM TO (kinds, objects, paths, START-END, commas),
 * against a fixed layout with a memory source. The input is split at its
 * first newline into FROM and TO; accepted selections are scanned,
 * rendered as text and JSON, and the spans checked sorted and disjoint.
 * TO's slab:NAME items are taken out (names bounded, the rest no longer
 * than TO); on this process layout a TO naming one is an error. */
// run-fuzz: max_len=8192
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char maps[] =
	"00400000-00401000 r-xp 00000000 08:01 100 /nonexistent/vml/prog\n"
	"00401000-00402000 rw-p 00001000 08:01 100 /nonexistent/vml/prog\n"
	"00402000-00403000 rw-p 00000000 00:00 0 [heap]\n"
	"7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
	"7f0000002000-7f0000003000 ---p 00000000 00:00 0 \n"
	"7f0000020000-7f0000022000 r-xp 00000000 08:01 200 /nonexistent/lib/libz.so.1\n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

static uint64_t memory[1024];

static void check_spans(struct vml_layout *layout, const char *spec,
			bool readable, bool per_unit)
{
	struct vml_unit *units = NULL;
	size_t nunits = 0;
	struct vml_error *err = vml_layout_units(layout, &units, &nunits);
	if (err) {
		vml_error_free(err);
		return;
	}
	struct vml_span *spans = NULL;
	size_t n = 0;
	err = vml_select(spec, "FROM", units, nunits, readable, per_unit,
			 &spans, &n);
	if (!err) {
		for (size_t i = 0; i < n; i++) {
			if (spans[i].last < spans[i].start)
				__builtin_trap();
			/* Sorted, disjoint; merged: a gap of at least one byte
			 * between spans; per unit: inside the unit named. */
			if (i && spans[i].start <= spans[i - 1].last)
				__builtin_trap();
			if (!per_unit && i &&
			    spans[i].start <= spans[i - 1].last + 1)
				__builtin_trap();
			if (per_unit &&
			    (spans[i].unit >= nunits ||
			     spans[i].start < units[spans[i].unit].start ||
			     spans[i].last > units[spans[i].unit].last))
				__builtin_trap();
			/* Only mapped memory is ever selected. */
			if (vml_layout_index(layout, spans[i].start) == SIZE_MAX ||
			    vml_layout_index(layout, spans[i].last) == SIZE_MAX)
				__builtin_trap();
		}
	}
	vml_error_free(err);
	free(spans);
	free(units);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vml_layout *layout;
	static struct vml_source *src;
	if (!layout) {
		if (vml_layout_from_maps(maps, sizeof(maps) - 1, &layout) ||
		    vml_layout_classify(layout))
			__builtin_trap();
		for (size_t i = 0; i < 1024; i++)
			memory[i] = i % 7 ? 0x7f0000000000ull + i * 24 :
					    0x400000ull + i;
		if (vml_source_from_buffer(VML_SPACE_VIRTUAL, 0x7f0000000000ull,
					   memory, sizeof(memory), &src))
			__builtin_trap();
		vml_layout_set_source(layout, src);
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *to = strchr(text, '\n');
	if (to)
		*to++ = '\0';
	struct vml_cache_names caches;
	char *rest = NULL;
	struct vml_error *cerr = vml_select_caches(to, "TO", &rest, &caches);
	bool slab_ok = cerr == NULL;
	if (!cerr) {
		if (!rest || strlen(rest) > (to ? strlen(to) : 0) ||
		    caches.count > VML_SELECT_MAX_CACHES)
			__builtin_trap();
		for (size_t i = 0; i < caches.count; i++)
			if (!caches.names[i][0] ||
			    strnlen(caches.names[i], VML_SELECT_CACHE_NAME) >=
				    VML_SELECT_CACHE_NAME)
				__builtin_trap();
	} else if (rest) {
		__builtin_trap();
	}
	vml_error_free(cerr);
	free(rest);
	check_spans(layout, text, true, false);
	check_spans(layout, text, false, false);
	check_spans(layout, text, false, true);
	struct vml_scan_request req = {
		.from = text, .to = to, .max_hits = 16, .block = 4096,
	};
	struct vml_scan *scan = NULL;
	struct vml_error *err = vml_layout_scan(layout, &req, sizeof(req), &scan);
	if (!err && slab_ok && caches.count)
		__builtin_trap();   /* a slab cache on a process: refused */
	if (!err) {
		struct vml_scan_stats st;
		if (vml_scan_get_stats(scan, &st, sizeof(st)) ||
		    st.scanned + st.unreadable > st.selected || st.kept > st.hits ||
		    st.kept > 16)
			__builtin_trap();
		char *out = NULL;
		err = vml_render_scan(scan, VML_FORMAT_TEXT, VML_RENDER_COLOR, &out);
		vml_free(out);
		vml_error_free(err);
		out = NULL;
		err = vml_render_scan(scan, VML_FORMAT_JSON, 0, &out);
		vml_free(out);
		vml_scan_free(scan);
	}
	vml_error_free(err);
	/* whereis --deref from an address the input names. */
	uint64_t addr = 0x7f0000000000ull;
	if (size >= 2)
		addr += (uint64_t)(data[0] | data[1] << 8) * 8 - 0x8000;
	struct vml_deref_word words[4];
	if (!vml_layout_deref(layout, NULL, addr, 4, size % 9, words,
			      sizeof(words[0]))) {
		char *out = NULL;
		err = vml_render_deref(layout, words, 4, sizeof(words[0]),
				       size & 1 ? VML_FORMAT_JSON : VML_FORMAT_TEXT,
				       0, &out);
		vml_free(out);
		vml_error_free(err);
	}
	free(text);
	return 0;
}

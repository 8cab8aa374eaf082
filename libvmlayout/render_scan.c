/*
 * render_scan.c — pointer scans (vmlayout --scan) and annotated memory
 * (whereis --deref) as text and JSON. Pure formatters of the structs
 * scan.c and deref.c filled: nothing is read or decided here beyond
 * looking up the region, section and symbol of a value in the layout.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* What a value is called in one line: the object's or file's base name,
 * else the maps name ("[heap]"); NULL for anonymous memory. */
static const char *short_label(const struct vml_region *r)
{
	if (r->object)
		return vml_base_name(r->object);
	if (r->path)
		return vml_base_name(r->path);
	return r->name;
}

/* The path a JSON answer gives: the file, else the ELF object (.bss). */
static const char *json_path(const struct vml_region *r)
{
	return r->path ? r->path : r->object;
}

static const struct vml_region *facts_region(const struct vml_layout *layout,
					     const struct vml_value_facts *f)
{
	if (!layout || f->region_index == SIZE_MAX ||
	    f->region_index >= layout->count)
		return NULL;
	return &layout->regions[f->region_index];
}

/* "text libc.so.6 .text+0x1234 printf+20": the whereis one-liner facts. */
static void sb_facts(struct vml_strbuf *sb, const struct vml_region *r,
		     const struct vml_value_facts *f, bool color)
{
	if (color)
		vml_sb_puts(sb, vml_group_color(r->group));
	vml_sb_puts(sb, vml_kind_name(r->kind));
	if (color)
		vml_sb_puts(sb, VML_COLOR_RESET);
	const char *label = short_label(r);
	if (label) {
		vml_sb_putc(sb, ' ');
		vml_sb_put_display(sb, label, 40);
	}
	if (f->section) {
		vml_sb_putc(sb, ' ');
		vml_sb_put_display(sb, f->section, 40);
		if (f->section_offset)
			vml_sb_printf(sb, "+0x%" PRIx64, f->section_offset);
	}
	if (f->symbol) {
		vml_sb_putc(sb, ' ');
		vml_sb_put_display(sb, f->symbol, 80);
		if (f->symbol_offset)
			vml_sb_printf(sb, "+%" PRIu64, f->symbol_offset);
	}
}

/* JSON members "kind", "path", "section", "symbol", "offset" of a value
 * (all null when it points nowhere mapped). offset: from the symbol, else
 * the section, else the region's start. */
static void json_facts(struct vml_strbuf *sb, const struct vml_region *r,
		       const struct vml_value_facts *f, uint64_t value)
{
	if (!r) {
		vml_sb_puts(sb, "\"kind\": null, \"path\": null, \"section\": null,"
			    " \"symbol\": null, \"offset\": null");
		return;
	}
	vml_sb_puts(sb, "\"kind\": ");
	vml_sb_json_string(sb, vml_kind_name(r->kind));
	vml_sb_puts(sb, ", \"path\": ");
	vml_sb_json_string(sb, json_path(r));
	vml_sb_puts(sb, ", \"section\": ");
	vml_sb_json_string(sb, f->section);
	vml_sb_puts(sb, ", \"symbol\": ");
	vml_sb_json_string(sb, f->symbol);
	uint64_t off = f->symbol ? f->symbol_offset :
		       f->section ? f->section_offset : value - r->start;
	vml_sb_printf(sb, ", \"offset\": %" PRIu64, off);
}

/* ------------------------------------------------------------ scans */

/* Pointers into one destination: a kind and the object, file or name. */
struct dest_count {
	uint32_t kind, group;
	const char *label;     /* object or path or maps name; NULL anonymous */
	uint64_t count;
};

static int dest_cmp(const void *a, const void *b)
{
	const struct dest_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (!x->label || !y->label)
		return !x->label - !y->label;
	return strcmp(x->label, y->label);
}

static struct vml_error *group_counts(const struct vml_scan *scan,
				      struct dest_count **ret, size_t *n_ret)
{
	const struct vml_layout *layout = vml_scan_layout(scan);
	size_t ncounts;
	const uint64_t *counts = vml_scan_counts(scan, &ncounts);
	struct dest_count *groups = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < ncounts; i++) {
		if (!counts[i])
			continue;
		const struct vml_region *r = &layout->regions[i];
		const char *label = r->object ? r->object : vml_region_label(r);
		size_t g = 0;
		/* Most scans hit a handful of destinations; the last one
		 * matched is the likeliest next. */
		for (g = n; g-- > 0;)
			if (groups[g].kind == r->kind &&
			    vml_same_str(groups[g].label, label))
				break;
		if (g == SIZE_MAX) {
			if (!vml_grow((void **)&groups, &cap, n + 1,
				      sizeof(*groups))) {
				free(groups);
				return &vml_enomem;
			}
			g = n++;
			groups[g] = (struct dest_count){
				.kind = r->kind, .group = r->group, .label = label,
			};
		}
		groups[g].count += counts[i];
	}
	if (n > 1)
		qsort(groups, n, sizeof(*groups), dest_cmp);
	*ret = groups;
	*n_ret = n;
	return NULL;
}

static void sb_selection(struct vml_strbuf *sb, const char *sel,
			 const char *none)
{
	if (sel)
		vml_sb_put_display(sb, sel, 80);
	else
		vml_sb_puts(sb, none);
}

static void scan_text(struct vml_strbuf *sb, const struct vml_scan *scan,
		      const struct vml_scan_stats *st,
		      const struct dest_count *groups, size_t ngroups,
		      bool color)
{
	char scanned[32], selected[32], unreadable[32];
	vml_format_size(st->scanned, scanned, sizeof(scanned));
	vml_format_size(st->selected, selected, sizeof(selected));
	vml_sb_printf(sb, "scanned %s of %s in %" PRIu64 " range%s (",
		      scanned, selected, st->ranges, st->ranges == 1 ? "" : "s");
	sb_selection(sb, vml_scan_selection(scan, false), "all");
	vml_sb_puts(sb, ") for pointers into ");
	sb_selection(sb, vml_scan_selection(scan, true), "anything mapped");
	vml_sb_printf(sb, ": %" PRIu64 " found", st->hits);
	if (st->unreadable) {
		vml_format_size(st->unreadable, unreadable, sizeof(unreadable));
		vml_sb_printf(sb, " (%s could not be read)", unreadable);
	}
	vml_sb_putc(sb, '\n');
	if (ngroups == 0)
		return;
	vml_sb_puts(sb, "\n   COUNT  INTO\n");
	for (size_t g = 0; g < ngroups; g++) {
		vml_sb_printf(sb, "%8" PRIu64 "  ", groups[g].count);
		if (color)
			vml_sb_puts(sb, vml_group_color(groups[g].group));
		vml_sb_puts(sb, vml_kind_name(groups[g].kind));
		if (color)
			vml_sb_puts(sb, VML_COLOR_RESET);
		if (groups[g].label) {
			vml_sb_putc(sb, ' ');
			vml_sb_put_display(sb, groups[g].label, SIZE_MAX);
		}
		vml_sb_putc(sb, '\n');
	}
	const struct vml_layout *layout = vml_scan_layout(scan);
	const struct vml_scan_hit *hits = vml_scan_hits(scan);
	vml_sb_printf(sb, "\n%-18s  %-18s  %s\n", "AT", "VALUE", "POINTS INTO");
	for (uint64_t i = 0; i < st->kept; i++) {
		const struct vml_scan_hit *h = &hits[i];
		struct vml_value_facts f = {
			.region_index = h->region_index, .section = h->section,
			.section_offset = h->section_offset, .symbol = h->symbol,
			.symbol_offset = h->symbol_offset,
		};
		vml_sb_printf(sb, "0x%016" PRIx64 "  0x%016" PRIx64 "  ", h->at,
			      h->value);
		const struct vml_region *r = facts_region(layout, &f);
		if (r)
			sb_facts(sb, r, &f, color);
		if (h->object) {
			vml_sb_puts(sb, ": ");
			vml_sb_put_display(sb, h->object, SIZE_MAX);
		}
		vml_sb_putc(sb, '\n');
	}
	if (st->hits > st->kept)
		vml_sb_printf(sb, "... and %" PRIu64 " more (not listed)\n",
			      st->hits - st->kept);
}

static void scan_json(struct vml_strbuf *sb, const struct vml_scan *scan,
		      const struct vml_scan_stats *st,
		      const struct dest_count *groups, size_t ngroups)
{
	vml_sb_printf(sb, "{\"scanned\": %" PRIu64 ", \"selected\": %" PRIu64
		      ", \"unreadable\": %" PRIu64 ", \"ranges\": %" PRIu64
		      ", \"from\": ", st->scanned, st->selected, st->unreadable,
		      st->ranges);
	vml_sb_json_string(sb, vml_scan_selection(scan, false));
	vml_sb_puts(sb, ", \"to\": ");
	vml_sb_json_string(sb, vml_scan_selection(scan, true));
	vml_sb_printf(sb, ", \"total\": %" PRIu64 ", \"destinations\": [",
		      st->hits);
	for (size_t g = 0; g < ngroups; g++) {
		vml_sb_puts(sb, g ? ", {\"kind\": " : "{\"kind\": ");
		vml_sb_json_string(sb, vml_kind_name(groups[g].kind));
		vml_sb_puts(sb, ", \"name\": ");
		vml_sb_json_string(sb, groups[g].label);
		vml_sb_printf(sb, ", \"count\": %" PRIu64 "}", groups[g].count);
	}
	vml_sb_puts(sb, "], \"pointers\": [");
	const struct vml_layout *layout = vml_scan_layout(scan);
	const struct vml_scan_hit *hits = vml_scan_hits(scan);
	for (uint64_t i = 0; i < st->kept; i++) {
		const struct vml_scan_hit *h = &hits[i];
		struct vml_value_facts f = {
			.region_index = h->region_index, .section = h->section,
			.section_offset = h->section_offset, .symbol = h->symbol,
			.symbol_offset = h->symbol_offset,
		};
		vml_sb_printf(sb, "%s{\"at\": %" PRIu64 ", \"value\": %" PRIu64
			      ", ", i ? ",\n  " : "\n  ", h->at, h->value);
		json_facts(sb, facts_region(layout, &f), &f, h->value);
		if (h->object) {
			vml_sb_puts(sb, ", \"object\": ");
			vml_sb_json_string(sb, h->object);
		}
		vml_sb_putc(sb, '}');
	}
	vml_sb_puts(sb, st->kept ? "\n]}\n" : "]}\n");
}

struct vml_error *vml_render_scan(const struct vml_scan *scan,
				  enum vml_format format, uint32_t flags,
				  char **ret)
{
	if (!scan || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"render scan: NULL scan or result");
	if (format != VML_FORMAT_TEXT && format != VML_FORMAT_JSON)
		return vml_error_create(VML_ERROR_INVALID,
					"render scan: format must be TEXT or "
					"JSON, not %d", (int)format);
	struct vml_scan_stats st;
	struct vml_error *err = vml_scan_get_stats(scan, &st, sizeof(st));
	if (err)
		return err;
	struct dest_count *groups = NULL;
	size_t ngroups = 0;
	err = group_counts(scan, &groups, &ngroups);
	if (err)
		return err;
	struct vml_strbuf sb = { 0 };
	if (format == VML_FORMAT_JSON)
		scan_json(&sb, scan, &st, groups, ngroups);
	else
		scan_text(&sb, scan, &st, groups, ngroups,
			  flags & VML_RENDER_COLOR);
	free(groups);
	return vml_sb_finish(&sb, ret);
}

/* ------------------------------------------------------------ deref */

static const char *const end_names[] = {
	[VML_DEREF_END_VALUE] = "value",
	[VML_DEREF_END_CYCLE] = "cycle",
	[VML_DEREF_END_DEPTH] = "depth",
	[VML_DEREF_END_UNREADABLE] = "unreadable",
	[VML_DEREF_END_NO_WORD] = "no-word",
};

/* A value that points nowhere, as characters when its bytes (little
 * endian) are at least two printable ones followed only by NULs. */
static void sb_value_chars(struct vml_strbuf *sb, uint64_t v)
{
	char c[8];
	size_t n = 0;
	for (; n < 8; n++) {
		c[n] = (char)(v >> (8 * n));
		if (c[n] == '\0')
			break;
		if (c[n] < 0x20 || c[n] > 0x7e)
			return;
	}
	for (size_t i = n; i < 8; i++)
		if ((char)(v >> (8 * i)) != '\0')
			return;
	if (n < 2)
		return;
	vml_sb_puts(sb, " \"");
	for (size_t i = 0; i < n; i++) {
		if (c[i] == '"' || c[i] == '\\')
			vml_sb_putc(sb, '\\');
		vml_sb_putc(sb, c[i]);
	}
	vml_sb_putc(sb, '"');
}

static void deref_text_word(struct vml_strbuf *sb,
			    const struct vml_layout *layout,
			    const struct vml_deref_word *w, uint64_t base,
			    bool color)
{
	vml_sb_printf(sb, "0x%016" PRIx64 " +0x%04" PRIx64 ":", w->at,
		      w->at - base);
	if (w->end == VML_DEREF_END_NO_WORD || w->nvalues == 0) {
		vml_sb_puts(sb, " (cannot be read)\n");
		return;
	}
	uint32_t n = w->nvalues < VML_DEREF_MAX_DEPTH ? w->nvalues :
						       VML_DEREF_MAX_DEPTH;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = w->chain[i];
		vml_sb_printf(sb, "%s0x%016" PRIx64, i ? " -> " : " ", v);
		struct vml_value_facts f;
		vml_value_facts(layout, v, &f);
		const struct vml_region *r = facts_region(layout, &f);
		if (r) {
			vml_sb_puts(sb, " [");
			sb_facts(sb, r, &f, color);
			vml_sb_putc(sb, ']');
		} else if (i + 1 == n) {
			sb_value_chars(sb, v);
		}
	}
	switch (w->end) {
	case VML_DEREF_END_CYCLE:
		vml_sb_puts(sb, " (cycle)");
		break;
	case VML_DEREF_END_DEPTH:
		vml_sb_puts(sb, " -> ...");
		break;
	case VML_DEREF_END_UNREADABLE:
		vml_sb_puts(sb, " (cannot be read)");
		break;
	default:
		break;
	}
	vml_sb_putc(sb, '\n');
}

static void deref_json_word(struct vml_strbuf *sb,
			    const struct vml_layout *layout,
			    const struct vml_deref_word *w)
{
	vml_sb_printf(sb, "{\"at\": %" PRIu64 ", \"values\": [", w->at);
	uint32_t n = w->end == VML_DEREF_END_NO_WORD ? 0 :
		     w->nvalues < VML_DEREF_MAX_DEPTH ? w->nvalues :
							VML_DEREF_MAX_DEPTH;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = w->chain[i];
		struct vml_value_facts f;
		vml_value_facts(layout, v, &f);
		vml_sb_printf(sb, "%s{\"value\": %" PRIu64 ", ", i ? ", " : "", v);
		json_facts(sb, facts_region(layout, &f), &f, v);
		vml_sb_putc(sb, '}');
	}
	vml_sb_puts(sb, "], \"end\": ");
	vml_sb_json_string(sb, w->end < VML_ARRAY_SIZE(end_names) ?
				       end_names[w->end] : "value");
	vml_sb_putc(sb, '}');
}

struct vml_error *vml_render_deref(const struct vml_layout *layout,
				   const struct vml_deref_word *words,
				   size_t count, size_t word_size,
				   enum vml_format format, uint32_t flags,
				   char **ret)
{
	if (!ret || (count && !words))
		return vml_error_create(VML_ERROR_INVALID,
					"render deref: NULL words or result");
	if (format != VML_FORMAT_TEXT && format != VML_FORMAT_JSON)
		return vml_error_create(VML_ERROR_INVALID,
					"render deref: format must be TEXT or "
					"JSON, not %d", (int)format);
	struct vml_error *err = vml_check_size("deref word", word_size,
					       VML_DEREF_WORD_SIZE_V2);
	if (err)
		return err;
	struct vml_strbuf sb = { 0 };
	const unsigned char *in = (const unsigned char *)words;
	uint64_t base = 0;
	if (format == VML_FORMAT_JSON)
		vml_sb_puts(&sb, "{\"address\": ");
	for (size_t i = 0; i < count; i++) {
		struct vml_deref_word w;
		vml_copy_in(&w, sizeof(w), in + i * word_size, word_size);
		if (i == 0) {
			base = w.at;
			if (format == VML_FORMAT_JSON)
				vml_sb_printf(&sb, "%" PRIu64 ", \"words\": [",
					      base);
		}
		if (format == VML_FORMAT_JSON) {
			vml_sb_puts(&sb, i ? ",\n  " : "\n  ");
			deref_json_word(&sb, layout, &w);
		} else {
			deref_text_word(&sb, layout, &w, base,
					flags & VML_RENDER_COLOR);
		}
	}
	if (format == VML_FORMAT_JSON)
		vml_sb_puts(&sb, count ? "\n]}\n" : "null, \"words\": []}\n");
	return vml_sb_finish(&sb, ret);
}

/*
 * render_pagetables.c — text and JSON for page-table targets: the kernel
 * layout with its bases, the ptdump-style range table (and its W+X filter),
 * whereis with the walk level by level, and whereis --phys. Pure
 * formatters: every answer was computed (and read) before, into structs
 * (kernel_where.c); names of levels, entry bits and columns come from the
 * paging's architecture.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* ------------------------------------------------------------ helpers */

/* ptdump's compact sizes: 4K, 2M, 1G, 20M, 64T. */
static void short_size(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	uint64_t v = bytes >> 10;
	int u = 0;
	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", bytes);
		return;
	}
	while (u < 5 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%" PRIu64 "%c", v, units[u]);
}

static uint64_t range_size(const struct vml_pt_range *r)
{
	/* The whole 2^64 space would wrap to 0: cap it. */
	uint64_t span = r->last - r->start;
	return span == UINT64_MAX ? UINT64_MAX : span + 1;
}

/* An exclusive end given the inclusive last, the way every text table
 * prints it: 2^64 is one digit wider than the others. */
static void hex_end(struct vml_strbuf *sb, uint64_t last)
{
	if (last == UINT64_MAX)
		vml_sb_puts(sb, "0x10000000000000000");
	else
		vml_sb_printf(sb, "0x%016" PRIx64, last + 1);
}

static const char *status_name(uint32_t status)
{
	switch (status) {
	case VML_PT_MAPPED: return "mapped";
	case VML_PT_ALIAS: return "alias";
	case VML_PT_UNREADABLE: return "unreadable";
	case VML_PT_RESERVED: return "reserved";
	default: return "unknown";
	}
}

static const char *level_name(const struct vml_paging *p, uint32_t level)
{
	return level >= 1 && level <= p->levels && p->level[level].name ?
	       p->level[level].name : "?";
}

static const char *ptdump_level(const struct vml_paging *p, uint32_t level)
{
	return level >= 1 && level <= p->levels && p->level[level].short_name ?
	       p->level[level].short_name : "?";
}

/* NX as the paging enforces it (a range made by hand may carry the bit). */
static bool is_nx(const struct vml_paging *p, uint32_t flags)
{
	return p->nx && (flags & VML_PT_NX);
}

/* Executable at user level too: where the architecture has its own bit
 * for it (AArch64 UXN), a user page may be writable and executable by
 * user code while the kernel may not run it. */
static bool user_exec(const struct vml_paging *p, uint32_t flags)
{
	uint32_t unx = p->arch->user_nx_flag;
	return (flags & VML_PT_USER) &&
	       !(unx == VML_PT_NX ? is_nx(p, flags) : (flags & unx));
}

static bool is_wx(const struct vml_paging *p, const struct vml_pt_range *r)
{
	return r->status == VML_PT_MAPPED && (r->flags & VML_PT_WRITE) &&
	       (!is_nx(p, r->flags) || user_exec(p, r->flags));
}

/* The flags' memory type and shareability by the architecture's names,
 * NULL where it has none. */
static const char *memtype_name(const struct vml_paging *p, uint32_t flags)
{
	uint32_t t = (flags & VML_PT_MEMTYPE_MASK) >> VML_PT_MEMTYPE_SHIFT;
	return p->arch->memtype_names && t < VML_PT_MEMTYPE_COUNT ?
	       p->arch->memtype_names[t] : NULL;
}

static const char *shareability_name(const struct vml_paging *p,
				     uint32_t flags)
{
	return p->arch->shareability_names ?
	       p->arch->shareability_names[(flags & VML_PT_SH_MASK) >>
					   VML_PT_SH_SHIFT] : NULL;
}

static const char *kbase_name(const struct vml_kernel *k, int i)
{
	return i >= 0 && i < VML_KBASE_COUNT && k->kclass->base_names[i] ?
	       k->kclass->base_names[i] : "?";
}

static const char *kbase_how(uint32_t how)
{
	static const char *const names[] = { "unknown", "given", "inferred",
					     "documented" };
	return how < VML_ARRAY_SIZE(names) ? names[how] : "?";
}

/* What an address is called: its slot, or "user" in the user half. */
static const char *kind_label(uint32_t half, uint32_t kind)
{
	return half == VML_HALF_USER ? "user" :
	       vml_kind_name((enum vml_kind)kind);
}

/* ------------------------------------------------------------ ptdump */

static void ptdump_header(struct vml_strbuf *sb, const struct vml_kernel *k)
{
	size_t n = vml_kernel_range_count(k);
	vml_sb_printf(sb, "%s; %zu range%s, %" PRIu64 " table page%s read\n",
		      k->paging.description, n, vml_plural(n),
		      k->stats.table_pages, vml_plural(k->stats.table_pages));
}

static void ptdump_row(struct vml_strbuf *sb, const struct vml_paging *p,
		       const struct vml_pt_range *r)
{
	char size[24];
	short_size(range_size(r), size, sizeof(size));
	vml_sb_printf(sb, "0x%016" PRIx64 "-", r->start);
	hex_end(sb, r->last);
	vml_sb_printf(sb, " %7s ", size);
	if (r->status != VML_PT_MAPPED) {
		/* The entry names a table it points at, or for a reserved
		 * leaf the frame it would map. */
		vml_sb_printf(sb, "%-30s %s, %s entry, %s 0x%" PRIx64 "\n",
			      r->status == VML_PT_ALIAS ? "(table seen before)" :
			      r->status == VML_PT_UNREADABLE ?
			      "(table unreadable)" : "(reserved bits set)",
			      status_name(r->status), ptdump_level(p, r->level),
			      r->status == VML_PT_RESERVED ? "points at" : "table",
			      r->phys);
		return;
	}
	/* A leaf above the last level is a large page. */
	uint32_t f = r->flags | (r->level > 1 ? VML_PT_PS : 0);
	if (!p->nx)
		f &= ~(uint32_t)VML_PT_NX;
	const struct vml_arch *a = p->arch;
	for (size_t i = 0; i < a->nptdump_columns;) {
		/* One column: the entries sharing this mask. */
		uint32_t mask = a->ptdump_columns[i].mask;
		const char *text = NULL;
		size_t width = 0;
		for (; i < a->nptdump_columns &&
		       a->ptdump_columns[i].mask == mask; i++) {
			const struct vml_arch_column *c = &a->ptdump_columns[i];
			size_t len = strlen(c->text);
			width = len > width ? len : width;
			if (!text && (f & mask) == c->value)
				text = c->text;
		}
		vml_sb_printf(sb, "%-*s ", (int)width, text ? text : "");
	}
	vml_sb_puts(sb, ptdump_level(p, r->level));
	if (r->pkey)
		vml_sb_printf(sb, " pkey=%" PRIu32, r->pkey);
	vml_sb_printf(sb, "  phys 0x%" PRIx64 "%s\n", r->phys,
		      is_wx(p, r) ? "  W+X" : "");
}

static void ptdump_text(struct vml_strbuf *sb, const struct vml_kernel *k,
			bool wx_only)
{
	const struct vml_paging *p = &k->paging;
	size_t n = vml_kernel_range_count(k), shown = 0;
	ptdump_header(sb, k);
	int last_marker = -2;
	for (size_t i = 0; i < n; i++) {
		const struct vml_pt_range *r = vml_kernel_range(k, i);
		if (wx_only && !is_wx(p, r))
			continue;
		/* A marker line whenever the documented region changes. */
		int marker = r->start < p->user_end ? -1 :
			     (int)vml_kernel_range_kind(k, i);
		if (marker != last_marker) {
			vml_sb_printf(sb, "---[ %s ]---\n",
				      marker < 0 ? "user space" :
				      vml_kind_name((enum vml_kind)marker));
			last_marker = marker;
		}
		ptdump_row(sb, p, r);
		shown++;
	}
	if (wx_only) {
		vml_sb_printf(sb, "%zu W+X range%s\n", shown,
			      shown == 1 ? "" : "s");
		/* What a table that could not be read maps is unknown: the
		 * count is of what was walked, and says so. */
		size_t unreadable = 0;
		for (size_t i = 0; i < n; i++)
			unreadable += vml_kernel_range(k, i)->status ==
				      VML_PT_UNREADABLE;
		if (unreadable)
			vml_sb_printf(sb, "incomplete: %zu page table%s could not"
				      " be read; W+X mappings under %s are"
				      " unknown\n", unreadable,
				      vml_plural(unreadable),
				      unreadable == 1 ? "it" : "them");
	}
}

static void json_range(struct vml_strbuf *sb, const struct vml_kernel *k,
		       size_t i)
{
	const struct vml_paging *p = &k->paging;
	const struct vml_pt_range *r = vml_kernel_range(k, i);
	uint32_t f = r->flags;
	vml_sb_printf(sb, "{\"start\": %" PRIu64 ", \"end\": ", r->start);
	vml_json_end(sb, r->last);
	vml_sb_printf(sb, ", \"phys\": %" PRIu64 ", \"page_size\": %" PRIu64,
		      r->phys, r->page_size);
	const struct vml_arch *a = p->arch;
	for (size_t b = 0; b < a->njson_bits; b++) {
		uint32_t bit = a->json_bits[b].flag;
		bool on = bit == VML_PT_NX ? is_nx(p, f) : (f & bit) != 0;
		vml_sb_printf(sb, ", \"%s\": %s", a->json_bits[b].name,
			      on ? "true" : "false");
	}
	if (a->json_pkey)
		vml_sb_printf(sb, ", \"pkey\": %" PRIu32, r->pkey);
	if (a->memtype_names) {
		vml_sb_puts(sb, ", \"memtype\": ");
		vml_sb_json_string(sb, memtype_name(p, f));
	}
	if (a->shareability_names) {
		vml_sb_puts(sb, ", \"shareability\": ");
		vml_sb_json_string(sb, shareability_name(p, f));
	}
	vml_sb_printf(sb, ", \"level\": %" PRIu32 ", \"status\": \"%s\""
		      ", \"kind\": ", r->level, status_name(r->status));
	vml_sb_json_string(sb, kind_label(vml_kernel_half(k, r->start),
					  vml_kernel_range_kind(k, i)));
	vml_sb_puts(sb, "}");
}

static void ptdump_json(struct vml_strbuf *sb, const struct vml_kernel *k,
			bool wx_only)
{
	size_t n = vml_kernel_range_count(k);
	bool first = true;
	vml_sb_puts(sb, "{\"ranges\": [");
	for (size_t i = 0; i < n; i++) {
		if (wx_only && !is_wx(&k->paging, vml_kernel_range(k, i)))
			continue;
		vml_sb_puts(sb, first ? "\n  " : ",\n  ");
		json_range(sb, k, i);
		first = false;
	}
	vml_sb_puts(sb, "\n]}\n");
}

/* ------------------------------------------------------------ layout */

static void bases_text(struct vml_strbuf *sb, const struct vml_kernel *k)
{
	const struct vml_paging *p = &k->paging;
	if (p->mode_text[0])
		vml_sb_printf(sb, "page tables at %s: %s\n", p->roots_text,
			      p->mode_text);
	else
		vml_sb_printf(sb, "page tables at %s: %" PRIu32 "-level paging"
			      " (%u-bit), NX %s\n", p->roots_text, p->levels,
			      p->va_bits, p->nx ? "on" : "off");
	for (int i = 0; i < VML_KBASE_COUNT; i++) {
		uint32_t how;
		uint64_t v = vml_kernel_base(k, (enum vml_kbase)i, &how);
		if (how)
			vml_sb_printf(sb, "  %-17s 0x%016" PRIx64 "  (%s)\n",
				      kbase_name(k, i), v, kbase_how(how));
		else
			vml_sb_printf(sb, "  %-17s unknown (%s)\n",
				      kbase_name(k, i),
				      k->kclass->unknown_why[i] ?
				      k->kclass->unknown_why[i] :
				      "nothing mapped there");
	}
}

/* Our own table, used when the shared renderer cannot draw the layout. */
static void regions_text(struct vml_strbuf *sb, const struct vml_layout *l)
{
	size_t n = vml_layout_count(l);
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = vml_layout_region(l, i);
		char size[24];
		short_size(vml_region_size(r), size, sizeof(size));
		vml_sb_printf(sb, "0x%016" PRIx64 "-", r->start);
		hex_end(sb, vml_region_last(r));
		vml_sb_printf(sb, " %7s %s %-14s %s\n", size, r->perms,
			      vml_kind_name((enum vml_kind)r->kind),
			      r->name ? r->name : "");
	}
}

static void layout_json(struct vml_strbuf *sb, const struct vml_kernel *k)
{
	const struct vml_paging *p = &k->paging;
	const struct vml_layout *l = vml_kernel_layout(k);
	vml_sb_printf(sb, "{\"levels\": %" PRIu32, p->levels);
	for (size_t i = 0; i < p->nroots; i++)
		vml_sb_printf(sb, ", \"%s\": %" PRIu64, p->roots[i].key,
			      p->roots[i].table);
	vml_sb_printf(sb, ", \"%s\": %s, \"bases\": {", p->nx_key,
		      p->nx ? "true" : "false");
	for (int i = 0; i < VML_KBASE_COUNT; i++) {
		uint32_t how;
		uint64_t v = vml_kernel_base(k, (enum vml_kbase)i, &how);
		vml_sb_printf(sb, "%s\"%s\": ", i ? ", " : "", kbase_name(k, i));
		if (how)
			vml_sb_printf(sb, "{\"value\": %" PRIu64
				      ", \"how\": \"%s\"}", v, kbase_how(how));
		else
			vml_sb_puts(sb, "null");
	}
	vml_sb_printf(sb, "}, \"incomplete\": %s, \"regions\": [",
		      vml_layout_flags(l) & VML_LAYOUT_INCOMPLETE ?
		      "true" : "false");
	size_t n = vml_layout_count(l);
	for (size_t i = 0; i < n; i++) {
		vml_sb_puts(sb, i ? ",\n  " : "\n  ");
		vml_json_region(sb, vml_layout_region(l, i));
	}
	vml_sb_puts(sb, "\n]}\n");
}

struct vml_error *vml_render_kernel(const struct vml_kernel *k,
				    enum vml_format format, uint32_t flags,
				    char **ret)
{
	if (!k || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"render: NULL kernel or result");
	struct vml_strbuf sb = { 0 };
	bool ptdump = flags & (VML_KRENDER_PAGETABLES | VML_KRENDER_WX);
	bool wx = flags & VML_KRENDER_WX;
	if (format == VML_FORMAT_JSON) {
		if (ptdump)
			ptdump_json(&sb, k, wx);
		else
			layout_json(&sb, k);
		return vml_sb_finish(&sb, ret);
	}
	if (ptdump) {
		ptdump_text(&sb, k, wx);
		return vml_sb_finish(&sb, ret);
	}
	bases_text(&sb, k);
	char *picture = NULL;
	struct vml_error *err = vml_render_layout(
		vml_kernel_layout(k),
		format == VML_FORMAT_TABLE ? VML_FORMAT_TABLE : VML_FORMAT_PICTURE,
		flags & VML_RENDER_COLOR, &picture);
	if (err == &vml_enomem) {
		vml_sb_release(&sb);
		return err;
	}
	if (err) {
		/* The shared renderer is optional here: our table says the
		 * same, one region per line. */
		vml_error_free(err);
		regions_text(&sb, vml_kernel_layout(k));
	} else {
		vml_sb_puts(&sb, picture);
		vml_free(picture);
	}
	return vml_sb_finish(&sb, ret);
}

/* ------------------------------------------------------------ whereis */

/* How many aliases whereis text lists (JSON lists all it has). */
#define ALIASES_TEXT 16

static void step_bits_text(struct vml_strbuf *sb, const struct vml_paging *p,
			   const struct vml_pt_step *s)
{
	const struct vml_arch *a = p->arch;
	if (a->format_entry) {
		a->format_entry(p, s->level, s->value, sb);
		return;
	}
	for (size_t i = 0; i < a->nentry_bits; i++)
		vml_sb_printf(sb, " %s%s",
			      s->flags & a->entry_bits[i].flag ? "" : "-",
			      a->entry_bits[i].name);
	if (a->pkey_name)
		vml_sb_printf(sb, " %s=%" PRIu32, a->pkey_name, s->pkey);
}

static void where_region_text(struct vml_strbuf *sb,
			      const struct vml_kernel_where *w)
{
	const struct vml_region *r = w->region;
	if (w->half == VML_HALF_USER)
		vml_sb_puts(sb, "  half: user\n");
	else if (w->kind != VML_KIND_UNKNOWN)
		vml_sb_printf(sb, "  slot: %s\n",
			      vml_kind_name((enum vml_kind)w->kind));
	if (r)
		vml_sb_printf(sb, "  region: 0x%" PRIx64 "-0x%" PRIx64 " %s %s%s%s"
			      " (+0x%" PRIx64 ")\n", r->start, r->end, r->perms,
			      vml_kind_name((enum vml_kind)r->kind),
			      r->name ? " - " : "", r->name ? r->name : "",
			      w->addr - r->start);
}

static void aliases_text(struct vml_strbuf *sb, const struct vml_kernel *k,
			 const struct vml_kernel_where *w)
{
	const struct vml_pt_translation *tr = &w->walk;
	size_t shown = 0;
	for (; shown < w->naliases && shown < ALIASES_TEXT; shown++) {
		const struct vml_kernel_hit *h = &w->aliases[shown];
		vml_sb_printf(sb, "  also mapped at 0x%016" PRIx64 " (%s)\n",
			      h->va, kind_label(h->half, h->kind));
	}
	if (w->aliases_total > shown)
		vml_sb_printf(sb, "  ... %" PRIu64 " mappings of this physical"
			      " address in all\n", w->mappings_total);
	if (w->direct_map)
		/* The page: of the smallest size the paging maps. */
		vml_sb_printf(sb, "  direct map alias of physical page 0x%" PRIx64
			      "; the kernel text mapping %s this page\n",
			      tr->phys & ~(vml_pt_span(&k->paging, 1) - 1),
			      w->text_maps_page ? "also maps" : "does not map");
}

static void where_text(struct vml_strbuf *sb, const struct vml_kernel *k,
		       const struct vml_kernel_where *w)
{
	const struct vml_paging *p = &k->paging;
	const struct vml_pt_translation *tr = &w->walk;
	if (w->has_symbol)
		vml_sb_printf(sb, "0x%016" PRIx64 " <%s>\n", w->addr, w->symbol);
	else
		vml_sb_printf(sb, "0x%016" PRIx64 "\n", w->addr);
	if (w->object[0])
		vml_sb_printf(sb, "  %s\n", w->object);
	where_region_text(sb, w);
	for (uint32_t i = 0; i < tr->nsteps && i < VML_PT_MAX_LEVELS; i++) {
		const struct vml_pt_step *s = &tr->steps[i];
		vml_sb_printf(sb, "  %-4s[%3" PRIu32 "] @ 0x%012" PRIx64
			      " = 0x%016" PRIx64 " ", level_name(p, s->level),
			      s->index, s->entry_addr, s->value);
		step_bits_text(sb, p, s);
		vml_sb_puts(sb, "\n");
	}
	if (tr->mapped) {
		char size[24];
		short_size(tr->page_size, size, sizeof(size));
		uint64_t off = tr->page_size ? tr->va & (tr->page_size - 1) : 0;
		vml_sb_printf(sb, "  mapped: %s page at level %" PRIu32 " (%s),"
			      " physical 0x%" PRIx64 " = page 0x%" PRIx64
			      " + 0x%" PRIx64 "\n", size, tr->stop_level,
			      level_name(p, tr->stop_level), tr->phys,
			      tr->phys - off, off);
		if (p->arch->format_effective) {
			vml_sb_puts(sb, "  effective: ");
			p->arch->format_effective(p, tr->flags, sb);
			vml_sb_puts(sb, "\n");
		} else {
			vml_sb_printf(sb, "  effective: %s %s %s%s\n",
				      tr->flags & VML_PT_USER ? "user" :
				      "supervisor",
				      tr->flags & VML_PT_WRITE ? "writable" :
				      "read-only",
				      is_nx(p, tr->flags) ? "no-exec" :
				      "executable",
				      tr->flags & VML_PT_GLOBAL ? " global" : "");
		}
		aliases_text(sb, k, w);
	} else if (tr->status == VML_PT_UNREADABLE) {
		vml_sb_printf(sb, "  table unreadable at level %" PRIu32 " (%s)\n",
			      tr->stop_level, level_name(p, tr->stop_level));
	} else if (tr->status == VML_PT_RESERVED) {
		vml_sb_printf(sb, "  reserved bits set at level %" PRIu32 " (%s):"
			      " the CPU would fault\n", tr->stop_level,
			      level_name(p, tr->stop_level));
	} else {
		vml_sb_printf(sb, "  not present at level %" PRIu32 " (%s)\n",
			      tr->stop_level, level_name(p, tr->stop_level));
	}
}

static void where_json(struct vml_strbuf *sb, const struct vml_kernel *k,
		       const struct vml_kernel_where *w)
{
	const struct vml_paging *p = &k->paging;
	const struct vml_arch *a = p->arch;
	const struct vml_pt_translation *tr = &w->walk;
	vml_sb_printf(sb, "{\"addr\": %" PRIu64 ", \"mapped\": %s, \"status\":"
		      " \"%s\", \"stop_level\": %" PRIu32, w->addr,
		      tr->mapped ? "true" : "false",
		      tr->mapped ? "mapped" : tr->status == VML_PT_MAPPED ?
		      "not-present" : status_name(tr->status), tr->stop_level);
	if (tr->mapped)
		vml_sb_printf(sb, ", \"phys\": %" PRIu64 ", \"page_size\": %" PRIu64,
			      tr->phys, tr->page_size);
	vml_sb_puts(sb, ", \"symbol\": ");
	vml_sb_json_string(sb, w->has_symbol ? w->symbol : NULL);
	static const char *const from[] = { "caller", "kallsyms", "module" };
	vml_sb_puts(sb, ", \"symbol_from\": ");
	vml_sb_json_string(sb, !w->has_symbol ? NULL :
			   w->symbol_from < VML_ARRAY_SIZE(from) ?
			   from[w->symbol_from] : "?");
	vml_sb_puts(sb, ", \"object\": ");
	vml_sb_json_string(sb, w->object[0] ? w->object : NULL);
	vml_sb_puts(sb, ", \"kind\": ");
	vml_sb_json_string(sb, kind_label(w->half, w->kind));
	vml_sb_puts(sb, ", \"region\": ");
	if (w->region)
		vml_json_region(sb, w->region);
	else
		vml_sb_puts(sb, "null");
	vml_sb_puts(sb, ", \"levels\": [");
	for (uint32_t i = 0; i < tr->nsteps && i < VML_PT_MAX_LEVELS; i++) {
		const struct vml_pt_step *s = &tr->steps[i];
		vml_sb_printf(sb, "%s\n  {\"level\": %" PRIu32 ", \"name\": \"%s\""
			      ", \"index\": %" PRIu32 ", \"table\": %" PRIu64
			      ", \"entry_addr\": %" PRIu64 ", \"value\": %" PRIu64
			      ", \"bits\": {", i ? "," : "", s->level,
			      level_name(p, s->level), s->index, s->table,
			      s->entry_addr, s->value);
		for (size_t b = 0; b < a->nentry_bits; b++)
			vml_sb_printf(sb, "%s\"%s\": %s", b ? ", " : "",
				      a->entry_bits[b].name,
				      s->flags & a->entry_bits[b].flag ?
				      "true" : "false");
		if (a->pkey_name)
			vml_sb_printf(sb, "%s\"%s\": %" PRIu32,
				      a->nentry_bits ? ", " : "", a->pkey_name,
				      s->pkey);
		vml_sb_puts(sb, "}");
		if (a->format_entry) {
			/* The architecture's own words for the entry. */
			struct vml_strbuf d = { 0 };
			char *text = NULL;
			a->format_entry(p, s->level, s->value, &d);
			if (vml_sb_finish(&d, &text) == NULL) {
				vml_sb_puts(sb, ", \"decoded\": ");
				vml_sb_json_string(sb, text[0] == ' ' ? text + 1 :
						   text);
				vml_free(text);
			}
		}
		vml_sb_puts(sb, "}");
	}
	vml_sb_puts(sb, "]");
	if (tr->mapped) {
		vml_sb_printf(sb, ", \"aliases_total\": %" PRIu64
			      ", \"aliases\": [", w->aliases_total);
		for (uint32_t i = 0; i < w->naliases &&
		     i < VML_KERNEL_WHERE_ALIASES; i++) {
			const struct vml_kernel_hit *h = &w->aliases[i];
			vml_sb_printf(sb, "%s{\"va\": %" PRIu64 ", \"kind\": ",
				      i ? ", " : "", h->va);
			vml_sb_json_string(sb, kind_label(h->half, h->kind));
			vml_sb_puts(sb, "}");
		}
		vml_sb_puts(sb, "]");
	}
	vml_sb_puts(sb, "}\n");
}

struct vml_error *vml_render_kernel_where(const struct vml_kernel *k,
					  const struct vml_kernel_where *where,
					  size_t where_size,
					  enum vml_format format,
					  uint32_t flags, char **ret)
{
	(void)flags;
	if (!k || !where || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"render: NULL kernel, answer or result");
	struct vml_error *err = vml_check_size("render kernel where",
					       where_size,
					       VML_KERNEL_WHERE_SIZE_V2);
	if (err)
		return err;
	/* The caller's answer as this library's struct (big: on the heap). */
	struct vml_kernel_where *w = malloc(sizeof(*w));
	if (!w)
		return &vml_enomem;
	vml_copy_in(w, sizeof(*w), where, where_size);
	struct vml_strbuf sb = { 0 };
	if (format == VML_FORMAT_JSON)
		where_json(&sb, k, w);
	else
		where_text(&sb, k, w);
	free(w);
	return vml_sb_finish(&sb, ret);
}

/* ------------------------------------------------------------ --phys */

static void phys_hit_text(struct vml_strbuf *sb, const struct vml_paging *p,
			  const struct vml_kernel_hit *h)
{
	char size[24];
	short_size(h->page_size, size, sizeof(size));
	vml_sb_printf(sb, "  0x%016" PRIx64 "  %-14s %s page, %s%s%s\n", h->va,
		      kind_label(h->half, h->kind), size,
		      h->flags & VML_PT_WRITE ? "RW" : "ro",
		      h->flags & VML_PT_USER ? " USR" : "",
		      is_nx(p, h->flags) ? " NX" : "");
}

static void phys_hit_json(struct vml_strbuf *sb, const struct vml_paging *p,
			  const struct vml_kernel_hit *h)
{
	vml_sb_printf(sb, "{\"va\": %" PRIu64 ", \"page_size\": %" PRIu64
		      ", \"level\": %" PRIu32 ", \"write\": %s, \"user\": %s"
		      ", \"nx\": %s, \"kind\": ", h->va, h->page_size, h->level,
		      h->flags & VML_PT_WRITE ? "true" : "false",
		      h->flags & VML_PT_USER ? "true" : "false",
		      is_nx(p, h->flags) ? "true" : "false");
	vml_sb_json_string(sb, kind_label(h->half, h->kind));
	vml_sb_puts(sb, "}");
}

struct vml_error *vml_render_phys_hits(const struct vml_kernel *k,
				       uint64_t pa,
				       const struct vml_kernel_hit *hits,
				       size_t n, size_t hit_size,
				       uint64_t total, enum vml_format format,
				       uint32_t flags, char **ret)
{
	(void)flags;
	if (!k || !ret || (n && !hits))
		return vml_error_create(VML_ERROR_INVALID,
					"render: NULL kernel, hits or result");
	size_t bytes;
	if (n && vml_mul_overflows(n, hit_size, &bytes))
		return vml_error_create(VML_ERROR_INVALID,
					"render: %zu hits of %zu bytes overflow",
					n, hit_size);
	struct vml_error *err = n ? vml_check_size("render hits", hit_size,
						   VML_KERNEL_HIT_SIZE_V2) :
				    NULL;
	if (err)
		return err;
	const struct vml_paging *p = &k->paging;
	struct vml_strbuf sb = { 0 };
	/* Hit i of the caller's array (hit_size bytes apart) as this
	 * library's struct. */
	struct vml_kernel_hit h;
#define HIT(i) (vml_copy_in(&h, sizeof(h), (const char *)hits + \
			    (i) * hit_size, hit_size), &h)
	if (format == VML_FORMAT_JSON) {
		vml_sb_printf(&sb, "{\"phys\": %" PRIu64 ", \"total\": %" PRIu64
			      ", \"mappings\": [", pa, total);
		for (size_t i = 0; i < n; i++) {
			if (i)
				vml_sb_puts(&sb, ", ");
			phys_hit_json(&sb, p, HIT(i));
		}
		vml_sb_puts(&sb, "]}\n");
	} else {
		vml_sb_printf(&sb, "physical 0x%" PRIx64 " is mapped at %" PRIu64
			      " virtual address%s%s\n", pa, total,
			      total == 1 ? "" : "es", total ? ":" : "");
		for (size_t i = 0; i < n; i++)
			phys_hit_text(&sb, p, HIT(i));
		if (total > n)
			vml_sb_printf(&sb, "  ... and %" PRIu64 " more\n",
				      total - n);
	}
#undef HIT
	return vml_sb_finish(&sb, ret);
}

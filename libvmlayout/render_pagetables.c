/*
 * render_pagetables.c — text and JSON for page-table targets: the kernel
 * layout with its bases, the ptdump-style range table (and its W+X filter),
 * whereis with the walk level by level, and whereis --phys.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ output */

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

static const char *level_name(uint32_t level)
{
	static const char *const names[] = { "?", "PT", "PD", "PDPT", "PML4",
					     "PML5" };
	return level < VML_ARRAY_SIZE(names) ? names[level] : "?";
}

/* ptdump calls the levels by the kernel's table names. */
static const char *ptdump_level(uint32_t level)
{
	static const char *const names[] = { "?", "pte", "pmd", "pud", "p4d",
					     "pgd" };
	return level < VML_ARRAY_SIZE(names) ? names[level] : "?";
}

static bool is_wx(const struct vml_pt_config *c, const struct vml_pt_range *r)
{
	return r->status == VML_PT_MAPPED && (r->flags & VML_PT_WRITE) &&
	       !(c->nxe && (r->flags & VML_PT_NX));
}

static const char *kbase_name(int i)
{
	static const char *const names[] = { "page_offset_base", "vmalloc_base",
					     "vmemmap_base", "_text",
					     "MODULES_VADDR" };
	return i >= 0 && i < (int)VML_ARRAY_SIZE(names) ? names[i] : "?";
}

static const char *kbase_how(uint32_t how)
{
	static const char *const names[] = { "unknown", "given", "inferred",
					     "documented" };
	return how < VML_ARRAY_SIZE(names) ? names[how] : "?";
}

static uint64_t user_end(const struct vml_pt_config *c)
{
	return c->levels == 5 ? UINT64_C(1) << 56 : UINT64_C(1) << 47;
}

/* ------------------------------------------------------------ ptdump */

static void ptdump_header(struct vml_strbuf *sb, const struct vml_kernel *k)
{
	const struct vml_pt_config *c = vml_kernel_config(k);
	struct vml_pt_walk_stats st;
	vml_kernel_walk_stats(k, &st);
	vml_sb_printf(sb, "CR3 0x%" PRIx64 ", %" PRIu32 "-level paging, NX %s; "
		  "%zu ranges, %" PRIu64 " table pages read\n",
		  c->cr3 & ~UINT64_C(0xfff), c->levels,
		  c->nxe ? "enabled" : "disabled (EFER.NXE clear)",
		  vml_kernel_range_count(k), st.table_pages);
}

static void ptdump_row(struct vml_strbuf *sb, const struct vml_pt_config *c,
		       const struct vml_pt_range *r)
{
	char size[24];
	short_size(range_size(r), size, sizeof(size));
	vml_sb_printf(sb, "0x%016" PRIx64 "-0x%016" PRIx64 " %7s ", r->start,
		  r->last + (r->last != UINT64_MAX), size);
	if (r->status != VML_PT_MAPPED) {
		vml_sb_printf(sb, "%-30s %s, %s entry, table 0x%" PRIx64 "\n",
			  r->status == VML_PT_ALIAS ? "(table seen before)" :
			  r->status == VML_PT_UNREADABLE ? "(table unreadable)" :
			  "(reserved bits set)", status_name(r->status),
			  ptdump_level(r->level), r->phys);
		return;
	}
	uint32_t f = r->flags;
	bool nx = c->nxe && (f & VML_PT_NX);
	vml_sb_printf(sb, "%s %s %s %s %s %s %s %s %s",
		  f & VML_PT_USER ? "USR" : "   ",
		  f & VML_PT_WRITE ? "RW" : "ro",
		  f & VML_PT_PWT ? "PWT" : "   ",
		  f & VML_PT_PCD ? "PCD" : "   ",
		  f & VML_PT_PAT ? "PAT" : "   ",
		  r->level > 1 ? "PSE" : "   ",
		  f & VML_PT_GLOBAL ? "GLB" : "   ",
		  nx ? "NX" : "x ", ptdump_level(r->level));
	if (r->pkey)
		vml_sb_printf(sb, " pkey=%" PRIu32, r->pkey);
	vml_sb_printf(sb, "  phys 0x%" PRIx64 "%s\n", r->phys,
		  is_wx(c, r) ? "  W+X" : "");
}

static void ptdump_text(struct vml_strbuf *sb, const struct vml_kernel *k,
			bool wx_only)
{
	const struct vml_pt_config *c = vml_kernel_config(k);
	size_t n = vml_kernel_range_count(k), shown = 0;
	ptdump_header(sb, k);
	int last_marker = -2;
	for (size_t i = 0; i < n; i++) {
		const struct vml_pt_range *r = vml_kernel_range(k, i);
		if (wx_only && !is_wx(c, r))
			continue;
		/* A marker line whenever the documented region changes. */
		int marker = r->start < user_end(c) ? -1 :
			     (int)vml_kernel_range_kind(k, i);
		if (marker != last_marker) {
			vml_sb_printf(sb, "---[ %s ]---\n", marker < 0 ? "user space" :
				  vml_kind_name((enum vml_kind)marker));
			last_marker = marker;
		}
		ptdump_row(sb, c, r);
		shown++;
	}
	if (wx_only)
		vml_sb_printf(sb, "%zu W+X range%s\n", shown, shown == 1 ? "" : "s");
}

static void json_range(struct vml_strbuf *sb, const struct vml_kernel *k,
		       size_t i)
{
	const struct vml_pt_config *c = vml_kernel_config(k);
	const struct vml_pt_range *r = vml_kernel_range(k, i);
	uint32_t f = r->flags;
	vml_sb_printf(sb, "{\"start\": %" PRIu64 ", \"end\": ", r->start);
	if (r->last == UINT64_MAX)
		vml_sb_printf(sb, "18446744073709551616");
	else
		vml_sb_printf(sb, "%" PRIu64, r->last + 1);
	vml_sb_printf(sb, ", \"phys\": %" PRIu64 ", \"page_size\": %" PRIu64
		  ", \"user\": %s, \"write\": %s, \"nx\": %s, \"global\": %s"
		  ", \"pat\": %s, \"pcd\": %s, \"pwt\": %s, \"pkey\": %" PRIu32
		  ", \"level\": %" PRIu32 ", \"status\": \"%s\", \"kind\": ",
		  r->phys, r->page_size,
		  f & VML_PT_USER ? "true" : "false",
		  f & VML_PT_WRITE ? "true" : "false",
		  c->nxe && (f & VML_PT_NX) ? "true" : "false",
		  f & VML_PT_GLOBAL ? "true" : "false",
		  f & VML_PT_PAT ? "true" : "false",
		  f & VML_PT_PCD ? "true" : "false",
		  f & VML_PT_PWT ? "true" : "false",
		  r->pkey, r->level, status_name(r->status));
	vml_sb_json_string(sb, r->start < user_end(c) ? "user" :
		    vml_kind_name((enum vml_kind)vml_kernel_range_kind(k, i)));
	vml_sb_printf(sb, "}");
}

static void ptdump_json(struct vml_strbuf *sb, const struct vml_kernel *k,
			bool wx_only)
{
	const struct vml_pt_config *c = vml_kernel_config(k);
	size_t n = vml_kernel_range_count(k);
	bool first = true;
	vml_sb_printf(sb, "{\"ranges\": [");
	for (size_t i = 0; i < n; i++) {
		if (wx_only && !is_wx(c, vml_kernel_range(k, i)))
			continue;
		vml_sb_printf(sb, first ? "\n  " : ",\n  ");
		json_range(sb, k, i);
		first = false;
	}
	vml_sb_printf(sb, "\n]}\n");
}

/* ------------------------------------------------------------ layout */

static void bases_text(struct vml_strbuf *sb, const struct vml_kernel *k)
{
	const struct vml_pt_config *c = vml_kernel_config(k);
	vml_sb_printf(sb, "page tables at CR3 0x%" PRIx64 ": %" PRIu32
		  "-level paging (%s-bit), NX %s\n",
		  c->cr3 & ~UINT64_C(0xfff), c->levels,
		  c->levels == 5 ? "57" : "48", c->nxe ? "on" : "off");
	for (int i = 0; i < VML_KBASE_COUNT; i++) {
		uint32_t how;
		uint64_t v = vml_kernel_base(k, (enum vml_kbase)i, &how);
		if (how)
			vml_sb_printf(sb, "  %-17s 0x%016" PRIx64 "  (%s)\n",
				  kbase_name(i), v, kbase_how(how));
		else
			vml_sb_printf(sb, "  %-17s unknown (nothing mapped there)\n",
				  kbase_name(i));
	}
}

/* Our own table, used when the shared renderer cannot draw the layout. */
static void regions_text(struct vml_strbuf *sb, const struct vml_layout *l)
{
	size_t n = vml_layout_count(l);
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = vml_layout_region(l, i);
		char size[24];
		short_size(r->end - r->start, size, sizeof(size));
		vml_sb_printf(sb, "0x%016" PRIx64 "-0x%016" PRIx64 " %7s %s %-14s %s\n",
			  r->start, r->end, size, r->perms,
			  vml_kind_name((enum vml_kind)r->kind),
			  r->name ? r->name : "");
	}
}

static void layout_json(struct vml_strbuf *sb, const struct vml_kernel *k)
{
	const struct vml_pt_config *c = vml_kernel_config(k);
	const struct vml_layout *l = vml_kernel_layout(k);
	vml_sb_printf(sb, "{\"levels\": %" PRIu32 ", \"cr3\": %" PRIu64
		  ", \"nxe\": %s, \"bases\": {", c->levels,
		  c->cr3 & ~UINT64_C(0xfff), c->nxe ? "true" : "false");
	for (int i = 0; i < VML_KBASE_COUNT; i++) {
		uint32_t how;
		uint64_t v = vml_kernel_base(k, (enum vml_kbase)i, &how);
		vml_sb_printf(sb, "%s\"%s\": ", i ? ", " : "", kbase_name(i));
		if (how)
			vml_sb_printf(sb, "{\"value\": %" PRIu64 ", \"how\": \"%s\"}",
				  v, kbase_how(how));
		else
			vml_sb_printf(sb, "null");
	}
	vml_sb_printf(sb, "}, \"incomplete\": %s, \"regions\": [",
		  vml_layout_flags(l) & VML_LAYOUT_INCOMPLETE ? "true" : "false");
	size_t n = vml_layout_count(l);
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = vml_layout_region(l, i);
		vml_sb_printf(sb, "%s\n  {\"start\": %" PRIu64 ", \"end\": %" PRIu64
			  ", \"perms\": ", i ? "," : "", r->start, r->end);
		vml_sb_json_string(sb, r->perms);
		vml_sb_printf(sb, ", \"kind\": ");
		vml_sb_json_string(sb, vml_kind_name((enum vml_kind)r->kind));
		vml_sb_printf(sb, ", \"group\": ");
		vml_sb_json_string(sb, vml_group_name((enum vml_group)r->group));
		vml_sb_printf(sb, ", \"name\": ");
		if (r->name)
			vml_sb_json_string(sb, r->name);
		else
			vml_sb_printf(sb, "null");
		vml_sb_printf(sb, ", \"inferred\": %s}",
			  r->flags & VML_REGION_GUESSED ? "true" : "false");
	}
	vml_sb_printf(sb, "\n]}\n");
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
		vml_sb_printf(&sb, "%s", picture);
		vml_free(picture);
	}
	return vml_sb_finish(&sb, ret);
}

/* ------------------------------------------------------------ whereis */

struct vml_bit {
	uint32_t flag;
	const char *name;
};

static const struct vml_bit entry_bits[] = {
	{ VML_PT_PRESENT, "P" }, { VML_PT_WRITE, "RW" }, { VML_PT_USER, "US" },
	{ VML_PT_PWT, "PWT" }, { VML_PT_PCD, "PCD" }, { VML_PT_ACCESSED, "A" },
	{ VML_PT_DIRTY, "D" }, { VML_PT_PS, "PS" }, { VML_PT_GLOBAL, "G" },
	{ VML_PT_PAT, "PAT" }, { VML_PT_NX, "NX" },
};

static void step_bits_text(struct vml_strbuf *sb, const struct vml_pt_step *s)
{
	for (size_t i = 0; i < VML_ARRAY_SIZE(entry_bits); i++)
		vml_sb_printf(sb, " %s%s", s->flags & entry_bits[i].flag ? "" : "-",
			  entry_bits[i].name);
	vml_sb_printf(sb, " PKEY=%" PRIu32, s->pkey);
}

static void where_region_text(struct vml_strbuf *sb, const struct vml_kernel *k,
			      uint64_t va)
{
	const struct vml_layout *l = vml_kernel_layout(k);
	const struct vml_region *r = vml_layout_find(l, va);
	const struct vml_pt_config *c = vml_kernel_config(k);
	uint32_t kind = vml_kernel_kind_at(k, va);
	if (va < user_end(c))
		vml_sb_printf(sb, "  half: user\n");
	else if (kind != VML_KIND_UNKNOWN)
		vml_sb_printf(sb, "  slot: %s\n", vml_kind_name((enum vml_kind)kind));
	if (r)
		vml_sb_printf(sb, "  region: 0x%" PRIx64 "-0x%" PRIx64 " %s %s%s%s"
			  " (+0x%" PRIx64 ")\n", r->start, r->end, r->perms,
			  vml_kind_name((enum vml_kind)r->kind),
			  r->name ? " - " : "", r->name ? r->name : "",
			  va - r->start);
}

/* Virtual addresses of a physical one, first max of them. */
struct phys_hits {
	struct vml_pt_phys_hit *hits;
	size_t n;
	uint64_t total;
};

/* Without a source (a kernel made from ranges) only what the walk saw. */
static struct vml_error *phys_from_ranges(const struct vml_kernel *k,
					  uint64_t pa, size_t max,
					  struct phys_hits *ph)
{
	for (size_t i = 0; i < vml_kernel_range_count(k); i++) {
		const struct vml_pt_range *r = vml_kernel_range(k, i);
		if (r->status != VML_PT_MAPPED || pa < r->phys ||
		    pa - r->phys > r->last - r->start)
			continue;
		if (ph->n < max)
			ph->hits[ph->n++] = (struct vml_pt_phys_hit){
				.va = r->start + (pa - r->phys),
				.page_size = r->page_size,
				.level = r->level,
				.flags = r->flags,
				.pkey = r->pkey,
			};
		ph->total++;
	}
	return NULL;
}

/* Walks the tables again through the kernel's source (every page of them
 * is in its cache after the walk), following shared and recursive tables
 * the walk reported as aliases. Free ph->hits after. */
static struct vml_error *phys_search(const struct vml_kernel *k, uint64_t pa,
				     size_t max, struct phys_hits *ph)
{
	*ph = (struct phys_hits){ 0 };
	ph->hits = calloc(max ? max : 1, sizeof(*ph->hits));
	if (!ph->hits)
		return &vml_enomem;
	struct vml_source *src = vml_kernel_source(k);
	struct vml_error *err = src ?
		vml_pt_find_phys(src, vml_kernel_config(k), pa, max, ph->hits,
				 &ph->n, &ph->total) :
		phys_from_ranges(k, pa, max, ph);
	if (err) {
		free(ph->hits);
		ph->hits = NULL;
	}
	return err;
}

static const char *va_kind(const struct vml_kernel *k, uint64_t va)
{
	return va < user_end(vml_kernel_config(k)) ? "user" :
	       vml_kind_name((enum vml_kind)vml_kernel_kind_at(k, va));
}

/* How many aliases whereis lists (text, JSON); --phys lists more. */
#define ALIASES_TEXT 16
#define ALIASES_JSON 64
#define PHYS_TEXT 64
#define PHYS_JSON 1024

static void aliases_text(struct vml_strbuf *sb, const struct vml_kernel *k,
			 const struct vml_pt_translation *tr,
			 const struct phys_hits *ph)
{
	bool text_maps = false;
	for (size_t i = 0; i < ph->n; i++) {
		uint64_t va = ph->hits[i].va;
		if (vml_kernel_kind_at(k, va) == VML_KIND_KERNEL_TEXT)
			text_maps = true;
		if (va == tr->va)
			continue;
		vml_sb_printf(sb, "  also mapped at 0x%016" PRIx64 " (%s)\n", va,
			  va_kind(k, va));
	}
	if (ph->total > ph->n)
		vml_sb_printf(sb, "  ... %" PRIu64 " mappings of this physical address"
			  " in all\n", ph->total);
	if (vml_kernel_kind_at(k, tr->va) == VML_KIND_DIRECT_MAP)
		vml_sb_printf(sb, "  direct map alias of physical page 0x%" PRIx64
			  "; the kernel text mapping %s this page\n",
			  tr->phys & ~UINT64_C(0xfff),
			  text_maps ? "also maps" : "does not map");
}

static void where_text(struct vml_strbuf *sb, const struct vml_kernel *k,
		       const struct vml_pt_translation *tr, const char *symbol,
		       const struct phys_hits *ph)
{
	if (symbol)
		vml_sb_printf(sb, "0x%016" PRIx64 " <%s>\n", tr->va, symbol);
	else
		vml_sb_printf(sb, "0x%016" PRIx64 "\n", tr->va);
	if (k)
		where_region_text(sb, k, tr->va);
	for (uint32_t i = 0; i < tr->nsteps && i < 5; i++) {
		const struct vml_pt_step *s = &tr->steps[i];
		vml_sb_printf(sb, "  %-4s[%3" PRIu32 "] @ 0x%012" PRIx64
			  " = 0x%016" PRIx64 " ", level_name(s->level), s->index,
			  s->entry_addr, s->value);
		step_bits_text(sb, s);
		vml_sb_printf(sb, "\n");
	}
	if (tr->mapped) {
		char size[24];
		short_size(tr->page_size, size, sizeof(size));
		uint64_t off = tr->page_size ? tr->va & (tr->page_size - 1) : 0;
		vml_sb_printf(sb, "  mapped: %s page at level %" PRIu32 " (%s), physical "
			  "0x%" PRIx64 " = page 0x%" PRIx64 " + 0x%" PRIx64 "\n",
			  size, tr->stop_level, level_name(tr->stop_level),
			  tr->phys, tr->phys - off, off);
		vml_sb_printf(sb, "  effective: %s %s %s%s\n",
			  tr->flags & VML_PT_USER ? "user" : "supervisor",
			  tr->flags & VML_PT_WRITE ? "writable" : "read-only",
			  tr->flags & VML_PT_NX ? "no-exec" : "executable",
			  tr->flags & VML_PT_GLOBAL ? " global" : "");
		if (k && ph)
			aliases_text(sb, k, tr, ph);
	} else if (tr->status == VML_PT_UNREADABLE) {
		vml_sb_printf(sb, "  table unreadable at level %" PRIu32 " (%s)\n",
			  tr->stop_level, level_name(tr->stop_level));
	} else if (tr->status == VML_PT_RESERVED) {
		vml_sb_printf(sb, "  reserved bits set at level %" PRIu32 " (%s): "
			  "the CPU would fault\n", tr->stop_level,
			  level_name(tr->stop_level));
	} else {
		vml_sb_printf(sb, "  not present at level %" PRIu32 " (%s)\n",
			  tr->stop_level, level_name(tr->stop_level));
	}
}

static void where_json(struct vml_strbuf *sb, const struct vml_kernel *k,
		       const struct vml_pt_translation *tr, const char *symbol,
		       const struct phys_hits *ph)
{
	vml_sb_printf(sb, "{\"addr\": %" PRIu64 ", \"mapped\": %s, \"status\": \"%s\""
		  ", \"stop_level\": %" PRIu32, tr->va,
		  tr->mapped ? "true" : "false",
		  tr->mapped ? "mapped" : tr->status == VML_PT_MAPPED ?
		  "not-present" : status_name(tr->status), tr->stop_level);
	if (tr->mapped)
		vml_sb_printf(sb, ", \"phys\": %" PRIu64 ", \"page_size\": %" PRIu64,
			  tr->phys, tr->page_size);
	vml_sb_printf(sb, ", \"symbol\": ");
	if (symbol)
		vml_sb_json_string(sb, symbol);
	else
		vml_sb_printf(sb, "null");
	if (k) {
		const struct vml_region *r = vml_layout_find(vml_kernel_layout(k),
							     tr->va);
		vml_sb_printf(sb, ", \"kind\": ");
		vml_sb_json_string(sb, vml_kind_name((enum vml_kind)
					      vml_kernel_kind_at(k, tr->va)));
		vml_sb_printf(sb, ", \"region\": ");
		if (r) {
			vml_sb_printf(sb, "{\"start\": %" PRIu64 ", \"end\": %" PRIu64
				  ", \"name\": ", r->start, r->end);
			if (r->name)
				vml_sb_json_string(sb, r->name);
			else
				vml_sb_printf(sb, "null");
			vml_sb_printf(sb, "}");
		} else {
			vml_sb_printf(sb, "null");
		}
	}
	vml_sb_printf(sb, ", \"levels\": [");
	for (uint32_t i = 0; i < tr->nsteps && i < 5; i++) {
		const struct vml_pt_step *s = &tr->steps[i];
		vml_sb_printf(sb, "%s\n  {\"level\": %" PRIu32 ", \"name\": \"%s\""
			  ", \"index\": %" PRIu32 ", \"table\": %" PRIu64
			  ", \"entry_addr\": %" PRIu64 ", \"value\": %" PRIu64
			  ", \"bits\": {", i ? "," : "", s->level,
			  level_name(s->level), s->index, s->table,
			  s->entry_addr, s->value);
		for (size_t b = 0; b < VML_ARRAY_SIZE(entry_bits); b++)
			vml_sb_printf(sb, "\"%s\": %s, ", entry_bits[b].name,
				  s->flags & entry_bits[b].flag ? "true" : "false");
		vml_sb_printf(sb, "\"PKEY\": %" PRIu32 "}}", s->pkey);
	}
	vml_sb_printf(sb, "]");
	if (k && ph) {
		vml_sb_printf(sb, ", \"aliases_total\": %" PRIu64 ", \"aliases\": [",
			  ph->total);
		for (size_t i = 0; i < ph->n; i++) {
			vml_sb_printf(sb, "%s{\"va\": %" PRIu64 ", \"kind\": ",
				  i ? ", " : "", ph->hits[i].va);
			vml_sb_json_string(sb, va_kind(k, ph->hits[i].va));
			vml_sb_printf(sb, "}");
		}
		vml_sb_printf(sb, "]");
	}
	vml_sb_printf(sb, "}\n");
}

struct vml_error *vml_render_translation(const struct vml_kernel *k,
					 const struct vml_pt_translation *tr,
					 const char *symbol,
					 enum vml_format format, uint32_t flags,
					 char **ret)
{
	(void)flags;
	if (!tr || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"render: NULL translation or result");
	bool json = format == VML_FORMAT_JSON;
	struct phys_hits ph = { 0 };
	if (k && tr->mapped) {
		struct vml_error *err = phys_search(k, tr->phys,
						    json ? ALIASES_JSON :
						    ALIASES_TEXT, &ph);
		if (err)
			return err;
	}
	struct vml_strbuf sb = { 0 };
	if (json)
		where_json(&sb, k, tr, symbol, ph.hits ? &ph : NULL);
	else
		where_text(&sb, k, tr, symbol, ph.hits ? &ph : NULL);
	free(ph.hits);
	return vml_sb_finish(&sb, ret);
}

static void phys_hit_text(struct vml_strbuf *sb, const struct vml_kernel *k,
			  const struct vml_pt_phys_hit *h)
{
	char size[24];
	short_size(h->page_size, size, sizeof(size));
	vml_sb_printf(sb, "  0x%016" PRIx64 "  %-14s %s page, %s%s%s\n", h->va,
		  va_kind(k, h->va), size, h->flags & VML_PT_WRITE ? "RW" : "ro",
		  h->flags & VML_PT_USER ? " USR" : "",
		  vml_kernel_config(k)->nxe && (h->flags & VML_PT_NX) ? " NX" : "");
}

static void phys_hit_json(struct vml_strbuf *sb, const struct vml_kernel *k,
			  const struct vml_pt_phys_hit *h)
{
	vml_sb_printf(sb, "{\"va\": %" PRIu64 ", \"page_size\": %" PRIu64
		  ", \"level\": %" PRIu32 ", \"write\": %s, \"user\": %s"
		  ", \"nx\": %s, \"kind\": ", h->va, h->page_size, h->level,
		  h->flags & VML_PT_WRITE ? "true" : "false",
		  h->flags & VML_PT_USER ? "true" : "false",
		  vml_kernel_config(k)->nxe && (h->flags & VML_PT_NX) ?
		  "true" : "false");
	vml_sb_json_string(sb, va_kind(k, h->va));
	vml_sb_printf(sb, "}");
}

struct vml_error *vml_render_phys(const struct vml_kernel *k, uint64_t pa,
				  enum vml_format format, uint32_t flags,
				  char **ret)
{
	(void)flags;
	if (!k || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"render: NULL kernel or result");
	bool json = format == VML_FORMAT_JSON;
	struct phys_hits ph;
	struct vml_error *err = phys_search(k, pa, json ? PHYS_JSON : PHYS_TEXT,
					    &ph);
	if (err)
		return err;
	struct vml_strbuf sb = { 0 };
	if (json) {
		vml_sb_printf(&sb, "{\"phys\": %" PRIu64 ", \"total\": %" PRIu64
			  ", \"mappings\": [", pa, ph.total);
		for (size_t i = 0; i < ph.n; i++) {
			if (i)
				vml_sb_printf(&sb, ", ");
			phys_hit_json(&sb, k, &ph.hits[i]);
		}
		vml_sb_printf(&sb, "]}\n");
	} else {
		vml_sb_printf(&sb, "physical 0x%" PRIx64 " is mapped at %" PRIu64
			  " virtual address%s%s\n", pa, ph.total,
			  ph.total == 1 ? "" : "es", ph.total ? ":" : "");
		for (size_t i = 0; i < ph.n; i++)
			phys_hit_text(&sb, k, &ph.hits[i]);
		if (ph.total > ph.n)
			vml_sb_printf(&sb, "  ... and %" PRIu64 " more\n",
				  ph.total - ph.n);
	}
	free(ph.hits);
	return vml_sb_finish(&sb, ret);
}

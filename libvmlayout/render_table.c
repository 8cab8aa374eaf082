/*
 * render_table.c — a layout as a table (one row per region, as maps plus
 * the kind) and as JSON, and vml_render_layout, which picks the format.
 *
 * Only the public accessors and struct fields are used: the renderer must
 * draw any layout, classified or not, from maps, a core or page tables.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ table */

/* What the NAME column cannot say about stacks: a mapping holding the
 * $sp of several threads, a guard holding one (a stack overflow). */
static void table_threads(struct vml_strbuf *sb, const struct vml_region *r)
{
	bool stack = r->kind == VML_KIND_STACK || r->kind == VML_KIND_THREAD_STACK;
	if (!(stack && r->nthreads > 1) &&
	    !(r->kind == VML_KIND_GUARD && r->nthreads > 0))
		return;
	vml_sb_puts(sb, " (");
	if (stack) {
		vml_sb_puts(sb, "stacks of ");
		vml_sb_thread_list(sb, r);
	} else {
		vml_sb_puts(sb, "$sp of ");
		vml_sb_thread_list(sb, r);
		vml_sb_puts(sb, ": stack overflow");
	}
	vml_sb_putc(sb, ')');
}

static struct vml_error *render_table(const struct vml_layout *layout,
				      uint32_t flags, char **ret)
{
	struct vml_strbuf sb = { 0 };
	bool color = flags & VML_RENDER_COLOR;
	/* Addresses as wide as the space's (8 digits for a 32-bit one). */
	struct vml_layout_space space;
	vml_layout_space(layout, &space);
	int w = (int)space.addr_digits + 2;
	vml_sb_printf(&sb, "%-*s %-*s SIZE      PERMS OFFSET   KIND          NAME\n",
		      w, "START", w, "END");
	size_t count = vml_layout_count(layout);
	for (size_t i = 0; i < count && !sb.failed; i++) {
		const struct vml_region *r = vml_layout_region(layout, i);
		if (!r)
			break;
		char size[32];
		vml_format_size(vml_region_size(r), size, sizeof(size));
		char perms[8];
		vml_format_perms(r, perms, sizeof(perms));
		/* A region ending at 2^64 shows its end as 2^64, one digit wider. */
		char end[24];
		vml_format_region_end(r, space.addr_digits, end, sizeof(end));
		vml_sb_printf(&sb, "0x%0*" PRIx64 " %s %-9s %-5s %08" PRIx64 " ",
			      (int)space.addr_digits, r->start, end, size, perms,
			      r->offset);
		const char *kind = vml_kind_name(r->kind);
		if (color)
			vml_sb_puts(&sb, vml_group_color(r->group));
		vml_sb_printf(&sb, "%-13s", kind);
		if (color)
			vml_sb_puts(&sb, VML_COLOR_RESET);
		const char *name = vml_region_label(r);
		if (name || (r->flags & VML_REGION_DELETED))
			vml_sb_putc(&sb, ' ');
		if (name)
			vml_sb_put_display(&sb, name, SIZE_MAX);
		if (r->flags & VML_REGION_DELETED)
			vml_sb_puts(&sb, name ? " (deleted)" : "(deleted)");
		table_threads(&sb, r);
		vml_sb_putc(&sb, '\n');
	}
	return vml_sb_finish(&sb, ret);
}

/* ------------------------------------------------------------ JSON */

static struct vml_error *render_json(const struct vml_layout *layout,
				     char **ret)
{
	struct vml_strbuf sb = { 0 };
	vml_sb_puts(&sb, "{\"regions\": [");
	size_t count = vml_layout_count(layout);
	for (size_t i = 0; i < count && !sb.failed; i++) {
		const struct vml_region *r = vml_layout_region(layout, i);
		if (!r)
			break;
		vml_sb_puts(&sb, i ? ",\n  " : "\n  ");
		vml_json_region(&sb, r);
	}
	vml_sb_printf(&sb, "%s], \"incomplete\": %s}\n", count ? "\n" : "",
		  (vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE) ? "true"
								     : "false");
	return vml_sb_finish(&sb, ret);
}

struct vml_error *vml_render_layout(const struct vml_layout *layout,
				    enum vml_format format, uint32_t flags,
				    char **ret)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID, "render: no result pointer");
	*ret = NULL;
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "render: no layout");
	switch (format) {
	case VML_FORMAT_PICTURE:
		return vml_render_picture(layout, flags, ret);
	case VML_FORMAT_TABLE:
		return render_table(layout, flags, ret);
	case VML_FORMAT_JSON:
		return render_json(layout, ret);
	default:
		return vml_error_create(VML_ERROR_INVALID,
					"render: format %d is not a layout format",
					(int)format);
	}
}

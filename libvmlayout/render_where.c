/*
 * render_where.c — a whereis answer (struct vml_where) as text and JSON.
 * A pure formatter: every decision (notes included) was made by where.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ whereis */

/* "libc.so.6 (text)", "[heap] (heap)", "mmap-anon". */
static void sb_region_desc(struct vml_strbuf *sb, const struct vml_region *r)
{
	const char *name = vml_region_label(r);
	const char *kind = vml_kind_name(r->kind);
	if (name) {
		vml_sb_put_display(sb, r->path ? vml_base_name(name) : name, 60);
		vml_sb_printf(sb, " (%s)", kind);
	} else {
		vml_sb_puts(sb, kind);
	}
}

/* "0x7ffff7dd0000-0x7ffff7dd2000": start and exclusive end, as every text
 * output writes a region's span. */
static void sb_region_span(struct vml_strbuf *sb, const struct vml_region *r)
{
	char end[24];
	vml_format_region_end(r, 0, end, sizeof(end));
	vml_sb_printf(sb, "0x%" PRIx64 "-%s", r->start, end);
}

/* A gap's neighbour: "[heap] (heap) (0x1000000-0x1021000)", or what
 * bounds the gap when there is none. */
static void sb_neighbour(struct vml_strbuf *sb, const struct vml_region *r,
			 const char *none)
{
	if (!r) {
		vml_sb_puts(sb, none);
		return;
	}
	sb_region_desc(sb, r);
	vml_sb_puts(sb, " (");
	sb_region_span(sb, r);
	vml_sb_putc(sb, ')');
}

static void where_text_unmapped(struct vml_strbuf *sb, const struct vml_where *w)
{
	const struct vml_gap *g = &w->gap;
	char size[32], below[32], above[32];
	vml_format_span(g->start, g->last, size, sizeof(size));
	vml_sb_printf(sb, "  not mapped: in a gap of %s between ", size);
	/* A gap ends where its part of the space does (where.c) when no
	 * region bounds it: user space below the hole (or a 32-bit process's
	 * kernel part), kernel space above it. */
	sb_neighbour(sb, g->below, !g->below && w->half == VML_HALF_KERNEL &&
				   g->start && g->start == w->kernel_start ?
			 "the start of kernel space" : "address 0");
	vml_sb_puts(sb, " and ");
	sb_neighbour(sb, g->above, !g->above && w->half == VML_HALF_USER &&
				   w->user_end && g->last + 1 == w->user_end ?
			 "the end of user space" : "the top of the address space");
	if (g->below) {
		vml_format_size(w->addr - g->below->end, below, sizeof(below));
		vml_sb_printf(sb, "; %s above the end of the region below", below);
	}
	if (g->above) {
		vml_format_size(g->above->start - w->addr, above, sizeof(above));
		vml_sb_printf(sb, "%s%s below the region above", g->below ? ", " : "; ",
			  above);
	}
	vml_sb_putc(sb, '\n');
}

/* stack_tid is the main thread. An answer from a caller built before
 * stack_role existed has none of the new facts: its main thread's stack
 * is the one of kind "stack". */
static bool thread_is_main(const struct vml_where *w)
{
	if (w->stack_role == VML_STACK_ROLE_NONE && w->region)
		return w->region->kind == VML_KIND_STACK;
	return w->stack_is_main;
}

/* "main thread 4242" / "thread 4243". */
static void sb_thread(struct vml_strbuf *sb, const struct vml_where *w)
{
	vml_sb_printf(sb, "%sthread %" PRId64, thread_is_main(w) ? "main " : "",
		      w->stack_tid);
}

/* ", 0x18 bytes above its $sp (0x7ffc...)" and the red zone or unused
 * note below it. */
static void sb_sp_distance(struct vml_strbuf *sb, const struct vml_where *w)
{
	uint64_t dist = w->above_sp < 0 ? -(uint64_t)w->above_sp
					: (uint64_t)w->above_sp;
	const char *note =
		w->stack_note == VML_STACK_NOTE_RED_ZONE ? ", in the red zone" :
		w->stack_note == VML_STACK_NOTE_UNUSED ? ", unused" : "";
	vml_sb_printf(sb, ", 0x%" PRIx64 " bytes %s its $sp (0x%" PRIx64 ")%s",
		      dist, w->above_sp < 0 ? "below" : "above", w->stack_sp,
		      note);
}

/* "; the mapping also holds the stacks of threads 4788, 4790": the other
 * threads whose $sp is in the same stack mapping. */
static void sb_sharing(struct vml_strbuf *sb, const struct vml_where *w)
{
	uint32_t others = 0;
	for (uint32_t k = 0; w->stack_threads && k < w->nstack_threads; k++)
		others += w->stack_threads[k] != w->stack_tid;
	if (others == 0)
		return;
	vml_sb_printf(sb, "; the mapping also holds the stack%s of thread%s ",
		      others == 1 ? "" : "s", others == 1 ? "" : "s");
	const char *sep = "";
	for (uint32_t k = 0; k < w->nstack_threads; k++) {
		if (w->stack_threads[k] == w->stack_tid)
			continue;
		vml_sb_printf(sb, "%s%" PRId64, sep, w->stack_threads[k]);
		sep = ", ";
	}
}

/* The "stack" line: whose stack, guard or stack gap addr is on. */
static void where_text_stack(struct vml_strbuf *sb, const struct vml_where *w)
{
	switch (w->stack_role) {
	case VML_STACK_ROLE_GUARD:
		vml_sb_puts(sb, "  stack    guard page of ");
		if (w->stack_tid) {
			sb_thread(sb, w);
			vml_sb_puts(sb, "'s stack");
		} else {
			vml_sb_puts(sb, "a stack");
		}
		vml_sb_puts(sb, ": an overflow of that stack faults here\n");
		return;
	case VML_STACK_ROLE_OVERFLOW:
	case VML_STACK_ROLE_GAP_OVERFLOW:
		vml_sb_puts(sb, w->stack_role == VML_STACK_ROLE_OVERFLOW ?
			    "  stack    guard page of " :
			    "  stack    stack guard gap below ");
		sb_thread(sb, w);
		vml_sb_printf(sb, "'s stack: $sp is 0x%" PRIx64 " %s it (stack "
			      "overflow)", w->overflow_depth,
			      w->stack_role == VML_STACK_ROLE_OVERFLOW ?
			      "into" : "below");
		if (w->above_sp != 0)
			sb_sp_distance(sb, w);
		vml_sb_putc(sb, '\n');
		return;
	default:
		break;
	}
	if (!w->stack_tid)
		return;
	vml_sb_puts(sb, "  stack    ");
	sb_thread(sb, w);
	if (w->has_stack_sp)
		sb_sp_distance(sb, w);
	sb_sharing(sb, w);
	vml_sb_putc(sb, '\n');
}

static void where_text_region(struct vml_strbuf *sb, const struct vml_where *w,
			      bool color)
{
	const struct vml_region *r = w->region;
	const char *kind = vml_kind_name(r->kind);
	char perms[8];
	vml_format_perms(r, perms, sizeof(perms));
	vml_sb_puts(sb, "  region   ");
	if (color)
		vml_sb_puts(sb, vml_group_color(r->group));
	vml_sb_puts(sb, kind);
	if (color)
		vml_sb_puts(sb, VML_COLOR_RESET);
	vml_sb_puts(sb, "  ");
	sb_region_span(sb, r);
	vml_sb_printf(sb, " %s", perms);
	const char *name = vml_region_label(r);
	if (name) {
		vml_sb_puts(sb, "  ");
		vml_sb_put_display(sb, name, SIZE_MAX);
		if (r->flags & VML_REGION_DELETED)
			vml_sb_puts(sb, " (deleted)");
	}
	if (w->has_file_offset)
		vml_sb_printf(sb, " +0x%" PRIx64, w->file_offset);
	else
		vml_sb_printf(sb, " +0x%" PRIx64 " into the region", w->addr - r->start);
	vml_sb_putc(sb, '\n');
	if (r->flags & VML_REGION_FILE_MISMATCH)
		vml_sb_puts(sb, "  note     the file on disk is not the one mapped "
			    "here (rebuilt or replaced since): no section, "
			    "symbol or instruction is read from it\n");
	if (r->object && !vml_same_str(r->object, r->path)) {
		vml_sb_puts(sb, "  object   ");
		vml_sb_put_display(sb, r->object, SIZE_MAX);
		vml_sb_putc(sb, '\n');
	}
	if (w->section) {
		vml_sb_puts(sb, "  section  ");
		vml_sb_put_display(sb, w->section, SIZE_MAX);
		vml_sb_printf(sb, "+0x%" PRIx64 "\n", w->section_offset);
	}
	if (w->symbol) {
		vml_sb_puts(sb, "  symbol   ");
		vml_sb_put_display(sb, w->symbol, SIZE_MAX);
		if (w->symbol_offset)
			vml_sb_printf(sb, "+%" PRIu64, w->symbol_offset);
		vml_sb_putc(sb, '\n');
	}
	where_text_stack(sb, w);
	if (w->has_insn) {
		char insn[sizeof(w->insn)];
		memcpy(insn, w->insn, sizeof(insn));
		insn[sizeof(insn) - 1] = '\0';
		vml_sb_puts(sb, "  insn     ");
		vml_sb_put_display(sb, insn, SIZE_MAX);
		vml_sb_putc(sb, '\n');
	}
}

/* The answer's first line: what kind of address it is. */
static void where_headline(struct vml_strbuf *sb, const struct vml_where *w)
{
	if (w->half == VML_HALF_OUTSIDE) {
		/* space_last is 2^bits - 1. */
		unsigned bits = w->space_last ? 64 - (unsigned)__builtin_clzll(w->space_last) : 0;
		vml_sb_printf(sb, "0x%" PRIx64 " is outside the %u-bit address "
			      "space (0x0-0x%" PRIx64 "): this process cannot "
			      "address it\n", w->addr, bits, w->space_last);
		return;
	}
	/* A space without a hole (32-bit) has no canonical form to speak of
	 * (an answer filled by hand with no halves at all has one). */
	if (w->user_end == w->kernel_start && w->user_end != 0) {
		vml_sb_printf(sb, "0x%" PRIx64 " is a %s-space address\n", w->addr,
			      w->half == VML_HALF_KERNEL ? "kernel" : "user");
		return;
	}
	if (!w->canonical) {
		/* The halves are powers of two: user_end = 2^bit. */
		unsigned bit = w->user_end ? (unsigned)__builtin_ctzll(w->user_end) : 63;
		vml_sb_printf(sb, "0x%" PRIx64 " is not canonical: bits 63..%u are "
			      "not all equal, so any access faults (%s)\n",
			      w->addr, bit, w->noncanonical_fault ?
			      w->noncanonical_fault : "a fault");
		return;
	}
	vml_sb_printf(sb, "0x%" PRIx64 " is a canonical %s-space address\n",
		      w->addr, w->half == VML_HALF_KERNEL ? "kernel" : "user");
}

static struct vml_error *where_text(const struct vml_where *w, uint32_t flags,
				    char **ret)
{
	struct vml_strbuf sb = { 0 };
	where_headline(&sb, w);
	if (w->half == VML_HALF_OUTSIDE)
		return vml_sb_finish(&sb, ret);
	if (!w->canonical) {
		char hole[48];
		vml_format_hole(w->user_end, w->kernel_start, hole, sizeof(hole));
		vml_sb_printf(&sb, "  hole     0x%016" PRIx64 "-0x%016" PRIx64
			      " (%s, never mapped)\n", w->user_end,
			      w->kernel_start, hole);
		return vml_sb_finish(&sb, ret);
	}
	if (w->region)
		where_text_region(&sb, w, flags & VML_RENDER_COLOR);
	else if (w->kernel_hidden)
		vml_sb_puts(&sb, "  not mapped here: kernel space is not visible to "
			    "this process\n");
	else
		where_text_unmapped(&sb, w);
	if (!w->region && w->stack_role != VML_STACK_ROLE_NONE)
		where_text_stack(&sb, w);
	if (w->null_page)
		vml_sb_printf(&sb, "  note     0x%" PRIx64 " bytes past NULL: a NULL "
			      "pointer dereference faults here\n", w->addr);
	return vml_sb_finish(&sb, ret);
}

static struct vml_error *where_line(const struct vml_where *w, char **ret)
{
	struct vml_strbuf sb = { 0 };
	where_headline(&sb, w);
	return vml_sb_finish(&sb, ret);
}

/* ", "key": value", or null when the answer has no such value. */
static void json_opt_u64(struct vml_strbuf *sb, const char *key, bool has,
			 uint64_t value)
{
	if (has)
		vml_sb_printf(sb, ", \"%s\": %" PRIu64, key, value);
	else
		vml_sb_printf(sb, ", \"%s\": null", key);
}

/* "thread": whose stack (guard, stack gap) addr is on, or null. */
static void where_json_thread(struct vml_strbuf *sb, const struct vml_where *w)
{
	static const char *const roles[] = {
		[VML_STACK_ROLE_NONE] = "none",
		[VML_STACK_ROLE_LIVE] = "live",
		[VML_STACK_ROLE_RED_ZONE] = "red-zone",
		[VML_STACK_ROLE_UNUSED] = "unused",
		[VML_STACK_ROLE_GUARD] = "guard",
		[VML_STACK_ROLE_OVERFLOW] = "overflow",
		[VML_STACK_ROLE_GAP_OVERFLOW] = "gap-overflow",
	};
	if (!w->stack_tid && w->stack_role == VML_STACK_ROLE_NONE) {
		vml_sb_puts(sb, ", \"thread\": null");
		return;
	}
	vml_sb_puts(sb, ", \"thread\": {\"tid\": ");
	if (w->stack_tid)
		vml_sb_printf(sb, "%" PRId64, w->stack_tid);
	else
		vml_sb_puts(sb, "null");
	if (w->has_stack_sp)
		vml_sb_printf(sb, ", \"sp\": %" PRIu64 ", \"above_sp\": %" PRId64,
			      w->stack_sp, w->above_sp);
	else
		vml_sb_puts(sb, ", \"sp\": null, \"above_sp\": null");
	vml_sb_printf(sb, ", \"main\": %s, \"role\": \"%s\"",
		      thread_is_main(w) ? "true" : "false",
		      w->stack_role < VML_ARRAY_SIZE(roles) ? roles[w->stack_role] : "?");
	json_opt_u64(sb, "overflow_depth",
		     w->stack_role == VML_STACK_ROLE_OVERFLOW ||
		     w->stack_role == VML_STACK_ROLE_GAP_OVERFLOW,
		     w->overflow_depth);
	vml_sb_puts(sb, ", \"sharing\": [");
	const char *sep = "";
	for (uint32_t k = 0; w->stack_threads && k < w->nstack_threads; k++) {
		if (w->stack_threads[k] == w->stack_tid)
			continue;
		vml_sb_printf(sb, "%s%" PRId64, sep, w->stack_threads[k]);
		sep = ", ";
	}
	vml_sb_puts(sb, "]}");
}

static struct vml_error *where_json(const struct vml_where *w, char **ret)
{
	static const char *const halves[] = { "user", "kernel", "non-canonical",
					      "outside" };
	struct vml_strbuf sb = { 0 };
	const char *half = w->half < VML_ARRAY_SIZE(halves) ? halves[w->half] : "?";
	vml_sb_printf(&sb, "{\"address\": %" PRIu64 ", \"canonical\": %s, \"half\": \"%s\", "
		  "\"mapped\": %s", w->addr, w->canonical ? "true" : "false",
		  half, w->region ? "true" : "false");
	if (w->region) {
		vml_sb_puts(&sb, ", ");
		vml_json_region_members(&sb, w->region);
	} else {
		vml_sb_puts(&sb, ", ");
		vml_json_region_null_members(&sb);
	}
	json_opt_u64(&sb, "file_offset", w->has_file_offset, w->file_offset);
	vml_sb_puts(&sb, ", \"section\": ");
	vml_sb_json_string(&sb, w->section);
	json_opt_u64(&sb, "section_offset", w->section != NULL, w->section_offset);
	vml_sb_puts(&sb, ", \"symbol\": ");
	vml_sb_json_string(&sb, w->symbol);
	json_opt_u64(&sb, "symbol_offset", w->symbol != NULL, w->symbol_offset);
	where_json_thread(&sb, w);
	vml_sb_puts(&sb, ", \"insn\": ");
	if (w->has_insn) {
		char insn[sizeof(w->insn)];
		memcpy(insn, w->insn, sizeof(insn));
		insn[sizeof(insn) - 1] = '\0';
		vml_sb_json_string(&sb, insn);
	} else {
		vml_sb_puts(&sb, "null");
	}
	vml_sb_puts(&sb, ", \"gap\": ");
	if (!w->region && w->canonical) {
		const struct vml_gap *g = &w->gap;
		vml_sb_printf(&sb, "{\"start\": %" PRIu64 ", \"end\": ", g->start);
		vml_json_end(&sb, g->last);
		vml_sb_puts(&sb, ", \"size\": ");
		if (g->start == 0 && g->last == UINT64_MAX)
			vml_sb_puts(&sb, "18446744073709551616");
		else
			vml_sb_printf(&sb, "%" PRIu64, g->last - g->start + 1);
		vml_sb_puts(&sb, ", \"below\": ");
		vml_json_region(&sb, g->below);
		vml_sb_puts(&sb, ", \"above\": ");
		vml_json_region(&sb, g->above);
		vml_sb_putc(&sb, '}');
	} else {
		vml_sb_puts(&sb, "null");
	}
	vml_sb_puts(&sb, "}\n");
	return vml_sb_finish(&sb, ret);
}

struct vml_error *vml_render_where(const struct vml_layout *layout,
				   const struct vml_where *where,
				   size_t where_size, enum vml_format format,
				   uint32_t flags, char **ret)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID, "render: no result pointer");
	*ret = NULL;
	if (!where)
		return vml_error_create(VML_ERROR_INVALID, "render: no whereis answer");
	struct vml_error *err = vml_check_size("render where", where_size,
					       VML_WHERE_SIZE_V2);
	if (err)
		return err;
	struct vml_where w;
	vml_copy_in(&w, sizeof(w), where, where_size);
	/* The answer carries every decision; the layout is not needed. */
	(void)layout;
	switch (format) {
	case VML_FORMAT_TEXT:
		return where_text(&w, flags, ret);
	case VML_FORMAT_LINE:
		return where_line(&w, ret);
	case VML_FORMAT_JSON:
		return where_json(&w, ret);
	default:
		return vml_error_create(VML_ERROR_INVALID,
					"render: format %d is not a whereis format",
					(int)format);
	}
}

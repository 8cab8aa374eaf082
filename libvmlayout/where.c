/*
 * where.c — "whereis ADDR": which half, region or gap, file offset, ELF
 * section and symbol, whose stack, and the instruction there.
 *
 * An unmapped or non-canonical address is an answer, not an error; only
 * classification itself (out of memory) can fail.
 */
#include "config.h"

#include <string.h>

#include "arch.h"

/* Which part of the layout's space holds addr: the user part, the kernel
 * part, the non-canonical hole between them (x86-64), or beyond the last
 * address of the space (above 4 GiB for a 32-bit process). */
static void where_half(const struct vml_layout_space *space,
		       struct vml_where *w)
{
	w->user_end = space->user_end;
	w->kernel_start = space->kernel_start;
	w->noncanonical_fault = space->noncanonical_fault;
	w->space_last = space->last;
	w->canonical = true;
	if (w->addr > space->last) {
		w->half = VML_HALF_OUTSIDE;
		w->canonical = false;
	} else if (w->addr < space->user_end) {
		w->half = VML_HALF_USER;
	} else if (w->addr >= space->kernel_start) {
		w->half = VML_HALF_KERNEL;
	} else {
		w->half = VML_HALF_NONCANONICAL;
		w->canonical = false;
	}
}

/* Section and symbol through the object's ELF info at the link-time
 * address; works for the anonymous .bss region too (it has the object). */
static void where_elf(struct vml_layout *layout, struct vml_where *w)
{
	const struct vml_object *obj = vml_layout_object_at(layout, w->addr);
	/* The vDSO has no file: its ELF image is read from memory. */
	if (!obj && w->region->kind == VML_KIND_VDSO)
		obj = vml_layout_vdso(layout);
	if (!obj || !obj->elf || !obj->elf->valid)
		return;
	uint64_t link = w->addr - obj->bias;
	const struct vml_elf_section *sec = vml_elf_find_section(obj->elf, link);
	if (sec) {
		w->section = sec->name;
		w->section_offset = link - sec->addr;
	}
	const struct vml_elf_symbol *sym = vml_elf_find_symbol(obj->elf, link);
	if (sym) {
		w->symbol = sym->name;
		w->symbol_offset = link - sym->addr;
	}
}

static void where_stack(const struct vml_layout *layout, struct vml_where *w)
{
	const struct vml_region *r = w->region;
	if (r->kind != VML_KIND_STACK && r->kind != VML_KIND_THREAD_STACK)
		return;
	w->stack_tid = r->tid;
	const struct vml_thread *found = NULL;
	for (size_t i = 0; i < layout->nthreads; i++) {
		const struct vml_thread *t = &layout->threads[i];
		if (t->sp < r->start || t->sp >= r->end)
			continue;
		/* The region's own thread wins over any other sp in it. */
		if (!found || t->tid == r->tid)
			found = t;
		if (t->tid == r->tid)
			break;
	}
	if (!found)
		return;
	w->stack_tid = found->tid;
	w->has_stack_sp = true;
	w->stack_sp = found->sp;
	/* Two's complement: below sp gives a negative distance. */
	w->above_sp = (int64_t)(w->addr - found->sp);
	if (w->addr < found->sp)
		w->stack_note = found->sp - w->addr <=
				vml_layout_arch(layout)->process.red_zone ?
			VML_STACK_NOTE_RED_ZONE : VML_STACK_NOTE_UNUSED;
}

/* The gap around an unmapped address never runs past the part of the
 * space holding it: a user address's gap ends where user space ends (the
 * hole, or a 32-bit process's kernel part), a kernel address's starts
 * where the kernel part does and ends at the last address of the space.
 * A bound that is not a region leaves below/above NULL. */
static void where_gap(const struct vml_layout *layout,
		      const struct vml_layout_space *space, struct vml_where *w)
{
	struct vml_gap *g = &w->gap;
	vml_layout_gap_at(layout, w->addr, g);
	uint64_t lo, hi;
	if (w->half == VML_HALF_USER) {
		lo = 0;
		hi = space->user_end - 1;
	} else if (w->half == VML_HALF_KERNEL) {
		lo = space->kernel_start;
		hi = space->last;
	} else {
		return;
	}
	if (g->start < lo) {
		g->start = lo;
		g->below = NULL;
		g->below_index = SIZE_MAX;
	}
	if (g->last > hi) {
		g->last = hi;
		g->above = NULL;
		g->above_index = SIZE_MAX;
	}
}

/* What an unmapped address says about the program that touched it. */
static void where_unmapped_notes(const struct vml_layout *layout,
				 const struct vml_layout_space *space,
				 struct vml_where *w)
{
	if (w->half == VML_HALF_KERNEL) {
		w->kernel_hidden = !space->kernel_visible;
	} else if (w->half == VML_HALF_USER) {
		/* Nothing can ever be mapped that low: this is what a NULL
		 * pointer (plus a field offset) looks like. */
		w->null_page = w->addr <
			       vml_layout_arch(layout)->process.null_guard_end;
	}
}

static void where_insn(struct vml_layout *layout, struct vml_where *w)
{
	if (!(w->region->prot & VML_PROT_EXEC))
		return;
	size_t len = 0;
	struct vml_error *err = vml_disasm_at(layout, w->addr, w->insn,
					      sizeof(w->insn), &len);
	if (err || len == 0 || len > UINT32_MAX) {
		/* No bytes or no decoder is not fatal: just no instruction. */
		vml_error_free(err);
		w->insn[0] = '\0';
		return;
	}
	w->insn[sizeof(w->insn) - 1] = '\0';
	w->has_insn = true;
	w->insn_len = (uint32_t)len;
}

struct vml_error *vml_layout_where(struct vml_layout *layout, uint64_t addr,
				   struct vml_where *ret, size_t ret_size)
{
	if (!layout || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"where: NULL layout or result");
	struct vml_error *err = vml_check_size("where", ret_size,
					       VML_WHERE_SIZE_V2);
	if (err)
		return err;
	if (!layout->classified) {
		err = vml_layout_classify(layout);
		if (err)
			return err;
	}
	struct vml_where w;
	memset(&w, 0, sizeof(w));
	w.addr = addr;
	w.gap.below_index = w.gap.above_index = SIZE_MAX;
	struct vml_layout_space space;
	vml_layout_space(layout, &space);
	where_half(&space, &w);
	w.region_index = vml_layout_index(layout, addr);
	w.region = vml_layout_region(layout, w.region_index);
	if (!w.region) {
		where_gap(layout, &space, &w);
		where_unmapped_notes(layout, &space, &w);
	} else {
		if (w.region->path) {
			w.has_file_offset = true;
			w.file_offset = addr - w.region->start +
					w.region->offset;
		}
		where_elf(layout, &w);
		where_stack(layout, &w);
		where_insn(layout, &w);
	}
	vml_copy_out(ret, ret_size, &w, sizeof(w));
	return NULL;
}

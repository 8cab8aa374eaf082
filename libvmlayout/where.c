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

static const struct vml_thread *find_thread(const struct vml_layout *layout,
					    int64_t tid)
{
	for (size_t i = 0; tid && i < layout->nthreads; i++)
		if (layout->threads[i].tid == tid)
			return &layout->threads[i];
	return NULL;
}

static bool is_stack_kind(const struct vml_region *r)
{
	return r && (r->kind == VML_KIND_STACK ||
		     r->kind == VML_KIND_THREAD_STACK);
}

/* Of the threads whose $sp region r holds: the one whose red zone holds
 * addr (the ABI lets it use those bytes below its $sp), else the one whose
 * $sp is the nearest at or below addr, else (addr below all of them) the
 * one with the lowest $sp. NULL when r holds none. Nothing else is known
 * of where one thread's stack ends in a mapping several share. */
static const struct vml_thread *sp_owner(const struct vml_layout *layout,
					 const struct vml_region *r,
					 uint64_t addr)
{
	uint64_t red_zone = vml_layout_arch(layout)->process.red_zone;
	const struct vml_thread *below = NULL, *lowest = NULL, *red = NULL;
	for (uint32_t k = 0; k < r->nthreads; k++) {
		const struct vml_thread *t = find_thread(layout, r->tids[k]);
		if (!t)
			continue;
		if (t->sp <= addr && (!below || t->sp > below->sp))
			below = t;
		if (addr < t->sp && t->sp - addr <= red_zone &&
		    (!red || t->sp < red->sp))
			red = t;
		if (!lowest || t->sp < lowest->sp)
			lowest = t;
	}
	return red ? red : below ? below : lowest;
}

bool vml_guard_overflow(const struct vml_layout *layout, size_t guard_index,
			struct vml_overflow *ret)
{
	const struct vml_region *g = vml_layout_region(layout, guard_index);
	const struct vml_region *s = vml_layout_region(layout, guard_index + 1);
	if (!g || g->kind != VML_KIND_GUARD || !is_stack_kind(s) ||
	    s->start != g->end || g->nthreads == 0)
		return false;
	/* The thread the classifier named (the stack's, when its own $sp is
	 * in the guard), else the $sp nearest the top. */
	const struct vml_thread *t = find_thread(layout, g->tid);
	if (!t || !vml_region_contains(g, t->sp))
		t = sp_owner(layout, g, g->end - 1);
	if (!t)
		return false;
	*ret = (struct vml_overflow){
		.tid = t->tid, .is_main = t->is_main, .sp = t->sp,
		.depth = g->end - t->sp, .stack_index = guard_index + 1,
	};
	return true;
}

bool vml_stack_gap_overflow(const struct vml_layout *layout,
			    size_t stack_index, struct vml_overflow *ret)
{
	const struct vml_region *s = vml_layout_region(layout, stack_index);
	if (!s || s->kind != VML_KIND_STACK)
		return false;
	const struct vml_thread *t = find_thread(layout, s->tid);
	if (!t || t->sp >= s->start)
		return false;
	/* Unmapped, and no region between it and the stack. */
	struct vml_gap gap;
	if (!vml_layout_gap_at(layout, t->sp, &gap) ||
	    gap.above_index != stack_index)
		return false;
	*ret = (struct vml_overflow){
		.tid = t->tid, .is_main = t->is_main, .sp = t->sp,
		.depth = s->start - t->sp, .stack_index = stack_index,
	};
	return true;
}

/* addr relative to thread t's $sp: the distance, and the red zone or the
 * unused stack below it. */
static void where_sp(const struct vml_layout *layout, struct vml_where *w,
		     const struct vml_thread *t, bool set_role)
{
	w->stack_tid = t->tid;
	w->stack_is_main = t->is_main;
	w->has_stack_sp = true;
	w->stack_sp = t->sp;
	/* Two's complement: below sp gives a negative distance. */
	w->above_sp = (int64_t)(w->addr - t->sp);
	if (w->addr < t->sp)
		w->stack_note = t->sp - w->addr <=
				vml_layout_arch(layout)->process.red_zone ?
			VML_STACK_NOTE_RED_ZONE : VML_STACK_NOTE_UNUSED;
	if (set_role)
		w->stack_role = w->stack_note == VML_STACK_NOTE_RED_ZONE ?
					VML_STACK_ROLE_RED_ZONE :
				w->stack_note == VML_STACK_NOTE_UNUSED ?
					VML_STACK_ROLE_UNUSED :
					VML_STACK_ROLE_LIVE;
}

static void where_stack_mapping(const struct vml_layout *layout,
				struct vml_where *w, size_t index)
{
	const struct vml_region *s = vml_layout_region(layout, index);
	w->stack_region_index = index;
	w->nstack_threads = s->nthreads;
	w->stack_threads = s->tids;
}

/* Whose stack a mapped address is on, by each thread's own $sp. */
static void where_stack(const struct vml_layout *layout, struct vml_where *w)
{
	const struct vml_region *r = w->region;
	struct vml_overflow o;
	if (r->kind == VML_KIND_GUARD) {
		const struct vml_region *s =
			vml_layout_region(layout, w->region_index + 1);
		if (is_stack_kind(s) && s->start == r->end)
			where_stack_mapping(layout, w, w->region_index + 1);
		w->stack_role = VML_STACK_ROLE_GUARD;
		w->stack_tid = r->tid;
		const struct vml_thread *t = find_thread(layout, r->tid);
		w->stack_is_main = t && t->is_main;
		if (vml_guard_overflow(layout, w->region_index, &o)) {
			/* The $sp nearest at or below addr owns it, as on a
			 * stack; the overflow is that thread's. */
			const struct vml_thread *owner = sp_owner(layout, r, w->addr);
			if (!owner)
				return;
			w->stack_role = VML_STACK_ROLE_OVERFLOW;
			where_sp(layout, w, owner, false);
			w->overflow_depth = r->end - owner->sp;
		}
		return;
	}
	if (!is_stack_kind(r))
		return;
	where_stack_mapping(layout, w, w->region_index);
	const struct vml_thread *t = sp_owner(layout, r, w->addr);
	if (t) {
		where_sp(layout, w, t, true);
		return;
	}
	/* No $sp in the mapping: the stack's own thread, whose $sp may have
	 * gone below it (into its guard, or the gap below the main stack). */
	w->stack_role = VML_STACK_ROLE_LIVE;
	w->stack_tid = r->tid;
	t = find_thread(layout, r->tid);
	w->stack_is_main = t && t->is_main;
	if (vml_guard_overflow(layout, w->region_index - 1, &o) ||
	    vml_stack_gap_overflow(layout, w->region_index, &o)) {
		if (o.tid == r->tid && t)
			where_sp(layout, w, t, true);
	}
}

/* An unmapped address in the gap right below the main stack, when the
 * main thread's $sp is there too: the stack overflowed into that gap. */
static void where_gap_stack(const struct vml_layout *layout,
			    struct vml_where *w)
{
	struct vml_overflow o;
	size_t above = w->gap.above_index;
	if (above == SIZE_MAX || !vml_stack_gap_overflow(layout, above, &o))
		return;
	const struct vml_thread *t = find_thread(layout, o.tid);
	if (!t)
		return;
	where_stack_mapping(layout, w, above);
	where_sp(layout, w, t, false);
	w->stack_role = VML_STACK_ROLE_GAP_OVERFLOW;
	w->overflow_depth = o.depth;
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
	/* Classifying a layout already classified costs nothing. */
	err = vml_layout_classify(layout);
	if (err)
		return err;
	struct vml_where w;
	memset(&w, 0, sizeof(w));
	w.addr = addr;
	w.gap.below_index = w.gap.above_index = SIZE_MAX;
	struct vml_layout_space space;
	vml_layout_space(layout, &space);
	where_half(&space, &w);
	w.stack_region_index = SIZE_MAX;
	w.region_index = vml_layout_index(layout, addr);
	w.region = vml_layout_region(layout, w.region_index);
	if (!w.region) {
		where_gap(layout, &space, &w);
		where_unmapped_notes(layout, &space, &w);
		where_gap_stack(layout, &w);
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

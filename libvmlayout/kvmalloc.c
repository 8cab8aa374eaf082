/*
 * kvmalloc.c — vmalloc space: the vmap_area holding an address, found by
 * descending the red-black tree at vmap_area_root (ordered by va_start,
 * areas never overlap), and its vm_struct: range, size, flags, pages and
 * the caller that asked for it — what /proc/vmallocinfo prints. Kernels
 * from 6.9 keep busy areas in per-node trees instead (vmap_nodes): there
 * is no vmap_area_root and no answer here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kobjects.h"

/* vm_struct.flags bits as include/linux/vmalloc.h defines them (#defines,
 * so BTF does not carry them; stable since they were introduced). */
static const struct {
	uint64_t bit;
	const char *name;
} vm_flags[] = {
	{ 0x1, "ioremap" }, { 0x2, "vmalloc" }, { 0x4, "vmap" },
	{ 0x8, "user" }, { 0x10, "dma-coherent" },
};

bool vml_kvmalloc_find(struct vml_kobj *c, uint64_t addr,
		       struct vml_vmarea *ret)
{
	uint64_t root = vml_ksyms_addr(c->ks, "vmap_area_root");
	uint64_t rb_off, start_off, end_off, left_off, right_off, node;
	if (!root || !vml_kobj_off(c, "vmap_area", "rb_node", &rb_off) ||
	    !vml_kobj_off(c, "vmap_area", "va_start", &start_off) ||
	    !vml_kobj_off(c, "vmap_area", "va_end", &end_off) ||
	    !vml_kobj_off(c, "rb_node", "rb_left", &left_off) ||
	    !vml_kobj_off(c, "rb_node", "rb_right", &right_off) ||
	    !vml_kobj_member(c, root, "rb_root", "rb_node", &node))
		return false;
	for (unsigned depth = 0; node && depth < VML_KOBJ_TREE_DEPTH; depth++) {
		uint64_t va = node - rb_off, start, end;
		if (!vml_kobj_word(c, va + start_off, &start) ||
		    !vml_kobj_word(c, va + end_off, &end))
			return false;
		if (addr < start) {
			if (!vml_kobj_word(c, node + left_off, &node))
				return false;
			continue;
		}
		if (addr >= end) {
			if (!vml_kobj_word(c, node + right_off, &node))
				return false;
			continue;
		}
		memset(ret, 0, sizeof(*ret));
		ret->va_start = start;
		ret->va_end = end;
		if (!vml_kobj_member(c, va, "vmap_area", "vm", &ret->vm))
			ret->vm = 0;
		/* A freed area waiting to be purged keeps a stale vm. */
		uint64_t vm = ret->vm;
		if (vm && vml_kobj_member(c, vm, "vm_struct", "addr", &ret->addr) &&
		    ret->addr == start) {
			vml_kobj_member(c, vm, "vm_struct", "size", &ret->size);
			vml_kobj_member(c, vm, "vm_struct", "flags", &ret->flags);
			vml_kobj_member(c, vm, "vm_struct", "nr_pages",
					&ret->nr_pages);
			vml_kobj_member(c, vm, "vm_struct", "phys_addr",
					&ret->phys_addr);
			vml_kobj_member(c, vm, "vm_struct", "caller",
					&ret->caller);
		} else {
			ret->vm = 0;
		}
		return true;
	}
	return false;
}

void vml_kvmalloc_format(struct vml_kobj *c,
			 const struct vml_vmarea *a, char *buf, size_t size)
{
	if (!a->vm) {
		snprintf(buf, size, "vmap_area 0x%" PRIx64 "-0x%" PRIx64
			 " (%" PRIu64 " bytes, no vm_struct: vm_map_ram or"
			 " freed)", a->va_start, a->va_end,
			 a->va_end - a->va_start);
		return;
	}
	char flags[96] = "";
	size_t n = 0;
	for (size_t i = 0; i < sizeof(vm_flags) / sizeof(vm_flags[0]); i++)
		if (a->flags & vm_flags[i].bit && n < sizeof(flags))
			n += (size_t)snprintf(flags + n, sizeof(flags) - n,
					      " %s", vm_flags[i].name);
	char caller[192] = "";
	if (a->caller && !vml_kobj_symbolize(c, a->caller, caller,
					     sizeof(caller)))
		snprintf(caller, sizeof(caller), "0x%" PRIx64, a->caller);
	char extra[64] = "";
	if (a->flags & 0x1)
		snprintf(extra, sizeof(extra), " phys=0x%" PRIx64,
			 a->phys_addr);
	else if (a->nr_pages)
		snprintf(extra, sizeof(extra), " pages=%" PRIu64, a->nr_pages);
	snprintf(buf, size, "vmalloc area 0x%" PRIx64 "-0x%" PRIx64 " %" PRIu64
		 " %s%s%s", a->addr, a->addr + a->size, a->size,
		 caller[0] ? caller : "?", extra, flags);
}

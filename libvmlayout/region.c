/*
 * region.c — the layout object: a sorted, non-overlapping set of regions
 * plus the context the classifier needs (threads, auxv, exe path, sysroot,
 * memory source), the names of kinds and groups, the table of mapped ELF
 * objects the classifier fills, and how the address space divides.
 * Lookups are binary searches over the sorted array.
 */
#include "config.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* ------------------------------------------------------------ names */

/* The JSON "kind" and "group" of every region, whoever classified it. */
static const char *const kind_names[VML_KIND_COUNT] = {
	[VML_KIND_UNKNOWN] = "unknown",
	[VML_KIND_TEXT] = "text",
	[VML_KIND_RODATA] = "rodata",
	[VML_KIND_RELRO] = "relro",
	[VML_KIND_DATA] = "data",
	[VML_KIND_BSS] = "bss",
	[VML_KIND_HEAP] = "heap",
	[VML_KIND_STACK] = "stack",
	[VML_KIND_THREAD_STACK] = "thread-stack",
	[VML_KIND_GUARD] = "guard",
	[VML_KIND_MMAP_FILE] = "mmap-file",
	[VML_KIND_MMAP_ANON] = "mmap-anon",
	[VML_KIND_VDSO] = "vdso",
	[VML_KIND_VVAR] = "vvar",
	[VML_KIND_VSYSCALL] = "vsyscall",
	[VML_KIND_KERNEL] = "kernel",
	[VML_KIND_DIRECT_MAP] = "direct-map",
	[VML_KIND_VMALLOC] = "vmalloc",
	[VML_KIND_VMEMMAP] = "vmemmap",
	[VML_KIND_CPU_ENTRY_AREA] = "cpu-entry-area",
	[VML_KIND_ESPFIX] = "espfix",
	[VML_KIND_EFI] = "efi",
	[VML_KIND_KERNEL_TEXT] = "kernel-text",
	[VML_KIND_MODULES] = "modules",
	[VML_KIND_FIXMAP] = "fixmap",
	[VML_KIND_KASAN] = "kasan-shadow",
	[VML_KIND_LDT_REMAP] = "ldt-remap",
	[VML_KIND_RESERVED] = "reserved",
	[VML_KIND_PCI_IO] = "pci-io",
};

static const char *const group_names[VML_GROUP_COUNT] = {
	[VML_GROUP_NONE] = "none",
	[VML_GROUP_EXE] = "exe",
	[VML_GROUP_HEAP] = "heap",
	[VML_GROUP_MMAP] = "mmap",
	[VML_GROUP_STACK] = "stack",
	[VML_GROUP_SPECIAL] = "special",
	[VML_GROUP_KERNEL] = "kernel",
};

const char *vml_kind_name(enum vml_kind kind)
{
	if ((unsigned)kind >= VML_KIND_COUNT || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

const char *vml_group_name(enum vml_group group)
{
	if ((unsigned)group >= VML_GROUP_COUNT || !group_names[group])
		return "none";
	return group_names[group];
}

/* ------------------------------------------------------------ layout */

struct vml_error *vml_layout_create(struct vml_layout **ret)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"layout: NULL result pointer");
	struct vml_layout *layout = calloc(1, sizeof(*layout));
	if (!layout)
		return &vml_enomem;
	vml_arena_init(&layout->strings);
	*ret = layout;
	return NULL;
}

void vml_layout_free(struct vml_layout *layout)
{
	if (!layout)
		return;
	/* Objects and the core reference region strings and source data, so
	 * they go first. */
	vml_layout_free_objects(layout);
	vml_layout_clear_warnings(layout);
	vml_crash_facts_free(layout->crash);
	vml_core_free(layout->core);
	layout->core = NULL;
	vml_source_free(layout->owned_source);
	layout->owned_source = NULL;
	layout->source = NULL;
	free(layout->regions);
	free(layout->starts);
	free(layout->threads);
	free(layout->region_tids);
	free(layout->exe_path);
	free(layout->sysroot);
	free(layout->auxv_raw);
	vml_arena_release(&layout->strings);
	free(layout);
}

struct vml_error *vml_layout_append(struct vml_layout *layout,
				    const struct vml_region *r)
{
	if (!layout || !r)
		return vml_error_create(VML_ERROR_INVALID,
					"layout: NULL layout or region");
	if (layout->count == SIZE_MAX ||
	    !vml_grow((void **)&layout->regions, &layout->capacity,
		      layout->count + 1, sizeof(*layout->regions)))
		return &vml_enomem;
	layout->regions[layout->count++] = *r;
	/* Old kinds/objects no longer describe the set. */
	layout->classified = false;
	return NULL;
}

static int region_cmp(const void *a, const void *b)
{
	const struct vml_region *ra = a, *rb = b;
	if (ra->start != rb->start)
		return ra->start < rb->start ? -1 : 1;
	if (ra->end != rb->end)
		return ra->end < rb->end ? -1 : 1;
	return 0;
}

struct vml_error *vml_layout_finish(struct vml_layout *layout)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "layout: NULL layout");
	struct vml_region *r = layout->regions;
	size_t n = layout->count;
	/* /proc and cores hand us sorted input: a linear check keeps that
	 * case O(n) and only disorder pays for the sort. */
	bool sorted = true;
	for (size_t i = 1; i < n; i++) {
		if (r[i - 1].start > r[i].start) {
			sorted = false;
			break;
		}
	}
	if (!sorted)
		qsort(r, n, sizeof(*r), region_cmp);
	for (size_t i = 0; i < n; i++) {
		if (r[i].start >= r[i].end)
			return vml_error_create(VML_ERROR_FORMAT,
				"region 0x%" PRIx64 "-0x%" PRIx64
				" is empty or inverted",
				r[i].start, r[i].end);
		if (i > 0 && r[i - 1].end > r[i].start)
			return vml_error_create(VML_ERROR_FORMAT,
				"regions 0x%" PRIx64 "-0x%" PRIx64
				" and 0x%" PRIx64 "-0x%" PRIx64 " overlap",
				r[i - 1].start, r[i - 1].end,
				r[i].start, r[i].end);
	}
	layout->nstarts = 0;
	if (n) {
		uint64_t *starts = realloc(layout->starts, n * sizeof(*starts));
		if (!starts)
			return &vml_enomem;
		for (size_t i = 0; i < n; i++)
			starts[i] = r[i].start;
		layout->starts = starts;
		layout->nstarts = n;
	}
	return NULL;
}

/* Number of regions whose start is <= addr (the index just past the only
 * candidate that may hold addr). */
static size_t upper_bound(const struct vml_layout *layout, uint64_t addr)
{
	if (layout->nstarts == layout->count && layout->starts)
		return vml_upper_bound(layout->starts, layout->count,
				       sizeof(*layout->starts), 0, addr);
	return VML_UPPER_BOUND(layout->regions, layout->count, start, addr);
}

size_t vml_layout_index(const struct vml_layout *layout, uint64_t addr)
{
	if (!layout || layout->count == 0)
		return SIZE_MAX;
	size_t ub = upper_bound(layout, addr);
	if (ub == 0 || !vml_region_contains(&layout->regions[ub - 1], addr))
		return SIZE_MAX;
	return ub - 1;
}

void vml_region_set_perms(struct vml_region *r, const char perms[4])
{
	char p[4];
	/* Copy first: perms may be r->perms itself. */
	memcpy(p, perms, sizeof(p));
	memset(r->perms, 0, sizeof(r->perms));
	memcpy(r->perms, p, sizeof(p));
	r->prot = 0;
	if (p[0] == 'r')
		r->prot |= VML_PROT_READ;
	if (p[1] == 'w')
		r->prot |= VML_PROT_WRITE;
	if (p[2] == 'x')
		r->prot |= VML_PROT_EXEC;
	if (p[3] == 's')
		r->prot |= VML_PROT_SHARED;
}

struct vml_error *vml_layout_add_thread(struct vml_layout *layout, int64_t tid,
					uint64_t sp, bool is_main)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "layout: NULL layout");
	layout->classified = false;
	/* The same thread given twice keeps its latest stack pointer. */
	for (size_t i = 0; i < layout->nthreads; i++) {
		if (layout->threads[i].tid == tid) {
			layout->threads[i].sp = sp;
			layout->threads[i].is_main = is_main;
			return NULL;
		}
	}
	if (layout->nthreads == SIZE_MAX ||
	    !vml_grow((void **)&layout->threads, &layout->threads_capacity,
		      layout->nthreads + 1, sizeof(*layout->threads)))
		return &vml_enomem;
	layout->threads[layout->nthreads++] = (struct vml_thread){
		.tid = tid, .sp = sp, .is_main = is_main,
	};
	return NULL;
}

/* Parses layout->auxv_raw into layout->auxv: (tag, value) pairs of the
 * architecture's word size (uint32_t for a 32-bit process), up to AT_NULL.
 * The length was checked to be whole pairs. */
static void parse_auxv(struct vml_layout *layout)
{
	size_t word = vml_layout_arch(layout)->pointer_size;
	const unsigned char *p = layout->auxv_raw;
	size_t len = layout->auxv_raw_len;
	struct vml_auxv a = { .present = len > 0 };
	for (size_t off = 0; len - off >= 2 * word; off += 2 * word) {
		uint64_t tag, val;
		/* memcpy: core notes need not be aligned; little-endian, as
		 * every architecture described and the host. */
		if (word == 4) {
			uint32_t t32, v32;
			memcpy(&t32, p + off, 4);
			memcpy(&v32, p + off + 4, 4);
			tag = t32;
			val = v32;
		} else {
			memcpy(&tag, p + off, 8);
			memcpy(&val, p + off + 8, 8);
		}
		if (tag == AT_NULL)
			break;
		switch (tag) {
		case AT_PHDR: a.phdr = val; break;
		case AT_PHENT: a.phent = val; break;
		case AT_PHNUM: a.phnum = val; break;
		case AT_PAGESZ: a.pagesz = val; break;
		case AT_BASE: a.base = val; break;
		case AT_ENTRY: a.entry = val; break;
		case AT_EXECFN: a.execfn = val; break;
		case AT_SYSINFO_EHDR: a.sysinfo_ehdr = val; break;
		default: break;
		}
	}
	layout->auxv = a;
	layout->classified = false;
}

struct vml_error *vml_layout_set_auxv(struct vml_layout *layout,
				      const void *auxv, size_t len)
{
	if (!layout || (!auxv && len))
		return vml_error_create(VML_ERROR_INVALID,
					"auxv: NULL layout or buffer");
	size_t pair = 2 * (size_t)vml_layout_arch(layout)->pointer_size;
	if (len % pair)
		return vml_error_create(VML_ERROR_FORMAT,
			"auxv: length %zu is not a whole number of %zu-byte "
			"pairs (%s)", len, pair, vml_layout_arch(layout)->name);
	uint8_t *copy = NULL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return &vml_enomem;
		memcpy(copy, auxv, len);
	}
	free(layout->auxv_raw);
	layout->auxv_raw = copy;
	layout->auxv_raw_len = len;
	parse_auxv(layout);
	return NULL;
}

struct vml_error *vml_layout_set_arch(struct vml_layout *layout,
				      enum vml_arch_id id)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "layout: NULL layout");
	const struct vml_arch *a;
	struct vml_error *err = vml_arch_lookup(id, &a);
	if (err)
		return err;
	for (size_t i = 0; i < layout->count; i++) {
		const struct vml_region *r = &layout->regions[i];
		if (vml_region_last(r) > a->process.space_last)
			return vml_error_create(VML_ERROR_INVALID,
				"layout: region 0x%" PRIx64 "-0x%" PRIx64
				" lies beyond the address space of an %s"
				" process (last address 0x%" PRIx64 ")",
				r->start, r->end, a->name,
				a->process.space_last);
	}
	/* An auxv of whole pairs of one word size may not be of the other. */
	if (layout->auxv_raw_len % (2 * (size_t)a->pointer_size))
		return vml_error_create(VML_ERROR_FORMAT,
			"layout: its auxv of %zu bytes is not whole %s pairs",
			layout->auxv_raw_len, a->name);
	if (layout->arch != a) {
		layout->arch = a;
		parse_auxv(layout);
	}
	return NULL;
}

enum vml_arch_id vml_layout_get_arch(const struct vml_layout *layout)
{
	return layout ? vml_layout_arch(layout)->id : VML_ARCH_UNKNOWN;
}

/* Replace the layout's *slot with a malloc'ed copy of s, or NULL when s is
 * NULL or ""; the classification no longer holds. */
static struct vml_error *set_string(struct vml_layout *layout, char **slot,
				    const char *s)
{
	char *copy = NULL;
	if (s && *s) {
		copy = strdup(s);
		if (!copy)
			return &vml_enomem;
	}
	free(*slot);
	*slot = copy;
	layout->classified = false;
	return NULL;
}

struct vml_error *vml_layout_set_exe(struct vml_layout *layout,
				     const char *path)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "layout: NULL layout");
	return set_string(layout, &layout->exe_path, path);
}

struct vml_error *vml_layout_set_sysroot(struct vml_layout *layout,
					 const char *sysroot)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "layout: NULL layout");
	return set_string(layout, &layout->sysroot, sysroot);
}

struct vml_error *vml_layout_set_pid(struct vml_layout *layout, int pid)
{
	if (!layout || pid < 0)
		return vml_error_create(VML_ERROR_INVALID,
					"layout: NULL layout or bad pid %d", pid);
	if (layout->pid != pid) {
		layout->pid = pid;
		layout->classified = false;
	}
	return NULL;
}

void vml_layout_set_source(struct vml_layout *layout, struct vml_source *src)
{
	if (layout)
		layout->source = src;
}

uint32_t vml_layout_flags(const struct vml_layout *layout)
{
	return layout ? layout->flags : 0;
}

size_t vml_layout_count(const struct vml_layout *layout)
{
	return layout ? layout->count : 0;
}

const struct vml_region *vml_layout_region(const struct vml_layout *layout,
					   size_t i)
{
	if (!layout || i >= layout->count)
		return NULL;
	return &layout->regions[i];
}

const struct vml_region *vml_layout_find(const struct vml_layout *layout,
					 uint64_t addr)
{
	size_t i = vml_layout_index(layout, addr);
	return i == SIZE_MAX ? NULL : &layout->regions[i];
}

size_t vml_layout_find_index(const struct vml_layout *layout, uint64_t addr)
{
	return vml_layout_index(layout, addr);
}

bool vml_layout_gap_at(const struct vml_layout *layout, uint64_t addr,
		       struct vml_gap *ret)
{
	size_t n = layout ? layout->count : 0;
	size_t ub = n ? upper_bound(layout, addr) : 0;
	const struct vml_region *below = ub ? &layout->regions[ub - 1] : NULL;
	const struct vml_region *above = ub < n ? &layout->regions[ub] : NULL;
	if (below && vml_region_contains(below, addr))
		return false;
	ret->start = below ? below->end : 0;
	/* above->start > addr >= 0, so the subtraction cannot wrap. */
	ret->last = above ? above->start - 1 : UINT64_MAX;
	ret->below = below;
	ret->above = above;
	ret->below_index = below ? ub - 1 : SIZE_MAX;
	ret->above_index = above ? ub : SIZE_MAX;
	return true;
}

struct vml_error *vml_layout_gap(const struct vml_layout *layout,
				 uint64_t addr, struct vml_gap *ret,
				 size_t ret_size)
{
	if (!layout || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"gap: NULL layout or result");
	struct vml_error *err = vml_check_size("gap", ret_size,
					       VML_GAP_SIZE_V2);
	if (err)
		return err;
	struct vml_gap gap;
	if (!vml_layout_gap_at(layout, addr, &gap))
		return vml_error_create(VML_ERROR_INVALID,
					"gap: 0x%" PRIx64 " is mapped", addr);
	vml_copy_out(ret, ret_size, &gap, sizeof(gap));
	return NULL;
}

/* A pseudo-region of the kernel half that every process of the
 * architecture sees ([vsyscall] on x86-64): it does not make kernel space
 * visible. */
static bool is_process_pseudo(const struct vml_arch *a,
			      const struct vml_region *r)
{
	if (r->kind == VML_KIND_VSYSCALL || vml_same_str(r->name, "[vsyscall]"))
		return true;
	return a->process.vsyscall_end && r->start == a->process.vsyscall_start &&
	       r->end == a->process.vsyscall_end;
}

/* The kernel part of a process without a hole (a 32-bit one): the lowest
 * of the architecture's candidates that no user region reaches above (the
 * evidence: where the kernel put the stack and the vdso), the default one
 * for a layout with no region. */
static uint64_t process_kernel_start(const struct vml_arch *a,
				     const struct vml_layout *layout)
{
	size_t n = layout ? layout->count : 0;
	if (n == 0)
		return a->process.default_kernel_start;
	uint64_t top = vml_region_last(&layout->regions[n - 1]);
	for (size_t i = 0; i < a->process.nkernel_starts; i++)
		if (top < a->process.kernel_starts[i])
			return a->process.kernel_starts[i];
	return a->process.kernel_starts[a->process.nkernel_starts - 1];
}

/*
 * The one place that decides how the layout's address space divides. A
 * layout made from page tables knows its halves from its paging. A process
 * cannot see its kernel's paging mode: its halves are the architecture's
 * usual ones, or the wide ones (x86-64 LA57) when a region lies where only
 * the wide mode has canonical addresses; a 32-bit process has no hole and
 * its kernel part starts where the evidence says (process_kernel_start).
 * O(log n) plus the (few) regions of the kernel half.
 */
void vml_layout_space(const struct vml_layout *layout,
		      struct vml_layout_space *ret)
{
	const struct vml_arch *a = vml_layout_arch(layout);
	*ret = (struct vml_layout_space){
		.noncanonical_fault = a->process.noncanonical_fault,
		.last = a->process.space_last,
		.addr_digits = 2 * a->pointer_size,
	};
	if (layout && layout->halves_known) {
		ret->user_end = layout->user_end;
		ret->kernel_start = layout->kernel_start;
	} else if (a->process.nkernel_starts) {
		ret->user_end = ret->kernel_start =
			process_kernel_start(a, layout);
	} else {
		a->halves(a->process.va_bits, &ret->user_end, &ret->kernel_start);
	}
	size_t n = layout ? layout->count : 0;
	if (n == 0)
		return;
	if (!layout->halves_known && a->process.wide_va_bits) {
		uint64_t wide_user_end, wide_kernel_start;
		a->halves(a->process.wide_va_bits, &wide_user_end,
			  &wide_kernel_start);
		/* The first region at or above the usual user end. */
		size_t i = upper_bound(layout, ret->user_end - 1);
		if (i < n) {
			uint64_t start = layout->regions[i].start;
			if (start < ret->kernel_start &&
			    (start < wide_user_end || start >= wide_kernel_start)) {
				ret->user_end = wide_user_end;
				ret->kernel_start = wide_kernel_start;
			}
		}
	}
	for (size_t k = n; k-- > 0;) {
		const struct vml_region *r = &layout->regions[k];
		if (r->start < ret->kernel_start)
			break;
		if (!is_process_pseudo(a, r)) {
			ret->kernel_visible = true;
			break;
		}
	}
}

/* ------------------------------------------------------------ objects */

/* The mapped ELF objects the classifier found, owned by the layout (their
 * ELF info included) and sorted by start once classification is done. */
void vml_layout_free_objects(struct vml_layout *layout)
{
	if (!layout)
		return;
	for (size_t i = 0; i < layout->nobjects; i++)
		vml_elf_info_put(layout->objects[i].elf);
	free(layout->objects);
	layout->objects = NULL;
	layout->nobjects = layout->objects_capacity = 0;
	vml_layout_free_vdso(layout);
}

struct vml_error *vml_layout_add_object(struct vml_layout *layout,
					const struct vml_object *obj)
{
	if (!vml_grow((void **)&layout->objects, &layout->objects_capacity,
		      layout->nobjects + 1, sizeof(*layout->objects))) {
		vml_elf_info_put(obj->elf);
		return &vml_enomem;
	}
	layout->objects[layout->nobjects++] = *obj;
	return NULL;
}

static int object_cmp(const void *a, const void *b)
{
	const struct vml_object *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void vml_layout_sort_objects(struct vml_layout *layout)
{
	if (layout->nobjects > 1)
		qsort(layout->objects, layout->nobjects, sizeof(*layout->objects),
		      object_cmp);
}

const struct vml_object *vml_layout_object_at(const struct vml_layout *layout,
					      uint64_t addr)
{
	size_t idx = vml_layout_index(layout, addr);
	if (idx == SIZE_MAX || !layout->regions[idx].object)
		return NULL;
	const char *path = layout->regions[idx].object;
	/* Objects are sorted by start; spans of different objects do not
	 * normally interleave, so the binary search hits. */
	size_t ub = VML_UPPER_BOUND(layout->objects, layout->nobjects, start, addr);
	if (ub > 0 && layout->objects[ub - 1].path == path)
		return &layout->objects[ub - 1];
	/* One library mapped into another's hole: fall back to a scan. */
	for (size_t i = 0; i < layout->nobjects; i++)
		if (layout->objects[i].path == path)
			return &layout->objects[i];
	return NULL;
}

/*
 * classify_kernel.c — a whole x86-64 address space from its page tables.
 *
 * The walker (pt_x86_64.c) gives coalesced ranges. Here they are named after
 * the kernel's documented virtual memory map (Documentation/arch/x86/x86_64/
 * mm.rst, 4- and 5-level tables). KASLR moves the direct map, vmalloc and
 * vmemmap (in that order, inside [direct map slot, vaddr_end)) and the kernel
 * image inside its 1 GiB window; without vmlinux symbols these bases are
 * inferred from what is mapped, and every region depending on an inferred
 * base says so (VML_REGION_GUESSED).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
#define PIB (UINT64_C(1) << 50)

/* Fixed part of mm.rst that differs between 4- and 5-level paging. */
struct vml_kmap {
	uint64_t kernel_start;   /* first canonical kernel address */
	uint64_t ldt_start, ldt_size;
	uint64_t direct_default, direct_size;
	uint64_t vmalloc_default, vmalloc_size;
	uint64_t vmemmap_default, vmemmap_size;
	uint64_t kasan_start, kasan_end;
	uint64_t kaslr_end;      /* vaddr_end: randomized regions stay below */
	uint64_t kaslr_align;    /* PUD (4-level) or P4D (5-level) */
};

static const struct vml_kmap kmap4 = {
	.kernel_start = UINT64_C(0xffff800000000000),
	.ldt_start = UINT64_C(0xffff880000000000), .ldt_size = TIB / 2,
	.direct_default = UINT64_C(0xffff888000000000), .direct_size = 64 * TIB,
	.vmalloc_default = UINT64_C(0xffffc90000000000), .vmalloc_size = 32 * TIB,
	.vmemmap_default = UINT64_C(0xffffea0000000000), .vmemmap_size = TIB,
	.kasan_start = UINT64_C(0xffffec0000000000),
	.kasan_end = UINT64_C(0xfffffc0000000000),
	.kaslr_end = UINT64_C(0xfffffe0000000000),  /* CPU_ENTRY_AREA_BASE */
	.kaslr_align = GIB,
};

static const struct vml_kmap kmap5 = {
	.kernel_start = UINT64_C(0xff00000000000000),
	.ldt_start = UINT64_C(0xff10000000000000), .ldt_size = PIB / 4,
	.direct_default = UINT64_C(0xff11000000000000), .direct_size = 32 * PIB,
	.vmalloc_default = UINT64_C(0xffa0000000000000),
	.vmalloc_size = 12 * PIB + PIB / 2,
	.vmemmap_default = UINT64_C(0xffd4000000000000), .vmemmap_size = PIB / 2,
	.kasan_start = UINT64_C(0xffdf000000000000),
	.kasan_end = UINT64_C(0xfffffc0000000000),
	.kaslr_end = UINT64_C(0xfffffe0000000000),  /* CPU_ENTRY_AREA_BASE */
	.kaslr_align = GIB,    /* KASLR aligns to PUD with 5 levels too */
};

/* The top of the map is the same for both. */
#define CEA_START      UINT64_C(0xfffffe0000000000)
#define ESPFIX_START   UINT64_C(0xffffff0000000000)
#define EFI_START      UINT64_C(0xffffffef00000000)
#define EFI_END        UINT64_C(0xffffffff00000000)
#define TEXT_START     UINT64_C(0xffffffff80000000)
#define MODULES_512M   UINT64_C(0xffffffffa0000000) /* KERNEL_IMAGE_SIZE 512 MiB */
#define MODULES_1G     UINT64_C(0xffffffffc0000000) /* with CONFIG_RANDOMIZE_BASE */
#define MODULES_END    UINT64_C(0xffffffffff000000)
#define VSYSCALL_START UINT64_C(0xffffffffff600000)
#define FIXMAP_END     UINT64_C(0xffffffffffe00000)

/* Holes smaller than this inside the kernel image are section gaps that the
 * kernel unmapped (text/rodata, rodata/data), not the end of the image. */
#define IMAGE_GAP_MAX  (4 * MIB)

/* A slot of the map with its kind: the unit regions are grouped by. */
struct vml_kslot {
	uint64_t start, end;     /* [start, end) */
	uint32_t kind;
	int base;                /* enum vml_kbase it depends on, or -1 */
	const char *what;        /* mm.rst's description */
};

#define MAX_SLOTS 20

struct vml_kernel {
	struct vml_pt_config config;
	const struct vml_kmap *map;
	struct vml_pt_range *ranges;
	size_t nranges;
	uint32_t *kinds;
	uint64_t bases[VML_KBASE_COUNT];
	uint32_t how[VML_KBASE_COUNT];
	uint64_t rip;
	struct vml_kslot slots[MAX_SLOTS]; /* sorted, non-overlapping */
	size_t nslots;
	struct vml_pt_walk_stats stats;
	struct vml_layout *layout;
	/* Borrowed from vml_kernel_from_pagetables (NULL from ranges):
	 * whereis --phys searches the tables themselves through it. */
	struct vml_source *source;
};

static uint64_t align_down(uint64_t x, uint64_t align)
{
	return x & ~(align - 1);
}

/* Exclusive end of a range, saturating at 2^64 - 1 (regions cannot end at
 * 2^64; losing the very last byte of the address space costs nothing). */
static uint64_t range_end(const struct vml_pt_range *r)
{
	return r->last == UINT64_MAX ? UINT64_MAX : r->last + 1;
}

static bool range_is_kernel_mapping(const struct vml_kernel *k,
				    const struct vml_pt_range *r)
{
	return r->status == VML_PT_MAPPED && r->start >= k->map->kernel_start &&
	       !(r->flags & VML_PT_USER);
}

/* Any mapping of the kernel half, user-accessible ones (vsyscall) included:
 * these make up the kernel regions. */
static bool range_in_kernel_half(const struct vml_kernel *k,
				 const struct vml_pt_range *r)
{
	return r->status == VML_PT_MAPPED && r->start >= k->map->kernel_start;
}

/* Index of the first range with last >= va (ranges are sorted). */
static size_t first_range_from(const struct vml_kernel *k, uint64_t va)
{
	size_t lo = 0, hi = k->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->ranges[mid].last < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ------------------------------------------------------------ inference */

/*
 * The direct map is linear: va - pa is page_offset_base for all of it, and
 * KASLR keeps that base aligned (PUD / P4D). It comes first in the
 * randomized span, so the lowest aligned linear mapping there is it.
 */
static void infer_page_offset(struct vml_kernel *k)
{
	const struct vml_kmap *m = k->map;
	for (size_t i = first_range_from(k, m->direct_default);
	     i < k->nranges; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->start >= m->kaslr_end)
			break;
		if (!range_is_kernel_mapping(k, r) || r->phys > r->start)
			continue;
		if (k->config.nxe && !(r->flags & VML_PT_NX))
			continue;
		uint64_t base = r->start - r->phys;
		if (base < m->direct_default || base % m->kaslr_align)
			continue;
		k->bases[VML_KBASE_PAGE_OFFSET] = base;
		k->how[VML_KBASE_PAGE_OFFSET] = VML_KBASE_INFERRED;
		return;
	}
}

/* End of the last linear direct-map range (or the base when none). */
static uint64_t direct_map_end(const struct vml_kernel *k)
{
	uint64_t base = k->bases[VML_KBASE_PAGE_OFFSET], end = base;
	uint64_t limit = base + k->map->direct_size;
	for (size_t i = first_range_from(k, base); i < k->nranges; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->start >= limit)
			break;
		if (range_is_kernel_mapping(k, r) && r->phys <= r->start &&
		    r->start - r->phys == base)
			end = range_end(r);
	}
	return end;
}

/* Aligned base of the first kernel mapping in [from, kaslr_end), or 0. */
static uint64_t first_mapping_base(const struct vml_kernel *k, uint64_t from)
{
	const struct vml_kmap *m = k->map;
	for (size_t i = first_range_from(k, from); i < k->nranges; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->start >= m->kaslr_end)
			break;
		if (!range_is_kernel_mapping(k, r) || r->start < from)
			continue;
		uint64_t base = align_down(r->start, m->kaslr_align);
		return base < from ? from : base;
	}
	return 0;
}

/*
 * KASLR places the direct map, vmalloc and vmemmap in that order, each
 * region starting at a random aligned offset after the end of the one
 * before it, where "end" is the region's full documented size (vmalloc:
 * 32 TiB, or 12.5 PiB with 5 levels), not just what is mapped. vmalloc
 * fills bottom-up, so its first mapping is next to its base; but per-cpu
 * chunks sit at its top, possibly within a few GiB of vmemmap, so vmemmap
 * is the first mapping past vmalloc's full size, not the topmost cluster.
 */
static void infer_vmalloc_vmemmap(struct vml_kernel *k)
{
	const struct vml_kmap *m = k->map;
	if (!k->how[VML_KBASE_VMALLOC]) {
		uint64_t base = first_mapping_base(k, direct_map_end(k));
		if (base) {
			k->bases[VML_KBASE_VMALLOC] = base;
			k->how[VML_KBASE_VMALLOC] = VML_KBASE_INFERRED;
		}
	}
	if (k->how[VML_KBASE_VMEMMAP] || !k->how[VML_KBASE_VMALLOC])
		return;
	uint64_t after;
	if (vml_add_overflows(k->bases[VML_KBASE_VMALLOC], m->vmalloc_size, &after))
		return;
	uint64_t base = first_mapping_base(k, after);
	if (base) {
		k->bases[VML_KBASE_VMEMMAP] = base;
		k->how[VML_KBASE_VMEMMAP] = VML_KBASE_INFERRED;
	}
}

/* The mapped run (gaps < IMAGE_GAP_MAX) around index i in the image window. */
static void image_cluster(const struct vml_kernel *k, size_t i,
			  uint64_t *start, uint64_t *end)
{
	size_t lo = i, hi = i;
	while (lo > 0 && range_is_kernel_mapping(k, &k->ranges[lo - 1]) &&
	       k->ranges[lo - 1].start >= TEXT_START &&
	       k->ranges[lo].start - range_end(&k->ranges[lo - 1]) < IMAGE_GAP_MAX)
		lo--;
	while (hi + 1 < k->nranges &&
	       range_is_kernel_mapping(k, &k->ranges[hi + 1]) &&
	       k->ranges[hi + 1].start < MODULES_END &&
	       k->ranges[hi + 1].start - range_end(&k->ranges[hi]) < IMAGE_GAP_MAX)
		hi++;
	*start = k->ranges[lo].start;
	*end = range_end(&k->ranges[hi]);
}

/* The kernel image holds RIP when the guest stopped in kernel code;
 * otherwise it is the lowest mapping of the image window. */
static void infer_text(struct vml_kernel *k)
{
	size_t hit = SIZE_MAX;
	if (k->rip >= TEXT_START && k->rip < MODULES_END) {
		size_t i = first_range_from(k, k->rip);
		if (i < k->nranges && k->ranges[i].start <= k->rip &&
		    range_is_kernel_mapping(k, &k->ranges[i]))
			hit = i;
	}
	if (hit == SIZE_MAX) {
		size_t i = first_range_from(k, TEXT_START);
		if (i < k->nranges && k->ranges[i].start < MODULES_1G &&
		    range_is_kernel_mapping(k, &k->ranges[i]))
			hit = i;
	}
	uint64_t start = 0, end = 0;
	if (hit != SIZE_MAX) {
		image_cluster(k, hit, &start, &end);
		if (!k->how[VML_KBASE_TEXT]) {
			k->bases[VML_KBASE_TEXT] = start;
			k->how[VML_KBASE_TEXT] = VML_KBASE_INFERRED;
		}
	}
	if (k->how[VML_KBASE_MODULES])
		return;
	/* Modules follow the image window: 1 GiB with CONFIG_RANDOMIZE_BASE
	 * (most distributions), 512 MiB without. Mappings between the two
	 * that are not the image say the window is the small one. */
	k->bases[VML_KBASE_MODULES] = MODULES_1G;
	k->how[VML_KBASE_MODULES] = VML_KBASE_DOCUMENTED;
	uint64_t from = end > MODULES_512M ? end : MODULES_512M;
	size_t i = first_range_from(k, from);
	if (end <= MODULES_1G && i < k->nranges &&
	    k->ranges[i].start >= from && k->ranges[i].start < MODULES_1G &&
	    range_is_kernel_mapping(k, &k->ranges[i])) {
		k->bases[VML_KBASE_MODULES] = MODULES_512M;
		k->how[VML_KBASE_MODULES] = VML_KBASE_INFERRED;
	}
}

static void infer_bases(struct vml_kernel *k, const struct vml_kernel_hints *h)
{
	const struct vml_kmap *m = k->map;
	if (h) {
		k->rip = h->rip;
		for (int i = 0; i < VML_KBASE_COUNT; i++) {
			if (h->bases[i]) {
				k->bases[i] = h->bases[i];
				k->how[i] = VML_KBASE_GIVEN;
			}
		}
	}
	if (!k->how[VML_KBASE_PAGE_OFFSET])
		infer_page_offset(k);
	if (k->how[VML_KBASE_PAGE_OFFSET] == VML_KBASE_INFERRED &&
	    k->bases[VML_KBASE_PAGE_OFFSET] == m->direct_default) {
		/* The direct map sits at its documented address: memory
		 * randomization is off, so the others are documented too. */
		k->how[VML_KBASE_PAGE_OFFSET] = VML_KBASE_DOCUMENTED;
		if (!k->how[VML_KBASE_VMALLOC]) {
			k->bases[VML_KBASE_VMALLOC] = m->vmalloc_default;
			k->how[VML_KBASE_VMALLOC] = VML_KBASE_DOCUMENTED;
		}
		if (!k->how[VML_KBASE_VMEMMAP]) {
			k->bases[VML_KBASE_VMEMMAP] = m->vmemmap_default;
			k->how[VML_KBASE_VMEMMAP] = VML_KBASE_DOCUMENTED;
		}
	}
	if (k->how[VML_KBASE_PAGE_OFFSET] &&
	    (!k->how[VML_KBASE_VMALLOC] || !k->how[VML_KBASE_VMEMMAP]))
		infer_vmalloc_vmemmap(k);
	infer_text(k);
}

/* ------------------------------------------------------------ slots */

static void add_slot(struct vml_kernel *k, uint64_t start, uint64_t end,
		     uint32_t kind, int base, const char *what)
{
	if (start >= end || k->nslots >= MAX_SLOTS)
		return;
	k->slots[k->nslots++] = (struct vml_kslot){ start, end, kind, base, what };
}

static int slot_cmp(const void *a, const void *b)
{
	const struct vml_kslot *sa = a, *sb = b;
	return sa->start < sb->start ? -1 : sa->start > sb->start;
}

/* The slot of a KASLR-moved region when its base is known: size bytes from
 * the base, cut at the end of the randomized span. */
static void add_based_slot(struct vml_kernel *k, int base, uint64_t size,
			   uint32_t kind, const char *what)
{
	if (!k->how[base])
		return;
	uint64_t start = k->bases[base], top = k->map->kaslr_end;
	add_slot(k, start, start > top - size ? top : start + size, kind,
		 base, what);
}

/* Slots whose base KASLR moves come first, so they win over the fixed slot
 * (KASAN) their randomized position may fall into; then overlaps are cut. */
static void build_slots(struct vml_kernel *k)
{
	const struct vml_kmap *m = k->map;
	add_based_slot(k, VML_KBASE_VMEMMAP, m->vmemmap_size, VML_KIND_VMEMMAP,
		       "virtual memory map (vmemmap_base)");
	add_based_slot(k, VML_KBASE_VMALLOC, m->vmalloc_size, VML_KIND_VMALLOC,
		       "vmalloc/ioremap space (vmalloc_base)");
	add_based_slot(k, VML_KBASE_PAGE_OFFSET, m->direct_size,
		       VML_KIND_DIRECT_MAP,
		       "direct mapping of all physical memory (page_offset_base)");
	add_slot(k, m->ldt_start, m->ldt_start + m->ldt_size, VML_KIND_LDT_REMAP,
		 -1, "LDT remap for PTI");
	add_slot(k, m->kasan_start, m->kasan_end, VML_KIND_KASAN, -1,
		 "KASAN shadow memory");
	add_slot(k, CEA_START, CEA_START + TIB / 2, VML_KIND_CPU_ENTRY_AREA, -1,
		 "cpu_entry_area mapping");
	add_slot(k, ESPFIX_START, ESPFIX_START + TIB / 2, VML_KIND_ESPFIX, -1,
		 "%esp fixup stacks");
	add_slot(k, EFI_START, EFI_END, VML_KIND_EFI, -1,
		 "EFI region mapping space");
	uint64_t modules = k->bases[VML_KBASE_MODULES];
	add_slot(k, TEXT_START, modules, VML_KIND_KERNEL_TEXT, VML_KBASE_TEXT,
		 "kernel text mapping");
	add_slot(k, modules, MODULES_END, VML_KIND_MODULES, VML_KBASE_MODULES,
		 "module mapping space");
	add_slot(k, MODULES_END, VSYSCALL_START, VML_KIND_FIXMAP, -1,
		 "kernel-internal fixmap range");
	add_slot(k, VSYSCALL_START, VSYSCALL_START + 4 * KIB, VML_KIND_VSYSCALL,
		 -1, "legacy vsyscall ABI");
	add_slot(k, VSYSCALL_START + 4 * KIB, FIXMAP_END, VML_KIND_FIXMAP, -1,
		 "kernel-internal fixmap range");

	/* Cut the later (fixed) slots where an earlier one already claims
	 * the space: mark claimed ranges by trimming in insertion order. */
	for (size_t i = 0; i < k->nslots; i++) {
		for (size_t j = 0; j < i; j++) {
			struct vml_kslot *s = &k->slots[i];
			const struct vml_kslot *w = &k->slots[j];
			if (s->start >= w->end || w->start >= s->end)
				continue;
			if (s->start >= w->start)
				s->start = w->end < s->end ? w->end : s->end;
			else
				s->end = w->start;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < k->nslots; i++)
		if (k->slots[i].start < k->slots[i].end)
			k->slots[n++] = k->slots[i];
	k->nslots = n;
	qsort(k->slots, n, sizeof(k->slots[0]), slot_cmp);
}

static const struct vml_kslot *slot_at(const struct vml_kernel *k, uint64_t va)
{
	for (size_t i = 0; i < k->nslots; i++)
		if (va >= k->slots[i].start && va < k->slots[i].end)
			return &k->slots[i];
	return NULL;
}

/* ------------------------------------------------------------ regions */

static void range_perms(const struct vml_kernel *k, uint32_t flags,
			char perms[8])
{
	bool exec = !k->config.nxe || !(flags & VML_PT_NX);
	perms[0] = 'r';
	perms[1] = flags & VML_PT_WRITE ? 'w' : '-';
	perms[2] = exec ? 'x' : '-';
	perms[3] = 'p';
	perms[4] = '\0';
}

static struct vml_error *append_region(struct vml_kernel *k, uint64_t start,
				       uint64_t end, uint32_t kind,
				       uint32_t group, uint32_t rflags,
				       const char perms[8], const char *name)
{
	struct vml_region r = { 0 };
	r.start = start;
	r.end = end;
	r.kind = kind;
	r.group = group;
	memcpy(r.perms, perms, 5);
	vml_region_set_perms(&r, perms);
	r.flags |= rflags;
	/* range_end() saturates: a run reaching the last page (the top of
	 * the fixmap) really ends at 2^64. Pages are 4 KiB aligned, so no
	 * real range ends just before the last byte. */
	if (end == UINT64_MAX)
		r.flags |= VML_REGION_ENDS_AT_TOP;
	if (name) {
		r.name = vml_arena_strdup(&k->layout->strings, name);
		if (!r.name)
			return &vml_enomem;
	}
	return vml_layout_append(k->layout, &r);
}

/* User half: contiguous runs with equal permissions, the way a process's
 * maps would show them (page tables know no file names). */
static struct vml_error *user_regions(struct vml_kernel *k)
{
	size_t i = 0;
	while (i < k->nranges && k->ranges[i].start < k->map->kernel_start) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->status != VML_PT_MAPPED) {
			i++;
			continue;
		}
		char perms[8], next[8];
		range_perms(k, r->flags, perms);
		uint32_t user = r->flags & VML_PT_USER;
		uint64_t start = r->start, end = range_end(r);
		size_t j = i + 1;
		for (; j < k->nranges; j++) {
			const struct vml_pt_range *n = &k->ranges[j];
			range_perms(k, n->flags, next);
			if (n->status != VML_PT_MAPPED || n->start != end ||
			    n->start >= k->map->kernel_start ||
			    (n->flags & VML_PT_USER) != user ||
			    strcmp(next, perms))
				break;
			end = range_end(n);
		}
		struct vml_error *err = append_region(
			k, start, end, user ? VML_KIND_UNKNOWN : VML_KIND_KERNEL,
			VML_GROUP_NONE, VML_REGION_GUESSED, perms,
			user ? NULL : "supervisor-only mapping in the user half");
		if (err)
			return err;
		i = j;
	}
	return NULL;
}

/* Region name: mm.rst's words plus where the base came from. */
static const char *region_name(const struct vml_kernel *k,
			       const struct vml_kslot *s, char *buf, size_t size)
{
	if (s->base < 0) {
		snprintf(buf, size, "%s", s->what);
		return buf;
	}
	static const char *const how[] = { "unknown", "from symbols", "inferred",
					   "documented" };
	uint32_t h = k->how[s->base];
	snprintf(buf, size, "%s, base 0x%" PRIx64 " %s", s->what,
		 k->bases[s->base], h < VML_ARRAY_SIZE(how) ? how[h] : "?");
	return buf;
}

/* Kernel half: one region per slot (first to last mapped byte), and one
 * per contiguous run of mappings outside every documented slot. */
static struct vml_error *kernel_regions(struct vml_kernel *k)
{
	size_t i = first_range_from(k, k->map->kernel_start);
	char name[160];
	while (i < k->nranges) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (!range_in_kernel_half(k, r)) {
			i++;
			continue;
		}
		const struct vml_kslot *s = slot_at(k, r->start);
		uint64_t start = r->start, end = range_end(r);
		/* One region per run of equal permissions inside a slot: a
		 * union would draw kernel text as "rwx" when no page is both
		 * writable and executable. The picture folds a slot's regions
		 * into one row with a summary ("r-x rw- r--"). */
		char perms[8], next[8];
		range_perms(k, r->flags, perms);
		size_t j = i + 1;
		for (; j < k->nranges; j++) {
			const struct vml_pt_range *n = &k->ranges[j];
			if (!range_in_kernel_half(k, n))
				continue;
			if (s ? n->start >= s->end :
			    (n->start != end || slot_at(k, n->start)))
				break;
			range_perms(k, n->flags, next);
			if (memcmp(next, perms, 4) != 0)
				break;
			end = range_end(n);
		}
		if (s && end > s->end)
			end = s->end;
		bool guessed = !s || (s->base >= 0 &&
				      k->how[s->base] != VML_KBASE_GIVEN);
		struct vml_error *err = append_region(
			k, start, end, s ? s->kind : VML_KIND_KERNEL,
			VML_GROUP_KERNEL, guessed ? VML_REGION_GUESSED : 0, perms,
			s ? region_name(k, s, name, sizeof(name)) :
			    "kernel mapping outside the documented slots");
		if (err)
			return err;
		i = j;
	}
	return NULL;
}

static struct vml_error *build_layout(struct vml_kernel *k)
{
	struct vml_error *err = vml_layout_create(&k->layout);
	if (err)
		return err;
	err = user_regions(k);
	if (!err)
		err = kernel_regions(k);
	if (!err)
		err = vml_layout_finish(k->layout);
	if (err)
		return err;
	for (size_t i = 0; i < k->nranges; i++)
		if (k->ranges[i].status == VML_PT_UNREADABLE ||
		    k->ranges[i].status == VML_PT_RESERVED)
			k->layout->flags |= VML_LAYOUT_INCOMPLETE;
	k->layout->classified = true;
	return NULL;
}

/* ------------------------------------------------------------ public */

uint32_t vml_kernel_kind_at(const struct vml_kernel *k, uint64_t va)
{
	if (!k || va < k->map->kernel_start)
		return VML_KIND_UNKNOWN;
	const struct vml_kslot *s = slot_at(k, va);
	return s ? s->kind : VML_KIND_KERNEL;
}

struct vml_error *vml_kernel_from_ranges(const struct vml_pt_config *config,
					 const struct vml_pt_range *ranges,
					 size_t count,
					 const struct vml_kernel_hints *hints,
					 struct vml_kernel **ret)
{
	if (!config || !ret || (count && !ranges))
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: NULL config, ranges or result");
	if (config->levels != 4 && config->levels != 5)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: %" PRIu32 " paging levels (4 or 5)",
					config->levels);
	for (size_t i = 1; i < count; i++)
		if (ranges[i].start <= ranges[i - 1].last)
			return vml_error_create(VML_ERROR_INVALID,
				"kernel: range %zu (0x%" PRIx64 ") not sorted",
				i, ranges[i].start);
	struct vml_kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return &vml_enomem;
	k->config = *config;
	k->map = config->levels == 5 ? &kmap5 : &kmap4;
	if (count) {
		size_t bytes;
		k->ranges = vml_mul_overflows(count, sizeof(*ranges), &bytes) ?
			    NULL : malloc(bytes);
		k->kinds = calloc(count, sizeof(*k->kinds));
		if (!k->ranges || !k->kinds) {
			vml_kernel_free(k);
			return &vml_enomem;
		}
		memcpy(k->ranges, ranges, bytes);
	}
	k->nranges = count;
	infer_bases(k, hints);
	build_slots(k);
	for (size_t i = 0; i < count; i++)
		k->kinds[i] = vml_kernel_kind_at(k, ranges[i].start);
	struct vml_error *err = build_layout(k);
	if (err) {
		vml_kernel_free(k);
		return err;
	}
	*ret = k;
	return NULL;
}

struct vml_error *vml_kernel_from_pagetables(struct vml_source *src,
					     const struct vml_pt_config *config,
					     const struct vml_kernel_hints *hints,
					     struct vml_kernel **ret)
{
	if (!src || !config || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: NULL source, config or result");
	struct vml_pt_walk *walk;
	struct vml_error *err = vml_pt_walk(src, config, &walk);
	if (err)
		return err;
	size_t n = vml_pt_walk_count(walk);
	struct vml_pt_range *ranges = NULL;
	if (n) {
		ranges = calloc(n, sizeof(*ranges));
		if (!ranges) {
			vml_pt_walk_free(walk);
			return &vml_enomem;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct vml_pt_range *r = vml_pt_walk_range(walk, i);
		if (r)
			ranges[i] = *r;
	}
	struct vml_pt_walk_stats stats;
	vml_pt_walk_get_stats(walk, &stats);
	vml_pt_walk_free(walk);
	err = vml_kernel_from_ranges(config, ranges, n, hints, ret);
	free(ranges);
	if (!err) {
		(*ret)->stats = stats;
		(*ret)->source = src;
	}
	return err;
}

void vml_kernel_free(struct vml_kernel *k)
{
	if (!k)
		return;
	vml_layout_free(k->layout);
	free(k->ranges);
	free(k->kinds);
	free(k);
}

const struct vml_layout *vml_kernel_layout(const struct vml_kernel *k)
{
	return k ? k->layout : NULL;
}

const struct vml_pt_config *vml_kernel_config(const struct vml_kernel *k)
{
	return k ? &k->config : NULL;
}

struct vml_source *vml_kernel_source(const struct vml_kernel *k)
{
	return k ? k->source : NULL;
}

uint64_t vml_kernel_base(const struct vml_kernel *k, enum vml_kbase which,
			 uint32_t *how_ret)
{
	if (!k || (unsigned)which >= VML_KBASE_COUNT) {
		if (how_ret)
			*how_ret = VML_KBASE_UNKNOWN;
		return 0;
	}
	if (how_ret)
		*how_ret = k->how[which];
	return k->how[which] ? k->bases[which] : 0;
}

size_t vml_kernel_range_count(const struct vml_kernel *k)
{
	return k ? k->nranges : 0;
}

const struct vml_pt_range *vml_kernel_range(const struct vml_kernel *k,
					    size_t i)
{
	return k && i < k->nranges ? &k->ranges[i] : NULL;
}

uint32_t vml_kernel_range_kind(const struct vml_kernel *k, size_t i)
{
	return k && i < k->nranges ? k->kinds[i] : VML_KIND_UNKNOWN;
}

void vml_kernel_walk_stats(const struct vml_kernel *k,
			   struct vml_pt_walk_stats *ret)
{
	if (!ret)
		return;
	*ret = k ? k->stats : (struct vml_pt_walk_stats){ 0 };
}

size_t vml_kernel_phys_to_virt(const struct vml_kernel *k, uint64_t pa,
			       uint64_t *vas, size_t max)
{
	size_t found = 0;
	if (!k)
		return 0;
	for (size_t i = 0; i < k->nranges; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->status != VML_PT_MAPPED || pa < r->phys ||
		    pa - r->phys > r->last - r->start)
			continue;
		if (vas && found < max)
			vas[found] = r->start + (pa - r->phys);
		found++;
	}
	return found;
}

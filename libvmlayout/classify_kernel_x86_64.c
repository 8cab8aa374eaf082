/*
 * classify_kernel_x86_64.c — the x86-64 kernel's documented virtual
 * memory map (Documentation/arch/x86/x86_64/mm.rst, 4- and 5-level
 * tables) and KASLR inference. KASLR moves the direct map, vmalloc and
 * vmemmap (in that order, inside [direct map slot, vaddr_end)) and the
 * kernel image inside its 1 GiB window; without vmlinux symbols these
 * bases are inferred from what is mapped, and every region depending on an
 * inferred base says so (kernel.c marks it VML_REGION_GUESSED).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
#define PIB (UINT64_C(1) << 50)

/* Fixed part of mm.rst that differs between 4- and 5-level paging. */
struct vml_kmap {
	uint64_t ldt_start, ldt_size;
	uint64_t direct_default, direct_size;
	uint64_t vmalloc_default, vmalloc_size;
	uint64_t vmemmap_default, vmemmap_size;
	uint64_t kasan_start, kasan_end;
	uint64_t kaslr_end;      /* vaddr_end: randomized regions stay below */
	uint64_t kaslr_align;    /* PUD (4-level) or P4D (5-level) */
};

static const struct vml_kmap kmap4 = {
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

static const struct vml_kmap *kmap(const struct vml_paging *p)
{
	return p->levels == 5 ? &kmap5 : &kmap4;
}

static uint64_t align_down(uint64_t x, uint64_t align)
{
	return x & ~(align - 1);
}

/* ------------------------------------------------------------ inference */

/*
 * The direct map is linear: va - pa is page_offset_base for all of it, and
 * KASLR keeps that base aligned (PUD / P4D). It comes first in the
 * randomized span, so the lowest aligned linear mapping there is it.
 */
static void infer_page_offset(struct vml_kernel *k)
{
	const struct vml_kmap *m = kmap(&k->paging);
	for (size_t i = vml_kernel_first_range_from(k, m->direct_default);
	     i < k->nranges; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->start >= m->kaslr_end)
			break;
		if (!vml_kernel_range_is_kernel(k, r) || r->phys > r->start)
			continue;
		if (k->paging.nx && !(r->flags & VML_PT_NX))
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
	uint64_t limit = base + kmap(&k->paging)->direct_size;
	for (size_t i = vml_kernel_first_range_from(k, base); i < k->nranges;
	     i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->start >= limit)
			break;
		if (vml_kernel_range_is_kernel(k, r) && r->phys <= r->start &&
		    r->start - r->phys == base)
			end = vml_kernel_range_end(r);
	}
	return end;
}

/* Aligned base of the first kernel mapping in [from, kaslr_end), or 0. */
static uint64_t first_mapping_base(const struct vml_kernel *k, uint64_t from)
{
	const struct vml_kmap *m = kmap(&k->paging);
	for (size_t i = vml_kernel_first_range_from(k, from); i < k->nranges;
	     i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (r->start >= m->kaslr_end)
			break;
		if (!vml_kernel_range_is_kernel(k, r) || r->start < from)
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
	const struct vml_kmap *m = kmap(&k->paging);
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
	while (lo > 0 && vml_kernel_range_is_kernel(k, &k->ranges[lo - 1]) &&
	       k->ranges[lo - 1].start >= TEXT_START &&
	       k->ranges[lo].start - vml_kernel_range_end(&k->ranges[lo - 1]) <
	       IMAGE_GAP_MAX)
		lo--;
	while (hi + 1 < k->nranges &&
	       vml_kernel_range_is_kernel(k, &k->ranges[hi + 1]) &&
	       k->ranges[hi + 1].start < MODULES_END &&
	       k->ranges[hi + 1].start - vml_kernel_range_end(&k->ranges[hi]) <
	       IMAGE_GAP_MAX)
		hi++;
	*start = k->ranges[lo].start;
	*end = vml_kernel_range_end(&k->ranges[hi]);
}

/* The kernel image holds the pc when the guest stopped in kernel code;
 * otherwise it is the lowest mapping of the image window. */
static void infer_text(struct vml_kernel *k)
{
	size_t hit = SIZE_MAX;
	if (k->pc >= TEXT_START && k->pc < MODULES_END) {
		size_t i = vml_kernel_first_range_from(k, k->pc);
		if (i < k->nranges && k->ranges[i].start <= k->pc &&
		    vml_kernel_range_is_kernel(k, &k->ranges[i]))
			hit = i;
	}
	if (hit == SIZE_MAX) {
		size_t i = vml_kernel_first_range_from(k, TEXT_START);
		if (i < k->nranges && k->ranges[i].start < MODULES_1G &&
		    vml_kernel_range_is_kernel(k, &k->ranges[i]))
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
	size_t i = vml_kernel_first_range_from(k, from);
	if (end <= MODULES_1G && i < k->nranges &&
	    k->ranges[i].start >= from && k->ranges[i].start < MODULES_1G &&
	    vml_kernel_range_is_kernel(k, &k->ranges[i])) {
		k->bases[VML_KBASE_MODULES] = MODULES_512M;
		k->how[VML_KBASE_MODULES] = VML_KBASE_INFERRED;
	}
}

static void infer_bases(struct vml_kernel *k)
{
	const struct vml_kmap *m = kmap(&k->paging);
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

/* The slot of a KASLR-moved region when its base is known: size bytes from
 * the base, cut at the end of the randomized span. */
static void add_based_slot(struct vml_kernel *k, int base, uint64_t size,
			   uint32_t kind, const char *what)
{
	if (!k->how[base])
		return;
	uint64_t start = k->bases[base], top = kmap(&k->paging)->kaslr_end;
	vml_kernel_add_slot(k, start, start > top - size ? top : start + size,
			    kind, base, what);
}

/* Slots whose base KASLR moves come first, so they win over the fixed slot
 * (KASAN) their randomized position may fall into. */
static void add_slots(struct vml_kernel *k)
{
	const struct vml_kmap *m = kmap(&k->paging);
	add_based_slot(k, VML_KBASE_VMEMMAP, m->vmemmap_size, VML_KIND_VMEMMAP,
		       "virtual memory map (vmemmap_base)");
	add_based_slot(k, VML_KBASE_VMALLOC, m->vmalloc_size, VML_KIND_VMALLOC,
		       "vmalloc/ioremap space (vmalloc_base)");
	add_based_slot(k, VML_KBASE_PAGE_OFFSET, m->direct_size,
		       VML_KIND_DIRECT_MAP,
		       "direct mapping of all physical memory (page_offset_base)");
	vml_kernel_add_slot(k, m->ldt_start, m->ldt_start + m->ldt_size,
			    VML_KIND_LDT_REMAP, -1, "LDT remap for PTI");
	vml_kernel_add_slot(k, m->kasan_start, m->kasan_end, VML_KIND_KASAN,
			    -1, "KASAN shadow memory");
	vml_kernel_add_slot(k, CEA_START, CEA_START + TIB / 2,
			    VML_KIND_CPU_ENTRY_AREA, -1,
			    "cpu_entry_area mapping");
	vml_kernel_add_slot(k, ESPFIX_START, ESPFIX_START + TIB / 2,
			    VML_KIND_ESPFIX, -1, "%esp fixup stacks");
	vml_kernel_add_slot(k, EFI_START, EFI_END, VML_KIND_EFI, -1,
			    "EFI region mapping space");
	uint64_t modules = k->bases[VML_KBASE_MODULES];
	vml_kernel_add_slot(k, TEXT_START, modules, VML_KIND_KERNEL_TEXT,
			    VML_KBASE_TEXT, "kernel text mapping");
	vml_kernel_add_slot(k, modules, MODULES_END, VML_KIND_MODULES,
			    VML_KBASE_MODULES, "module mapping space");
	vml_kernel_add_slot(k, MODULES_END, VSYSCALL_START, VML_KIND_FIXMAP, -1,
			    "kernel-internal fixmap range");
	vml_kernel_add_slot(k, VSYSCALL_START, VSYSCALL_START + 4 * KIB,
			    VML_KIND_VSYSCALL, -1, "legacy vsyscall ABI");
	vml_kernel_add_slot(k, VSYSCALL_START + 4 * KIB, FIXMAP_END,
			    VML_KIND_FIXMAP, -1, "kernel-internal fixmap range");
}

static uint64_t direct_map_default(const struct vml_paging *p)
{
	return kmap(p)->direct_default;
}

/* ------------------------------------------------------------ symbols */

static const struct vml_kernel_symbol symbols[] = {
	{ "page_offset_base", VML_SYMBOL_VALUE },
	{ "vmalloc_base", VML_SYMBOL_VALUE },
	{ "vmemmap_base", VML_SYMBOL_VALUE },
	{ "_text", VML_SYMBOL_ADDRESS },
};
static const enum vml_kbase symbol_bases[] = {
	VML_KBASE_PAGE_OFFSET, VML_KBASE_VMALLOC, VML_KBASE_VMEMMAP,
	VML_KBASE_TEXT,
};

const struct vml_kernel_class vml_kernel_class_x86_64 = {
	.symbols = symbols,
	.symbol_bases = symbol_bases,
	.nsymbols = VML_ARRAY_SIZE(symbols),
	.base_names = { "page_offset_base", "vmalloc_base", "vmemmap_base",
			"_text", "MODULES_VADDR" },
	.direct_map_default = direct_map_default,
	.infer_bases = infer_bases,
	.add_slots = add_slots,
};

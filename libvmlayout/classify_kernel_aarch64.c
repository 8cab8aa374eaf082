/*
 * classify_kernel_aarch64.c — the AArch64 Linux kernel's virtual memory
 * map (Documentation/arch/arm64/memory.rst, v6.1: linear map, modules,
 * vmalloc with the kernel image inside it, fixed mappings, PCI I/O,
 * vmemmap), sized from the paging (VA_BITS from TCR_EL1.T1SZ, the page
 * size from the granule) with the formulas of arch/arm64/include/asm/
 * memory.h, and KASLR: the kernel image moves inside vmalloc space, the
 * module region moves with it (module_alloc_base), and the linear map of
 * RAM moves inside its slot (memstart_addr). Without vmlinux symbols
 * these are inferred from the mappings and marked so.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

#define MODULES_VSIZE (128 * MIB)
/* log2(sizeof(struct page)) rounded up, as the kernel sizes vmemmap. */
#define STRUCT_PAGE_MAX_SHIFT 6
/* QEMU virt's RAM starts at 1 GiB: the read plan's guess of memstart_addr
 * when the stub reads no physical memory and no symbol says better. */
#define VIRT_RAM_BASE (1 * GIB)
/* The kernel image is physically contiguous: its segments share one
 * va - pa offset, with small holes between them (and the freed init
 * sections); vmalloc areas next to it have other offsets. */
#define IMAGE_GAP_MAX (64 * MIB)
/* The image is loaded 2 MiB aligned (MIN_KIMG_ALIGN; KASLR moves it in
 * such steps) and its first 64 KiB, the header before _stext, are not
 * mapped: _text is the image's first mapping rounded down. */
#define KIMG_ALIGN (2 * MIB)


struct amap {
	uint64_t page_offset, page_end;      /* the linear map */
	uint64_t modules_vaddr, modules_end; /* documented module region */
	uint64_t vmalloc_start, vmalloc_end; /* the image lies inside */
	uint64_t fixaddr_top;
	uint64_t pci_io_start, pci_io_end;
	uint64_t vmemmap_start, vmemmap_end;
};

/* memory.h of v6.1, with VA_BITS the kernel half's width. */
static void amap(const struct vml_paging *p, struct amap *m)
{
	uint64_t size = -p->kernel_start;        /* 1 << VA_BITS */
	unsigned g = p->level[1].shift;
	unsigned vmemmap_shift = g - STRUCT_PAGE_MAX_SHIFT;
	m->page_offset = p->kernel_start;
	m->page_end = -(size >> 1);
	m->modules_vaddr = m->page_end;
	m->modules_end = m->modules_vaddr + MODULES_VSIZE;
	m->vmemmap_start = -(size >> vmemmap_shift);
	m->vmemmap_end = m->vmemmap_start +
			 ((m->page_end - m->page_offset) >> vmemmap_shift);
	m->vmalloc_start = m->modules_end;
	m->vmalloc_end = m->vmemmap_start - 256 * MIB;
	m->fixaddr_top = m->vmemmap_start - 32 * MIB;
	m->pci_io_end = m->vmemmap_start - 8 * MIB;
	m->pci_io_start = m->pci_io_end - 16 * MIB;
}

static bool is_exec(const struct vml_pt_range *r)
{
	return !(r->flags & VML_PT_NX);
}

static void set_base(struct vml_kernel *k, enum vml_kbase b, uint64_t v,
		     uint32_t how)
{
	if (k->how[b])
		return;
	k->bases[b] = v;
	k->how[b] = how;
}

/* ------------------------------------------------------------ inference */

/* The linear map: va - pa is the same for all of it. */
static void infer_linear(struct vml_kernel *k, const struct amap *m)
{
	for (size_t i = vml_kernel_first_range_from(k, m->page_offset);
	     i < k->nranges && k->ranges[i].start < m->page_end; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		if (!vml_kernel_range_is_kernel(k, r))
			continue;
		set_base(k, VML_KBASE_PAGE_OFFSET, r->start - r->phys,
			 VML_KBASE_INFERRED);
		return;
	}
}

/* Index of the kernel range in [from, to) holding va, or SIZE_MAX. */
static size_t range_at(const struct vml_kernel *k, uint64_t va)
{
	size_t i = vml_kernel_first_range_from(k, va);
	if (i < k->nranges && k->ranges[i].start <= va &&
	    vml_kernel_range_is_kernel(k, &k->ranges[i]))
		return i;
	return SIZE_MAX;
}

/* The image around range i: ranges with its va - pa offset, holes of less
 * than IMAGE_GAP_MAX between them, inside vmalloc space. */
static void image_extent(const struct vml_kernel *k, const struct amap *m,
			 size_t i, uint64_t *start, uint64_t *end,
			 uint64_t *exec_end)
{
	uint64_t off = k->ranges[i].start - k->ranges[i].phys;
	size_t lo = i, hi = i;
	for (size_t j = i; j-- > 0;) {
		const struct vml_pt_range *r = &k->ranges[j];
		if (r->start < m->vmalloc_start ||
		    k->ranges[lo].start - vml_kernel_range_end(r) >= IMAGE_GAP_MAX)
			break;
		if (vml_kernel_range_is_kernel(k, r) && r->start - r->phys == off)
			lo = j;
	}
	for (size_t j = i + 1; j < k->nranges; j++) {
		const struct vml_pt_range *r = &k->ranges[j];
		if (r->start >= m->vmalloc_end ||
		    r->start - vml_kernel_range_end(&k->ranges[hi]) >= IMAGE_GAP_MAX)
			break;
		if (vml_kernel_range_is_kernel(k, r) && r->start - r->phys == off)
			hi = j;
	}
	*start = k->ranges[lo].start;
	*end = vml_kernel_range_end(&k->ranges[hi]);
	*exec_end = *start;
	for (size_t j = lo; j <= hi; j++)
		if (is_exec(&k->ranges[j]) &&
		    k->ranges[j].start - k->ranges[j].phys == off)
			*exec_end = vml_kernel_range_end(&k->ranges[j]);
}

/* The image's first mapping, _stext, from _text: the first executable
 * kernel mapping within KIMG_ALIGN above it (the header below _stext is
 * not mapped, and vmalloc may use that space), or SIZE_MAX. */
static size_t image_first(const struct vml_kernel *k, uint64_t text)
{
	for (size_t i = vml_kernel_first_range_from(k, text);
	     i < k->nranges && k->ranges[i].start - text < KIMG_ALIGN; i++)
		if (vml_kernel_range_is_kernel(k, &k->ranges[i]) &&
		    is_exec(&k->ranges[i]))
			return i;
	return SIZE_MAX;
}

/* The image holds the pc when the guest stopped in kernel code; otherwise
 * it is the largest executable run in vmalloc space. */
static size_t image_anchor(const struct vml_kernel *k, const struct amap *m)
{
	if (k->how[VML_KBASE_TEXT] == VML_KBASE_GIVEN) {
		size_t i = image_first(k, k->bases[VML_KBASE_TEXT]);
		if (i != SIZE_MAX)
			return i;
	}
	if (k->pc >= m->vmalloc_start && k->pc < m->vmalloc_end) {
		size_t i = range_at(k, k->pc);
		if (i != SIZE_MAX && is_exec(&k->ranges[i]))
			return i;
	}
	size_t best = SIZE_MAX;
	uint64_t best_size = 0;
	for (size_t i = vml_kernel_first_range_from(k, m->vmalloc_start);
	     i < k->nranges && k->ranges[i].start < m->vmalloc_end; i++) {
		const struct vml_pt_range *r = &k->ranges[i];
		uint64_t size = r->last - r->start;
		if (vml_kernel_range_is_kernel(k, r) && is_exec(r) &&
		    (best == SIZE_MAX || size > best_size)) {
			best = i;
			best_size = size;
		}
	}
	return best;
}

/* Image extent and the module region. 6.1 sets module_alloc_base to
 * _etext - MODULES_VSIZE and moves it only with KASLR, by a random amount
 * the mappings do not tell (module pages look like any executable vmalloc
 * page, kprobes' instruction slots included): without the symbol it is
 * known only when the image was not moved. */
static void infer_image(struct vml_kernel *k, const struct amap *m,
			uint64_t *image_start, uint64_t *image_end)
{
	*image_start = *image_end = 0;
	size_t i = image_anchor(k, m);
	if (i == SIZE_MAX)
		return;
	uint64_t exec_end;
	image_extent(k, m, i, image_start, image_end, &exec_end);
	uint64_t text = *image_start & ~(KIMG_ALIGN - 1);
	bool moved = text != m->modules_end;
	set_base(k, VML_KBASE_TEXT, text, moved ? VML_KBASE_INFERRED :
		 VML_KBASE_DOCUMENTED);
	if (k->how[VML_KBASE_MODULES] || moved)
		return;
	set_base(k, VML_KBASE_MODULES,
		 (exec_end - MODULES_VSIZE) & ~(uint64_t)0xfff,
		 VML_KBASE_DOCUMENTED);
}

static void infer_bases(struct vml_kernel *k)
{
	struct amap m;
	amap(&k->paging, &m);
	infer_linear(k, &m);
	set_base(k, VML_KBASE_VMALLOC, m.vmalloc_start, VML_KBASE_DOCUMENTED);
	set_base(k, VML_KBASE_VMEMMAP, m.vmemmap_start, VML_KBASE_DOCUMENTED);
	uint64_t start, end;
	infer_image(k, &m, &start, &end);
}

/* ------------------------------------------------------------ slots */

static void add_slots(struct vml_kernel *k)
{
	struct amap m;
	amap(&k->paging, &m);
	/* The image first: it lies inside vmalloc space. */
	if (k->how[VML_KBASE_TEXT]) {
		/* The first executable mapping at or above _text, _stext:
		 * the header below it is not mapped, and vmalloc may use
		 * that space. */
		uint64_t base = k->bases[VML_KBASE_TEXT];
		size_t i = image_first(k, base);
		if (i != SIZE_MAX) {
			uint64_t start, end, exec_end;
			image_extent(k, &m, i, &start, &end, &exec_end);
			if (start < k->bases[VML_KBASE_TEXT])
				start = k->bases[VML_KBASE_TEXT];
			vml_kernel_add_slot(k, start, end, VML_KIND_KERNEL_TEXT,
					    VML_KBASE_TEXT,
					    "kernel image (text, rodata, data,"
					    " bss)");
		}
	}
	vml_kernel_add_slot(k, m.page_offset, m.page_end, VML_KIND_DIRECT_MAP,
			    -1, "kernel logical memory map (linear map)");
	vml_kernel_add_slot(k, m.vmalloc_start, m.vmalloc_end,
			    VML_KIND_VMALLOC, -1, "vmalloc");
	/* Module memory is vmalloc memory: inside vmalloc space (where
	 * KASLR puts the whole module region) the addresses are vmalloc's;
	 * the module region names only what lies below it. */
	if (k->how[VML_KBASE_MODULES]) {
		uint64_t b = k->bases[VML_KBASE_MODULES];
		vml_kernel_add_slot(k, b, b > UINT64_MAX - MODULES_VSIZE ?
				    UINT64_MAX : b + MODULES_VSIZE,
				    VML_KIND_MODULES, VML_KBASE_MODULES,
				    "module region (module_alloc_base)");
	}
	vml_kernel_add_slot(k, m.modules_vaddr, m.modules_end,
			    VML_KIND_MODULES, -1, "modules (documented region)");
	vml_kernel_add_slot(k, m.vmalloc_end, m.fixaddr_top, VML_KIND_FIXMAP,
			    -1, "fixed mappings (top down)");
	vml_kernel_add_slot(k, m.pci_io_start, m.pci_io_end, VML_KIND_PCI_IO,
			    -1, "PCI I/O space");
	vml_kernel_add_slot(k, m.vmemmap_start, m.vmemmap_end,
			    VML_KIND_VMEMMAP, -1, "vmemmap (struct page array)");
}

/* The read plan's fallback: where pa 0 would be in the linear map. */
static uint64_t direct_map_default(const struct vml_paging *p)
{
	return p->kernel_start - VIRT_RAM_BASE;
}

/* ------------------------------------------------------------ symbols */

static const struct vml_kernel_symbol symbols[] = {
	{ "memstart_addr", VML_SYMBOL_VALUE },
	{ "_text", VML_SYMBOL_ADDRESS },
	{ "module_alloc_base", VML_SYMBOL_VALUE },
};
static const enum vml_kbase symbol_bases[] = {
	VML_KBASE_PAGE_OFFSET, VML_KBASE_TEXT, VML_KBASE_MODULES,
};

/* memstart_addr is the physical address at PAGE_OFFSET (PHYS_OFFSET):
 * physical 0 is at PAGE_OFFSET - memstart_addr. */
static uint64_t symbol_base(const struct vml_paging *p, size_t symbol,
			    uint64_t value)
{
	return symbol == 0 ? p->kernel_start - value : value;
}

const struct vml_kernel_class vml_kernel_class_aarch64 = {
	.symbols = symbols,
	.symbol_bases = symbol_bases,
	.nsymbols = VML_ARRAY_SIZE(symbols),
	.symbol_base = symbol_base,
	.base_names = { "phys_to_virt(0)", "VMALLOC_START", "VMEMMAP_START",
			"_text", "module_alloc_base" },
	.unknown_why = {
		[VML_KBASE_MODULES] = "KASLR moved it: the symbol gives it",
	},
	.direct_map_default = direct_map_default,
	.infer_bases = infer_bases,
	.add_slots = add_slots,
};

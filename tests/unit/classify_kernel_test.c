/* classify_kernel_test.c — kernel half from page-table ranges: mm.rst slots,
 * KASLR bases inferred or given, regions, ptdump / JSON / whereis output.
 * The answers are written by hand from mm.rst (4- and 5-level tables). */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

#define M2 (UINT64_C(2) << 20)
#define K4 UINT64_C(4096)

#define RW VML_PT_WRITE
#define NX VML_PT_NX
#define US VML_PT_USER
#define G VML_PT_GLOBAL
#define P VML_PT_PRESENT

static struct vml_pt_range R(uint64_t start, uint64_t size, uint64_t phys,
			     uint32_t flags, uint64_t page_size)
{
	return (struct vml_pt_range){
		.start = start, .last = start + size - 1, .phys = phys,
		.page_size = page_size, .flags = P | flags,
		.level = page_size == K4 ? 1 : page_size == M2 ? 2 : 3,
		.status = VML_PT_MAPPED,
	};
}

/* 4-level paging, NX on, root 0x2594000 (made once, lives for the run). */
static const struct vml_paging *cfg4(void)
{
	static struct vml_paging *p;
	if (!p)
		p = vml_test_x86_paging(0x2594000, 4, true, 0);
	return p;
}

static const struct vml_paging *cfg5(void)
{
	static struct vml_paging *p;
	if (!p)
		p = vml_test_x86_paging(0x1000, 5, true, 0);
	return p;
}

/* A nokaslr 4-level kernel: everything at mm.rst's documented addresses. */
static size_t nokaslr_ranges(struct vml_pt_range *r)
{
	size_t n = 0;
	r[n++] = R(0x400000, K4, 0x5000, US, K4);                  /* user r-x */
	r[n++] = R(0x401000, 2 * K4, 0x7000, US | RW | NX, K4);     /* user rw- */
	r[n++] = R(0xffff888000000000, M2, 0, RW | NX | G, M2);      /* direct */
	r[n++] = R(0xffff888000200000, 0x1fe00000, 0x200000, RW | NX, M2);
	r[n++] = R(0xffffc90000000000, 4 * K4, 0x3000000, RW | NX, K4);
	r[n++] = R(0xffffc90000010000, K4, 0x3100000, RW, K4);      /* W+X */
	r[n++] = R(0xffffea0000000000, M2, 0x4000000, RW | NX, M2);  /* vmemmap */
	r[n++] = R(0xfffffe0000000000, K4, 0x4300000, NX | G, K4);  /* CEA */
	r[n++] = R(0xffffff0000000000, K4, 0x4400000, RW | NX, K4); /* espfix */
	r[n++] = R(0xffffffff81000000, 0xe00000, 0x1000000, G, M2);  /* text */
	r[n++] = R(0xffffffff82000000, 0x600000, 0x2000000, NX | G, M2);
	r[n++] = R(0xffffffff82800000, 0x400000, 0x2800000, RW | NX | G, M2);
	r[n++] = R(0xffffffffff5fb000, K4, 0xfee00000, RW | NX, K4); /* fixmap */
	r[n++] = R(0xffffffffff600000, K4, 0x2403000, US | NX, K4);  /* vsyscall */
	return n;
}

static struct vml_kernel *make(const struct vml_paging *c,
			       const struct vml_pt_range *r, size_t n,
			       const struct vml_kernel_hints *h)
{
	struct vml_kernel *k = NULL;
	VML_ASSERT_OK(vml_kernel_from_ranges(c, r, n, sizeof(*r), h, sizeof(*h), &k));
	return k;
}

static void expect_base(const struct vml_kernel *k, enum vml_kbase b,
			uint64_t value, uint32_t how)
{
	uint32_t got_how = 99;
	CU_ASSERT_EQUAL(vml_kernel_base(k, b, &got_how), value);
	CU_ASSERT_EQUAL(got_how, how);
}

static void test_nokaslr_bases_are_documented(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel_hints h = { .pc = 0xffffffff81234567 };
	struct vml_kernel *k = make(cfg4(), r, n, &h);
	expect_base(k, VML_KBASE_PAGE_OFFSET, 0xffff888000000000,
		    VML_KBASE_DOCUMENTED);
	expect_base(k, VML_KBASE_VMALLOC, 0xffffc90000000000,
		    VML_KBASE_DOCUMENTED);
	expect_base(k, VML_KBASE_VMEMMAP, 0xffffea0000000000,
		    VML_KBASE_DOCUMENTED);
	/* The image starts at the mapping holding RIP, gaps and all. */
	expect_base(k, VML_KBASE_TEXT, 0xffffffff81000000, VML_KBASE_INFERRED);
	expect_base(k, VML_KBASE_MODULES, 0xffffffffc0000000,
		    VML_KBASE_DOCUMENTED);
	vml_kernel_free(k);
}

static void test_nokaslr_range_kinds(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	static const uint32_t want[] = {
		VML_KIND_UNKNOWN, VML_KIND_UNKNOWN, VML_KIND_DIRECT_MAP,
		VML_KIND_DIRECT_MAP, VML_KIND_VMALLOC, VML_KIND_VMALLOC,
		VML_KIND_VMEMMAP, VML_KIND_CPU_ENTRY_AREA, VML_KIND_ESPFIX,
		VML_KIND_KERNEL_TEXT, VML_KIND_KERNEL_TEXT, VML_KIND_KERNEL_TEXT,
		VML_KIND_FIXMAP, VML_KIND_VSYSCALL,
	};
	CU_ASSERT_EQUAL_FATAL(n, VML_ARRAY_SIZE(want));
	CU_ASSERT_EQUAL(vml_kernel_range_count(k), n);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(vml_kernel_range_kind(k, i), want[i]);
	/* Slots with nothing mapped still have their documented names. */
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff880000001000), VML_KIND_LDT_REMAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffec0000000000), VML_KIND_KASAN);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffffef00000000), VML_KIND_EFI);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffffffc0000000), VML_KIND_MODULES);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffffffeffffff), VML_KIND_MODULES);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffffffff000000), VML_KIND_FIXMAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffffffff600fff), VML_KIND_VSYSCALL);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffffffff601000), VML_KIND_FIXMAP);
	/* Unused holes of the map are just kernel space. */
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff800000000000), VML_KIND_KERNEL);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffffffffe00000), VML_KIND_KERNEL);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0x00007fffffffffff), VML_KIND_UNKNOWN);
	vml_kernel_free(k);
}

static void test_nokaslr_regions(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	const struct vml_layout *l = vml_kernel_layout(k);
	/* One region per run of equal perms inside a slot: user r-x, user
	 * rw-, direct, vmalloc rw- and rwx, vmemmap, CEA, espfix, the image's
	 * r-x, r-- and rw- parts, fixmap, vsyscall. */
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(l), 13);
	const struct vml_region *u = vml_layout_region(l, 0);
	CU_ASSERT_EQUAL(u->start, 0x400000);
	CU_ASSERT_EQUAL(u->end, 0x401000);
	CU_ASSERT_STRING_EQUAL(u->perms, "r-xp");
	CU_ASSERT_STRING_EQUAL(vml_layout_region(l, 1)->perms, "rw-p");
	const struct vml_region *d = vml_layout_find(l, 0xffff888000300000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->kind, VML_KIND_DIRECT_MAP);
	CU_ASSERT_EQUAL(d->group, VML_GROUP_KERNEL);
	CU_ASSERT_EQUAL(d->start, 0xffff888000000000);
	CU_ASSERT_EQUAL(d->end, 0xffff888020000000);
	CU_ASSERT_STRING_EQUAL(d->perms, "rw-p");
	CU_ASSERT(d->flags & VML_REGION_GUESSED);
	/* The image: text r-x, rodata r--, data rw-; never a union "rwx". */
	const struct vml_region *t = vml_layout_find(l, 0xffffffff81000000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->kind, VML_KIND_KERNEL_TEXT);
	CU_ASSERT_EQUAL(t->end, 0xffffffff81e00000);
	CU_ASSERT_STRING_EQUAL(t->perms, "r-xp");
	t = vml_layout_find(l, 0xffffffff82100000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->start, 0xffffffff82000000);
	CU_ASSERT_EQUAL(t->end, 0xffffffff82600000);
	CU_ASSERT_STRING_EQUAL(t->perms, "r--p");
	t = vml_layout_find(l, 0xffffffff82900000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->kind, VML_KIND_KERNEL_TEXT);
	CU_ASSERT_EQUAL(t->start, 0xffffffff82800000);
	CU_ASSERT_EQUAL(t->end, 0xffffffff82c00000);
	CU_ASSERT_STRING_EQUAL(t->perms, "rw-p");
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0xffffffff81f00000));
	/* vmalloc: the rw- mapping, then the W+X one as its own region. */
	const struct vml_region *v = vml_layout_find(l, 0xffffc90000003000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->kind, VML_KIND_VMALLOC);
	CU_ASSERT_EQUAL(v->end, 0xffffc90000004000);
	CU_ASSERT_STRING_EQUAL(v->perms, "rw-p");
	v = vml_layout_find(l, 0xffffc90000010000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->kind, VML_KIND_VMALLOC);
	CU_ASSERT_EQUAL(v->end, 0xffffc90000011000);
	CU_ASSERT_STRING_EQUAL(v->perms, "rwxp");
	const struct vml_region *vs = vml_layout_find(l, 0xffffffffff600000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vs);
	CU_ASSERT_EQUAL(vs->kind, VML_KIND_VSYSCALL);
	CU_ASSERT_FALSE(vml_layout_flags(l) & VML_LAYOUT_INCOMPLETE);
	vml_kernel_free(k);
}

/* KASLR: the three randomized regions at made-up aligned bases. */
static size_t kaslr_ranges(struct vml_pt_range *r)
{
	size_t n = 0;
	/* direct map: page 0 unmapped, still linear at 0xffff9a4e40000000 */
	r[n++] = R(0xffff9a4e40001000, 0x9f000, 0x1000, RW | NX, K4);
	r[n++] = R(0xffff9a4e40100000, 0x1ff00000, 0x100000, RW | NX | G, M2);
	/* vmalloc: first allocation a little above its base */
	r[n++] = R(0xffffb1a2c0002000, 3 * K4, 0x5000000, RW | NX, K4);
	r[n++] = R(0xffffb1a2c8000000, K4, 0x5100000, RW | NX, K4);
	/* vmemmap: struct pages of RAM, with a RAM hole */
	r[n++] = R(0xffffd3f1c0000000, 0x800000, 0x6000000, RW | NX, M2);
	r[n++] = R(0xffffd3f1c1000000, M2, 0x6800000, RW | NX, M2);
	/* image with the text/rodata and rodata/data gaps unmapped */
	r[n++] = R(0xffffffffa3a00000, 0xe00000, 0x1000000, G, M2);
	r[n++] = R(0xffffffffa4a00000, 0x400000, 0x2000000, NX | G, M2);
	r[n++] = R(0xffffffffa4f00000, 0x100000, 0x2500000, RW | NX | G, K4);
	/* a module */
	r[n++] = R(0xffffffffc0123000, 2 * K4, 0x7000000, G, K4);
	return n;
}

static void test_kaslr_bases_inferred(void)
{
	struct vml_pt_range r[32];
	size_t n = kaslr_ranges(r);
	struct vml_kernel_hints h = { .pc = 0xffffffffa3c12345 };
	struct vml_kernel *k = make(cfg4(), r, n, &h);
	expect_base(k, VML_KBASE_PAGE_OFFSET, 0xffff9a4e40000000,
		    VML_KBASE_INFERRED);
	expect_base(k, VML_KBASE_VMALLOC, 0xffffb1a2c0000000, VML_KBASE_INFERRED);
	expect_base(k, VML_KBASE_VMEMMAP, 0xffffd3f1c0000000, VML_KBASE_INFERRED);
	expect_base(k, VML_KBASE_TEXT, 0xffffffffa3a00000, VML_KBASE_INFERRED);
	expect_base(k, VML_KBASE_MODULES, 0xffffffffc0000000,
		    VML_KBASE_DOCUMENTED);
	static const uint32_t want[] = {
		VML_KIND_DIRECT_MAP, VML_KIND_DIRECT_MAP, VML_KIND_VMALLOC,
		VML_KIND_VMALLOC, VML_KIND_VMEMMAP, VML_KIND_VMEMMAP,
		VML_KIND_KERNEL_TEXT, VML_KIND_KERNEL_TEXT, VML_KIND_KERNEL_TEXT,
		VML_KIND_MODULES,
	};
	CU_ASSERT_EQUAL_FATAL(n, VML_ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(vml_kernel_range_kind(k, i), want[i]);
	/* KASLR put vmemmap where nokaslr has KASAN: the moved slot wins. */
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffffd3f1c0000000), VML_KIND_VMEMMAP);
	vml_kernel_free(k);
}

static void test_kaslr_without_rip_uses_lowest_image_mapping(void)
{
	struct vml_pt_range r[32];
	size_t n = kaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	expect_base(k, VML_KBASE_TEXT, 0xffffffffa3a00000, VML_KBASE_INFERRED);
	vml_kernel_free(k);
}

static void test_hints_win_and_are_not_guessed(void)
{
	struct vml_pt_range r[32];
	size_t n = kaslr_ranges(r);
	/* As the debugger passes what it found for vml_arch_kernel_symbols;
	 * an unknown name and a symbol not found (0) change nothing. */
	struct vml_named_value syms[] = {
		{ "page_offset_base", 0xffff9a4e40000000 },
		{ "vmalloc_base", 0xffffb1a280000000 },
		{ "vmemmap_base", 0xffffd3f1c0000000 },
		{ "_text", 0xffffffffa3a00000 },
		{ "jiffies", 0xffffffffa5405000 },
		{ "MODULES_VADDR", 0 },
	};
	struct vml_kernel_hints h = { .symbols = syms,
				      .nsymbols = VML_ARRAY_SIZE(syms) };
	struct vml_kernel *k = make(cfg4(), r, n, &h);
	expect_base(k, VML_KBASE_PAGE_OFFSET, 0xffff9a4e40000000, VML_KBASE_GIVEN);
	expect_base(k, VML_KBASE_VMALLOC, 0xffffb1a280000000, VML_KBASE_GIVEN);
	expect_base(k, VML_KBASE_VMEMMAP, 0xffffd3f1c0000000, VML_KBASE_GIVEN);
	expect_base(k, VML_KBASE_TEXT, 0xffffffffa3a00000, VML_KBASE_GIVEN);
	expect_base(k, VML_KBASE_MODULES, 0xffffffffc0000000,
		    VML_KBASE_DOCUMENTED);
	const struct vml_region *d = vml_layout_find(vml_kernel_layout(k),
						     0xffff9a4e40001000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FALSE(d->flags & VML_REGION_GUESSED);
	CU_ASSERT_PTR_NOT_NULL(strstr(d->name, "from symbols"));
	vml_kernel_free(k);
}

static void test_small_image_window_moves_modules(void)
{
	/* A kernel built without RANDOMIZE_BASE: modules at 0xffffffffa0000000. */
	struct vml_pt_range r[4];
	size_t n = 0;
	r[n++] = R(0xffffffff81000000, 0x1000000, 0x1000000, G, M2);
	r[n++] = R(0xffffffffa0002000, K4, 0x7000000, G, K4);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	expect_base(k, VML_KBASE_MODULES, 0xffffffffa0000000, VML_KBASE_INFERRED);
	CU_ASSERT_EQUAL(vml_kernel_range_kind(k, 1), VML_KIND_MODULES);
	/* Nothing in the direct-map span: no base to invent. */
	expect_base(k, VML_KBASE_PAGE_OFFSET, 0, VML_KBASE_UNKNOWN);
	vml_kernel_free(k);
}

static void test_five_level_slots(void)
{
	const struct vml_paging *c = cfg5();
	struct vml_pt_range r[8];
	size_t n = 0;
	r[n++] = R(0x00ff7ffffff00000, K4, 0x9000, US | RW | NX, K4); /* user */
	r[n++] = R(0xff11000000000000, 0x10000000, 0, RW | NX, M2);
	r[n++] = R(0xffa0000000001000, K4, 0x3000000, RW | NX, K4);
	r[n++] = R(0xffd4000000000000, M2, 0x4000000, RW | NX, M2);
	r[n++] = R(0xffffffff81000000, M2, 0x1000000, G, M2);
	struct vml_kernel *k = make(c, r, n, NULL);
	expect_base(k, VML_KBASE_PAGE_OFFSET, 0xff11000000000000,
		    VML_KBASE_DOCUMENTED);
	expect_base(k, VML_KBASE_VMALLOC, 0xffa0000000000000, VML_KBASE_DOCUMENTED);
	CU_ASSERT_EQUAL(vml_kernel_range_kind(k, 0), VML_KIND_UNKNOWN);
	CU_ASSERT_EQUAL(vml_kernel_range_kind(k, 1), VML_KIND_DIRECT_MAP);
	CU_ASSERT_EQUAL(vml_kernel_range_kind(k, 2), VML_KIND_VMALLOC);
	CU_ASSERT_EQUAL(vml_kernel_range_kind(k, 3), VML_KIND_VMEMMAP);
	CU_ASSERT_EQUAL(vml_kernel_range_kind(k, 4), VML_KIND_KERNEL_TEXT);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xff10000000000000), VML_KIND_LDT_REMAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffdf000000000000), VML_KIND_KASAN);
	/* 4-level's direct map address is KASAN shadow with 5 levels, and
	 * 5-level's unused hole after vmalloc is no slot. */
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff888000000000), VML_KIND_KASAN);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffd2000000000000), VML_KIND_KERNEL);
	const struct vml_layout *l = vml_kernel_layout(k);
	CU_ASSERT_EQUAL(vml_layout_count(l), 5);
	vml_kernel_free(k);
}

static void test_bad_input(void)
{
	struct vml_pt_range r[2] = {
		R(0xffffffff82000000, K4, 0, 0, K4),
		R(0xffffffff81000000, K4, 0, 0, K4),
	};
	struct vml_kernel *k = NULL;
	VML_ASSERT_ERR(vml_kernel_from_ranges(cfg4(), r, 2, sizeof(struct vml_pt_range), NULL, 0, &k),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_kernel_from_ranges(NULL, r, 1, sizeof(struct vml_pt_range), NULL, 0, &k),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(k);
	/* Empty is fine: an empty layout. */
	VML_ASSERT_OK(vml_kernel_from_ranges(cfg4(), NULL, 0, sizeof(struct vml_pt_range), NULL, 0, &k));
	CU_ASSERT_EQUAL(vml_layout_count(vml_kernel_layout(k)), 0);
	vml_kernel_free(k);
	vml_kernel_free(NULL);
}

static void test_problem_ranges_make_layout_incomplete(void)
{
	struct vml_pt_range r[3];
	r[0] = R(0xffff888000000000, M2, 0, RW | NX, M2);
	r[1] = (struct vml_pt_range){ .start = 0xffffc90000000000,
				      .last = 0xffffc900001fffff,
				      .phys = 0xdead000, .level = 2,
				      .status = VML_PT_UNREADABLE };
	r[2] = R(0xffffffff81000000, M2, 0x1000000, G, M2);
	struct vml_kernel *k = make(cfg4(), r, 3, NULL);
	const struct vml_layout *l = vml_kernel_layout(k);
	CU_ASSERT(vml_layout_flags(l) & VML_LAYOUT_INCOMPLETE);
	/* The problem span is no region. */
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0xffffc90000000000));
	CU_ASSERT_EQUAL(vml_layout_count(l), 2);
	vml_kernel_free(k);
}

static void test_phys_to_virt_lists_every_alias(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	uint64_t vas[4];
	/* Kernel text page 0x1234000: direct map and image both map it. */
	CU_ASSERT_EQUAL_FATAL(vml_kernel_phys_to_virt(k, 0x1234567, vas, 4), 2);
	CU_ASSERT_EQUAL(vas[0], 0xffff888001234567);
	CU_ASSERT_EQUAL(vas[1], 0xffffffff81234567);
	CU_ASSERT_EQUAL(vml_kernel_phys_to_virt(k, 0x1234567, NULL, 0), 2);
	/* Above the direct map's 512 MiB and unmapped elsewhere. */
	CU_ASSERT_EQUAL(vml_kernel_phys_to_virt(k, 0x30000000, vas, 4), 0);
	vml_kernel_free(k);
}

static size_t count_lines_with(const char *text, const char *needle)
{
	size_t count = 0;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512];
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (strstr(buf, needle))
			count++;
		line = nl ? nl + 1 : NULL;
	}
	return count;
}

static void test_ptdump_text_and_wx(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	char *text = NULL;
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_TEXT,
					VML_KRENDER_PAGETABLES, &text));
	/* One row per range (each starts with 0x and has a phys column). */
	CU_ASSERT_EQUAL(count_lines_with(text, "  phys 0x"), n);
	/* Only the vmalloc page without NX is writable and executable (the
	 * user r-x page is not writable). */
	CU_ASSERT_EQUAL(count_lines_with(text, "W+X"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "0xffff888000200000-0xffff888020000000"
					     "    510M     RW"));
	vml_free(text);
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_TEXT, VML_KRENDER_WX, &text));
	CU_ASSERT_EQUAL(count_lines_with(text, "  phys 0x"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "0xffffc90000010000-0xffffc90000011000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "1 W+X range\n"));
	vml_free(text);
	vml_kernel_free(k);
}

static void test_ptdump_json(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	char *json = NULL;
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_JSON,
					VML_KRENDER_PAGETABLES, &json));
	CU_ASSERT(strncmp(json, "{\"ranges\": [", 12) == 0);
	CU_ASSERT_EQUAL(count_lines_with(json, "\"start\": "), n);
	/* 0xffffffff81000000 = 18446744071578845184, end exclusive. */
	CU_ASSERT_PTR_NOT_NULL(strstr(json,
		"{\"start\": 18446744071578845184, \"end\": 18446744071593525248, "
		"\"phys\": 16777216, \"page_size\": 2097152, \"user\": false, "
		"\"write\": false, \"nx\": false, \"global\": true"));
	vml_free(json);
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_JSON, VML_KRENDER_WX, &json));
	CU_ASSERT_EQUAL(count_lines_with(json, "\"start\": "), 1);
	vml_free(json);
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_JSON, 0, &json));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"page_offset_base\": {\"value\": "
					    "18446612682070032384, \"how\": \"documented\"}"));
	vml_free(json);
	vml_kernel_free(k);
}

static struct vml_pt_translation text_translation(void)
{
	/* 0xffffffff81234567 by hand: PML4[511] PDPT[510] PD[9], 2 MiB page. */
	struct vml_pt_translation tr = { .va = 0xffffffff81234567, .nsteps = 3 };
	tr.steps[0] = (struct vml_pt_step){ 4, 511, 0x2594000, 0x2594ff8,
					    0x2597067, P | RW | US | VML_PT_ACCESSED, 0 };
	tr.steps[1] = (struct vml_pt_step){ 3, 510, 0x2597000, 0x2597ff0,
					    0x2598063, P | RW | VML_PT_ACCESSED, 0 };
	tr.steps[2] = (struct vml_pt_step){ 2, 9, 0x2598000, 0x2598048,
					    0x12001e1,
					    P | VML_PT_ACCESSED | VML_PT_DIRTY |
					    VML_PT_PS | G, 0 };
	tr.mapped = true;
	tr.phys = 0x1234567;
	tr.page_size = M2;
	tr.flags = P | G;
	tr.stop_level = 2;
	return tr;
}

/* whereis of tr as vml_kernel_where would fill it, by hand: the renderer
 * only formats it. */
static struct vml_kernel_where where_of(const struct vml_kernel *k,
				       struct vml_pt_translation tr)
{
	struct vml_kernel_where w;
	memset(&w, 0, sizeof(w));
	w.addr = tr.va;
	w.walk = tr;
	w.half = tr.va < 0x800000000000 ? VML_HALF_USER : VML_HALF_KERNEL;
	w.kind = vml_kernel_kind_at(k, tr.va);
	w.region = vml_layout_find(vml_kernel_layout(k), tr.va);
	return w;
}

static char *render(const struct vml_kernel *k, const struct vml_kernel_where *w,
		    enum vml_format fmt)
{
	char *text = NULL;
	VML_ASSERT_OK(vml_render_kernel_where(k, w, sizeof(*w), fmt, 0, &text));
	return text;
}

static void test_where_text_walk(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	struct vml_kernel_where w = where_of(k, text_translation());
	w.has_symbol = true;
	strcpy(w.symbol, "do_one_initcall+0x17");
	w.mappings_total = 2;
	w.aliases_total = 1;
	w.naliases = 1;
	w.aliases[0] = (struct vml_kernel_hit){
		.va = 0xffff888001234567, .page_size = M2, .level = 2,
		.flags = P | RW | NX, .half = VML_HALF_KERNEL,
		.kind = VML_KIND_DIRECT_MAP };
	char *text = render(k, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "<do_one_initcall+0x17>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  slot: kernel-text\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "PML4[511] @ 0x000002594ff8 = "
					    "0x0000000002597067  P RW US"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "PD  [  9] @ 0x000002598048 = "
					    "0x00000000012001e1  P -RW -US -PWT "
					    "-PCD A D PS G -PAT -NX PKEY=0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "physical 0x1234567 = page 0x1200000 "
					    "+ 0x34567"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "also mapped at 0xffff888001234567"
					    " (direct-map)\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "in all"));
	CU_ASSERT_PTR_NULL(strstr(text, "direct map alias"));
	vml_free(text);

	/* From the direct-map side the image is the alias. */
	struct vml_pt_translation tr = text_translation();
	tr.va = 0xffff888001234567;
	w = where_of(k, tr);
	w.direct_map = true;
	w.text_maps_page = true;
	text = render(k, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "direct map alias of physical page "
					    "0x1234000; the kernel text mapping "
					    "also maps this page"));
	vml_free(text);
	w.text_maps_page = false;
	w.naliases = 0;
	w.aliases_total = 20;
	w.mappings_total = 21;
	text = render(k, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  ... 21 mappings of this physical"
					    " address in all\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "the kernel text mapping does not"
					    " map this page"));
	vml_free(text);

	/* Stopped walk. */
	tr = text_translation();
	tr.nsteps = 2;
	tr.mapped = false;
	tr.stop_level = 3;
	w = where_of(k, tr);
	text = render(k, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "not present at level 3 (PDPT)"));
	CU_ASSERT_PTR_NULL(strstr(text, "mapped:"));
	vml_free(text);
	vml_kernel_free(k);
}

static void test_where_json_levels(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	struct vml_kernel_where w = where_of(k, text_translation());
	char *json = render(k, &w, VML_FORMAT_JSON);
	CU_ASSERT_EQUAL(count_lines_with(json, "{\"level\": "), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"level\": 2, \"name\": \"PD\", "
					    "\"index\": 9, \"table\": 39419904, "
					    "\"entry_addr\": 39419976, \"value\": "
					    "18874849, \"bits\": {\"P\": true, "
					    "\"RW\": false"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"phys\": 19088743, "
					    "\"page_size\": 2097152"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"kind\": \"kernel-text\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"aliases_total\": 0, "
					    "\"aliases\": []}"));
	vml_free(json);
	/* A user address is "user", as in the page-table JSON. */
	struct vml_pt_translation tr = { .va = 0x400123, .stop_level = 4,
					 .nsteps = 1 };
	w = where_of(k, tr);
	json = render(k, &w, VML_FORMAT_JSON);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"kind\": \"user\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"status\": \"not-present\""));
	vml_free(json);
	vml_kernel_free(k);
}

static void test_render_phys(void)
{
	struct vml_pt_range r[32];
	size_t n = nokaslr_ranges(r);
	struct vml_kernel *k = make(cfg4(), r, n, NULL);
	/* Without a source the hits come from the walk's ranges. */
	struct vml_kernel_hit hits[4];
	size_t nhits = 0;
	uint64_t total = 0;
	VML_ASSERT_OK(vml_kernel_find_phys(k, 0x2403000, 4, hits, sizeof(hits[0]),
					   &nhits, &total));
	CU_ASSERT_EQUAL_FATAL(nhits, 3);
	CU_ASSERT_EQUAL(total, 3);
	CU_ASSERT_EQUAL(hits[0].va, 0xffff888002403000);
	CU_ASSERT_EQUAL(hits[0].kind, VML_KIND_DIRECT_MAP);
	CU_ASSERT_EQUAL(hits[2].kind, VML_KIND_VSYSCALL);
	CU_ASSERT_EQUAL(hits[2].half, VML_HALF_KERNEL);
	/* A hit size below the first published one is refused. */
	VML_ASSERT_ERR(vml_kernel_find_phys(k, 0x2403000, 4, hits, 8, &nhits,
					    &total), VML_ERROR_INVALID);
	/* The user page 0x400000 (phys 0x5000) is in the user half; the
	 * direct map's first 2 MiB page holds it too. */
	VML_ASSERT_OK(vml_kernel_find_phys(k, 0x5000, 4, hits, sizeof(hits[0]),
					   &nhits, &total));
	CU_ASSERT_EQUAL_FATAL(nhits, 2);
	CU_ASSERT_EQUAL(hits[0].va, 0x400000);
	CU_ASSERT_EQUAL(hits[0].half, VML_HALF_USER);
	CU_ASSERT_EQUAL(hits[0].kind, VML_KIND_UNKNOWN);
	CU_ASSERT_EQUAL(hits[1].va, 0xffff888000005000);
	CU_ASSERT_EQUAL(hits[1].kind, VML_KIND_DIRECT_MAP);
	VML_ASSERT_OK(vml_kernel_find_phys(k, 0x2403000, 4, hits, sizeof(hits[0]),
					   &nhits, &total));
	char *text = NULL;
	VML_ASSERT_OK(vml_render_phys_hits(k, 0x2403000, hits, nhits,
					   sizeof(hits[0]), total,
					   VML_FORMAT_TEXT, 0, &text));
	/* The vsyscall page (phys 0x2403000) is also in the direct map and
	 * inside the image's rodata. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "is mapped at 3 virtual addresses:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "0xffff888002403000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "0xffffffff82403000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "0xffffffffff600000  vsyscall "));
	vml_free(text);
	/* Fewer listed than there are: the rest is counted. */
	VML_ASSERT_OK(vml_render_phys_hits(k, 0x2403000, hits, 1,
					   sizeof(hits[0]), total,
					   VML_FORMAT_TEXT, 0, &text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  ... and 2 more\n"));
	vml_free(text);
	/* A kernel from ranges has no tables to walk for whereis. */
	struct vml_kernel_where w;
	VML_ASSERT_ERR(vml_kernel_where(k, 0xffffffff81000000, NULL, &w,
					sizeof(w)), VML_ERROR_UNSUPPORTED);
	vml_kernel_free(k);
}

/* The symbols a debugger should look up, and how physical memory should
 * be read when the stub has no physical mode (mm.rst's documented direct
 * map: 0xffff888000000000 with 4 levels, 0xff11000000000000 with 5). */
static void test_symbols_and_read_plan(void)
{
	size_t n = 0;
	const struct vml_kernel_symbol *s =
		vml_arch_kernel_symbols(VML_ARCH_X86_64, &n);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(s[0].name, "page_offset_base");
	CU_ASSERT_EQUAL(s[0].want, VML_SYMBOL_VALUE);
	CU_ASSERT_STRING_EQUAL(s[3].name, "_text");
	CU_ASSERT_EQUAL(s[3].want, VML_SYMBOL_ADDRESS);
	CU_ASSERT_PTR_NULL(vml_arch_kernel_symbols(VML_ARCH_UNKNOWN, &n));
	CU_ASSERT_EQUAL(n, 0);

	struct vml_read_plan plan;
	VML_ASSERT_OK(vml_kernel_read_plan(cfg4(), NULL, 0, true, &plan,
					   sizeof(plan)));
	CU_ASSERT_EQUAL(plan.mode, VML_READ_PHYSICAL);
	CU_ASSERT_STRING_EQUAL(plan.note, "");
	VML_ASSERT_OK(vml_kernel_read_plan(cfg4(), NULL, 0, false, &plan,
					   sizeof(plan)));
	CU_ASSERT_EQUAL(plan.mode, VML_READ_DIRECT_MAP);
	CU_ASSERT_EQUAL(plan.direct_base, 0xffff888000000000);
	CU_ASSERT_STRING_EQUAL(plan.note, "vmlayout: this gdbstub has no"
			       " physical-memory mode; reading the page tables"
			       " through the direct map at 0xffff888000000000"
			       " (documented default, wrong under KASLR)");
	VML_ASSERT_OK(vml_kernel_read_plan(cfg5(), NULL, 0, false, &plan,
					   sizeof(plan)));
	CU_ASSERT_EQUAL(plan.direct_base, 0xff11000000000000);
	struct vml_named_value syms[] = { { "vmalloc_base", 0xffffb1a2c0000000 },
					  { "page_offset_base",
					    0xffff9a4e40000000 } };
	struct vml_kernel_hints h = { .symbols = syms, .nsymbols = 2 };
	VML_ASSERT_OK(vml_kernel_read_plan(cfg4(), &h, sizeof(h), false, &plan,
					   sizeof(plan)));
	CU_ASSERT_EQUAL(plan.direct_base, 0xffff9a4e40000000);
	CU_ASSERT_PTR_NOT_NULL(strstr(plan.note, "at 0xffff9a4e40000000"
				      " (page_offset_base)"));
	VML_ASSERT_ERR(vml_kernel_read_plan(cfg4(), &h, sizeof(h), false, &plan, 8),
		       VML_ERROR_INVALID);
}

static CU_TestInfo tests[] = {
	{ "nokaslr bases are documented", test_nokaslr_bases_are_documented },
	{ "nokaslr range kinds", test_nokaslr_range_kinds },
	{ "nokaslr regions", test_nokaslr_regions },
	{ "kaslr bases inferred", test_kaslr_bases_inferred },
	{ "kaslr without rip", test_kaslr_without_rip_uses_lowest_image_mapping },
	{ "hints win", test_hints_win_and_are_not_guessed },
	{ "small image window", test_small_image_window_moves_modules },
	{ "five-level slots", test_five_level_slots },
	{ "bad input", test_bad_input },
	{ "problem ranges", test_problem_ranges_make_layout_incomplete },
	{ "phys to virt", test_phys_to_virt_lists_every_alias },
	{ "ptdump text and W+X", test_ptdump_text_and_wx },
	{ "ptdump json", test_ptdump_json },
	{ "whereis text walk", test_where_text_walk },
	{ "whereis json levels", test_where_json_levels },
	{ "whereis --phys", test_render_phys },
	{ "symbols and read plan", test_symbols_and_read_plan },
	CU_TEST_INFO_NULL,
};

int vml_suite_classify_kernel(void)
{
	return vml_add_suite("classify_kernel", tests);
}

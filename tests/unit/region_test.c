/* region_test.c — the region set: sorting, overlap rejection, find/index/gap
 * at every boundary, auxv/thread/exe context. Truths are hand-computed. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

static struct vml_region mkregion(uint64_t start, uint64_t end)
{
	struct vml_region r = { .start = start, .end = end };
	vml_region_set_perms(&r, "r--p");
	return r;
}

/* A layout from (start, end) pairs, appended in the given order. */
static struct vml_layout *build(const uint64_t (*ranges)[2], size_t n)
{
	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_create(&layout));
	for (size_t i = 0; i < n; i++) {
		struct vml_region r = mkregion(ranges[i][0], ranges[i][1]);
		VML_ASSERT_OK(vml_layout_append(layout, &r));
	}
	VML_ASSERT_OK(vml_layout_finish(layout));
	return layout;
}

static const uint64_t three[][2] = {
	{ 0x400000, 0x401000 },
	{ 0x401000, 0x403000 },   /* adjacent to the first */
	{ 0x7ffff000, 0x80000000 },
};

static void test_find_boundaries(void)
{
	struct vml_layout *l = build(three, 3);
	CU_ASSERT_EQUAL(vml_layout_count(l), 3);
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0));
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0x3fffff));
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x400000), vml_layout_region(l, 0));
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x400fff), vml_layout_region(l, 0));
	/* end of one region is the start of the next */
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x401000), vml_layout_region(l, 1));
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x402fff), vml_layout_region(l, 1));
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0x403000));
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0x7fffefff));
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x7ffff000), vml_layout_region(l, 2));
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x7fffffff), vml_layout_region(l, 2));
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0x80000000));
	CU_ASSERT_PTR_NULL(vml_layout_find(l, UINT64_MAX));
	CU_ASSERT_EQUAL(vml_layout_index(l, 0x402000), 1);
	CU_ASSERT_EQUAL(vml_layout_index(l, 0x403000), SIZE_MAX);
	CU_ASSERT_PTR_NULL(vml_layout_region(l, 3));
	vml_layout_free(l);
}

static void test_gaps(void)
{
	struct vml_layout *l = build(three, 3);
	struct vml_gap g;
	const struct vml_region *r0 = vml_layout_region(l, 0);
	const struct vml_region *r1 = vml_layout_region(l, 1);
	const struct vml_region *r2 = vml_layout_region(l, 2);

	/* below the first region: [0, 0x3fffff], 4 MiB */
	VML_ASSERT_OK(vml_layout_gap(l, 0, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0);
	CU_ASSERT_EQUAL(g.last, 0x3fffff);
	CU_ASSERT_EQUAL(g.last - g.start + 1, 4u << 20);
	CU_ASSERT_PTR_NULL(g.below);
	CU_ASSERT_PTR_EQUAL(g.above, r0);
	VML_ASSERT_OK(vml_layout_gap(l, 0x3fffff, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0);

	/* between: [0x403000, 0x7fffefff], 0x7fbfc000 bytes */
	VML_ASSERT_OK(vml_layout_gap(l, 0x403000, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0x403000);
	CU_ASSERT_EQUAL(g.last, 0x7fffefff);
	CU_ASSERT_EQUAL(g.last - g.start + 1, 0x7fbfc000);
	CU_ASSERT_PTR_EQUAL(g.below, r1);
	CU_ASSERT_PTR_EQUAL(g.above, r2);
	VML_ASSERT_OK(vml_layout_gap(l, 0x7fffefff, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0x403000);

	/* above the last: [0x80000000, 2^64-1] */
	VML_ASSERT_OK(vml_layout_gap(l, UINT64_MAX, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0x80000000);
	CU_ASSERT_EQUAL(g.last, UINT64_MAX);
	CU_ASSERT_PTR_EQUAL(g.below, r2);
	CU_ASSERT_PTR_NULL(g.above);

	/* mapped addresses have no gap, adjacent regions leave none between */
	VML_ASSERT_ERR(vml_layout_gap(l, 0x400000, &g, sizeof(g)),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_gap(l, 0x401000, &g, sizeof(g)),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_gap(l, 0x7fffffff, &g, sizeof(g)),
		       VML_ERROR_INVALID);
	vml_layout_free(l);

	/* empty layout: the whole space is one gap */
	VML_ASSERT_OK(vml_layout_create(&l));
	VML_ASSERT_OK(vml_layout_finish(l));
	VML_ASSERT_OK(vml_layout_gap(l, 0x1234, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0);
	CU_ASSERT_EQUAL(g.last, UINT64_MAX);
	CU_ASSERT_PTR_NULL(g.below);
	CU_ASSERT_PTR_NULL(g.above);
	CU_ASSERT_PTR_NULL(vml_layout_find(l, 0));
	vml_layout_free(l);
}

static void test_region_at_top_of_space(void)
{
	/* the last page below 2^64 can be expressed only up to end = 2^64-1 */
	static const uint64_t r[][2] = { { 0xffffffffff600000, 0xffffffffff601000 } };
	struct vml_layout *l = build(r, 1);
	struct vml_gap g;
	CU_ASSERT_PTR_NOT_NULL(vml_layout_find(l, 0xffffffffff600000));
	VML_ASSERT_OK(vml_layout_gap(l, 0xffffffffff601000, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0xffffffffff601000);
	CU_ASSERT_EQUAL(g.last, UINT64_MAX);
	VML_ASSERT_OK(vml_layout_gap(l, 0, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.last, 0xffffffffff5fffff);
	vml_layout_free(l);
}

/* The last page of the address space: `end` cannot hold 2^64, so such a
 * region has end 2^64-1 and VML_REGION_ENDS_AT_TOP; its last byte is in it. */
static void test_region_ending_at_2_64(void)
{
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_create(&l));
	struct vml_region low = mkregion(0x1000, 0x2000);
	struct vml_region top = mkregion(0xfffffffffffff000, UINT64_MAX);
	top.flags |= VML_REGION_ENDS_AT_TOP;
	VML_ASSERT_OK(vml_layout_append(l, &low));
	VML_ASSERT_OK(vml_layout_append(l, &top));
	VML_ASSERT_OK(vml_layout_finish(l));
	const struct vml_region *r = vml_layout_find(l, UINT64_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start, 0xfffffffffffff000);
	CU_ASSERT_EQUAL(vml_region_size(r), 4096);
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0xfffffffffffffffe), r);
	struct vml_gap g;
	VML_ASSERT_ERR(vml_layout_gap(l, UINT64_MAX, &g, sizeof(g)),
		       VML_ERROR_INVALID);
	VML_ASSERT_OK(vml_layout_gap(l, 0xffffffffffffefff, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.start, 0x2000);
	CU_ASSERT_EQUAL(g.last, 0xffffffffffffefff);
	CU_ASSERT_PTR_EQUAL(g.above, r);
	vml_layout_free(l);

	/* Without the flag the same numbers mean the last byte is unmapped. */
	VML_ASSERT_OK(vml_layout_create(&l));
	top.flags = 0;
	VML_ASSERT_OK(vml_layout_append(l, &top));
	VML_ASSERT_OK(vml_layout_finish(l));
	CU_ASSERT_PTR_NULL(vml_layout_find(l, UINT64_MAX));
	CU_ASSERT_EQUAL(vml_region_size(vml_layout_region(l, 0)), 4095);
	vml_layout_free(l);
}

static void test_unsorted_is_sorted(void)
{
	static const uint64_t shuffled[][2] = {
		{ 0x7ffff000, 0x80000000 },
		{ 0x400000, 0x401000 },
		{ 0x401000, 0x403000 },
	};
	struct vml_layout *l = build(shuffled, 3);
	CU_ASSERT_EQUAL(vml_layout_region(l, 0)->start, 0x400000);
	CU_ASSERT_EQUAL(vml_layout_region(l, 1)->start, 0x401000);
	CU_ASSERT_EQUAL(vml_layout_region(l, 2)->start, 0x7ffff000);
	CU_ASSERT_EQUAL(vml_layout_region(l, 2)->end, 0x80000000);
	vml_layout_free(l);
}

/* finish() must fail with FORMAT and name both ranges in hex. */
static void expect_finish_error(const uint64_t (*ranges)[2], size_t n,
				const char *want1, const char *want2)
{
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_create(&l));
	for (size_t i = 0; i < n; i++) {
		struct vml_region r = mkregion(ranges[i][0], ranges[i][1]);
		VML_ASSERT_OK(vml_layout_append(l, &r));
	}
	struct vml_error *err = vml_layout_finish(l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FORMAT);
	const char *msg = vml_error_message(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want1));
	if (want2)
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, want2));
	vml_error_free(err);
	vml_layout_free(l);
}

static void test_overlap_and_empty_rejected(void)
{
	static const uint64_t overlap[][2] = {
		{ 0x1000, 0x3000 }, { 0x5000, 0x6000 }, { 0x2000, 0x4000 },
	};
	expect_finish_error(overlap, 3, "0x1000-0x3000", "0x2000-0x4000");
	static const uint64_t same_start[][2] = { { 0x1000, 0x2000 }, { 0x1000, 0x3000 } };
	expect_finish_error(same_start, 2, "0x1000-0x2000", "0x1000-0x3000");
	static const uint64_t inside[][2] = { { 0x1000, 0x9000 }, { 0x2000, 0x3000 } };
	expect_finish_error(inside, 2, "0x1000-0x9000", "0x2000-0x3000");
	static const uint64_t empty[][2] = { { 0x1000, 0x2000 }, { 0x3000, 0x3000 } };
	expect_finish_error(empty, 2, "0x3000-0x3000", NULL);
	static const uint64_t inverted[][2] = { { 0x9000, 0x8000 } };
	expect_finish_error(inverted, 1, "0x9000-0x8000", NULL);
}

static void test_many_regions(void)
{
	/* 100,000 regions of 2 pages, each followed by a 1-page gap, appended
	 * in reverse so finish() really sorts. */
	enum { N = 100000 };
	const uint64_t base = 0x10000000;
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_create(&l));
	for (size_t k = 0; k < N; k++) {
		size_t i = N - 1 - k;
		struct vml_region r = mkregion(base + i * 0x3000, base + i * 0x3000 + 0x2000);
		r.inode = i;
		VML_ASSERT_OK(vml_layout_append(l, &r));
	}
	VML_ASSERT_OK(vml_layout_finish(l));
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(l), N);
	unsigned bad = 0;
	for (size_t i = 0; i < N; i++) {
		uint64_t s = base + i * 0x3000;
		const struct vml_region *r = vml_layout_find(l, s);
		bad += !r || r->inode != i;
		bad += vml_layout_find(l, s + 0x1fff) != r;
		bad += vml_layout_find(l, s + 0x2000) != NULL;
		bad += vml_layout_find(l, s + 0x2fff) != NULL;
		bad += vml_layout_find_index(l, s + 0x1fff) != i;
		bad += vml_layout_find_index(l, s + 0x2000) != SIZE_MAX;
		struct vml_gap g;
		struct vml_error *err = vml_layout_gap(l, s + 0x2800, &g, sizeof(g));
		if (err || g.start != s + 0x2000 ||
		    g.last != (i + 1 < N ? s + 0x2fff : UINT64_MAX) || g.below != r ||
		    (i + 1 < N ? g.above != vml_layout_region(l, i + 1) : g.above != NULL) ||
		    g.below_index != i ||
		    g.above_index != (i + 1 < N ? i + 1 : SIZE_MAX))
			bad++;
		vml_error_free(err);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_PTR_NULL(vml_layout_find(l, base - 1));
	vml_layout_free(l);
}

static void put_pair(unsigned char *buf, size_t i, uint64_t tag, uint64_t val)
{
	memcpy(buf + i * 16, &tag, 8);
	memcpy(buf + i * 16 + 8, &val, 8);
}

static void test_auxv(void)
{
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_create(&l));
	/* one byte of slack in front so the pairs are misaligned */
	unsigned char raw[1 + 16 * 11];
	unsigned char *a = raw + 1;
	put_pair(a, 0, 3, 0x400040);        /* AT_PHDR */
	put_pair(a, 1, 4, 56);              /* AT_PHENT */
	put_pair(a, 2, 5, 13);              /* AT_PHNUM */
	put_pair(a, 3, 6, 4096);            /* AT_PAGESZ */
	put_pair(a, 4, 7, 0x7ffff7fc3000);  /* AT_BASE */
	put_pair(a, 5, 25, 0xdeadbeef);     /* AT_RANDOM: ignored */
	put_pair(a, 6, 9, 0x401020);        /* AT_ENTRY */
	put_pair(a, 7, 33, 0x7ffff7fc1000); /* AT_SYSINFO_EHDR */
	put_pair(a, 8, 31, 0x7fffffffefd0); /* AT_EXECFN */
	put_pair(a, 9, 0, 0);               /* AT_NULL */
	put_pair(a, 10, 9, 0x999999);       /* after AT_NULL: ignored */
	VML_ASSERT_OK(vml_layout_set_auxv(l, a, 16 * 11));
	CU_ASSERT_TRUE(l->auxv.present);
	CU_ASSERT_EQUAL(l->auxv.phdr, 0x400040);
	CU_ASSERT_EQUAL(l->auxv.phent, 56);
	CU_ASSERT_EQUAL(l->auxv.phnum, 13);
	CU_ASSERT_EQUAL(l->auxv.pagesz, 4096);
	CU_ASSERT_EQUAL(l->auxv.base, 0x7ffff7fc3000);
	CU_ASSERT_EQUAL(l->auxv.entry, 0x401020);
	CU_ASSERT_EQUAL(l->auxv.sysinfo_ehdr, 0x7ffff7fc1000);
	CU_ASSERT_EQUAL(l->auxv.execfn, 0x7fffffffefd0);

	/* no AT_NULL: stops at the end; earlier values are replaced */
	VML_ASSERT_OK(vml_layout_set_auxv(l, a + 16 * 6, 16));
	CU_ASSERT_TRUE(l->auxv.present);
	CU_ASSERT_EQUAL(l->auxv.entry, 0x401020);
	CU_ASSERT_EQUAL(l->auxv.phdr, 0);

	/* a length that is not whole pairs is an error and changes nothing */
	VML_ASSERT_ERR(vml_layout_set_auxv(l, a, 24), VML_ERROR_FORMAT);
	VML_ASSERT_ERR(vml_layout_set_auxv(l, a, 15), VML_ERROR_FORMAT);
	CU_ASSERT_EQUAL(l->auxv.entry, 0x401020);
	VML_ASSERT_ERR(vml_layout_set_auxv(l, NULL, 16), VML_ERROR_INVALID);

	VML_ASSERT_OK(vml_layout_set_auxv(l, NULL, 0));
	CU_ASSERT_FALSE(l->auxv.present);
	vml_layout_free(l);
}

static void test_context_setters(void)
{
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_create(&l));
	VML_ASSERT_OK(vml_layout_add_thread(l, 100, 0x7ffc0000, true));
	VML_ASSERT_OK(vml_layout_add_thread(l, 101, 0x7f000000, false));
	VML_ASSERT_OK(vml_layout_add_thread(l, 101, 0x7f001000, false));
	CU_ASSERT_EQUAL_FATAL(l->nthreads, 2);
	CU_ASSERT_EQUAL(l->threads[0].tid, 100);
	CU_ASSERT_TRUE(l->threads[0].is_main);
	CU_ASSERT_EQUAL(l->threads[1].sp, 0x7f001000);
	CU_ASSERT_FALSE(l->threads[1].is_main);

	VML_ASSERT_OK(vml_layout_set_exe(l, "/usr/bin/true"));
	CU_ASSERT_STRING_EQUAL(l->exe_path, "/usr/bin/true");
	VML_ASSERT_OK(vml_layout_set_exe(l, "/bin/other"));
	CU_ASSERT_STRING_EQUAL(l->exe_path, "/bin/other");
	VML_ASSERT_OK(vml_layout_set_exe(l, NULL));
	CU_ASSERT_PTR_NULL(l->exe_path);
	VML_ASSERT_OK(vml_layout_set_sysroot(l, "/sysroot"));
	CU_ASSERT_STRING_EQUAL(l->sysroot, "/sysroot");
	VML_ASSERT_OK(vml_layout_set_sysroot(l, ""));
	CU_ASSERT_PTR_NULL(l->sysroot);

	int dummy;
	vml_layout_set_source(l, (struct vml_source *)&dummy);
	CU_ASSERT_PTR_EQUAL(l->source, (struct vml_source *)&dummy);
	vml_layout_set_source(l, NULL);
	CU_ASSERT_EQUAL(vml_layout_flags(l), 0);
	l->flags = VML_LAYOUT_INCOMPLETE;
	CU_ASSERT_EQUAL(vml_layout_flags(l), VML_LAYOUT_INCOMPLETE);

	/* new input after classification invalidates it */
	l->classified = true;
	struct vml_region r = mkregion(0x1000, 0x2000);
	VML_ASSERT_OK(vml_layout_append(l, &r));
	CU_ASSERT_FALSE(l->classified);
	l->classified = true;
	VML_ASSERT_OK(vml_layout_add_thread(l, 102, 0x1800, false));
	CU_ASSERT_FALSE(l->classified);
	vml_layout_free(l);
	vml_layout_free(NULL);
	CU_ASSERT_EQUAL(vml_layout_count(NULL), 0);
	CU_ASSERT_PTR_NULL(vml_layout_find(NULL, 0));
}

static void test_set_perms(void)
{
	static const struct {
		const char *perms;
		uint32_t prot;
	} cases[] = {
		{ "---p", 0 },
		{ "r--p", VML_PROT_READ },
		{ "rw-p", VML_PROT_READ | VML_PROT_WRITE },
		{ "r-xp", VML_PROT_READ | VML_PROT_EXEC },
		{ "rwxs", VML_PROT_READ | VML_PROT_WRITE | VML_PROT_EXEC | VML_PROT_SHARED },
		{ "--xs", VML_PROT_EXEC | VML_PROT_SHARED },
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(cases); i++) {
		struct vml_region r;
		memset(&r, 0x55, sizeof(r));
		vml_region_set_perms(&r, cases[i].perms);
		CU_ASSERT_EQUAL(r.prot, cases[i].prot);
		CU_ASSERT_STRING_EQUAL(r.perms, cases[i].perms);
	}
}

static CU_TestInfo tests[] = {
	{ "region ending at 2^64", test_region_ending_at_2_64 },
	{ "find on every boundary", test_find_boundaries },
	{ "gaps below, between, above", test_gaps },
	{ "region at the top of the space", test_region_at_top_of_space },
	{ "unsorted input is sorted", test_unsorted_is_sorted },
	{ "overlap and empty rejected", test_overlap_and_empty_rejected },
	{ "100,000 regions", test_many_regions },
	{ "auxv pairs", test_auxv },
	{ "threads, exe, sysroot, source", test_context_setters },
	{ "perms to prot", test_set_perms },
	CU_TEST_INFO_NULL,
};

int vml_suite_region(void)
{
	return vml_add_suite("region", tests);
}

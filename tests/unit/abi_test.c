/*
 * abi_test.c — the sized-struct rule of vmlayout.h, for every public
 * function that fills or reads a caller's struct:
 *  - a size below the struct's first published size (VML_*_SIZE_V2) is
 *    VML_ERROR_INVALID and writes nothing;
 *  - a caller whose struct is that prefix gets exactly the prefix: not one
 *    byte after it is written;
 *  - a caller whose struct is bigger than the library's (built against a
 *    newer header) gets the library's sizeof bytes and nothing beyond;
 *  - arrays of structs are read and written element size apart;
 *  - structs the library reads are read up to the caller's size only.
 * And the indexes answers carry (region_index, below_index, above_index)
 * name the same regions as their pointers.
 *
 * The truths are the sizes the caller passes and guard bytes around the
 * caller's memory, not what the library computes.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

#define GUARD 0xa5
#define EXTRA 64   /* bytes a hypothetical newer caller's struct has more */

static const char maps[] =
	"00400000-00401000 r--p 00000000 08:01 100 /nonexistent/vml/prog\n"
	"00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n";

/* Page tables in a buffer: PML4 (page 1) -> PDPT (2) -> PD (3) -> PT (4),
 * whose entries 0 and 1 both map page 5: virtual 0 and 0x1000 are two
 * mappings of physical 0x5000. */
#define NPAGES 6
#define TBL 0x7ull   /* P | RW | US */

struct fixture {
	struct vml_layout *layout;
	uint8_t *mem;
	struct vml_source *src;
	struct vml_paging *paging;
	struct vml_kernel *kernel;
};

static struct fixture fx;

static void put(unsigned page, unsigned index, uint64_t value)
{
	uint8_t *p = fx.mem + page * 4096 + index * 8;
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static void fixture_init(void)
{
	memset(&fx, 0, sizeof(fx));
	VML_ASSERT_OK(vml_layout_from_maps(maps, sizeof(maps) - 1, &fx.layout));
	VML_ASSERT_OK(vml_layout_classify(fx.layout));
	fx.mem = calloc(NPAGES, 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.mem);
	put(1, 0, 0x2000 | TBL);
	put(2, 0, 0x3000 | TBL);
	put(3, 0, 0x4000 | TBL);
	put(4, 0, 0x5000 | 0x3);
	put(4, 1, 0x5000 | 0x3);
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_PHYSICAL, 0, fx.mem,
					     NPAGES * 4096, &fx.src));
	fx.paging = vml_test_x86_paging(0x1000, 4, true, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.paging);
	VML_ASSERT_OK(vml_kernel_from_pagetables(fx.src, fx.paging, NULL, 0,
						 &fx.kernel));
}

static void fixture_free(void)
{
	vml_kernel_free(fx.kernel);
	vml_paging_free(fx.paging);
	vml_source_free(fx.src);
	free(fx.mem);
	vml_layout_free(fx.layout);
}

/* ------------------------------------------------------------ out-structs */

/* One public call filling a struct at ret of size bytes. */
typedef struct vml_error *fill_fn(void *ret, size_t size);

static bool untouched(const unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != GUARD)
			return false;
	return true;
}

/*
 * min: the struct's VML_*_SIZE_V2; full: sizeof as this header has it;
 * key: bytes at the start of the struct that must be the same answer
 * whatever the size (its first field).
 */
static void check_fill_grown(const char *what, fill_fn *fill, size_t min,
			     size_t latest, size_t full, size_t key)
{
	unsigned char *buf = malloc(full + EXTRA);
	unsigned char *want = malloc(full);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_FATAL(min > 0 && min <= latest && latest <= full &&
			key <= min);

	/* The latest published size is this header's struct up to its last
	 * field: only tail padding may lie between it and sizeof. */
	CU_ASSERT(full - latest < 8);

	memset(want, GUARD, full);
	VML_ASSERT_OK(fill(want, full));

	memset(buf, GUARD, full + EXTRA);
	VML_ASSERT_ERR(fill(buf, min - 1), VML_ERROR_INVALID);
	VML_ASSERT_ERR(fill(buf, 0), VML_ERROR_INVALID);
	CU_ASSERT(untouched(buf, 0, full + EXTRA));

	memset(buf, GUARD, full + EXTRA);
	VML_ASSERT_OK(fill(buf, min));
	CU_ASSERT(untouched(buf, min, full + EXTRA));
	CU_ASSERT(memcmp(buf, want, key) == 0);

	memset(buf, GUARD, full + EXTRA);
	VML_ASSERT_OK(fill(buf, full + EXTRA));
	CU_ASSERT(untouched(buf, full, full + EXTRA));
	CU_ASSERT(memcmp(buf, want, key) == 0);
	if (!untouched(buf, full, full + EXTRA))
		fprintf(stderr, "\n%s: wrote past the library's sizeof\n", what);
	free(buf);
	free(want);
}

/* A struct not grown since V2: its minimum is its latest size. */
static void check_fill(const char *what, fill_fn *fill, size_t min,
		       size_t full, size_t key)
{
	check_fill_grown(what, fill, min, min, full, key);
}

static struct vml_error *fill_where(void *ret, size_t size)
{
	return vml_layout_where(fx.layout, 0x401000, ret, size);
}

static struct vml_error *fill_gap(void *ret, size_t size)
{
	return vml_layout_gap(fx.layout, 0x500000, ret, size);
}

static struct vml_error *fill_source_stats(void *ret, size_t size)
{
	return vml_source_get_stats(fx.src, ret, size);
}

static struct vml_error *fill_walk_stats(void *ret, size_t size)
{
	struct vml_pt_walk *walk;
	struct vml_error *err = vml_pt_walk(fx.src, fx.paging, &walk);
	if (err)
		return err;
	err = vml_pt_walk_get_stats(walk, ret, size);
	vml_pt_walk_free(walk);
	return err;
}

static struct vml_error *fill_kernel_walk_stats(void *ret, size_t size)
{
	return vml_kernel_walk_stats(fx.kernel, ret, size);
}

static struct vml_error *fill_translation(void *ret, size_t size)
{
	return vml_pt_translate(fx.src, fx.paging, 0x1234, ret, size);
}

static struct vml_error *fill_read_plan(void *ret, size_t size)
{
	return vml_kernel_read_plan(fx.paging, NULL, 0, false, ret, size);
}

static struct vml_error *fill_kernel_where(void *ret, size_t size)
{
	return vml_kernel_where(fx.kernel, 0x1234, "sym+0x4", ret, size);
}

/* A crash: thread 7 read NULL + 0x10 (SIGSEGV, SEGV_MAPERR). */
static struct vml_error *fill_crash(void *ret, size_t size)
{
	struct vml_named_value regs[2] = { { "rip", 0x401000 },
					   { "rsp", 0x7f0000000800 } };
	struct vml_error *err = vml_layout_add_thread_registers(fx.layout, 7,
								regs, 2);
	if (!err)
		err = vml_layout_set_siginfo(fx.layout, 7, 11, 1, true, 0x10);
	return err ? err : vml_layout_crash(fx.layout, ret, size);
}

static void test_out_structs(void)
{
	fixture_init();
	check_fill("where", fill_where, VML_WHERE_SIZE_V2,
		   sizeof(struct vml_where), 8);
	check_fill("gap", fill_gap, VML_GAP_SIZE_V2, sizeof(struct vml_gap), 8);
	check_fill("source stats", fill_source_stats, VML_SOURCE_STATS_SIZE_V2,
		   sizeof(struct vml_source_stats), 8);
	check_fill("walk stats", fill_walk_stats, VML_PT_WALK_STATS_SIZE_V2,
		   sizeof(struct vml_pt_walk_stats), 8);
	check_fill("kernel walk stats", fill_kernel_walk_stats,
		   VML_PT_WALK_STATS_SIZE_V2, sizeof(struct vml_pt_walk_stats),
		   8);
	check_fill("translation", fill_translation, VML_PT_TRANSLATION_SIZE_V2,
		   sizeof(struct vml_pt_translation), 8);
	check_fill("read plan", fill_read_plan, VML_READ_PLAN_SIZE_V2,
		   sizeof(struct vml_read_plan), 4);
	/* Grown past V2 (symbol_from, object): a V2 buffer is still
	 * accepted; V3 is this header's size. */
	check_fill_grown("kernel where", fill_kernel_where,
			 VML_KERNEL_WHERE_SIZE_V2, VML_KERNEL_WHERE_SIZE_V3,
			 sizeof(struct vml_kernel_where), 8);
	check_fill("crash", fill_crash, VML_CRASH_SIZE_V2,
		   sizeof(struct vml_crash), 4);
	fixture_free();
}

/* The core facts of a layout made from a core; the fixture needs no core
 * for the size rule: a layout that is not from a core is refused whatever
 * the size, and the size is checked first. */
static void test_core_info(void)
{
	fixture_init();
	struct vml_core_info info;
	CU_ASSERT_FALSE(vml_layout_is_core(fx.layout));
	struct vml_error *err = vml_layout_core_info(fx.layout, &info,
						     VML_CORE_INFO_SIZE_V2 - 1);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), "bytes"));
	vml_error_free(err);
	err = vml_layout_core_info(fx.layout, &info, sizeof(info));
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), "not from a core"));
	vml_error_free(err);
	fixture_free();
}

/* ------------------------------------------------------------ arrays */

/* The two mappings of physical 0x5000 + 0x10 written hit_size bytes apart;
 * the guard bytes between elements stay. */
static void test_hit_arrays(void)
{
	fixture_init();
	const uint64_t pa = 0x5010;
	const size_t stride = sizeof(struct vml_pt_phys_hit) + EXTRA;
	unsigned char *buf = malloc(3 * stride);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	size_t n = 0;
	uint64_t total = 0;

	memset(buf, GUARD, 3 * stride);
	VML_ASSERT_ERR(vml_pt_find_phys(fx.src, fx.paging, pa, 2,
					(struct vml_pt_phys_hit *)buf,
					VML_PT_PHYS_HIT_SIZE_V2 - 1, &n, &total),
		       VML_ERROR_INVALID);
	CU_ASSERT(untouched(buf, 0, 3 * stride));
	VML_ASSERT_OK(vml_pt_find_phys(fx.src, fx.paging, pa, 2,
				       (struct vml_pt_phys_hit *)buf, stride,
				       &n, &total));
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(total, 2);
	for (size_t i = 0; i < 2; i++) {
		struct vml_pt_phys_hit h;
		memcpy(&h, buf + i * stride, sizeof(h));
		CU_ASSERT_EQUAL(h.va, i * 0x1000 + 0x10);
		CU_ASSERT(untouched(buf + i * stride, sizeof(h), stride));
	}
	CU_ASSERT(untouched(buf, 2 * stride, 3 * stride));

	const size_t kstride = sizeof(struct vml_kernel_hit) + EXTRA;
	unsigned char *kbuf = malloc(3 * kstride);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kbuf);
	memset(kbuf, GUARD, 3 * kstride);
	VML_ASSERT_ERR(vml_kernel_find_phys(fx.kernel, pa, 2,
					    (struct vml_kernel_hit *)kbuf,
					    VML_KERNEL_HIT_SIZE_V2 - 1, &n,
					    &total),
		       VML_ERROR_INVALID);
	CU_ASSERT(untouched(kbuf, 0, 3 * kstride));
	VML_ASSERT_OK(vml_kernel_find_phys(fx.kernel, pa, 2,
					   (struct vml_kernel_hit *)kbuf,
					   kstride, &n, &total));
	CU_ASSERT_EQUAL(n, 2);
	for (size_t i = 0; i < 2; i++) {
		struct vml_kernel_hit h;
		memcpy(&h, kbuf + i * kstride, sizeof(h));
		CU_ASSERT_EQUAL(h.va, i * 0x1000 + 0x10);
		CU_ASSERT(untouched(kbuf + i * kstride, sizeof(h), kstride));
	}

	/* The renderer reads them at that stride too: same text as from a
	 * packed array. */
	struct vml_kernel_hit packed[2];
	VML_ASSERT_OK(vml_kernel_find_phys(fx.kernel, pa, 2, packed,
					   sizeof(packed[0]), &n, &total));
	char *a = NULL, *b = NULL;
	VML_ASSERT_OK(vml_render_phys_hits(fx.kernel, pa, packed, 2,
					   sizeof(packed[0]), total,
					   VML_FORMAT_JSON, 0, &a));
	VML_ASSERT_OK(vml_render_phys_hits(fx.kernel, pa,
					   (struct vml_kernel_hit *)kbuf, 2,
					   kstride, total, VML_FORMAT_JSON, 0,
					   &b));
	CU_ASSERT_STRING_EQUAL(a, b);
	VML_ASSERT_ERR(vml_render_phys_hits(fx.kernel, pa, packed, 2,
					    VML_KERNEL_HIT_SIZE_V2 - 1, total,
					    VML_FORMAT_JSON, 0, &b),
		       VML_ERROR_INVALID);
	vml_free(a);
	vml_free(b);
	free(kbuf);
	free(buf);
	fixture_free();
}

/* vml_kernel_from_ranges reads the caller's ranges range_size apart. */
static void test_range_array(void)
{
	fixture_init();
	size_t count = vml_kernel_range_count(fx.kernel);
	CU_ASSERT_FATAL(count > 0);
	const size_t stride = sizeof(struct vml_pt_range) + EXTRA;
	unsigned char *buf = malloc(count * stride);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, GUARD, count * stride);   /* garbage between elements */
	for (size_t i = 0; i < count; i++)
		memcpy(buf + i * stride, vml_kernel_range(fx.kernel, i),
		       sizeof(struct vml_pt_range));
	struct vml_kernel *k = NULL;
	VML_ASSERT_ERR(vml_kernel_from_ranges(fx.paging,
					      (struct vml_pt_range *)buf, count,
					      VML_PT_RANGE_SIZE_V2 - 1, NULL, 0,
					      &k),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(k);
	VML_ASSERT_OK(vml_kernel_from_ranges(fx.paging,
					     (struct vml_pt_range *)buf, count,
					     stride, NULL, 0, &k));
	CU_ASSERT_EQUAL_FATAL(vml_kernel_range_count(k), count);
	for (size_t i = 0; i < count; i++)
		CU_ASSERT(memcmp(vml_kernel_range(k, i),
				 vml_kernel_range(fx.kernel, i),
				 sizeof(struct vml_pt_range)) == 0);
	char *a = NULL, *b = NULL;
	VML_ASSERT_OK(vml_render_kernel(fx.kernel, VML_FORMAT_JSON, 0, &a));
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_JSON, 0, &b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "\"regions\""));
	vml_free(a);
	vml_free(b);
	vml_kernel_free(k);
	free(buf);
	fixture_free();
}

/* ------------------------------------------------------------ in-structs */

/* A struct the library reads: the caller's prefix is all it reads, a
 * bigger caller struct's extra bytes are ignored, too small is refused. */
static void test_in_structs(void)
{
	fixture_init();
	/* whereis answers rendered from a prefix-sized and a bigger copy. */
	unsigned char *w = malloc(sizeof(struct vml_where) + EXTRA);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	memset(w, GUARD, sizeof(struct vml_where) + EXTRA);
	VML_ASSERT_OK(vml_layout_where(fx.layout, 0x401000,
				       (struct vml_where *)w,
				       sizeof(struct vml_where)));
	char *want = NULL, *got = NULL;
	VML_ASSERT_OK(vml_render_where(fx.layout, (struct vml_where *)w,
				       sizeof(struct vml_where),
				       VML_FORMAT_JSON, 0, &want));
	VML_ASSERT_OK(vml_render_where(fx.layout, (struct vml_where *)w,
				       VML_WHERE_SIZE_V2, VML_FORMAT_JSON, 0,
				       &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(got);
	VML_ASSERT_OK(vml_render_where(fx.layout, (struct vml_where *)w,
				       sizeof(struct vml_where) + EXTRA,
				       VML_FORMAT_JSON, 0, &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(got);
	VML_ASSERT_ERR(vml_render_where(fx.layout, (struct vml_where *)w,
					VML_WHERE_SIZE_V2 - 1, VML_FORMAT_JSON,
					0, &got),
		       VML_ERROR_INVALID);
	vml_free(want);
	free(w);

	/* Crash explanations, likewise. */
	unsigned char *c = malloc(sizeof(struct vml_crash) + EXTRA);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(c, GUARD, sizeof(struct vml_crash) + EXTRA);
	VML_ASSERT_OK(fill_crash(c, sizeof(struct vml_crash)));
	VML_ASSERT_OK(vml_render_crash(fx.layout, (struct vml_crash *)c,
				       sizeof(struct vml_crash), VML_FORMAT_JSON,
				       0, &want));
	VML_ASSERT_OK(vml_render_crash(fx.layout, (struct vml_crash *)c,
				       VML_CRASH_SIZE_V2, VML_FORMAT_JSON, 0,
				       &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(got);
	VML_ASSERT_OK(vml_render_crash(fx.layout, (struct vml_crash *)c,
				       sizeof(struct vml_crash) + EXTRA,
				       VML_FORMAT_JSON, 0, &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(got);
	VML_ASSERT_ERR(vml_render_crash(fx.layout, (struct vml_crash *)c,
					VML_CRASH_SIZE_V2 - 1, VML_FORMAT_JSON,
					0, &got),
		       VML_ERROR_INVALID);
	vml_free(want);
	free(c);

	/* Kernel whereis answers, likewise. */
	unsigned char *kw = malloc(sizeof(struct vml_kernel_where) + EXTRA);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kw);
	memset(kw, GUARD, sizeof(struct vml_kernel_where) + EXTRA);
	VML_ASSERT_OK(vml_kernel_where(fx.kernel, 0x1010, NULL,
				       (struct vml_kernel_where *)kw,
				       sizeof(struct vml_kernel_where)));
	VML_ASSERT_OK(vml_render_kernel_where(fx.kernel,
					      (struct vml_kernel_where *)kw,
					      sizeof(struct vml_kernel_where),
					      VML_FORMAT_TEXT, 0, &want));
	VML_ASSERT_OK(vml_render_kernel_where(fx.kernel,
					      (struct vml_kernel_where *)kw,
					      sizeof(struct vml_kernel_where) +
					      EXTRA, VML_FORMAT_TEXT, 0, &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(got);
	VML_ASSERT_ERR(vml_render_kernel_where(fx.kernel,
					       (struct vml_kernel_where *)kw,
					       VML_KERNEL_WHERE_SIZE_V2 - 1,
					       VML_FORMAT_TEXT, 0, &got),
		       VML_ERROR_INVALID);
	free(kw);

	/* A request and hints in bigger caller structs (garbage after the
	 * library's sizeof) answer the same as exact ones. */
	struct vml_named_value pc_sym = { "page_offset_base", 0 };
	struct {
		struct vml_kernel_request req;
		unsigned char more[EXTRA];
	} big_req;
	struct {
		struct vml_kernel_hints hints;
		unsigned char more[EXTRA];
	} big_hints;
	memset(&big_req, GUARD, sizeof(big_req));
	memset(&big_hints, GUARD, sizeof(big_hints));
	struct vml_kernel_request req = {
		.query = VML_KQUERY_WHERE, .format = VML_FORMAT_TEXT,
		.addr = 0x1010, .symbol = NULL,
	};
	struct vml_kernel_hints hints = { .pc = 0, .symbols = &pc_sym,
					  .nsymbols = 1 };
	big_req.req = req;
	big_hints.hints = hints;
	char *exact = NULL;
	VML_ASSERT_OK(vml_kernel_answer(fx.src, fx.paging, &hints,
					sizeof(hints), &req, sizeof(req),
					&exact));
	CU_ASSERT_STRING_EQUAL(exact, want);
	VML_ASSERT_OK(vml_kernel_answer(fx.src, fx.paging, &big_hints.hints,
					sizeof(big_hints), &big_req.req,
					sizeof(big_req), &got));
	CU_ASSERT_STRING_EQUAL(exact, got);
	vml_free(got);
	VML_ASSERT_ERR(vml_kernel_answer(fx.src, fx.paging, &hints,
					 VML_KERNEL_HINTS_SIZE_V2 - 1, &req,
					 sizeof(req), &got),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_kernel_answer(fx.src, fx.paging, &hints,
					 sizeof(hints), &req,
					 VML_KERNEL_REQUEST_SIZE_V2 - 1, &got),
		       VML_ERROR_INVALID);
	/* No hints: the size is not looked at. */
	VML_ASSERT_OK(vml_kernel_answer(fx.src, fx.paging, NULL, 0, &req,
					sizeof(req), &got));
	CU_ASSERT_STRING_EQUAL(exact, got);
	vml_free(got);
	struct vml_kernel *k = NULL;
	VML_ASSERT_ERR(vml_kernel_from_pagetables(fx.src, fx.paging, &hints,
						  VML_KERNEL_HINTS_SIZE_V2 - 1,
						  &k),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(k);
	struct vml_read_plan plan;
	VML_ASSERT_ERR(vml_kernel_read_plan(fx.paging, &hints,
					    VML_KERNEL_HINTS_SIZE_V2 - 1, false,
					    &plan, sizeof(plan)),
		       VML_ERROR_INVALID);
	vml_free(exact);
	vml_free(want);
	fixture_free();
}

/* ------------------------------------------------------------ scans, deref, ELF cache */

static struct vml_scan *abi_scan;
static struct vml_elf_cache *abi_cache;

static struct vml_error *fill_scan_stats(void *ret, size_t size)
{
	return vml_scan_get_stats(abi_scan, ret, size);
}

static struct vml_error *fill_scan_hit(void *ret, size_t size)
{
	return vml_scan_hit(abi_scan, 0, ret, size);
}

static struct vml_error *fill_elf_cache_stats(void *ret, size_t size)
{
	return vml_elf_cache_get_stats(abi_cache, ret, size);
}

/* The scan's request, stats and hits, the deref words array (element
 * size) and the ELF cache's stats follow the same rules. */
static void test_scan_structs(void)
{
	fixture_init();
	uint64_t page[512] = { 0 };
	page[1] = 0x401008;                     /* into r-xp prog */
	page[2] = 0x7f0000000000;               /* into itself */
	struct vml_source *vsrc = NULL;
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_VIRTUAL, 0x7f0000000000,
					     page, sizeof(page), &vsrc));
	struct {
		struct vml_scan_request req;
		unsigned char more[EXTRA];
	} big;
	memset(&big, GUARD, sizeof(big));
	struct vml_scan_request req = { .from = "mmap-anon", .source = vsrc };
	big.req = req;
	VML_ASSERT_OK(vml_layout_scan(fx.layout, &big.req, sizeof(big),
				      &abi_scan));
	char *want = NULL, *got = NULL;
	VML_ASSERT_OK(vml_render_scan(abi_scan, VML_FORMAT_JSON, 0, &want));
	vml_scan_free(abi_scan);
	VML_ASSERT_OK(vml_layout_scan(fx.layout, &req,
				      VML_SCAN_REQUEST_SIZE_V2, &abi_scan));
	VML_ASSERT_OK(vml_render_scan(abi_scan, VML_FORMAT_JSON, 0, &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(want);
	vml_free(got);
	struct vml_scan *none = NULL;
	VML_ASSERT_ERR(vml_layout_scan(fx.layout, &req,
				       VML_SCAN_REQUEST_SIZE_V2 - 1, &none),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(none);
	check_fill("scan stats", fill_scan_stats, VML_SCAN_STATS_SIZE_V2,
		   sizeof(struct vml_scan_stats), 8);
	/* Grown past V2 (object): a V2 buffer is still accepted. */
	check_fill_grown("scan hit", fill_scan_hit, VML_SCAN_HIT_SIZE_V2,
			 VML_SCAN_HIT_SIZE_V3, sizeof(struct vml_scan_hit), 8);
	vml_scan_free(abi_scan);
	abi_scan = NULL;

	VML_ASSERT_OK(vml_elf_cache_new(0, &abi_cache));
	check_fill("elf cache stats", fill_elf_cache_stats,
		   VML_ELF_CACHE_STATS_SIZE_V2,
		   sizeof(struct vml_elf_cache_stats), 8);
	vml_elf_cache_free(abi_cache);
	abi_cache = NULL;

	/* Deref words written word_size apart; the guard bytes stay. */
	const size_t stride = sizeof(struct vml_deref_word) + EXTRA;
	unsigned char *buf = malloc(3 * stride);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, GUARD, 3 * stride);
	VML_ASSERT_OK(vml_layout_deref(fx.layout, vsrc, 0x7f0000000000, 3, 0,
				       (struct vml_deref_word *)buf, stride));
	struct vml_deref_word packed[3];
	VML_ASSERT_OK(vml_layout_deref(fx.layout, vsrc, 0x7f0000000000, 3, 0,
				       packed, sizeof(packed[0])));
	for (size_t i = 0; i < 3; i++) {
		struct vml_deref_word w;
		memcpy(&w, buf + i * stride, sizeof(w));
		CU_ASSERT(memcmp(&w, &packed[i], sizeof(w)) == 0);
		CU_ASSERT(untouched(buf + i * stride, sizeof(w), stride));
	}
	VML_ASSERT_OK(vml_render_deref(fx.layout, (struct vml_deref_word *)buf,
				       3, stride, VML_FORMAT_TEXT, 0, &want));
	VML_ASSERT_OK(vml_render_deref(fx.layout, packed, 3, sizeof(packed[0]),
				       VML_FORMAT_TEXT, 0, &got));
	CU_ASSERT_STRING_EQUAL(want, got);
	vml_free(want);
	vml_free(got);
	VML_ASSERT_ERR(vml_layout_deref(fx.layout, vsrc, 0x7f0000000000, 3, 0,
					packed, VML_DEREF_WORD_SIZE_V2 - 1),
		       VML_ERROR_INVALID);
	free(buf);
	vml_source_free(vsrc);
	fixture_free();
}

/* ------------------------------------------------------------ indexes */

/* Every index an answer carries names the region its pointer points at
 * (hand-counted from the maps text: 0 r--p, 1 r-xp, 2 rw-p). */
static void test_indexes(void)
{
	fixture_init();
	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(fx.layout, 0x401800, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.region_index, 1);
	CU_ASSERT_PTR_EQUAL(w.region, vml_layout_region(fx.layout, 1));
	CU_ASSERT_EQUAL(vml_layout_find_index(fx.layout, 0x401800), 1);

	VML_ASSERT_OK(vml_layout_where(fx.layout, 0x500000, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.region_index, SIZE_MAX);
	CU_ASSERT_EQUAL(w.gap.below_index, 1);
	CU_ASSERT_EQUAL(w.gap.above_index, 2);
	CU_ASSERT_PTR_EQUAL(w.gap.below, vml_layout_region(fx.layout, 1));
	CU_ASSERT_PTR_EQUAL(w.gap.above, vml_layout_region(fx.layout, 2));
	CU_ASSERT_EQUAL(vml_layout_find_index(fx.layout, 0x500000), SIZE_MAX);

	/* Below the first and above the last region: no neighbour there. */
	struct vml_gap g;
	VML_ASSERT_OK(vml_layout_gap(fx.layout, 0x1000, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.below_index, SIZE_MAX);
	CU_ASSERT_PTR_NULL(g.below);
	CU_ASSERT_EQUAL(g.above_index, 0);
	VML_ASSERT_OK(vml_layout_gap(fx.layout, UINT64_MAX, &g, sizeof(g)));
	CU_ASSERT_EQUAL(g.below_index, 2);
	CU_ASSERT_EQUAL(g.above_index, SIZE_MAX);
	CU_ASSERT_PTR_NULL(g.above);
	/* A mapped address has no gap. */
	VML_ASSERT_ERR(vml_layout_gap(fx.layout, 0x400000, &g, sizeof(g)),
		       VML_ERROR_INVALID);
	CU_ASSERT_EQUAL(vml_layout_find_index(NULL, 0), SIZE_MAX);
	fixture_free();
}

int vml_suite_abi(void)
{
	static CU_TestInfo tests[] = {
		{ "out-structs: prefix, exact, bigger", test_out_structs },
		{ "core info size and non-core", test_core_info },
		{ "hit arrays with an element size", test_hit_arrays },
		{ "range arrays with an element size", test_range_array },
		{ "in-structs: prefix, exact, bigger", test_in_structs },
		{ "region indexes in answers", test_indexes },
		{ "scans, deref words, ELF cache stats", test_scan_structs },
		CU_TEST_INFO_NULL,
	};
	return vml_add_suite("abi", tests);
}

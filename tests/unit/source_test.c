/* source_test.c — sources: callback, buffer bounds, /proc/PID/mem, page cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

/* A fake target: byte at address a is (a * 7 + generation) & 0xff, and
 * addresses at or above fail_from cannot be read. */
struct fake {
	unsigned calls;
	uint64_t fail_from;
	uint8_t generation;
	enum vml_space last_space;
};

static int fake_read(void *arg, enum vml_space space, uint64_t addr, void *buf,
		     size_t len)
{
	struct fake *f = arg;
	f->calls++;
	f->last_space = space;
	if (addr >= f->fail_from || len > f->fail_from - addr)
		return -1;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((addr + i) * 7 + f->generation);
	return 0;
}

static void test_callback(void)
{
	struct fake f = { .fail_from = 0x10000 };
	struct vml_source *src;
	VML_ASSERT_OK(vml_source_from_callback(fake_read, &f, &src));
	uint8_t buf[4];
	VML_ASSERT_OK(vml_source_read(src, VML_SPACE_PHYSICAL, 0x100, buf, 4));
	CU_ASSERT_EQUAL(f.last_space, VML_SPACE_PHYSICAL);
	/* 0x100 * 7 = 0x700 -> 0x00, then 7, 14, 21 */
	CU_ASSERT_EQUAL(buf[0], 0x00);
	CU_ASSERT_EQUAL(buf[1], 7);
	CU_ASSERT_EQUAL(buf[3], 21);

	struct vml_error *err = vml_source_read(src, VML_SPACE_VIRTUAL, 0xfffe,
						buf, 4);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	bool has = false;
	CU_ASSERT_EQUAL(vml_error_address(err, &has), 0xfffe);
	CU_ASSERT_TRUE(has);
	vml_error_free(err);

	struct vml_source_stats st;
	VML_ASSERT_OK(vml_source_get_stats(src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 2);
	CU_ASSERT_EQUAL(st.bytes, 8);
	CU_ASSERT_EQUAL(st.failures, 1);
	CU_ASSERT_EQUAL(st.cache_hits, 0);
	CU_ASSERT_EQUAL(f.calls, 2);
	vml_source_free(src);

	VML_ASSERT_ERR(vml_source_from_callback(NULL, NULL, &src),
		       VML_ERROR_INVALID);
}

static void test_buffer_bounds(void)
{
	uint8_t mem[0x100];
	for (unsigned i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)i;
	struct vml_source *src;
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_VIRTUAL, 0x1000, mem,
					     sizeof(mem), &src));
	uint8_t buf[0x20];
	VML_ASSERT_OK(vml_source_read(src, VML_SPACE_VIRTUAL, 0x10f0, buf, 0x10));
	CU_ASSERT_EQUAL(buf[0], 0xf0);
	CU_ASSERT_EQUAL(buf[15], 0xff);
	/* One byte past the end, one byte before the start. */
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_VIRTUAL, 0x10f0, buf, 0x11),
		       VML_ERROR_FAULT);
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_VIRTUAL, 0xfff, buf, 1),
		       VML_ERROR_FAULT);
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_VIRTUAL, 0x1100, buf, 1),
		       VML_ERROR_FAULT);
	/* addr + len wraps to a small number that looks inside. */
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_VIRTUAL, UINT64_MAX - 1,
				       buf, 0x20), VML_ERROR_FAULT);
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_VIRTUAL, 0x1010, buf,
				       SIZE_MAX), VML_ERROR_FAULT);
	/* The other space is not in this buffer. */
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_PHYSICAL, 0x1000, buf, 1),
		       VML_ERROR_UNSUPPORTED);
	vml_source_free(src);

	/* A buffer ending exactly at 2^64 - 1. */
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_PHYSICAL,
					     UINT64_MAX - 0xff, mem,
					     sizeof(mem), &src));
	VML_ASSERT_OK(vml_source_read(src, VML_SPACE_PHYSICAL, UINT64_MAX, buf, 1));
	CU_ASSERT_EQUAL(buf[0], 0xff);
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_PHYSICAL, UINT64_MAX, buf, 2),
		       VML_ERROR_FAULT);
	vml_source_free(src);

	/* One byte further would wrap past 2^64. */
	VML_ASSERT_ERR(vml_source_from_buffer(VML_SPACE_PHYSICAL,
					      UINT64_MAX - 0xfe, mem,
					      sizeof(mem), &src),
		       VML_ERROR_INVALID);
}

static void test_page_cache_hits(void)
{
	static uint8_t mem[3 * 4096];
	for (unsigned i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(i / 4096 + 1);
	struct vml_source *src;
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_PHYSICAL, 0x10000, mem,
					     sizeof(mem), &src));
	const uint8_t *a, *b, *c;
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x11000, &a));
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x12000, &c));
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x11000, &b));
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL(a[0], 2);
	CU_ASSERT_EQUAL(a[4095], 2);
	CU_ASSERT_EQUAL(c[0], 3);
	struct vml_source_stats st;
	VML_ASSERT_OK(vml_source_get_stats(src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 2);
	CU_ASSERT_EQUAL(st.bytes, 2 * 4096);
	CU_ASSERT_EQUAL(st.cache_hits, 1);
	CU_ASSERT_EQUAL(st.failures, 0);

	VML_ASSERT_ERR(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x11008, &a),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_source_read_page(src, VML_SPACE_VIRTUAL, 0x11000, &a),
		       VML_ERROR_UNSUPPORTED);
	vml_source_free(src);
}

static void test_negative_cache_and_invalidate(void)
{
	struct fake f = { .fail_from = 0x2000 };
	struct vml_source *src;
	VML_ASSERT_OK(vml_source_from_callback(fake_read, &f, &src));
	const uint8_t *p;
	/* A failing page is asked for once, then remembered. */
	VML_ASSERT_ERR(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x5000, &p),
		       VML_ERROR_FAULT);
	struct vml_error *err = vml_source_read_page(src, VML_SPACE_PHYSICAL,
						     0x5000, &p);
	bool has;
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	CU_ASSERT_EQUAL(vml_error_address(err, &has), 0x5000);
	vml_error_free(err);
	CU_ASSERT_EQUAL(f.calls, 1);

	/* The same page address in the other space is a different page. */
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_VIRTUAL, 0x1000, &p));
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x1000, &p));
	CU_ASSERT_EQUAL(f.calls, 3);
	CU_ASSERT_EQUAL(p[1], 7); /* 0x1001 * 7 = 0x7007 */

	struct vml_source_stats st;
	VML_ASSERT_OK(vml_source_get_stats(src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 3);
	CU_ASSERT_EQUAL(st.failures, 1);
	CU_ASSERT_EQUAL(st.cache_hits, 1);

	/* The target "runs": memory changes and the bad page becomes good. */
	f.generation = 1;
	f.fail_from = 0x10000;
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x1000, &p));
	CU_ASSERT_EQUAL(p[1], 7); /* still the cached copy */
	vml_source_invalidate(src);
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x1000, &p));
	CU_ASSERT_EQUAL(p[1], 8);
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_PHYSICAL, 0x5000, &p));
	CU_ASSERT_EQUAL(p[0], 1); /* 0x5000 * 7 = 0x23000 -> 0, plus 1 */
	CU_ASSERT_EQUAL(f.calls, 5);
	VML_ASSERT_OK(vml_source_get_stats(src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 5);
	CU_ASSERT_EQUAL(st.cache_hits, 2);
	vml_source_free(src);
}

static const char self_bytes[] = "vmlayout reads its own memory";

static void test_pid_self(void)
{
	struct vml_source *src;
	VML_ASSERT_OK(vml_source_from_pid(getpid(), &src));
	char buf[sizeof(self_bytes)];
	VML_ASSERT_OK(vml_source_read(src, VML_SPACE_VIRTUAL,
				      (uint64_t)(uintptr_t)self_bytes, buf,
				      sizeof(buf)));
	CU_ASSERT_STRING_EQUAL(buf, "vmlayout reads its own memory");

	/* A page through the cache: a heap page we fill ourselves. */
	uint8_t *mine = aligned_alloc(4096, 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mine);
	memset(mine, 0x5a, 4096);
	const uint8_t *page;
	VML_ASSERT_OK(vml_source_read_page(src, VML_SPACE_VIRTUAL,
					   (uint64_t)(uintptr_t)mine, &page));
	CU_ASSERT_EQUAL(page[0], 0x5a);
	CU_ASSERT_EQUAL(page[4095], 0x5a);
	free(mine);

	/* Page zero is never mapped in a normal process. */
	struct vml_error *err = vml_source_read(src, VML_SPACE_VIRTUAL, 0x10,
						buf, 4);
	bool has;
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	CU_ASSERT_EQUAL(vml_error_address(err, &has), 0x10);
	vml_error_free(err);
	VML_ASSERT_ERR(vml_source_read(src, VML_SPACE_PHYSICAL, 0x1000, buf, 4),
		       VML_ERROR_UNSUPPORTED);
	vml_source_free(src);
}

static void test_pid_missing(void)
{
	/* PIDs are always below pid_max, so pid_max itself never exists. */
	FILE *fp = fopen("/proc/sys/kernel/pid_max", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	int pid_max = 0;
	CU_ASSERT_EQUAL(fscanf(fp, "%d", &pid_max), 1);
	fclose(fp);
	struct vml_source *src = NULL;
	struct vml_error *err = vml_source_from_pid(pid_max, &src);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	char want[64];
	snprintf(want, sizeof(want), "/proc/%d/mem", pid_max);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), want));
	vml_error_free(err);
	CU_ASSERT_PTR_NULL(src);
	VML_ASSERT_ERR(vml_source_from_pid(-3, &src), VML_ERROR_INVALID);
}

static CU_TestInfo tests[] = {
	{ "callback", test_callback },
	{ "buffer bounds", test_buffer_bounds },
	{ "page cache hits", test_page_cache_hits },
	{ "negative cache and invalidate", test_negative_cache_and_invalidate },
	{ "pid source reads itself", test_pid_self },
	{ "pid source for a missing pid", test_pid_missing },
	CU_TEST_INFO_NULL,
};

int vml_suite_source(void)
{
	return vml_add_suite("source", tests);
}

/* error_test.c — error objects: codes, messages, errno mapping, static OOM. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

static void test_create_formats_message(void)
{
	struct vml_error *err = vml_error_create(VML_ERROR_PARSE, "line %d: bad %s", 7, "perms");
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_PARSE);
	CU_ASSERT_STRING_EQUAL(vml_error_message(err), "line 7: bad perms");
	CU_ASSERT_EQUAL(vml_error_errno(err), 0);
	vml_error_free(err);
}

static void test_errno_maps_codes(void)
{
	struct vml_error *err = vml_error_from_errno(EACCES, "open %s", "/proc/1/mem");
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_PERMISSION);
	CU_ASSERT_EQUAL(vml_error_errno(err), EACCES);
	/* The message ends with the C library's own wording of the errno. */
	const char *msg = vml_error_message(err);
	const char *want = strerror(EACCES);
	CU_ASSERT(strncmp(msg, "open /proc/1/mem: ", 18) == 0);
	CU_ASSERT_STRING_EQUAL(msg + 18, want);
	vml_error_free(err);

	err = vml_error_from_errno(ESRCH, "pid 99");
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	vml_error_free(err);
	err = vml_error_from_errno(EIO, "read");
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_IO);
	vml_error_free(err);
	/* ENOMEM is the static error: freeing it must be harmless. */
	err = vml_error_from_errno(ENOMEM, "x");
	CU_ASSERT_PTR_EQUAL(err, &vml_enomem);
	vml_error_free(err);
	vml_error_free(err);
}

static void test_fault_carries_address(void)
{
	bool has = false;
	struct vml_error *err = vml_error_fault(0xdead000, "cannot read %d bytes", 8);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	CU_ASSERT_EQUAL(vml_error_address(err, &has), 0xdead000);
	CU_ASSERT_TRUE(has);
	vml_error_free(err);
	CU_ASSERT_EQUAL(vml_error_address(NULL, &has), 0);
	CU_ASSERT_FALSE(has);
	CU_ASSERT_EQUAL(vml_error_code(NULL), VML_OK);
}

static void test_arena_and_grow(void)
{
	struct vml_arena arena;
	vml_arena_init(&arena);
	char *a = vml_arena_strdup(&arena, "hello");
	char *b = vml_arena_strndup(&arena, "worldwide", 5);
	void *big = vml_arena_alloc(&arena, 200000); /* larger than a chunk */
	CU_ASSERT_PTR_NOT_NULL(big);
	CU_ASSERT_STRING_EQUAL(a, "hello");
	CU_ASSERT_STRING_EQUAL(b, "world");
	CU_ASSERT_PTR_NULL(vml_arena_alloc(&arena, SIZE_MAX - 3));
	vml_arena_release(&arena);

	int *arr = NULL;
	size_t cap = 0;
	CU_ASSERT_TRUE(vml_grow((void **)&arr, &cap, 100, sizeof(int)));
	CU_ASSERT(cap >= 100);
	arr[99] = 1;
	CU_ASSERT_FALSE(vml_grow((void **)&arr, &cap, SIZE_MAX / 2, sizeof(int)));
	free(arr);
}

static CU_TestInfo tests[] = {
	{ "create formats message", test_create_formats_message },
	{ "errno maps codes", test_errno_maps_codes },
	{ "fault carries address", test_fault_carries_address },
	{ "arena and grow", test_arena_and_grow },
	CU_TEST_INFO_NULL,
};

int vml_suite_error(void)
{
	return vml_add_suite("error", tests);
}

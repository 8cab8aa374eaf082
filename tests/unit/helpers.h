/* helpers.h — small assertion helpers shared by the unit tests. */
#ifndef VML_TEST_HELPERS_H
#define VML_TEST_HELPERS_H

#include <CUnit/CUnit.h>
#include <stdio.h>

#include "internal.h"

/* Assert that a call returned no error; print the message when it did. */
#define VML_ASSERT_OK(expr)                                                     \
	do {                                                                    \
		struct vml_error *vml_test_err_ = (expr);                       \
		if (vml_test_err_)                                              \
			fprintf(stderr, "\n%s:%d: unexpected error: %s\n",      \
				__FILE__, __LINE__,                             \
				vml_error_message(vml_test_err_));              \
		CU_ASSERT_PTR_NULL_FATAL(vml_test_err_);                        \
	} while (0)

/* Assert that a call failed with the given code, then free the error. */
#define VML_ASSERT_ERR(expr, want_code)                                         \
	do {                                                                    \
		struct vml_error *vml_test_err_ = (expr);                       \
		CU_ASSERT_PTR_NOT_NULL_FATAL(vml_test_err_);                    \
		CU_ASSERT_EQUAL(vml_error_code(vml_test_err_), (want_code));    \
		CU_ASSERT_PTR_NOT_NULL(vml_error_message(vml_test_err_));       \
		vml_error_free(vml_test_err_);                                  \
	} while (0)

/* Load bias of the running test binary at exe_path, from the kernel's
 * AT_PHDR and readelf's PHDR entry (helpers.c). */
uint64_t vml_test_exe_bias(const char *exe_path);

/* x86-64 paging from raw registers (CR3; CR4.LA57 when levels is 5;
 * EFER.NXE), through vml_paging_from_registers. Free with
 * vml_paging_free. */
struct vml_paging *vml_test_x86_paging(uint64_t cr3, uint32_t levels, bool nxe,
				       uint32_t maxphyaddr);

/* Register a suite made of a NULL-terminated CU_TestInfo array. */
static inline int vml_add_suite(const char *name, CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{ name, NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	return CU_register_suites(suites);
}

#endif

/* main.c — runs every unit-test suite; exits non-zero on any failure. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "suites.h"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
#define VML_REGISTER(name)                                                     \
	if (vml_suite_##name() != CUE_SUCCESS) {                               \
		fprintf(stderr, "cannot register suite %s: %s\n", #name,        \
			CU_get_error_msg());                                    \
		CU_cleanup_registry();                                         \
		return 2;                                                      \
	}
	VML_SUITES(VML_REGISTER)
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() +
			  CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no unit test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}

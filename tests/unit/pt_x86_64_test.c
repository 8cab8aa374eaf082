/* pt_x86_64_test.c — placeholder suite until the module's tests are written. */
#include "helpers.h"
#include "suites.h"

static CU_TestInfo tests[] = {
	CU_TEST_INFO_NULL,
};

int vml_suite_pt_x86_64(void)
{
	return vml_add_suite("pt_x86_64", tests);
}

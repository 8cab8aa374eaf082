/* classify_kernel_test.c — placeholder suite until the module's tests are written. */
#include "helpers.h"
#include "suites.h"

static CU_TestInfo tests[] = {
	CU_TEST_INFO_NULL,
};

int vml_suite_classify_kernel(void)
{
	return vml_add_suite("classify_kernel", tests);
}

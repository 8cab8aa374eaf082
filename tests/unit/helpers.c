/* helpers.c — truths shared by several unit-test files. */
#include <stdio.h>
#include <sys/auxv.h>

#include "helpers.h"

uint64_t vml_test_exe_bias(const char *exe_path)
{
	/* The kernel's AT_PHDR minus readelf's PHDR vaddr: the load bias of
	 * this test binary, known without the code under test. */
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", exe_path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[512];
	unsigned long long off, vaddr = 0;
	bool found = false;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " PHDR %llx %llx", &off, &vaddr) == 2)
			found = true;
	pclose(p);
	CU_ASSERT_TRUE_FATAL(found);
	return (uint64_t)getauxval(AT_PHDR) - vaddr;
}

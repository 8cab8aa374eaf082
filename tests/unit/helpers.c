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

struct vml_paging *vml_test_x86_paging(uint64_t cr3, uint32_t levels, bool nxe,
				       uint32_t maxphyaddr)
{
	/* The registers as a debugger reads them, with the architectural bit
	 * positions written here independently of the library: CR4.LA57 is
	 * bit 12, EFER.NXE bit 11 (with LME and LMA, bits 8 and 10, set as in
	 * any long-mode CPU). */
	struct vml_named_value regs[] = {
		{ "cr3", cr3 },
		{ "cr4", 0x20 | (levels == 5 ? 1ull << 12 : 0) },
		{ "efer", 0x500 | (nxe ? 1ull << 11 : 0) },
	};
	struct vml_paging *p = NULL;
	VML_ASSERT_OK(vml_paging_from_registers(VML_ARCH_X86_64, regs, 3,
						maxphyaddr, &p));
	return p;
}

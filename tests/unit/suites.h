/* suites.h — one registration function per module test file. Each adds its
 * CUnit suite and returns a CUnit error code (CUE_SUCCESS on success). */
#ifndef VML_TEST_SUITES_H
#define VML_TEST_SUITES_H

#define VML_SUITES(X) \
	X(error) \
	X(util) \
	X(source) \
	X(pt_x86_64) \
	X(pt_aarch64) \
	X(maps_parse) \
	X(region) \
	X(layout_pid) \
	X(elf_file) \
	X(classify_user) \
	X(where) \
	X(disasm) \
	X(render) \
	X(core_elf) \
	X(classify_kernel) \
	X(abi) \
	X(i386) \
	X(stacks) \
	X(scan) \
	X(crash) \
	X(kallsyms) \
	X(kobjects) \
	X(vmcore)

#define VML_DECLARE_SUITE(name) int vml_suite_##name(void);
VML_SUITES(VML_DECLARE_SUITE)

#endif

/* where_test.c — whereis answers: halves, gaps and file offsets against a
 * hand-written maps text (hand-computed answers); sections, symbols and
 * stacks against this process (truths from readelf, auxv and our own
 * variables). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

static const char hand_maps[] =
	"00400000-00401000 r--p 00000000 08:01 100 /nonexistent/vml/prog\n"
	"00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
	"00403000-00405000 rw-p 00002000 08:01 100 /nonexistent/vml/prog\n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"7f0000001000-7f0000801000 rw-p 00000000 00:00 0 \n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

static struct vml_layout *hand_layout(void)
{
	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(hand_maps, sizeof(hand_maps) - 1, &layout));
	VML_ASSERT_OK(vml_layout_add_thread(layout, 100, 0x7ffc00020000, true));
	VML_ASSERT_OK(vml_layout_add_thread(layout, 101, 0x7f0000800000, false));
	return layout;
}

static void test_halves_and_gaps(void)
{
	struct vml_layout *l = hand_layout();
	struct vml_where w;

	/* Below the first region: the gap from 0. */
	VML_ASSERT_OK(vml_layout_where(l, 0x300000, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.addr, 0x300000);
	CU_ASSERT_EQUAL(w.half, VML_HALF_USER);
	CU_ASSERT_TRUE(w.canonical);
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.gap.start, 0);
	CU_ASSERT_EQUAL(w.gap.last, 0x3fffff);
	CU_ASSERT_PTR_NULL(w.gap.below);
	CU_ASSERT_PTR_EQUAL(w.gap.above, vml_layout_region(l, 0));
	CU_ASSERT_PTR_NULL(w.section);
	CU_ASSERT_PTR_NULL(w.symbol);
	CU_ASSERT_FALSE(w.has_file_offset);
	CU_ASSERT_FALSE(w.null_page);   /* 3 MiB: above vm.mmap_min_addr */
	CU_ASSERT_FALSE(w.kernel_hidden);
	CU_ASSERT_EQUAL(w.user_end, 0x0000800000000000ull);
	CU_ASSERT_EQUAL(w.kernel_start, 0xffff800000000000ull);

	/* The one-page hole inside the program. */
	VML_ASSERT_OK(vml_layout_where(l, 0x402abc, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.gap.start, 0x402000);
	CU_ASSERT_EQUAL(w.gap.last, 0x402fff);
	CU_ASSERT_PTR_EQUAL(w.gap.below, vml_layout_region(l, 1));
	CU_ASSERT_PTR_EQUAL(w.gap.above, vml_layout_region(l, 2));

	/* Non-canonical: between the [stack] and [vsyscall]. */
	VML_ASSERT_OK(vml_layout_where(l, 0x0000900000000000ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.half, VML_HALF_NONCANONICAL);
	CU_ASSERT_FALSE(w.canonical);
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.gap.start, 0x7ffc00021000ull);
	CU_ASSERT_EQUAL(w.gap.last, 0xffffffffff5fffffull);
	CU_ASSERT_PTR_EQUAL(w.gap.below, vml_layout_region(l, 5));
	CU_ASSERT_PTR_EQUAL(w.gap.above, vml_layout_region(l, 6));

	/* Edges of the canonical halves. */
	VML_ASSERT_OK(vml_layout_where(l, 0x00007fffffffffffull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.half, VML_HALF_USER);
	VML_ASSERT_OK(vml_layout_where(l, 0x0000800000000000ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.half, VML_HALF_NONCANONICAL);
	VML_ASSERT_OK(vml_layout_where(l, 0xffff7fffffffffffull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.half, VML_HALF_NONCANONICAL);
	VML_ASSERT_OK(vml_layout_where(l, 0xffff800000000000ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.half, VML_HALF_KERNEL);
	CU_ASSERT_TRUE(w.canonical);

	/* Kernel half: vsyscall is mapped, above it is the gap to 2^64-1. */
	VML_ASSERT_OK(vml_layout_where(l, 0xffffffffff600123ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.half, VML_HALF_KERNEL);
	CU_ASSERT_PTR_EQUAL(w.region, vml_layout_region(l, 6));
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_VSYSCALL);
	VML_ASSERT_OK(vml_layout_where(l, 0xffffffffff601000ull, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.gap.start, 0xffffffffff601000ull);
	CU_ASSERT_EQUAL(w.gap.last, UINT64_MAX);
	CU_ASSERT_PTR_NULL(w.gap.above);
	/* [vsyscall] alone does not make kernel space visible. */
	CU_ASSERT_TRUE(w.kernel_hidden);
	CU_ASSERT_FALSE(w.null_page);

	/* Below 64 KiB (vm.mmap_min_addr's default): a NULL dereference. */
	VML_ASSERT_OK(vml_layout_where(l, 0x18, &w, sizeof(w)));
	CU_ASSERT_TRUE(w.null_page);
	CU_ASSERT_FALSE(w.kernel_hidden);
	VML_ASSERT_OK(vml_layout_where(l, 0xffff, &w, sizeof(w)));
	CU_ASSERT_TRUE(w.null_page);
	VML_ASSERT_OK(vml_layout_where(l, 0x10000, &w, sizeof(w)));
	CU_ASSERT_FALSE(w.null_page);
	vml_layout_free(l);

	/* A layout holding kernel mappings shows kernel space. */
	static const char with_kernel[] =
		"00400000-00401000 r--p 00000000 08:01 100 /nonexistent/vml/prog\n"
		"ffffffff81000000-ffffffff82000000 r-xp 00000000 00:00 0 \n";
	VML_ASSERT_OK(vml_layout_from_maps(with_kernel, sizeof(with_kernel) - 1, &l));
	VML_ASSERT_OK(vml_layout_where(l, 0xffffffff80000000ull, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_FALSE(w.kernel_hidden);
	vml_layout_free(l);
}

static void test_file_offset_and_stacks(void)
{
	struct vml_layout *l = hand_layout();
	struct vml_where w;

	/* where classifies on demand. */
	CU_ASSERT_FALSE(l->classified);
	VML_ASSERT_OK(vml_layout_where(l, 0x403010, &w, sizeof(w)));
	CU_ASSERT_TRUE(l->classified);
	CU_ASSERT_PTR_EQUAL(w.region, vml_layout_region(l, 2));
	CU_ASSERT_TRUE(w.has_file_offset);
	CU_ASSERT_EQUAL(w.file_offset, 0x2010);
	CU_ASSERT_EQUAL(w.stack_tid, 0);
	CU_ASSERT_FALSE(w.has_stack_sp);

	/* 0x100 below thread 101's sp. */
	VML_ASSERT_OK(vml_layout_where(l, 0x7f00007fff00ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_THREAD_STACK);
	CU_ASSERT_FALSE(w.has_file_offset);
	CU_ASSERT_EQUAL(w.stack_tid, 101);
	CU_ASSERT_TRUE(w.has_stack_sp);
	CU_ASSERT_EQUAL(w.stack_sp, 0x7f0000800000ull);
	CU_ASSERT_EQUAL(w.above_sp, -0x100);
	CU_ASSERT_EQUAL(w.stack_note, VML_STACK_NOTE_UNUSED);   /* > 128: past the red zone */

	/* Exactly 128 below sp: the last byte of the x86-64 red zone. */
	VML_ASSERT_OK(vml_layout_where(l, 0x7f0000800000ull - 128, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.above_sp, -128);
	CU_ASSERT_EQUAL(w.stack_note, VML_STACK_NOTE_RED_ZONE);
	VML_ASSERT_OK(vml_layout_where(l, 0x7f0000800000ull - 129, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_note, VML_STACK_NOTE_UNUSED);

	/* 0x18 above the main thread's sp, in [stack]. */
	VML_ASSERT_OK(vml_layout_where(l, 0x7ffc00020018ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_STACK);
	CU_ASSERT_EQUAL(w.stack_tid, 100);
	CU_ASSERT_EQUAL(w.stack_sp, 0x7ffc00020000ull);
	CU_ASSERT_EQUAL(w.above_sp, 0x18);
	CU_ASSERT_EQUAL(w.stack_note, VML_STACK_NOTE_NONE);

	/* The guard below thread 101's stack is no stack itself. */
	VML_ASSERT_OK(vml_layout_where(l, 0x7f0000000010ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_GUARD);
	CU_ASSERT_FALSE(w.has_stack_sp);
	vml_layout_free(l);
}

static void test_empty_layout(void)
{
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps("", 0, &l));
	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(l, 0x1234, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.gap.start, 0);
	/* The gap ends where user space does, not at 2^64 - 1. */
	CU_ASSERT_EQUAL(w.gap.last, 0x7fffffffffff);
	CU_ASSERT_PTR_NULL(w.gap.above);
	vml_layout_free(l);
	VML_ASSERT_ERR(vml_layout_where(NULL, 0, &w, sizeof(w)), VML_ERROR_INVALID);
}

/* ------------------------------------------------------- this process */

static char where_bss[8192];
static const char where_rodata[] = "vmlayout where rodata probe";

__attribute__((noinline)) int vml_where_test_fn(int x);
__attribute__((noinline)) int vml_where_test_fn(int x)
{
	return x * 7 + where_rodata[0];
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	*len = n;
	return buf;
}

static char self_exe[4096];

/* Link-time address, offset and size of a section of our own exe, from
 * readelf. */
static bool readelf_section(const char *want, uint64_t *addr, uint64_t *off,
			    uint64_t *size)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "readelf -SW '%s'", self_exe);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), p)) {
		const char *br = strchr(line, ']');
		char name[128], type[32];
		unsigned long long a, o, s;
		if (br && sscanf(br + 1, "%127s %31s %llx %llx %llx", name, type,
				 &a, &o, &s) == 5 && strcmp(name, want) == 0) {
			*addr = a;
			*off = o;
			*size = s;
			found = true;
		}
	}
	pclose(p);
	return found;
}

static struct vml_layout *self_layout(uint64_t sp)
{
	size_t len;
	char *maps = read_all("/proc/self/maps", &len);
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(maps, len, &l));
	free(maps);
	char *auxv = read_all("/proc/self/auxv", &len);
	VML_ASSERT_OK(vml_layout_set_auxv(l, auxv, len));
	free(auxv);
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	CU_ASSERT_FATAL(n > 0);
	self_exe[n] = '\0';
	VML_ASSERT_OK(vml_layout_add_thread(l, getpid(), sp, true));
	return l;
}

static void test_self_text_symbol(void)
{
	volatile int here = 0;
	struct vml_layout *l = self_layout((uintptr_t)&here);
	uint64_t bias = vml_test_exe_bias(self_exe);
	uint64_t addr = (uintptr_t)&vml_where_test_fn + 5;
	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(l, addr, &w, sizeof(w)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.region);
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_TEXT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.symbol);
	CU_ASSERT_STRING_EQUAL(w.symbol, "vml_where_test_fn");
	CU_ASSERT_EQUAL(w.symbol_offset, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.section);
	CU_ASSERT_STRING_EQUAL(w.section, ".text");
	uint64_t sa, so, ss;
	CU_ASSERT_TRUE_FATAL(readelf_section(".text", &sa, &so, &ss));
	CU_ASSERT_EQUAL(w.section_offset, addr - bias - sa);
	/* .text is PROGBITS: the file holds it at its section offset. */
	CU_ASSERT_TRUE(w.has_file_offset);
	CU_ASSERT_EQUAL(w.file_offset, addr - bias - sa + so);
	/* Instruction text comes from disasm.c when it can decode; it is
	 * never required, but when given it is a real one. */
	if (w.has_insn) {
		CU_ASSERT(w.insn_len >= 1 && w.insn_len <= 15);
		CU_ASSERT(w.insn[0] != '\0');
	}
	CU_ASSERT_EQUAL(vml_where_test_fn(1), 7 + where_rodata[0]);
	vml_layout_free(l);
}

static void test_self_data_sections(void)
{
	volatile int here = 0;
	struct vml_layout *l = self_layout((uintptr_t)&here);
	uint64_t bias = vml_test_exe_bias(self_exe);
	uint64_t sa, so, ss;
	struct vml_where w;

	where_bss[0] = 1;
	uint64_t addr = (uintptr_t)&where_bss[8100];
	VML_ASSERT_OK(vml_layout_where(l, addr, &w, sizeof(w)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.region);
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_BSS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.section);
	CU_ASSERT_STRING_EQUAL(w.section, ".bss");
	CU_ASSERT_TRUE_FATAL(readelf_section(".bss", &sa, &so, &ss));
	CU_ASSERT_EQUAL(w.section_offset, addr - bias - sa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.symbol);
	CU_ASSERT_STRING_EQUAL(w.symbol, "where_bss");
	CU_ASSERT_EQUAL(w.symbol_offset, 8100);
	CU_ASSERT_FALSE(w.has_file_offset); /* anonymous memory */
	CU_ASSERT_FALSE(w.has_insn);

	addr = (uintptr_t)&where_rodata[3];
	VML_ASSERT_OK(vml_layout_where(l, addr, &w, sizeof(w)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.section);
	CU_ASSERT_STRING_EQUAL(w.section, ".rodata");
	CU_ASSERT_TRUE_FATAL(readelf_section(".rodata", &sa, &so, &ss));
	CU_ASSERT_EQUAL(w.section_offset, addr - bias - sa);
	CU_ASSERT_TRUE(w.has_file_offset);
	CU_ASSERT_EQUAL(w.file_offset, addr - bias - sa + so);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.symbol);
	CU_ASSERT_STRING_EQUAL(w.symbol, "where_rodata");
	CU_ASSERT_EQUAL(w.symbol_offset, 3);

	/* Our own stack, 0 bytes above the sp we gave. */
	VML_ASSERT_OK(vml_layout_where(l, (uintptr_t)&here, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.region->kind, VML_KIND_STACK);
	CU_ASSERT_EQUAL(w.stack_tid, getpid());
	CU_ASSERT_TRUE(w.has_stack_sp);
	CU_ASSERT_EQUAL(w.above_sp, 0);
	CU_ASSERT_PTR_NULL(w.section);
	vml_layout_free(l);
}

static CU_TestInfo tests[] = {
	{ "halves and gaps", test_halves_and_gaps },
	{ "file offset and stacks", test_file_offset_and_stacks },
	{ "empty layout", test_empty_layout },
	{ "self text symbol", test_self_text_symbol },
	{ "self data sections", test_self_data_sections },
	CU_TEST_INFO_NULL,
};

int vml_suite_where(void)
{
	return vml_add_suite("where", tests);
}

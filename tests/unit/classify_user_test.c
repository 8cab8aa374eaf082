/* classify_user_test.c — region kinds from a hand-written maps text (every
 * answer written by hand) and from this test process itself (truths from
 * /proc/self/maps, /proc/self/auxv and readelf, never from the classifier). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

/* ------------------------------------------------------- hand-written */

/* Files under /nonexistent cannot be read: kinds come from permissions. */
static const char hand_maps[] =
	"00400000-00401000 r--p 00000000 08:01 100 /nonexistent/vml/prog\n"
	"00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
	"00402000-00403000 r--p 00002000 08:01 100 /nonexistent/vml/prog\n"
	"00403000-00404000 r--p 00002000 08:01 100 /nonexistent/vml/prog\n"
	"00404000-00405000 rw-p 00003000 08:01 100 /nonexistent/vml/prog\n"
	"00405000-00407000 rw-p 00000000 00:00 0 \n"
	"01000000-01021000 rw-p 00000000 00:00 0 [heap]\n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"7f0000001000-7f0000801000 rw-p 00000000 00:00 0 \n"
	"7f0000801000-7f0000802000 ---p 00000000 00:00 0 \n"
	"7f0000900000-7f0000901000 rw-p 00000000 00:00 0 \n"
	"7f0000a00000-7f0000a01000 r--p 00000000 08:01 200 /nonexistent/vml/data.bin\n"
	"7f0000b00000-7f0000b01000 rw-p 00000000 00:00 0 [anon:my arena]\n"
	"7f0000c00000-7f0000c01000 r-xp 00000000 08:01 300 /nonexistent/vml/libx.so (deleted)\n"
	"7f0000d00000-7f0000d01000 rw-p 00000000 00:00 0 [uprobes]\n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n"
	"7ffc00100000-7ffc00102000 r--p 00000000 00:00 0 [vvar]\n"
	"7ffc00102000-7ffc00104000 r-xp 00000000 00:00 0 [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

#define PROG "/nonexistent/vml/prog"
#define LIBX "/nonexistent/vml/libx.so"

struct want {
	uint64_t start;
	enum vml_kind kind;
	enum vml_group group;
	const char *object;
	uint32_t flags; /* of EXE | LIBRARY | GUESSED */
	int64_t tid;
};

static const struct want hand_want[] = {
	{ 0x400000, VML_KIND_RODATA, VML_GROUP_EXE, PROG, VML_REGION_EXE | VML_REGION_GUESSED, 0 },
	{ 0x401000, VML_KIND_TEXT, VML_GROUP_EXE, PROG, VML_REGION_EXE | VML_REGION_GUESSED, 0 },
	{ 0x402000, VML_KIND_RODATA, VML_GROUP_EXE, PROG, VML_REGION_EXE | VML_REGION_GUESSED, 0 },
	{ 0x403000, VML_KIND_RELRO, VML_GROUP_EXE, PROG, VML_REGION_EXE | VML_REGION_GUESSED, 0 },
	{ 0x404000, VML_KIND_DATA, VML_GROUP_EXE, PROG, VML_REGION_EXE | VML_REGION_GUESSED, 0 },
	{ 0x405000, VML_KIND_BSS, VML_GROUP_EXE, PROG, VML_REGION_EXE | VML_REGION_GUESSED, 0 },
	{ 0x1000000, VML_KIND_HEAP, VML_GROUP_HEAP, NULL, 0, 0 },
	{ 0x7f0000000000, VML_KIND_GUARD, VML_GROUP_STACK, NULL, 0, 101 },
	{ 0x7f0000001000, VML_KIND_THREAD_STACK, VML_GROUP_STACK, NULL, 0, 101 },
	/* PROT_NONE above a stack, not below one: a reservation. */
	{ 0x7f0000801000, VML_KIND_RESERVED, VML_GROUP_MMAP, NULL, 0, 0 },
	{ 0x7f0000900000, VML_KIND_MMAP_ANON, VML_GROUP_MMAP, NULL, 0, 0 },
	{ 0x7f0000a00000, VML_KIND_MMAP_FILE, VML_GROUP_MMAP, NULL, 0, 0 },
	{ 0x7f0000b00000, VML_KIND_MMAP_ANON, VML_GROUP_MMAP, NULL, 0, 0 },
	{ 0x7f0000c00000, VML_KIND_TEXT, VML_GROUP_MMAP, LIBX, VML_REGION_LIBRARY | VML_REGION_GUESSED, 0 },
	{ 0x7f0000d00000, VML_KIND_UNKNOWN, VML_GROUP_MMAP, NULL, 0, 0 },
	{ 0x7ffc00000000, VML_KIND_STACK, VML_GROUP_STACK, NULL, 0, 100 },
	{ 0x7ffc00100000, VML_KIND_VVAR, VML_GROUP_SPECIAL, NULL, 0, 0 },
	{ 0x7ffc00102000, VML_KIND_VDSO, VML_GROUP_SPECIAL, NULL, 0, 0 },
	{ 0xffffffffff600000, VML_KIND_VSYSCALL, VML_GROUP_SPECIAL, NULL, 0, 0 },
};

static struct vml_layout *hand_layout(void)
{
	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(hand_maps, sizeof(hand_maps) - 1, &layout));
	VML_ASSERT_OK(vml_layout_set_exe(layout, PROG));
	VML_ASSERT_OK(vml_layout_add_thread(layout, 100, 0x7ffc00020000, true));
	VML_ASSERT_OK(vml_layout_add_thread(layout, 101, 0x7f0000800000, false));
	return layout;
}

static void check_want(const struct vml_layout *layout, const struct want *w,
		       size_t n)
{
	const uint32_t ours = VML_REGION_EXE | VML_REGION_LIBRARY | VML_REGION_GUESSED;
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(layout), n);
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = vml_layout_region(layout, i);
		CU_ASSERT_EQUAL(r->start, w[i].start);
		if (r->kind != (uint32_t)w[i].kind || r->group != (uint32_t)w[i].group ||
		    (r->flags & ours) != w[i].flags || r->tid != w[i].tid)
			fprintf(stderr, "\nregion %#lx: kind %s group %s flags %#x tid %ld\n",
				(unsigned long)r->start, vml_kind_name(r->kind),
				vml_group_name(r->group), r->flags, (long)r->tid);
		CU_ASSERT_EQUAL(r->kind, w[i].kind);
		CU_ASSERT_EQUAL(r->group, w[i].group);
		CU_ASSERT_EQUAL(r->flags & ours, w[i].flags);
		CU_ASSERT_EQUAL(r->tid, w[i].tid);
		if (w[i].object) {
			CU_ASSERT_PTR_NOT_NULL(r->object);
			if (r->object)
				CU_ASSERT_STRING_EQUAL(r->object, w[i].object);
		} else {
			CU_ASSERT_PTR_NULL(r->object);
		}
	}
}

static void test_hand_maps_guessed(void)
{
	struct vml_layout *layout = hand_layout();
	VML_ASSERT_OK(vml_layout_classify(layout));
	check_want(layout, hand_want, VML_ARRAY_SIZE(hand_want));
	/* Nothing could be read, so no object has ELF info. */
	CU_ASSERT_EQUAL(layout->nobjects, 0);
	CU_ASSERT_PTR_NULL(vml_layout_object_at(layout, 0x401000));
	vml_layout_free(layout);
}

static void test_classify_idempotent(void)
{
	struct vml_layout *layout = hand_layout();
	VML_ASSERT_OK(vml_layout_classify(layout));
	VML_ASSERT_OK(vml_layout_classify(layout));
	check_want(layout, hand_want, VML_ARRAY_SIZE(hand_want));

	/* Classifying an unchanged layout again does nothing at all (so
	 * whereis answers into it stay valid): a mark left in a region
	 * survives it ... */
	struct vml_region *r = &layout->regions[0];
	uint32_t kind = r->kind;
	r->kind = VML_KIND_VDSO;
	VML_ASSERT_OK(vml_layout_classify(layout));
	CU_ASSERT_EQUAL(r->kind, VML_KIND_VDSO);
	/* ... while any change to the input makes it run again. */
	VML_ASSERT_OK(vml_layout_set_sysroot(layout, NULL));
	VML_ASSERT_OK(vml_layout_classify(layout));
	CU_ASSERT_EQUAL(r->kind, kind);
	check_want(layout, hand_want, VML_ARRAY_SIZE(hand_want));
	vml_layout_free(layout);
}

/* auxv's AT_ENTRY names the program even when no exe path is given. */
static void test_exe_from_auxv_entry(void)
{
	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(hand_maps, sizeof(hand_maps) - 1, &layout));
	uint64_t auxv[] = { AT_PAGESZ, 4096, AT_ENTRY, 0x401234, AT_NULL, 0 };
	VML_ASSERT_OK(vml_layout_set_auxv(layout, auxv, sizeof(auxv)));
	VML_ASSERT_OK(vml_layout_classify(layout));
	const struct vml_region *r = vml_layout_find(layout, 0x404800);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_DATA);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_EXE);
	/* Without threads, [stack] has no tid and anonymous memory stays
	 * plain anonymous memory. */
	CU_ASSERT_EQUAL(vml_layout_find(layout, 0x7ffc00000000)->tid, 0);
	CU_ASSERT_EQUAL(vml_layout_find(layout, 0x7f0000001000)->kind,
			VML_KIND_MMAP_ANON);
	CU_ASSERT_EQUAL(vml_layout_find(layout, 0x7f0000000000)->group,
			VML_GROUP_MMAP);
	vml_layout_free(layout);

	/* Neither auxv nor exe: the guessed object is a library. */
	VML_ASSERT_OK(vml_layout_from_maps(hand_maps, sizeof(hand_maps) - 1, &layout));
	VML_ASSERT_OK(vml_layout_classify(layout));
	r = vml_layout_find(layout, 0x401000);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_TEXT);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_MMAP);
	CU_ASSERT_EQUAL(r->flags & (VML_REGION_LIBRARY | VML_REGION_GUESSED),
			VML_REGION_LIBRARY | VML_REGION_GUESSED);
	vml_layout_free(layout);
}

static void test_old_kernel_thread_stack_name(void)
{
	static const char text[] =
		"7f0000001000-7f0000801000 rw-p 00000000 00:00 0 [stack:4242]\n"
		"7f0000900000-7f0000901000 rw-p 00000000 00:00 0 [stack:12x]\n";
	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(text, sizeof(text) - 1, &layout));
	VML_ASSERT_OK(vml_layout_classify(layout));
	CU_ASSERT_EQUAL(vml_layout_region(layout, 0)->kind, VML_KIND_THREAD_STACK);
	CU_ASSERT_EQUAL(vml_layout_region(layout, 0)->tid, 4242);
	CU_ASSERT_EQUAL(vml_layout_region(layout, 1)->kind, VML_KIND_UNKNOWN);
	vml_layout_free(layout);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_TEXT), "text");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_RELRO), "relro");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_THREAD_STACK), "thread-stack");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_MMAP_FILE), "mmap-file");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_MMAP_ANON), "mmap-anon");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_DIRECT_MAP), "direct-map");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_CPU_ENTRY_AREA), "cpu-entry-area");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_KASAN), "kasan-shadow");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_LDT_REMAP), "ldt-remap");
	CU_ASSERT_STRING_EQUAL(vml_kind_name(VML_KIND_COUNT), "unknown");
	CU_ASSERT_STRING_EQUAL(vml_kind_name((enum vml_kind)-1), "unknown");
	CU_ASSERT_STRING_EQUAL(vml_group_name(VML_GROUP_NONE), "none");
	CU_ASSERT_STRING_EQUAL(vml_group_name(VML_GROUP_EXE), "exe");
	CU_ASSERT_STRING_EQUAL(vml_group_name(VML_GROUP_SPECIAL), "special");
	CU_ASSERT_STRING_EQUAL(vml_group_name(VML_GROUP_KERNEL), "kernel");
	CU_ASSERT_STRING_EQUAL(vml_group_name(VML_GROUP_COUNT), "none");
	/* Every kind has its own name. */
	for (int i = 1; i < VML_KIND_COUNT; i++)
		CU_ASSERT_STRING_NOT_EQUAL(vml_kind_name(i), "unknown");
}

/* ------------------------------------------------------- this process */

static char test_bss[8192];
static const char *test_rodata_string = "vmlayout classify rodata probe";

__attribute__((noinline)) int vml_classify_test_fn(int x);
__attribute__((noinline)) int vml_classify_test_fn(int x)
{
	return x + 42;
}

static char *read_file_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* The path /proc/self/maps gives for the mapping holding addr (the truth
 * comes from the kernel's text, parsed here by hand). */
static bool maps_path_of(const char *maps, uint64_t addr, char *path, size_t size)
{
	const char *line = maps;
	while (line && *line) {
		unsigned long long lo, hi;
		int off = 0;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &lo, &hi, &off) == 2 &&
		    addr >= lo && addr < hi) {
			const char *nl = strchr(line + off, '\n');
			size_t n = nl ? (size_t)(nl - line - off) : strlen(line + off);
			if (n >= size)
				return false;
			memcpy(path, line + off, n);
			path[n] = '\0';
			return true;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

static char exe_path[4096];

/* The layout of this process, with our own fake thread stack: a guard
 * page and two stack pages we mapped ourselves. */
struct self {
	struct vml_layout *layout;
	char *maps;
	unsigned char *stack_map;   /* guard page + 2 pages */
	uint64_t thread_sp;
	uint64_t main_sp;
};

static void self_open(struct self *s)
{
	memset(s, 0, sizeof(*s));
	s->stack_map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(s->stack_map != MAP_FAILED);
	CU_ASSERT_FATAL(mprotect(s->stack_map, 4096, PROT_NONE) == 0);
	s->thread_sp = (uint64_t)(uintptr_t)(s->stack_map + 2 * 4096 + 100);
	volatile int local = 0;
	s->main_sp = (uint64_t)(uintptr_t)&local;

	size_t len;
	s->maps = read_file_all("/proc/self/maps", &len);
	VML_ASSERT_OK(vml_layout_from_maps(s->maps, len, &s->layout));
	size_t alen;
	char *auxv = read_file_all("/proc/self/auxv", &alen);
	VML_ASSERT_OK(vml_layout_set_auxv(s->layout, auxv, alen));
	free(auxv);
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
	CU_ASSERT_FATAL(n > 0);
	exe_path[n] = '\0';
	VML_ASSERT_OK(vml_layout_set_exe(s->layout, exe_path));
	VML_ASSERT_OK(vml_layout_add_thread(s->layout, getpid(), s->main_sp, true));
	VML_ASSERT_OK(vml_layout_add_thread(s->layout, 999999, s->thread_sp, false));
	VML_ASSERT_OK(vml_layout_classify(s->layout));
}

static void self_close(struct self *s)
{
	vml_layout_free(s->layout);
	free(s->maps);
	munmap(s->stack_map, 3 * 4096);
}

/* GNU_RELRO of the exe from readelf: link-time vaddr and memsz. */
static bool exe_relro_truth(uint64_t *vaddr, uint64_t *memsz)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", exe_path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[512];
	bool found = false;
	unsigned long long off, va, pa, fs, ms;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " GNU_RELRO %llx %llx %llx %llx %llx", &off, &va,
			   &pa, &fs, &ms) == 5) {
			*vaddr = va;
			*memsz = ms;
			found = true;
		}
	pclose(p);
	return found;
}

static void assert_exe_region(const struct vml_region *r, enum vml_kind kind)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	if (r->kind != (uint32_t)kind)
		fprintf(stderr, "\n%#lx: kind %s, want %s\n", (unsigned long)r->start,
			vml_kind_name(r->kind), vml_kind_name(kind));
	CU_ASSERT_EQUAL(r->kind, kind);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_EXE);
	CU_ASSERT(r->flags & VML_REGION_EXE);
	CU_ASSERT_FALSE(r->flags & VML_REGION_GUESSED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->object);
	CU_ASSERT_STRING_EQUAL(r->object, exe_path);
}

static void test_self_exe_segments(void)
{
	struct self s;
	self_open(&s);
	const struct vml_layout *l = s.layout;
	test_bss[0] = 1;
	assert_exe_region(vml_layout_find(l, (uintptr_t)&vml_classify_test_fn),
			  VML_KIND_TEXT);
	assert_exe_region(vml_layout_find(l, (uintptr_t)test_rodata_string),
			  VML_KIND_RODATA);
	/* 8 KiB of .bss reach at least one page past the file's last page. */
	assert_exe_region(vml_layout_find(l, (uintptr_t)&test_bss[8191]),
			  VML_KIND_BSS);
	const struct vml_region *first = vml_layout_find(l, (uintptr_t)&test_bss[0]);
	CU_ASSERT(first && (first->kind == VML_KIND_BSS || first->kind == VML_KIND_DATA));

	/* ld.so makes [page_down(start), page_down(end)) of GNU_RELRO
	 * read-only; when that is not empty it is a RELRO region. */
	uint64_t va, ms;
	bool relro = exe_relro_truth(&va, &ms);
	CU_ASSERT_TRUE(relro);
	if (relro && (va & ~4095ull) < ((va + ms) & ~4095ull))
		assert_exe_region(vml_layout_find(l, vml_test_exe_bias(exe_path) +
						     va), VML_KIND_RELRO);

	const struct vml_object *obj = vml_layout_object_at(l, (uintptr_t)&test_bss[8191]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT_TRUE(obj->is_exe);
	CU_ASSERT_STRING_EQUAL(obj->path, exe_path);
	CU_ASSERT_EQUAL(obj->bias, vml_test_exe_bias(exe_path));
	CU_ASSERT(obj->start <= (uintptr_t)&vml_classify_test_fn);
	CU_ASSERT(obj->end > (uintptr_t)&test_bss[8191]);
	CU_ASSERT_PTR_EQUAL(vml_layout_object_at(l, (uintptr_t)&vml_classify_test_fn), obj);
	self_close(&s);
}

static void test_self_library_text(void)
{
	struct self s;
	self_open(&s);
	/* Whatever library defines fopen here (libc, or the sanitizer
	 * runtime that intercepts it) is a library's text. */
	uint64_t fn = (uintptr_t)&fopen;
	char path[4096];
	CU_ASSERT_TRUE_FATAL(maps_path_of(s.maps, fn, path, sizeof(path)));
	const struct vml_region *r = vml_layout_find(s.layout, fn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_TEXT);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_MMAP);
	CU_ASSERT(r->flags & VML_REGION_LIBRARY);
	CU_ASSERT_FALSE(r->flags & VML_REGION_EXE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->object);
	CU_ASSERT_STRING_EQUAL(r->object, path);
	const struct vml_object *obj = vml_layout_object_at(s.layout, fn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT_FALSE(obj->is_exe);
	CU_ASSERT_TRUE(obj->elf && obj->elf->valid);
	/* fopen's symbol lies at its link-time address. */
	const struct vml_elf_symbol *sym = vml_elf_find_symbol(obj->elf, fn - obj->bias);
	CU_ASSERT_PTR_NOT_NULL(sym);
	if (sym)
		CU_ASSERT_EQUAL(sym->addr, fn - obj->bias);
	self_close(&s);
}

static void test_self_stacks_and_specials(void)
{
	struct self s;
	self_open(&s);
	const struct vml_region *r = vml_layout_find(s.layout, s.main_sp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_STACK);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_STACK);
	CU_ASSERT_EQUAL(r->tid, getpid());

	r = vml_layout_find(s.layout, s.thread_sp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_THREAD_STACK);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_STACK);
	CU_ASSERT_EQUAL(r->tid, 999999);
	r = vml_layout_find(s.layout, (uintptr_t)s.stack_map);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_GUARD);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_STACK);

	/* The vDSO the kernel gave us (AT_SYSINFO_EHDR). */
	r = vml_layout_find(s.layout, getauxval(AT_SYSINFO_EHDR));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_VDSO);
	CU_ASSERT_EQUAL(r->group, VML_GROUP_SPECIAL);

	/* Every file region with execute permission belongs to an object. */
	for (size_t i = 0; i < vml_layout_count(s.layout); i++) {
		r = vml_layout_region(s.layout, i);
		if (r->path && (r->prot & VML_PROT_EXEC) && !(r->flags & VML_REGION_DELETED)) {
			CU_ASSERT_EQUAL(r->kind, VML_KIND_TEXT);
			CU_ASSERT_PTR_NOT_NULL(r->object);
		}
	}
	self_close(&s);
}

static CU_TestInfo tests[] = {
	{ "hand maps guessed", test_hand_maps_guessed },
	{ "classify idempotent", test_classify_idempotent },
	{ "exe from auxv entry", test_exe_from_auxv_entry },
	{ "old kernel thread stack name", test_old_kernel_thread_stack_name },
	{ "kind and group names", test_names },
	{ "self exe segments", test_self_exe_segments },
	{ "self library text", test_self_library_text },
	{ "self stacks and specials", test_self_stacks_and_specials },
	CU_TEST_INFO_NULL,
};

int vml_suite_classify_user(void)
{
	return vml_add_suite("classify_user", tests);
}

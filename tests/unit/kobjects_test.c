/*
 * kobjects_test.c — the walkers of kernel objects (kobjects.h) on the
 * hand-built kernel of tests/kobj_fixture.h: what each address belongs
 * to, as the fixture's layout says, then damaged lists (cycles that never
 * come back to their head, a tree pointing at itself, unreadable links)
 * that must end within the walkers' bounds.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kobj_fixture.h"
#include "helpers.h"
#include "suites.h"

static struct kf_mem mem;
static struct vml_ksyms *ks;

static void describe(uint64_t addr, uint32_t kind, bool writable,
		     char *desc, size_t dsize, char *sym, size_t ssize,
		     bool *has_sym, uint64_t *reads)
{
	struct vml_kobj c;
	kf_context(&c, ks, &mem);
	vml_kobj_describe_in(&c, addr, kind, writable, desc, dsize, sym, ssize,
			     has_sym);
	if (reads)
		*reads = c.reads;
}

/* desc of addr (no symbol expected unless asked). */
static const char *what(uint64_t addr, uint32_t kind)
{
	static char desc[512];
	char sym[128];
	bool has_sym;
	describe(addr, kind, true, desc, sizeof(desc), sym, sizeof(sym),
		 &has_sym, NULL);
	return desc;
}

static void setup(void)
{
	kf_memory(&mem);
	if (!ks)
		ks = kf_ksyms();
	CU_ASSERT_PTR_NOT_NULL_FATAL(ks);
}

static void expect(const char *got, const char *want)
{
	if (strcmp(got, want))
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void test_task_stacks(void)
{
	setup();
	/* worker: its stack is the vmalloc area X less the guard page. */
	expect(what(KF_V + 0x3f00, VML_KIND_VMALLOC),
	       "stack of task 7 \"worker\" (0xffffc90000000000-"
	       "0xffffc90000004000 +0x3f00; not running, last on CPU 1, saved"
	       " sp 0xffffc90000003e00 + 0x100); vmalloc area"
	       " 0xffffc90000000000-0xffffc90000005000 20480 kernel_clone+0xbf"
	       " pages=4 vmalloc");
	/* Below the saved sp: the unused part. */
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_V + 0x100, VML_KIND_VMALLOC),
				      "saved sp 0xffffc90000003e00 - 0x3d00"
				      " (below it: unused)"));
	/* A thread, found through its process's signal_struct. */
	expect(what(KF_V + 0x40010, VML_KIND_VMALLOC),
	       "stack of task 2 \"init-thread\" of process 1"
	       " (0xffffc90000040000-0xffffc90000044000 +0x10; not running,"
	       " last on CPU 1, saved sp 0xffffc90000043000 - 0x2ff0 (below"
	       " it: unused))");
	/* CPU 1's idle task: on no list, found as CPU 1's current task. */
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_V + 0x53008, VML_KIND_VMALLOC),
				      "stack of task 0 \"swapper/1\""
				      " (0xffffc90000050000-0xffffc90000054000"
				      " +0x3008; current task of CPU 1,"));
	/* init_task's stack is in the image's data: CPU 0's current. */
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_INITSTACK + 0x3f00,
					   VML_KIND_KERNEL_TEXT),
				      "stack of task 0 \"swapper/0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_INITSTACK + 0x3f00,
					   VML_KIND_KERNEL_TEXT),
				      "current task of CPU 0,"));
	/* ... but read-only image addresses are not looked up as stacks. */
	char desc[256], sym[64];
	bool has;
	uint64_t reads;
	describe(KF_INITSTACK + 8, VML_KIND_KERNEL_TEXT, false, desc,
		 sizeof(desc), sym, sizeof(sym), &has, &reads);
	expect(desc, "");
	/* Past every stack: nothing. */
	expect(what(KF_V + 0x60000, VML_KIND_VMALLOC), "");
}

static void test_modules(void)
{
	setup();
	char desc[256], sym[128];
	bool has;
	describe(KF_M + 0x14, VML_KIND_MODULES, false, desc, sizeof(desc), sym,
		 sizeof(sym), &has, NULL);
	expect(desc, "module mymod: text 0xffffffffc0000000-0xffffffffc0001000"
	       " +0x14, myfunc+0x4");
	CU_ASSERT_TRUE(has);
	expect(sym, "myfunc+0x4 [mymod]");
	describe(KF_M + 0x2000, VML_KIND_MODULES, true, desc, sizeof(desc), sym,
		 sizeof(sym), &has, NULL);
	expect(desc, "module mymod: data 0xffffffffc0002000-0xffffffffc0003000"
	       " +0x0, mydata");
	expect(sym, "mydata [mymod]");
	/* rodata: no symbol there (mydata is higher, myfunc lower). */
	describe(KF_M + 0x1800, VML_KIND_MODULES, false, desc, sizeof(desc),
		 sym, sizeof(sym), &has, NULL);
	expect(desc, "module mymod: rodata 0xffffffffc0001000-"
	       "0xffffffffc0002000 +0x800");
	CU_ASSERT_FALSE(has);
	/* Past the module. */
	describe(KF_M + 0x3000, VML_KIND_MODULES, false, desc, sizeof(desc),
		 sym, sizeof(sym), &has, NULL);
	expect(desc, "");
}

/* The module as vml_kmod_each gives it: the fixture's parts, and its
 * two symbols inside them (mycounter is a per-CPU offset: in no part). */
static bool keep_module(const struct vml_kmod *m, void *arg)
{
	struct vml_kmod *out = arg;
	*out = *m;
	out->syms = NULL;
	CU_ASSERT_EQUAL_FATAL(m->nsyms, 2);
	CU_ASSERT_STRING_EQUAL(m->syms[0].name, "myfunc");
	CU_ASSERT_EQUAL(m->syms[0].addr, KF_M + 0x10);
	CU_ASSERT_EQUAL(m->syms[0].type, 'T');       /* global function */
	CU_ASSERT_STRING_EQUAL(m->parts[m->syms[0].part].name, "text");
	CU_ASSERT_STRING_EQUAL(m->syms[1].name, "mydata");
	CU_ASSERT_EQUAL(m->syms[1].addr, KF_M + 0x2000);
	CU_ASSERT_EQUAL(m->syms[1].type, 'D');       /* global object */
	CU_ASSERT_STRING_EQUAL(m->parts[m->syms[1].part].name, "data");
	return false;
}

/* popen(cmd) output, at most size - 1 bytes ("" when it cannot run). */
static void command_output(const char *cmd, char *buf, size_t size)
{
	buf[0] = '\0';
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	size_t n = fread(buf, 1, size - 1, p);
	buf[n] = '\0';
	pclose(p);
}

/* readelf's line for the symbol called name: value, size, type and the
 * name of its section (readelf -S), true when found. */
static bool readelf_symbol(const char *path, const char *name,
			   uint64_t *value, uint64_t *size, char *type,
			   char *section)
{
	char cmd[512], out[4096];
	snprintf(cmd, sizeof(cmd), "readelf -sW %s | awk '$8 == \"%s\""
		 " { print $2, $3, $4, $7 }'", path, name);
	command_output(cmd, out, sizeof(out));
	char ndx[16];
	unsigned long long v, sz;
	if (sscanf(out, "%llx %llu %15s %15s", &v, &sz, type, ndx) != 4)
		return false;
	*value = v;
	*size = sz;
	snprintf(cmd, sizeof(cmd), "readelf -SW %s | sed 's/\\[ */[/' | "
		 "awk '$1 == \"[%s]\" { print $2 }'", path, ndx);
	command_output(cmd, out, sizeof(out));
	return sscanf(out, "%63s", section) == 1;
}

/* The symbol file (vml_ksyms_write_elf) holds the module's symbols in a
 * section per part of the module; read back with the library's ELF
 * reader and with binutils' readelf. */
static void test_module_symbol_file(void)
{
	setup();
	struct vml_kobj c;
	kf_context(&c, ks, &mem);
	struct vml_kmod m;
	size_t skipped = 1;
	VML_ASSERT_OK(vml_kmod_each(&c, keep_module, &m, &skipped));
	CU_ASSERT_EQUAL(skipped, 0);
	CU_ASSERT_STRING_EQUAL(m.name, "mymod");
	CU_ASSERT_EQUAL_FATAL(m.nparts, 3);
	CU_ASSERT_EQUAL(m.parts[0].base, KF_M);
	CU_ASSERT_EQUAL(m.parts[0].size, 0x1000);
	CU_ASSERT_TRUE(m.parts[0].exec);
	CU_ASSERT_FALSE(m.parts[1].exec);
	CU_ASSERT_EQUAL(m.parts[2].base, KF_M + 0x2000);

	char path[] = "/tmp/vml-kmodsyms-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	kf_context(&c, ks, &mem);
	VML_ASSERT_OK(vml_ksyms_write_elf_in(ks, &c, path));
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(NULL, path, &info));
	CU_ASSERT_FATAL(info && info->valid);
	/* The fixture's symbols at the fixture's addresses, sized to the end
	 * of their part (each is the only one in it). */
	bool func = false, data = false;
	for (size_t i = 0; i < info->nsymbols; i++) {
		const struct vml_elf_symbol *s = &info->symbols[i];
		if (!strcmp(s->name, "myfunc")) {
			func = true;
			CU_ASSERT_EQUAL(s->addr, KF_M + 0x10);
			CU_ASSERT_EQUAL(s->size, 0x1000 - 0x10);
		}
		if (!strcmp(s->name, "mydata")) {
			data = true;
			CU_ASSERT_EQUAL(s->addr, KF_M + 0x2000);
			CU_ASSERT_EQUAL(s->size, 0x1000);
		}
		CU_ASSERT(strcmp(s->name, "mycounter") != 0);
	}
	CU_ASSERT_TRUE(func);
	CU_ASSERT_TRUE(data);
	/* One section per part, named after the module. */
	static const struct { const char *name; uint64_t addr; } want[] = {
		{ "mymod.text", KF_M }, { "mymod.rodata", KF_M + 0x1000 },
		{ "mymod.data", KF_M + 0x2000 },
	};
	for (size_t w = 0; w < VML_ARRAY_SIZE(want); w++) {
		bool found = false;
		for (size_t i = 0; i < info->nsections; i++)
			if (!strcmp(info->sections[i].name, want[w].name)) {
				found = true;
				CU_ASSERT_EQUAL(info->sections[i].addr,
						want[w].addr);
				CU_ASSERT_EQUAL(info->sections[i].size, 0x1000);
			}
		CU_ASSERT_TRUE(found);
	}
	vml_elf_info_free(info);
	/* binutils: myfunc a function in mymod.text, mydata an object in
	 * mymod.data. */
	uint64_t value = 0, size = 0;
	char type[16] = "", section[64] = "";
	CU_ASSERT_TRUE(readelf_symbol(path, "myfunc", &value, &size, type,
				      section));
	CU_ASSERT_EQUAL(value, KF_M + 0x10);
	CU_ASSERT_STRING_EQUAL(type, "FUNC");
	CU_ASSERT_STRING_EQUAL(section, "mymod.text");
	CU_ASSERT_TRUE(readelf_symbol(path, "mydata", &value, &size, type,
				      section));
	CU_ASSERT_EQUAL(value, KF_M + 0x2000);
	CU_ASSERT_STRING_EQUAL(type, "OBJECT");
	CU_ASSERT_STRING_EQUAL(section, "mymod.data");

	/* A module whose symbol table cannot be read is left out; the file
	 * still holds the kernel's symbols. */
	kf_64(&mem, KF_MODKS, UINT64_C(0xffffffffffff0000));
	kf_context(&c, ks, &mem);
	skipped = 0;
	VML_ASSERT_OK(vml_kmod_each(&c, keep_module, &m, &skipped));
	CU_ASSERT_EQUAL(skipped, 1);
	kf_context(&c, ks, &mem);
	VML_ASSERT_OK(vml_ksyms_write_elf_in(ks, &c, path));
	VML_ASSERT_OK(vml_elf_info_load(NULL, path, &info));
	CU_ASSERT_FATAL(info && info->valid);
	CU_ASSERT(info->nsymbols > 0);
	for (size_t i = 0; i < info->nsymbols; i++)
		CU_ASSERT(strcmp(info->symbols[i].name, "myfunc") != 0);
	for (size_t i = 0; i < info->nsections; i++)
		CU_ASSERT(strncmp(info->sections[i].name, "mymod.", 6) != 0);
	vml_elf_info_free(info);
	/* A symbol table whose names are past readable memory: the module's
	 * parts are there, its symbols are not. */
	kf_memory(&mem);
	kf_64(&mem, KF_MODKS + 16, KF_MEM + KF_SIZE - 4);
	kf_context(&c, ks, &mem);
	VML_ASSERT_OK(vml_ksyms_write_elf_in(ks, &c, path));
	VML_ASSERT_OK(vml_elf_info_load(NULL, path, &info));
	CU_ASSERT_FATAL(info && info->valid);
	for (size_t i = 0; i < info->nsymbols; i++)
		CU_ASSERT(strcmp(info->symbols[i].name, "myfunc") != 0);
	vml_elf_info_free(info);
	unlink(path);
	kf_memory(&mem);
}

static void test_vmalloc(void)
{
	setup();
	/* The root area, its caller a module function. */
	expect(what(KF_V + 0x10008, VML_KIND_VMALLOC),
	       "vmalloc area 0xffffc90000010000-0xffffc90000014000 16384"
	       " myfunc+0x4 [mymod] pages=3 vmalloc");
	expect(what(KF_V + 0x21fff, VML_KIND_VMALLOC),
	       "vmap_area 0xffffc90000020000-0xffffc90000022000 (8192 bytes,"
	       " no vm_struct: vm_map_ram or freed)");
	expect(what(KF_V + 0x14000, VML_KIND_VMALLOC), "");
}

static void test_percpu(void)
{
	setup();
	expect(what(KF_MEM + KF_PCPU1 + 0x108, VML_KIND_DIRECT_MAP),
	       "per-CPU area of CPU 1 (unit 0xffff888000002800, 2048 bytes),"
	       " per-CPU offset 0x108: pcpu_hot+0x8");
	expect(what(KF_MEM + KF_PCPU0 + 0x304, VML_KIND_DIRECT_MAP),
	       "per-CPU area of CPU 0 (unit 0xffff888000002000, 2048 bytes),"
	       " per-CPU offset 0x304: mycounter+0x4 [mymod]");
	/* Past the unit: no per-CPU answer (its page's instead). */
	CU_ASSERT_PTR_NULL(strstr(what(KF_MEM + KF_PCPU1 + KF_UNIT_SIZE,
				       VML_KIND_DIRECT_MAP), "per-CPU"));
	/* nr_cpu_ids past the bound: no per-CPU answer. */
	kf_32(&mem, KF_NRCPU, 100000);
	CU_ASSERT_PTR_NULL(strstr(what(KF_MEM + KF_PCPU1 + 0x108,
				       VML_KIND_DIRECT_MAP), "per-CPU"));
}

/* Slab objects: cache, index, offset, and allocated or free by the
 * slab's hardened freelist (3 -> 7 -> 0) and CPU 1's (10 -> 12). */
static void test_slab_objects(void)
{
	setup();
	expect(what(KF_OBJ(KF_SLAB4, 5) + 0x18, VML_KIND_DIRECT_MAP),
	       "kmalloc-256 object 5 at 0xffff888000004500 (256 bytes) of slab"
	       " at 0xffff888000004000, +0x18 into it, allocated");
	expect(what(KF_OBJ(KF_SLAB4, 7), VML_KIND_DIRECT_MAP),
	       "kmalloc-256 object 7 at 0xffff888000004700 (256 bytes) of slab"
	       " at 0xffff888000004000, +0x0 into it, free");
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 0) + 0xff,
					   VML_KIND_DIRECT_MAP),
				      "object 0 at 0xffff888000004000 (256"
				      " bytes) of slab at 0xffff888000004000,"
				      " +0xff into it, free"));
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 3),
					   VML_KIND_DIRECT_MAP), ", free"));
	expect(what(KF_OBJ(KF_SLAB4, 12) + 0x80, VML_KIND_DIRECT_MAP),
	       "kmalloc-256 object 12 at 0xffff888000004c00 (256 bytes) of slab"
	       " at 0xffff888000004000, +0x80 into it, free (CPU 1's"
	       " freelist)");
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 10),
					   VML_KIND_DIRECT_MAP),
				      "free (CPU 1's freelist)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 15),
					   VML_KIND_DIRECT_MAP), "allocated"));
	/* Frame 6 is the tail of the order-1 slab at frame 5: object 17.
	 * Its freelist loops (1 -> 2 -> 1): object 1 is free, found before
	 * the loop shows; of object 17 nothing can be said. */
	expect(what(KF_OBJ(KF_SLAB5, 17) + 8, VML_KIND_DIRECT_MAP),
	       "kmalloc-256 object 17 at 0xffff888000006100 (256 bytes) of slab"
	       " at 0xffff888000005000, +0x8 into it, state unknown (freelist"
	       " damaged)");
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB5, 1),
					   VML_KIND_DIRECT_MAP), ", free"));
	/* The structured answer. */
	struct vml_kobj c;
	struct vml_kslab_obj o;
	kf_context(&c, ks, &mem);
	CU_ASSERT_TRUE_FATAL(vml_kslab_find(&c, KF_OBJ(KF_SLAB5, 31) + 0xff,
					    &o));
	CU_ASSERT_EQUAL(o.slab, KF_MEM + KF_PAGE(5));
	CU_ASSERT_EQUAL(o.cache, KF_MEM + KF_CACHE);
	CU_ASSERT_EQUAL(o.objects, 32);
	CU_ASSERT_EQUAL(o.index, 31);
	CU_ASSERT_EQUAL(o.off, 0xff);
	CU_ASSERT_EQUAL(o.fp_offset, KF_FPOFF);
	CU_ASSERT_TRUE(o.hardened);
	CU_ASSERT_EQUAL(o.state, VML_KSLAB_UNKNOWN);
	CU_ASSERT(c.reads < 1000);
	/* Fewer objects than fit: the end of the page is padding. */
	kf_32(&mem, KF_PAGE(4) + 0x28, 9u | 15u << 16);
	expect(what(KF_MEM + KF_SLAB4 + 0xf10, VML_KIND_DIRECT_MAP),
	       "kmalloc-256 slab at 0xffff888000004000 (15 objects of 256"
	       " bytes), +0xf10 into it: outside its objects (red zone or"
	       " padding)");
	/* More CPUs than the walk reads: allocated cannot be told. */
	kf_32(&mem, KF_NRCPU, 65);
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 5),
					   VML_KIND_DIRECT_MAP),
				      "state unknown"));
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 12),
					   VML_KIND_DIRECT_MAP),
				      "free (CPU 1's freelist)"));
	kf_32(&mem, KF_NRCPU, 2);
	/* Red zones: objects start red_left_pad (0x10) bytes into their
	 * slot; before the first is the left pad. */
	kf_32(&mem, KF_CACHE + 0x40, 0x10);
	expect(what(KF_MEM + KF_SLAB4 + 0x8, VML_KIND_DIRECT_MAP),
	       "kmalloc-256 slab at 0xffff888000004000 (15 objects of 256"
	       " bytes), +0x8 into it: outside its objects (red zone or"
	       " padding)");
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_MEM + KF_SLAB4 + 0x114,
					   VML_KIND_DIRECT_MAP),
				      "kmalloc-256 object 1 at"
				      " 0xffff888000004110 (256 bytes) of slab"
				      " at 0xffff888000004000, +0x4 into it"));
	kf_32(&mem, KF_CACHE + 0x40, 0);
	/* A smaller object in the same slot: past it is metadata. */
	kf_32(&mem, KF_CACHE + 0x1c, 200);
	expect(what(KF_OBJ(KF_SLAB4, 5) + 0xe0, VML_KIND_DIRECT_MAP),
	       "kmalloc-256 object 5 at 0xffff888000004500 (200 bytes, 256"
	       " with metadata) of slab at 0xffff888000004000, +0xe0 into it"
	       " (past its 200 bytes: slab metadata), allocated");
	kf_memory(&mem);
}

/* Other pages: what their struct page says. */
static void test_pages(void)
{
	setup();
	expect(what(KF_MEM + 0x10, VML_KIND_DIRECT_MAP),
	       "page 0x0 (struct page 0xffff888000003400): reserved, flags"
	       " reserved");
	expect(what(KF_MEM + 0x1008, VML_KIND_DIRECT_MAP),
	       "page 0x1 (struct page 0xffff888000003440): anonymous, flags"
	       " uptodate|lru");
	expect(what(KF_MEM + 0x3800, VML_KIND_DIRECT_MAP),
	       "page 0x3 (struct page 0xffff8880000034c0): free (buddy"
	       " allocator), a block of 2^2 pages, flags none");
	expect(what(KF_MEM + 0x7123, VML_KIND_DIRECT_MAP),
	       "page 0x7 (struct page 0xffff8880000035c0): page cache of"
	       " /bin/busybox (inode 11), file offset 0x3000, flags"
	       " uptodate|lru");
	/* A page table (frame 2 holds the per-CPU units: past them). */
	kf_32(&mem, KF_NRCPU, 100000);
	expect(what(KF_MEM + 0x2010, VML_KIND_DIRECT_MAP),
	       "page 0x2 (struct page 0xffff888000003480): page table, flags"
	       " none");
	/* Past max_pfn, or outside the direct map's slot: nothing. */
	expect(what(KF_MEM + 0x9000, VML_KIND_DIRECT_MAP), "");
	expect(what(KF_V + 0x90000, VML_KIND_VMALLOC), "");
	kf_memory(&mem);
}

/* A page table mapping KF_V + 0x70000 to frame 7 and the image's
 * first page to frame 0. */
static bool fixture_phys(void *arg, uint64_t va, uint64_t *pa)
{
	(void)arg;
	if (va >> 12 == (KF_V + 0x70000) >> 12)
		*pa = 0x7000 + (va & 0xfff);
	else if (va >> 12 == KF_K >> 12)
		*pa = va & 0xfff;
	else
		return false;
	return true;
}

/* Any mapped address nothing else claims: the page it maps. */
static void test_mapped_pages(void)
{
	setup();
	struct vml_kobj c;
	char desc[512], sym[128];
	bool has;
	kf_context(&c, ks, &mem);
	c.phys = fixture_phys;
	vml_kobj_describe_in(&c, KF_V + 0x70010, VML_KIND_VMALLOC, true, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	expect(desc, "page 0x7 (struct page 0xffff8880000035c0): page cache of"
	       " /bin/busybox (inode 11), file offset 0x3000, flags"
	       " uptodate|lru");
	vml_kobj_describe_in(&c, KF_K + 0x10, VML_KIND_KERNEL_TEXT, false,
			     desc, sizeof(desc), sym, sizeof(sym), &has);
	expect(desc, "page 0x0 (struct page 0xffff888000003400): reserved,"
	       " flags reserved");
	/* A vmalloc area is what it is (no page added); unmapped: nothing. */
	vml_kobj_describe_in(&c, KF_V + 0x10008, VML_KIND_VMALLOC, true, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	CU_ASSERT_PTR_NULL(strstr(desc, "page 0x"));
	vml_kobj_describe_in(&c, KF_V + 0x80000, VML_KIND_VMALLOC, true, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	expect(desc, "");
}

/* Damaged slabs: the answer is "unknown" or none, never a wrong "free"
 * or a loop. */
static void test_slab_damaged(void)
{
	setup();
	uint64_t reads;
	char desc[512], sym[128];
	bool has;
	/* Without the cache's random the stored pointers decode to garbage:
	 * no object can be called allocated. */
	kf_64(&mem, KF_CACHE + 0x38, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_OBJ(KF_SLAB4, 5),
					   VML_KIND_DIRECT_MAP),
				      "state unknown (freelist damaged)"));
	kf_memory(&mem);
	/* CPU 1's freelist loops on object 10. */
	kf_free_link(&mem, KF_SLAB4, 10, KF_OBJ(KF_SLAB4, 10));
	describe(KF_OBJ(KF_SLAB4, 5), VML_KIND_DIRECT_MAP, true, desc,
		 sizeof(desc), sym, sizeof(sym), &has, &reads);
	CU_ASSERT_PTR_NOT_NULL(strstr(desc, "state unknown"));
	CU_ASSERT(reads < 200);
	/* A tail page whose head is not a struct page. */
	kf_memory(&mem);
	kf_64(&mem, KF_PAGE(6) + 8, UINT64_C(0xdead0001));
	expect(what(KF_OBJ(KF_SLAB5, 17), VML_KIND_DIRECT_MAP), "");
	/* A slab with no objects, or a cache with impossible sizes: only
	 * the page is described. */
	kf_memory(&mem);
	kf_32(&mem, KF_PAGE(4) + 0x28, 0);
	expect(what(KF_OBJ(KF_SLAB4, 5), VML_KIND_DIRECT_MAP),
	       "page 0x4 (struct page 0xffff888000003500): slab page (cache or"
	       " counts damaged), flags slab");
	kf_memory(&mem);
	kf_32(&mem, KF_CACHE + 0x18, 0);
	CU_ASSERT_PTR_NULL(strstr(what(KF_OBJ(KF_SLAB4, 5),
				       VML_KIND_DIRECT_MAP), "object"));
	kf_memory(&mem);
	kf_32(&mem, KF_CACHE + 0x20, 0xfffffff0u);
	CU_ASSERT_PTR_NULL(strstr(what(KF_OBJ(KF_SLAB4, 5),
				       VML_KIND_DIRECT_MAP), "object"));
	/* A freelist of 2^15 objects all pointing to themselves in one
	 * huge slab would still stop at the object count. */
	kf_memory(&mem);
}

/* Every walk of a damaged kernel ends, within its bound. */
static void test_damaged_lists_end(void)
{
	setup();
	char desc[512], sym[128];
	bool has;
	uint64_t reads;
	/* B's tasks.next points at itself: never back to the head. */
	kf_64(&mem, KF_TB + T_TASKS, KF_MEM + KF_TB + T_TASKS);
	describe(KF_V + 0x90000, VML_KIND_VMALLOC, true, desc, sizeof(desc),
		 sym, sizeof(sym), &has, &reads);
	expect(desc, "");
	CU_ASSERT(reads < 16u * VML_KOBJ_MAX_TASKS);
	/* ... and a task behind the loop's entry is still found. */
	CU_ASSERT_PTR_NOT_NULL(strstr(what(KF_V + 0x30010, VML_KIND_VMALLOC),
				      "stack of task 1 \"init\""));
	/* A thread list looping on itself. */
	kf_64(&mem, KF_TA2 + T_THREAD_NODE, KF_MEM + KF_TA2 + T_THREAD_NODE);
	describe(KF_V + 0x90000, VML_KIND_VMALLOC, true, desc, sizeof(desc),
		 sym, sizeof(sym), &has, &reads);
	CU_ASSERT(reads < 16u * VML_KOBJ_MAX_TASKS);
	/* The module list looping on the module. */
	kf_64(&mem, KF_MOD + M_LIST, KF_MEM + KF_MOD + M_LIST);
	describe(KF_M + 0x5000, VML_KIND_MODULES, false, desc, sizeof(desc),
		 sym, sizeof(sym), &has, &reads);
	expect(desc, "");
	CU_ASSERT(reads < 64u * VML_KOBJ_MAX_MODULES);
	/* A symbol table claiming 2^31 entries is not read. */
	kf_memory(&mem);
	kf_32(&mem, KF_MODKS + 8, 0x80000000u);
	describe(KF_M + 0x14, VML_KIND_MODULES, false, desc, sizeof(desc), sym,
		 sizeof(sym), &has, NULL);
	expect(desc, "module mymod: text 0xffffffffc0000000-"
	       "0xffffffffc0001000 +0x14");
	CU_ASSERT_FALSE(has);
	/* The vmap_area tree's root is its own left child. */
	kf_memory(&mem);
	kf_64(&mem, KF_VY + VA_RB + RB_LEFT, KF_MEM + KF_VY + VA_RB);
	describe(KF_V + 0x100, VML_KIND_VMALLOC, true, desc, sizeof(desc),
		 sym, sizeof(sym), &has, &reads);
	CU_ASSERT_PTR_NULL(strstr(desc, "vmalloc area"));
	CU_ASSERT(reads < 64u * VML_KOBJ_TREE_DEPTH + 16u * VML_KOBJ_MAX_TASKS);
	/* Nothing readable at all: no answer, no crash. */
	memset(&mem, 0xff, sizeof(mem));
	expect(what(KF_V + 0x10, VML_KIND_VMALLOC), "");
	expect(what(KF_M + 0x10, VML_KIND_MODULES), "");
	expect(what(KF_MEM + KF_PCPU0, VML_KIND_DIRECT_MAP), "");
	kf_memory(&mem);
}

static void test_task_maps(void)
{
	setup();
	struct vml_kobj c;
	char *maps = NULL, comm[17];
	uint64_t pgd = 0;
	kf_context(&c, ks, &mem);
	VML_ASSERT_OK(vml_kmm_maps(&c, 1, &maps, &pgd, comm, sizeof(comm)));
	expect(maps, KF_MAPS);
	CU_ASSERT_EQUAL(pgd, KF_MEM + 0x3000);
	CU_ASSERT_STRING_EQUAL(comm, "init");
	vml_free(maps);
	/* The thread shares it. */
	VML_ASSERT_OK(vml_kmm_maps(&c, 2, &maps, &pgd, comm, sizeof(comm)));
	expect(maps, KF_MAPS);
	vml_free(maps);
	/* A kernel thread, no such pid, pid 0. */
	VML_ASSERT_ERR(vml_kmm_maps(&c, 7, &maps, &pgd, comm, sizeof(comm)),
		       VML_ERROR_NOT_FOUND);
	VML_ASSERT_ERR(vml_kmm_maps(&c, 4242, &maps, &pgd, comm,
				    sizeof(comm)), VML_ERROR_NOT_FOUND);
	VML_ASSERT_ERR(vml_kmm_maps(&c, 0, &maps, &pgd, comm, sizeof(comm)),
		       VML_ERROR_INVALID);
	/* A range node whose first child is the root again: the walk ends
	 * at its depth bound and still finds the second leaf's VMAs. */
	kf_64(&mem, KF_MRANGE + MN_SLOT, KF_MEM + KF_MRANGE + (2 << 3) + 2);
	kf_context(&c, ks, &mem);
	VML_ASSERT_OK(vml_kmm_maps(&c, 1, &maps, &pgd, comm, sizeof(comm)));
	CU_ASSERT_PTR_NOT_NULL(strstr(maps, "[heap]"));
	CU_ASSERT(c.reads < 1000000);
	vml_free(maps);
	/* A VMA whose file's dentries loop (no root): the path is cut, the
	 * walk ends. */
	kf_memory(&mem);
	kf_64(&mem, KF_DBIN + 8, KF_MEM + KF_DBB);
	kf_context(&c, ks, &mem);
	VML_ASSERT_OK(vml_kmm_maps(&c, 1, &maps, &pgd, comm, sizeof(comm)));
	CU_ASSERT_PTR_NOT_NULL(strstr(maps, "/busybox"));
	vml_free(maps);
	/* Nothing readable under the root: no VMA. */
	kf_memory(&mem);
	kf_64(&mem, KF_MM + MM_ROOT, UINT64_C(0xffffffffffff0012));
	kf_context(&c, ks, &mem);
	VML_ASSERT_ERR(vml_kmm_maps(&c, 1, &maps, &pgd, comm, sizeof(comm)),
		       VML_ERROR_NOT_FOUND);
	kf_memory(&mem);
}

/* The same objects as other kernel generations lay them out: 6.4's
 * module.mem[], 5.x's VMA list and current_task. */
static void test_other_generations(void)
{
	struct kf_mem m;
	char desc[512], sym[128], comm[17], *maps = NULL;
	bool has;
	uint64_t pgd;
	struct vml_kobj c;

	struct vml_ksyms *k64 = kf_ksyms_v(KF_V64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k64);
	kf_memory_v(&m, KF_V64);
	kf_context(&c, k64, &m);
	vml_kobj_describe_in(&c, KF_M + 0x14, VML_KIND_MODULES, false, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	expect(desc, "module mymod: text 0xffffffffc0000000-0xffffffffc0001000"
	       " +0x14, myfunc+0x4");
	expect(sym, "myfunc+0x4 [mymod]");
	vml_kobj_describe_in(&c, KF_M + 0x1800, VML_KIND_MODULES, false, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	expect(desc, "module mymod: rodata 0xffffffffc0001000-"
	       "0xffffffffc0002000 +0x800");
	vml_kobj_describe_in(&c, KF_M + 0x2000, VML_KIND_MODULES, true, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	expect(desc, "module mymod: data 0xffffffffc0002000-0xffffffffc0003000"
	       " +0x0, mydata");
	/* No kmem_cache.random: freelists of plain pointers. */
	struct vml_kslab_obj o;
	CU_ASSERT_TRUE(vml_kslab_find(&c, KF_OBJ(KF_SLAB4, 7), &o));
	CU_ASSERT_FALSE(o.hardened);
	CU_ASSERT_EQUAL(o.state, VML_KSLAB_FREE);
	CU_ASSERT_TRUE(vml_kslab_find(&c, KF_OBJ(KF_SLAB4, 12), &o));
	CU_ASSERT_EQUAL(o.state, VML_KSLAB_FREE_CPU);
	CU_ASSERT_EQUAL(o.cpu, 1);
	CU_ASSERT_TRUE(vml_kslab_find(&c, KF_OBJ(KF_SLAB4, 5), &o));
	CU_ASSERT_EQUAL(o.state, VML_KSLAB_ALLOCATED);
	/* ... and the hardened kernel's memory read as plain: damaged. */
	kf_memory(&m);
	kf_context(&c, k64, &m);
	CU_ASSERT_TRUE(vml_kslab_find(&c, KF_OBJ(KF_SLAB4, 5), &o));
	CU_ASSERT_EQUAL(o.state, VML_KSLAB_UNKNOWN);
	vml_ksyms_free(k64);

	struct vml_ksyms *k5 = kf_ksyms_v(KF_V5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k5);
	kf_memory_v(&m, KF_V5);
	kf_context(&c, k5, &m);
	VML_ASSERT_OK(vml_kmm_maps(&c, 1, &maps, &pgd, comm, sizeof(comm)));
	/* No vm_ops in this kernel's types: the vDSO is not named. */
	expect(maps,
	       "00400000-00401000 r--p 00000000 00:02 11          /bin/busybox\n"
	       "00401000-00500000 r-xp 00001000 00:02 11          /bin/busybox\n"
	       "00600000-00601000 rw-p 00000000 00:00 0\n"
	       "01000000-01021000 rw-p 00000000 00:00 0          [heap]\n"
	       "7ffff7ff0000-7ffff7ff2000 r-xp 00000000 00:00 0\n");
	vml_free(maps);
	/* current_task instead of pcpu_hot: CPU 1's idle task is found. */
	vml_kobj_describe_in(&c, KF_V + 0x53008, VML_KIND_VMALLOC, true, desc,
			     sizeof(desc), sym, sizeof(sym), &has);
	CU_ASSERT_PTR_NOT_NULL(strstr(desc, "stack of task 0 \"swapper/1\""
				      " (0xffffc90000050000-0xffffc90000054000"
				      " +0x3008; current task of CPU 1,"));
	vml_kobj_describe_in(&c, KF_MEM + KF_PCPU1 + 0x108,
			     VML_KIND_DIRECT_MAP, true, desc, sizeof(desc), sym,
			     sizeof(sym), &has);
	expect(desc, "per-CPU area of CPU 1 (unit 0xffff888000002800, 2048"
	       " bytes), per-CPU offset 0x108: current_task+0x8");
	/* A VMA list looping on itself ends at the VMA bound. */
	kf_64(&m, KF_VMA + 0x30, KF_MEM + KF_VMA);
	kf_context(&c, k5, &m);
	VML_ASSERT_OK(vml_kmm_maps(&c, 1, &maps, &pgd, comm, sizeof(comm)));
	expect(maps, "00400000-00401000 r--p 00000000 00:02 11          "
	       "/bin/busybox\n");
	vml_free(maps);
	vml_ksyms_free(k5);
}

static void test_teardown(void)
{
	vml_ksyms_free(ks);
	ks = NULL;
}

static CU_TestInfo tests[] = {
	{ "kobjects: task stacks, threads, idle tasks", test_task_stacks },
	{ "kobjects: module parts and symbols", test_modules },
	{ "kobjects: the modules' symbols in the symbol file",
	  test_module_symbol_file },
	{ "kobjects: vmalloc areas", test_vmalloc },
	{ "kobjects: per-CPU units", test_percpu },
	{ "kobjects: damaged lists end", test_damaged_lists_end },
	{ "kobjects: slab objects, hardened freelists", test_slab_objects },
	{ "kobjects: pages", test_pages },
	{ "kobjects: pages of other mapped addresses", test_mapped_pages },
	{ "kobjects: damaged slabs", test_slab_damaged },
	{ "kobjects: a process's VMAs from its maple tree", test_task_maps },
	{ "kobjects: 6.4's module.mem[], 5.x's VMA list and current_task",
	  test_other_generations },
	{ "kobjects: free", test_teardown },
	CU_TEST_INFO_NULL,
};

int vml_suite_kobjects(void)
{
	return vml_add_suite("kobjects", tests);
}

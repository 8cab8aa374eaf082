/* stacks_test.c — stacks by each thread's own $sp, guards, overflows and
 * PROT_NONE reservations, on hand-written maps and threads. Every answer
 * below was worked out by hand from the maps text and the stack pointers
 * given (the rules: issue 7, README "How it classifies"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

static struct vml_layout *layout_of(const char *maps)
{
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(maps, strlen(maps), &l));
	return l;
}

static const struct vml_region *at(struct vml_layout *l, uint64_t addr)
{
	const struct vml_region *r = vml_layout_find(l, addr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static char *render(struct vml_layout *l, enum vml_format format)
{
	char *out = NULL;
	VML_ASSERT_OK(vml_render_layout(l, format, 0, &out));
	return out;
}

static char *render_where(struct vml_layout *l, const struct vml_where *w)
{
	char *out = NULL;
	VML_ASSERT_OK(vml_render_where(l, w, sizeof(*w), VML_FORMAT_TEXT, 0, &out));
	return out;
}

static void assert_contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fprintf(stderr, "\nmissing \"%s\" in:\n%s\n", want, text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
}

/* ------------------------------------------------ several $sp in one mapping */

/* Four 64 KiB slices of one mapping (pthread_attr_setstack), three of them
 * used by threads 201..203; a PROT_NONE page below and above it. */
static const char shared_maps[] =
	"00400000-00401000 r-xp 00000000 08:01 100 /nonexistent/vml/prog\n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"7f0000001000-7f0000041000 rw-p 00000000 00:00 0 \n"
	"7f0000041000-7f0000042000 ---p 00000000 00:00 0 \n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n";
#define SLAB 0x7f0000001000ull
#define SP201 (SLAB + 0x0e000)  /* slice 0 */
#define SP202 (SLAB + 0x1e000)  /* slice 1 */
#define SP203 (SLAB + 0x2e000)  /* slice 2 */

static void test_shared_mapping(void)
{
	struct vml_layout *l = layout_of(shared_maps);
	/* Given out of order: tids come back ascending. */
	VML_ASSERT_OK(vml_layout_add_thread(l, 203, SP203, false));
	VML_ASSERT_OK(vml_layout_add_thread(l, 100, 0x7ffc00020000ull, true));
	VML_ASSERT_OK(vml_layout_add_thread(l, 201, SP201, false));
	VML_ASSERT_OK(vml_layout_add_thread(l, 202, SP202, false));
	VML_ASSERT_OK(vml_layout_classify(l));

	const struct vml_region *slab = at(l, SLAB);
	CU_ASSERT_EQUAL(slab->kind, VML_KIND_THREAD_STACK);
	CU_ASSERT_EQUAL(slab->group, VML_GROUP_STACK);
	CU_ASSERT_EQUAL(slab->tid, 201);
	CU_ASSERT_EQUAL_FATAL(slab->nthreads, 3);
	CU_ASSERT_EQUAL(slab->tids[0], 201);
	CU_ASSERT_EQUAL(slab->tids[1], 202);
	CU_ASSERT_EQUAL(slab->tids[2], 203);
	/* PROT_NONE right below a stack: its guard. */
	const struct vml_region *below = at(l, SLAB - 0x1000);
	CU_ASSERT_EQUAL(below->kind, VML_KIND_GUARD);
	CU_ASSERT_EQUAL(below->group, VML_GROUP_STACK);
	CU_ASSERT_EQUAL(below->tid, 201);
	CU_ASSERT_EQUAL(below->nthreads, 0);
	/* PROT_NONE above it is below no stack: reserved. */
	const struct vml_region *above = at(l, SLAB + 0x40000);
	CU_ASSERT_EQUAL(above->kind, VML_KIND_RESERVED);
	CU_ASSERT_EQUAL(above->group, VML_GROUP_MMAP);
	CU_ASSERT_EQUAL(above->tid, 0);
	const struct vml_region *stack = at(l, 0x7ffc00020000ull);
	CU_ASSERT_EQUAL(stack->kind, VML_KIND_STACK);
	CU_ASSERT_EQUAL_FATAL(stack->nthreads, 1);
	CU_ASSERT_EQUAL(stack->tids[0], 100);
	CU_ASSERT_EQUAL(at(l, 0x400000)->nthreads, 0);
	CU_ASSERT_PTR_NULL(at(l, 0x400000)->tids);

	/* Each $sp is its own thread's, 0 bytes above it. */
	struct { uint64_t sp; int64_t tid; } sps[] = {
		{ SP201, 201 }, { SP202, 202 }, { SP203, 203 },
	};
	struct vml_where w;
	for (size_t i = 0; i < VML_ARRAY_SIZE(sps); i++) {
		VML_ASSERT_OK(vml_layout_where(l, sps[i].sp, &w, sizeof(w)));
		CU_ASSERT_EQUAL(w.stack_tid, sps[i].tid);
		CU_ASSERT_TRUE(w.has_stack_sp);
		CU_ASSERT_EQUAL(w.stack_sp, sps[i].sp);
		CU_ASSERT_EQUAL(w.above_sp, 0);
		CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_LIVE);
		CU_ASSERT_FALSE(w.stack_is_main);
		CU_ASSERT_EQUAL(w.stack_region_index, w.region_index);
		CU_ASSERT_EQUAL_FATAL(w.nstack_threads, 3);
		CU_ASSERT_EQUAL(w.stack_threads[1], 202);
	}
	/* The text names the others sharing the mapping. */
	VML_ASSERT_OK(vml_layout_where(l, SP202, &w, sizeof(w)));
	char *out = render_where(l, &w);
	assert_contains(out, "  stack    thread 202, 0x0 bytes above its $sp "
			"(0x7f000001f000); the mapping also holds the stacks of "
			"threads 201, 203\n");
	vml_free(out);

	/* Above 202's $sp (its live frames). */
	VML_ASSERT_OK(vml_layout_where(l, SP202 + 0x100, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_tid, 202);
	CU_ASSERT_EQUAL(w.above_sp, 0x100);
	/* 0x40 below 202's $sp: 202's red zone, though 201's $sp is the
	 * nearest below. */
	VML_ASSERT_OK(vml_layout_where(l, SP202 - 0x40, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_tid, 202);
	CU_ASSERT_EQUAL(w.above_sp, -0x40);
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_RED_ZONE);
	/* 0x1000 below 202's $sp: nothing tells where 201's stack ends, so
	 * the nearest $sp at or below (201's) owns it. */
	VML_ASSERT_OK(vml_layout_where(l, SP202 - 0x1000, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_tid, 201);
	CU_ASSERT_EQUAL(w.above_sp, 0xf000);
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_LIVE);
	/* Below every $sp: unused stack of the lowest one. */
	VML_ASSERT_OK(vml_layout_where(l, SLAB + 0x100, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_tid, 201);
	CU_ASSERT_EQUAL(w.above_sp, -(int64_t)(SP201 - SLAB - 0x100));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_UNUSED);
	CU_ASSERT_EQUAL(w.stack_note, VML_STACK_NOTE_UNUSED);
	/* The guard: a stack's, no $sp in it. */
	VML_ASSERT_OK(vml_layout_where(l, SLAB - 0x800, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_GUARD);
	CU_ASSERT_EQUAL(w.stack_tid, 201);
	CU_ASSERT_FALSE(w.has_stack_sp);
	CU_ASSERT_EQUAL(w.stack_region_index, w.region_index + 1);
	out = render_where(l, &w);
	assert_contains(out, "  stack    guard page of thread 201's stack: an "
			"overflow of that stack faults here\n");
	vml_free(out);
	/* The reservation above is nobody's. */
	VML_ASSERT_OK(vml_layout_where(l, SLAB + 0x40000, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_NONE);
	CU_ASSERT_EQUAL(w.stack_tid, 0);
	CU_ASSERT_EQUAL(w.stack_region_index, SIZE_MAX);

	out = render(l, VML_FORMAT_PICTURE);
	assert_contains(out, "stacks of threads 201, 202, 203");
	assert_contains(out, "reserved address space (PROT_NONE)");
	vml_free(out);
	out = render(l, VML_FORMAT_TABLE);
	assert_contains(out, "thread-stack  (stacks of threads 201, 202, 203)\n");
	vml_free(out);
	out = render(l, VML_FORMAT_JSON);
	assert_contains(out, "\"tid\": 201, \"tids\": [201, 202, 203]");
	vml_free(out);

	/* A mapping holding no $sp is no stack: without threads the slab is
	 * anonymous memory and both PROT_NONE pages are reservations. */
	vml_layout_free(l);
	l = layout_of(shared_maps);
	VML_ASSERT_OK(vml_layout_classify(l));
	CU_ASSERT_EQUAL(at(l, SLAB)->kind, VML_KIND_MMAP_ANON);
	CU_ASSERT_EQUAL(at(l, SLAB - 1)->kind, VML_KIND_RESERVED);
	CU_ASSERT_EQUAL(at(l, 0x7ffc00000000ull)->kind, VML_KIND_STACK);
	vml_layout_free(l);
}

/* Many threads: the picture keeps to its box ("+N more"). */
static void test_shared_mapping_many(void)
{
	struct vml_layout *l = layout_of(shared_maps);
	for (int i = 0; i < 12; i++)
		VML_ASSERT_OK(vml_layout_add_thread(l, 4000 + i,
						    SLAB + 0x100 + i * 0x1000, false));
	VML_ASSERT_OK(vml_layout_classify(l));
	CU_ASSERT_EQUAL(at(l, SLAB)->nthreads, 12);
	char *out = render(l, VML_FORMAT_PICTURE);
	assert_contains(out, "stacks of threads 4000, 4001 +10 more");
	/* Every line keeps the 80-column layout. */
	for (char *line = out; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		CU_ASSERT(len <= 80);
		line += len + (nl ? 1 : 0);
	}
	vml_free(out);
	vml_layout_free(l);
}

/* ------------------------------------------------ a thread overflowed */

static const char overflow_maps[] =
	"7f0000100000-7f0000101000 ---p 00000000 00:00 0 \n"
	"7f0000101000-7f0000141000 rw-p 00000000 00:00 0 \n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n";
#define GUARD_END 0x7f0000101000ull
#define SP301 (GUARD_END - 0xe20)

static void test_thread_overflow(void)
{
	struct vml_layout *l = layout_of(overflow_maps);
	VML_ASSERT_OK(vml_layout_add_thread(l, 300, 0x7ffc00020000ull, true));
	VML_ASSERT_OK(vml_layout_add_thread(l, 301, SP301, false));
	VML_ASSERT_OK(vml_layout_classify(l));

	const struct vml_region *g = at(l, SP301);
	CU_ASSERT_EQUAL(g->kind, VML_KIND_GUARD);
	CU_ASSERT_EQUAL(g->group, VML_GROUP_STACK);
	CU_ASSERT_EQUAL(g->tid, 301);
	CU_ASSERT_EQUAL_FATAL(g->nthreads, 1);
	CU_ASSERT_EQUAL(g->tids[0], 301);
	/* The mapping above holds no $sp but is 301's stack. */
	const struct vml_region *s = at(l, GUARD_END);
	CU_ASSERT_EQUAL(s->kind, VML_KIND_THREAD_STACK);
	CU_ASSERT_EQUAL(s->tid, 301);
	CU_ASSERT_EQUAL(s->nthreads, 0);

	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(l, SP301, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_OVERFLOW);
	CU_ASSERT_EQUAL(w.stack_tid, 301);
	CU_ASSERT_EQUAL(w.overflow_depth, 0xe20);   /* guard top - $sp */
	CU_ASSERT_TRUE(w.has_stack_sp);
	CU_ASSERT_EQUAL(w.stack_sp, SP301);
	CU_ASSERT_EQUAL(w.above_sp, 0);
	CU_ASSERT_EQUAL(w.stack_region_index, w.region_index + 1);
	char *out = render_where(l, &w);
	assert_contains(out, "  stack    guard page of thread 301's stack: $sp is "
			"0xe20 into it (stack overflow)\n");
	vml_free(out);
	VML_ASSERT_OK(vml_render_where(l, &w, sizeof(w), VML_FORMAT_JSON, 0, &out));
	assert_contains(out, "\"thread\": {\"tid\": 301, \"sp\": 139637977776608, "
			"\"above_sp\": 0, \"main\": false, \"role\": \"overflow\", "
			"\"overflow_depth\": 3616, \"sharing\": []}");
	vml_free(out);
	/* The faulting store 8 bytes below $sp: the same overflow. */
	VML_ASSERT_OK(vml_layout_where(l, SP301 - 8, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_OVERFLOW);
	CU_ASSERT_EQUAL(w.overflow_depth, 0xe20);
	CU_ASSERT_EQUAL(w.above_sp, -8);
	out = render_where(l, &w);
	assert_contains(out, "(stack overflow), 0x8 bytes below its $sp "
			"(0x7f00001001e0), in the red zone\n");
	vml_free(out);
	/* Its stack: live, above the $sp in the guard. */
	VML_ASSERT_OK(vml_layout_where(l, GUARD_END + 0x10, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_LIVE);
	CU_ASSERT_EQUAL(w.stack_tid, 301);
	CU_ASSERT_TRUE(w.has_stack_sp);
	CU_ASSERT_EQUAL(w.above_sp, 0xe30);

	out = render(l, VML_FORMAT_PICTURE);
	assert_contains(out, "| thread 301 stack, grows down  v");
	assert_contains(out, "| guard page of thread 301's stack          ---p |");
	assert_contains(out, "| $sp is 0xe20 into it (stack overflow)          |");
	vml_free(out);
	out = render(l, VML_FORMAT_TABLE);
	assert_contains(out, "guard         ($sp of thread 301: stack overflow)\n");
	vml_free(out);
	vml_layout_free(l);
}

/* ------------------------------------------------ the main thread overflowed */

static const char main_maps[] =
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
	"7ffc00000000-7ffc00080000 rw-p 00000000 00:00 0 [stack]\n";
#define STACK_LO 0x7ffc00000000ull

static void test_main_overflow(void)
{
	struct vml_layout *l = layout_of(main_maps);
	VML_ASSERT_OK(vml_layout_add_thread(l, 400, STACK_LO - 0x800, true));
	VML_ASSERT_OK(vml_layout_classify(l));
	CU_ASSERT_EQUAL(at(l, STACK_LO)->tid, 400);
	CU_ASSERT_EQUAL(at(l, STACK_LO)->nthreads, 0);

	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(l, STACK_LO - 0x800, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_GAP_OVERFLOW);
	CU_ASSERT_EQUAL(w.stack_tid, 400);
	CU_ASSERT_TRUE(w.stack_is_main);
	CU_ASSERT_EQUAL(w.overflow_depth, 0x800);
	CU_ASSERT_EQUAL(w.above_sp, 0);
	CU_ASSERT_EQUAL(w.stack_region_index, 1);
	char *out = render_where(l, &w);
	assert_contains(out, "  stack    stack guard gap below main thread 400's "
			"stack: $sp is 0x800 below it (stack overflow)\n");
	vml_free(out);
	/* The stack itself: live, above that $sp. */
	VML_ASSERT_OK(vml_layout_where(l, STACK_LO + 0x10, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_LIVE);
	CU_ASSERT_EQUAL(w.stack_tid, 400);
	CU_ASSERT_EQUAL(w.above_sp, 0x810);
	out = render(l, VML_FORMAT_PICTURE);
	assert_contains(out, "~ $sp 0x800 below the stack: stack overflow");
	vml_free(out);
	vml_layout_free(l);

	/* $sp in [stack]: an address below [stack] is just a gap. */
	l = layout_of(main_maps);
	VML_ASSERT_OK(vml_layout_add_thread(l, 400, STACK_LO + 0x100, true));
	VML_ASSERT_OK(vml_layout_where(l, STACK_LO - 0x800, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_NONE);
	CU_ASSERT_EQUAL(w.stack_tid, 0);
	vml_layout_free(l);

	/* $sp below a mapping that lies below [stack]: not the stack's gap. */
	l = layout_of(main_maps);
	VML_ASSERT_OK(vml_layout_add_thread(l, 400, 0x7f0000000000ull - 0x10, true));
	VML_ASSERT_OK(vml_layout_where(l, 0x7f0000000000ull - 0x10, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_NONE);
	vml_layout_free(l);
}

/* ------------------------------------------------ reservations */

static const char arena_maps[] =
	"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 \n"
	"7f3a1c021000-7f3a20000000 ---p 00000000 00:00 0 \n"
	"7f3a20000000-7f3a20021000 rw-p 00000000 00:00 0 \n"
	"7f3a20021000-7f3a24000000 ---p 00000000 00:00 0 \n"
	"7f3a24000000-7f3a24001000 ---p 00000000 00:00 0 [anon:reserve]\n"
	"7f3a24100000-7f3a24101000 ---p 00000000 00:00 0 \n"
	"7f3a24101000-7f3a24901000 rw-p 00000000 00:00 0 \n"
	"7f3a25000000-7f3a25001000 ---p 00000000 00:00 0 \n"
	"7f3a25001000-7f3a25801000 rw-p 00000000 00:00 0 \n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n";

static void test_reservations(void)
{
	struct vml_layout *l = layout_of(arena_maps);
	VML_ASSERT_OK(vml_layout_add_thread(l, 500, 0x7ffc00020000ull, true));
	VML_ASSERT_OK(vml_layout_add_thread(l, 501, 0x7f3a24900000ull, false));
	VML_ASSERT_OK(vml_layout_classify(l));
	/* glibc's per-thread arenas: 64 MiB each, the rest reserved. */
	for (uint64_t a = 0x7f3a1c000000ull; a <= 0x7f3a20000000ull; a += 0x4000000) {
		CU_ASSERT_EQUAL(at(l, a)->kind, VML_KIND_MMAP_ANON);
		const struct vml_region *r = at(l, a + 0x21000);
		CU_ASSERT_EQUAL(r->kind, VML_KIND_RESERVED);
		CU_ASSERT_EQUAL(r->group, VML_GROUP_MMAP);
		CU_ASSERT_EQUAL(r->tid, 0);
	}
	CU_ASSERT_EQUAL(at(l, 0x7f3a24000000ull)->kind, VML_KIND_RESERVED);
	/* Below thread 501's stack: its guard. */
	CU_ASSERT_EQUAL(at(l, 0x7f3a24100000ull)->kind, VML_KIND_GUARD);
	CU_ASSERT_EQUAL(at(l, 0x7f3a24100000ull)->tid, 501);
	/* Below a mapping no thread's $sp is in (a stack of a thread gone,
	 * or not a stack at all): a reservation. */
	CU_ASSERT_EQUAL(at(l, 0x7f3a25000000ull)->kind, VML_KIND_RESERVED);
	CU_ASSERT_EQUAL(at(l, 0x7f3a25001000ull)->kind, VML_KIND_MMAP_ANON);
	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(l, 0x7f3a1d000000ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.stack_role, VML_STACK_ROLE_NONE);
	char *out = render_where(l, &w);
	assert_contains(out, "  region   reserved  0x7f3a1c021000-0x7f3a20000000 ---p");
	CU_ASSERT_PTR_NULL(strstr(out, "stack"));
	vml_free(out);
	vml_layout_free(l);
}

/* A library's PROT_NONE alignment hole belongs to the library. The file
 * cannot be read here, so its segments are guessed from the perms. */
static const char lib_maps[] =
	"7f0000000000-7f0000001000 r--p 00000000 08:01 300 /nonexistent/vml/libh.so\n"
	"7f0000001000-7f0000002000 r-xp 00001000 08:01 300 /nonexistent/vml/libh.so\n"
	"7f0000002000-7f0000012000 ---p 00002000 08:01 300 /nonexistent/vml/libh.so\n"
	"7f0000012000-7f0000013000 r--p 00002000 08:01 300 /nonexistent/vml/libh.so\n"
	"7f0000013000-7f0000014000 rw-p 00003000 08:01 300 /nonexistent/vml/libh.so\n"
	"7f0000020000-7f0000021000 ---p 00000000 08:01 301 /nonexistent/vml/data.bin\n";

static void test_library_hole(void)
{
	struct vml_layout *l = layout_of(lib_maps);
	VML_ASSERT_OK(vml_layout_classify(l));
	const struct vml_region *hole = at(l, 0x7f0000002000ull);
	CU_ASSERT_EQUAL(hole->kind, VML_KIND_RESERVED);
	CU_ASSERT_EQUAL(hole->group, VML_GROUP_MMAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hole->object);
	CU_ASSERT_STRING_EQUAL(hole->object, "/nonexistent/vml/libh.so");
	CU_ASSERT(hole->flags & VML_REGION_LIBRARY);
	CU_ASSERT(hole->flags & VML_REGION_GUESSED);
	CU_ASSERT_EQUAL(at(l, 0x7f0000012000ull)->kind, VML_KIND_RELRO);
	/* A data file mapped PROT_NONE is no library's: a file mapping. */
	const struct vml_region *data = at(l, 0x7f0000020000ull);
	CU_ASSERT_EQUAL(data->kind, VML_KIND_MMAP_FILE);
	CU_ASSERT_PTR_NULL(data->object);
	vml_layout_free(l);
}

/* ------------------------------------------------ gaps end with their half */

static void test_gap_ends_with_user_space(void)
{
	struct vml_layout *l = layout_of(
		"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n");
	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(l, 0x7ffffffff800ull, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	CU_ASSERT_EQUAL(w.gap.start, 0x7ffffffff000ull);
	CU_ASSERT_EQUAL(w.gap.last, 0x7fffffffffffull);   /* not [vsyscall] - 1 */
	CU_ASSERT_EQUAL(w.gap.below_index, 0);
	CU_ASSERT_EQUAL(w.gap.above_index, SIZE_MAX);
	CU_ASSERT_PTR_NULL(w.gap.above);
	char *out = render_where(l, &w);
	assert_contains(out, "in a gap of 4 KiB between [stack] (stack) "
			"(0x7ffffffde000-0x7ffffffff000) and the end of user space;");
	vml_free(out);
	/* A kernel address's gap starts where kernel space does. */
	VML_ASSERT_OK(vml_layout_where(l, 0xffff900000000000ull, &w, sizeof(w)));
	CU_ASSERT_EQUAL(w.gap.start, 0xffff800000000000ull);
	CU_ASSERT_EQUAL(w.gap.last, 0xffffffffff5fffffull);
	CU_ASSERT_EQUAL(w.gap.below_index, SIZE_MAX);
	CU_ASSERT_EQUAL(w.gap.above_index, 1);
	vml_layout_free(l);
}

static CU_TestInfo tests[] = {
	{ "several $sp in one mapping", test_shared_mapping },
	{ "many threads in one mapping", test_shared_mapping_many },
	{ "a thread's $sp in its guard", test_thread_overflow },
	{ "the main thread's $sp below [stack]", test_main_overflow },
	{ "arena and other reservations", test_reservations },
	{ "a library's PROT_NONE hole", test_library_hole },
	{ "gaps end with their half", test_gap_ends_with_user_space },
	CU_TEST_INFO_NULL,
};

int vml_suite_stacks(void)
{
	return vml_add_suite("stacks", tests);
}

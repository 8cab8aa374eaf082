/*
 * pt_x86_64_test.c — the page-table walker on hand-built tables.
 *
 * Physical memory is a small buffer (page n at 0x1000 * n); every expected
 * range below is worked out by hand from the SDM's bit layout.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

#define NPAGES 32

/* Raw entry bits, spelled out here independently of the walker. */
#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define PWT 0x8ull
#define PCD 0x10ull
#define ACC 0x20ull
#define DIRTY 0x40ull
#define PS 0x80ull
#define GLB 0x100ull
#define NX (1ull << 63)
#define TBL (P | RW | US)

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* Registers of the CPU walking the tables (the test's own words for
 * them): root, levels (5 = CR4.LA57), EFER.NXE, MAXPHYADDR (0 = 52). */
struct regs {
	uint64_t cr3;
	uint32_t levels;
	bool nxe;
	uint32_t maxphyaddr;
};

#define MAX_PAGINGS 16

struct mem {
	uint8_t *bytes;
	struct vml_source *src;
	struct regs regs[MAX_PAGINGS];            /* pagings made so far, */
	struct vml_paging *pagings[MAX_PAGINGS];  /* freed with the memory */
	size_t npagings;
};

static void mem_init(struct mem *m)
{
	m->npagings = 0;
	m->bytes = calloc(NPAGES, 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->bytes);
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_PHYSICAL, 0, m->bytes,
					     NPAGES * 4096, &m->src));
}

/* The paging those registers give, through vml_paging_from_registers as a
 * debugger would call it; lives until mem_free. */
static struct vml_paging *pg(struct mem *m, const struct regs *r)
{
	for (size_t i = 0; i < m->npagings; i++)
		if (!memcmp(&m->regs[i], r, sizeof(*r)))
			return m->pagings[i];
	CU_ASSERT_FATAL(m->npagings < MAX_PAGINGS);
	struct vml_paging *p = vml_test_x86_paging(r->cr3, r->levels, r->nxe,
						   r->maxphyaddr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	m->regs[m->npagings] = *r;
	m->pagings[m->npagings++] = p;
	return p;
}

static void mem_free(struct mem *m)
{
	for (size_t i = 0; i < m->npagings; i++)
		vml_paging_free(m->pagings[i]);
	vml_source_free(m->src);
	free(m->bytes);
}

/* Entry index of the table in page `page` (little-endian, as x86 stores it). */
static void set(struct mem *m, unsigned page, unsigned index, uint64_t value)
{
	uint8_t *p = m->bytes + page * 4096 + index * 8;
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static struct regs cfg4(void)
{
	return (struct regs){ .cr3 = 0x1000, .levels = 4, .nxe = true };
}

static struct vml_pt_walk *walk_ok(struct mem *m, const struct regs *c)
{
	struct vml_pt_walk *w = NULL;
	VML_ASSERT_OK(vml_pt_walk(m->src, pg(m, c), &w));
	return w;
}

static void check_range(const struct vml_pt_walk *w, size_t i, uint64_t start,
			uint64_t last, uint64_t phys, uint64_t page_size,
			uint32_t flags, uint32_t level, uint32_t status)
{
	const struct vml_pt_range *r = vml_pt_walk_range(w, i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start, start);
	CU_ASSERT_EQUAL(r->last, last);
	CU_ASSERT_EQUAL(r->phys, phys);
	CU_ASSERT_EQUAL(r->page_size, page_size);
	CU_ASSERT_EQUAL(r->flags, flags);
	CU_ASSERT_EQUAL(r->level, level);
	CU_ASSERT_EQUAL(r->status, status);
	if (r->start != start || r->last != last || r->phys != phys ||
	    r->flags != flags || r->status != status)
		fprintf(stderr, "\nrange %zu: %#llx-%#llx phys %#llx flags %#x"
			" level %u status %u\n", i, (unsigned long long)r->start,
			(unsigned long long)r->last, (unsigned long long)r->phys,
			r->flags, r->level, r->status);
}

#define F_P VML_PT_PRESENT
#define F_W VML_PT_WRITE
#define F_U VML_PT_USER

/* PML4 page 1 -> PDPT page 2 -> PD page 3 -> PT page 4. */
static void chain(struct mem *m, uint64_t pt_flags)
{
	set(m, 1, 0, 0x2000 | TBL);
	set(m, 2, 0, 0x3000 | TBL);
	set(m, 3, 0, 0x4000 | pt_flags);
}

static void test_leaf_sizes(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 4, 1, 0x1234000 | P | RW | US);        /* 4 KiB at 0x1000 */
	set(&m, 3, 1, 0x40000000 | P | RW | PS);        /* 2 MiB at 0x200000 */
	set(&m, 2, 1, 0x80000000 | P | PS);             /* 1 GiB at 1 GiB */
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 3);
	check_range(w, 0, 0x1000, 0x1fff, 0x1234000, 4096, F_P | F_W | F_U, 1,
		    VML_PT_MAPPED);
	/* The PD entry has no US bit: user is ANDed away. */
	check_range(w, 1, 0x200000, 0x3fffff, 0x40000000, 2 * MiB,
		    F_P | F_W | VML_PT_PS, 2, VML_PT_MAPPED);
	check_range(w, 2, 0x40000000, 0x7fffffff, 0x80000000, GiB,
		    F_P | VML_PT_PS, 3, VML_PT_MAPPED);
	CU_ASSERT_PTR_NULL(vml_pt_walk_range(w, 3));
	struct vml_pt_walk_stats st;
	VML_ASSERT_OK(vml_pt_walk_get_stats(w, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.table_pages, 4);
	CU_ASSERT_EQUAL(st.entries, 6);
	CU_ASSERT_EQUAL(st.leaves, 3);
	CU_ASSERT_EQUAL(st.problems, 0);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_five_levels(void)
{
	struct mem m;
	mem_init(&m);
	/* PML5 page 1; entry 1 covers 2^48 .. 2^49 - 1. */
	set(&m, 1, 1, 0x2000 | TBL);
	set(&m, 2, 0, 0x3000 | TBL);
	set(&m, 3, 2, 0xc0000000 | TBL | PS);           /* 1 GiB at 2^48 + 2 GiB */
	/* Entry 256: the upper half starts at 0xff00000000000000. */
	set(&m, 1, 256, 0x5000 | TBL);
	set(&m, 5, 0, 0x6000 | TBL);
	set(&m, 6, 0, 0x40000000 | P | RW | PS);
	struct regs c = { .cr3 = 0x1000, .levels = 5, .nxe = true };
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0x0001000080000000ull, 0x00010000bfffffffull,
		    0xc0000000, GiB, F_P | F_W | F_U | VML_PT_PS, 3,
		    VML_PT_MAPPED);
	check_range(w, 1, 0xff00000000000000ull, 0xff0000003fffffffull,
		    0x40000000, GiB, F_P | F_W | VML_PT_PS, 3, VML_PT_MAPPED);
	vml_pt_walk_free(w);

	struct vml_pt_translation t;
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 0x0001000080abc123ull, &t, sizeof(t)));
	CU_ASSERT_TRUE(t.mapped);
	CU_ASSERT_EQUAL(t.phys, 0xc0abc123);
	CU_ASSERT_EQUAL(t.nsteps, 3);
	CU_ASSERT_EQUAL(t.steps[0].level, 5);
	CU_ASSERT_EQUAL(t.steps[0].index, 1);
	/* Above 2^47 is not canonical with 4 levels. */
	c.levels = 4;
	VML_ASSERT_ERR(vml_pt_translate(m.src, pg(&m, &c), 0x0001000080abc123ull, &t, sizeof(t)),
		       VML_ERROR_INVALID);
	mem_free(&m);
}

static void test_coalescing(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	for (unsigned i = 0; i < 4; i++)          /* one run of 4 pages */
		set(&m, 4, i, (0x100000 + i * 0x1000) | P | RW);
	set(&m, 4, 4, 0x200000 | P | RW);          /* phys jumps */
	set(&m, 4, 5, 0x201000 | P);               /* flags change */
	set(&m, 4, 6, 0x202000 | P | ACC | DIRTY); /* A/D do not matter */
	set(&m, 4, 8, 0x203000 | P);               /* VA gap at 7 */
	set(&m, 4, 9, 0x204000 | P | (3ull << 59)); /* pkey changes */
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 5);
	check_range(w, 0, 0x0000, 0x3fff, 0x100000, 4096, F_P | F_W, 1, 0);
	check_range(w, 1, 0x4000, 0x4fff, 0x200000, 4096, F_P | F_W, 1, 0);
	check_range(w, 2, 0x5000, 0x6fff, 0x201000, 4096, F_P, 1, 0);
	check_range(w, 3, 0x8000, 0x8fff, 0x203000, 4096, F_P, 1, 0);
	check_range(w, 4, 0x9000, 0x9fff, 0x204000, 4096, F_P, 1, 0);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 4)->pkey, 3);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 3)->pkey, 0);
	struct vml_pt_walk_stats st;
	VML_ASSERT_OK(vml_pt_walk_get_stats(w, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.leaves, 9);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_coalescing_page_size(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	/* 512 contiguous 4 KiB pages = 2 MiB, then a 2 MiB page right after
	 * in both VA and PA: one run each because the page size differs. */
	for (unsigned i = 0; i < 512; i++)
		set(&m, 4, i, (0x40000000 + i * 0x1000ull) | P | RW | US);
	set(&m, 3, 1, 0x40200000 | P | RW | US | PS);
	set(&m, 3, 2, 0x40400000 | P | RW | US | PS);
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0, 0x1fffff, 0x40000000, 4096, F_P | F_W | F_U, 1, 0);
	check_range(w, 1, 0x200000, 0x5fffff, 0x40200000, 2 * MiB,
		    F_P | F_W | F_U | VML_PT_PS, 2, 0);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_effective_flags(void)
{
	struct mem m;
	mem_init(&m);
	/* Chain A at VA 0: PDPT entry is read-only and no-execute. */
	set(&m, 1, 0, 0x2000 | TBL);
	set(&m, 2, 0, 0x3000 | P | US | NX);
	set(&m, 3, 0, 0x4000 | TBL);
	set(&m, 4, 0, 0x10000 | P | RW | US | GLB | PWT | PCD);
	/* Chain B at 512 GiB: PML4 entry is supervisor-only. */
	set(&m, 1, 1, 0x5000 | P | RW);
	set(&m, 5, 0, 0x6000 | TBL);
	set(&m, 6, 0, 0x7000 | TBL);
	set(&m, 7, 0, 0x20000 | P | RW | US);
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0, 0xfff, 0x10000, 4096,
		    F_P | F_U | VML_PT_NX | VML_PT_GLOBAL | VML_PT_PWT |
		    VML_PT_PCD, 1, 0);
	check_range(w, 1, 512 * GiB, 512 * GiB + 0xfff, 0x20000, 4096,
		    F_P | F_W, 1, 0);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_pat_position(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 4, 0, 0x10000 | P | PS);          /* bit 7 of a PTE = PAT */
	set(&m, 4, 2, 0x11000 | P);               /* bit 12 of a PTE = address */
	set(&m, 3, 1, 0x40000000 | P | (1ull << 12) | PS); /* bit 12 = PAT */
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 3);
	check_range(w, 0, 0, 0xfff, 0x10000, 4096, F_P | VML_PT_PAT, 1, 0);
	check_range(w, 1, 0x2000, 0x2fff, 0x11000, 4096, F_P, 1, 0);
	check_range(w, 2, 0x200000, 0x3fffff, 0x40000000, 2 * MiB,
		    F_P | VML_PT_PS | VML_PT_PAT, 2, 0);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_pkey(void)
{
	struct mem m;
	mem_init(&m);
	/* Bits 62:59 of a non-leaf entry are ignored; the leaf's count. */
	set(&m, 1, 0, 0x2000 | TBL | (0xfull << 59));
	set(&m, 2, 0, 0x3000 | TBL);
	set(&m, 3, 0, 0x4000 | TBL);
	set(&m, 4, 0, 0x10000 | P | (0xaull << 59) | NX);
	set(&m, 3, 1, 0x40000000 | P | PS | (0x5ull << 59));
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0, 0xfff, 0x10000, 4096, F_P | VML_PT_NX, 1, 0);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 0)->pkey, 10);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 1)->pkey, 5);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 1)->phys, 0x40000000);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_shared_table_read_once(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 3, 1, 0x4000 | TBL);              /* second PD entry, same PT */
	set(&m, 4, 0, 0x10000 | P | RW);
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0, 0xfff, 0x10000, 4096, F_P | F_W, 1, 0);
	check_range(w, 1, 0x200000, 0x3fffff, 0x4000, 0, F_P | F_W | F_U, 2,
		    VML_PT_ALIAS);
	struct vml_pt_walk_stats st;
	VML_ASSERT_OK(vml_pt_walk_get_stats(w, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.table_pages, 4);
	CU_ASSERT_EQUAL(st.problems, 1);
	vml_pt_walk_free(w);

	/* Four distinct table pages: four back-end reads, then a second walk
	 * is served entirely from the cache. */
	struct vml_source_stats ss;
	VML_ASSERT_OK(vml_source_get_stats(m.src, &ss, sizeof(ss)));
	CU_ASSERT_EQUAL(ss.reads, 4);
	CU_ASSERT_EQUAL(ss.cache_hits, 0);
	w = walk_ok(&m, &c);
	VML_ASSERT_OK(vml_source_get_stats(m.src, &ss, sizeof(ss)));
	CU_ASSERT_EQUAL(ss.reads, 4);
	CU_ASSERT_EQUAL(ss.cache_hits, 4);
	CU_ASSERT_EQUAL(vml_pt_walk_count(w), 2);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_self_reference(void)
{
	struct mem m;
	mem_init(&m);
	/* PML4 entries pointing at the PML4 itself (a "recursive" slot): the
	 * walk must stop there, once per entry. */
	set(&m, 1, 5, 0x1000 | P | RW);
	set(&m, 1, 256, 0x1000 | P | RW);
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	/* Entry 5 spans 5 * 512 GiB .. 6 * 512 GiB - 1. */
	check_range(w, 0, 0x28000000000ull, 0x2ffffffffffull, 0x1000, 0,
		    F_P | F_W, 4, VML_PT_ALIAS);
	/* Entry 256 is the first of the upper half. */
	check_range(w, 1, 0xffff800000000000ull, 0xffff807fffffffffull, 0x1000,
		    0, F_P | F_W, 4, VML_PT_ALIAS);
	struct vml_pt_walk_stats st;
	VML_ASSERT_OK(vml_pt_walk_get_stats(w, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.table_pages, 1);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_unreadable_table(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 3, 0, 0x7654000 | TBL);           /* far outside the buffer */
	set(&m, 3, 1, 0x600000 | P | RW | PS);    /* walk goes on after it */
	set(&m, 3, 2, 0x7654000 | TBL);           /* same bad table again */
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 3);
	check_range(w, 0, 0, 0x1fffff, 0x7654000, 0, F_P | F_W | F_U, 2,
		    VML_PT_UNREADABLE);
	check_range(w, 1, 0x200000, 0x3fffff, 0x600000, 2 * MiB,
		    F_P | F_W | VML_PT_PS, 2, VML_PT_MAPPED);
	check_range(w, 2, 0x400000, 0x5fffff, 0x7654000, 0, F_P | F_W | F_U, 2,
		    VML_PT_UNREADABLE);
	/* The bad page was asked for once only. */
	struct vml_source_stats ss;
	VML_ASSERT_OK(vml_source_get_stats(m.src, &ss, sizeof(ss)));
	CU_ASSERT_EQUAL(ss.failures, 1);
	CU_ASSERT_EQUAL(ss.reads, 4);
	vml_pt_walk_free(w);

	/* An unreadable root is an error. */
	c.cr3 = 0x9999000;
	struct vml_error *err = vml_pt_walk(m.src, pg(&m, &c), &w);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	vml_error_free(err);
	mem_free(&m);
}

static void test_reserved_bits(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 4, 0, (1ull << 40) | 0x10000 | P);      /* above MAXPHYADDR 36 */
	set(&m, 4, 1, 0x11000 | P);                     /* fine */
	set(&m, 3, 1, 0x40000000 | (1ull << 13) | P | PS); /* bit 13 of 2 MiB */
	set(&m, 2, 1, 0x40000000 | (1ull << 29) | P | PS); /* bit 29 of 1 GiB */
	set(&m, 1, 1, 0x5000 | P | PS);                 /* PS in a PML4E */
	set(&m, 1, 2, 0x5000 | P | NX);                 /* NX without NXE */
	struct regs c = cfg4();
	c.maxphyaddr = 36;
	c.nxe = false;
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 6);
	check_range(w, 0, 0, 0xfff, 0x10000, 0, F_P, 1, VML_PT_RESERVED);
	check_range(w, 1, 0x1000, 0x1fff, 0x11000, 4096, F_P, 1, VML_PT_MAPPED);
	check_range(w, 2, 0x200000, 0x3fffff, 0x40000000, 0, F_P, 2,
		    VML_PT_RESERVED);
	check_range(w, 3, GiB, 2 * GiB - 1, 0x40000000, 0, F_P, 3,
		    VML_PT_RESERVED);
	check_range(w, 4, 512 * GiB, 1024 * GiB - 1, 0x5000, 0, F_P, 4,
		    VML_PT_RESERVED);
	check_range(w, 5, 1024 * GiB, 1536 * GiB - 1, 0x5000, 0, F_P, 4,
		    VML_PT_RESERVED);
	struct vml_pt_walk_stats st;
	VML_ASSERT_OK(vml_pt_walk_get_stats(w, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.problems, 5);
	vml_pt_walk_free(w);

	/* The same NX entry is fine once NXE is on; bit 40 is fine with a
	 * 52-bit physical address width. */
	c.nxe = true;
	c.maxphyaddr = 0;
	set(&m, 1, 1, 0);
	set(&m, 3, 1, 0);
	set(&m, 2, 1, 0);
	/* The tables changed: without this the cached copies would be seen. */
	vml_source_invalidate(m.src);
	w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0, 0xfff, (1ull << 40) | 0x10000, 4096, F_P, 1, 0);
	check_range(w, 1, 0x1000, 0x1fff, 0x11000, 4096, F_P, 1, 0);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_upper_half(void)
{
	struct mem m;
	mem_init(&m);
	/* Kernel-text style: PML4[511] -> PDPT[510] = 1 GiB at phys 0. */
	set(&m, 1, 511, 0x2000 | P | RW);
	set(&m, 2, 510, 0x0 | P | RW | PS | GLB);
	/* And the start of the direct map, PML4[273] -> 2 MiB pages. */
	set(&m, 1, 273, 0x3000 | P | RW);
	set(&m, 3, 0, 0x4000 | P | RW);
	set(&m, 4, 0, 0x0 | P | RW | PS | NX);
	set(&m, 4, 1, 0x200000 | P | RW | PS | NX);
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	check_range(w, 0, 0xffff888000000000ull, 0xffff8880003fffffull, 0,
		    2 * MiB, F_P | F_W | VML_PT_PS | VML_PT_NX, 2, 0);
	check_range(w, 1, 0xffffffff80000000ull, 0xffffffffbfffffffull, 0, GiB,
		    F_P | F_W | VML_PT_PS | VML_PT_GLOBAL, 3, 0);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_translate(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 4, 3, 0x1234000 | P | RW | US | ACC | NX);
	set(&m, 3, 5, 0x40000000 | P | RW | PS | (1ull << 12));
	struct regs c = cfg4();
	struct vml_pt_translation t;

	/* 4 KiB: VA 0x3abc is PML4[0] PDPT[0] PD[0] PT[3] + 0xabc. */
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 0x3abc, &t, sizeof(t)));
	CU_ASSERT_TRUE(t.mapped);
	CU_ASSERT_EQUAL(t.status, VML_PT_MAPPED);
	CU_ASSERT_EQUAL(t.phys, 0x1234abc);
	CU_ASSERT_EQUAL(t.page_size, 4096);
	CU_ASSERT_EQUAL(t.flags, F_P | F_W | F_U | VML_PT_NX);
	CU_ASSERT_EQUAL(t.stop_level, 1);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 4);
	CU_ASSERT_EQUAL(t.steps[0].level, 4);
	CU_ASSERT_EQUAL(t.steps[0].table, 0x1000);
	CU_ASSERT_EQUAL(t.steps[0].entry_addr, 0x1000);
	CU_ASSERT_EQUAL(t.steps[0].value, 0x2007);
	CU_ASSERT_EQUAL(t.steps[0].flags, F_P | F_W | F_U);
	CU_ASSERT_EQUAL(t.steps[2].table, 0x3000);
	CU_ASSERT_EQUAL(t.steps[3].level, 1);
	CU_ASSERT_EQUAL(t.steps[3].index, 3);
	CU_ASSERT_EQUAL(t.steps[3].table, 0x4000);
	CU_ASSERT_EQUAL(t.steps[3].entry_addr, 0x4018);
	CU_ASSERT_EQUAL(t.steps[3].value, 0x8000000001234027ull);
	CU_ASSERT_EQUAL(t.steps[3].flags,
			F_P | F_W | F_U | VML_PT_ACCESSED | VML_PT_NX);

	/* 2 MiB: VA 0xa12345 is PD[5] + 0x12345; bit 12 is PAT, not address. */
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 0xa12345, &t, sizeof(t)));
	CU_ASSERT_TRUE(t.mapped);
	CU_ASSERT_EQUAL(t.phys, 0x40012345);
	CU_ASSERT_EQUAL(t.page_size, 2 * MiB);
	CU_ASSERT_EQUAL(t.stop_level, 2);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 3);
	CU_ASSERT_EQUAL(t.steps[2].index, 5);
	CU_ASSERT_EQUAL(t.steps[2].entry_addr, 0x3028);
	CU_ASSERT_EQUAL(t.steps[2].flags, F_P | F_W | VML_PT_PS | VML_PT_PAT);
	CU_ASSERT_EQUAL(t.flags, F_P | F_W | VML_PT_PS | VML_PT_PAT);

	/* Not present: PDPT[1] is empty. */
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 0x40001000, &t, sizeof(t)));
	CU_ASSERT_FALSE(t.mapped);
	CU_ASSERT_EQUAL(t.status, VML_PT_MAPPED);
	CU_ASSERT_EQUAL(t.stop_level, 3);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 2);
	CU_ASSERT_EQUAL(t.steps[1].entry_addr, 0x2008);
	CU_ASSERT_EQUAL(t.steps[1].value, 0);

	/* Unreadable PT, and an entry with a reserved bit. */
	set(&m, 3, 6, 0x7777000 | TBL);
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 0xc00000, &t, sizeof(t)));
	CU_ASSERT_EQUAL(t.stop_level, 2); /* the cached PD has no entry 6 yet */
	vml_source_invalidate(m.src);
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 0xc00000, &t, sizeof(t)));
	CU_ASSERT_FALSE(t.mapped);
	CU_ASSERT_EQUAL(t.status, VML_PT_UNREADABLE);
	CU_ASSERT_EQUAL(t.stop_level, 1);
	CU_ASSERT_EQUAL(t.nsteps, 3);
	set(&m, 1, 7, 0x2000 | TBL | PS);
	vml_source_invalidate(m.src);
	VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), 7 * 512 * GiB, &t, sizeof(t)));
	CU_ASSERT_EQUAL(t.status, VML_PT_RESERVED);
	CU_ASSERT_EQUAL(t.stop_level, 4);

	VML_ASSERT_ERR(vml_pt_translate(m.src, pg(&m, &c), 0x0000800000000000ull, &t, sizeof(t)),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_pt_translate(m.src, NULL, 0, &t, sizeof(t)), VML_ERROR_INVALID);
	mem_free(&m);
}

static void test_walk_and_translate_agree(void)
{
	/* Every page the walk reports translates to the same address. */
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	for (unsigned i = 0; i < 512; i += 3)
		set(&m, 4, i, (0x800000 + i * 0x1000ull) | P | (i & 4 ? RW : 0));
	set(&m, 3, 9, 0x1200000 | P | PS);
	struct regs c = cfg4();
	struct vml_pt_walk *w = walk_ok(&m, &c);
	size_t n = vml_pt_walk_count(w);
	CU_ASSERT(n > 1);
	for (size_t i = 0; i < n; i++) {
		const struct vml_pt_range *r = vml_pt_walk_range(w, i);
		CU_ASSERT_EQUAL_FATAL(r->status, VML_PT_MAPPED);
		uint64_t npages = (r->last - r->start + 1) / r->page_size;
		for (uint64_t k = 0; k < npages; k++) {
			uint64_t va = r->start + k * r->page_size + 5;
			struct vml_pt_translation t;
			VML_ASSERT_OK(vml_pt_translate(m.src, pg(&m, &c), va, &t, sizeof(t)));
			CU_ASSERT_TRUE(t.mapped);
			CU_ASSERT_EQUAL(t.phys, r->phys + (va - r->start));
			CU_ASSERT_EQUAL(t.flags, r->flags);
		}
	}
	vml_pt_walk_free(w);
	mem_free(&m);
}

/* ------------------------------------------------------ reverse lookup */

static void check_hit(const struct vml_pt_phys_hit *h, uint64_t va,
		      uint64_t page_size, uint32_t level, uint32_t flags)
{
	CU_ASSERT_EQUAL(h->va, va);
	CU_ASSERT_EQUAL(h->page_size, page_size);
	CU_ASSERT_EQUAL(h->level, level);
	CU_ASSERT_EQUAL(h->flags, flags);
	if (h->va != va || h->flags != flags)
		fprintf(stderr, "\nhit %#llx flags %#x, want %#llx flags %#x\n",
			(unsigned long long)h->va, h->flags,
			(unsigned long long)va, flags);
}

static void find(struct mem *m, const struct regs *c, uint64_t pa,
		 size_t max, struct vml_pt_phys_hit *hits, size_t want_n,
		 uint64_t want_total)
{
	size_t n = SIZE_MAX;
	uint64_t total = 0;
	VML_ASSERT_OK(vml_pt_find_phys(m->src, pg(m, c), pa, max, hits, sizeof(*hits), &n,
				       &total));
	CU_ASSERT_EQUAL(n, want_n);
	CU_ASSERT_EQUAL(total, want_total);
}

static void test_find_phys_shared_tables(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 1, 511, 0x2000 | P | RW);          /* PDPT shared by two PML4Es */
	set(&m, 3, 5, 0x4000 | P | RW);            /* PT shared by two PDEs */
	set(&m, 4, 7, 0x9000 | P | RW | US | NX);  /* the page */
	set(&m, 4, 8, 0xa000 | P | RW | US);       /* its neighbour */
	set(&m, 4, 9, 0x9000 | RW | US);           /* not present */
	set(&m, 3, 9, 0x0 | P | PS);               /* 2 MiB at 0, covers it */
	set(&m, 3, 10, 0x0 | P | PS | (1ull << 13)); /* reserved bit 13 */
	set(&m, 1, 3, 0x0 | P | PS);               /* PS is reserved in a PML4E */
	struct regs c = cfg4();
	struct vml_pt_phys_hit h[8];
	find(&m, &c, 0x9123, 8, h, 6, 6);
	/* By hand: PDE 0 and PDE 5 reach PT entry 7; PDE 9 is a 2 MiB page
	 * holding 0x9123 at offset 0x9123; all again under PML4E 511, whose
	 * missing US bit takes user away. */
	uint32_t pt = F_P | F_W | VML_PT_NX;
	check_hit(&h[0], 0x7123, 4096, 1, pt | F_U);
	check_hit(&h[1], 5 * 2 * MiB + 0x7123, 4096, 1, pt);
	check_hit(&h[2], 9 * 2 * MiB + 0x9123, 2 * MiB, 2, F_P | VML_PT_PS);
	check_hit(&h[3], 0xffffff8000007123ull, 4096, 1, pt);
	check_hit(&h[4], 0xffffff8000000000ull + 5 * 2 * MiB + 0x7123, 4096, 1,
		  pt);
	check_hit(&h[5], 0xffffff8000000000ull + 9 * 2 * MiB + 0x9123,
		  2 * MiB, 2, F_P | VML_PT_PS);
	/* Fewer slots: the first ones, the total stays. */
	find(&m, &c, 0x9123, 2, h, 2, 6);
	check_hit(&h[1], 5 * 2 * MiB + 0x7123, 4096, 1, pt);
	find(&m, &c, 0x9123, 0, NULL, 0, 6);
	/* The neighbour only through the PT, the 2 MiB page holds it too. */
	find(&m, &c, 0xa000, 8, h, 6, 6);
	check_hit(&h[0], 0x8000, 4096, 1, F_P | F_W | F_U);
	/* Nothing maps 16 MiB. */
	find(&m, &c, 16 * MiB, 8, h, 0, 0);
	mem_free(&m);
}

static void test_find_phys_recursive(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 4, 3, 0x6000 | P | RW | US);
	set(&m, 1, 5, 0x1000 | TBL);               /* PML4[5] = the PML4 */
	struct regs c = cfg4();
	struct vml_pt_phys_hit h[4];
	uint32_t all = F_P | F_W | F_U;
	/* The PML4 page: only PML4[5] points at it, so the leaf is PML4[5]
	 * read as a PTE, under PML4[5] at every level. */
	find(&m, &c, 0x1000, 4, h, 1, 1);
	check_hit(&h[0], 5ull << 39 | 5ull << 30 | 5ull << 21 | 5ull << 12,
		  4096, 1, all);
	/* The PDPT page: PML4[0] read as a PTE. */
	find(&m, &c, 0x2008, 4, h, 1, 1);
	check_hit(&h[0], 5ull << 39 | 5ull << 30 | 5ull << 21 | 0x8, 4096, 1,
		  all);
	/* The PD page: PDPT[0] read as a PTE, the PDPT as a PT. */
	find(&m, &c, 0x3000, 4, h, 1, 1);
	check_hit(&h[0], 5ull << 39 | 5ull << 30, 4096, 1, all);
	/* The PT page: PD[0] read as a PTE. */
	find(&m, &c, 0x4000, 4, h, 1, 1);
	check_hit(&h[0], 5ull << 39, 4096, 1, all);
	/* A data page is not doubled by the recursion: one path only. */
	find(&m, &c, 0x6000, 4, h, 1, 1);
	check_hit(&h[0], 0x3000, 4096, 1, all);

	/* In the upper half, the address is sign-extended from bit 47. */
	set(&m, 1, 5, 0);
	set(&m, 1, 300, 0x1000 | P | RW);
	vml_source_invalidate(m.src);   /* the tables changed */
	find(&m, &c, 0x1000, 4, h, 1, 1);
	check_hit(&h[0], 0xffff000000000000ull | 300ull << 39 | 300ull << 30 |
		  300ull << 21 | 300ull << 12, 4096, 1, F_P | F_W);
	mem_free(&m);
}

static void test_find_phys_astronomical(void)
{
	struct mem m;
	mem_init(&m);
	/* Every entry of every level points at the next table, and every
	 * PTE at one page: 512^4 = 2^36 virtual addresses map it. */
	for (unsigned i = 0; i < 512; i++) {
		set(&m, 1, i, 0x2000 | TBL);
		set(&m, 2, i, 0x3000 | TBL);
		set(&m, 3, i, 0x4000 | TBL);
		set(&m, 4, i, 0x9000 | P | (i & 1 ? RW : 0));
	}
	struct regs c = cfg4();
	struct vml_pt_phys_hit h[3];
	find(&m, &c, 0x9010, 3, h, 3, 1ull << 36);
	/* The PTEs have no US bit: supervisor pages. */
	check_hit(&h[0], 0x0010, 4096, 1, F_P);
	check_hit(&h[1], 0x1010, 4096, 1, F_P | F_W);
	check_hit(&h[2], 0x2010, 4096, 1, F_P);
	/* Four table pages, each read once; the second search reads none. */
	struct vml_source_stats st;
	VML_ASSERT_OK(vml_source_get_stats(m.src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 4);
	find(&m, &c, 0x9010, 3, h, 3, 1ull << 36);
	VML_ASSERT_OK(vml_source_get_stats(m.src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 4);

	/* 512 x 512 under one PML4E: one PT shared by 512 PDEs of one PD
	 * shared by 512 PDPTEs. */
	for (unsigned i = 1; i < 512; i++) {
		set(&m, 1, i, 0);
		set(&m, 4, i, 0);
	}
	vml_source_invalidate(m.src);
	struct vml_pt_phys_hit many[600];
	find(&m, &c, 0x9000, 600, many, 600, 512 * 512);
	for (unsigned k = 0; k < 600; k++)
		CU_ASSERT_EQUAL(many[k].va, (uint64_t)(k / 512) << 30 |
				(uint64_t)(k % 512) << 21);
	mem_free(&m);
}

static void test_find_phys_recursive_everywhere(void)
{
	/* A PML4 whose every entry is itself: every table is the PML4 at
	 * every level, every PTE maps the PML4 page: 2^36 paths, and only
	 * one table page to read. */
	struct mem m;
	mem_init(&m);
	for (unsigned i = 0; i < 512; i++)
		set(&m, 1, i, 0x1000 | TBL);
	struct regs c = cfg4();
	struct vml_pt_phys_hit h[2];
	find(&m, &c, 0x1fff, 2, h, 2, 1ull << 36);
	check_hit(&h[0], 0xfff, 4096, 1, F_P | F_W | F_U);
	check_hit(&h[1], 0x1fff, 4096, 1, F_P | F_W | F_U);
	struct vml_source_stats st;
	VML_ASSERT_OK(vml_source_get_stats(m.src, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.reads, 1);
	mem_free(&m);
}

static void test_find_phys_five_levels(void)
{
	struct mem m;
	mem_init(&m);
	set(&m, 1, 0, 0x2000 | TBL);       /* PML5 -> PML4 -> PDPT -> PD -> PT */
	set(&m, 2, 0, 0x3000 | TBL);
	set(&m, 3, 0, 0x4000 | TBL);
	set(&m, 4, 0, 0x5000 | TBL);
	set(&m, 5, 2, 0x9000 | P | RW);
	set(&m, 1, 1, 0x1000 | TBL);       /* PML5[1] = the PML5 */
	set(&m, 1, 511, 0x2000 | TBL);     /* top of the 57-bit upper half */
	struct regs c = cfg4();
	c.levels = 5;
	struct vml_pt_phys_hit h[4];
	find(&m, &c, 0x9000, 4, h, 2, 2);
	check_hit(&h[0], 0x2000, 4096, 1, F_P | F_W);
	check_hit(&h[1], 0xff00000000000000ull | 511ull << 48 | 0x2000, 4096,
		  1, F_P | F_W);
	find(&m, &c, 0x1000, 4, h, 1, 1);
	check_hit(&h[0], 1ull << 48 | 1ull << 39 | 1ull << 30 | 1ull << 21 |
		  1ull << 12, 4096, 1, F_P | F_W | F_U);
	mem_free(&m);
}

static void test_find_phys_problems(void)
{
	struct mem m;
	mem_init(&m);
	chain(&m, TBL);
	set(&m, 4, 0, 0x9000 | P);
	set(&m, 1, 1, 0x7f000000 | TBL);           /* outside memory: a hole */
	set(&m, 3, 1, 0x0 | P | PS | NX);          /* 2 MiB at 0, NX */
	struct regs c = cfg4();
	struct vml_pt_phys_hit h[4];
	find(&m, &c, 0x9000, 4, h, 2, 2);
	check_hit(&h[1], 2 * MiB + 0x9000, 2 * MiB, 2,
		  F_P | VML_PT_PS | VML_PT_NX);
	/* Without EFER.NXE bit 63 is reserved: that entry maps nothing. */
	c.nxe = false;
	find(&m, &c, 0x9000, 4, h, 1, 1);
	check_hit(&h[0], 0, 4096, 1, F_P);
	size_t n;
	VML_ASSERT_ERR(vml_pt_find_phys(m.src, pg(&m, &c), 0, 4, NULL, sizeof(struct vml_pt_phys_hit), &n, NULL),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_pt_find_phys(m.src, pg(&m, &c), 0, 4, h, sizeof(*h), NULL, NULL),
		       VML_ERROR_INVALID);
	VML_ASSERT_OK(vml_pt_find_phys(m.src, pg(&m, &c), 0x9000, 4, h, sizeof(*h), &n, NULL));
	CU_ASSERT_EQUAL(n, 1);
	VML_ASSERT_ERR(vml_pt_find_phys(m.src, NULL, 0, 4, h, sizeof(*h), &n, NULL),
		       VML_ERROR_INVALID);
	c.cr3 = 0x7f000000;
	VML_ASSERT_ERR(vml_pt_find_phys(m.src, pg(&m, &c), 0, 4, h, sizeof(*h), &n, NULL),
		       VML_ERROR_FAULT);
	mem_free(&m);
}

/* whereis --phys as the GDB command asks it: the first 64 hits for text,
 * 1024 for JSON, then the renderer. */
static char *render_phys(const struct vml_kernel *k, uint64_t pa,
			 enum vml_format fmt)
{
	size_t max = fmt == VML_FORMAT_JSON ? 1024 : 64, n = 0;
	uint64_t total = 0;
	struct vml_kernel_hit *hits = calloc(max, sizeof(*hits));
	CU_ASSERT_PTR_NOT_NULL_FATAL(hits);
	VML_ASSERT_OK(vml_kernel_find_phys(k, pa, max, hits, sizeof(*hits), &n,
					   &total));
	char *text = NULL;
	VML_ASSERT_OK(vml_render_phys_hits(k, pa, hits, n, sizeof(*hits), total,
					   fmt, 0, &text));
	free(hits);
	return text;
}

static char *render_where(const struct vml_kernel *k, uint64_t va,
			  enum vml_format fmt)
{
	struct vml_kernel_where w;
	VML_ASSERT_OK(vml_kernel_where(k, va, NULL, &w, sizeof(w)));
	char *text = NULL;
	VML_ASSERT_OK(vml_render_kernel_where(k, &w, sizeof(w), fmt, 0, &text));
	return text;
}

/* The one call per command gives what the steps give. */
static void check_answer(struct mem *m, const struct regs *c,
			 enum vml_kernel_query q, uint64_t addr,
			 enum vml_format fmt, const char *want)
{
	struct vml_kernel_request req = { .query = q, .format = fmt,
					  .addr = addr };
	char *text = NULL;
	VML_ASSERT_OK(vml_kernel_answer(m->src, pg(m, c), NULL, 0, &req,
					sizeof(req), &text));
	CU_ASSERT_STRING_EQUAL(text, want);
	vml_free(text);
}

static void test_render_phys_follows_aliases(void)
{
	/* Kernel text PD (page 3 under PML4[511], PDPT[510]): PDEs 1 and 2
	 * share the PT in page 4, whose entry 0 maps 0x9000. The walk sees
	 * the second PDE as an alias; whereis --phys must list both. */
	struct mem m;
	mem_init(&m);
	set(&m, 1, 511, 0x2000 | P | RW);
	set(&m, 2, 510, 0x3000 | P | RW);
	set(&m, 3, 1, 0x4000 | P | RW);
	set(&m, 3, 2, 0x4000 | P | RW);
	set(&m, 4, 0, 0x9000 | P | RW | NX);
	struct regs c = cfg4();
	struct vml_kernel *k = NULL;
	VML_ASSERT_OK(vml_kernel_from_pagetables(m.src, pg(&m, &c), NULL, 0, &k));
	char *text = NULL;
	text = render_phys(k, 0x9008, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "physical 0x9008 is mapped at 2"
				      " virtual addresses:\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  0xffffffff80200008  kernel-text"
				      "    4K page, RW NX\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  0xffffffff80400008  kernel-text"
				      "    4K page, RW NX\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "more"));
	check_answer(&m, &c, VML_KQUERY_PHYS, 0x9008, VML_FORMAT_TEXT, text);
	vml_free(text);
	char *json = NULL;
	json = render_phys(k, 0x9000, VML_FORMAT_JSON);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"phys\": 36864, \"total\": 2, "
				      "\"mappings\": [{\"va\": "
				      "18446744071564165120, \"page_size\": "
				      "4096, \"level\": 1, \"write\": true, "
				      "\"user\": false, \"nx\": true, \"kind\": "
				      "\"kernel-text\"}, {\"va\": "
				      "18446744071566262272, "));
	vml_free(json);
	/* whereis on the first names the second as an alias, and not
	 * itself. */
	text = render_where(k, 0xffffffff80200010ull, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "also mapped at 0xffffffff80400010"
				      " (kernel-text)"));
	CU_ASSERT_PTR_NULL(strstr(text, "also mapped at 0xffffffff80200010"));
	check_answer(&m, &c, VML_KQUERY_WHERE, 0xffffffff80200010ull,
		     VML_FORMAT_TEXT, text);
	vml_free(text);
	json = render_where(k, 0xffffffff80200010ull, VML_FORMAT_JSON);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"aliases_total\": 1, \"aliases\":"
				      " [{\"va\": 18446744071566262288, "
				      "\"kind\": \"kernel-text\"}]}"));
	vml_free(json);
	vml_kernel_free(k);

	/* Every PDE of that PD on the PT: 512 addresses, 64 listed. */
	for (unsigned i = 0; i < 512; i++)
		set(&m, 3, i, 0x4000 | P | RW);
	vml_source_invalidate(m.src);
	VML_ASSERT_OK(vml_kernel_from_pagetables(m.src, pg(&m, &c), NULL, 0, &k));
	text = render_phys(k, 0x9000, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "is mapped at 512 virtual"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  ... and 448 more\n"));
	vml_free(text);
	json = render_phys(k, 0x9000, VML_FORMAT_JSON);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"total\": 512,"));
	vml_free(json);
	vml_kernel_free(k);
	mem_free(&m);
}

/* vml_paging_from_registers as a debugger calls it, with the answers
 * worked out from the SDM: CR3 bits 51:12 are the root (11:0 PCID or
 * PWT/PCD), CR4.LA57 (bit 12) gives 5 levels and 57-bit addresses,
 * EFER.NXE (bit 11) turns bit 63 into NX. */
static void test_paging_from_registers(void)
{
	const char *const *names = vml_arch_paging_registers(VML_ARCH_X86_64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	CU_ASSERT_STRING_EQUAL(names[0], "cr3");
	CU_ASSERT_STRING_EQUAL(names[1], "cr4");
	CU_ASSERT_STRING_EQUAL(names[2], "efer");
	CU_ASSERT_PTR_NULL(names[3]);
	CU_ASSERT_PTR_NULL(vml_arch_paging_registers(VML_ARCH_UNKNOWN));
	CU_ASSERT_EQUAL(vml_arch_from_name("i386:x86-64"), VML_ARCH_X86_64);
	CU_ASSERT_EQUAL(vml_arch_from_name("x86-64"), VML_ARCH_X86_64);
	CU_ASSERT_EQUAL(vml_arch_from_name("riscv:rv64"), VML_ARCH_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(vml_arch_name(VML_ARCH_X86_64), "x86-64");

	struct vml_named_value r[4] = {
		{ "efer", 0xd01 },                       /* NXE LMA LME SCE */
		{ "cr3", 0x2692000 | 0x5 },              /* PCID 5 */
		{ "cr4", 0x3506f0 },                     /* no LA57 */
	};
	struct vml_paging *p = NULL;
	VML_ASSERT_OK(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 0, &p));
	CU_ASSERT_EQUAL(vml_paging_arch(p), VML_ARCH_X86_64);
	CU_ASSERT_EQUAL(vml_paging_levels(p), 4);
	CU_ASSERT_EQUAL(vml_paging_va_bits(p), 48);
	CU_ASSERT_TRUE(vml_paging_nx(p));
	CU_ASSERT_EQUAL(vml_paging_root_count(p), 1);
	CU_ASSERT_EQUAL(vml_paging_root(p, 0), 0x2692000);
	CU_ASSERT_EQUAL(vml_paging_root(p, 1), 0);
	CU_ASSERT_STRING_EQUAL(vml_paging_description(p),
			       "CR3 0x2692000, 4-level paging, NX enabled");
	vml_paging_free(p);

	r[0].value = 0x500;                              /* NXE clear */
	r[2].value = 0x3506f0 | 1u << 12;                /* LA57 */
	VML_ASSERT_OK(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 40, &p));
	CU_ASSERT_EQUAL(vml_paging_levels(p), 5);
	CU_ASSERT_EQUAL(vml_paging_va_bits(p), 57);
	CU_ASSERT_FALSE(vml_paging_nx(p));
	CU_ASSERT_STRING_EQUAL(vml_paging_description(p),
			       "CR3 0x2692000, 5-level paging, NX disabled"
			       " (EFER.NXE clear)");
	vml_paging_free(p);

	/* A root with address bits at or above MAXPHYADDR: no CPU of that
	 * width could load it, and masking them would walk another page. */
	r[1].value = 0x10000000;                          /* bit 28 */
	VML_ASSERT_OK(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 29, &p));
	vml_paging_free(p);
	p = NULL;
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 28, &p),
		       VML_ERROR_INVALID);
	r[1].value = 1ull << 51;
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 40, &p),
		       VML_ERROR_INVALID);
	/* Bits 63:52 are no address bits of CR3. */
	r[1].value = 1ull << 62 | 0x1000;
	VML_ASSERT_OK(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 36, &p));
	CU_ASSERT_EQUAL(vml_paging_root(p, 0), 0x1000);
	vml_paging_free(p);
	p = NULL;

	/* Widths outside 12..52, missing, unknown and repeated registers. */
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 53, &p),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 3, 11, &p),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 2, 0, &p),
		       VML_ERROR_INVALID);
	r[3] = (struct vml_named_value){ "cr0", 0x80050033 };
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 4, 0, &p),
		       VML_ERROR_INVALID);
	r[3] = (struct vml_named_value){ "cr3", 0x1000 };
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_X86_64, r, 4, 0, &p),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_UNKNOWN, r, 3, 0, &p),
		       VML_ERROR_UNSUPPORTED);
	CU_ASSERT_PTR_NULL(p);
}

/* A root that reads (all zeros, as QEMU reads memory beyond RAM) but maps
 * nothing, and one that does not read: both are errors for a kernel, never
 * an empty layout whose W+X check says "0 W+X ranges". */
static void test_kernel_from_empty_or_unreadable_root(void)
{
	struct mem m;
	mem_init(&m);
	struct regs c = cfg4();
	c.cr3 = 0x5000;                       /* a zero page of the buffer */
	struct vml_kernel *k = NULL;
	struct vml_error *err = vml_kernel_from_pagetables(m.src, pg(&m, &c),
							   NULL, 0, &k);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err),
				      "the page tables at CR3 0x5000 map"
				      " nothing"));
	vml_error_free(err);
	/* The walker itself answers "nothing mapped": only the kernel, which
	 * always maps something, refuses it. */
	struct vml_pt_walk *w = walk_ok(&m, &c);
	CU_ASSERT_EQUAL(vml_pt_walk_count(w), 0);
	vml_pt_walk_free(w);
	c.cr3 = 0xdead000;                    /* outside the buffer */
	err = vml_kernel_from_pagetables(m.src, pg(&m, &c), NULL, 0, &k);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), "0xdead000"));
	vml_error_free(err);
	CU_ASSERT_PTR_NULL(k);
	mem_free(&m);
}

/* One kernel command through vml_kernel_answer, as a debugger makes it:
 * its text, or NULL with *err_ret set. */
static char *answer(struct mem *m, const struct regs *c, uint32_t query,
		    uint64_t addr, struct vml_error **err_ret)
{
	struct vml_kernel_request req = {
		.query = query, .format = VML_FORMAT_TEXT, .addr = addr,
	};
	char *text = NULL;
	*err_ret = vml_kernel_answer(m->src, pg(m, c), NULL, 0, &req,
				     sizeof(req), &text);
	return text;
}

/* A W+X check that walked nothing says so (an error naming what could not
 * be walked), and one that walked only part of the tables says which part
 * is unknown: "0 W+X ranges" alone would be a false all-clear. */
static void test_wx_of_a_walk_that_failed(void)
{
	struct mem m;
	mem_init(&m);
	struct regs c = cfg4();
	set(&m, 1, 0, 0x7654000 | TBL);           /* far outside the buffer */
	struct vml_error *err = NULL;
	char *text = answer(&m, &c, VML_KQUERY_WX, 0, &err);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	const char *msg = vml_error_message(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "map nothing: 1 present entry but"
				      " no page reached (1 unreadable table,"
				      " 0 entries with reserved bits)"));
	CU_ASSERT_PTR_NULL(strstr(msg, "W+X"));
	vml_error_free(err);
	vml_free(text);

	/* The same unreadable table beside a W+X 2 MiB page. */
	set(&m, 1, 1, 0x2000 | TBL);
	set(&m, 2, 0, 0x3000 | TBL);
	set(&m, 3, 0, 0x200000 | P | RW | PS);
	vml_source_invalidate(m.src);         /* the tables changed */
	text = answer(&m, &c, VML_KQUERY_WX, 0, &err);
	VML_ASSERT_OK(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n1 W+X range\nincomplete: 1 page"
				      " table could not be read; W+X mappings"
				      " under it are unknown\n"));
	vml_free(text);
	/* Without the unreadable table the count stands alone. */
	set(&m, 1, 0, 0);
	vml_source_invalidate(m.src);
	text = answer(&m, &c, VML_KQUERY_WX, 0, &err);
	VML_ASSERT_OK(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n1 W+X range\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "incomplete"));
	vml_free(text);
	mem_free(&m);
}

/* whereis --phys of an address no CPU of the paging's width has. */
static void test_phys_beyond_maxphyaddr(void)
{
	struct mem m;
	mem_init(&m);
	set(&m, 1, 1, 0x2000 | TBL);
	set(&m, 2, 0, 0x3000 | TBL);
	set(&m, 3, 0, 0x200000 | P | RW | PS);
	struct regs c = cfg4();
	struct vml_error *err = NULL;
	char *text = answer(&m, &c, VML_KQUERY_PHYS, UINT64_MAX, &err);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err),
				      "physical address 0xffffffffffffffff is"
				      " beyond MAXPHYADDR 52"));
	vml_error_free(err);
	c.maxphyaddr = 36;
	text = answer(&m, &c, VML_KQUERY_PHYS, 1ull << 36, &err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err),
				      "MAXPHYADDR 36 (the last physical address"
				      " is 0xfffffffff)"));
	vml_error_free(err);
	/* The last address of the width is fine (mapped nowhere here). */
	text = answer(&m, &c, VML_KQUERY_PHYS, (1ull << 36) - 1, &err);
	VML_ASSERT_OK(err);
	CU_ASSERT_PTR_NOT_NULL(text);
	vml_free(text);
	/* The same rule in vml_kernel_find_phys. */
	struct vml_kernel *k = NULL;
	VML_ASSERT_OK(vml_kernel_from_pagetables(m.src, pg(&m, &c), NULL, 0, &k));
	size_t n = 0;
	VML_ASSERT_ERR(vml_kernel_find_phys(k, 1ull << 40, 0, NULL, 0, &n, NULL),
		       VML_ERROR_INVALID);
	vml_kernel_free(k);
	mem_free(&m);
}

static CU_TestInfo tests[] = {
	{ "4 KiB, 2 MiB and 1 GiB leaves", test_leaf_sizes },
	{ "5-level paging", test_five_levels },
	{ "coalescing breaks", test_coalescing },
	{ "coalescing stops at a page-size change", test_coalescing_page_size },
	{ "effective flags down the levels", test_effective_flags },
	{ "PAT bit position", test_pat_position },
	{ "protection keys", test_pkey },
	{ "shared table read once", test_shared_table_read_once },
	{ "self-referencing PML4", test_self_reference },
	{ "unreadable table", test_unreadable_table },
	{ "reserved bits", test_reserved_bits },
	{ "canonical upper half", test_upper_half },
	{ "translate", test_translate },
	{ "walk and translate agree", test_walk_and_translate_agree },
	{ "find phys: shared tables", test_find_phys_shared_tables },
	{ "find phys: recursive entry", test_find_phys_recursive },
	{ "find phys: 2^36 paths counted", test_find_phys_astronomical },
	{ "find phys: PML4 of itself", test_find_phys_recursive_everywhere },
	{ "find phys: 5 levels", test_find_phys_five_levels },
	{ "find phys: holes, reserved, errors", test_find_phys_problems },
	{ "whereis --phys follows aliases", test_render_phys_follows_aliases },
	{ "paging from registers", test_paging_from_registers },
	{ "kernel from an empty or unreadable root",
	  test_kernel_from_empty_or_unreadable_root },
	{ "W+X of a walk that failed", test_wx_of_a_walk_that_failed },
	{ "whereis --phys beyond MAXPHYADDR", test_phys_beyond_maxphyaddr },
	CU_TEST_INFO_NULL,
};

int vml_suite_pt_x86_64(void)
{
	return vml_add_suite("pt_x86_64", tests);
}

/*
 * pt_aarch64_test.c — the walker on hand-built AArch64 (VMSAv8-64) tables.
 *
 * Physical memory is a 4 MiB buffer at physical 0; tables live in it, the
 * pages they map need not (the walk never reads them). Descriptor and
 * register bits are spelled here from the Arm ARM's tables, independently
 * of arch_aarch64.c, and every expected range, flag set and translation
 * below is worked out by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "helpers.h"
#include "suites.h"

#define MEM_SIZE (4u << 20)

/* Descriptor bits (Arm ARM D8.3). */
#define V 0x1ull                  /* valid */
#define T 0x2ull                  /* table (levels 0-2) or page (level 3) */
#define IDX(i) ((uint64_t)(i) << 2)
#define AP(a) ((uint64_t)(a) << 6) /* AP[2:1] */
#define SH(s) ((uint64_t)(s) << 8)
#define AF (1ull << 10)
#define NG (1ull << 11)
#define DBM (1ull << 51)
#define CONT (1ull << 52)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define PXNT (1ull << 59)
#define UXNT (1ull << 60)
#define APT(a) ((uint64_t)(a) << 61) /* APTable[1:0] */

/* TCR_EL1 (Arm ARM D17.2): TG0 4K=0 64K=1 16K=2; TG1 16K=1 4K=2 64K=3. */
#define TG0_4K 0
#define TG0_64K 1
#define TG0_16K 2
#define TG1_16K 1
#define TG1_4K 2
#define TG1_64K 3
#define IPS_40 2
#define IPS_48 5
#define IPS_52 6
#define EPD0 (1ull << 7)
#define HD (1ull << 40)
#define HPD0 (1ull << 41)
#define HPD1 (1ull << 42)
#define DS (1ull << 59)

static uint64_t tcr(unsigned t0sz, unsigned tg0, unsigned t1sz, unsigned tg1,
		    unsigned ips, uint64_t extra)
{
	return (uint64_t)t0sz | (uint64_t)tg0 << 14 | (uint64_t)t1sz << 16 |
	       (uint64_t)tg1 << 30 | (uint64_t)ips << 32 | extra;
}

/* MAIR_EL1: attribute i in byte i. 0 Normal WB, 1 Device-nGnRE, 2 Normal
 * NC, 3 Device-nGnRnE, 4 Normal WT, 5 Tagged, 6 outer NC/inner WB, 7 a
 * Device encoding with its low bits set (reserved). */
#define MAIR 0x014ff0bb004404ffull
#define SCTLR_M 0x1ull
#define SCTLR_WXN (1ull << 19)

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Decoded flags as the public header defines them. */
#define F_P VML_PT_PRESENT
#define F_W VML_PT_WRITE
#define F_U VML_PT_USER
#define F_PXN VML_PT_NX
#define F_UXN VML_PT_UXN
#define F_G VML_PT_GLOBAL
#define F_BLK VML_PT_PS
#define F_CONT VML_PT_CONT
#define F_DBM VML_PT_DBM
#define F_SH(s) ((uint32_t)(s) << VML_PT_SH_SHIFT)
#define F_MT(t) ((uint32_t)(t) << VML_PT_MEMTYPE_SHIFT)
#define WB F_MT(VML_PT_MEM_NORMAL_WB)

struct mem {
	uint8_t *bytes;
	struct vml_source *src;
	struct vml_paging *paging[8];
	size_t npaging;
};

static void mem_init(struct mem *m)
{
	memset(m, 0, sizeof(*m));
	m->bytes = calloc(1, MEM_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->bytes);
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_PHYSICAL, 0, m->bytes,
					     MEM_SIZE, &m->src));
}

static void mem_free(struct mem *m)
{
	for (size_t i = 0; i < m->npaging; i++)
		vml_paging_free(m->paging[i]);
	vml_source_free(m->src);
	free(m->bytes);
}

/* Entry index of the table at physical address table (little-endian). */
static void set(struct mem *m, uint64_t table, unsigned index, uint64_t value)
{
	uint8_t *p = m->bytes + table + index * 8ull;
	CU_ASSERT_FATAL(table + index * 8ull + 8 <= MEM_SIZE);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static struct vml_error *make(uint64_t ttbr0, uint64_t ttbr1, uint64_t t,
			      uint64_t sctlr, uint32_t maxphyaddr,
			      struct vml_paging **ret)
{
	/* Spelled as GDB shows them under qemu-system-aarch64. */
	/* ID_AA64MMFR0_EL1.PARange 6: 52 bits, TCR_EL1.IPS decides. */
	struct vml_named_value regs[] = {
		{ "TTBR0_EL1", ttbr0 }, { "TTBR1_EL1", ttbr1 },
		{ "TCR_EL1", t }, { "MAIR_EL1", MAIR }, { "SCTLR", sctlr },
		{ "ID_AA64MMFR0_EL1", 6 },
	};
	return vml_paging_from_registers(VML_ARCH_AARCH64, regs, 6,
					 maxphyaddr, ret);
}

static struct vml_paging *pg(struct mem *m, uint64_t ttbr0, uint64_t ttbr1,
			     uint64_t t, uint64_t sctlr)
{
	struct vml_paging *p = NULL;
	VML_ASSERT_OK(make(ttbr0, ttbr1, t, sctlr, 0, &p));
	CU_ASSERT_FATAL(m->npaging < 8);
	m->paging[m->npaging++] = p;
	return p;
}

static struct vml_pt_walk *walk_ok(struct mem *m, struct vml_paging *p)
{
	struct vml_pt_walk *w = NULL;
	VML_ASSERT_OK(vml_pt_walk(m->src, p, &w));
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
	    r->page_size != page_size || r->flags != flags ||
	    r->level != level || r->status != status)
		fprintf(stderr, "\nrange %zu: %#llx-%#llx phys %#llx size %#llx"
			" flags %#x level %u status %u\n", i,
			(unsigned long long)r->start,
			(unsigned long long)r->last, (unsigned long long)r->phys,
			(unsigned long long)r->page_size, r->flags, r->level,
			r->status);
}

/* ------------------------------------------------------------ 4K, 48-bit */

/*
 * TTBR0 root (L0) at 0x1000, TTBR1 root at 0x2000; tables at 0x3000..
 * Leaves map pages outside the buffer.
 */
static void build_4k(struct mem *m)
{
	/* TTBR0: L0[0] -> L1 0x3000 */
	set(m, 0x1000, 0, 0x3000 | V | T);
	/* L1[0]: 1 GiB block, EL0 rw (AP=01), UXN: EL0-writable => PXN. */
	set(m, 0x3000, 0, 0x40000000 | V | AF | AP(1) | SH(3) | IDX(0) | UXN);
	/* L1[1] -> L2 0x4000 */
	set(m, 0x3000, 1, 0x4000 | V | T);
	/* L2[0]: 2 MiB block, EL0 ro (AP=11), nG, Normal NC, executable. */
	set(m, 0x4000, 0, 0x200000 | V | AF | NG | AP(3) | SH(0) | IDX(2));
	/* L2[1] -> L3 0x5000 */
	set(m, 0x4000, 1, 0x5000 | V | T);
	/* L3[0], [1]: EL1 rw pages, Device-nGnRE, UXN: one run. */
	set(m, 0x5000, 0, 0x107000 | V | T | AF | AP(0) | IDX(1) | UXN);
	set(m, 0x5000, 1, 0x108000 | V | T | AF | AP(0) | IDX(1) | UXN);
	/* L3[2]: the same with the contiguous hint: a run of its own. */
	set(m, 0x5000, 2, 0x109000 | V | T | AF | AP(0) | IDX(1) | UXN | CONT);
	/* L3[3]: valid without bit 1 at level 3: reserved, the CPU faults. */
	set(m, 0x5000, 3, 0x10a000 | V);
	/* L3[4] with AF clear and L3[5] with AF set: AF is not compared. */
	set(m, 0x5000, 4, 0x10b000 | V | T | AP(2) | SH(3) | IDX(0));
	set(m, 0x5000, 5, 0x10c000 | V | T | AF | AP(2) | SH(3) | IDX(0));
	/* L2[2] -> L3 0x6000 through APTable=01 (no EL0) and UXNTable. */
	set(m, 0x4000, 2, 0x6000 | V | T | APT(1) | UXNT);
	set(m, 0x6000, 0, 0x10d000 | V | T | AF | AP(1) | SH(3) | IDX(0));
	/* L2[3] -> the same L3 table, plain: an alias. */
	set(m, 0x4000, 3, 0x6000 | V | T);
	/* L2[4] -> L3 0x7000 through APTable=10 (read-only) and PXNTable. */
	set(m, 0x4000, 4, 0x7000 | V | T | APT(2) | PXNT);
	set(m, 0x7000, 0, 0x10e000 | V | T | AF | AP(1) | SH(3) | IDX(0));
	/* L2[5]: read-only block with DBM (no hardware dirty here). */
	set(m, 0x4000, 5, 0x400000 | V | AF | AP(3) | SH(3) | IDX(0) | DBM);

	/* TTBR1: L0[0] is a block: not allowed at L0 with 4K pages. */
	set(m, 0x2000, 0, 0x40000000 | V);
	/* L0[511] -> L1 0x8000 */
	set(m, 0x2000, 511, 0x8000 | V | T);
	/* L1[0] -> L2 0x9000 through PXNTable */
	set(m, 0x8000, 0, 0x9000 | V | T | PXNT);
	set(m, 0x9000, 0, 0x1000000 | V | AF | AP(2) | SH(3) | IDX(0));
	/* L1[511]: 1 GiB Device-nGnRnE block, the last GiB. */
	set(m, 0x8000, 511, 0x80000000 | V | AF | AP(0) | SH(2) | IDX(3) | PXN |
	    UXN);
}

#define TCR_4K_48 tcr(16, TG0_4K, 16, TG1_4K, IPS_48, 0)

static void test_4k_walk(void)
{
	struct mem m;
	mem_init(&m);
	build_4k(&m);
	struct vml_paging *p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M);
	CU_ASSERT_EQUAL(vml_paging_levels(p), 4);
	CU_ASSERT_EQUAL(vml_paging_va_bits(p), 48);
	CU_ASSERT_EQUAL(vml_paging_root_count(p), 2);
	CU_ASSERT_EQUAL(vml_paging_root(p, 0), 0x1000);
	CU_ASSERT_EQUAL(vml_paging_root(p, 1), 0x2000);
	CU_ASSERT_TRUE(vml_paging_nx(p));
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_paging_description(p),
				      "TTBR0_EL1 0x1000, TTBR1_EL1 0x2000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_paging_description(p),
				      "4K granule, 48-bit VAs, 4 levels from L0"));
	struct vml_pt_walk *w = walk_ok(&m, p);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 13);
	size_t i = 0;
	check_range(w, i++, 0, GiB - 1, 0x40000000, GiB,
		    F_P | F_U | F_W | F_PXN | F_UXN | F_G | F_BLK | F_SH(3) | WB,
		    3, VML_PT_MAPPED);
	check_range(w, i++, GiB, GiB + 2 * MiB - 1, 0x200000, 2 * MiB,
		    F_P | F_U | F_BLK | F_SH(0) | F_MT(VML_PT_MEM_NORMAL_NC), 2,
		    VML_PT_MAPPED);
	uint32_t dev = F_P | F_W | F_UXN | F_G | F_MT(VML_PT_MEM_DEVICE_nGnRE);
	check_range(w, i++, GiB + 2 * MiB, GiB + 2 * MiB + 8 * KiB - 1,
		    0x107000, 4 * KiB, dev, 1, VML_PT_MAPPED);
	check_range(w, i++, GiB + 2 * MiB + 8 * KiB, GiB + 2 * MiB + 12 * KiB - 1,
		    0x109000, 4 * KiB, dev | F_CONT, 1, VML_PT_MAPPED);
	/* Reserved: the entry's own permissions under the tables above. */
	check_range(w, i++, GiB + 2 * MiB + 12 * KiB, GiB + 2 * MiB + 16 * KiB - 1,
		    0x10a000, 0, F_P | F_W, 1, VML_PT_RESERVED);
	check_range(w, i++, GiB + 2 * MiB + 16 * KiB, GiB + 2 * MiB + 24 * KiB - 1,
		    0x10b000, 4 * KiB, F_P | F_G | F_SH(3) | WB, 1, VML_PT_MAPPED);
	/* APTable=01 takes EL0 away: no longer EL0-writable, so no implicit
	 * PXN; UXNTable adds UXN. */
	check_range(w, i++, GiB + 4 * MiB, GiB + 4 * MiB + 4 * KiB - 1,
		    0x10d000, 4 * KiB, F_P | F_W | F_UXN | F_G | F_SH(3) | WB, 1,
		    VML_PT_MAPPED);
	check_range(w, i++, GiB + 6 * MiB, GiB + 8 * MiB - 1, 0x6000, 0,
		    F_P | F_U | F_W, 2, VML_PT_ALIAS);
	/* APTable=10 takes write away (EL0 r-x), PXNTable adds PXN. */
	check_range(w, i++, GiB + 8 * MiB, GiB + 8 * MiB + 4 * KiB - 1,
		    0x10e000, 4 * KiB, F_P | F_U | F_PXN | F_G | F_SH(3) | WB, 1,
		    VML_PT_MAPPED);
	check_range(w, i++, GiB + 10 * MiB, GiB + 12 * MiB - 1, 0x400000,
		    2 * MiB, F_P | F_U | F_DBM | F_G | F_BLK | F_SH(3) | WB, 2,
		    VML_PT_MAPPED);
	/* TTBR1 starts at 2^64 - 2^48. */
	check_range(w, i++, 0xffff000000000000ull, 0xffff007fffffffffull, 0, 0,
		    F_P | F_W, 4, VML_PT_RESERVED);
	check_range(w, i++, 0xffffff8000000000ull, 0xffffff80001fffffull,
		    0x1000000, 2 * MiB, F_P | F_PXN | F_G | F_BLK | F_SH(3) | WB,
		    2, VML_PT_MAPPED);
	check_range(w, i++, 0xffffffffc0000000ull, UINT64_MAX, 0x80000000, GiB,
		    F_P | F_W | F_PXN | F_UXN | F_G | F_BLK | F_SH(2) |
		    F_MT(VML_PT_MEM_DEVICE_nGnRnE), 3, VML_PT_MAPPED);
	struct vml_pt_walk_stats st;
	VML_ASSERT_OK(vml_pt_walk_get_stats(w, &st, sizeof(st)));
	/* Roots 0x1000, 0x2000; 0x3000 0x4000 0x5000 0x6000 0x7000 0x8000
	 * 0x9000: each read once (0x6000's second reference is an alias). */
	CU_ASSERT_EQUAL(st.table_pages, 9);
	CU_ASSERT_EQUAL(st.problems, 3);
	vml_pt_walk_free(w);
	mem_free(&m);
}

static void test_4k_translate(void)
{
	struct mem m;
	mem_init(&m);
	build_4k(&m);
	struct vml_paging *p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M);
	struct vml_pt_translation t;
	VML_ASSERT_OK(vml_pt_translate(m.src, p, GiB + 2 * MiB + 20 * KiB + 0x123,
				       &t, sizeof(t)));
	CU_ASSERT_TRUE(t.mapped);
	CU_ASSERT_EQUAL(t.phys, 0x10c123);
	CU_ASSERT_EQUAL(t.page_size, 4 * KiB);
	CU_ASSERT_EQUAL(t.nsteps, 4);
	CU_ASSERT_EQUAL(t.steps[0].level, 4);
	CU_ASSERT_EQUAL(t.steps[0].table, 0x1000);
	CU_ASSERT_EQUAL(t.steps[1].index, 1);
	CU_ASSERT_EQUAL(t.steps[2].entry_addr, 0x4000 + 8);
	CU_ASSERT_EQUAL(t.steps[3].index, 5);
	CU_ASSERT_EQUAL(t.flags, F_P | F_G | F_SH(3) | WB);
	/* The kernel half: TTBR1's L0 index 511. */
	VML_ASSERT_OK(vml_pt_translate(m.src, p, 0xffffff8000012345ull, &t,
				       sizeof(t)));
	CU_ASSERT_TRUE(t.mapped);
	CU_ASSERT_EQUAL(t.phys, 0x1012345);
	CU_ASSERT_EQUAL(t.steps[0].table, 0x2000);
	CU_ASSERT_EQUAL(t.steps[0].index, 511);
	CU_ASSERT_EQUAL(t.stop_level, 2);
	/* Reserved and not present. */
	VML_ASSERT_OK(vml_pt_translate(m.src, p, GiB + 2 * MiB + 12 * KiB, &t,
				       sizeof(t)));
	CU_ASSERT_FALSE(t.mapped);
	CU_ASSERT_EQUAL(t.status, VML_PT_RESERVED);
	CU_ASSERT_EQUAL(t.stop_level, 1);
	VML_ASSERT_OK(vml_pt_translate(m.src, p, 3 * GiB, &t, sizeof(t)));
	CU_ASSERT_FALSE(t.mapped);
	CU_ASSERT_EQUAL(t.status, VML_PT_MAPPED);
	CU_ASSERT_EQUAL(t.stop_level, 3);
	/* Between the halves: no root translates it. */
	VML_ASSERT_ERR(vml_pt_translate(m.src, p, 0x0001000000000000ull, &t,
					sizeof(t)), VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_pt_translate(m.src, p, 0xfffeffffffffffffull, &t,
					sizeof(t)), VML_ERROR_INVALID);
	mem_free(&m);
}

/* Paths through the shared L3 table give two virtual addresses with their
 * own effective permissions. */
static void test_4k_find_phys(void)
{
	struct mem m;
	mem_init(&m);
	build_4k(&m);
	struct vml_paging *p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M);
	struct vml_pt_phys_hit hits[4];
	size_t n = 0;
	uint64_t total = 0;
	VML_ASSERT_OK(vml_pt_find_phys(m.src, p, 0x10d010, 4, hits,
				       sizeof(hits[0]), &n, &total));
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(total, 2);
	CU_ASSERT_EQUAL(hits[0].va, GiB + 4 * MiB + 0x10);
	CU_ASSERT_EQUAL(hits[0].flags, F_P | F_W | F_UXN | F_G | F_SH(3) | WB);
	/* Without APTable: EL0 rw, hence PXN. */
	CU_ASSERT_EQUAL(hits[1].va, GiB + 6 * MiB + 0x10);
	CU_ASSERT_EQUAL(hits[1].flags,
			F_P | F_U | F_W | F_PXN | F_G | F_SH(3) | WB);
	VML_ASSERT_OK(vml_pt_find_phys(m.src, p, 0x80001234, 4, hits,
				       sizeof(hits[0]), &n, &total));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(hits[0].va, 0xffffffffc0001234ull);
	mem_free(&m);
}

/* A short root and a full table at the same address and level are two
 * subtrees: TTBR0's root (4K, 27-bit: 64 entries at level 2) is also the
 * level-2 table under TTBR1's first entry, where all 512 entries count.
 * Entry 0 maps the 2 MiB block at 0x200000, and so does entry 100, which
 * only the full table reaches: three virtual addresses in all. */
static void test_find_phys_short_root(void)
{
	struct mem m;
	mem_init(&m);
	uint64_t block = 0x200000 | V | AF | SH(3) | IDX(0);
	set(&m, 0x1000, 0, block);
	set(&m, 0x1000, 100, block);
	set(&m, 0x2000, 0, 0x1000 | V | T);
	struct vml_paging *p = pg(&m, 0x1000, 0x2000,
				  tcr(37, TG0_4K, 25, TG1_4K, IPS_48, 0),
				  SCTLR_M);
	struct vml_pt_phys_hit hits[4];
	size_t n = 0;
	uint64_t total = 0;
	VML_ASSERT_OK(vml_pt_find_phys(m.src, p, 0x200010, 4, hits,
				       sizeof(hits[0]), &n, &total));
	CU_ASSERT_EQUAL(total, 3);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(hits[0].va, 0x10);
	CU_ASSERT_EQUAL(hits[1].va, 0xffffff8000000010ull);
	CU_ASSERT_EQUAL(hits[2].va, 0xffffff8000000010ull + 100 * 2 * MiB);
	/* The walk reads each table once: TTBR0's block, then TTBR1's
	 * entry to the same table is an alias, not a second walk. */
	struct vml_pt_walk *w;
	VML_ASSERT_OK(vml_pt_walk(m.src, p, &w));
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 2);
	const struct vml_pt_range *r0 = vml_pt_walk_range(w, 0);
	const struct vml_pt_range *r1 = vml_pt_walk_range(w, 1);
	CU_ASSERT_EQUAL(r0->status, VML_PT_MAPPED);
	CU_ASSERT_EQUAL(r0->start, 0);
	CU_ASSERT_EQUAL(r0->last, 2 * MiB - 1);
	CU_ASSERT_EQUAL(r1->status, VML_PT_ALIAS);
	CU_ASSERT_EQUAL(r1->start, 0xffffff8000000000ull);
	vml_pt_walk_free(w);
	mem_free(&m);
}

/* ------------------------------------------------------------ registers */

static void test_registers(void)
{
	struct mem m;
	mem_init(&m);
	build_4k(&m);
	struct vml_paging *p = NULL;
	const char *const *names = vml_arch_paging_registers(VML_ARCH_AARCH64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	CU_ASSERT_STRING_EQUAL(names[0], "TTBR0_EL1");
	CU_ASSERT_STRING_EQUAL(names[4], "SCTLR");
	CU_ASSERT_STRING_EQUAL(names[5], "ID_AA64MMFR0_EL1");
	CU_ASSERT_PTR_NULL(names[6]);
	CU_ASSERT_EQUAL(vml_arch_from_name("aarch64"), VML_ARCH_AARCH64);
	CU_ASSERT_STRING_EQUAL(vml_arch_name(VML_ARCH_AARCH64), "aarch64");
	/* The MMU off: addresses are physical, nothing to walk. */
	VML_ASSERT_ERR(make(0x1000, 0x2000, TCR_4K_48, 0, 0, &p),
		       VML_ERROR_UNSUPPORTED);
	/* Both walks disabled. */
	VML_ASSERT_ERR(make(0x1000, 0x2000, TCR_4K_48 | EPD0 | (1ull << 23),
			    SCTLR_M, 0, &p), VML_ERROR_UNSUPPORTED);
	/* Different granules for the two halves. */
	VML_ASSERT_ERR(make(0x1000, 0x2000, tcr(16, TG0_16K, 16, TG1_4K,
						 IPS_48, 0), SCTLR_M, 0, &p),
		       VML_ERROR_UNSUPPORTED);
	/* A reserved TG1 encoding (0). */
	VML_ASSERT_ERR(make(0x1000, 0x2000, tcr(16, TG0_4K, 16, 0, IPS_48, 0),
			    SCTLR_M, 0, &p), VML_ERROR_INVALID);
	/* 52-bit VAs with 4K pages need DS. */
	VML_ASSERT_ERR(make(0x1000, 0x2000, tcr(12, TG0_4K, 12, TG1_4K,
						 IPS_48, 0), SCTLR_M, 0, &p),
		       VML_ERROR_UNSUPPORTED);
	/* A root not aligned to its table. */
	VML_ASSERT_ERR(make(0x1008, 0x2000, TCR_4K_48, SCTLR_M, 0, &p),
		       VML_ERROR_INVALID);
	/* A root beyond the 40-bit PA size TCR_EL1.IPS gives. */
	VML_ASSERT_ERR(make(1ull << 40, 0x2000, tcr(16, TG0_4K, 16, TG1_4K,
						     IPS_40, 0), SCTLR_M, 0, &p),
		       VML_ERROR_INVALID);
	/* SCTLR_EL1 by its architectural name; PARange 40 bits caps IPS
	 * 48: a root at 2^40 cannot be. */
	struct vml_named_value arch_names[] = {
		{ "TTBR0_EL1", 1ull << 40 }, { "TTBR1_EL1", 0x2000 },
		{ "TCR_EL1", TCR_4K_48 }, { "MAIR_EL1", MAIR },
		{ "SCTLR_EL1", SCTLR_M }, { "ID_AA64MMFR0_EL1", 2 },
	};
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_AARCH64, arch_names,
						 6, 0, &p), VML_ERROR_INVALID);
	arch_names[0].value = 0x1000;
	VML_ASSERT_OK(vml_paging_from_registers(VML_ARCH_AARCH64, arch_names,
						6, 0, &p));
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_paging_description(p), "40-bit PAs"));
	vml_paging_free(p);
	/* A missing register, an unknown one. */
	struct vml_named_value few[] = { { "TTBR0_EL1", 0x1000 } };
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_AARCH64, few, 1, 0,
						 &p), VML_ERROR_INVALID);
	struct vml_named_value odd[] = { { "cr3", 0x1000 } };
	VML_ASSERT_ERR(vml_paging_from_registers(VML_ARCH_AARCH64, odd, 1, 0,
						 &p), VML_ERROR_INVALID);
	/* ASID (63:48) and CnP (bit 0) are not address bits. */
	p = pg(&m, (7ull << 48) | 0x1000 | 1, 0x2000, TCR_4K_48, SCTLR_M);
	CU_ASSERT_EQUAL(vml_paging_root(p, 0), 0x1000);
	/* EPD0: only TTBR1 is walked. */
	p = pg(&m, 0x1000, 0x2000, TCR_4K_48 | EPD0, SCTLR_M);
	CU_ASSERT_EQUAL(vml_paging_root_count(p), 1);
	CU_ASSERT_EQUAL(vml_paging_root(p, 0), 0x2000);
	struct vml_pt_walk *w = walk_ok(&m, p);
	CU_ASSERT_EQUAL(vml_pt_walk_count(w), 3);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 0)->start, 0xffff000000000000ull);
	vml_pt_walk_free(w);
	mem_free(&m);
}

/* ------------------------------------------------------------ rules */

static uint32_t leaf_flags_of(struct mem *m, struct vml_paging *p, uint64_t va)
{
	struct vml_pt_translation t;
	VML_ASSERT_OK(vml_pt_translate(m->src, p, va, &t, sizeof(t)));
	CU_ASSERT_TRUE(t.mapped);
	return t.flags;
}

static void test_register_rules(void)
{
	struct mem m;
	mem_init(&m);
	/* One L0 -> L1 -> L2 -> L3 chain in TTBR0; L3 pages 0..7 use
	 * AttrIndx 0..7. */
	set(&m, 0x1000, 0, 0x3000 | V | T);
	set(&m, 0x3000, 0, 0x4000 | V | T | APT(3) | PXNT | UXNT);
	set(&m, 0x4000, 0, 0x5000 | V | T);
	for (unsigned i = 0; i < 8; i++)
		set(&m, 0x5000, i, (0x100000 + i * 0x1000) | V | T | AF |
		    AP(0) | SH(3) | IDX(i));
	/* L1[1] -> L2 0x6000, no limits: [0] EL1 ro + DBM; [1] EL0 ro +
	 * DBM (both executable); [2] EL1 rw, executable everywhere. */
	set(&m, 0x3000, 1, 0x6000 | V | T);
	set(&m, 0x6000, 0, 0x200000 | V | AF | AP(2) | DBM);
	set(&m, 0x6000, 1, 0x400000 | V | AF | AP(3) | DBM);
	set(&m, 0x6000, 2, 0x600000 | V | AF | AP(0));
	set(&m, 0x2000, 0, 0x8000 | V | T);  /* TTBR1: nothing below */

	struct vml_paging *p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M);
	static const uint32_t types[8] = {
		VML_PT_MEM_NORMAL_WB, VML_PT_MEM_DEVICE_nGnRE,
		VML_PT_MEM_NORMAL_NC, VML_PT_MEM_DEVICE_nGnRnE,
		VML_PT_MEM_NORMAL_WT, VML_PT_MEM_NORMAL_TAGGED,
		VML_PT_MEM_NORMAL_MIXED, VML_PT_MEM_RESERVED,
	};
	/* APTable=11, PXNTable, UXNTable above: EL1 read-only, XN. */
	for (unsigned i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(leaf_flags_of(&m, p, i * 0x1000ull),
				F_P | F_PXN | F_UXN | F_G | F_SH(3) |
				F_MT(types[i]));
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, GiB),
			F_P | F_DBM | F_G | F_BLK | F_SH(0) | WB);
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, GiB + 2 * MiB),
			F_P | F_U | F_DBM | F_G | F_BLK | F_SH(0) | WB);
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, GiB + 4 * MiB),
			F_P | F_W | F_G | F_BLK | F_SH(0) | WB);

	/* TCR_EL1.HD: DBM makes read-only pages writable; the EL0 one is
	 * then EL0-writable, hence PXN. */
	p = pg(&m, 0x1000, 0x2000, TCR_4K_48 | HD, SCTLR_M);
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, GiB),
			F_P | F_W | F_DBM | F_G | F_BLK | F_SH(0) | WB);
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, GiB + 2 * MiB),
			F_P | F_U | F_W | F_PXN | F_DBM | F_G | F_BLK | F_SH(0) |
			WB);
	/* SCTLR_EL1.WXN: writable means execute-never at both levels. */
	p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M | SCTLR_WXN);
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, GiB + 4 * MiB),
			F_P | F_W | F_PXN | F_UXN | F_G | F_BLK | F_SH(0) | WB);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_paging_description(p), "WXN"));
	/* HPD0/HPD1: the table-level limits are ignored. */
	p = pg(&m, 0x1000, 0x2000, TCR_4K_48 | HPD0 | HPD1, SCTLR_M);
	CU_ASSERT_EQUAL(leaf_flags_of(&m, p, 0),
			F_P | F_W | F_G | F_SH(3) | WB);
	mem_free(&m);
}

/* ------------------------------------------------------------ 16K */

static void test_16k(void)
{
	struct mem m;
	mem_init(&m);
	/* TTBR0: T0SZ 17 (47-bit): 3 levels, the root is a full L1 table. */
	uint64_t r0 = 0x10000, l2 = 0x14000, l3 = 0x18000;
	set(&m, r0, 1, l2 | V | T);                       /* 64 GiB */
	set(&m, l2, 0, 0x2000000 | V | AF | AP(1) | SH(3));   /* 32 MiB block */
	set(&m, l2, 1, l3 | V | T);
	set(&m, l3, 0, 0x4000000 | V | T | AF | AP(2) | SH(3) | UXN);
	set(&m, r0, 2, 0x1000000000ull | V);              /* L1 block: no */
	/* TTBR1: T1SZ 16 (48-bit): 4 levels, the L0 root has 2 entries
	 * (16 bytes); what follows it is not part of it. */
	uint64_t r1 = 0x1c000, k1 = 0x20000, k2 = 0x24000;
	set(&m, r1, 1, k1 | V | T);
	set(&m, r1, 2, k1 | V | T);                       /* not an entry */
	set(&m, k1, 2047, k2 | V | T);
	set(&m, k2, 2047, 0x6000000 | V | AF | AP(0) | SH(3) | UXN);
	struct vml_paging *p = pg(&m, r0, r1, tcr(17, TG0_16K, 16, TG1_16K,
						   IPS_48, 0), SCTLR_M);
	CU_ASSERT_EQUAL(vml_paging_levels(p), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_paging_description(p),
				      "TTBR0 47-bit/3 levels, TTBR1 48-bit/4"));
	struct vml_pt_walk *w = walk_ok(&m, p);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 4);
	check_range(w, 0, 64 * GiB, 64 * GiB + 32 * MiB - 1, 0x2000000, 32 * MiB,
		    F_P | F_U | F_W | F_PXN | F_G | F_BLK | F_SH(3) | WB, 2,
		    VML_PT_MAPPED);
	check_range(w, 1, 64 * GiB + 32 * MiB, 64 * GiB + 32 * MiB + 16 * KiB - 1,
		    0x4000000, 16 * KiB, F_P | F_UXN | F_G | F_SH(3) | WB, 1,
		    VML_PT_MAPPED);
	check_range(w, 2, 128 * GiB, 192 * GiB - 1, 64 * GiB, 0, F_P | F_W, 3,
		    VML_PT_RESERVED);
	check_range(w, 3, 0xfffffffffe000000ull, UINT64_MAX, 0x6000000, 32 * MiB,
		    F_P | F_W | F_UXN | F_G | F_BLK | F_SH(3) | WB, 2,
		    VML_PT_MAPPED);
	vml_pt_walk_free(w);
	/* 47-bit TTBR0: 2^47 is outside it. */
	struct vml_pt_translation t;
	VML_ASSERT_ERR(vml_pt_translate(m.src, p, 1ull << 47, &t, sizeof(t)),
		       VML_ERROR_INVALID);
	VML_ASSERT_OK(vml_pt_translate(m.src, p, 0xffff800000000000ull, &t,
				       sizeof(t)));
	CU_ASSERT_EQUAL(t.steps[0].index, 1);
	CU_ASSERT_EQUAL(t.stop_level, 3);
	mem_free(&m);
}

/* ------------------------------------------------------------ 64K */

static void test_64k(void)
{
	struct mem m;
	mem_init(&m);
	/* 42-bit both: 2 levels (L2 root of 8192 entries, L3). */
	uint64_t r0 = 0x30000, l3 = 0x40000, r1 = 0x50000;
	set(&m, r0, 1, 0x20000000 | V | AF | AP(3) | SH(3));  /* 512 MiB */
	set(&m, r0, 2, l3 | V | T);
	set(&m, l3, 0, 0x50000000 | V | T | AF | AP(0) | SH(3) | PXN);
	set(&m, r1, 8191, 0x60000000 | V | AF | AP(0) | SH(3) | IDX(1));
	struct vml_paging *p = pg(&m, r0, r1, tcr(22, TG0_64K, 22, TG1_64K,
						   IPS_48, 0), SCTLR_M);
	CU_ASSERT_EQUAL(vml_paging_levels(p), 2);
	struct vml_pt_walk *w = walk_ok(&m, p);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 3);
	check_range(w, 0, 512 * MiB, GiB - 1, 0x20000000, 512 * MiB,
		    F_P | F_U | F_G | F_BLK | F_SH(3) | WB, 2, VML_PT_MAPPED);
	check_range(w, 1, GiB, GiB + 64 * KiB - 1, 0x50000000, 64 * KiB,
		    F_P | F_W | F_PXN | F_G | F_SH(3) | WB, 1, VML_PT_MAPPED);
	check_range(w, 2, 0xffffffffe0000000ull, UINT64_MAX, 0x60000000,
		    512 * MiB, F_P | F_W | F_G | F_BLK | F_SH(3) |
		    F_MT(VML_PT_MEM_DEVICE_nGnRE), 2, VML_PT_MAPPED);
	vml_pt_walk_free(w);

	/* 48-bit kernel half: 3 levels, the L1 root has 64 entries (512
	 * bytes); entry 64 lies past it. */
	uint64_t k0 = 0x70000, k1 = 0x80000;
	set(&m, k0, 63, k1 | V | T);
	set(&m, k0, 64, k1 | V | T);
	set(&m, k1, 8191, 0x60000000 | V | AF | AP(0) | SH(3));
	p = pg(&m, r0, k0, tcr(22, TG0_64K, 16, TG1_64K, IPS_48, 0), SCTLR_M);
	w = walk_ok(&m, p);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 3);
	check_range(w, 2, 0xffffffffe0000000ull, UINT64_MAX, 0x60000000,
		    512 * MiB, F_P | F_W | F_G | F_BLK | F_SH(3) | WB, 2,
		    VML_PT_MAPPED);
	vml_pt_walk_free(w);

	/* 52-bit VAs and PAs (FEAT_LVA, FEAT_LPA): 1024-entry L1 root, a
	 * 4 TiB block at level 1 with PA[51:48] in bits [15:12]. */
	uint64_t w0 = 0x90000;
	set(&m, w0, 1023, 0xf000ull | V | AF | AP(0) | SH(3));
	p = pg(&m, r0, w0, tcr(22, TG0_64K, 12, TG1_64K, IPS_52, 0), SCTLR_M);
	w = walk_ok(&m, p);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 3);
	check_range(w, 2, 0xfffffc0000000000ull, UINT64_MAX, 0xf000000000000ull,
		    1ull << 42, F_P | F_W | F_G | F_BLK | F_SH(3) | WB, 3,
		    VML_PT_MAPPED);
	vml_pt_walk_free(w);
	/* The same block with 48-bit PAs: an address size fault. */
	p = pg(&m, r0, w0, tcr(22, TG0_64K, 12, TG1_64K, IPS_48, 0), SCTLR_M);
	w = walk_ok(&m, p);
	CU_ASSERT_EQUAL(vml_pt_walk_range(w, 2)->status, VML_PT_RESERVED);
	vml_pt_walk_free(w);
	mem_free(&m);
}

/* ------------------------------------------------------------ LPA2 */

static void test_4k_lpa2(void)
{
	struct mem m;
	mem_init(&m);
	/* 52-bit VAs with 4K pages and DS: 5 levels, the L-1 root has 16
	 * entries; PA[51:50] in bits [9:8], shareability from TCR_EL1.SH1. */
	uint64_t r1 = 0xa0000, l0 = 0xa1000;
	set(&m, r1, 15, l0 | V | T);
	set(&m, l0, 511, 0x300ull | V | AF | AP(0));    /* 512 GiB block */
	set(&m, 0x1000, 0, 0);
	uint64_t t = tcr(16, TG0_4K, 12, TG1_4K, IPS_52, DS) | 3ull << 12 |
		     3ull << 28;   /* SH0, SH1: inner */
	struct vml_paging *p = pg(&m, 0x1000, r1, t, SCTLR_M);
	CU_ASSERT_EQUAL(vml_paging_levels(p), 5);
	set(&m, 0x1000, 0, 0x3000 | V | T);
	struct vml_pt_walk *w = walk_ok(&m, p);
	CU_ASSERT_EQUAL_FATAL(vml_pt_walk_count(w), 1);
	check_range(w, 0, 0xffffff8000000000ull, UINT64_MAX, 0xc000000000000ull,
		    512 * GiB, F_P | F_W | F_G | F_BLK | F_SH(3) | WB, 4,
		    VML_PT_MAPPED);
	vml_pt_walk_free(w);
	struct vml_pt_translation tr;
	VML_ASSERT_OK(vml_pt_translate(m.src, p, 0xffffff8000abcdefull, &tr,
				       sizeof(tr)));
	CU_ASSERT_EQUAL(tr.nsteps, 2);
	CU_ASSERT_EQUAL(tr.steps[0].level, 5);
	CU_ASSERT_EQUAL(tr.steps[0].index, 15);
	CU_ASSERT_EQUAL(tr.phys, 0xc000000abcdefull);
	mem_free(&m);
}

/* ------------------------------------------------------------ kernel */

/* The kernel object and its renderers on the 4K tables: names from the
 * Arm ARM, the documented map sized for 48-bit VAs. */
static void test_kernel_render(void)
{
	struct mem m;
	mem_init(&m);
	build_4k(&m);
	struct vml_paging *p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M);
	struct vml_kernel *k = NULL;
	VML_ASSERT_OK(vml_kernel_from_pagetables(m.src, p, NULL, 0, &k));
	/* memory.rst (v6.1, 4K pages, 48-bit): the linear map from
	 * 0xffff000000000000, vmemmap from 0xfffffc0000000000, PCI I/O at
	 * 0xfffffbfffe800000, fixmap below 0xfffffbfffe000000. */
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff000000000000ull),
			VML_KIND_DIRECT_MAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff7fffffffffffull),
			VML_KIND_DIRECT_MAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff800000000000ull),
			VML_KIND_MODULES);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xffff800008000000ull),
			VML_KIND_VMALLOC);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffbffefffffffull),
			VML_KIND_VMALLOC);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffbfff0000000ull),
			VML_KIND_FIXMAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffbfffe800000ull),
			VML_KIND_PCI_IO);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffbffff7fffffull),
			VML_KIND_PCI_IO);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffc0000000000ull),
			VML_KIND_VMEMMAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffdffffffffffull),
			VML_KIND_VMEMMAP);
	CU_ASSERT_EQUAL(vml_kernel_kind_at(k, 0xfffffe0000000000ull),
			VML_KIND_KERNEL);
	CU_ASSERT_EQUAL(vml_kernel_half(k, 0x0000ffffffffffffull), VML_HALF_USER);
	CU_ASSERT_EQUAL(vml_kernel_half(k, 0x0001000000000000ull),
			VML_HALF_NONCANONICAL);

	char *text = NULL;
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_TEXT,
					VML_KRENDER_PAGETABLES, &text));
	/* The Device block at the top, as ptdump columns. */
	/* Columns: USR, RW/ro, PXN, UXN, SH, nG (2 wide), CON, DBM, BLK,
	 * the memory type (as wide as MEM/NORMAL-TAGGED, 17), the level. */
	const char *row = "0xffffffffc0000000-0x10000000000000000      1G"
			  "     RW PXN UXN OSH            BLK DEVICE/nGnRnE"
			  "     L1  phys 0x80000000\n";
	if (!strstr(text, row))
		fprintf(stderr, "\n%s\n", text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, row));
	vml_free(text);
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_JSON,
					VML_KRENDER_PAGETABLES, &text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"user\": true, \"write\": true,"
				      " \"nx\": true, \"uxn\": true, \"global\":"
				      " true, \"cont\": false, \"dbm\": false,"
				      " \"memtype\": \"Normal-WB\","
				      " \"shareability\": \"inner-shareable\""));
	CU_ASSERT_PTR_NULL(strstr(text, "pkey"));
	vml_free(text);
	/* The W+X check: memory EL0 may write and run (none here: the
	 * EL0-writable block is UXN), and memory EL1 may write and run: the
	 * Device pages (PXN clear, twice) and the page under APTable=01. */
	VML_ASSERT_OK(vml_render_kernel(k, VML_FORMAT_TEXT, VML_KRENDER_WX,
					&text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "3 W+X ranges"));
	vml_free(text);

	struct vml_kernel_where w;
	VML_ASSERT_OK(vml_kernel_where(k, GiB + 4 * MiB + 0x10, NULL, &w,
				       sizeof(w)));
	CU_ASSERT_TRUE(w.walk.mapped);
	CU_ASSERT_EQUAL(w.aliases_total, 1);
	CU_ASSERT_EQUAL(w.aliases[0].va, GiB + 6 * MiB + 0x10);
	VML_ASSERT_OK(vml_render_kernel_where(k, &w, sizeof(w), VML_FORMAT_TEXT,
					      0, &text));
	static const char *const want[] = {
		"  L0  [  0] @ 0x000000001000 = 0x0000000000003003  TABLE"
		" APTable=00 -PXNTable -UXNTable\n",
		"  L2  [  2] @ 0x000000004010 = 0x3000000000006003  TABLE"
		" APTable=01 -PXNTable UXNTable\n",
		"  L3  [  0] @ 0x000000006000 = 0x000000000010d743  PAGE AF -nG"
		" AP=01(EL1 rw, EL0 rw) SH=inner-shareable AttrIndx=0(Normal-WB)"
		" -DBM -CONT -PXN -UXN\n",
		"  mapped: 4K page at level 1 (L3), physical 0x10d010",
		"  effective: EL1 rwx, EL0 ---, global, Normal-WB"
		" inner-shareable\n",
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(want); i++) {
		if (!strstr(text, want[i]))
			fprintf(stderr, "\nmissing \"%s\" in\n%s\n", want[i],
				text);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, want[i]));
	}
	vml_free(text);
	vml_kernel_free(k);
	mem_free(&m);
}

/* Bases from the symbols a debugger finds: memstart_addr is the physical
 * address at PAGE_OFFSET, so physical 0 is PAGE_OFFSET - memstart_addr
 * in the linear map; _text and module_alloc_base are taken as they are.
 * The read plan reads through that linear map when the stub has no
 * physical mode. */
static void test_kernel_symbols(void)
{
	struct mem m;
	mem_init(&m);
	build_4k(&m);
	struct vml_paging *p = pg(&m, 0x1000, 0x2000, TCR_4K_48, SCTLR_M);
	size_t n = 0;
	const struct vml_kernel_symbol *syms =
		vml_arch_kernel_symbols(VML_ARCH_AARCH64, &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(syms[0].name, "memstart_addr");
	CU_ASSERT_EQUAL(syms[0].want, VML_SYMBOL_VALUE);
	CU_ASSERT_STRING_EQUAL(syms[1].name, "_text");
	CU_ASSERT_EQUAL(syms[1].want, VML_SYMBOL_ADDRESS);
	CU_ASSERT_STRING_EQUAL(syms[2].name, "module_alloc_base");
	struct vml_named_value found[] = {
		{ "memstart_addr", 0x40000000 },
		{ "_text", 0xffff9c0a1b600000ull },
		{ "module_alloc_base", 0xffff9c0a13e00000ull },
	};
	struct vml_kernel_hints h = { .pc = 0, .symbols = found, .nsymbols = 3 };
	struct vml_kernel *k = NULL;
	VML_ASSERT_OK(vml_kernel_from_pagetables(m.src, p, &h, sizeof(h), &k));
	uint32_t how;
	CU_ASSERT_EQUAL(vml_kernel_base(k, VML_KBASE_PAGE_OFFSET, &how),
			0xffff000000000000ull - 0x40000000);
	CU_ASSERT_EQUAL(how, VML_KBASE_GIVEN);
	CU_ASSERT_EQUAL(vml_kernel_base(k, VML_KBASE_TEXT, &how),
			0xffff9c0a1b600000ull);
	CU_ASSERT_EQUAL(how, VML_KBASE_GIVEN);
	CU_ASSERT_EQUAL(vml_kernel_base(k, VML_KBASE_MODULES, &how),
			0xffff9c0a13e00000ull);
	CU_ASSERT_EQUAL(how, VML_KBASE_GIVEN);
	vml_kernel_free(k);
	struct vml_read_plan plan;
	VML_ASSERT_OK(vml_kernel_read_plan(p, &h, sizeof(h), false, &plan,
					   sizeof(plan)));
	CU_ASSERT_EQUAL(plan.mode, VML_READ_DIRECT_MAP);
	CU_ASSERT_EQUAL(plan.direct_base, 0xffff000000000000ull - 0x40000000);
	CU_ASSERT_PTR_NOT_NULL(strstr(plan.note, "memstart_addr"));
	mem_free(&m);
}

int vml_suite_pt_aarch64(void)
{
	static CU_TestInfo tests[] = {
		{ "4K 48-bit: blocks, pages, table limits, alias", test_4k_walk },
		{ "4K 48-bit: translate", test_4k_translate },
		{ "4K 48-bit: find phys through a shared table",
		  test_4k_find_phys },
		{ "find phys: a short root is not the full table at its address",
		  test_find_phys_short_root },
		{ "registers: errors, ASID, EPD0", test_registers },
		{ "MAIR types, DBM/HD, WXN, HPD", test_register_rules },
		{ "16K: 47-bit TTBR0, 48-bit TTBR1 (2-entry root)", test_16k },
		{ "64K: 42, 48 and 52-bit", test_64k },
		{ "4K LPA2: 52-bit, 5 levels", test_4k_lpa2 },
		{ "kernel map and renderers", test_kernel_render },
		{ "kernel bases from symbols, read plan", test_kernel_symbols },
		CU_TEST_INFO_NULL,
	};
	return vml_add_suite("pt_aarch64", tests);
}

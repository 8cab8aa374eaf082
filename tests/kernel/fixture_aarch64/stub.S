/*
 * stub.S — a bare-metal AArch64 "kernel" whose only job is to hold page
 * tables written by hand, turn the MMU on with them at EL1 and wait, so the
 * kernel tests can compare vmlayout's view and QEMU's own MMU with answers
 * written by hand (tests/kernel/test_fixture_aarch64.py holds the same
 * tables as prose). One image per granule: GRANULE 4 (4K: TTBR0 39-bit, 3
 * levels from L1; TTBR1 48-bit, 4 levels from L0), 16 (16K: TTBR0 47-bit
 * from L1; TTBR1 48-bit from a 2-entry L0) or 64 (64K: both 42-bit, 2
 * levels from L2). Booted with qemu-system-aarch64 -M virt -kernel: QEMU
 * loads the ELF at its physical addresses (RAM from 0x40000000) and starts
 * it at EL1 with the MMU off.
 *
 * Code at 0x40100000, tables from 0x40200000 (64 KiB aligned). Every leaf
 * has AF set except where the test wants an access-flag fault; TCR_EL1.HA
 * and HD are clear, so no descriptor is ever rewritten.
 */

/* Descriptor bits (Arm ARM D8.3). */
#define V		0x1
#define T		0x2
#define IDX(i)		((i) << 2)
#define AP(a)		((a) << 6)
#define SH(s)		((s) << 8)
#define AF		(1 << 10)
#define NG		(1 << 11)
#define CONT		(1 << 52)
#define PXN		(1 << 53)
#define UXN		(1 << 54)
#define PXNT		(1 << 59)
#define UXNT		(1 << 60)
#define APT(a)		((a) << 61)

#define TABLES		0x40200000
/* Entry i of the table at offset off from TABLES. */
#define AT(off, i)	.org (off) + 8 * (i)

/* MAIR_EL1: 0 Normal WB, 1 Device-nGnRE, 2 Normal NC, 3 Normal WT. */
#define MAIR_VAL	0xbb4404ff

/* TCR_EL1: IRGNn/ORGNn write-back, SHn inner, IPS 40-bit (2 << 32). */
#define TCR_COMMON	(0x100 | 0x400 | 0x3000 | 0x1000000 | 0x4000000 | \
			 0x30000000 | (2 << 32))

#if GRANULE == 4
/* T0SZ 25, TG0 4K (0); T1SZ 16, TG1 4K (2 << 30). */
#define TCR_VAL		(TCR_COMMON | 25 | (16 << 16) | (2 << 30))
#define T0		0x0000		/* TTBR0 root, L1 (512 x 1 GiB) */
#define T0B		0x1000		/* L2 for T0[2] */
#define T0C		0x2000		/* L3 for T0B[1] */
#define T1		0x3000		/* TTBR1 root, L0 */
#define T1B		0x4000		/* L1 for T1[511] */
#define T1C		0x5000		/* L2 for T1B[0] */
#define T1D		0x6000		/* L3 shared by T1C[0] and T1C[1] */
#define END		0x7000
#elif GRANULE == 16
/* T0SZ 17, TG0 16K (2 << 14); T1SZ 16, TG1 16K (1 << 30). */
#define TCR_VAL		(TCR_COMMON | 17 | (2 << 14) | (16 << 16) | (1 << 30))
#define T0		0x0000		/* TTBR0 root, L1 (2048 x 64 GiB) */
#define T0B		0x4000		/* L2 for T0[0] (32 MiB blocks) */
#define T0C		0x8000		/* L3 for T0B[33] (16 KiB pages) */
#define T1		0xc000		/* TTBR1 root, L0: 2 entries */
#define T1B		0x10000		/* L1 for T1[1] */
#define T1C		0x14000		/* L2 for T1B[2047] */
#define END		0x18000
#elif GRANULE == 64
/* T0SZ 22, TG0 64K (1 << 14); T1SZ 22, TG1 64K (3 << 30). */
#define TCR_VAL		(TCR_COMMON | 22 | (1 << 14) | (22 << 16) | (3 << 30))
#define T0		0x00000		/* TTBR0 root, L2 (8192 x 512 MiB) */
#define T0B		0x10000		/* L3 for T0[3] (64 KiB pages) */
#define T1		0x20000		/* TTBR1 root, L2 */
#define END		0x30000
#else
#error "GRANULE must be 4, 16 or 64"
#endif

	.section .text, "ax"
	.globl _start
_start:
	ldr	x0, =MAIR_VAL
	msr	mair_el1, x0
	ldr	x0, =TCR_VAL
	msr	tcr_el1, x0
	ldr	x0, =TABLES + T0
	msr	ttbr0_el1, x0
	ldr	x0, =TABLES + T1
	msr	ttbr1_el1, x0
	isb
	tlbi	vmalle1
	dsb	sy
	isb
	mrs	x0, sctlr_el1
	orr	x0, x0, #1		/* M: the MMU on */
	bic	x0, x0, #(1 << 19)	/* WXN off */
	msr	sctlr_el1, x0
	isb
	.globl spin
spin:
	wfi
	b	spin
	.ltorg

	.section .tables, "a"
tables:
#if GRANULE == 4
	/* TTBR0, L1: [1] 1 GiB identity block over RAM, EL1 rwx (W+X), UXN;
	 * [2] -> L2; [3] a block with an address bit above the 40-bit IPS. */
	AT(T0, 1);	.quad 0x40000000 | V | AF | AP(0) | SH(3) | IDX(0) | UXN
	AT(T0, 2);	.quad TABLES + T0B | V | T
	AT(T0, 3);	.quad (1 << 40) | V | AF
	/* L2 at VA 0x80000000: [0] 2 MiB EL0 rw (so PXN), UXN; [1] -> L3
	 * through APTable=10 (read-only) and PXNTable; [2] 2 MiB Device. */
	AT(T0B, 0);	.quad 0x40400000 | V | AF | AP(1) | SH(3) | IDX(0) | UXN
	AT(T0B, 1);	.quad TABLES + T0C | V | T | APT(2) | PXNT
	AT(T0B, 2);	.quad 0x09000000 | V | AF | AP(0) | IDX(1) | PXN | UXN
	/* L3 at VA 0x80200000: [0] EL0 rw page (read-only below the table);
	 * [16..31] 16 contiguous write-through pages; [32] access flag clear;
	 * [33] bit 1 clear (reserved). */
	AT(T0C, 0);	.quad 0x40600000 | V | T | AF | AP(1) | SH(3) | IDX(0)
	.irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	AT(T0C, 16 + \i);	.quad (0x40610000 + 0x1000 * \i) | V | T | AF | AP(3) | SH(3) | IDX(3) | CONT
	.endr
	AT(T0C, 32);	.quad 0x40620000 | V | T | AP(3) | SH(3) | IDX(0)
	AT(T0C, 33);	.quad 0x40621000 | V
	/* TTBR1, L0: [0] a block (none at L0 with 4K pages); [511] -> L1. */
	AT(T1, 0);	.quad 0x40000000 | V
	AT(T1, 511);	.quad TABLES + T1B | V | T
	/* L1: [0] -> L2 through PXNTable; [511] the last GiB, EL1 r-x, nG,
	 * Normal non-cacheable, outer shareable. */
	AT(T1B, 0);	.quad TABLES + T1C | V | T | PXNT
	AT(T1B, 511);	.quad 0x40000000 | V | AF | AP(2) | SH(2) | IDX(2) | NG | UXN
	/* L2: [0] -> shared L3 through APTable=01 (no EL0) and UXNTable;
	 * [1] -> the same L3 (an alias). */
	AT(T1C, 0);	.quad TABLES + T1D | V | T | APT(1) | UXNT
	AT(T1C, 1);	.quad TABLES + T1D | V | T
	AT(T1D, 0);	.quad 0x40700000 | V | T | AF | AP(1) | SH(3) | IDX(0)
#elif GRANULE == 16
	/* TTBR0, L1: [0] -> L2; [1] a 64 GiB block (none without DS). */
	AT(T0, 0);	.quad TABLES + T0B | V | T
	AT(T0, 1);	.quad 0x40000000 | V
	/* L2: [32] 32 MiB identity block at 0x40000000, EL1 rwx (W+X), UXN;
	 * [33] -> L3. */
	AT(T0B, 32);	.quad 0x40000000 | V | AF | AP(0) | SH(3) | IDX(0) | UXN
	AT(T0B, 33);	.quad TABLES + T0C | V | T
	/* L3 at VA 0x42000000: [0] a 16 KiB EL0 read-only page, UXN. */
	AT(T0C, 0);	.quad 0x42000000 | V | T | AF | AP(3) | SH(3) | IDX(0) | UXN
	/* TTBR1, L0 (2 entries, 16 bytes): [1] -> L1; what follows is no
	 * entry of it and must be ignored. */
	AT(T1, 1);	.quad TABLES + T1B | V | T
	AT(T1, 2);	.quad TABLES + T1B | V | T
	AT(T1B, 2047);	.quad TABLES + T1C | V | T
	/* L2: [2047] the last 32 MiB, EL1 read-only, execute-never. */
	AT(T1C, 2047);	.quad 0x40000000 | V | AF | AP(2) | SH(3) | IDX(0) | PXN | UXN
#elif GRANULE == 64
	/* TTBR0, L2: [2] 512 MiB identity block, EL1 rwx (W+X), UXN;
	 * [3] -> L3. */
	AT(T0, 2);	.quad 0x40000000 | V | AF | AP(0) | SH(3) | IDX(0) | UXN
	AT(T0, 3);	.quad TABLES + T0B | V | T
	/* L3 at VA 0x60000000: two physically contiguous 64 KiB EL0 rw pages
	 * (so PXN), UXN: one range. */
	AT(T0B, 0);	.quad 0x44000000 | V | T | AF | AP(1) | SH(3) | IDX(0) | UXN
	AT(T0B, 1);	.quad 0x44010000 | V | T | AF | AP(1) | SH(3) | IDX(0) | UXN
	/* TTBR1, L2: [8191] the last 512 MiB, EL1 r-x. */
	AT(T1, 8191);	.quad 0x40000000 | V | AF | AP(2) | SH(3) | IDX(0) | UXN
#endif
	.org END

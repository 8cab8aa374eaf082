/*
 * stub.S — a tiny multiboot "kernel" whose only job is to hold page tables
 * with known odd cases, switch to 64-bit mode on them and halt, so that the
 * kernel tests can compare vmlayout's view with answers written by hand
 * (tests/kernel/test_fixture_kernel.py holds the same table as prose).
 *
 * Every table sits at a fixed physical address (the linker script asserts
 * it), every entry has A (and leaves D) set already so the CPU never
 * rewrites one: the raw values the test expects stay exact.
 *
 * Physical layout (image loaded at 1 MiB):
 *   0x100000 code, GDT          0x109000 PD   for PML4[256]
 *   0x101000 PML4               0x10a000 PT   for PML4[256]
 *   0x102000 PDPT for PML4[0]   0x10b000 PDPT for PML4[511]
 *   0x103000 PD   for VA 0      0x10c000 PD   for VA 0xffffffffc0000000
 *   0x104000 PT   for VA 4 MiB  0x10d000 PT   for VA 0xffffffffffe00000
 *   0x105000 PDPT for PML4[255] 0x10e000 PD   for VA 0xffffffff80000000
 *   0x106000 PD   for PML4[255] 0x10f000 PT   for VA 0xffffffff80000000
 *   0x107000 PT   for PML4[255] 0x110000 PT shared by two PD entries
 *   0x108000 PDPT for PML4[256]
 */

/* Entry bits. */
#define P	0x001
#define RW	0x002
#define US	0x004
#define A	0x020
#define D	0x040
#define PS	0x080
#define G	0x100
#define NXHI	0x80000000	/* bit 63, as the high half of a .quad */

/* A table entry pointing at a lower table (all tables are below 4 GiB). */
#define TABLE(t, flags)		.long (t) + (flags) + A; .long 0
/* A leaf: frame | flags, high half holds NX or reserved address bits. */
#define LEAF(pa, flags, hi)	.long (pa) + (flags) + A + D; .long (hi)
/* Entry i of the table starting at label t (padding zeroed: this is a code
 * section, where the default fill would be NOPs). */
#define AT(t, i)		.org (t) + 8 * (i), 0

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

	.section .boot, "awx", @progbits
	.code32
	.globl _start
multiboot_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

_start:
	cli
	movl $pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax			/* CR4.PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx		/* IA32_EFER */
	rdmsr
	orl $0x900, %eax		/* LME (bit 8) | NXE (bit 11) */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax		/* PG | PE; WP stays clear */
	movl %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	.globl spin
spin:					/* the test stops here: RIP is known */
	hlt
	jmp spin

	.balign 8, 0
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code, accessed */
	.quad 0x00cf93000000ffff	/* 0x10: data, accessed */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.balign 4096, 0
	.globl pml4, pdpt_low, pt_user, pdpt_256, pt_256, pdpt_511, pt_top
	.globl pd_k, pt_k, pt_shared
pml4:
	TABLE(pdpt_low, P + RW + US)		/* VA 0 */
	AT(pml4, 255)
	TABLE(pdpt_255, P + RW + US)		/* VA 0x00007f8000000000 */
	TABLE(pdpt_256, P + RW)			/* VA 0xffff800000000000 */
	AT(pml4, 510)
	TABLE(pml4, P + RW)			/* recursive: 0xffffff0000000000 */
	TABLE(pdpt_511, P + RW)			/* VA 0xffffff8000000000 */

	.balign 4096, 0
pdpt_low:
	TABLE(pd_low, P + RW + US)		/* VA 0 */
	LEAF(0xc0000000, P + RW + PS + G, NXHI)	/* 1 GiB at VA 0x40000000 */

	.balign 4096, 0
pd_low:
	LEAF(0x000000, P + PS, 0)		/* identity 0-2 MiB, ro, x */
	LEAF(0x200000, P + PS, 0)		/* identity 2-4 MiB, ro, x */
	TABLE(pt_user, P + RW + US)		/* VA 0x400000 */

	.balign 4096, 0
pt_user:
	LEAF(0x200000, P + US, NXHI)		/* VA 0x400000 user ro nx */

	.balign 4096, 0
pdpt_255:
	AT(pdpt_255, 511)
	TABLE(pd_255, P + RW + US)

	.balign 4096, 0
pd_255:
	AT(pd_255, 511)
	TABLE(pt_255, P + RW + US)

	.balign 4096, 0
pt_255:
	AT(pt_255, 511)
	LEAF(0x201000, P + RW + US, NXHI)	/* VA 0x00007ffffffff000 */

	.balign 4096, 0
pdpt_256:
	TABLE(pd_256, P + RW)

	.balign 4096, 0
pd_256:
	TABLE(pt_256, P + RW)

	.balign 4096, 0
pt_256:
	LEAF(0x202000, P + RW + G, NXHI)	/* VA 0xffff800000000000 */

	.balign 4096, 0
pdpt_511:
	AT(pdpt_511, 508)
	/* 1 GiB leaf with bit 13 set: reserved whatever MAXPHYADDR is. */
	LEAF(0x80002000, P + PS, NXHI)		/* VA 0xffffffff00000000 */
	/* 1 GiB leaf with address bit 51 set: reserved when MAXPHYADDR < 52
	 * (qemu64 has 40). Never touched, so the CPU never faults on it. */
	LEAF(0x40000000, P + RW + PS, NXHI + 0x80000)	/* 0xffffffff40000000 */
	TABLE(pd_k, P + RW)			/* VA 0xffffffff80000000 */
	TABLE(pd_top, P + RW)			/* VA 0xffffffffc0000000 */

	.balign 4096, 0
pd_top:
	AT(pd_top, 511)
	TABLE(pt_top, P + RW)			/* VA 0xffffffffffe00000 */

	.balign 4096, 0
pt_top:
	AT(pt_top, 511)
	LEAF(0x203000, P + G, NXHI)		/* VA 0xfffffffffffff000 */

	.balign 4096, 0
pd_k:
	TABLE(pt_k, P + RW)			/* VA 0xffffffff80000000 */
	TABLE(pt_shared, P + RW)		/* VA 0xffffffff80200000 */
	TABLE(pt_shared, P + RW)		/* VA 0xffffffff80400000 */

	.balign 4096, 0
pt_k:
	LEAF(0x204000, P + RW, 0)		/* 0xffffffff80000000 W+X */
	LEAF(0x205000, P, 0)			/* 0xffffffff80001000 ro x */
	LEAF(0x206000, P + RW, NXHI)		/* 0xffffffff80002000 rw nx */

	.balign 4096, 0
pt_shared:
	LEAF(0x207000, P + RW, NXHI)		/* +0 of both 2 MiB windows */
	LEAF(0x208000, P + RW, NXHI)		/* +0x1000, contiguous */
	.balign 4096, 0
	.globl image_end
image_end:

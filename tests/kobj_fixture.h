/*
 * kobj_fixture.h — a small hand-built kernel for the walkers of kernel
 * objects (libvmlayout/kobjects.h): types from a BTF blob written with
 * libbpf's BTF writer, symbols as a hand-made kallsyms table, and 16 KiB
 * of "direct map" memory holding the objects (tasks, threads, a module
 * and its ELF symbol table, a vmap_area tree, per-CPU units) at known
 * places. Every answer the tests expect follows from the layout below,
 * written down here, not from the library. Pages and slabs (kslab.c):
 * struct pages of the 8 page frames at vmemmap, slabs of "kmalloc-256" in
 * frames 4 and 5-6, a page-cache page in frame 7 (KF_SLAB below).
 * Shared by the unit test
 * (tests/unit/kobjects_test.c) and the fuzzer (tests/fuzz/fuzz_kobj.c,
 * whose input replaces the memory).
 */
#ifndef VML_KOBJ_FIXTURE_H
#define VML_KOBJ_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "arch.h"
#include "kobjects.h"

#define KF_MEM   UINT64_C(0xffff888000000000)  /* the memory: direct map */
#define KF_SIZE  0x8000u
#define KF_V     UINT64_C(0xffffc90000000000)  /* vmalloc space */
#define KF_M     UINT64_C(0xffffffffc0000000)  /* the module's core */
#define KF_K     UINT64_C(0xffffffff81000000)  /* _text */
#define KF_INITSTACK (KF_K + 0x800000)

/* Where the objects are, as offsets into the memory. */
enum {
	KF_INIT = 0x000, KF_TA = 0x200, KF_TB = 0x400, KF_SIGA = 0x600,
	KF_MODHEAD = 0x700, KF_MOD = 0x800, KF_MODKS = 0x980,
	KF_SYMTAB = 0xa00, KF_STRTAB = 0xb00, KF_VROOT = 0xc00,
	KF_VX = 0xc40, KF_VY = 0xc80, KF_VZ = 0xcc0, KF_VMX = 0xd00,
	KF_VMY = 0xd40, KF_PCPUOFF = 0xe00, KF_NRCPU = 0xe10,
	KF_UNIT = 0xe14, KF_TA2 = 0x1000, KF_IDLE1 = 0x1200,
	KF_PCPU0 = 0x2000, KF_PCPU1 = 0x2800,
	/* init's memory: its mm, a maple tree (a range node over two
	 * leaves, 256-byte aligned as maple nodes are), its VMAs, the file
	 * /bin/busybox (file, dentries, inode, super block), the [vdso]. */
	KF_MM = 0x1400, KF_MRANGE = 0x1500, KF_MLEAF1 = 0x1600,
	KF_MLEAF2 = 0x1700, KF_VMA = 0x1800, KF_STALE = 0x1940,
	KF_FILE = 0x1a00, KF_DBB = 0x1a40, KF_DROOT = 0x1a80,
	KF_DBIN = 0x1ac0, KF_NAMES = 0x1b00, KF_INODE = 0x1b40,
	KF_SB = 0x1b80, KF_SPECIAL = 0x1bc0, KF_VMOPS = 0x1c00,
	/* Pages: page_offset_base, vmemmap_base, max_pfn; a kmem_cache
	 * "kmalloc-256" and its name; an address_space of /bin/busybox; the
	 * struct pages (64 bytes each) of frames 0..7; each CPU's
	 * kmem_cache_cpu at per-CPU offset 0x400. */
	KF_POB = 0x3100, KF_VMB = 0x3108, KF_MAXPFN = 0x3110,
	KF_CACHE = 0x3200, KF_CNAME = 0x3280, KF_ASPACE = 0x32c0,
	KF_VMEMMAP = 0x3400, KF_CPUSLAB = 0x400,
};
/* Slab pages: frame 4 a slab of 16 objects of 256 bytes, frames 5-6 a
 * slab of order 1 (32 objects); free pointers 128 bytes into an object,
 * hardened with KF_RANDOM (plain in the KF_V64 variant, built without
 * CONFIG_SLAB_FREELIST_HARDENED). Frame 4's freelist: 3 -> 7 -> 0; CPU 1 is
 * allocating from it, its freelist: 10 -> 12. Frame 5's freelist loops:
 * 1 -> 2 -> 1. */
#define KF_SLAB4 0x4000u
#define KF_SLAB5 0x5000u
#define KF_RANDOM UINT64_C(0x1234567890abcdef)
#define KF_FPOFF 128u
/* maps of init (pid 1), as /proc/PID/maps would print them. */
#define KF_MAPS \
	"00400000-00401000 r--p 00000000 00:02 11          /bin/busybox\n" \
	"00401000-00500000 r-xp 00001000 00:02 11          /bin/busybox\n" \
	"00600000-00601000 rw-p 00000000 00:00 0\n" \
	"01000000-01021000 rw-p 00000000 00:00 0          [heap]\n" \
	"7ffff7ff0000-7ffff7ff2000 r-xp 00000000 00:00 0          [vdso]\n"
#define KF_UNIT_SIZE 0x800u

/* struct member offsets of the fixture's BTF. */
enum {
	/* task_struct (0x200) */
	T_TASKS = 0x10, T_PID = 0x20, T_TGID = 0x24, T_STACK = 0x28,
	T_COMM = 0x30, T_THREAD = 0x40, T_CPU = 0x50, T_SIGNAL = 0x58,
	T_THREAD_NODE = 0x60, T_STACK_VM = 0x70, T_MM = 0x78,
	MM_PGD = 0x08, MM_ROOT = 0x48, MM_START_BRK = 0x60, MM_BRK = 0x68,
	MN_SLOT = 0x80,                 /* maple_range_64.slot */
	S_THREAD_HEAD = 0x10,           /* signal_struct (0x40) */
	M_LIST = 0x08, M_NAME = 0x18, M_CORE = 0x50, M_INIT = 0x68,
	M_KALLSYMS = 0x80, M_PERCPU = 0x88, M_PERCPU_SIZE = 0x90,
	VA_RB = 0x10, VA_VM = 0x38,     /* vmap_area (0x40) */
	RB_RIGHT = 0x08, RB_LEFT = 0x10,
};

struct kf_mem {
	uint8_t bytes[KF_SIZE];
};

static inline bool kf_read(void *arg, uint64_t va, void *buf, size_t len)
{
	struct kf_mem *m = arg;
	if (va < KF_MEM || va - KF_MEM > KF_SIZE || len > KF_SIZE - (va - KF_MEM))
		return false;
	memcpy(buf, m->bytes + (va - KF_MEM), len);
	return true;
}

static inline void kf_put(struct kf_mem *m, uint32_t off, uint64_t v,
			  unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		m->bytes[off + i] = (uint8_t)(v >> (8 * i));
}
#define kf_64(m, off, v) kf_put(m, off, v, 8)
#define kf_32(m, off, v) kf_put(m, off, v, 4)

static inline void kf_task(struct kf_mem *m, uint32_t at, int pid, int tgid,
			   const char *comm, uint64_t stack, uint64_t sp,
			   unsigned cpu)
{
	kf_32(m, at + T_PID, (uint32_t)pid);
	kf_32(m, at + T_TGID, (uint32_t)tgid);
	kf_64(m, at + T_STACK, stack);
	memcpy(m->bytes + at + T_COMM, comm, strlen(comm));
	kf_64(m, at + T_THREAD, sp);
	kf_32(m, at + T_CPU, cpu);
}

/* Kernel generations the fixture can be: 6.1 (core_layout, the maple
 * tree, pcpu_hot), 6.4+ (module.mem[]), 5.x (the mm->mmap VMA list
 * linked by vm_next, current_task). */
enum kf_variant { KF_V61 = 0, KF_V64 = 1, KF_V5 = 2 };
enum { M_MEM = 0xa0 };          /* module.mem[] on 6.4+ */

static inline void kf_memory_base(struct kf_mem *m);

/* The struct page of frame pfn. */
#define KF_PAGE(pfn) (KF_VMEMMAP + 0x40u * (pfn))
/* page: flags 0, compound_head 8, mapping 0x18, index 0x20, private 0x28,
 * page_type 0x30; slab: slab_cache 0x18, freelist 0x20, counters 0x28
 * (inuse:16, objects:15, frozen:1). */
enum {
	PG_F_LOCKED = 0, PG_F_UPTODATE = 2, PG_F_LRU = 4, PG_F_SLAB = 9,
	PG_F_RESERVED = 12, PG_F_HEAD = 16, PG_F_NR = 22,
};

static inline uint64_t kf_bswap(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 8; i++, v >>= 8)
		r = r << 8 | (v & 0xff);
	return r;
}

/* Object i of the slab at off links to next (an address, or 0), stored
 * as a kernel with CONFIG_SLAB_FREELIST_HARDENED stores it, or plain. */
static inline void kf_link(struct kf_mem *m, uint32_t off, unsigned i,
			   uint64_t next, bool hardened)
{
	uint64_t at = KF_MEM + off + 256u * i + KF_FPOFF;
	kf_64(m, off + 256u * i + KF_FPOFF,
	      hardened ? next ^ KF_RANDOM ^ kf_bswap(at) : next);
}
#define kf_free_link(m, off, i, next) kf_link(m, off, i, next, true)
#define KF_OBJ(off, i) (KF_MEM + (off) + 256u * (i))

/* The freelists of the two slabs (see KF_SLAB4). */
static inline void kf_slab_links(struct kf_mem *m, bool hardened)
{
	kf_link(m, KF_SLAB4, 3, KF_OBJ(KF_SLAB4, 7), hardened);
	kf_link(m, KF_SLAB4, 7, KF_OBJ(KF_SLAB4, 0), hardened);
	kf_link(m, KF_SLAB4, 0, 0, hardened);
	kf_link(m, KF_SLAB4, 10, KF_OBJ(KF_SLAB4, 12), hardened);
	kf_link(m, KF_SLAB4, 12, 0, hardened);
	kf_link(m, KF_SLAB5, 1, KF_OBJ(KF_SLAB5, 2), hardened);
	kf_link(m, KF_SLAB5, 2, KF_OBJ(KF_SLAB5, 1), hardened);
}

static inline void kf_pages(struct kf_mem *m)
{
	kf_64(m, KF_POB, KF_MEM);
	kf_64(m, KF_VMB, KF_MEM + KF_VMEMMAP);
	kf_64(m, KF_MAXPFN, 8);
	/* kmem_cache: cpu_slab 0, size 0x18, object_size 0x1c, offset 0x20,
	 * oo 0x28, random 0x38, red_left_pad 0x40, name 0x48. */
	kf_64(m, KF_CACHE, KF_CPUSLAB);
	kf_32(m, KF_CACHE + 0x18, 256);
	kf_32(m, KF_CACHE + 0x1c, 256);
	kf_32(m, KF_CACHE + 0x20, KF_FPOFF);
	kf_32(m, KF_CACHE + 0x28, 16);
	kf_64(m, KF_CACHE + 0x38, KF_RANDOM);
	kf_64(m, KF_CACHE + 0x48, KF_MEM + KF_CNAME);
	memcpy(m->bytes + KF_CNAME, "kmalloc-256", 11);
	/* Frame 0 reserved, 1 anonymous, 2 a page table, 3 the head of a
	 * free buddy block of order 2. */
	kf_64(m, KF_PAGE(0), UINT64_C(1) << PG_F_RESERVED);
	kf_64(m, KF_PAGE(1) + 0x18, KF_MEM + 0x3f01);
	kf_64(m, KF_PAGE(1), UINT64_C(1) << PG_F_UPTODATE |
			     UINT64_C(1) << PG_F_LRU);
	kf_32(m, KF_PAGE(2) + 0x30, ~0x200u);
	kf_32(m, KF_PAGE(3) + 0x30, ~0x80u);
	kf_64(m, KF_PAGE(3) + 0x28, 2);
	/* Frame 4: the slab. 16 objects, 9 in use. */
	kf_64(m, KF_PAGE(4), UINT64_C(1) << PG_F_SLAB);
	kf_64(m, KF_PAGE(4) + 0x18, KF_MEM + KF_CACHE);
	kf_64(m, KF_PAGE(4) + 0x20, KF_OBJ(KF_SLAB4, 3));
	kf_32(m, KF_PAGE(4) + 0x28, 9u | 16u << 16 | 1u << 31);
	kf_64(m, KF_PCPU1 + KF_CPUSLAB, KF_OBJ(KF_SLAB4, 10));
	kf_64(m, KF_PCPU1 + KF_CPUSLAB + 0x10, KF_MEM + KF_PAGE(4));
	/* Frames 5-6: a compound slab page whose freelist loops. */
	kf_64(m, KF_PAGE(5), UINT64_C(1) << PG_F_SLAB |
			     UINT64_C(1) << PG_F_HEAD);
	kf_64(m, KF_PAGE(6) + 8, KF_MEM + KF_PAGE(5) + 1);
	kf_64(m, KF_PAGE(5) + 0x18, KF_MEM + KF_CACHE);
	kf_64(m, KF_PAGE(5) + 0x20, KF_OBJ(KF_SLAB5, 1));
	kf_32(m, KF_PAGE(5) + 0x28, 30u | 32u << 16);
	kf_slab_links(m, true);
	/* Frame 7: page 3 of /bin/busybox in the page cache; the inode's
	 * dentry list holds busybox's dentry (d_u.d_alias at 0x30). */
	kf_64(m, KF_PAGE(7), UINT64_C(1) << PG_F_UPTODATE |
			     UINT64_C(1) << PG_F_LRU);
	kf_64(m, KF_PAGE(7) + 0x18, KF_MEM + KF_ASPACE);
	kf_64(m, KF_PAGE(7) + 0x20, 3);
	kf_64(m, KF_ASPACE, KF_MEM + KF_INODE);
	kf_64(m, KF_INODE + 0x20, KF_MEM + KF_DBB + 0x30);
}

/* The objects, linked as a kernel of generation v links them. */
static inline void kf_memory_v(struct kf_mem *m, enum kf_variant v)
{
	kf_memory_base(m);
	if (v == KF_V64)
		/* Built without CONFIG_SLAB_FREELIST_HARDENED: plain links,
		 * and kmem_cache has no random. */
		kf_slab_links(m, false);
	if (v == KF_V64) {
		/* mem[MOD_TEXT], mem[MOD_DATA], mem[MOD_RODATA]: {base, size} */
		static const uint64_t parts[3][2] = {
			{ KF_M, 0x1000 }, { KF_M + 0x2000, 0x1000 },
			{ KF_M + 0x1000, 0x1000 },
		};
		for (unsigned i = 0; i < 3; i++) {
			kf_64(m, KF_MOD + M_MEM + 0x10 * i, parts[i][0]);
			kf_32(m, KF_MOD + M_MEM + 0x10 * i + 8,
			      (uint32_t)parts[i][1]);
		}
	}
	if (v == KF_V5) {
		/* mm->mmap (0x40) -> VMA 0 -> ... -> VMA 4 by vm_next (0x30);
		 * the stale VMA is on no list. */
		kf_64(m, KF_MM + 0x40, KF_MEM + KF_VMA);
		for (unsigned i = 0; i < 5; i++)
			kf_64(m, KF_VMA + 0x40 * i + 0x30,
			      i < 4 ? KF_MEM + KF_VMA + 0x40 * (i + 1) : 0);
	}
}

static inline void kf_memory(struct kf_mem *m)
{
	kf_memory_v(m, KF_V61);
}

static inline void kf_memory_base(struct kf_mem *m)
{
	memset(m, 0, sizeof(*m));
	/* Processes: init_task -> A -> B -> init_task; A's threads: A, A2
	 * (through A's signal_struct). CPU 1's idle task is on no list. */
	kf_task(m, KF_INIT, 0, 0, "swapper/0", KF_INITSTACK,
		KF_INITSTACK + 0x3e00, 0);
	kf_task(m, KF_TA, 1, 1, "init", KF_V + 0x30000, KF_V + 0x33f00, 0);
	kf_task(m, KF_TA2, 2, 1, "init-thread", KF_V + 0x40000,
		KF_V + 0x43000, 1);
	kf_task(m, KF_TB, 7, 7, "worker", KF_V, KF_V + 0x3e00, 1);
	kf_task(m, KF_IDLE1, 0, 0, "swapper/1", KF_V + 0x50000,
		KF_V + 0x53000, 1);
	kf_64(m, KF_INIT + T_TASKS, KF_MEM + KF_TA + T_TASKS);
	kf_64(m, KF_TA + T_TASKS, KF_MEM + KF_TB + T_TASKS);
	kf_64(m, KF_TB + T_TASKS, KF_MEM + KF_INIT + T_TASKS);
	kf_64(m, KF_TA + T_SIGNAL, KF_MEM + KF_SIGA);
	kf_64(m, KF_SIGA + S_THREAD_HEAD, KF_MEM + KF_TA + T_THREAD_NODE);
	kf_64(m, KF_TA + T_THREAD_NODE, KF_MEM + KF_TA2 + T_THREAD_NODE);
	kf_64(m, KF_TA2 + T_THREAD_NODE, KF_MEM + KF_SIGA + S_THREAD_HEAD);
	kf_64(m, KF_TB + T_STACK_VM, KF_MEM + KF_VMX);
	/* The module "mymod": core text M..M+0x1000, rodata ..0x2000, data
	 * ..0x3000; symbols myfunc (M+0x10), mydata (M+0x2000), mycounter
	 * (per-CPU offset 0x300). */
	kf_64(m, KF_MODHEAD, KF_MEM + KF_MOD + M_LIST);
	kf_64(m, KF_MOD + M_LIST, KF_MEM + KF_MODHEAD);
	memcpy(m->bytes + KF_MOD + M_NAME, "mymod", 5);
	kf_64(m, KF_MOD + M_CORE, KF_M);
	kf_32(m, KF_MOD + M_CORE + 8, 0x3000);
	kf_32(m, KF_MOD + M_CORE + 12, 0x1000);
	kf_32(m, KF_MOD + M_CORE + 16, 0x2000);
	kf_32(m, KF_MOD + M_CORE + 20, 0x2000);
	kf_64(m, KF_MOD + M_KALLSYMS, KF_MEM + KF_MODKS);
	kf_64(m, KF_MOD + M_PERCPU, 0x300);
	kf_32(m, KF_MOD + M_PERCPU_SIZE, 0x40);
	kf_64(m, KF_MODKS, KF_MEM + KF_SYMTAB);
	kf_32(m, KF_MODKS + 8, 4);
	kf_64(m, KF_MODKS + 16, KF_MEM + KF_STRTAB);
	memcpy(m->bytes + KF_STRTAB, "\0myfunc\0mydata\0mycounter", 25);
	static const struct { uint32_t name; uint8_t info; uint16_t shndx;
			      uint64_t value, size; } syms[] = {
		{ 0, 0, 0, 0, 0 },
		{ 1, 0x12, 1, KF_M + 0x10, 0x20 },
		{ 8, 0x11, 2, KF_M + 0x2000, 8 },
		{ 15, 0x11, 3, 0x300, 8 },
	};
	for (unsigned i = 0; i < 4; i++) {
		uint32_t e = KF_SYMTAB + 24 * i;
		kf_32(m, e, syms[i].name);
		m->bytes[e + 4] = syms[i].info;
		kf_put(m, e + 6, syms[i].shndx, 2);
		kf_64(m, e + 8, syms[i].value);
		kf_64(m, e + 16, syms[i].size);
	}
	/* vmap_area tree: Y [V+0x10000, +0x4000) at the root, a vmalloc of
	 * 3 pages by myfunc+0x4; its left X [V, V+0x5000): worker's stack,
	 * by kernel_clone+0xbf; its right Z [V+0x20000, +0x2000) with no
	 * vm_struct. */
	kf_64(m, KF_VROOT, KF_MEM + KF_VY + VA_RB);
	kf_64(m, KF_VY, KF_V + 0x10000);
	kf_64(m, KF_VY + 8, KF_V + 0x14000);
	kf_64(m, KF_VY + VA_RB + RB_LEFT, KF_MEM + KF_VX + VA_RB);
	kf_64(m, KF_VY + VA_RB + RB_RIGHT, KF_MEM + KF_VZ + VA_RB);
	kf_64(m, KF_VY + VA_VM, KF_MEM + KF_VMY);
	kf_64(m, KF_VX, KF_V);
	kf_64(m, KF_VX + 8, KF_V + 0x5000);
	kf_64(m, KF_VX + VA_VM, KF_MEM + KF_VMX);
	kf_64(m, KF_VZ, KF_V + 0x20000);
	kf_64(m, KF_VZ + 8, KF_V + 0x22000);
	/* vm_struct: next 0, addr 8, size 0x10, flags 0x18, nr_pages 0x20,
	 * phys_addr 0x28, caller 0x30. */
	kf_64(m, KF_VMY + 8, KF_V + 0x10000);
	kf_64(m, KF_VMY + 0x10, 0x4000);
	kf_64(m, KF_VMY + 0x18, 2);
	kf_32(m, KF_VMY + 0x20, 3);
	kf_64(m, KF_VMY + 0x30, KF_M + 0x14);
	kf_64(m, KF_VMX + 8, KF_V);
	kf_64(m, KF_VMX + 0x10, 0x5000);
	kf_64(m, KF_VMX + 0x18, 2);
	kf_32(m, KF_VMX + 0x20, 4);
	kf_64(m, KF_VMX + 0x30, KF_K + 0x100 + 0xbf);
	/* Two CPUs; per-CPU units of 0x800 bytes; pcpu_hot (per-CPU offset
	 * 0x100) .current_task: init_task on CPU 0, the idle task on 1. */
	kf_64(m, KF_PCPUOFF, KF_MEM + KF_PCPU0);
	kf_64(m, KF_PCPUOFF + 8, KF_MEM + KF_PCPU1);
	kf_32(m, KF_NRCPU, 2);
	kf_32(m, KF_UNIT, KF_UNIT_SIZE);
	kf_64(m, KF_PCPU0 + 0x100, KF_MEM + KF_INIT);
	kf_64(m, KF_PCPU1 + 0x100, KF_MEM + KF_IDLE1);
	/* init's memory. The root is a maple_range_64 node (type 2 in bits
	 * 3-6, bit 1: a node) over two leaves (maple_leaf_64, type 1); the
	 * second leaf also holds a stale VMA of another mm and the first VMA
	 * again, which the walker must drop. */
	kf_64(m, KF_TA + T_MM, KF_MEM + KF_MM);
	kf_64(m, KF_TA2 + T_MM, KF_MEM + KF_MM);
	kf_64(m, KF_MM + MM_PGD, KF_MEM + 0x3000);
	kf_64(m, KF_MM + MM_ROOT, KF_MEM + KF_MRANGE + (2 << 3) + 2);
	kf_64(m, KF_MM + MM_START_BRK, 0x1000000);
	kf_64(m, KF_MM + MM_BRK, 0x1021000);
	kf_64(m, KF_MRANGE + MN_SLOT, KF_MEM + KF_MLEAF1 + (1 << 3) + 2);
	kf_64(m, KF_MRANGE + MN_SLOT + 8, KF_MEM + KF_MLEAF2 + (1 << 3) + 2);
	kf_64(m, KF_MLEAF1 + MN_SLOT + 8, KF_MEM + KF_VMA);
	kf_64(m, KF_MLEAF1 + MN_SLOT + 24, KF_MEM + KF_VMA + 0x40);
	kf_64(m, KF_MLEAF2 + MN_SLOT, KF_MEM + KF_VMA + 0x80);
	kf_64(m, KF_MLEAF2 + MN_SLOT + 8, KF_MEM + KF_VMA + 0xc0);
	kf_64(m, KF_MLEAF2 + MN_SLOT + 16, KF_MEM + KF_STALE);
	kf_64(m, KF_MLEAF2 + MN_SLOT + 24, KF_MEM + KF_VMA + 0x100);
	kf_64(m, KF_MLEAF2 + MN_SLOT + 32, KF_MEM + KF_VMA);
	/* vm_area_struct: vm_start 0, vm_end 8, vm_mm 0x10, vm_flags 0x18
	 * (VM_READ 1, VM_WRITE 2, VM_EXEC 4), vm_pgoff 0x20, vm_file 0x28,
	 * vm_ops 0x30, vm_private_data 0x38. */
	static const struct { uint64_t start, end, flags, pgoff; bool file;
			      bool vdso; } vmas[] = {
		{ 0x400000, 0x401000, 1, 0, true, false },
		{ 0x401000, 0x500000, 5, 1, true, false },
		{ 0x600000, 0x601000, 3, 0, false, false },
		{ 0x1000000, 0x1021000, 3, 0, false, false },
		{ 0x7ffff7ff0000, 0x7ffff7ff2000, 5, 0, false, true },
		{ 0x900000, 0x901000, 7, 0, false, false },   /* the stale one */
	};
	for (unsigned i = 0; i < 6; i++) {
		uint32_t v = KF_VMA + 0x40 * i;
		kf_64(m, v, vmas[i].start);
		kf_64(m, v + 8, vmas[i].end);
		kf_64(m, v + 0x10, i == 5 ? KF_MEM + 0x3800 : KF_MEM + KF_MM);
		kf_64(m, v + 0x18, vmas[i].flags);
		kf_64(m, v + 0x20, vmas[i].pgoff);
		if (vmas[i].file)
			kf_64(m, v + 0x28, KF_MEM + KF_FILE);
		if (vmas[i].vdso) {
			kf_64(m, v + 0x30, KF_MEM + KF_VMOPS);
			kf_64(m, v + 0x38, KF_MEM + KF_SPECIAL);
		}
	}
	/* file: f_path.dentry 0x18, f_inode 0x20; dentry: d_parent 8,
	 * d_name.name 0x18; inode: i_ino 8, i_sb 0x10; super_block: s_dev
	 * 0x10 (0:2); vm_special_mapping: name 0. */
	kf_64(m, KF_FILE + 0x18, KF_MEM + KF_DBB);
	kf_64(m, KF_FILE + 0x20, KF_MEM + KF_INODE);
	kf_64(m, KF_DBB + 8, KF_MEM + KF_DBIN);
	kf_64(m, KF_DBB + 0x18, KF_MEM + KF_NAMES);
	kf_64(m, KF_DBIN + 8, KF_MEM + KF_DROOT);
	kf_64(m, KF_DBIN + 0x18, KF_MEM + KF_NAMES + 0x10);
	kf_64(m, KF_DROOT + 8, KF_MEM + KF_DROOT);
	kf_64(m, KF_DROOT + 0x18, KF_MEM + KF_NAMES + 0x18);
	memcpy(m->bytes + KF_NAMES, "busybox", 7);
	memcpy(m->bytes + KF_NAMES + 0x10, "bin", 3);
	memcpy(m->bytes + KF_NAMES + 0x18, "/", 1);
	memcpy(m->bytes + KF_NAMES + 0x20, "[vdso]", 6);
	kf_64(m, KF_INODE + 8, 11);
	kf_64(m, KF_INODE + 0x10, KF_MEM + KF_SB);
	kf_32(m, KF_SB + 0x10, 2);
	kf_64(m, KF_SPECIAL, KF_MEM + KF_NAMES + 0x20);
	kf_pages(m);
}

/* The kernel's types. */
static inline struct btf *kf_btf_build(enum kf_variant v)
{
	struct btf *b = btf__new_empty();
	if (!b)
		return NULL;
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int ul = btf__add_int(b, "long unsigned int", 8, 0);
	int ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	int vp = btf__add_ptr(b, 0);
	int comm = btf__add_array(b, u32, ch, 16);
	int name = btf__add_array(b, u32, ch, 56);
	int lh = btf__add_struct(b, "list_head", 16);
	int lhp = btf__add_ptr(b, lh);
	btf__add_field(b, "next", lhp, 0, 0);
	btf__add_field(b, "prev", lhp, 64, 0);
	int ts = btf__add_struct(b, "thread_struct", 8);
	btf__add_field(b, "sp", ul, 0, 0);
	int task = btf__add_struct(b, "task_struct", 0x200);
	btf__add_field(b, "tasks", lh, T_TASKS * 8, 0);
	btf__add_field(b, "pid", i32, T_PID * 8, 0);
	btf__add_field(b, "tgid", i32, T_TGID * 8, 0);
	btf__add_field(b, "stack", vp, T_STACK * 8, 0);
	btf__add_field(b, "comm", comm, T_COMM * 8, 0);
	btf__add_field(b, "thread", ts, T_THREAD * 8, 0);
	btf__add_field(b, "cpu", u32, T_CPU * 8, 0);
	btf__add_field(b, "signal", vp, T_SIGNAL * 8, 0);
	btf__add_field(b, "thread_node", lh, T_THREAD_NODE * 8, 0);
	btf__add_field(b, "stack_vm_area", vp, T_STACK_VM * 8, 0);
	btf__add_field(b, "mm", vp, T_MM * 8, 0);
	(void)task;
	btf__add_struct(b, "signal_struct", 0x40);
	btf__add_field(b, "thread_head", lh, S_THREAD_HEAD * 8, 0);
	int ml = btf__add_struct(b, "module_layout", 0x18);
	btf__add_field(b, "base", vp, 0, 0);
	btf__add_field(b, "size", u32, 64, 0);
	btf__add_field(b, "text_size", u32, 96, 0);
	btf__add_field(b, "ro_size", u32, 128, 0);
	btf__add_field(b, "ro_after_init_size", u32, 160, 0);
	btf__add_struct(b, "mod_kallsyms", 0x20);
	btf__add_field(b, "symtab", vp, 0, 0);
	btf__add_field(b, "num_symtab", u32, 64, 0);
	btf__add_field(b, "strtab", vp, 128, 0);
	int mm7 = -1;
	if (v == KF_V64) {
		int mmem = btf__add_struct(b, "module_memory", 0x10);
		btf__add_field(b, "base", vp, 0, 0);
		btf__add_field(b, "size", u32, 64, 0);
		mm7 = btf__add_array(b, u32, mmem, 7);
		btf__add_enum(b, "mod_mem_type", 4);
		static const char *const t[] = {
			"MOD_TEXT", "MOD_DATA", "MOD_RODATA",
			"MOD_RO_AFTER_INIT", "MOD_INIT_TEXT", "MOD_INIT_DATA",
			"MOD_INIT_RODATA", "MOD_MEM_NUM_TYPES",
		};
		for (int i = 0; i < 8; i++)
			btf__add_enum_value(b, t[i], i);
	}
	btf__add_struct(b, "module", v == KF_V64 ? 0x110 : 0x98);
	btf__add_field(b, "state", u32, 0, 0);
	btf__add_field(b, "list", lh, M_LIST * 8, 0);
	btf__add_field(b, "name", name, M_NAME * 8, 0);
	if (v == KF_V64) {
		btf__add_field(b, "mem", mm7, M_MEM * 8, 0);
	} else {
		btf__add_field(b, "core_layout", ml, M_CORE * 8, 0);
		btf__add_field(b, "init_layout", ml, M_INIT * 8, 0);
	}
	btf__add_field(b, "kallsyms", vp, M_KALLSYMS * 8, 0);
	btf__add_field(b, "percpu", vp, M_PERCPU * 8, 0);
	btf__add_field(b, "percpu_size", u32, M_PERCPU_SIZE * 8, 0);
	int rb = btf__add_struct(b, "rb_node", 0x18);
	btf__add_field(b, "__rb_parent_color", ul, 0, 0);
	btf__add_field(b, "rb_right", vp, RB_RIGHT * 8, 0);
	btf__add_field(b, "rb_left", vp, RB_LEFT * 8, 0);
	btf__add_struct(b, "rb_root", 8);
	btf__add_field(b, "rb_node", vp, 0, 0);
	int un = btf__add_union(b, NULL, 8);
	btf__add_field(b, "subtree_max_size", ul, 0, 0);
	btf__add_field(b, "vm", vp, 0, 0);
	btf__add_struct(b, "vmap_area", 0x40);
	btf__add_field(b, "va_start", ul, 0, 0);
	btf__add_field(b, "va_end", ul, 64, 0);
	btf__add_field(b, "rb_node", rb, VA_RB * 8, 0);
	btf__add_field(b, "list", lh, 0x28 * 8, 0);
	btf__add_field(b, NULL, un, VA_VM * 8, 0);
	btf__add_struct(b, "vm_struct", 0x38);
	btf__add_field(b, "next", vp, 0, 0);
	btf__add_field(b, "addr", vp, 64, 0);
	btf__add_field(b, "size", ul, 128, 0);
	btf__add_field(b, "flags", ul, 192, 0);
	btf__add_field(b, "nr_pages", u32, 256, 0);
	btf__add_field(b, "phys_addr", ul, 320, 0);
	btf__add_field(b, "caller", vp, 384, 0);
	btf__add_struct(b, "pcpu_hot", 0x40);
	btf__add_field(b, "current_task", vp, 0, 0);
	/* Memory of processes. */
	int mt = btf__add_struct(b, "maple_tree", 0x18);
	btf__add_field(b, "ma_lock", u32, 0, 0);
	btf__add_field(b, "ma_root", vp, 64, 0);
	btf__add_field(b, "ma_flags", u32, 128, 0);
	btf__add_struct(b, "mm_struct", 0x100);
	btf__add_field(b, "pgd", vp, MM_PGD * 8, 0);
	if (v == KF_V5)
		btf__add_field(b, "mmap", vp, 0x40 * 8, 0);
	else
		btf__add_field(b, "mm_mt", mt, 0x40 * 8, 0);
	btf__add_field(b, "start_brk", ul, MM_START_BRK * 8, 0);
	btf__add_field(b, "brk", ul, MM_BRK * 8, 0);
	btf__add_field(b, "start_stack", ul, 0x70 * 8, 0);
	int piv15 = btf__add_array(b, u32, ul, 15);
	int slot16 = btf__add_array(b, u32, vp, 16);
	int piv9 = btf__add_array(b, u32, ul, 9);
	int slot10 = btf__add_array(b, u32, vp, 10);
	btf__add_struct(b, "maple_range_64", 0x100);
	btf__add_field(b, "parent", vp, 0, 0);
	btf__add_field(b, "pivot", piv15, 64, 0);
	btf__add_field(b, "slot", slot16, MN_SLOT * 8, 0);
	btf__add_struct(b, "maple_arange_64", 0x100);
	btf__add_field(b, "parent", vp, 0, 0);
	btf__add_field(b, "pivot", piv9, 64, 0);
	btf__add_field(b, "slot", slot10, 0x50 * 8, 0);
	btf__add_enum(b, "maple_type", 4);
	btf__add_enum_value(b, "maple_dense", 0);
	btf__add_enum_value(b, "maple_leaf_64", 1);
	btf__add_enum_value(b, "maple_range_64", 2);
	btf__add_enum_value(b, "maple_arange_64", 3);
	btf__add_struct(b, "vm_area_struct", 0x40);
	btf__add_field(b, "vm_start", ul, 0, 0);
	btf__add_field(b, "vm_end", ul, 64, 0);
	btf__add_field(b, "vm_mm", vp, 128, 0);
	btf__add_field(b, "vm_flags", ul, 192, 0);
	btf__add_field(b, "vm_pgoff", ul, 256, 0);
	btf__add_field(b, "vm_file", vp, 320, 0);
	if (v == KF_V5) {
		btf__add_field(b, "vm_next", vp, 384, 0);
	} else {
		btf__add_field(b, "vm_ops", vp, 384, 0);
		btf__add_field(b, "vm_private_data", vp, 448, 0);
	}
	int path = btf__add_struct(b, "path", 0x10);
	btf__add_field(b, "mnt", vp, 0, 0);
	btf__add_field(b, "dentry", vp, 64, 0);
	btf__add_struct(b, "file", 0x40);
	btf__add_field(b, "f_path", path, 0x10 * 8, 0);
	btf__add_field(b, "f_inode", vp, 0x20 * 8, 0);
	int qstr = btf__add_struct(b, "qstr", 0x10);
	btf__add_field(b, "hash_len", ul, 0, 0);
	btf__add_field(b, "name", vp, 64, 0);
	int hlh = btf__add_struct(b, "hlist_head", 8);
	btf__add_field(b, "first", vp, 0, 0);
	int hln = btf__add_struct(b, "hlist_node", 16);
	btf__add_field(b, "next", vp, 0, 0);
	btf__add_field(b, "pprev", vp, 64, 0);
	int du = btf__add_union(b, NULL, 16);
	btf__add_field(b, "d_alias", hln, 0, 0);
	btf__add_field(b, "d_child", lh, 0, 0);
	btf__add_struct(b, "dentry", 0x40);
	btf__add_field(b, "d_parent", vp, 64, 0);
	btf__add_field(b, "d_name", qstr, 128, 0);
	btf__add_field(b, "d_u", du, 0x30 * 8, 0);
	btf__add_struct(b, "inode", 0x40);
	btf__add_field(b, "i_ino", ul, 64, 0);
	btf__add_field(b, "i_sb", vp, 128, 0);
	btf__add_field(b, "i_dentry", hlh, 0x20 * 8, 0);
	btf__add_struct(b, "super_block", 0x40);
	btf__add_field(b, "s_dev", u32, 128, 0);
	btf__add_struct(b, "vm_special_mapping", 0x30);
	btf__add_field(b, "name", vp, 0, 0);
	/* Pages and slabs, laid out as 6.1 lays them out. */
	btf__add_enum(b, "pageflags", 4);
	static const struct { const char *name; int v; } pf[] = {
		{ "PG_locked", PG_F_LOCKED }, { "PG_uptodate", PG_F_UPTODATE },
		{ "PG_lru", PG_F_LRU }, { "PG_slab", PG_F_SLAB },
		{ "PG_reserved", PG_F_RESERVED }, { "PG_head", PG_F_HEAD },
		{ "__NR_PAGEFLAGS", PG_F_NR }, { "PG_checked", 10 },
	};
	for (unsigned i = 0; i < sizeof(pf) / sizeof(pf[0]); i++)
		btf__add_enum_value(b, pf[i].name, pf[i].v);
	int pu = btf__add_struct(b, NULL, 0x28);
	btf__add_field(b, "lru", lh, 0, 0);
	btf__add_field(b, "mapping", vp, 0x10 * 8, 0);
	btf__add_field(b, "index", ul, 0x18 * 8, 0);
	btf__add_field(b, "private", ul, 0x20 * 8, 0);
	int pt = btf__add_struct(b, NULL, 8);
	btf__add_field(b, "compound_head", ul, 0, 0);
	int pun = btf__add_union(b, NULL, 0x28);
	btf__add_field(b, NULL, pu, 0, 0);
	btf__add_field(b, NULL, pt, 0, 0);
	int mc = btf__add_union(b, NULL, 4);
	btf__add_field(b, "_mapcount", i32, 0, 0);
	btf__add_field(b, "page_type", u32, 0, 0);
	btf__add_struct(b, "page", 0x40);
	btf__add_field(b, "flags", ul, 0, 0);
	btf__add_field(b, NULL, pun, 64, 0);
	btf__add_field(b, NULL, mc, 0x30 * 8, 0);
	int bits = btf__add_struct(b, NULL, 4);
	btf__add_field(b, "inuse", u32, 0, 16);
	btf__add_field(b, "objects", u32, 16, 15);
	btf__add_field(b, "frozen", u32, 31, 1);
	int cnt = btf__add_union(b, NULL, 8);
	btf__add_field(b, "counters", ul, 0, 0);
	btf__add_field(b, NULL, bits, 0, 0);
	btf__add_struct(b, "slab", 0x40);
	btf__add_field(b, "__page_flags", ul, 0, 0);
	btf__add_field(b, "slab_list", lh, 64, 0);
	btf__add_field(b, "slab_cache", vp, 0x18 * 8, 0);
	btf__add_field(b, "freelist", vp, 0x20 * 8, 0);
	btf__add_field(b, NULL, cnt, 0x28 * 8, 0);
	int oo = btf__add_struct(b, "kmem_cache_order_objects", 4);
	btf__add_field(b, "x", u32, 0, 0);
	btf__add_struct(b, "kmem_cache", 0x80);
	btf__add_field(b, "cpu_slab", vp, 0, 0);
	btf__add_field(b, "size", u32, 0x18 * 8, 0);
	btf__add_field(b, "object_size", u32, 0x1c * 8, 0);
	btf__add_field(b, "offset", u32, 0x20 * 8, 0);
	btf__add_field(b, "oo", oo, 0x28 * 8, 0);
	if (v != KF_V64)
		btf__add_field(b, "random", ul, 0x38 * 8, 0);
	btf__add_field(b, "red_left_pad", u32, 0x40 * 8, 0);
	btf__add_field(b, "name", vp, 0x48 * 8, 0);
	btf__add_struct(b, "kmem_cache_cpu", 0x20);
	btf__add_field(b, "freelist", vp, 0, 0);
	btf__add_field(b, "tid", ul, 64, 0);
	btf__add_field(b, "slab", vp, 128, 0);
	btf__add_field(b, "partial", vp, 192, 0);
	btf__add_struct(b, "address_space", 0x40);
	btf__add_field(b, "host", vp, 0, 0);
	return b;
}

struct kf_sym {
	const char *name;
	uint64_t addr;
	char type;
	bool absolute;
};

/* The kernel's symbols, the types attached: free with vml_ksyms_free. */
static inline struct vml_ksyms *kf_ksyms_v(enum kf_variant v)
{
	struct kf_sym syms[] = {
		{ "__per_cpu_start", 0, 'A', true },
		{ v == KF_V5 ? "current_task" : "pcpu_hot", 0x100, 'A', true },
		{ "__per_cpu_end", 0x200, 'A', true },
		{ "_text", KF_K, 'T', false },
		{ "kernel_clone", KF_K + 0x100, 'T', false },
		{ "schedule", KF_K + 0x400, 'T', false },
		{ "init_stack", KF_INITSTACK, 'D', false },
		{ "_end", KF_K + 0x1000000, 'B', false },
		{ "init_task", KF_MEM + KF_INIT, 'D', false },
		{ "modules", KF_MEM + KF_MODHEAD, 'd', false },
		{ "vmap_area_root", KF_MEM + KF_VROOT, 'd', false },
		{ "__per_cpu_offset", KF_MEM + KF_PCPUOFF, 'D', false },
		{ "nr_cpu_ids", KF_MEM + KF_NRCPU, 'D', false },
		{ "pcpu_unit_size", KF_MEM + KF_UNIT, 'd', false },
		{ "special_mapping_vmops", KF_MEM + KF_VMOPS, 'd', false },
		{ "page_offset_base", KF_MEM + KF_POB, 'D', false },
		{ "vmemmap_base", KF_MEM + KF_VMB, 'D', false },
		{ "max_pfn", KF_MEM + KF_MAXPFN, 'B', false },
	};
	size_t n = sizeof(syms) / sizeof(syms[0]);
	struct vml_kallsyms *t = calloc(1, sizeof(*t));
	struct btf *b = kf_btf_build(v);
	if (!t || !b)
		goto fail;
	t->syms = calloc(n, sizeof(*t->syms));
	t->names = calloc(1, 1024);
	if (!t->syms || !t->names)
		goto fail;
	t->count = n;
	t->addrs = VML_KALLSYMS_ABS_PERCPU;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		t->syms[i] = (struct vml_kallsyms_sym){ syms[i].addr,
							(uint32_t)at,
							syms[i].type,
							syms[i].absolute };
		strcpy(t->names + at, syms[i].name);
		at += strlen(syms[i].name) + 1;
	}
	t->names_size = at;
	struct vml_ksyms *ks = NULL;
	if (vml_ksyms_from_kallsyms(&vml_arch_x86_64, t, KF_K, KF_K,
				    KF_K + 0x1000000, &ks)) {
		btf__free(b);
		return NULL;
	}
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);
	struct vml_error *err = raw ? vml_btf_from_bytes(raw, size, &ks->btf) :
				      &vml_enomem;
	btf__free(b);
	if (err) {
		vml_error_free(err);
		vml_ksyms_free(ks);
		return NULL;
	}
	return ks;
fail:
	if (b)
		btf__free(b);
	if (t)
		vml_kallsyms_free(t);
	return NULL;
}

static inline struct vml_ksyms *kf_ksyms(void)
{
	return kf_ksyms_v(KF_V61);
}

static inline void kf_context(struct vml_kobj *c, struct vml_ksyms *ks,
			      struct kf_mem *m)
{
	memset(c, 0, sizeof(*c));
	c->read = kf_read;
	c->read_arg = m;
	c->ks = ks;
	c->btf = ks->btf;
	c->ptr_size = 8;
}

#endif

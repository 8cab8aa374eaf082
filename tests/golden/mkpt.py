"""mkpt.py - hand-built x86-64 page tables for the kernel goldens.

Tables live in a small "physical memory" buffer starting at physical 0:
page 0 stays empty, the root table is the page at 0x1000 and every further
table takes the next free page, in the order the mappings below are made,
so each table's physical address is fixed and can be read in the goldens.
Leaf frames point anywhere (they are never read). Entry bits are the
architectural ones (Intel SDM vol. 3A, 4.5):

  P=0 RW=1 US=2 PWT=3 PCD=4 A=5 D=6 PS=7 (PAT in a PTE) G=8 NX=63

Two address spaces:

KERNEL4 - 4-level paging, NX on, KASLR-looking bases:
  user       0x400000 r-x, 0x401000 rw- (4K), 0x7ffffffde000 rw- stack page
  direct map page_offset_base 0xffff9a4e40000000: a 1 GiB page (phys 0),
             then two 2 MiB pages (phys 0x40000000-0x40400000): one linear
             run of two page sizes
  vmalloc    0xffffb1a2c0002000 3 x 4K rw-, 0xffffb1a2c0010000 a W+X 4K
             page; PD entry 0xffffb1a2c0200000 a 2 MiB leaf with reserved
             bit 13 set; PD entries 0xffffb1a2c0400000 and ..0600000 share
             one PT (one 4K page at phys 0x5300000): the second is an alias
  vmemmap    0xffffd3f1c0000000 one 2 MiB page
  kernel     _text 0xffffffffa3a00000: 2 x 2 MiB r-x, 1 x 2 MiB r--,
             then at 0xffffffffa4000000 4 x 4K rw- (phys 0x1000000...)
  modules    0xffffffffc0123000 2 x 4K r-x (not global)
  fixmap     0xffffffffff5fc000 4K rw- PWT PCD (the IO-APIC at 0xfec00000)
  vsyscall   0xffffffffff600000 4K user r-x, frame 0x1405000 = a page of
             the kernel's r-- image, as the real vsyscall page is; US is
             set on every level of its path (so on PML4[511] that the
             kernel image shares: its leaves still lack US)
  last page  0xfffffffffffff000 4K rw- (no documented slot; ends at 2^64)

KERNEL5 - 5-level paging, NX on, every base at mm.rst's documented place:
  user 0x400000 r-x and 0x00ff7ffffff00000 rw- (above 47 bits),
  direct map 0xff11000000000000 1 GiB + 2 MiB, vmalloc 0xffa0000000001000,
  vmemmap 0xffd4000000000000 (2 MiB), kernel 0xffffffff81000000 2 MiB r-x
  + 0xffffffff81400000 4K rw-, fixmap 0xffffffffff5fc000.
"""

import struct

P, RW, US, PWT, PCD, A, D, PS, G = (1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80,
                                    0x100)
NX = 1 << 63
PAGE = 0x1000
K4, M2, G1 = 0x1000, 0x200000, 0x40000000

# Leaf permissions as Linux writes them (A and D set).
KERNEL_RW = P | RW | A | D | G | NX        # __PAGE_KERNEL
KERNEL_RX = P | A | G                       # __PAGE_KERNEL_EXEC, read-only
KERNEL_RO = P | A | G | NX                  # __PAGE_KERNEL_RO
KERNEL_IO = P | RW | PWT | PCD | A | D | G | NX   # uncached fixmap page
USER_RX = P | US | A
USER_RW = P | RW | US | A | D | NX
# Non-leaf entries: user tables allow everything (0x67), kernel tables do
# not set US (0x63); the leaf decides.
TABLE_USER = P | RW | US | A | D
TABLE_KERNEL = P | RW | A | D


class Tables:
    """Page tables being built; physical page 0x1000 is the root."""

    def __init__(self, levels):
        self.levels = levels
        self.pages = {}
        self.next = PAGE
        self.root = self.alloc()

    def alloc(self):
        pa = self.next
        self.next += PAGE
        self.pages[pa] = bytearray(PAGE)
        return pa

    def get(self, table, index):
        return struct.unpack_from("<Q", self.pages[table], 8 * index)[0]

    def set(self, table, index, value):
        struct.pack_into("<Q", self.pages[table], 8 * index, value)

    @staticmethod
    def index(va, level):
        return (va >> (12 + 9 * (level - 1))) & 511

    def table(self, va, level):
        """The table at `level` (1 = PT ... 5 = PML5) for va, creating
        missing tables on the way down."""
        t = self.root
        for lvl in range(self.levels, level, -1):
            i = self.index(va, lvl)
            e = self.get(t, i)
            if not e & P:
                flags = TABLE_USER if va < (1 << 63) else TABLE_KERNEL
                e = self.alloc() | flags
                self.set(t, i, e)
            t = e & 0x000ffffffffff000
        return t

    def map(self, va, pa, size, flags, count=1):
        """count leaves of size (4K, 2M or 1G) from va -> pa."""
        level = {K4: 1, M2: 2, G1: 3}[size]
        for k in range(count):
            v, p = va + k * size, pa + k * size
            leaf = flags | (PS if level > 1 else 0)
            self.set(self.table(v, level), self.index(v, level), p | leaf)

    def set_user_path(self, va):
        """OR US into every non-leaf entry on va's path, as Linux's
        set_vsyscall_pgtable_user_bits() does for the vsyscall page."""
        t = self.root
        for lvl in range(self.levels, 1, -1):
            i = self.index(va, lvl)
            e = self.get(t, i) | US
            self.set(t, i, e)
            t = e & 0x000ffffffffff000

    def buffer(self):
        """Physical memory 0 .. the last table page, as bytes."""
        out = bytearray(self.next)
        for pa, page in self.pages.items():
            out[pa:pa + PAGE] = page
        return bytes(out)


def kernel4():
    """The 4-level address space; returns (Tables, notes) where notes names
    the physical addresses the test asks about."""
    t = Tables(4)
    t.map(0x400000, 0x1e00000, K4, USER_RX)
    t.map(0x401000, 0x1e01000, K4, USER_RW)
    t.map(0x7ffffffde000, 0x1e10000, K4, USER_RW)
    # direct map: one linear run of a 1 GiB and two 2 MiB pages
    t.map(0xffff9a4e40000000, 0, G1, KERNEL_RW)
    t.map(0xffff9a4e80000000, 0x40000000, M2, KERNEL_RW, count=2)
    # vmalloc
    t.map(0xffffb1a2c0002000, 0x5000000, K4, KERNEL_RW & ~G, count=3)
    t.map(0xffffb1a2c0010000, 0x5100000, K4, P | RW | A | D)   # W+X
    pd = t.table(0xffffb1a2c0200000, 2)
    # A 2 MiB leaf must have bits 20:13 clear: bit 13 is reserved.
    t.set(pd, t.index(0xffffb1a2c0200000, 2),
          0x5200000 | (1 << 13) | PS | (KERNEL_RW & ~G))
    t.map(0xffffb1a2c0400000, 0x5300000, K4, KERNEL_RW & ~G)
    shared_pt = t.get(pd, t.index(0xffffb1a2c0400000, 2))
    t.set(pd, t.index(0xffffb1a2c0600000, 2), shared_pt)       # alias
    # vmemmap
    t.map(0xffffd3f1c0000000, 0x6000000, M2, KERNEL_RW)
    # kernel image at a KASLR-looking _text
    t.map(0xffffffffa3a00000, 0x1000000, M2, KERNEL_RX, count=2)
    t.map(0xffffffffa3e00000, 0x1400000, M2, KERNEL_RO)
    t.map(0xffffffffa4000000, 0x1600000, K4, KERNEL_RW, count=4)
    # a module, fixmap, vsyscall, the last page
    t.map(0xffffffffc0123000, 0x7000000, K4, P | A | D, count=2)
    t.map(0xffffffffff5fc000, 0xfec00000, K4, KERNEL_IO)
    t.map(0xffffffffff600000, 0x1405000, K4, USER_RX)
    t.set_user_path(0xffffffffff600000)
    t.map(0xfffffffffffff000, 0x1ff000, K4, KERNEL_RW)
    return t, {"shared_pt": shared_pt & 0x000ffffffffff000}


def kernel5():
    t = Tables(5)
    t.map(0x400000, 0x1e00000, K4, USER_RX)
    t.map(0x00ff7ffffff00000, 0x1e01000, K4, USER_RW)
    t.map(0xff11000000000000, 0, G1, KERNEL_RW)
    t.map(0xff11000040000000, 0x40000000, M2, KERNEL_RW)
    t.map(0xffa0000000001000, 0x3000000, K4, KERNEL_RW & ~G)
    t.map(0xffd4000000000000, 0x4000000, M2, KERNEL_RW)
    t.map(0xffffffff81000000, 0x1000000, M2, KERNEL_RX)
    t.map(0xffffffff81400000, 0x1400000, K4, KERNEL_RW)
    t.map(0xffffffffff5fc000, 0xfec00000, K4, KERNEL_IO)
    return t, {}

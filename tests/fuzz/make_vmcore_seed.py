#!/usr/bin/python3
"""A tiny x86-64 kernel dump in QEMU's dump-guest-memory ELF layout, built
by hand (so every byte is known): physical memory of 6 pages at 1 MiB holding
4-level page tables that map one 4 KiB page, writable and no-execute, at
VA; notes NT_PRSTATUS, QEMU's CPU state (CR3 = ROOT_PA) and VMCOREINFO.

Used by tests/python/test_vmcore_synthetic.py and to write the fuzzer's
seeds: `make_vmcore_seed.py DIR` writes DIR/elf-qemu (with the CPU note),
DIR/elf-vmcoreinfo (without: the root from VMCOREINFO's init_top_pgt), and
the kdump-compressed layout: DIR/kdump-zlib, DIR/kdump-raw-flattened.
"""

import os
import struct
import sys
import zlib

PAGE = 4096
# The memory starts at 1 MiB, as RAM above the legacy hole does: a process
# core's PT_LOADs all have p_paddr 0, a machine's do not.
BASE_PA = 0x100000
ROOT_PA = BASE_PA + 0x1000    # PML4
PDPT_PA = BASE_PA + 0x2000
PD_PA = BASE_PA + 0x3000
PT_PA = BASE_PA + 0x4000
DATA_PA = BASE_PA + 0x5000
MEMORY = 6 * PAGE
VA = 0xffffffffa0000000   # PML4[511] PDPT[510] PD[256] PT[0]
PC = VA + 0x10
KERNEL_OFFSET = 0x1f000000
PHYS_BASE = -0x2000000
# init_top_pgt's address: ROOT_PA = it - __START_KERNEL_map + phys_base.
INIT_TOP_PGT = 0xffffffff80000000 + ROOT_PA - PHYS_BASE

P, RW, NX = 1, 2, 1 << 63


def _memory():
    mem = bytearray(MEMORY)

    def entry(table, index, value):
        struct.pack_into("<Q", mem, table - BASE_PA + 8 * index, value)
    entry(ROOT_PA, 511, PDPT_PA | P | RW)
    entry(PDPT_PA, 510, PD_PA | P | RW)
    entry(PD_PA, 256, PT_PA | P | RW)
    entry(PT_PA, 0, DATA_PA | P | RW | NX)
    data = DATA_PA - BASE_PA
    mem[data:data + 16] = b"vmlayout vmcore!"
    return bytes(mem)


def _note(name, ntype, desc):
    name = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + \
        pad(desc)


def _prstatus():
    # elf_prstatus: 112 bytes before user_regs_struct (27 words), rip is
    # word 16; then 8 bytes of padding: 336 bytes.
    regs = [0] * 27
    regs[16] = PC
    return bytes(112) + struct.pack("<27Q", *regs) + bytes(8)


def _qemu_cpu_state(cr3, cr4=0x20):
    # QEMUCPUState version 1: version, size, 16 GPRs, rip, rflags,
    # 10 segments of 24 bytes, cr[5], kernel_gs_base.
    size = 8 + 16 * 8 + 16 + 10 * 24 + 5 * 8 + 8
    out = struct.pack("<II", 1, size) + bytes(16 * 8)
    out += struct.pack("<QQ", PC, 0x46) + bytes(10 * 24)
    out += struct.pack("<5Q", 0x80050033, 0, 0, cr3, cr4) + bytes(8)
    assert len(out) == size
    return out


def _vmcoreinfo():
    return ("OSRELEASE=6.1.0-synthetic\nPAGESIZE=4096\n"
            "SYMBOL(_stext)=%x\nSYMBOL(init_top_pgt)=%x\n"
            "NUMBER(phys_base)=%d\nNUMBER(pgtable_l5_enabled)=0\n"
            "KERNELOFFSET=%x\n" % (VA, INIT_TOP_PGT, PHYS_BASE,
                                   KERNEL_OFFSET)).encode() + b"\0"


def build(cpu_note=True, vmcoreinfo=True):
    notes = _note("CORE", 1, _prstatus())
    if cpu_note:
        notes += _note("QEMU", 0, _qemu_cpu_state(ROOT_PA))
    if vmcoreinfo:
        notes += _note("VMCOREINFO", 0, _vmcoreinfo())
    phnum = 2
    phoff = 64
    notes_off = phoff + 56 * phnum
    load_off = notes_off + len(notes)
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56,
                        phnum, 0, 0, 0)
    ph_note = struct.pack("<IIQQQQQQ", 4, 0, notes_off, 0, 0, len(notes),
                          len(notes), 0)
    ph_load = struct.pack("<IIQQQQQQ", 1, 0, load_off, 0, BASE_PA, MEMORY,
                          MEMORY, 0)
    return ehdr + ph_note + ph_load + notes + _memory()


def build_kdump(compress=True, flattened=False):
    """The same machine in the kdump-compressed layout (QEMU's
    DiskDumpHeader64, KdumpSubHeader64, PageDescriptor; 4 KiB blocks):
    header, sub-header, two bitmaps, descriptors, notes, VMCOREINFO, pages
    (zlib or raw); flattened: makedumpfile's stream of it."""
    block = PAGE
    pfn0, pages = BASE_PA // PAGE, MEMORY // PAGE
    max_mapnr = pfn0 + pages
    notes = _note("CORE", 1, _prstatus()) + \
        _note("QEMU", 0, _qemu_cpu_state(ROOT_PA))
    vmci = _vmcoreinfo()
    notes += _note("VMCOREINFO", 0, vmci)
    notes_off = 5 * block
    vmci_off = notes_off + len(notes)
    data_off = vmci_off + len(vmci)
    head = bytearray(block)
    head[0:8] = b"KDUMP   "
    struct.pack_into("<I", head, 8, 6)
    head[12 + 4 * 65:12 + 4 * 65 + 6] = b"x86_64"
    struct.pack_into("<9I", head, 424, 1 if compress else 0, block, 1, 2,
                     max_mapnr, pages, 0, pages, 0)
    struct.pack_into("<I", head, 460, 1)
    sub = bytearray(block)
    struct.pack_into("<q", sub, 0, PHYS_BASE)
    struct.pack_into("<QQQQ", sub, 32, vmci_off, len(vmci), notes_off,
                     len(notes))
    struct.pack_into("<Q", sub, 96, max_mapnr)
    bitmap = bytearray(block)
    for pfn in range(pfn0, max_mapnr):
        bitmap[pfn // 8] |= 1 << (pfn % 8)
    mem = _memory()
    descs = bytearray(block)
    data = bytearray()
    for i in range(pages):
        page = mem[i * PAGE:(i + 1) * PAGE]
        body = zlib.compress(page) if compress else page
        struct.pack_into("<QIIQ", descs, 24 * i, data_off + len(data),
                         len(body), 1 if compress else 0, 0)
        data += body
    out = bytes(head + sub + bitmap + bitmap + descs) + notes + vmci + \
        bytes(data)
    if not flattened:
        return out
    flat = bytearray(PAGE)
    flat[0:12] = b"makedumpfile"
    struct.pack_into(">qq", flat, 16, 1, 1)
    for off in range(0, len(out), 3000):
        chunk = out[off:off + 3000]
        flat += struct.pack(">qq", off, len(chunk)) + chunk
    return bytes(flat + struct.pack(">qq", -1, -1))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "elf-qemu"), "wb") as f:
        f.write(build())
    with open(os.path.join(out, "elf-vmcoreinfo"), "wb") as f:
        f.write(build(cpu_note=False))
    with open(os.path.join(out, "kdump-zlib"), "wb") as f:
        f.write(build_kdump())
    with open(os.path.join(out, "kdump-raw-flattened"), "wb") as f:
        f.write(build_kdump(compress=False, flattened=True))


if __name__ == "__main__":
    main()

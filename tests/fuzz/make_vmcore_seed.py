#!/usr/bin/python3
"""A tiny x86-64 kernel dump in QEMU's dump-guest-memory ELF layout, built
by hand (so every byte is known): physical memory of 6 pages at 1 MiB holding
4-level page tables that map one 4 KiB page, writable and no-execute, at
VA; notes NT_PRSTATUS, QEMU's CPU state (CR3 = ROOT_PA) and VMCOREINFO.

Used by tests/python/test_vmcore_synthetic.py and to write the fuzzer's
seeds: `make_vmcore_seed.py DIR` writes DIR/elf-qemu (with the CPU note) and
DIR/elf-vmcoreinfo (without: the root from VMCOREINFO's init_top_pgt).
"""

import os
import struct
import sys

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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "elf-qemu"), "wb") as f:
        f.write(build())
    with open(os.path.join(out, "elf-vmcoreinfo"), "wb") as f:
        f.write(build(cpu_note=False))


if __name__ == "__main__":
    main()

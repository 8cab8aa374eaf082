"""mkcore.py - a small, deterministic ELF64 x86-64 core file for the goldens.

It imitates what the Linux kernel writes for a crashing 2-thread PIE process
(demo-prog, pid 4242) that uses one shared library (libdemo.so.1, mapped
with a 64 KiB PROT_NONE hole between its segments). Only what
libvmlayout's core reader parses is written (see libvmlayout/core_elf.c):

  PT_NOTE  "CORE" notes, 4-byte aligned, in the kernel's order:
           NT_PRSTATUS (thread 4242, crashed), NT_PRPSINFO, NT_SIGINFO,
           NT_AUXV, NT_FILE, NT_PRSTATUS (thread 4243)
  PT_LOAD  one per mapping, sorted by address. Like the kernel, file pages
           that were never written (text, rodata, the hole, vvar,
           vsyscall) have p_filesz 0; the ELF header page of each object
           (coredump_filter bit 4), written pages (relro after relocation,
           .data) and all anonymous memory are dumped.

Offsets inside the notes come from <sys/procfs.h>, <sys/user.h> and
<signal.h> on x86-64 (checked with offsetof on Debian 12):
  struct elf_prstatus (336 bytes): pr_cursig @12 (short), pr_pid @32,
      pr_reg @112 = 27 x 8 bytes of user_regs_struct: rip is index 16,
      rsp is index 19
  struct elf_prpsinfo (136 bytes): pr_pid @24, pr_fname[16] @40,
      pr_psargs[80] @56
  siginfo_t (128 bytes): si_signo @0, si_code @8, si_addr @16

The NT_FILE names are the absolute paths given (the generated ELF files in
the test's temporary directory), since a core has no sysroot.

Usage: build(exe_path, lib_path) -> bytes (the core); LAYOUT describes it.
"""

import struct

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4
ET_CORE, EM_X86_64 = 4, 62
PAGE = 0x1000

NT_PRSTATUS, NT_PRPSINFO, NT_AUXV = 1, 3, 6
NT_SIGINFO, NT_FILE = 0x53494749, 0x46494C45

PID, TID2 = 4242, 4243
SIGSEGV, SEGV_MAPERR = 11, 1

EXE_BASE = 0x555555554000      # PIE load address (as without ASLR)
LIB_BASE = 0x7ffff7f9c000
LIB_GAP = 0x10000              # mkelf gap: RW segment 64 KiB higher
HEAP = (0x55555556d000, 0x555555571000)
FAULT = HEAP[1] + 0x10         # a heap overflow just past the brk end
VVAR = (0x7ffff7fc1000, 0x7ffff7fc5000)
VDSO = (0x7ffff7fc5000, 0x7ffff7fc7000)
STACK = (0x7fffffffb000, 0x7ffffffff000)
EXECFN = 0x7fffffffefe0        # exec's copy of the file name, top of stack
MAIN_SP, MAIN_IP = 0x7fffffffe3a0, EXE_BASE + 0x1004   # in main, at ret
THREAD_STACK = (0x7ffff7bf0000, 0x7ffff7c00000)
THREAD_GUARD = (0x7ffff7bef000, 0x7ffff7bf0000)
THREAD_SP, THREAD_IP = 0x7ffff7bffd40, LIB_BASE + 0x1012
VSYSCALL = (0xffffffffff600000, 0xffffffffff601000)


def _object(base, gap, path, data, with_hole):
    """Mappings of one mkelf object: (start, end, flags, file, dumped
    bytes or None). file is (path, page offset) for NT_FILE."""
    def page(off, end):
        # Memory of a file page: the file's bytes up to the segment's end
        # (ld.so zeroes the .bss part of the last page), then zeros.
        b = data[off:min(off + PAGE, end)]
        return b + bytes(PAGE - len(b))
    m = []
    m.append((base, base + 0x1000, PF_R, (path, 0), page(0, 0x1000)))
    m.append((base + 0x1000, base + 0x2000, PF_R | PF_X, (path, 1), None))
    m.append((base + 0x2000, base + 0x3000, PF_R, (path, 2), None))
    if with_hole:
        # ld.so maps the whole span from offset 0 first, then mprotects the
        # hole PROT_NONE: it keeps the file offset of its own address.
        m.append((base + 0x3000, base + 0x3000 + gap, 0, (path, 3), None))
    m.append((base + 0x3000 + gap, base + 0x4000 + gap, PF_R, (path, 3),
              page(0x3000, 0x4000)))
    m.append((base + 0x4000 + gap, base + 0x5000 + gap, PF_R | PF_W,
              (path, 4), page(0x4000, 0x4040)))
    # .bss beyond the last file page: anonymous, dumped (zeros).
    m.append((base + 0x5000 + gap, base + 0x7000 + gap, PF_R | PF_W, None,
              bytes(0x2000)))
    return m


def mappings(exe_path, exe, lib_path, lib):
    """Every mapping of the crashed process, ascending."""
    stack = bytearray(STACK[1] - STACK[0])
    name = b"/usr/bin/demo-prog\0"
    stack[EXECFN - STACK[0]:EXECFN - STACK[0] + len(name)] = name
    vdso = bytearray(VDSO[1] - VDSO[0])
    vdso[0:4] = b"\x7fELF"          # the vDSO is an ELF image
    m = _object(EXE_BASE, 0, exe_path, exe, False)
    m += [
        (HEAP[0], HEAP[1], PF_R | PF_W, None, bytes(HEAP[1] - HEAP[0])),
        (THREAD_GUARD[0], THREAD_GUARD[1], 0, None, None),
        (THREAD_STACK[0], THREAD_STACK[1], PF_R | PF_W, None,
         bytes(THREAD_STACK[1] - THREAD_STACK[0])),
    ]
    m += _object(LIB_BASE, LIB_GAP, lib_path, lib, True)
    m += [
        (VVAR[0], VVAR[1], PF_R, None, None),
        (VDSO[0], VDSO[1], PF_R | PF_X, None, bytes(vdso)),
        (STACK[0], STACK[1], PF_R | PF_W, None, bytes(stack)),
        # xonly vsyscall: exec only, nothing readable to dump.
        (VSYSCALL[0], VSYSCALL[1], PF_X, None, None),
    ]
    return m


def _note(ntype, desc):
    """One "CORE" note: namesz 5 ("CORE\\0" padded to 8), desc padded to 4."""
    name = b"CORE\0\0\0\0"
    pad = (-len(desc)) % 4
    return struct.pack("<III", 5, len(desc), ntype) + name + desc + bytes(pad)


def _prstatus(tid, cursig, ip, sp):
    d = bytearray(336)
    struct.pack_into("<h", d, 12, cursig)         # pr_cursig
    struct.pack_into("<iiii", d, 32, tid, 1, tid, tid)   # pid ppid pgrp sid
    struct.pack_into("<Q", d, 112 + 16 * 8, ip)   # pr_reg[RIP]
    struct.pack_into("<Q", d, 112 + 19 * 8, sp)   # pr_reg[RSP]
    return bytes(d)


def _prpsinfo():
    d = bytearray(136)
    d[0], d[1] = 0, ord("R")                      # pr_state, pr_sname
    struct.pack_into("<iiii", d, 24, PID, 1, PID, PID)
    d[40:40 + 9] = b"demo-prog"                   # pr_fname[16]
    args = b"/usr/bin/demo-prog --crash"
    d[56:56 + len(args)] = args                   # pr_psargs[80]
    return bytes(d)


def _siginfo():
    d = bytearray(128)
    struct.pack_into("<iii", d, 0, SIGSEGV, 0, SEGV_MAPERR)
    struct.pack_into("<Q", d, 16, FAULT)          # si_addr
    return bytes(d)


def _auxv():
    # The tags libvmlayout reads, in the kernel's order, plus a few others.
    pairs = [
        (33, VDSO[0]),              # AT_SYSINFO_EHDR
        (16, 0x178bfbff),           # AT_HWCAP
        (6, PAGE),                  # AT_PAGESZ
        (17, 100),                  # AT_CLKTCK
        (3, EXE_BASE + 0x40),       # AT_PHDR: right after the ELF header
        (4, 56),                    # AT_PHENT
        (5, 7),                     # AT_PHNUM: mkelf.NPHDR
        (7, 0),                     # AT_BASE: no interpreter in this core
        (9, EXE_BASE + 0x1020),     # AT_ENTRY: _start
        (23, 0),                    # AT_SECURE
        (31, EXECFN),               # AT_EXECFN
        (0, 0),                     # AT_NULL
    ]
    return b"".join(struct.pack("<QQ", t, v) for t, v in pairs)


def _file_note(maps):
    files = [(s, e, f) for s, e, _, f, _ in maps if f]
    d = struct.pack("<QQ", len(files), PAGE)
    for s, e, (_, pgoff) in files:
        d += struct.pack("<QQQ", s, e, pgoff)
    for _, _, (path, _) in files:
        d += path.encode() + b"\0"
    return d


def build(exe_path, lib_path):
    """The core as bytes; reads the two (mkelf) files for dumped pages."""
    with open(exe_path, "rb") as f:
        exe = f.read()
    with open(lib_path, "rb") as f:
        lib = f.read()
    maps = mappings(exe_path, exe, lib_path, lib)
    notes = b"".join([
        _note(NT_PRSTATUS, _prstatus(PID, SIGSEGV, MAIN_IP, MAIN_SP)),
        _note(NT_PRPSINFO, _prpsinfo()),
        _note(NT_SIGINFO, _siginfo()),
        _note(NT_AUXV, _auxv()),
        _note(NT_FILE, _file_note(maps)),
        _note(NT_PRSTATUS, _prstatus(TID2, 0, THREAD_IP, THREAD_SP)),
    ])
    nph = 1 + len(maps)
    notes_off = EHDR.size + nph * PHDR.size
    data_off = (notes_off + len(notes) + PAGE - 1) & ~(PAGE - 1)
    phdrs = [PHDR.pack(PT_NOTE, 0, notes_off, 0, 0, len(notes), 0, 0)]
    body = bytearray()
    for start, end, flags, _, dumped in maps:
        n = len(dumped) if dumped is not None else 0
        assert n in (0, end - start)
        phdrs.append(PHDR.pack(PT_LOAD, flags, data_off + len(body), start,
                               0, n, end - start, PAGE))
        if dumped:
            body += dumped
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = EHDR.pack(ident, ET_CORE, EM_X86_64, 1, 0, EHDR.size, 0, 0,
                     EHDR.size, PHDR.size, nph, 0, 0, 0)
    head = ehdr + b"".join(phdrs) + notes
    return head + bytes(data_off - len(head)) + bytes(body)

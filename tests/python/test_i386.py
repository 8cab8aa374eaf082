"""32-bit (i386) support without running 32-bit code: the library on the
32-bit test fixture's file (ELF32 program headers, sections and symbols),
i386 disassembly, and the x32 "unsupported" line. (Live 32-bit processes
and their cores: tests/gdb/test_i386.py, in a guest.)

Truths: readelf -lW / -SW and nm of the fixture, objdump -D -b binary -m
i386 on the fixture's own .text bytes, GDB's architecture names.
"""

import os
import re
import shutil
import struct
import subprocess

import pytest

import vmlayout

from conftest import TOP_BUILDDIR

FIXTURE32 = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "i386_fixture")
BIAS = 0x56555000        # where a PIE is put with ASLR off


def need_fixture32():
    if not os.access(FIXTURE32, os.R_OK):
        pytest.skip("the 32-bit fixture is not built: configure found no "
                    "working gcc -m32 (install gcc-multilib)")
    for tool in ("readelf", "nm", "objdump"):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed" % tool)


def _run(*args):
    return subprocess.run(args, capture_output=True, text=True,
                          check=True).stdout


def _loads(path):
    """readelf -lW: [(offset, vaddr, filesz, memsz, flags)] of PT_LOADs."""
    rows = []
    for line in _run("readelf", "-lW", path).splitlines():
        m = re.match(r"^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+\s+"
                     r"(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+0x",
                     line)
        if m:
            rows.append(tuple(int(m.group(i), 16) for i in range(1, 5)) +
                        (m.group(5).replace(" ", ""),))
    return rows


def _sections(path):
    """readelf -SW: {name: (addr, offset, size)} of allocated sections."""
    out = {}
    for line in _run("readelf", "-SW", path).splitlines():
        m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+"
                     r"([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*A\S*)\s", line)
        if m:
            out[m.group(1)] = (int(m.group(3), 16), int(m.group(4), 16),
                               int(m.group(5), 16), m.group(2))
    return out


def _maps_text(path):
    """The maps a loader makes of the fixture at BIAS, one line per page
    range of each PT_LOAD (file part), plus the anonymous .bss tail."""
    lines = []
    page = 4096
    for off, vaddr, filesz, memsz, flags in _loads(path):
        start = BIAS + (vaddr & ~(page - 1))
        file_end = BIAS + ((vaddr + filesz + page - 1) & ~(page - 1))
        mem_end = BIAS + ((vaddr + memsz + page - 1) & ~(page - 1))
        perms = ("r" if "R" in flags else "-") + \
            ("w" if "W" in flags else "-") + \
            ("x" if "E" in flags else "-") + "p"
        lines.append("%08x-%08x %s %08x 08:01 77 %s" % (
            start, file_end, perms, off & ~(page - 1), path))
        if mem_end > file_end:
            lines.append("%08x-%08x %s 00000000 00:00 0" % (
                file_end, mem_end, perms))
    lines.append("fffdd000-ffffe000 rw-p 00000000 00:00 0 [stack]")
    return "\n".join(lines) + "\n"


def test_elf32_sections_and_symbols_match_readelf_and_nm():
    """Every function and object symbol nm lists is found at its address,
    in the section readelf says holds it."""
    need_fixture32()
    path = os.path.realpath(FIXTURE32)
    sections = _sections(path)
    syms = {}
    for line in _run("nm", "--defined-only", path).splitlines():
        parts = line.split()
        # Weak aliases too (W, V): of several names at one address whereis
        # gives the one GDB's `info symbol` gives, which may be weak.
        if len(parts) == 3 and parts[1] in "TtDdBbRrWV":
            syms.setdefault(int(parts[0], 16), set()).add(parts[2])
    assert any("counter" in names for names in syms.values())
    with vmlayout.from_maps(_maps_text(path), exe=path, arch="i386") as l:
        assert l.arch == "i386"
        checked = 0
        for link, names in sorted(syms.items()):
            if link == 0:
                continue
            w = l.where(BIAS + link)
            if w.region is None:
                continue     # e.g. symbols past the mapped file pages
            want = [n for n, (a, _o, s, _t) in sections.items()
                    if a <= link < a + s]
            if not want:
                continue     # in no allocated section (linker symbols)
            assert w.section == want[0], (hex(link), names)
            assert w.section_offset == link - sections[want[0]][0]
            assert w.symbol in names, (hex(link), names, w.symbol)
            assert w.symbol_offset == 0
            checked += 1
        assert checked >= 10
        # .bss past the file: the anonymous tail, named by the ELF.
        bss = sections[".bss"]
        w = l.where(BIAS + bss[0] + bss[2] - 1)
        assert (w.region.kind, w.section) == ("bss", ".bss")
        pic = l.render()
        assert pic.startswith("0xffffffff +")
        assert "EiB" not in pic


def test_disasm_i386_matches_objdump(tmp_path):
    """The fixture's whole .text, decoded one instruction after the other,
    says what objdump -m i386 says of the same bytes."""
    need_fixture32()
    addr, off, size, _ = _sections(FIXTURE32)[".text"]
    with open(FIXTURE32, "rb") as f:
        f.seek(off)
        code = f.read(size)
    raw = tmp_path / "text.bin"
    raw.write_bytes(code)
    out = _run("objdump", "-D", "-b", "binary", "-m", "i386",
               "--no-show-raw-insn", "--adjust-vma=%#x" % addr, str(raw))
    want = []
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*\S)\s*$", line)
        if m:
            want.append((int(m.group(1), 16), m.group(2)))
    assert len(want) > 50
    differs = 0
    pos = 0
    for i, (a, text) in enumerate(want):
        assert a == addr + pos, (hex(a), hex(addr + pos))
        got, n = vmlayout.disasm(code[pos:pos + 16], a, arch="i386")
        assert got == text, hex(a)
        nxt = want[i + 1][0] if i + 1 < len(want) else addr + size
        assert n == nxt - a, hex(a)
        differs += vmlayout.disasm(code[pos:pos + 16], a)[0] != got
        pos += n
    # The same bytes are other instructions in 64-bit mode.
    assert differs > 0


def test_arch_names():
    assert vmlayout.arch_from_name("i386") == vmlayout.ARCH_I386
    assert vmlayout.arch_from_name("i386:x86-64") == vmlayout.ARCH_X86_64
    assert vmlayout.arch_from_name("i386:x64-32") == vmlayout.ARCH_X32
    assert vmlayout.arch_name(vmlayout.ARCH_I386) == "i386"
    assert vmlayout.disasm(b"\x5d", 0x1000, arch="i386")[0] == "pop    %ebp"
    assert vmlayout.disasm(b"\x5d", 0x1000)[0] == "pop    %rbp"


X32_LINE = ("unsupported: x32 processes (the x86-64 ABI with 32-bit "
            "pointers, ELFCLASS32 x86-64)")


def test_x32_is_one_unsupported_line():
    """GDB calls an x32 process "i386:x64-32"; its cores are ELFCLASS32
    EM_X86_64. Both get the library's one line, never a wrong layout."""
    maps = "00400000-00401000 r-xp 00000000 08:01 1 /bin/x\n"
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.from_maps(maps, arch="i386:x64-32")
    assert e.value.code == vmlayout.ERROR_UNSUPPORTED
    assert e.value.message == X32_LINE
    # An ELF32 x86-64 core header (e_machine 62, ET_CORE).
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 4, 62, 1, 0, 52, 0, 0, 52,
                               32, 0, 40, 0, 0)
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_core_bytes(ehdr)
    assert e.value.code == vmlayout.ERROR_UNSUPPORTED
    assert e.value.message == X32_LINE
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.from_maps(maps, arch="sparc")
    assert e.value.code == vmlayout.ERROR_UNSUPPORTED

"""Tests of the ctypes bindings and the Pythonic API (vmlayout package).

Truths: the C compiler (struct sizes and offsets), the header text
(function list), hand-written maps text with hand-computed answers, the
fixture's own /proc/PID/maps, objdump, and gcore."""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

import vmlayout
from vmlayout import _lib

from conftest import FIXTURE, TOP_SRCDIR, clean_env, parse_maps

HEADER = os.path.join(TOP_SRCDIR, "libvmlayout", "vmlayout.h")


def header_text():
    with open(HEADER) as f:
        text = f.read()
    # Comments hold words like "vml_layout_where(" too: drop them.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


# ------------------------------------------------------------------ ABI


def c_struct_fields(text, name):
    """Field names of struct NAME as declared in the header."""
    m = re.search(r"struct\s+%s\s*\{(.*?)\};" % name, text, re.S)
    assert m, "struct %s not in header" % name
    return re.findall(r"(\w+)\s*(?:\[[^\]]*\])?\s*;", m.group(1))


def test_struct_fields_match_header():
    text = header_text()
    for name, cls in _lib.STRUCTS.items():
        assert [f[0] for f in cls._fields_] == c_struct_fields(text, name), \
            name


def test_struct_layout_matches_c_compiler(tmp_path):
    gcc = shutil.which("gcc") or shutil.which("cc")
    if not gcc:
        pytest.skip("no C compiler")
    lines = ["#include <stddef.h>", "#include <stdio.h>",
             '#include "vmlayout.h"', "int main(void) {"]
    for name, cls in _lib.STRUCTS.items():
        lines.append('printf("%s sizeof %%zu\\n", sizeof(struct %s));'
                     % (name, name))
        lines.append('printf("%s alignof %%zu\\n", _Alignof(struct %s));'
                     % (name, name))
        for field, _ in cls._fields_:
            lines.append('printf("%s %s %%zu\\n", offsetof(struct %s, %s));'
                         % (name, field, name, field))
    lines.append("return 0; }")
    src = tmp_path / "abi.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "abi"
    subprocess.run([gcc, "-std=gnu11", "-I",
                    os.path.join(TOP_SRCDIR, "libvmlayout"), "-o", str(exe),
                    str(src)], check=True, env=clean_env())
    out = subprocess.run([str(exe)], check=True, capture_output=True,
                         text=True, env=clean_env()).stdout
    c = {}
    for line in out.splitlines():
        name, what, value = line.split()
        c[(name, what)] = int(value)
    for name, cls in _lib.STRUCTS.items():
        assert ctypes.sizeof(cls) == c[(name, "sizeof")], name
        assert ctypes.alignment(cls) == c[(name, "alignof")], name
        for field, _ in cls._fields_:
            assert getattr(cls, field).offset == c[(name, field)], \
                "%s.%s" % (name, field)


# Structs that cross the API without a size: vml_region is only handed out
# by pointer (callers read the fields they know); the others are fixed for
# the ABI (arrays of them carry no element size, or they are embedded).
UNSIZED = {"vml_region", "vml_named_value", "vml_kernel_symbol",
           "vml_pt_step"}


def sized_minimums(text):
    """{struct name: (macro, last field of the published prefix)} from the
    header's VML_*_SIZE_V2 definitions."""
    pattern = (r"#define\s+(VML_\w+_SIZE_V2)\s*\\?\s*"
               r"VML_SIZE_THROUGH\(struct\s+(\w+),\s*(\w+)\)")
    return {name: (macro, field)
            for macro, name, field in re.findall(pattern, text)}


def test_sized_structs_have_published_minimums(tmp_path):
    """Every struct the library fills or reads with a size has its
    VML_*_SIZE_V2; the ctypes mirror holds that whole prefix (so the sizes
    _lib.py passes are never refused) and the C compiler agrees on it."""
    with open(HEADER) as f:
        raw = f.read()
    mins = sized_minimums(raw)
    assert sorted(mins) == sorted(set(_lib.STRUCTS) - UNSIZED)
    gcc = shutil.which("gcc") or shutil.which("cc")
    if not gcc:
        pytest.skip("no C compiler")
    lines = ["#include <stdio.h>", '#include "vmlayout.h"', "int main(void) {"]
    for name, (macro, _) in sorted(mins.items()):
        lines.append('printf("%s %%zu\\n", (size_t)%s);' % (name, macro))
    lines.append("return 0; }")
    src = tmp_path / "mins.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "mins"
    subprocess.run([gcc, "-std=gnu11", "-I",
                    os.path.join(TOP_SRCDIR, "libvmlayout"), "-o", str(exe),
                    str(src)], check=True, env=clean_env())
    out = subprocess.run([str(exe)], check=True, capture_output=True,
                         text=True, env=clean_env()).stdout
    c = {n: int(v) for n, v in (line.split() for line in out.splitlines())}
    for name, (macro, field) in mins.items():
        cls = _lib.STRUCTS[name]
        f = getattr(cls, field)
        assert c[name] == f.offset + f.size, macro
        assert ctypes.sizeof(cls) >= c[name], name


def c_prototypes(text):
    """{name: (returns an error?, parameter count)} from the header."""
    protos = {}
    pattern = r"([A-Za-z_][\w\s\*]*?)\b(vml_\w+)\s*\(([^;{]*?)\)\s*;"
    for ret, name, params in re.findall(pattern, text, re.S):
        if "typedef" in ret:
            continue
        params = params.strip()
        count = 0 if params in ("", "void") else params.count(",") + 1
        protos[name] = (bool(re.search(r"struct\s+vml_error\s*\*", ret)),
                        count)
    return protos


def test_every_header_function_is_declared():
    protos = c_prototypes(header_text())
    assert len(protos) > 40   # the parser itself found the header's API
    declared = {name: (restype, argtypes)
                for name, restype, argtypes in _lib._PROTOTYPES}
    assert sorted(declared) == sorted(protos)
    assert _lib.MISSING == []   # the library under test exports them all
    for name, (returns_error, nparams) in protos.items():
        restype, argtypes = declared[name]
        assert len(argtypes) == nparams, name
        assert (restype is _lib.error_p) == returns_error, name


def exported_symbols(path):
    """Names of the functions and data a shared library exports."""
    out = subprocess.run(["nm", "-D", "--defined-only", path], check=True,
                         capture_output=True, text=True,
                         env=clean_env()).stdout
    return {line.split()[2].split("@")[0] for line in out.splitlines()
            if len(line.split()) == 3}


def test_exports_are_exactly_the_header_functions():
    """The .so exports the functions vmlayout.h declares and nothing else
    (-fvisibility=hidden + VML_PUBLIC): internals such as the layout
    builder, the core parser, the static out-of-memory error, the string
    builder and the hash map are not part of the ABI."""
    if not shutil.which("nm"):
        pytest.skip("no nm (binutils)")
    header = set(c_prototypes(header_text()))
    assert len(header) > 40
    exported = exported_symbols(_lib.lib._name)
    assert sorted(exported - header) == []
    assert sorted(header - exported) == []
    for internal in ("vml_layout_append", "vml_core_parse", "vml_enomem",
                     "vml_error_create", "vml_sb_printf", "vml_hashmap_put",
                     "vml_arch_get", "vml_json_region"):
        assert internal not in exported


def test_abi_version_and_soname():
    """The header's VML_ABI_VERSION, the loaded library's vml_abi_version(),
    the bindings' constant and the shared library's soname (from libtool's
    -version-info, read back with readelf) all say the same ABI."""
    with open(HEADER) as f:
        header = int(re.search(r"#define\s+VML_ABI_VERSION\s+(\d+)",
                               f.read()).group(1))
    assert header == _lib.VML_ABI_VERSION == _lib.vml_abi_version()
    if not shutil.which("readelf"):
        pytest.skip("no readelf (binutils)")
    out = subprocess.run(["readelf", "-d", _lib.lib._name], check=True,
                         capture_output=True, text=True,
                         env=clean_env()).stdout
    soname = re.search(r"\(SONAME\).*\[(.*)\]", out).group(1)
    assert soname == "libvmlayout.so.%d" % header


# A stand-in libvmlayout of another ABI: one that reports ABI 1, and one
# from before vml_abi_version existed (ABI 1 too).
OTHER_ABI = {
    "reports-1": "int vml_abi_version(void) { return 1; }\n"
                 "const char *vml_version(void) { return \"0.0.1\"; }\n",
    "predates": "const char *vml_version(void) { return \"0.0.1\"; }\n",
}


@pytest.mark.parametrize("kind", sorted(OTHER_ABI))
def test_library_of_another_abi_is_refused(tmp_path, kind):
    gcc = shutil.which("gcc") or shutil.which("cc")
    if not gcc:
        pytest.skip("no C compiler")
    src = tmp_path / "other.c"
    src.write_text(OTHER_ABI[kind])
    lib = tmp_path / "libvmlayout.so.1"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(lib), str(src)],
                   check=True, env=clean_env())
    env = clean_env()
    env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python")
    env["VMLAYOUT_LIBRARY"] = str(lib)
    r = subprocess.run([sys.executable, "-c", "import vmlayout"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: cannot use VMLAYOUT_LIBRARY"), last
    assert "ABI 1" in last and "needs ABI %d" % _lib.VML_ABI_VERSION in last


def test_enum_counts_match_header():
    text = header_text()
    kinds = re.search(r"enum vml_kind \{(.*?)\};", text, re.S).group(1)
    assert len(re.findall(r"VML_KIND_\w+", kinds)) - 1 == _lib.VML_KIND_COUNT
    groups = re.search(r"enum vml_group \{(.*?)\};", text, re.S).group(1)
    assert len(re.findall(r"VML_GROUP_\w+", groups)) - 1 == \
        _lib.VML_GROUP_COUNT


# ------------------------------------------------------------------ names


def test_kind_and_group_names():
    # Spelled as in the header's comments (the JSON names).
    assert vmlayout.KINDS == [
        "unknown", "text", "rodata", "relro", "data", "bss", "heap", "stack",
        "thread-stack", "guard", "mmap-file", "mmap-anon", "vdso", "vvar",
        "vsyscall", "kernel", "direct-map", "vmalloc", "vmemmap",
        "cpu-entry-area", "espfix", "efi", "kernel-text", "modules",
        "fixmap", "kasan-shadow", "ldt-remap", "reserved", "pci-io"]
    assert vmlayout.GROUPS == ["none", "exe", "heap", "mmap", "stack",
                               "special", "kernel"]


def test_version_and_format_size():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", vmlayout.version())
    # The header's examples (exact values without decimals).
    assert vmlayout.format_size(4096) == "4 KiB"
    assert vmlayout.format_size(3 << 19) == "1.5 MiB"
    assert vmlayout.format_size(128 << 40) == "128 TiB"


def test_disasm_one():
    # push %rbp; mov %rsp,%rbp — encodings from the Intel SDM.
    assert vmlayout.disasm(b"\x55\x48\x89\xe5", 0x1000) == ("push   %rbp", 1)
    text, n = vmlayout.disasm(b"\x48\x89\xe5", 0x1001)
    assert (" ".join(text.split()), n) == ("mov %rsp,%rbp", 3)


def test_disasm_error_raises():
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.disasm(b"", 0x1000)
    assert e.value.code != vmlayout.OK
    assert e.value.message


# ------------------------------------------------------------------ from_maps

MAPS = """\
00400000-00401000 r--p 00000000 08:01 1234                               /usr/bin/vml-nonexistent-demo
00401000-00402000 r-xp 00001000 08:01 1234                               /usr/bin/vml-nonexistent-demo
00600000-00621000 rw-p 00000000 00:00 0                                  [heap]
7f0000000000-7f0000004000 ---p 00000000 00:00 0 
7f0000010000-7f0000011000 rw-s 00000000 00:05 99                         /dev/shm/vml-x (deleted)
7f0000020000-7f0000820000 rw-p 00000000 00:00 0 
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
"""
THREADS = [(1000, 0x7ffffffde800, True), (1001, 0x7f000081f000, False)]


@pytest.fixture
def hand_layout():
    with vmlayout.from_maps(MAPS, threads=THREADS) as layout:
        yield layout


def test_from_maps_regions(hand_layout):
    regs = hand_layout.regions
    assert len(hand_layout) == 7 and len(regs) == 7
    r = regs[1]
    assert (r.start, r.end, r.size) == (0x401000, 0x402000, 0x1000)
    assert (r.perms, r.offset, r.dev_major, r.dev_minor, r.inode) == \
        ("r-xp", 0x1000, 8, 1, 1234)
    assert r.name == r.path == "/usr/bin/vml-nonexistent-demo"
    assert not r.deleted
    assert regs[2].name == "[heap]" and regs[2].path is None
    assert regs[3].name is None and regs[3].perms == "---p"
    shm = regs[4]
    assert shm.deleted and shm.path == "/dev/shm/vml-x"
    assert shm.perms == "rw-s"
    assert shm.prot == (_lib.VML_PROT_READ | _lib.VML_PROT_WRITE |
                        _lib.VML_PROT_SHARED)
    assert regs[6].start == 0x7ffffffde000 and regs[6].end == 0x7ffffffff000
    assert "0x401000" in repr(r)
    assert list(hand_layout) == regs
    assert regs is hand_layout.regions   # built once


def test_from_maps_kinds(hand_layout):
    regs = hand_layout.regions
    assert regs[2].kind == "heap" and regs[2].group == "heap"
    # PROT_NONE not right below a stack: a reservation, not a guard.
    assert regs[3].kind == "reserved" and regs[3].tid == 0
    assert regs[5].kind == "thread-stack" and regs[5].tid == 1001
    assert regs[5].tids == [1001] and regs[6].tids == [1000]
    assert regs[3].tids == [] and regs[2].tids == []
    assert regs[6].kind == "stack" and regs[6].group == "stack"
    assert regs[6].tid == 1000


def test_find(hand_layout):
    regs = hand_layout.regions
    assert hand_layout.find(0x401800) is regs[1]
    assert hand_layout.find(0x401000) is regs[1]
    assert hand_layout.find(0x402000) is None
    assert hand_layout.find(0x3fffff) is None
    assert hand_layout.find(0x7fffffffeff8) is regs[6]


def test_gap(hand_layout):
    regs = hand_layout.regions
    assert hand_layout.gap(0x401000) is None
    g = hand_layout.gap(0x500000)
    assert (g["start"], g["last"], g["size"]) == (0x402000, 0x5fffff, 0x1fe000)
    assert g["below"] is regs[1] and g["above"] is regs[2]
    g = hand_layout.gap(0)
    assert (g["start"], g["last"], g["below"]) == (0, 0x3fffff, None)
    g = hand_layout.gap(0xffffffffffffffff)
    assert (g["start"], g["last"]) == (0x7ffffffff000, 0xffffffffffffffff)
    assert g["above"] is None and g["below"] is regs[6]


def test_where_mapped_and_stack(hand_layout):
    w = hand_layout.where(0x7f000081f000 - 8)
    assert w.region is hand_layout.regions[5]
    assert w.gap is None
    assert w.half == vmlayout.HALF_USER and w.canonical
    assert w.stack_tid == 1001
    assert w.stack_sp == 0x7f000081f000 and w.above_sp == -8
    w = hand_layout.where(0x7f000081f000 + 0x10)
    assert w.above_sp == 0x10


def test_where_unmapped_and_noncanonical(hand_layout):
    w = hand_layout.where(0x7f0000005000)
    assert w.region is None
    assert (w.gap["start"], w.gap["last"]) == (0x7f0000004000, 0x7f000000ffff)
    assert w.gap["size"] == 0xc000
    w = hand_layout.where(0x0000800000000000)
    assert not w.canonical and w.half == vmlayout.HALF_NONCANONICAL
    assert w.region is None
    w = hand_layout.where(0xffff800000000000)
    assert w.canonical and w.half == vmlayout.HALF_KERNEL
    # Python ints beyond 64 bits wrap like the C uint64_t would.
    assert hand_layout.where(-1).addr == 0xffffffffffffffff


def test_render_formats(hand_layout):
    doc = json.loads(hand_layout.render("json"))
    assert len(doc["regions"]) == 7
    picture = hand_layout.render()
    assert "0x" in picture and picture == hand_layout.render("picture")
    assert hand_layout.render("table")
    with pytest.raises(ValueError):
        hand_layout.render("svg")
    assert json.loads(hand_layout.where_text(0x401000, "json"))
    assert hand_layout.where_text(0x401000)
    # A Where already computed renders the same as its address.
    for addr in (0x401000, 0x10, 0x0000800000000000):
        w = hand_layout.where(addr)
        for fmt in ("text", "json"):
            assert hand_layout.where_text(w, fmt) == \
                hand_layout.where_text(addr, fmt)
    with pytest.raises(ValueError):
        hand_layout.where_text(0x401000, "picture")


def test_not_a_core_and_complete(hand_layout):
    assert hand_layout.core_info is None
    assert hand_layout.incomplete is False


def test_close_is_idempotent_and_final():
    layout = vmlayout.from_maps(MAPS)
    layout.close()
    layout.close()
    with pytest.raises(ValueError):
        len(layout)
    assert "closed" in repr(layout)


def test_maps_as_bytes_and_named_anon():
    text = (b"7f0000000000-7f0000001000 rw-p 00000000 00:00 0"
            b"                          [anon:my arena]\n")
    with vmlayout.from_maps(text) as layout:
        r = layout.regions[0]
        assert r.name == "[anon:my arena]" and r.path is None
        assert r.flags & _lib.VML_REGION_ANON_NAMED


# ------------------------------------------------------------------ errors


def test_parse_error_raises_with_code():
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.from_maps("this is not a maps line\n")
    assert e.value.code == vmlayout.ERROR_PARSE
    assert e.value.message and "\n" not in e.value.message
    assert str(e.value) == e.value.message


def test_overlap_is_format_error():
    text = ("00400000-00402000 r--p 00000000 00:00 0\n"
            "00401000-00403000 r--p 00000000 00:00 0\n")
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.from_maps(text)
    assert e.value.code == vmlayout.ERROR_FORMAT


def test_open_pid_errors():
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_pid(pid_max)   # pids are < pid_max: never exists
    assert e.value.code == vmlayout.ERROR_NOT_FOUND
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_pid(-1)
    assert e.value.code == vmlayout.ERROR_INVALID


def test_open_core_errors(tmp_path):
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_core(str(tmp_path / "no-such-core"))
    assert e.value.code == vmlayout.ERROR_NOT_FOUND
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_core_bytes(b"this is not an ELF file at all")
    assert e.value.code in (vmlayout.ERROR_FORMAT,
                            vmlayout.ERROR_UNSUPPORTED)
    # An ELF32 header is well-formed ELF but not what we handle.
    elf32 = b"\x7fELF\x01\x01\x01" + bytes(64 - 7)
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_core_bytes(elf32)
    assert e.value.code in (vmlayout.ERROR_FORMAT,
                            vmlayout.ERROR_UNSUPPORTED)


# ------------------------------------------------------------------ live


def proc_maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        return f.read()


def assert_same_regions(layout, truth):
    got = [(r.start, r.end, r.perms, r.offset, r.inode, r.name, r.path)
           for r in layout.regions]
    want = [(t["start"], t["end"], t["perms"], t["offset"], t["inode"],
             t["name"], t["path"]) for t in truth]
    assert got == want


def test_open_pid_matches_proc_maps(waiting_fixture):
    pid, facts = waiting_fixture
    truth = parse_maps(proc_maps(pid))
    with vmlayout.open_pid(pid) as layout:
        assert_same_regions(layout, truth)


def test_open_pid_known_kinds(waiting_fixture):
    pid, facts = waiting_fixture
    with vmlayout.open_pid(pid) as layout:
        def kind(name):
            return layout.find(facts[name]).kind
        # The fixture's PROT_NONE window lies below no stack: reserved;
        # the second thread's glibc guard is right below its stack.
        assert kind("guard") == "reserved"
        stack = layout.find(facts["thread_sp"])
        assert stack.kind == "thread-stack"
        assert stack.tids == [facts["thread_tid"]]
        below = layout.regions[stack.index - 1]
        assert below.end == stack.start and below.perms == "---p"
        assert below.kind == "guard" and below.tid == facts["thread_tid"]
        assert kind("rw_anon") == "mmap-anon"
        assert kind("file_map") == "mmap-file"
        assert layout.find(facts["file_map"]).path == facts["file_path"]
        assert kind("big_malloc") in ("heap", "mmap-anon")
        assert kind("fixture_bss") == "bss"
        assert kind("counter") == "data"
        assert kind("main") == "text"
        stack = layout.find(facts["thread_sp"])
        assert stack.kind == "thread-stack"
        assert stack.tid == facts["thread_tid"]
        # The fixture leaves exactly 4 pages unmapped below the RW mapping.
        g = layout.gap(facts["gap_below_rw"])
        assert g["size"] == 4 * 4096
        assert g["above"].start == facts["rw_anon"]


def objdump_first_insn(path, symbol):
    """(link address, instruction text) of symbol's first instruction."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path],
                         check=True, capture_output=True, text=True,
                         env=clean_env()).stdout
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.endswith("<%s>:" % symbol))
    addr, _, insn = lines[head + 1].partition(":")
    return int(addr, 16), " ".join(insn.split())


def test_from_maps_with_reader(waiting_fixture):
    """The reader callback feeds instruction bytes to whereis."""
    pid, facts = waiting_fixture
    calls = []

    def reader(space, addr, size):
        calls.append((space, addr, size))
        if space != vmlayout.SPACE_VIRTUAL:
            return None
        with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
            mem.seek(addr)
            return mem.read(size)

    with open("/proc/%d/auxv" % pid, "rb") as f:
        auxv = f.read()
    with vmlayout.from_maps(proc_maps(pid), auxv=auxv, exe=FIXTURE,
                            reader=reader,
                            threads=[(pid, 0, True)]) as layout:
        w = layout.where(facts["main"])
        _, insn = objdump_first_insn(FIXTURE, "main")
        assert w.has_insn and " ".join(w.insn.split()) == insn
        assert w.symbol == "main" and w.symbol_offset == 0
        assert w.section == ".text"
    assert calls, "the reader was never called"


def test_reader_that_raises_is_a_failed_read(waiting_fixture):
    pid, facts = waiting_fixture

    def reader(space, addr, size):
        raise RuntimeError("boom")

    with vmlayout.from_maps(proc_maps(pid), reader=reader) as layout:
        w = layout.where(facts["rw_anon"])
        assert w.region.start == facts["rw_anon"]


def test_reader_short_read_is_a_failed_read():
    got = []

    def reader(space, addr, size):
        got.append(size)
        return b"\x90"   # always too short unless size == 1

    text = "00401000-00402000 r-xp 00000000 00:00 0 \n"
    with vmlayout.from_maps(text, reader=reader) as layout:
        w = layout.where(0x401000)
        assert w.region is layout.regions[0]
        if w.has_insn:   # only from a 1-byte read: nop
            assert w.insn == "nop"


# ------------------------------------------------------------------ cores


@pytest.fixture(scope="module")
def fixture_core(waiting_fixture):
    pid, facts = waiting_fixture
    gdb = shutil.which("gdb")
    if not gdb:
        pytest.skip("no gdb to write a core with")
    if os.environ.get("ENABLE_SANITIZERS") == "yes":
        # The fixture is built with ASan there: gcore would walk its
        # terabytes of shadow mappings. The normal build covers cores.
        pytest.skip("no gcore of an ASan-built fixture")
    maps = proc_maps(pid)
    tmp = tempfile.mkdtemp(prefix="vmlayout-core-")
    path = os.path.join(tmp, "fixture.core")
    try:
        subprocess.run([gdb, "-nx", "-batch", "-p", str(pid), "-ex",
                        "gcore " + path], check=True, capture_output=True,
                       timeout=60, env=clean_env())
        yield path, pid, facts, maps
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_open_core_matches_maps_at_dump_time(fixture_core):
    path, pid, facts, maps = fixture_core
    with vmlayout.open_core(path) as layout:
        info = layout.core_info
        assert info["pid"] == pid
        assert info["command"] == "regions_fixture"[:15]
        assert info["nthreads"] == 2
        # Every file-backed mapping of the fixture is in the core's layout.
        starts = {r.start: r for r in layout.regions}
        for t in parse_maps(maps):
            if t["path"] and t["path"] == FIXTURE:
                assert t["start"] in starts
                assert starts[t["start"]].path == FIXTURE


def test_open_core_bytes_equals_open_core(fixture_core):
    path = fixture_core[0]
    with open(path, "rb") as f:
        data = f.read()
    with vmlayout.open_core(path) as a, vmlayout.open_core_bytes(data) as b:
        assert a.regions == b.regions
        assert a.core_info == b.core_info
    del data   # the Layout kept its own copy alive until closed


# ------------------------------------------------------------------ stacks

STACK_MAPS = """\
7f0000000000-7f0000001000 ---p 00000000 00:00 0 
7f0000001000-7f0000041000 rw-p 00000000 00:00 0 
7f0000100000-7f0000101000 ---p 00000000 00:00 0 
7f0000101000-7f0000141000 rw-p 00000000 00:00 0 
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
"""


def test_stacks_by_sp():
    """Two threads' $sp in one mapping, a third's in a guard, the main
    thread's below [stack]: the answers worked out by hand."""
    threads = [(10, 0x7ffffffde000 - 0x800, True),
               (12, 0x7f0000021000, False), (11, 0x7f0000011000, False),
               (13, 0x7f0000101000 - 0xe20, False)]
    with vmlayout.from_maps(STACK_MAPS, threads=threads) as layout:
        shared = layout.find(0x7f0000001000)
        assert shared.kind == "thread-stack"
        assert shared.tids == [11, 12] and shared.tid == 11
        assert layout.find(0x7f0000000000).kind == "guard"
        guard = layout.find(0x7f0000100000)
        assert guard.kind == "guard" and guard.tids == [13]
        w = layout.where(0x7f0000021000)
        assert (w.stack_tid, w.above_sp) == (12, 0)
        assert w.stack_role == vmlayout.STACK_ROLE_LIVE
        assert w.stack_threads == [11, 12] and w.stack_region == shared
        w = layout.where(0x7f0000101000 - 0xe20)
        assert w.stack_role == vmlayout.STACK_ROLE_OVERFLOW
        assert (w.stack_tid, w.overflow_depth) == (13, 0xe20)
        assert w.stack_region == layout.find(0x7f0000101000)
        w = layout.where(0x7ffffffde000 - 0x800)
        assert w.region is None and w.stack_is_main
        assert w.stack_role == vmlayout.STACK_ROLE_GAP_OVERFLOW
        assert (w.stack_tid, w.overflow_depth) == (10, 0x800)
        doc = json.loads(layout.render("json"))
        assert [r["tids"] for r in doc["regions"]] == [[], [11, 12], [13],
                                                       [], []]

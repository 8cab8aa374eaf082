"""Kernel dumps without QEMU: a tiny x86-64 vmcore built by hand
(tests/fuzz/make_vmcore_seed.py: 4-level tables mapping one 4 KiB page,
writable and no-execute, a QEMU CPU note with CR3, VMCOREINFO) so every
answer is known in advance; then damaged copies of it, each of which must
give one line on standard error and exit status 1 (or, for memory cut
short, a warning naming the truncation). The same reader on a real guest's
dump is tested against the live guest in tests/kernel/test_vmcore.py."""

import json
import os
import struct
import subprocess
import sys

import pytest

import vmlayout

from conftest import TOP_SRCDIR

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "fuzz"))
import make_vmcore_seed as seed  # noqa: E402


def run(*args):
    e = dict(os.environ)
    e.setdefault("PYTHONPATH", os.path.join(TOP_SRCDIR, "python"))
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=e, timeout=60)


def run_json(*args):
    r = run(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "tiny.vmcore"
    p.write_bytes(seed.build())
    return str(p)


def test_detected_as_kernel_dump(tiny, tmp_path):
    assert vmlayout.dump_format(tiny) == "elf"
    # The same file without the notes that make it a machine's is still
    # one by its physical addresses; with them at 0 as well (what a
    # process core has), it is not.
    p = tmp_path / "plain.core"
    data = bytearray(seed.build(cpu_note=False, vmcoreinfo=False))
    p.write_bytes(bytes(data))
    assert vmlayout.dump_format(str(p)) == "elf"
    struct.pack_into("<Q", data, 64 + 56 + 24, 0)
    p.write_bytes(bytes(data))
    assert vmlayout.dump_format(str(p)) is None


def test_facts(tiny):
    with vmlayout.open_vmcore(tiny) as v:
        i = v.info
        assert (i["format"], i["arch"], i["cpus"], i["segments"],
                i["memory_bytes"]) == ("elf", "x86-64", 1, 1, seed.MEMORY)
        assert i["cpu_state"] and i["vmcoreinfo"] and not i["incomplete"]
        assert i["pc"] == seed.PC
        assert i["kernel_offset"] == seed.KERNEL_OFFSET
        assert i["phys_base"] == seed.PHYS_BASE
        assert i["osrelease"] == "6.1.0-synthetic"
        assert "first CPU" in i["paging_from"]
        assert v.vmcoreinfo("SYMBOL(_stext)") == "%x" % seed.VA
        assert v.vmcoreinfo("NO(such_key)") is None


def test_walk_maps_exactly_the_hand_made_page(tiny):
    d = run_json("--core", tiny, "--pagetables", "--json")
    assert [(r["start"], r["end"], r["phys"], r["page_size"], r["write"],
             r["nx"], r["user"], r["status"]) for r in d["ranges"]] == \
        [(seed.VA, seed.VA + 4096, seed.DATA_PA, 4096, True, True, False,
          "mapped")]
    assert run_json("--core", tiny, "--wx", "--json")["ranges"] == []


def test_whereis_walks_the_hand_made_tables(tiny):
    w, = run_json("--core", tiny, "--json", "--whereis", "%#x" % (seed.VA + 8))
    assert w["mapped"] and w["phys"] == seed.DATA_PA + 8
    assert [(l["table"], l["index"]) for l in w["levels"]] == \
        [(seed.ROOT_PA, 511), (seed.PDPT_PA, 510), (seed.PD_PA, 256),
         (seed.PT_PA, 0)]
    assert w["kind"] == "kernel-text"
    hits, = run_json("--core", tiny, "--json", "--phys", "--whereis",
                     "%#x" % seed.DATA_PA)
    assert hits["total"] == 1
    assert [h["va"] for h in hits["mappings"]] == [seed.VA]
    w, = run_json("--core", tiny, "--json", "--whereis", "0x10")
    assert not w["mapped"]


def test_picture(tiny):
    r = run("--core", tiny)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == ("kernel dump %s: QEMU ELF, 1 CPU, 24 KiB of memory, "
                        "Linux 6.1.0-synthetic, KASLR offset 0x1f000000"
                        % tiny)
    assert lines[1].startswith("page tables at CR3 %#x: 4-level"
                               % seed.ROOT_PA)
    assert "_text             0xffffffffa0000000  (given)" in r.stdout


def test_root_from_vmcoreinfo_without_cpu_state(tmp_path):
    p = tmp_path / "kdump-like.vmcore"
    p.write_bytes(seed.build(cpu_note=False))
    with vmlayout.open_vmcore(str(p)) as v:
        assert not v.info["cpu_state"]
        assert "init_top_pgt" in v.info["paging_from"]
        assert v.info["pc"] == seed.PC   # from NT_PRSTATUS
        d = json.loads(v.answer("pagetables", "json"))
        assert [r["start"] for r in d["ranges"]] == [seed.VA]
    # Neither CPU state nor a root in VMCOREINFO: one line.
    p = tmp_path / "no-root.vmcore"
    data = bytearray(seed.build(cpu_note=False))
    i = data.index(b"SYMBOL(init_top_pgt)")
    data[i:i + 6] = b"SYMBOX"
    p.write_bytes(bytes(data))
    r = run("--core", str(p))
    assert r.returncode == 1 and "no page-table root" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_tool_options_for_process_cores_refused(tiny):
    r = run("--core", tiny, "--table")
    assert r.returncode == 2 and "kernel dump" in r.stderr


# ------------------------------------------------------------------ damage

def _damaged(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(bytes(data))
    r = run("--core", str(p))
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    return r, lines


def _one_line(r, lines, expect):
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert len(lines) == 1 and lines[0].startswith("vmlayout: "), r.stderr
    assert expect in lines[0], lines[0]


NOTES_OFF = 64 + 2 * 56


def _open_bytes(blob):
    """vml_vmcore_open_buffer on blob: the vmcore's info, or raises."""
    import ctypes
    from vmlayout import _lib
    buf = ctypes.create_string_buffer(bytes(blob), max(len(blob), 1))
    h = _lib.vmcore_p()
    _lib.check(_lib.vml_vmcore_open_buffer(buf, len(blob), ctypes.byref(h)))
    v = vmlayout.Vmcore(h.value, keep=[buf])
    try:
        return v.info, v.answer("pagetables", "json")
    finally:
        v.close()


def _lib_open(blob):
    """(handle, buffer) of vml_vmcore_open_buffer on blob."""
    import ctypes
    from vmlayout import _lib
    buf = ctypes.create_string_buffer(bytes(blob), max(len(blob), 1))
    h = _lib.vmcore_p()
    _lib.check(_lib.vml_vmcore_open_buffer(buf, len(blob), ctypes.byref(h)))
    return h.value, buf


def test_every_cut_gives_one_line_or_a_warning(tmp_path):
    data = seed.build()
    memory_off = len(data) - seed.MEMORY
    # Every cut inside the headers and notes: an error of one line.
    for cut in range(0, memory_off):
        with pytest.raises(vmlayout.Error) as e:
            _open_bytes(data[:cut])
        assert "\n" not in str(e.value) and str(e.value), cut
    # Inside the memory: incomplete, saying so.
    for cut in (memory_off + 1, memory_off + seed.PT_PA - seed.BASE_PA + 100,
                len(data) - 1):
        try:
            info, _ = _open_bytes(data[:cut])
            assert info["incomplete"]
        except vmlayout.Error as e:
            assert "\n" not in str(e)    # the tables are cut: no walk
    # The tables are all there: the walk still works.
    info, text = _open_bytes(data[:len(data) - 1])
    assert info["problem"] == ("truncated: PT_LOAD 1 (physical %#x) has "
                               "%d of its %d bytes" % (seed.BASE_PA,
                                                       seed.MEMORY - 1,
                                                       seed.MEMORY))
    assert [r["start"] for r in json.loads(text)["ranges"]] == [seed.VA]
    # And the command line: one line of error, or the warning first.
    for cut, status in ((memory_off - 20, 1), (100, 1), (len(data) - 1, 0)):
        r, lines = _damaged(tmp_path, "cut", data[:cut])
        assert r.returncode == status, (cut, r.stderr)
        assert len(lines) == 1 and lines[0].startswith("vmlayout: "), \
            (cut, r.stderr)
    assert "is incomplete: truncated: PT_LOAD 1" in lines[0]


def test_bad_program_headers(tmp_path):
    data = bytearray(seed.build())
    bad = bytearray(data)
    struct.pack_into("<H", bad, 54, 40)          # e_phentsize
    _one_line(*_damaged(tmp_path, "a", bad), "e_phentsize 40")
    bad = bytearray(data)
    struct.pack_into("<Q", bad, 32, 1 << 40)     # e_phoff past the file
    _one_line(*_damaged(tmp_path, "b", bad), "program headers")
    bad = bytearray(data)
    struct.pack_into("<H", bad, 56, 0)           # e_phnum 0
    r, lines = _damaged(tmp_path, "c", bad)
    assert r.returncode == 1 and len(lines) == 1
    bad = bytearray(data)
    struct.pack_into("<Q", bad, 64 + 8, 1 << 50)  # PT_NOTE p_offset
    r, lines = _damaged(tmp_path, "d", bad)
    assert r.returncode == 1 and len(lines) == 1
    bad = bytearray(data)
    struct.pack_into("<Q", bad, 64 + 32, 1 << 50)  # PT_NOTE p_filesz
    _one_line(*_damaged(tmp_path, "e", bad), "PT_NOTE 0")
    bad = bytearray(data)
    # PT_LOAD's p_paddr + p_filesz wraps past 2^64.
    struct.pack_into("<Q", bad, 64 + 56 + 24, (1 << 64) - 4096)
    _one_line(*_damaged(tmp_path, "f", bad), "wraps past 2^64")
    bad = bytearray(data)
    struct.pack_into("<Q", bad, 64 + 56 + 8, 1 << 50)  # PT_LOAD p_offset
    r, lines = _damaged(tmp_path, "g", bad)
    assert r.returncode == 1 and "starts past the end" in lines[0]


def test_bad_note_sizes(tmp_path):
    data = seed.build()
    # The first note (NT_PRSTATUS): namesz, then descsz, past the segment.
    for field, value, expect in ((0, 0xfffffff0, "runs past its segment"),
                                 (4, 0xfffffff0, "runs past its segment"),
                                 (4, 8, "")):
        bad = bytearray(data)
        struct.pack_into("<I", bad, NOTES_OFF + field, value)
        r, lines = _damaged(tmp_path, "n", bad)
        assert "Traceback" not in r.stderr
        if expect:
            _one_line(r, lines, expect)
    # A QEMU note too short for the control registers: that CPU state is
    # not used; the root then comes from VMCOREINFO (and a warning says
    # the dump is damaged).
    bad = bytearray(data)
    q = bad.index(b"QEMU\0")
    desc = q + 8
    struct.pack_into("<I", bad, desc + 4, 16)     # QEMUCPUState.size
    r, lines = _damaged(tmp_path, "q", bad)
    assert r.returncode == 0, r.stderr
    assert "QEMU CPU-state note" in lines[0]
    # VMCOREINFO lying about its value: a _stext that is no number.
    bad = bytearray(data)
    i = bad.index(b"SYMBOL(_stext)=") + len("SYMBOL(_stext)=")
    bad[i:i + 4] = b"zzzz"
    r, lines = _damaged(tmp_path, "v", bad)
    assert r.returncode == 0 and "not an address" in lines[0]


def test_open_buffer_bindings_never_crash_on_garbage():
    import ctypes
    from vmlayout import _lib
    for blob in (b"", b"\x7fELF", b"KDUMP   " + bytes(100),
                 bytes(seed.build())[:200], b"\x7fELF\x02\x01" + bytes(58)):
        buf = ctypes.create_string_buffer(blob, max(len(blob), 1))
        h = _lib.vmcore_p()
        err = _lib.vml_vmcore_open_buffer(buf, len(blob), ctypes.byref(h))
        with pytest.raises(_lib.Error):
            _lib.check(err)


# ------------------------------------------------------------------ kdump


@pytest.mark.parametrize("compress,flattened", [(True, False), (False, True),
                                                (True, True)])
def test_kdump_layout_gives_the_same_answers(tmp_path, compress, flattened):
    """The same machine in the kdump-compressed layout (zlib or raw pages,
    plain or makedumpfile's flattened stream): the same walk and whereis
    as its ELF form, which the tests above check against the tables."""
    elf = tmp_path / "tiny.elf"
    elf.write_bytes(seed.build())
    kd = tmp_path / "tiny.kdump"
    kd.write_bytes(seed.build_kdump(compress=compress, flattened=flattened))
    assert vmlayout.dump_format(str(kd)) == "kdump"
    for args in (["--pagetables", "--json"], ["--json"],
                 ["--json", "--whereis", "%#x" % (seed.VA + 8)]):
        assert run_json("--core", str(kd), *args) == \
            run_json("--core", str(elf), *args), args
    with vmlayout.open_vmcore(str(kd)) as v:
        i = v.info
        assert (i["format"], i["memory_bytes"], i["pc"], i["phys_base"]) == \
            ("kdump", seed.MEMORY, seed.PC, seed.PHYS_BASE)
        assert not i["incomplete"]


def test_kdump_damage_gives_one_line(tmp_path):
    data = seed.build_kdump()
    # Cut inside the headers: one line.
    for cut in (0, 100, 4096, 4096 + 50, 3 * 4096, 5 * 4096 - 1):
        with pytest.raises(vmlayout.Error) as e:
            _open_bytes(data[:cut])
        assert str(e.value) and "\n" not in str(e.value), cut
    # Inside the last page (the mapped data page): the tables are whole, the
    # walk works; the page itself cannot be read.
    info, text = _open_bytes(data[:len(data) - 10])
    assert [r["start"] for r in json.loads(text)["ranges"]] == [seed.VA]
    h = _lib_open(data[:len(data) - 10])
    import ctypes
    from vmlayout import _lib
    buf = ctypes.create_string_buffer(8)
    with pytest.raises(vmlayout.Error, match="physical page 0x105000: bad descriptor"):
        _lib.check(_lib.vml_source_read(_lib.vml_vmcore_source(h[0]), 1,
                                        seed.DATA_PA, buf, 8))
    _lib.vml_vmcore_free(h[0])
    bad = bytearray(data)
    struct.pack_into("<I", bad, 428, 1000)      # block_size
    with pytest.raises(vmlayout.Error, match="block_size 1000"):
        _open_bytes(bad)
    flat = bytearray(seed.build_kdump(flattened=True))
    struct.pack_into(">q", flat, 4096, 1 << 62)   # a block's offset
    with pytest.raises(vmlayout.Error, match="bad offset"):
        _open_bytes(flat)
    # A stream cut in its last block: what is there is read, and said.
    flat = seed.build_kdump(flattened=True)
    info, text = _open_bytes(flat[:-20])     # the data page, the marker
    assert info["incomplete"] and "truncated: flattened block" in \
        info["problem"]
    assert [r["start"] for r in json.loads(text)["ranges"]] == [seed.VA]

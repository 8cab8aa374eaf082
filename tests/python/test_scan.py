"""Issue 8 from Python without GDB: Layout.scan and deref against the
pointers tests/fixtures/scan_fixture.c planted (it prints where), the
ElfCache shared by layouts, a Kernel scanned from hand-written ranges, and
the command line's --scan."""

import ctypes
import json
import os
import subprocess
import sys

import pytest

import vmlayout
from vmlayout import _lib

from conftest import TOP_BUILDDIR, TOP_SRCDIR, clean_env, stop_fixture

SCAN_FIXTURE = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "scan_fixture")


@pytest.fixture(scope="module")
def planted():
    if not os.access(SCAN_FIXTURE, os.X_OK):
        pytest.skip("fixture not built: %s" % SCAN_FIXTURE)
    proc = subprocess.Popen([SCAN_FIXTURE, "--wait"], stdout=subprocess.PIPE,
                            text=True, env=clean_env())
    facts = {}
    for line in proc.stdout:
        name, _, value = line.strip().partition(" ")
        if name == "ready":
            break
        facts[name] = int(value, 0)
    # Let it reach pause(): its memory holds everything by then.
    import time
    time.sleep(0.2)
    try:
        yield proc.pid, facts
    finally:
        stop_fixture(proc)


def plant_range(f):
    return "%#x-%#x" % (f["plant"], f["plant_end"])


def test_scan_planted(planted):
    pid, f = planted
    with vmlayout.open_pid(pid) as layout:
        with layout.scan(plant_range(f)) as result:
            st = result.stats
            assert st["selected"] == st["scanned"] == 256 * 1024
            assert st["hits"] == st["kept"] == 4
            hits = {h["at"]: h for h in result.hits()}
            assert sorted(hits) == sorted([
                f["planted_data"], f["planted_text"], f["planted_heap"],
                f["planted_self"]])
            h = hits[f["planted_data"]]
            assert h["value"] == f["plant_target"]
            assert h["region"].kind == "data"
            assert h["symbol"] == "plant_target" and h["symbol_offset"] == 0
            assert hits[f["planted_heap"]]["region"].name == "[heap]"
            doc = json.loads(result.render("json"))
            assert doc["total"] == 4 and len(doc["pointers"]) == 4
            assert "4 found" in result.render()
        # TO narrows; progress runs and can stop the scan.
        with layout.scan(plant_range(f), "text") as result:
            assert [h["value"] for h in result.hits()] == [f["visit_fn"]]
        seen = []
        with pytest.raises(vmlayout.Error) as e:
            layout.scan("all", progress=lambda d, t: seen.append(d) or True)
        assert e.value.code == vmlayout.ERROR_CANCELLED
        assert len(seen) == 1
        with pytest.raises(KeyboardInterrupt):
            layout.scan("all", progress=lambda d, t: (_ for _ in ()).throw(
                KeyboardInterrupt()))
        with pytest.raises(vmlayout.Error) as e:
            layout.scan("nosuchthing")
        assert e.value.code == vmlayout.ERROR_NOT_FOUND


def test_deref(planted):
    pid, f = planted
    with vmlayout.open_pid(pid) as layout:
        words = layout.deref(f["node_a"], 1)
        assert words[0]["end"] == "cycle"
        assert len(words[0]["values"]) == 3
        assert words[0]["values"][-1] == f["node_a"]
        text = layout.deref_text(f["node_a"], 2)
        assert text.count("\n") == 2 and "node_b" in text
        doc = json.loads(layout.deref_text(f["node_a"], 2, fmt="json"))
        assert doc["address"] == f["node_a"]
        assert doc["words"][1]["values"][0]["value"] == 1   # node_a.value


def test_elf_cache_shared_by_layouts(planted):
    pid, _ = planted
    maps = open("/proc/%d/maps" % pid).read()
    auxv = open("/proc/%d/auxv" % pid, "rb").read()
    cache = vmlayout.ElfCache()
    one = vmlayout.from_maps(maps, auxv=auxv, elf_cache=cache)
    first = cache.stats()
    assert first["misses"] >= 3 and first["hits"] == 0
    two = vmlayout.from_maps(maps, auxv=auxv, elf_cache=cache)
    second = cache.stats()
    assert second["misses"] == first["misses"]
    assert second["hits"] == first["misses"]
    # The same answers, and the layouts outlive the cache.
    cache.close()
    addr = [r.start for r in one.regions if r.kind == "text"][0]
    assert one.where_text(addr) == two.where_text(addr)
    one.close()
    two.close()


def test_kernel_scan_from_ranges():
    """A Kernel made from hand-written ranges, scanned through a memory
    source: pointers into the kernel image inside the direct map."""
    paging = _lib.paging_p()
    regs = (_lib.vml_named_value * 3)((b"cr3", 0x1000), (b"cr4", 0x20),
                                      (b"efer", 0x800))
    _lib.check(_lib.vml_paging_from_registers(_lib.VML_ARCH_X86_64, regs, 3,
                                              0, ctypes.byref(paging)))
    R = _lib.vml_pt_range
    ranges = (R * 2)(
        R(0xffff888000000000, 0xffff888000003fff, 0, 4096,
          _lib.VML_PT_PRESENT | _lib.VML_PT_WRITE | _lib.VML_PT_NX, 0, 1,
          _lib.VML_PT_MAPPED),
        R(0xffffffff81000000, 0xffffffff81001fff, 0x1000000, 4096,
          _lib.VML_PT_PRESENT, 0, 1, _lib.VML_PT_MAPPED))
    k = _lib.kernel_p()
    _lib.check(_lib.vml_kernel_from_ranges(paging, ranges, 2,
                                           ctypes.sizeof(R), None, 0,
                                           ctypes.byref(k)))
    _lib.vml_paging_free(paging)
    mem = (ctypes.c_uint64 * 2048)()
    mem[5] = 0xffffffff81000040
    src = _lib.source_p()
    _lib.check(_lib.vml_source_from_buffer(
        _lib.VML_SPACE_VIRTUAL, 0xffff888000000000, mem, ctypes.sizeof(mem),
        ctypes.byref(src)))
    source = vmlayout._OwnedSource(src.value, mem)
    with vmlayout.Kernel(k.value) as kernel:
        with kernel.scan("direct-map", "kernel-text", source=source) as sc:
            assert [(h["at"], h["value"], h["region"].kind)
                    for h in sc.hits()] == [
                (0xffff888000000028, 0xffffffff81000040, "kernel-text")]
        assert kernel.mapped(0xffffffff81001000)
        assert not kernel.mapped(0xffffffff81002000)
        assert kernel.kind_at(0xffffffff81000000) == "kernel-text"
        words = kernel.deref(0xffff888000000028, 1, source=source)
        assert words[0]["values"] == [0xffffffff81000040]
        assert words[0]["end"] == "unreadable"
        assert kernel.layout.find(0xffffffff81000000).kind == "kernel-text"
    source.close()


def run_cli(*args):
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.path.join(TOP_SRCDIR, "python"))
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=env,
                          timeout=60)


def test_cli_scan(planted):
    pid, f = planted
    p = run_cli("--pid", str(pid), "--scan", plant_range(f), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["total"] == 4 and doc["scanned"] == 256 * 1024
    p = run_cli("--pid", str(pid), "--scan", plant_range(f), "data",
                "--max", "1")
    assert p.returncode == 0, p.stderr
    assert "1 found" in p.stdout and "plant_target" in p.stdout
    p = run_cli("--pid", str(pid), "--scan", "nosuchthing")
    assert p.returncode == 1
    assert p.stderr.startswith("vmlayout: FROM: 'nosuchthing'")
    for args in (("--max", "2"), ("--scan", "heap", "--table"),
                 ("--scan", "a", "b", "c")):
        p = run_cli("--pid", str(pid), *args)
        assert p.returncode == 2, args

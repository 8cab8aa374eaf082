"""Layouts from real core files: vmlayout.open_core on cores of the fixture
program made by the kernel (a real SIGSEGV) and by GDB's gcore.

Truths: the fixture's /proc/PID/maps captured just before each dump, the
fixture's own printed addresses, GDB's `info proc mappings` on the core
(its reading of NT_FILE; readelf 2.40 cannot decode NT_FILE here and says
so), whereis on the live process for the same addresses, and a crash at an
address written in the test.
"""

import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile

import pytest

import vmlayout

from conftest import FIXTURE, clean_env, parse_maps, start_fixture

GDB = os.environ.get("GDB", "gdb")

# Addresses the fixture prints, asked of live and core layouts alike.
WHERE_FACTS = ("main", "counter", "fixture_bss", "rw_anon", "guard",
               "file_map", "big_malloc", "thread_sp", "gap_below_rw")


def _core_limit():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _start(cwd):
    """The fixture with --wait in cwd, core dumps allowed; returns
    (process, facts) once it printed every address."""
    if os.environ.get("ENABLE_SANITIZERS") == "yes":
        # There the ASan runtime is preloaded into this Python and so into
        # what it starts (gcore's GDB hangs with it); the normal build covers
        # cores of the fixture, this build covers the reader (unit tests,
        # the tiny core of test_cli.py, the plain-gcc crash below).
        pytest.skip("no cores of an ASan-built fixture")
    return start_fixture(cwd=cwd, preexec_fn=_core_limit)


def _read_maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        return parse_maps(f.read())


def _live_answers(pid, facts):
    with vmlayout.open_pid(pid) as live:
        return {name: _answer(live.where(facts[name]))
                for name in WHERE_FACTS}


def _answer(w):
    """The parts of a whereis answer a core must reproduce."""
    r = w.region
    return {
        "mapped": r is not None,
        "kind": r.kind if r else None,
        "start": r.start if r else None,
        "end": r.end if r else None,
        "path": r.path if r else None,
        "section": w.section,
        "symbol": w.symbol,
        "symbol_offset": w.symbol_offset if w.symbol else None,
        "file_offset": w.file_offset,
        "stack_tid": w.stack_tid,
    }


def _finish(proc, facts):
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()
    path = facts.get("file_path")
    if path and os.path.exists(path):
        os.unlink(path)


@pytest.fixture(scope="module")
def kernel_core():
    """A core the kernel wrote for a SIGSEGV sent to the waiting fixture."""
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    if pattern.startswith("|"):
        pytest.skip("core_pattern pipes cores to a program (%s): the "
                    "kernel core test needs a file pattern" % pattern)
    if "/" in pattern:
        pytest.skip("core_pattern writes cores elsewhere (%s): the kernel "
                    "core test needs a pattern relative to the cwd" % pattern)
    tmp = tempfile.mkdtemp(prefix="vml-kcore-")
    proc, facts = _start(tmp)
    try:
        maps = _read_maps(proc.pid)
        live = _live_answers(proc.pid, facts)
        os.kill(proc.pid, signal.SIGSEGV)
        proc.wait(timeout=60)
        cores = [os.path.join(tmp, n) for n in os.listdir(tmp)
                 if n.startswith(pattern.split("%")[0] or "core")]
        if not cores:
            pytest.skip("no core file appeared in %s (core_pattern %r, "
                        "RLIMIT_CORE unlimited)" % (tmp, pattern))
        yield {"path": cores[0], "maps": maps, "facts": facts, "live": live,
               "pid": proc.pid}
    finally:
        _finish(proc, facts)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def gcore_core():
    """A core GDB's gcore wrote for the waiting fixture (left running)."""
    if shutil.which("gcore") is None:
        pytest.skip("gcore not installed")
    tmp = tempfile.mkdtemp(prefix="vml-gcore-")
    proc, facts = _start(tmp)
    try:
        maps = _read_maps(proc.pid)
        live = _live_answers(proc.pid, facts)
        prefix = os.path.join(tmp, "g")
        subprocess.run(["gcore", "-o", prefix, str(proc.pid)],
                       env=clean_env(), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120, check=True)
        path = "%s.%d" % (prefix, proc.pid)
        assert os.path.exists(path), "gcore wrote no %s" % path
        # The layout must be that of the dump: nothing changed meanwhile.
        assert _read_maps(proc.pid) == maps
        proc.send_signal(signal.SIGTERM)
        yield {"path": path, "maps": maps, "facts": facts, "live": live,
               "pid": proc.pid}
    finally:
        _finish(proc, facts)
        shutil.rmtree(tmp, ignore_errors=True)


def _rows(layout):
    return {r.start: r for r in layout.regions}


def _same_perms(core_perms, live_perms):
    """A core cannot say shared from private ('s' shows as 'p'); a '?'
    stands for a bit the core does not record. Anything else must match."""
    for i, (c, l) in enumerate(zip(core_perms, live_perms)):
        if i == 3:
            if c != "p":
                return False
            continue
        if c != "?" and c != l:
            return False
    return len(core_perms) == len(live_perms) == 4


def _check_row(row, r):
    assert r.end == row["end"], (row, r)
    assert _same_perms(r.perms, row["perms"]), (row, r)
    assert r.name == row["name"], (row, r)
    assert r.path == row["path"], (row, r)
    if row["path"]:
        assert r.offset == row["offset"], (row, r)


# ------------------------------------------------------------ kernel core

def test_kernel_core_equals_maps(kernel_core):
    """Every mapping of the live process, with the same boundaries, perms,
    file, offset and pseudo name ([heap], [stack], [vdso], [vvar] ...)."""
    with vmlayout.open_core(kernel_core["path"]) as core:
        rows = _rows(core)
        maps = kernel_core["maps"]
        assert sorted(rows) == [row["start"] for row in maps]
        for row in maps:
            r = rows[row["start"]]
            _check_row(row, r)
            # The kernel records every flag: nothing is unknown.
            assert "?" not in r.perms, r
        assert not core.incomplete


def test_kernel_core_info(kernel_core):
    with vmlayout.open_core(kernel_core["path"]) as core:
        info = core.core_info
    assert info["pid"] == kernel_core["facts"]["pid"]
    assert info["command"] == os.path.basename(FIXTURE)[:15]
    # pr_psargs keeps at most ELF_PRARGSZ - 1 = 79 characters: a long build
    # path (make distcheck, a package build) is cut.
    assert info["args"].startswith((FIXTURE + " --wait")[:79])
    assert info["signo"] == signal.SIGSEGV
    # kill() is no fault: si_addr holds the sender, not an address.
    assert info["fault_addr"] is None
    assert info["nthreads"] == 2
    assert info["has_file_note"] and info["has_auxv"]
    assert not info["incomplete"]


def test_kernel_core_threads_and_kinds(kernel_core):
    facts = kernel_core["facts"]
    with vmlayout.open_core(kernel_core["path"]) as core:
        r = core.find(facts["thread_sp"])
        assert r.kind == "thread-stack"
        assert r.tid == facts["thread_tid"]
        stack = [x for x in core.regions if x.name == "[stack]"]
        assert len(stack) == 1 and stack[0].kind == "stack"
        assert core.find(facts["fixture_bss"]).kind == "bss"
        # The fixture's PROT_NONE window is below no stack: reserved.
        assert core.find(facts["guard"]).kind == "reserved"
        assert core.find(facts["main"]).kind == "text"


def test_kernel_core_whereis_equals_live(kernel_core):
    with vmlayout.open_core(kernel_core["path"]) as core:
        for name in WHERE_FACTS:
            got = _answer(core.where(kernel_core["facts"][name]))
            assert got == kernel_core["live"][name], name


def _gdb_file_mappings(fixture, core_path):
    """NT_FILE as GDB reads it: `info proc mappings` on the core lists
    start, end, size, offset and file of each entry."""
    if shutil.which(GDB) is None:
        pytest.skip("gdb not installed")
    out = subprocess.run([GDB, "-nx", "-batch", "-ex", "info proc mappings",
                          fixture, core_path], env=clean_env(),
                         capture_output=True, text=True, timeout=120).stdout
    entries = set()
    for line in out.splitlines():
        m = re.match(r"^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+"
                     r"(0x[0-9a-f]+)\s+(/.*?)\s*$", line)
        if m:
            entries.add((int(m.group(1), 16), int(m.group(2), 16),
                         int(m.group(3), 16), m.group(4)))
    assert entries, "no mappings in GDB's output:\n" + out
    return entries


def _layout_file_entries(core):
    return {(r.start, r.end, r.offset,
             r.path + (" (deleted)" if r.deleted else ""))
            for r in core.regions if r.path}


def test_kernel_core_nt_file_matches_gdb(kernel_core):
    with vmlayout.open_core(kernel_core["path"]) as core:
        ours = _layout_file_entries(core)
    assert ours == _gdb_file_mappings(FIXTURE, kernel_core["path"])


# ------------------------------------------------------------ gcore

def test_gcore_equals_maps_but_vvar(gcore_core):
    """gcore writes no load and no NT_FILE entry for [vvar] and
    [vvar_vclock]: those are absent. It skips unmodified file mappings (they
    come from NT_FILE, perms from the ELF file or '???' for other files) and
    sets PF_R on every load (so R is '?' where W does not imply it)."""
    with vmlayout.open_core(gcore_core["path"]) as core:
        rows = _rows(core)
        maps = gcore_core["maps"]
        missing = [row["name"] for row in maps if row["start"] not in rows]
        assert all(n in ("[vvar]", "[vvar_vclock]") for n in missing), \
            missing
        assert len(rows) == len(maps) - len(missing)
        for row in maps:
            if row["start"] in rows:
                _check_row(row, rows[row["start"]])
        # The fixture's data file is no ELF: its perms are unknown, and the
        # layout says it is incomplete.
        f = rows[gcore_core["facts"]["file_map"]]
        assert f.perms == "???p" and core.incomplete
        # Guards read back as '?--p': gcore flagged them readable.
        assert rows[gcore_core["facts"]["guard"]].perms == "?--p"


def test_gcore_whereis_equals_live(gcore_core):
    with vmlayout.open_core(gcore_core["path"]) as core:
        for name in WHERE_FACTS:
            got = _answer(core.where(gcore_core["facts"][name]))
            assert got == gcore_core["live"][name], name


def test_gcore_info(gcore_core):
    with vmlayout.open_core(gcore_core["path"]) as core:
        info = core.core_info
    assert info["pid"] == gcore_core["facts"]["pid"]
    assert info["nthreads"] == 2
    assert info["has_file_note"]
    assert info["fault_addr"] is None


def test_gcore_nt_file_matches_gdb(gcore_core):
    with vmlayout.open_core(gcore_core["path"]) as core:
        ours = _layout_file_entries(core)
    assert ours == _gdb_file_mappings(FIXTURE, gcore_core["path"])


# ------------------------------------------------------------ a real fault

CRASH_C = r"""
int main(void)
{
	*(volatile int *)0x1234 = 1;
	return 0;
}
"""


def test_real_fault_address(tmp_path):
    """A program that writes to 0x1234: NT_SIGINFO gives that address."""
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip("core_pattern %r does not write cores to the cwd"
                    % pattern)
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    src = tmp_path / "crash.c"
    src.write_text(CRASH_C)
    exe = tmp_path / "crash"
    subprocess.run(["gcc", "-O0", "-o", str(exe), str(src)], check=True,
                   env=clean_env())
    p = subprocess.run([str(exe)], cwd=str(tmp_path), env=clean_env(),
                       preexec_fn=_core_limit)
    assert p.returncode == -signal.SIGSEGV
    cores = [n for n in os.listdir(tmp_path)
             if n.startswith(pattern.split("%")[0] or "core")]
    if not cores:
        pytest.skip("no core file appeared (core_pattern %r)" % pattern)
    with vmlayout.open_core(str(tmp_path / cores[0])) as core:
        info = core.core_info
        assert info["signo"] == signal.SIGSEGV
        assert info["fault_addr"] == 0x1234
        assert info["command"] == "crash"
        w = core.where(0x1234)
        assert w.region is None   # the fault: nothing mapped there
        # The picture marks the fault inside the reserved low block, the
        # one that spans 0x1234 (the last block before address 0).
        pic = core.render().splitlines()
        marks = [i for i, l in enumerate(pic) if "<== fault" in l]
        assert len(marks) == 1, pic
        assert "SIGSEGV at 0x1234" in pic[marks[0]]
        assert pic[marks[0] + 1].startswith("0x0000000000000000 +")
        # The executable's regions are named by NT_FILE.
        assert any(r.path == str(exe) for r in core.regions)

"""32-bit (i386) processes: vmlayout and whereis in GDB on a live 32-bit
process, on its gcore core and on a core the kernel wrote, and the command
line on those cores.

The fixture (tests/fixtures/i386_fixture.c, gcc -m32) runs in a guest
(i386_guest.py: Debian's x86-64 kernel under QEMU, gdbserver on a serial
port), because the build machine may not run 32-bit programs itself.

Truths: the guest's /proc/PID/maps (read by its /init, or fetched with
`remote get`), the addresses the fixture prints, GDB's own `x/i`,
`info symbol`, `p $sp` and architecture name on the same process or core,
`objdump -d`, `readelf -SW` and `nm` of the fixture.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

import i386_guest
from conftest import GDB, MARK, SCRIPT, Session, gdb_args

import vmlayout

SESSION_TIMEOUT = 600


def _run_gdb(commands, program=None, before=()):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    proc = subprocess.run(gdb_args(commands, program, before),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          timeout=SESSION_TIMEOUT, env=env)
    return Session(proc.stdout, [l for l, _ in commands if l is not None])


# ------------------------------------------------------------ truths

def _objdump_function(path, name):
    """[(link address, instruction text)] of function name, from
    objdump -d (the same AT&T spelling GDB uses)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path],
                         capture_output=True, text=True, check=True).stdout
    insns, inside = [], False
    for line in out.splitlines():
        if re.match(r"^[0-9a-f]+ <%s>:$" % re.escape(name), line):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s*([0-9a-f]+):\s+(.*\S)\s*$", line)
            if not m:
                break
            insns.append((int(m.group(1), 16), m.group(2)))
    assert insns, "objdump shows no %s in %s" % (name, path)
    return insns


def _nm(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def _sections(path):
    """readelf -SW: [(name, addr, size)] of allocated sections."""
    out = subprocess.run(["readelf", "-SW", path], capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+"
                     r"[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*A\S*)\s", line)
        if m:
            rows.append((m.group(1), int(m.group(2), 16),
                         int(m.group(3), 16)))
    return rows


def _section_of(path, link):
    for name, addr, size in _sections(path):
        if addr <= link < addr + size:
            return name, link - addr
    return None, None


def _parse_maps(text):
    rows = []
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+"
                     r"\s*(.*)$", line.strip())
        if m:
            rows.append({"start": int(m.group(1), 16),
                         "end": int(m.group(2), 16), "perms": m.group(3),
                         "offset": int(m.group(4), 16),
                         "name": m.group(5).strip() or None})
    return rows


def _field(text, key):
    """The value of a whereis line "  key   value"."""
    m = re.search(r"^  %s\s+(.*)$" % re.escape(key), text, re.M)
    return m.group(1).strip() if m else None


def _x_i(text):
    """The instruction of GDB's x/i: "=> 0x... <sym+off>:\\tINSN"."""
    m = re.search(r"0x[0-9a-f]+(?: <[^>]*>)?:\s+(.*\S)", text)
    assert m, "no x/i line in %r" % text
    return m.group(1)


def _info_symbol(text):
    """(symbol+offset, section) of GDB's `info symbol`."""
    m = re.search(r"^(\S+(?: \+ \d+)?) in section (\S+)", text, re.M)
    assert m, "no info symbol answer in %r" % text
    return m.group(1).replace(" + ", "+"), m.group(2)


def _sp(text):
    m = re.search(r"= (0x[0-9a-f]+)", text)
    assert m, text
    return int(m.group(1), 16)


# ------------------------------------------------------------ the run

def _live_commands(g, kcore, gcore, maps):
    insns = _objdump_function(g.fixture, "fixture_ready")
    pops = [a for a, t in insns if t == "pop    %ebp"]
    assert pops, "no pop %%ebp in fixture_ready: %s" % insns
    pop_off = pops[0] - insns[0][0]
    return pop_off, [
        (None, "target extended-remote 127.0.0.1:%d" % g.port),
        ("kcore", "remote get %s %s" % (g.kcore, kcore)),
        (None, "set remote exec-file %s" % g.fixture),
        (None, "break fixture_ready"),
        ("run", "run"),
        ("arch", "python print(gdb.selected_inferior().architecture().name())"),
        ("maps", "python gdb.execute('remote get /proc/%%d/maps %s' %% "
                 "gdb.selected_inferior().pid)" % maps),
        ("picture", "vmlayout"),
        ("table", "vmlayout --table"),
        ("json", "vmlayout --json"),
        ("where_pc", "whereis $pc"),
        ("xi_pc", "x/i $pc"),
        ("sym_pc", "info symbol $pc"),
        ("where_counter", "whereis &counter"),
        ("sym_counter", "info symbol &counter"),
        ("where_bss", "whereis fixture_bss+100"),
        ("sym_bss", "info symbol fixture_bss+100"),
        ("where_heap", "whereis fixture_heap"),
        ("where_anon", "whereis fixture_anon"),
        ("where_file", "whereis fixture_file"),
        ("where_sp", "whereis $sp"),
        ("sp", "p/x $sp"),
        ("where_outside", "whereis 0x100000000"),
        ("where_kernel", "whereis 0xffffe100"),
        ("where_null", "whereis 16"),
        ("where_pop", "whereis (char *)fixture_ready + %d" % pop_off),
        ("xi_pop", "x/i (char *)fixture_ready + %d" % pop_off),
        (None, "thread 2"),
        ("t2_where_pc", "whereis $pc"),
        ("t2_xi_pc", "x/i $pc"),
        ("t2_where_sp", "whereis $sp"),
        ("t2_sp", "p/x $sp"),
        (None, "thread 1"),
        ("gcore", "gcore %s" % gcore),
        (None, "kill"),
    ]


@pytest.fixture(scope="module")
def run():
    """Boots the guest, runs one GDB session on the live 32-bit fixture
    (fetching the kernel's core first, taking a gcore last), stops the
    guest. Everything the tests compare is kept here."""
    reason = i386_guest.skip_reason()
    if reason:
        pytest.skip(reason)
    work = tempfile.mkdtemp(prefix="vml-i386-")
    g = i386_guest.Guest(work)
    try:
        assert g.kcore, "the guest wrote no core:\n%s" % g.text()[-2000:]
        # 128 + SIGSEGV: the fixture died of the fault, dumping core.
        assert g.kstatus == 128 + signal.SIGSEGV, g.text()[-2000:]
        kcore = os.path.join(work, "kernel.core")
        gcore = os.path.join(work, "gcore.core")
        maps = os.path.join(work, "live.maps")
        pop_off, commands = _live_commands(g, kcore, gcore, maps)
        live = _run_gdb(commands, g.fixture,
                        before=("set sysroot /", "set pagination off",
                                "set remotetimeout 60"))
        facts = i386_guest.parse_facts(g.output_after_ready())
    finally:
        g.stop()
    with open(maps) as f:
        live_maps = _parse_maps(f.read())
    data = {
        "work": work, "fixture": g.fixture, "live": live, "facts": facts,
        "live_maps": live_maps, "kcore": kcore, "gcore": gcore,
        "kfacts": g.kfacts, "kmaps": _parse_maps(g.kmaps or ""),
        "pop_off": pop_off,
    }
    try:
        yield data
    finally:
        shutil.rmtree(work, ignore_errors=True)


CORE_COMMANDS = [
    ("arch", "python print(gdb.selected_inferior().architecture().name())"),
    ("picture", "vmlayout"),
    ("json", "vmlayout --json"),
    ("where_pc", "whereis $pc"),
    ("xi_pc", "x/i $pc"),
    ("sym_pc", "info symbol $pc"),
    ("where_sp", "whereis $sp"),
    ("sp", "p/x $sp"),
    ("where_counter", "whereis &counter"),
    ("sym_counter", "info symbol &counter"),
    ("where_bss", "whereis fixture_bss+100"),
    ("sym_bss", "info symbol fixture_bss+100"),
    ("threads", "info threads"),
    (None, "thread 2"),
    ("t2_where_pc", "whereis $pc"),
    ("t2_xi_pc", "x/i $pc"),
    ("t2_where_sp", "whereis $sp"),
    ("t2_sp", "p/x $sp"),
]


@pytest.fixture(scope="module", params=["kernel", "gcore"])
def core(request, run):
    """A GDB session on one of the two cores (no guest needed)."""
    path = run["kcore"] if request.param == "kernel" else run["gcore"]
    assert os.path.getsize(path) > 0
    s = _run_gdb(CORE_COMMANDS, None,
                 before=("set sysroot /", "file " + run["fixture"],
                         "core-file " + path))
    return request.param, path, s


# ------------------------------------------------------------ live

def test_live_regions_are_proc_maps_with_kinds(run):
    """vmlayout --json in GDB has exactly the guest's /proc/PID/maps rows,
    each named for what the fixture put there."""
    regions = run["live"].json("json")["regions"]
    want = [(r["start"], r["end"], r["perms"], r["offset"], r["name"])
            for r in run["live_maps"]]
    got = [(r["start"], r["end"], r["perms"], r["offset"],
            r["path"] or r["name"]) for r in regions]
    assert got == want
    facts = run["facts"]

    def kind_at(addr):
        hits = [r for r in regions if r["start"] <= addr < r["end"]]
        assert len(hits) == 1, (hex(addr), hits)
        return hits[0]

    assert kind_at(facts["counter"])["kind"] == "data"
    # Past the data page: the anonymous tail of .bss (which a pre-6.4
    # kernel names "[heap]" when brk is not randomized, as under GDB).
    assert kind_at(facts["fixture_bss"] + 0x8000)["kind"] == "bss"
    assert kind_at(facts["heap"])["kind"] == "heap"
    assert kind_at(facts["anon"])["kind"] == "mmap-anon"
    assert kind_at(facts["file_map"])["kind"] == "mmap-file"
    assert kind_at(facts["main_stack"])["kind"] == "stack"
    t = kind_at(facts["thread_sp"])
    assert t["kind"] == "thread-stack" and t["tid"] == facts["thread_tid"]
    assert kind_at(facts["main"])["kind"] == "text"


def test_live_picture_is_4gib(run):
    # GDB's own name for the process's architecture, which the bridge hands
    # to the library.
    assert run["live"].out["arch"].strip() == "i386"
    pic = run["live"].out["picture"].strip("\n")
    lines = pic.splitlines()
    assert lines[0].startswith("0xffffffff +"), pic
    assert lines[-1].startswith("0x00000000 +"), pic
    i = next(k for k, l in enumerate(lines) if l.startswith("0xffffe000 +"))
    assert "kernel space" in "\n".join(lines[:i]), pic
    assert "8 KiB" in lines[1], pic
    assert "EiB" not in pic and "non-canonical" not in pic, pic
    # Every address on the left is 32-bit.
    for l in lines:
        m = re.match(r"^(0x[0-9a-f]+) ", l)
        if m:
            assert len(m.group(1)) == 10, l
    table = run["live"].out["table"]
    assert table.splitlines()[0].split()[:2] == ["START", "END"]
    assert "16 EiB" not in table


def test_live_whereis_insn_equals_gdb(run):
    live = run["live"]
    assert _field(live.out["where_pc"], "insn") == _x_i(live.out["xi_pc"])
    # The second thread waits in the vdso's system call entry: after
    # `int $0x80` comes `pop %ebp` (64-bit decoding would say %rbp).
    insn = _field(live.out["t2_where_pc"], "insn")
    assert insn == _x_i(live.out["t2_xi_pc"])
    assert insn == "pop    %ebp"
    assert "vdso" in _field(live.out["t2_where_pc"], "region")


def test_live_whereis_pop_ebp_equals_objdump(run):
    live = run["live"]
    insns = dict(_objdump_function(run["fixture"], "fixture_ready"))
    start = min(insns)
    want = insns[start + run["pop_off"]]
    assert want == "pop    %ebp"
    assert _field(live.out["where_pop"], "insn") == want
    assert _x_i(live.out["xi_pop"]) == want
    assert _field(live.out["where_pop"], "symbol") == \
        "fixture_ready+%d" % run["pop_off"]


def test_live_whereis_symbols_and_sections(run):
    live = run["live"]
    for label, sym_label in (("where_counter", "sym_counter"),
                             ("where_bss", "sym_bss"),
                             ("where_pc", "sym_pc")):
        sym, section = _info_symbol(live.out[sym_label])
        assert _field(live.out[label], "symbol") == sym, label
        assert _field(live.out[label], "section").split("+")[0] == section
    # The section offset, from readelf -SW and nm.
    link = _nm(run["fixture"])["fixture_bss"] + 100
    name, off = _section_of(run["fixture"], link)
    assert _field(live.out["where_bss"], "section") == "%s+%#x" % (name, off)


def test_live_whereis_stacks_and_edges(run):
    live, facts = run["live"], run["facts"]
    sp = _sp(live.out["sp"])
    assert "main thread %d, 0x0 bytes above its $sp (%#x)" % (
        facts["pid"], sp) in live.out["where_sp"]
    t2 = _sp(live.out["t2_sp"])
    assert "thread %d, 0x0 bytes above its $sp (%#x)" % (
        facts["thread_tid"], t2) in live.out["t2_where_sp"]
    assert _field(live.out["where_heap"], "region").startswith("heap")
    assert _field(live.out["where_anon"], "region").startswith("mmap-anon")
    assert _field(live.out["where_file"], "region").startswith("mmap-file")
    assert "outside the 32-bit address space" in live.out["where_outside"]
    assert "kernel space is not visible" in live.out["where_kernel"]
    assert "is a kernel-space address" in live.out["where_kernel"]
    assert "NULL pointer dereference" in live.out["where_null"]
    assert "canonical" not in live.out["where_counter"]


# ------------------------------------------------------------ cores

def _assert_elf32_i386(path):
    out = subprocess.run(["readelf", "-h", path], capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"Class:\s+ELF32", out), out
    assert re.search(r"Machine:\s+Intel 80386", out), out


def test_kernel_core_layout(run):
    """open_core on the kernel's core: the guest's maps at dump time, the
    fault of fixture_crash, the threads and the arch."""
    _assert_elf32_i386(run["kcore"])
    kfacts = run["kfacts"]
    with vmlayout.open_core(run["kcore"]) as layout:
        assert layout.arch == "i386"
        got = [(r.start, r.end, r.perms, r.offset, r.path or r.name)
               for r in layout.regions]
        want = [(r["start"], r["end"], r["perms"], r["offset"], r["name"])
                for r in run["kmaps"]]
        # Kernel cores keep every mapping; [vvar]/[vdso] names come back
        # from the auxv, the stack's from AT_EXECFN.
        assert got == want
        info = layout.core_info
        assert info["pid"] == kfacts["pid"]
        assert info["signo"] == signal.SIGSEGV
        assert info["fault_addr"] == 0x1234
        assert info["command"] == "i386_fixture"
        assert info["nthreads"] == 2
        w = layout.where(kfacts["counter"])
        assert (w.region.kind, w.symbol, w.section) == \
            ("data", "counter", ".data")
        w = layout.where(kfacts["thread_sp"])
        assert w.region.kind == "thread-stack"
        assert w.stack_tid == kfacts["thread_tid"]
        w = layout.where(kfacts["fixture_crash"])
        assert w.symbol == "fixture_crash"
        assert w.insn == _objdump_function(run["fixture"],
                                           "fixture_crash")[0][1]
        pic = layout.render()
        assert pic.startswith("0xffffffff +")
        assert "\n0xffffe000 +" in pic and "kernel space" in pic
        assert "SIGSEGV at 0x1234 <== fault" in pic
        assert "EiB" not in pic and "non-canonical" not in pic


def test_gcore_layout(run):
    """open_core on GDB's gcore: its mappings are the live process's."""
    _assert_elf32_i386(run["gcore"])
    live = {(r["start"], r["end"]): r for r in run["live_maps"]}
    with vmlayout.open_core(run["gcore"]) as layout:
        assert layout.arch == "i386"
        assert layout.core_info["pid"] == run["facts"]["pid"]
        assert layout.core_info["nthreads"] == 2
        for r in layout.regions:
            assert (r.start, r.end) in live, r
        have = {(r.start, r.end) for r in layout.regions}
        # gcore may leave out [vvar]; everything else is there.
        missing = [r for k, r in live.items()
                   if k not in have and r["name"] != "[vvar]"]
        assert not missing, missing
        w = layout.where(run["facts"]["counter"])
        assert (w.symbol, w.section) == ("counter", ".data")
        assert layout.where(run["facts"]["thread_sp"]).stack_tid == \
            run["facts"]["thread_tid"]


def test_gdb_on_core_same_as_gdb(core):
    """whereis in GDB on a core: GDB's own x/i, info symbol and $sp."""
    kind, path, s = core
    assert s.out["arch"].strip() == "i386"
    assert _field(s.out["where_pc"], "insn") == _x_i(s.out["xi_pc"])
    sym, section = _info_symbol(s.out["sym_pc"])
    assert _field(s.out["where_pc"], "symbol") == sym
    want_fn = "fixture_crash" if kind == "kernel" else "fixture_ready"
    assert sym.split("+")[0] == want_fn
    for label, sym_label in (("where_counter", "sym_counter"),
                             ("where_bss", "sym_bss")):
        sym, section = _info_symbol(s.out[sym_label])
        assert _field(s.out[label], "symbol") == sym
        assert _field(s.out[label], "section").split("+")[0] == section
    # NT_PRSTATUS's esp of each thread is GDB's $sp.
    assert "0x0 bytes above its $sp (%#x)" % _sp(s.out["sp"]) in \
        s.out["where_sp"]
    assert "0x0 bytes above its $sp (%#x)" % _sp(s.out["t2_sp"]) in \
        s.out["t2_where_sp"]
    assert _field(s.out["t2_where_pc"], "insn") == _x_i(s.out["t2_xi_pc"])
    assert _field(s.out["t2_where_pc"], "insn") == "pop    %ebp"
    pic = s.out["picture"]
    assert re.search(r"^core .*: pid \d+ \(i386_fixture\)", pic, re.M)
    assert "\n0xffffffff +" in pic and "\n0xffffe000 +" in pic
    assert "EiB" not in pic
    # GDB's vmlayout and the package read the core with the same C code.
    with vmlayout.open_core(path) as layout:
        want = json.loads(layout.render("json"))
    assert s.json("json") == want


def test_cli_on_cores(run):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    kcore = run["kcore"]
    out = subprocess.run([sys.executable, "-m", "vmlayout", "--core", kcore],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == ("core %s: pid %d (i386_fixture), signal SIGSEGV "
                        "(fault address 0x1234), 2 threads"
                        % (kcore, run["kfacts"]["pid"]))
    assert lines[1].startswith("0xffffffff +")
    assert "EiB" not in out.stdout
    out = subprocess.run([sys.executable, "-m", "vmlayout", "--core", kcore,
                          "--table"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    rows = [l.split() for l in out.stdout.splitlines()[2:]]
    assert [(int(r[0], 16), int(r[1], 16)) for r in rows] == \
        [(r["start"], r["end"]) for r in run["kmaps"]]
    out = subprocess.run([sys.executable, "-m", "vmlayout", "--core",
                          run["gcore"], "--whereis",
                          hex(run["facts"]["counter"])],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert _field(out.stdout, "symbol") == "counter"


# ------------------------------------------------------------ local

def test_local_pid_cli():
    """--pid on a 32-bit process this machine runs itself (skipped where
    32-bit programs cannot run here: the guest tests cover the rest)."""
    reason = i386_guest.skip_reason()
    if reason:
        pytest.skip(reason)
    if not i386_guest.host_runs_i386():
        pytest.skip("this machine does not run 32-bit programs "
                    "(ia32 emulation off)")
    proc = subprocess.Popen([i386_guest.FIXTURE32, "--wait"],
                            stdout=subprocess.PIPE, text=True)
    try:
        text = ""
        for line in proc.stdout:
            text += line
            if line.strip() == "ready":
                break
        facts = i386_guest.parse_facts(text)
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        out = subprocess.run([sys.executable, "-m", "vmlayout", "--pid",
                              str(proc.pid), "--json"],
                             capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        with open("/proc/%d/maps" % proc.pid) as f:
            want = [(r["start"], r["end"]) for r in _parse_maps(f.read())]
        got = [(r["start"], r["end"]) for r in json.loads(out.stdout)["regions"]]
        assert got == want
        with vmlayout.open_pid(proc.pid) as layout:
            assert layout.arch == "i386"
            assert layout.where(facts["counter"]).symbol == "counter"
            assert layout.render().startswith("0xffffffff +")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        proc.stdout.close()

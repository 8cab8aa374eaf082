"""Answers that depend on which file was mapped (issue 7, items 4 and 9),
on tests/fixtures/facts_fixture.c, against GDB's own answers.

* A core opened after its program was rebuilt: the truth is what GDB
  says with the ORIGINAL binary (`info symbol`); vmlayout must warn once
  and give no symbol from the rebuilt file (kernel core and gcore; with a
  build-id, and without one, where the file's mtime decides).
* A deleted executable of a live process: section and symbol as GDB gives
  them (it reads /proc/PID/exe), the picture saying "deleted" as
  /proc/PID/maps does.
* The vDSO: every function readelf lists in the vDSO's image (dumped by
  GDB) is named as GDB's `info symbol` names it, live and in a gcore.
* `set disassembly-flavor intel`: the insn line is GDB's `x/i` text.
* Messages: `whereis 1.5`, `vmlayout --table --json`.
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import GDB, MARK, SCRIPT, TIMEOUT, TOP_BUILDDIR, TOP_SRCDIR, \
    Session

FACTS = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "facts_fixture")
SOURCE = os.path.join(TOP_SRCDIR, "tests", "fixtures", "facts_fixture.c")


def _env():
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python")
    return env


def _core_limit():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def need(tool):
    if shutil.which(tool) is None:
        pytest.skip("%s not installed" % tool)


def build(path, rebuilt=False, build_id=True):
    need("gcc")
    args = ["gcc", "-O0", "-g", "-o", path, SOURCE]
    if rebuilt:
        args.insert(1, "-DFACTS_REBUILT")
    if not build_id:
        args.insert(1, "-Wl,--build-id=none")
    subprocess.run(args, check=True, env=_env())


def start(path, cwd):
    """The fixture running --wait: (proc, facts)."""
    proc = subprocess.Popen([path, "--wait"], stdout=subprocess.PIPE,
                            text=True, cwd=cwd, env=_env(),
                            preexec_fn=_core_limit)
    facts = {}
    for line in proc.stdout:
        name, _, value = line.strip().partition(" ")
        if name == "ready":
            break
        if value:
            facts[name] = int(value, 0)
    else:
        proc.kill()
        proc.wait()
        pytest.fail("fixture exited before it was ready")
    return proc, facts


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()


def kernel_core(proc, cwd):
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip("core_pattern %r does not write cores to the cwd"
                    % pattern)
    before = set(os.listdir(cwd))
    os.kill(proc.pid, signal.SIGSEGV)
    proc.wait(timeout=60)
    names = [n for n in os.listdir(cwd) if n not in before and
             n.startswith(pattern.split("%")[0] or "core")]
    if not names:
        pytest.skip("no kernel core appeared (core_pattern %r)" % pattern)
    return os.path.join(cwd, names[0])


def gcore(pid, cwd):
    need("gcore")
    prefix = os.path.join(cwd, "g")
    subprocess.run(["gcore", "-o", prefix, str(pid)], env=_env(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=TIMEOUT, check=True)
    return "%s.%d" % (prefix, pid)


def gdb(commands, args=(), before=()):
    """gdb -nx -batch ARGS with the script sourced and labelled commands;
    stderr merged, so warnings land in the output of their command."""
    argv = [GDB, "-nx", "-batch", "-ex", "set width 0", "-ex",
            "set height 0", "-ex", "set confirm off", "-ex",
            "source " + SCRIPT]
    for cmd in before:
        argv += ["-ex", cmd]
    for label, cmd in commands:
        argv += ["-ex", "echo \\n%s BEGIN %s\\n" % (MARK, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (MARK, label)]
    argv += list(args)
    out = subprocess.run(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=TIMEOUT, env=_env()).stdout
    return Session(out, [l for l, _ in commands])


def cli(*args):
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=_env(),
                          timeout=TIMEOUT)


def info_symbol(text):
    """GDB's `info symbol` answer: (name, offset) or None."""
    m = re.search(r"^(\S+)(?: \+ (\d+))? in section (\S+)", text, re.M)
    return (m.group(1), int(m.group(2) or 0), m.group(3)) if m else None


def nm_symbols(path):
    out = subprocess.run(["nm", "--defined-only", path], capture_output=True,
                         text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


# ------------------------------------------------------------ stale cores


@pytest.fixture(scope="module", params=[
    ("kernel", True), ("gcore", True), ("kernel", False), ("gcore", False)],
    ids=["kernel-build-id", "gcore-build-id", "kernel-mtime", "gcore-mtime"])
def stale(request):
    """A core of the fixture built in a temporary directory, then the
    program rebuilt at the same path: (dir, core, facts, build_id)."""
    kind, build_id = request.param
    need("nm")
    tmp = tempfile.mkdtemp(prefix="vml-stale-")
    prog = os.path.join(tmp, "prog")
    try:
        build(prog, build_id=build_id)
        proc, facts = start(prog, tmp)
        try:
            core = gcore(proc.pid, tmp) if kind == "gcore" else \
                kernel_core(proc, tmp)
        finally:
            stop(proc)
        # The original, kept with its mtime (older than the core's).
        shutil.copy2(prog, prog + ".orig")
        time.sleep(0.05)
        os.unlink(prog)
        build(prog, rebuilt=True, build_id=build_id)
        yield tmp, core, facts, build_id
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_stale_core_warns_and_gives_no_wrong_symbol(stale):
    tmp, core, facts, build_id = stale
    prog = os.path.join(tmp, "prog")
    addrs = {"target": facts["target"] + 4, "counter": facts["counter"]}
    # The truth: GDB with the original binary.
    s = gdb([(k, "info symbol %#x" % a) for k, a in addrs.items()],
            args=[prog + ".orig", core])
    truth = {k: info_symbol(s.out[k]) for k in addrs}
    assert truth["target"][:2] == ("facts_target", 4), s.out["target"]
    assert truth["counter"][:2] == ("facts_counter", 0), s.out["counter"]
    # The rebuilt file holds something else at those addresses: a reader
    # of it would give a wrong symbol (which is what was reported).
    orig, new = nm_symbols(prog + ".orig"), nm_symbols(prog)
    bias = facts["target"] - orig["facts_target"]
    assert new["facts_target"] != orig["facts_target"]
    assert new["facts_counter"] != orig["facts_counter"]
    reason = "build-id differs" if build_id else \
        "modified after the core was written"
    warning = ("warning: 1 file on disk is not the one the core mapped, so "
               "no section, symbol or instruction is taken from it: %s (%s)"
               % (prog, reason))

    # The command line: one warning, no symbol from the rebuilt file.
    p = cli("--core", core, "--whereis", "%#x" % addrs["target"],
            "--whereis", "%#x" % addrs["counter"])
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("vmlayout: " + warning + "\n") == 1, p.stderr
    assert not re.search(r"^  (symbol|section) ", p.stdout, re.M), p.stdout
    assert p.stdout.count("note     the file on disk is not the one mapped "
                          "here") == 2, p.stdout
    pj = cli("--core", core, "--json", "--whereis", "%#x" % addrs["target"])
    w = json.loads(pj.stdout)[0]
    assert (w["symbol"], w["section"]) == (None, None)
    assert w["guessed"] is True and w["kind"] == "text"
    # An instruction from the core's own memory would stay; the file's
    # bytes (all a core has of unchanged code) are not used.
    assert w["insn"] is None

    # GDB on the core with the rebuilt program: the same, warned once.
    s = gdb([("w1", "whereis %#x" % addrs["target"]),
             ("w2", "whereis %#x" % addrs["counter"]),
             ("pic", "vmlayout")], args=[prog, core])
    assert (s.out["w1"] + s.out["w2"] + s.out["pic"]).count(warning) == 1
    assert warning in s.out["w1"]
    for k in ("w1", "w2"):
        assert not re.search(r"^  (symbol|section) ", s.out[k], re.M), \
            s.out[k]

    # The original back in place (its own mtime): the symbols GDB gives,
    # and no warning.
    shutil.copy2(prog + ".orig", prog)
    try:
        p = cli("--core", core, "--json", "--whereis", "%#x"
                % addrs["target"], "--whereis", "%#x" % addrs["counter"])
        assert "not the one" not in p.stderr, p.stderr
        got = json.loads(p.stdout)
        for w, k in zip(got, ("target", "counter")):
            name, off, section = truth[k]
            assert (w["symbol"], w["symbol_offset"], w["section"]) == \
                (name, off, section), (k, w)
    finally:
        os.unlink(prog)


# ------------------------------------------------------------ deleted exe


def test_deleted_executable_keeps_section_and_symbol():
    if not os.access(FACTS, os.X_OK):
        pytest.skip("fixture not built: %s" % FACTS)
    tmp = tempfile.mkdtemp(prefix="vml-deleted-")
    prog = os.path.join(tmp, "prog")
    shutil.copy2(FACTS, prog)
    proc, facts = start(prog, tmp)
    try:
        os.unlink(prog)
        with open("/proc/%d/maps" % proc.pid) as f:
            maps = f.read()
        assert "%s (deleted)" % prog in maps
        addr = facts["target"] + 4
        # GDB finds no file for a deleted program by itself: it is given
        # the one the process runs, /proc/PID/exe.
        s = gdb([("info", "info symbol %#x" % addr),
                 ("where", "whereis --json %#x" % addr),
                 ("pic", "vmlayout")],
                before=["file /proc/%d/exe" % proc.pid,
                        "attach %d" % proc.pid])
        name, off, section = info_symbol(s.out["info"])
        assert (name, off) == ("facts_target", 4), s.out["info"]
        w = s.json("where")
        assert (w["symbol"], w["symbol_offset"], w["section"]) == \
            (name, off, section)
        assert w["deleted"] is True
        assert "prog (executable, deleted)" in s.out["pic"], s.out["pic"]
        # The command line reads the same files.
        p = cli("--pid", str(proc.pid), "--json", "--whereis", "%#x" % addr,
                "--whereis", "%#x" % facts["counter"])
        got = json.loads(p.stdout)
        assert (got[0]["symbol"], got[0]["symbol_offset"]) == (name, off)
        assert (got[1]["symbol"], got[1]["section"]) == ("facts_counter",
                                                         ".data")
        p = cli("--pid", str(proc.pid))
        assert "prog (executable, deleted)" in p.stdout
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------ vDSO


def vdso_functions(image):
    """(value, size, name) of every FUNC in a vDSO image, by readelf."""
    out = subprocess.run(["readelf", "-W", "--dyn-syms", image],
                         capture_output=True, text=True, check=True).stdout
    funcs = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[3] == "FUNC" and parts[6] != "UND":
            funcs.append((int(parts[1], 16), int(parts[2]),
                          parts[7].split("@")[0]))
    return funcs


def test_vdso_symbols_are_gdbs():
    if not os.access(FACTS, os.X_OK):
        pytest.skip("fixture not built: %s" % FACTS)
    need("readelf")
    tmp = tempfile.mkdtemp(prefix="vml-vdso-")
    proc, facts = start(FACTS, tmp)
    try:
        with open("/proc/%d/maps" % proc.pid) as f:
            m = re.search(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s+"
                          r"\[vdso\]$", f.read(), re.M)
        if not m:
            pytest.skip("no [vdso] in this process")
        start_, end = int(m.group(1), 16), int(m.group(2), 16)
        image = os.path.join(tmp, "vdso.so")
        s = gdb([("dump", "dump memory %s %#x %#x" % (image, start_, end))],
                before=["attach %d" % proc.pid])
        funcs = vdso_functions(image)
        assert len(funcs) >= 4, funcs
        addrs = sorted({start_ + value + (1 if size > 1 else 0)
                        for value, size, _ in funcs})
        cmds = []
        for a in addrs:
            cmds += [("info%x" % a, "info symbol %#x" % a),
                     ("where%x" % a, "whereis --json %#x" % a)]
        s = gdb(cmds, before=["attach %d" % proc.pid])
        named = set()
        for a in addrs:
            truth = info_symbol(s.out["info%x" % a])
            assert truth, s.out["info%x" % a]
            w = s.json("where%x" % a)
            assert (w["symbol"], w["symbol_offset"], w["section"]) == \
                truth, (hex(a), w, truth)
            named.add(truth[0])
        # GDB's names are the plain ones of the image (clock_gettime ...).
        assert named <= {name for _, _, name in funcs}
        assert "clock_gettime" in named or "__vdso_clock_gettime" in named
        # A core holds the vDSO: the same names from its dumped image.
        core = gcore(proc.pid, tmp)
        p = cli("--core", core, "--json",
                *sum((["--whereis", "%#x" % a] for a in addrs), []))
        got = json.loads(p.stdout)
        for a, w in zip(addrs, got):
            truth = info_symbol(s.out["info%x" % a])
            assert (w["symbol"], w["symbol_offset"]) == truth[:2], hex(a)
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------ flavour


def test_insn_follows_disassembly_flavor():
    """whereis' insn line is x/i's text in both flavours, at every
    instruction of facts_target GDB decodes without a synthetic @plt name
    (vmlayout does not make those)."""
    if not os.access(FACTS, os.X_OK):
        pytest.skip("fixture not built: %s" % FACTS)
    cmds = []
    for flavor in ("att", "intel"):
        cmds.append(("set" + flavor, "set disassembly-flavor " + flavor))
        cmds.append(("x" + flavor, "x/12i facts_target"))
    s = gdb(cmds, args=[FACTS], before=["break facts_ready", "run"])
    insns = {}
    for flavor in ("att", "intel"):
        rows = []
        for line in s.out["x" + flavor].splitlines():
            m = re.match(r"^(?:=> )?\s*0x([0-9a-f]+) <[^>]*>:\t(.*)$", line)
            if m:
                rows.append((int(m.group(1), 16), m.group(2).rstrip()))
        assert len(rows) == 12, s.out["x" + flavor]
        insns[flavor] = rows
    # The two flavours really differ (operand order, "PTR").
    assert any("PTR" in t for _, t in insns["intel"])
    assert [t for _, t in insns["att"]] != [t for _, t in insns["intel"]]
    cmds = []
    for flavor in ("att", "intel"):
        cmds.append(("set" + flavor, "set disassembly-flavor " + flavor))
        for addr, _ in insns[flavor]:
            cmds.append(("w%s%x" % (flavor, addr),
                         "whereis --json %#x" % addr))
    s = gdb(cmds, args=[FACTS], before=["break facts_ready", "run"])
    checked = 0
    for flavor in ("att", "intel"):
        for addr, text in insns[flavor]:
            if "@plt" in text:
                continue
            w = s.json("w%s%x" % (flavor, addr))
            assert w["insn"] == text, (flavor, hex(addr), w["insn"], text)
            checked += 1
    assert checked >= 16


# ------------------------------------------------------------ messages


def test_whereis_rejects_a_fraction_and_vmlayout_two_formats():
    if not os.access(FACTS, os.X_OK):
        pytest.skip("fixture not built: %s" % FACTS)
    s = gdb([("frac", "whereis 1.5"), ("float", "whereis (double)4096"),
             ("int", "whereis --json 1"), ("print", "ptype 1.5"),
             ("tj", "vmlayout --table --json"),
             ("pj", "vmlayout --picture --json")],
            args=[FACTS], before=["break facts_ready", "run"])
    # GDB says 1.5 is a double; an address is not.
    assert "type = double" in s.out["print"]
    assert "whereis: '1.5' is not an address: it is a double value" in \
        s.out["frac"], s.out["frac"]
    assert "is not an address" in s.out["float"]
    assert json.loads(s.out["int"])["address"] == 1
    for k, pair in (("tj", "--table and --json"),
                    ("pj", "--picture and --json")):
        assert "vmlayout: %s cannot be combined" % pair in s.out[k], s.out[k]
        assert "{" not in s.out[k]
    # The command line refuses the same.
    p = cli("--pid", "1", "--table", "--json")
    assert p.returncode == 2 and "not allowed with" in p.stderr

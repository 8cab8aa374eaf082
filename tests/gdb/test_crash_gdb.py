"""vmlayout --crash: why a program died, on tests/fixtures/crashers (one
way to die per argument), asked three ways of the same crash: live in GDB
(run until the signal), of a gcore taken at the fault, and of the core the
kernel wrote (a temporary core_pattern when the system's would not put it
in the test's directory, restored on every path), in GDB and through
`python3 -m vmlayout --core CORE --crash`.

Truths, independent of vmlayout: the signal and si_code the program was
made to raise (its exit status for the kernel core; GDB's $_siginfo live
and on both cores), the addresses the program prints before it crashes
(the fault address, or the address the faulting instruction uses), its
thread ids, GDB's $pc, $sp and `x/i $pc`, `info symbol` for sections,
`info proc mappings` for gaps and [stack], pthread_getattr_np's stack
bounds, the file size the program wrote and the message glibc printed for
a failed assert().
"""

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from conftest import GDB, MARK, SCRIPT, TIMEOUT, TOP_BUILDDIR, TOP_SRCDIR, \
    Session

CRASHERS = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "crashers")

SEGV, BUS, FPE, ILL, TRAP, ABRT = (signal.SIGSEGV, signal.SIGBUS,
                                   signal.SIGFPE, signal.SIGILL,
                                   signal.SIGTRAP, signal.SIGABRT)
MAPERR, ACCERR, ADRERR, SI_KERNEL, SI_TKILL, SI_USER = 1, 2, 2, 0x80, -6, 0

# argument: (signal, si_code, kind, the headline's first words)
KINDS = {
    "null-read": (SEGV, MAPERR, "null-dereference",
                  "NULL pointer dereference: a read of"),
    "null-write": (SEGV, MAPERR, "null-dereference",
                   "NULL pointer dereference: a write to"),
    "null-call": (SEGV, MAPERR, "null-dereference",
                  "Call through a NULL function pointer"),
    "overflow": (SEGV, ACCERR, "stack-overflow", "Stack overflow: thread"),
    "main-overflow": (SEGV, MAPERR, "stack-overflow",
                      "Stack overflow: main thread"),
    "rodata": (SEGV, ACCERR, "write-read-only", "Write to read-only memory"),
    "relro": (SEGV, ACCERR, "write-read-only", "Write to read-only memory"),
    "exec-heap": (SEGV, ACCERR, "exec-non-executable",
                  "Execution of non-executable memory"),
    "exec-stack": (SEGV, ACCERR, "exec-non-executable",
                   "Execution of non-executable memory"),
    "munmap": (SEGV, MAPERR, "unmapped", "Access to unmapped memory: a read"),
    "noncanonical": (SEGV, SI_KERNEL, "non-canonical",
                     "Non-canonical address: the instruction used"),
    "misaligned": (SEGV, SI_KERNEL, "misaligned",
                   "Misaligned access: the instruction needs a 16-byte"),
    "sigbus": (BUS, ADRERR, "bus-error",
               "Access past the end of a mapped file"),
    "kernel": (SEGV, MAPERR, "kernel-address", "Access to kernel space"),
    "abort": (ABRT, SI_TKILL, "abort", "Abort: thread"),
    "abort-thread": (ABRT, SI_TKILL, "abort", "Abort: thread"),
    "assert": (ABRT, SI_TKILL, "abort", "Assertion failure: thread"),
    "divzero": (FPE, 1, "arithmetic", "Integer divide by zero"),
    "ud2": (ILL, 2, "illegal-instruction", "Illegal instruction: ud2"),
    "int3": (TRAP, SI_KERNEL, "trap", "Trap instruction"),
}

# Signals whose siginfo holds an address (si_code > 0).
FAULTS = (SEGV, BUS, FPE, ILL)


def _env():
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.pop("ASAN_OPTIONS", None)
    return env


def _need():
    if not os.access(CRASHERS, os.X_OK):
        pytest.skip("crashers fixture not built: %s (run make check)"
                    % CRASHERS)


def gdb_run(commands, args, cwd):
    """GDB in batch mode; args are GDB's trailing arguments (--args PROG
    ARG, or PROG alone); the labelled commands' outputs in a Session."""
    _need()
    argv = [GDB, "-nx", "-batch", "-ex", "set width 0", "-ex",
            "set height 0", "-ex", "set confirm off", "-ex",
            "source " + SCRIPT]
    for label, cmd in commands:
        if label is None:
            argv += ["-ex", cmd]
            continue
        argv += ["-ex", "echo \\n%s BEGIN %s\\n" % (MARK, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (MARK, label)]
    out = subprocess.run(argv + list(args), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=TIMEOUT, env=_env(),
                         cwd=cwd).stdout
    return Session(out, [l for l, _ in commands if l is not None])


def cli(*args):
    return subprocess.run(
        [sys.executable if os.path.exists(sys.executable) else "python3",
         "-m", "vmlayout"] + list(args),
        capture_output=True, text=True, timeout=TIMEOUT,
        env=dict(_env(), PYTHONPATH=os.path.join(TOP_SRCDIR, "python")))


@contextlib.contextmanager
def kernel_cores_in(tmp):
    """Kernel-written cores of processes started in tmp land in tmp: a
    core_pattern that names no directory does that already; any other (a
    path, a pipe) is replaced for the duration and restored on every path
    (root only, else skip)."""
    path = "/proc/sys/kernel/core_pattern"
    with open(path) as f:
        old = f.read().rstrip("\n")
    if not old.startswith("|") and "/" not in old:
        yield
        return
    try:
        with open(path, "w") as f:
            f.write(os.path.join(tmp, "core"))
    except OSError as e:
        pytest.skip("cannot set core_pattern (%s): %s" % (old, e))
    try:
        yield
    finally:
        with open(path, "w") as f:
            f.write(old)


def _core_limit():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def find_core(tmp):
    names = [n for n in os.listdir(tmp) if n.startswith("core")]
    if not names:
        pytest.skip("no kernel core appeared in %s" % tmp)
    return os.path.join(tmp, names[0])


# ------------------------------------------------------------------ parsing


def facts(text):
    """The program's "NAME VALUE..." lines: pid, tid, addr, lo, hi,
    stack_lo, map as ints, file as (path, size)."""
    got = {}
    for line in text.splitlines():
        m = re.match(r"^(pid|tid|addr|lo|hi|stack_lo|map) (0x[0-9a-f]+|\d+)$",
                     line)
        if m:
            got[m.group(1)] = int(m.group(2), 0)
        m = re.match(r"^file (\S+) (\d+)$", line)
        if m:
            got["file"] = (m.group(1), int(m.group(2)))
    return got


def gdb_value(text):
    m = re.search(r"^\$\d+ = (?:\([^)]*\) )?(-?0x[0-9a-f]+|-?\d+)", text,
                  re.M)
    assert m, "no value in: %r" % text
    return int(m.group(1), 0)


def x_i(text):
    """The instruction of `x/i $pc` ("mov    0x10(%rax),%eax"), spaces
    squeezed; None when GDB cannot read it."""
    m = re.search(r"=> 0x[0-9a-f]+(?: <[^>]*>)?:\s+(.*)$", text, re.M)
    if not m or "Cannot access memory" in m.group(1):
        return None
    return squeeze(m.group(1))


def squeeze(text):
    return " ".join(text.split())


def gdb_maps(text):
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+"
                     r"0x[0-9a-f]+\s+([rwxps-]{4})\s*(.*)$", line)
        if m:
            rows.append((int(m.group(1), 16), int(m.group(2), 16),
                         m.group(3), m.group(4).strip()))
    assert rows, "no mappings in:\n" + text
    return rows


def readelf_section(path, vaddr):
    """The name of the allocated section holding link-time vaddr, from
    `readelf -SW`."""
    out = subprocess.run(["readelf", "-SW", path], capture_output=True,
                         text=True, check=True, env=_env()).stdout
    for m in re.finditer(r"^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+"
                         r"[0-9a-f]+\s+([0-9a-f]+)", out, re.M):
        addr, size = int(m.group(2), 16), int(m.group(3), 16)
        if addr and addr <= vaddr < addr + size:
            return m.group(1)
    raise AssertionError("no section holds %#x in:\n%s" % (vaddr, out))


# ------------------------------------------------------------------ runs

QUESTIONS = [
    ("json", "vmlayout --crash --json"),
    ("text", "vmlayout --crash"),
    ("signo", "p $_siginfo.si_signo"),
    ("code", "p $_siginfo.si_code"),
    ("siaddr", "p/x $_siginfo._sifields._sigfault.si_addr"),
    ("pc", "p/x $pc"),
    ("sp", "p/x $sp"),
    ("xi", "x/i $pc"),
]


class Crash:
    """One crash asked three ways. sessions: live, gcore, kernel (GDB
    Sessions holding the QUESTIONS' answers); facts: what each run of the
    program printed (live and gcore share the first run)."""


def crash(arg, tmp):
    d = os.path.join(tmp, arg)
    os.mkdir(d)
    gcore = os.path.join(d, "gcore")
    live = gdb_run([(None, "run")] + QUESTIONS +
                   [("maps", "info proc mappings"),
                    ("threads", "info threads"),
                    ("gcore", "gcore " + gcore), (None, "kill")],
                   ["--args", CRASHERS, arg], d)
    kd = os.path.join(d, "kernel")
    os.mkdir(kd)
    with kernel_cores_in(kd):
        proc = subprocess.run([CRASHERS, arg], cwd=kd, env=_env(),
                              preexec_fn=_core_limit, capture_output=True,
                              text=True, timeout=TIMEOUT)
    signo = KINDS[arg][0]
    assert proc.returncode == -signo, proc
    kcore = find_core(kd)
    cores = gdb_run([(None, "core " + gcore)] +
                    [("g" + l, c) for l, c in QUESTIONS] +
                    [(None, "core " + kcore)] +
                    [("k" + l, c) for l, c in QUESTIONS],
                    [CRASHERS], d)
    c = Crash()
    c.arg = arg
    c.live = live
    c.gcore = gcore
    c.kcore = kcore
    c.kernel_out = proc.stdout
    c.kernel_err = proc.stderr
    c.cores = cores
    return c


def answers(c):
    """(source, JSON, text, GDB's answers, the program's facts, the
    program's stderr) for live, gcore and kernel core."""
    live = c.live
    lf = facts(live.text)
    out = []
    for name, s, prefix, f, err in (
            ("live", live, "", lf, live.text),
            ("gcore", c.cores, "g", lf, live.text),
            ("kernel", c.cores, "k", facts(c.kernel_out), c.kernel_err)):
        out.append((name, s.json(prefix + "json"), s.out[prefix + "text"],
                    {q: s.out[prefix + q] for q, _ in QUESTIONS}, f, err))
    return out


@pytest.fixture(scope="module")
def tmp():
    d = tempfile.mkdtemp(prefix="vml-crash-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ checks


def check_common(arg, name, doc, text, gdb, f):
    """What every crash answer says, against GDB and the program."""
    signo, code, kind, headline = KINDS[arg]
    where = "%s %s" % (arg, name)
    assert doc["kind"] == kind, (where, doc)
    sig = doc["signal"]
    assert sig["signo"] == signo == gdb_value(gdb["signo"]), where
    assert sig["code"] == code == gdb_value(gdb["code"]), where
    if signo in FAULTS and code > 0:
        assert sig["fault_addr"] == gdb_value(gdb["siaddr"]), where
    else:
        assert sig["fault_addr"] is None, where
    assert sig["sent"] == (code <= 0)
    t = doc["thread"]
    assert t["tid"] == f["tid"], where
    assert t["main"] == (f["tid"] == f["pid"]), where
    assert t["pc"] == gdb_value(gdb["pc"]), where
    assert t["sp"] == gdb_value(gdb["sp"]), where
    insn = x_i(gdb["xi"])
    ins = doc["instruction"]
    if ins["region"] is None or "x" not in ins["region"]["perms"]:
        # $pc outside executable memory: no instruction ran there.
        assert ins["insn"] is None, where
        insn = None
    else:
        assert squeeze(ins["insn"]) == insn, where
    # The paragraph: its headline, the signal, the thread. The layout's
    # warnings (once per target, on stderr, which the session mixes in)
    # may come first: a gcore leaves out unchanged file mappings.
    text = "\n".join(l for l in text.splitlines()
                     if not l.startswith("vmlayout: warning:"))
    flat = squeeze(text)
    assert flat.startswith(headline), (where, text)
    assert "received %s" % signal.Signals(signo).name in flat, where
    assert "Thread %d" % f["tid"] in flat, where
    if insn is not None:
        assert insn in flat, where


def check_kind(arg, name, doc, text, gdb, f, err):
    """The facts the program was made to produce."""
    where = "%s %s" % (arg, name)
    a = doc["address"]
    flat = squeeze(text)
    if arg in ("null-read", "null-write"):
        assert a["addr"] == f["addr"] and a["from"] == "siginfo", where
        assert doc["access"] == ("read" if arg == "null-read" else "write")
        assert doc["operand"]["addr"] == f["addr"]
        assert doc["operand"]["base_value"] == 0
        assert "NULL + %#x" % f["addr"] in flat
    elif arg == "null-call":
        assert doc["access"] == "execute" and a["addr"] == 0
        assert doc["thread"]["pc"] == 0
        assert doc["return_address"]["symbol"] == "main", where
    elif arg in ("rodata", "relro"):
        assert a["addr"] == f["addr"] and doc["access"] == "write", where
        assert a["region"]["kind"] == ("rodata" if arg == "rodata"
                                       else "relro"), where
        assert a["section"] == (".rodata" if arg == "rodata" else ".got")
        if arg == "rodata":
            assert (a["symbol"], a["symbol_offset"]) == ("ro_message", 4)
    elif arg in ("exec-heap", "exec-stack"):
        assert a["addr"] == f["addr"] == doc["thread"]["pc"], where
        assert doc["access"] == "execute"
        assert a["region"]["kind"] == ("heap" if arg == "exec-heap"
                                       else "stack"), where
        assert "rw" in a["region"]["perms"], where
        assert doc["return_address"]["symbol"] == "main", where
    elif arg == "munmap":
        assert a["addr"] == f["addr"] and not a["mapped"], where
        assert a["gap"]["start"] == f["lo"] and a["gap"]["end"] == f["hi"]
        assert a["gap"]["below"]["end"] == f["lo"], where
        assert a["gap"]["above"]["start"] == f["hi"], where
        assert doc["access"] == "read"
    elif arg == "noncanonical":
        assert a["addr"] == f["addr"] and a["from"] == "operand", where
        assert a["half"] == "non-canonical" and not a["canonical"]
        assert doc["operand"]["addr"] == f["addr"]
        assert doc["signal"]["fault_addr"] == 0
        assert "%#x" % f["addr"] in flat
    elif arg == "misaligned":
        assert doc["alignment"] == 16 and a["addr"] == f["addr"], where
        assert a["addr"] % 16 == 8
        assert a["from"] == "operand"
        assert "%#x (8 bytes past a multiple of 16)" % f["addr"] in flat
    elif arg == "sigbus":
        path, size = f["file"]
        assert a["addr"] == f["addr"], where
        assert doc["file_size"] == size == 100, where
        assert a["file_offset"] == f["addr"] - f["map"], where
        assert a["region"]["path"] == path, where
        assert "which is 100 bytes long" in flat
    elif arg == "kernel":
        assert a["addr"] == f["addr"] and a["half"] == "kernel", where
    elif arg in ("abort", "abort-thread"):
        assert doc["abort"]["function"] == "abort", where
        assert doc["abort"]["message"] is None
        assert doc["thread"]["main"] == (arg == "abort")
    elif arg == "assert":
        assert doc["abort"]["function"] == "__assert_fail", where
        m = re.search(r"^(crashers: .*Assertion .* failed\.)$", err, re.M)
        assert m, err
        assert doc["abort"]["message"] == m.group(1), where
        assert doc["summary"] == "assertion failure"
    elif arg == "divzero":
        assert doc["summary"] == "integer divide by zero"
        assert doc["signal"]["fault_addr"] == doc["thread"]["pc"]
    elif arg == "ud2":
        assert doc["instruction"]["insn"] == "ud2"
    elif arg == "int3":
        assert doc["signal"]["code_name"] == "SI_KERNEL"


def check_overflow(arg, name, doc, gdb, f, maps):
    where = "%s %s" % (arg, name)
    o = doc["stack_overflow"]
    sp = gdb_value(gdb["sp"])
    assert o["tid"] == f["tid"] and o["sp"] == sp, where
    if arg == "overflow":
        lo = f["stack_lo"]
        assert not o["main"], where
        assert o["stack"]["start"] == lo and o["guard"]["end"] == lo, where
        assert o["guard"]["start"] <= sp < lo, where
        assert o["depth"] == lo - sp, where
    else:
        assert o["main"] and o["guard"] is None, where
        assert o["stack"]["name"] == "[stack]", where
        assert o["depth"] == o["stack"]["start"] - sp, where
        if maps is not None:
            stack, = [r for r in maps if r[3] == "[stack]"]
            assert stack[0] == o["stack"]["start"], where
            assert not any(r[0] <= sp < r[1] for r in maps), where


@pytest.mark.parametrize("arg", sorted(KINDS))
def test_crash(arg, tmp):
    c = crash(arg, tmp)
    results = answers(c)
    live_maps = gdb_maps(c.live.out["maps"])
    for name, doc, text, gdb, f, err in results:
        check_common(arg, name, doc, text, gdb, f)
        check_kind(arg, name, doc, text, gdb, f, err)
        if doc["kind"] == "stack-overflow":
            check_overflow(arg, name, doc, gdb, f,
                           live_maps if name == "live" else None)
    # Live, for the truths only the live process has.
    f = facts(c.live.text)
    if arg == "munmap":
        assert any(r[1] == f["lo"] for r in live_maps)
        assert any(r[0] == f["hi"] for r in live_maps)
        assert not any(r[0] <= f["addr"] < r[1] for r in live_maps)
    if arg in ("rodata", "relro"):
        # readelf: the section whose link-time span, moved by the load
        # bias (the program's lowest mapping: a PIE links at 0), holds
        # the address.
        base = min(r[0] for r in live_maps
                   if os.path.realpath(r[3]) == os.path.realpath(CRASHERS))
        section = readelf_section(CRASHERS, f["addr"] - base)
        for _, doc, _, _, _, _ in results[:2]:
            assert doc["address"]["section"] == section
    # Live and its gcore are the same process at the same fault: the same
    # facts; the kernel's core is another run of it: the same kind.
    (_, live, *_), (_, gcore, *_), (_, kernel, *_) = results
    for key in ("kind", "summary", "signal", "thread", "operand", "access",
                "alignment", "file_size", "abort", "stack_overflow"):
        if key == "stack_overflow" and live[key]:
            # gcore cannot tell whether PROT_NONE memory was readable.
            for k in ("tid", "main", "sp", "depth"):
                assert gcore[key][k] == live[key][k], (arg, key, k)
            continue
        assert gcore[key] == live[key], (arg, key)
    for key in ("addr", "from", "half", "section", "symbol",
                "symbol_offset"):
        assert (gcore["address"] or {}).get(key) == \
            (live["address"] or {}).get(key), (arg, key)
    assert kernel["kind"] == live["kind"] and \
        kernel["access"] == live["access"]
    # The command line on the kernel's core: the same JSON, and text.
    r = cli("--core", c.kcore, "--crash", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == kernel
    r = cli("--core", c.kcore, "--crash")
    assert r.returncode == 0, r.stderr
    assert squeeze(r.stdout) == squeeze(c.cores.out["ktext"])


# ------------------------------------------------------------------ no crash


def test_no_fatal_signal(tmp):
    """A program at a breakpoint, a gcore taken there, a process before it
    runs, and a process killed by kill -SEGV (a signal no fault raised)."""
    d = os.path.join(tmp, "no-crash")
    os.mkdir(d)
    gcore = os.path.join(d, "bp.gcore")
    s = gdb_run([("before", "vmlayout --crash"), (None, "break null_read"),
                 (None, "run"), ("bp", "vmlayout --crash"),
                 ("bpjson", "vmlayout --crash --json"),
                 ("table", "vmlayout --crash --table"),
                 ("gcore", "gcore " + gcore), (None, "kill"),
                 (None, "core " + gcore), ("core", "vmlayout --crash")],
                ["--args", CRASHERS, "null-read"], d)
    assert "vmlayout: the program is not being run" in s.out["before"]
    want = ("vmlayout: no fatal signal: the program is not stopped by a "
            "crash (it stopped with SIGTRAP: a breakpoint or a step of the "
            "debugger's)")
    assert s.lines("bp") == [want] and s.lines("bpjson") == [want]
    assert s.lines("table") == ["vmlayout: --crash prints a paragraph or, "
                                "with --json, JSON; not --table"]
    assert s.lines("core")[-1] == (
        "vmlayout: no fatal signal: the core was written while the program "
        "was stopped by SIGTRAP: a breakpoint or a step of the debugger's, "
        "not killed by a crash")
    r = cli("--core", gcore, "--crash")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("vmlayout: no fatal signal: the core was "
                               "written while the program was stopped by "
                               "SIGTRAP")

    # kill -SEGV: the kernel writes a core, for a fault that never was.
    kd = os.path.join(d, "kill")
    os.mkdir(kd)
    with kernel_cores_in(kd):
        proc = subprocess.Popen([CRASHERS, "wait"], cwd=kd, env=_env(),
                                preexec_fn=_core_limit,
                                stdout=subprocess.PIPE, text=True)
        try:
            for line in proc.stdout:
                if line.strip() == "ready":
                    break
            os.kill(proc.pid, signal.SIGSEGV)
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    assert proc.returncode == -signal.SIGSEGV
    r = cli("--core", find_core(kd), "--crash", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["kind"] == "sent" and doc["signal"]["sent"]
    assert doc["signal"]["code_name"] == "SI_USER"
    assert doc["signal"]["fault_addr"] is None and doc["address"] is None
    assert doc["thread"]["tid"] == proc.pid

"""Stacks by each thread's own $sp, stack overflows and PROT_NONE
reservations, in real GDB on tests/fixtures/stacks_fixture (issue 7).

Truths, all independent of vmlayout: the fixture's own report (its threads'
tids, an address on each thread's stack, the lowest address
pthread_getattr_np gives for its stack, the malloc'ed pointers), GDB's
`info threads`, each thread's `$sp` (`thread apply all p/x $sp`), GDB's
`$_siginfo`, `info proc mappings` (the kernel's /proc/PID/maps) and, for
kernel-written cores, `readelf -lW` of the core's PT_LOADs. The same
questions are asked live, of a gcore core and of a kernel-written core,
and through `python3 -m vmlayout --core`.
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
import time

import pytest

import vmlayout

from conftest import GDB, MARK, SCRIPT, TIMEOUT, TOP_BUILDDIR, TOP_SRCDIR, \
    Session

STACKS = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "stacks_fixture")
PAGE = 4096
HEAP_MAX = 64 << 20     # glibc's per-thread arena reservation (64-bit)


def _env():
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.pop("ASAN_OPTIONS", None)
    return env


def _need():
    if not os.access(STACKS, os.X_OK):
        pytest.skip("stacks fixture not built: %s (run make check)" % STACKS)


def gdb_run(commands, argv=None, core=None, cwd=None):
    """GDB in batch mode on the stacks fixture run with argv, or on core;
    the labelled commands' outputs cut into a Session (s.text has the
    program's own output too)."""
    _need()
    args = [GDB, "-nx", "-batch", "-ex", "set width 0", "-ex",
            "set height 0", "-ex", "set confirm off", "-ex",
            "source " + SCRIPT]
    for label, cmd in commands:
        if label is None:
            args += ["-ex", cmd]
            continue
        args += ["-ex", "echo \\n%s BEGIN %s\\n" % (MARK, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (MARK, label)]
    args += [STACKS, core] if core else ["--args", STACKS] + list(argv)
    out = subprocess.run(args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=TIMEOUT, env=_env(),
                         cwd=cwd).stdout
    return Session(out, [l for l, _ in commands if l is not None])


# ------------------------------------------------------------------ parsing


def program_lines(text, name):
    """The fixture's "NAME v1 v2 ..." lines, values as ints."""
    return [[int(v, 0) for v in line.split()[1:]]
            for line in text.splitlines()
            if re.match(r"^%s( \S+)+$" % name, line)]


def gdb_maps(text):
    """`info proc mappings` rows: (start, end, perms, objfile)."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+"
                     r"0x[0-9a-f]+\s+([rwxps-]{4})\s*(.*)$", line)
        if m:
            rows.append((int(m.group(1), 16), int(m.group(2), 16),
                         m.group(3), m.group(4).strip()))
    assert rows, "no mappings in:\n" + text
    return rows


def row_at(rows, addr):
    found = [r for r in rows if r[0] <= addr < r[1]]
    return found[0] if found else None


def per_thread(text):
    """`thread apply all CMD` output by LWP: {lwp: that thread's output}."""
    parts = re.split(r"^Thread \d+ \((?:Thread 0x[0-9a-f]+ \()?LWP (\d+)\)"
                     r"[^\n]*:\n", text, flags=re.M)
    return {int(parts[i]): parts[i + 1].strip()
            for i in range(1, len(parts) - 1, 2)}


def gdb_value(text):
    m = re.search(r"^\$\d+ = (?:\([^)]*\) )?(0x[0-9a-f]+|\d+)", text, re.M)
    assert m, "no value in: %r" % text
    return int(m.group(1), 0)


def info_threads(text):
    """{lwp: is the current thread} from `info threads`."""
    return {int(m.group(2)): m.group(1) == "*" for m in re.finditer(
        r"^(\*| ) +\d+ +(?:Thread 0x[0-9a-f]+ \()?LWP (\d+)\)?", text,
        re.M)}


def region_at(doc, addr):
    found = [r for r in doc["regions"] if r["start"] <= addr < r["end"]]
    assert len(found) == 1, hex(addr)
    return found[0]


def readelf_loads(core):
    """(vaddr, memsz, flags) of a core's PT_LOADs, from readelf -lW."""
    out = subprocess.run(["readelf", "-lW", core], capture_output=True,
                         text=True, check=True, env=_env()).stdout
    loads = []
    for m in re.finditer(r"^\s*LOAD\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+"
                         r"0x[0-9a-f]+\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+"
                         r"([RWE ]*?)\s+0x[0-9a-f]+$", out, re.M):
        loads.append((int(m.group(1), 16), int(m.group(2), 16),
                      m.group(3).replace(" ", "")))
    assert loads, out
    return loads


def cli(*args):
    return subprocess.run(
        [sys.executable if os.path.exists(sys.executable) else "python3",
         "-m", "vmlayout"] + list(args),
        capture_output=True, text=True, timeout=TIMEOUT,
        env=dict(_env(), PYTHONPATH=os.path.join(TOP_SRCDIR, "python")))


# ------------------------------------------------------------------ cores


@contextlib.contextmanager
def kernel_cores_in(tmp):
    """Kernel-written cores of processes started in tmp land in tmp. A
    core_pattern that writes to the process's cwd does that already; any
    other (a path, a pipe) is replaced for the duration and restored on
    every path (root only, else skip)."""
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


def crash_for_core(tmp, argv):
    """Run the fixture in tmp until the kernel dumps its core; returns
    (its output, the core's path)."""
    _need()
    with kernel_cores_in(tmp):
        proc = subprocess.run([STACKS] + argv, cwd=tmp, env=_env(),
                              preexec_fn=_core_limit, capture_output=True,
                              text=True, timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGSEGV, proc
    return proc.stdout, find_core(tmp)


@pytest.fixture(scope="module")
def tmp():
    d = tempfile.mkdtemp(prefix="vml-stacks-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------ stacks sharing one mapping

SHARED_QUESTIONS = [
    ("threads", "info threads"),
    ("sps", "thread apply all p/x $sp"),
    ("where", "thread apply all whereis $sp"),
    ("wherejson", "thread apply all whereis --json $sp"),
    ("json", "vmlayout --json"),
]


@pytest.fixture(scope="module")
def shared(tmp):
    core = os.path.join(tmp, "shared.gcore")
    s = gdb_run([(None, "break fixture_ready"), (None, "run"),
                 ("maps", "info proc mappings")] + SHARED_QUESTIONS +
                [("local%d" % i, "whereis --json thread_locals[%d]" % i)
                 for i in range(4)] +
                [("picture", "vmlayout"), ("table", "vmlayout --table"),
                 ("top", "whereis --json 0x7fffffffffff"),
                 ("toptext", "whereis 0x7fffffffffff"),
                 ("gcore", "gcore " + core), (None, "kill")],
                argv=["shared"], cwd=tmp)
    (lo, hi), = program_lines(s.text, "slab")
    threads = program_lines(s.text, "thread")
    pid, = program_lines(s.text, "pid")[0]
    return {"s": s, "slab": (lo, hi), "threads": threads, "pid": pid,
            "gcore": core}


def check_shared_answers(s, pid, workers, slab):
    """The thread facts every source must agree on: each thread's $sp is
    its own, 0 bytes above it; the slab is the stack of every worker."""
    lwps = info_threads(s.out["threads"])
    assert sorted(lwps) == sorted([pid] + workers)
    sps = {lwp: gdb_value(v) for lwp, v in per_thread(s.out["sps"]).items()}
    texts = per_thread(s.out["where"])
    docs = {lwp: json.loads(v)
            for lwp, v in per_thread(s.out["wherejson"]).items()}
    assert sorted(sps) == sorted(texts) == sorted(docs) == sorted(lwps)
    for lwp, sp in sps.items():
        d = docs[lwp]
        assert d["thread"]["tid"] == lwp, (lwp, d)
        assert d["thread"]["sp"] == sp and d["thread"]["above_sp"] == 0
        assert d["thread"]["role"] == "live"
        if lwp == pid:
            assert d["kind"] == "stack" and d["thread"]["main"]
            assert "  stack    main thread %d, 0x0 bytes above its $sp " \
                   "(%#x)\n" % (pid, sp) in texts[lwp] + "\n"
            continue
        assert slab[0] <= sp < slab[1]
        assert d["kind"] == "thread-stack" and not d["thread"]["main"]
        assert d["start"] == slab[0] and d["end"] == slab[1]
        assert d["tids"] == sorted(workers)
        others = sorted(w for w in workers if w != lwp)
        assert d["thread"]["sharing"] == others
        assert ("  stack    thread %d, 0x0 bytes above its $sp (%#x); the "
                "mapping also holds the stacks of threads %s"
                % (lwp, sp, ", ".join(map(str, others)))) in texts[lwp]
    doc = s.json("json")
    stack = region_at(doc, slab[0])
    assert (stack["start"], stack["end"]) == slab
    assert stack["kind"] == "thread-stack"
    assert stack["tids"] == sorted(workers) and stack["tid"] == min(workers)
    # The PROT_NONE page below the slab is its guard, the one above it
    # lies below no stack: reserved.
    below = region_at(doc, slab[0] - 1)
    # (gcore cannot tell whether PROT_NONE memory was readable: "?--p")
    assert below["end"] == slab[0] and below["perms"][1:] == "--p"
    assert below["kind"] == "guard" and below["tid"] == min(workers)
    above = region_at(doc, slab[1])
    assert above["kind"] == "reserved" and above["tid"] is None
    return sps


def test_shared_stacks_live(shared):
    s = shared["s"]
    lo, hi = shared["slab"]
    workers = [t for t, _ in shared["threads"]]
    assert len(workers) == 4
    # The slab is one mapping of the kernel's, with PROT_NONE around it.
    rows = gdb_maps(s.out["maps"])
    assert row_at(rows, lo)[:3] == (lo, hi, "rw-p")
    assert row_at(rows, lo - 1)[2] == "---p" and row_at(rows, hi)[2] == "---p"
    check_shared_answers(s, shared["pid"], workers, (lo, hi))
    # An address on each thread's stack (a local of its start function)
    # is that thread's, above its $sp.
    for i, (tid, local) in enumerate(shared["threads"]):
        d = s.json("local%d" % i)
        assert d["thread"]["tid"] == tid and d["thread"]["role"] == "live"
        assert d["thread"]["above_sp"] == local - d["thread"]["sp"] > 0
    # The picture and the table say whose stacks the mapping holds.
    want = "stacks of threads " + ", ".join(map(str, sorted(workers)))
    pic = [l for l in s.out["picture"].splitlines() if "stacks of" in l]
    assert len(pic) == 1
    text = pic[0].split("|")[1].split("rw-p")[0].strip()
    assert text == want or (text.startswith("stacks of threads ") and
                            re.search(r" \+\d+ more$", text) and
                            want.startswith(text.rsplit(" +", 1)[0]))
    assert "(%s)" % want in s.out["table"]


def test_whereis_gap_ends_at_the_end_of_user_space(shared):
    """Item 6: the gap above [stack] ends at the top of the user half (it
    ran across the non-canonical hole to [vsyscall], '16 EiB')."""
    s = shared["s"]
    rows = gdb_maps(s.out["maps"])
    stack = [r for r in rows if r[3] == "[stack]"]
    assert len(stack) == 1
    top = 0x800000000000
    assert row_at(rows, top - 1) is None
    below = max(r[1] for r in rows if r[1] <= top)
    d = s.json("top")
    assert d["mapped"] is False
    assert d["gap"]["start"] == below and d["gap"]["end"] == top
    assert d["gap"]["size"] == top - below and d["gap"]["above"] is None
    assert "and the end of user space" in s.out["toptext"]
    assert "EiB" not in s.out["toptext"]


def test_shared_stacks_gcore(shared):
    """GDB's own core of the same stopped process: the same answers."""
    s = gdb_run([(None, "echo")] + SHARED_QUESTIONS, core=shared["gcore"])
    workers = [t for t, _ in shared["threads"]]
    live = check_shared_answers(shared["s"], shared["pid"], workers,
                                shared["slab"])
    in_core = check_shared_answers(s, shared["pid"], workers,
                                   shared["slab"])
    assert in_core == live


def test_shared_stacks_kernel_core(tmp):
    """A kernel-written core of a process killed while its threads wait:
    the core's answers are the live process's (open_pid) and every thread's
    $sp in GDB on the core is its own."""
    _need()
    d = os.path.join(tmp, "shared-kernel")
    os.mkdir(d)
    with kernel_cores_in(d):
        proc = subprocess.Popen([STACKS, "shared", "--wait"], cwd=d,
                                env=_env(), preexec_fn=_core_limit,
                                stdout=subprocess.PIPE, text=True)
        try:
            out = ""
            for line in proc.stdout:
                out += line
                if line.strip() == "ready":
                    break
            threads = program_lines(out, "thread")
            (lo, hi), = program_lines(out, "slab")
            pid = proc.pid
            # A thread that printed its line may not be blocked yet: until it
            # is, /proc says "running" and its $sp is unknown. Ask again
            # (briefly) until every worker's $sp is known.
            for _ in range(50):
                with vmlayout.open_pid(pid) as live:
                    before = [live.where(local) for _, local in threads]
                    live_facts = [(w.stack_tid, w.stack_role,
                                   w.stack_threads, w.region.start,
                                   w.region.tids) for w in before]
                if all(len(f[2]) == len(threads) for f in live_facts):
                    break
                time.sleep(0.1)
            os.kill(pid, signal.SIGSEGV)
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    core = find_core(d)
    workers = [t for t, _ in threads]
    with vmlayout.open_core(core) as layout:
        after = [layout.where(local) for _, local in threads]
        core_facts = [(w.stack_tid, w.stack_role, w.stack_threads,
                       w.region.start, w.region.tids) for w in after]
    assert core_facts == live_facts
    for (tid, _), facts in zip(threads, core_facts):
        assert facts[0] == tid and facts[2] == sorted(workers)
        assert facts[3] == lo
    s = gdb_run([(None, "echo")] + SHARED_QUESTIONS, core=core)
    check_shared_answers(s, pid, workers, (lo, hi))


# ------------------------------------------------ a thread overflows its stack

OVERFLOW_QUESTIONS = [
    ("threads", "info threads"),
    ("sp", "p/x $sp"),
    ("siaddr", "p/x $_siginfo._sifields._sigfault.si_addr"),
    ("where", "whereis $sp"),
    ("wherejson", "whereis --json $sp"),
    ("fault", "whereis --json $_siginfo._sifields._sigfault.si_addr"),
    ("all", "thread apply all whereis $sp"),
    ("json", "vmlayout --json"),
    ("picture", "vmlayout"),
]


def check_thread_overflow(s, tid, stack_lo, pid):
    """The crashed thread is tid, its $sp is in the page below stack_lo
    (glibc's one-page guard): whereis and the picture say so."""
    lwps = info_threads(s.out["threads"])
    assert lwps[tid] is True and sorted(lwps) == sorted([pid, tid])
    sp = gdb_value(s.out["sp"])
    si_addr = gdb_value(s.out["siaddr"])
    assert stack_lo - PAGE <= sp < stack_lo
    assert stack_lo - PAGE <= si_addr < stack_lo
    depth = stack_lo - sp
    line = ("  stack    guard page of thread %d's stack: $sp is %#x into it "
            "(stack overflow)" % (tid, depth))
    assert line in s.out["where"]
    d = s.json("wherejson")
    assert d["kind"] == "guard" and d["perms"].endswith("--p")
    assert d["start"] == stack_lo - PAGE and d["end"] == stack_lo
    assert d["tid"] == tid and d["tids"] == [tid]
    assert d["thread"] == {"tid": tid, "sp": sp, "above_sp": 0,
                           "main": False, "role": "overflow",
                           "overflow_depth": depth, "sharing": []}
    f = s.json("fault")
    assert f["thread"]["role"] == "overflow" and f["thread"]["tid"] == tid
    assert f["thread"]["above_sp"] == si_addr - sp
    # Every thread's $sp is its own: the main thread waits on its stack.
    blocks = per_thread(s.out["all"])
    assert line in blocks[tid]
    assert "  stack    main thread %d, 0x0 bytes above its $sp" % pid \
        in blocks[pid]
    doc = s.json("json")
    stack = region_at(doc, stack_lo)
    assert stack["kind"] == "thread-stack" and stack["tid"] == tid
    assert stack["start"] == stack_lo and stack["tids"] == []
    pic = s.out["picture"]
    assert "| guard page of thread %d's stack" % tid in pic
    assert "| $sp is %#x into it (stack overflow)" % depth in pic
    return sp, depth


@pytest.fixture(scope="module")
def overflow(tmp):
    core = os.path.join(tmp, "overflow.gcore")
    s = gdb_run([(None, "run"), ("maps", "info proc mappings")] +
                OVERFLOW_QUESTIONS + [("gcore", "gcore " + core),
                                      (None, "kill")],
                argv=["overflow"], cwd=tmp)
    assert "received signal SIGSEGV" in s.text
    (tid,), = program_lines(s.text, "thread")
    (stack_lo,), = program_lines(s.text, "stack_lo")
    (pid,), = program_lines(s.text, "pid")
    return {"s": s, "tid": tid, "stack_lo": stack_lo, "pid": pid,
            "gcore": core}


def test_thread_overflow_live(overflow):
    s = overflow["s"]
    lo = overflow["stack_lo"]
    # /proc/PID/maps: a PROT_NONE page right below the thread's stack.
    rows = gdb_maps(s.out["maps"])
    assert row_at(rows, lo - 1)[:3] == (lo - PAGE, lo, "---p")
    assert row_at(rows, lo)[0] == lo and row_at(rows, lo)[2] == "rw-p"
    sp, depth = check_thread_overflow(s, overflow["tid"], lo, overflow["pid"])
    assert depth == lo - sp


def test_thread_overflow_gcore(overflow):
    s = gdb_run([(None, "echo")] + OVERFLOW_QUESTIONS, core=overflow["gcore"])
    live = check_thread_overflow(overflow["s"], overflow["tid"],
                                 overflow["stack_lo"], overflow["pid"])
    assert check_thread_overflow(s, overflow["tid"], overflow["stack_lo"],
                                 overflow["pid"]) == live


def test_thread_overflow_kernel_core_and_cli(tmp):
    d = os.path.join(tmp, "overflow-kernel")
    os.mkdir(d)
    out, core = crash_for_core(d, ["overflow"])
    (tid,), = program_lines(out, "thread")
    (lo,), = program_lines(out, "stack_lo")
    (pid,), = program_lines(out, "pid")
    # readelf: the core has a PT_LOAD of one page, no permission, right
    # below the thread's stack.
    assert (lo - PAGE, PAGE, "") in readelf_loads(core)
    s = gdb_run([(None, "echo")] + OVERFLOW_QUESTIONS, core=core)
    sp, depth = check_thread_overflow(s, tid, lo, pid)
    # The command line (no GDB) draws the same overflow.
    r = cli("--core", core)
    assert r.returncode == 0, r.stderr
    assert "| guard page of thread %d's stack" % tid in r.stdout
    assert "| $sp is %#x into it (stack overflow)" % depth in r.stdout
    r = cli("--core", core, "--table")
    assert "($sp of thread %d: stack overflow)" % tid in r.stdout
    r = cli("--core", core, "--whereis", hex(sp))
    assert "guard page of thread %d's stack: $sp is %#x into it (stack " \
           "overflow)" % (tid, depth) in r.stdout


# ------------------------------------------------ the main thread overflows

MAIN_QUESTIONS = [
    ("sp", "p/x $sp"),
    ("where", "whereis $sp"),
    ("wherejson", "whereis --json $sp"),
    ("picture", "vmlayout"),
    ("json", "vmlayout --json"),
]


def check_main_overflow(s, pid, stack_lo):
    sp = gdb_value(s.out["sp"])
    assert sp < stack_lo
    depth = stack_lo - sp
    line = ("  stack    stack guard gap below main thread %d's stack: $sp is "
            "%#x below it (stack overflow)" % (pid, depth))
    assert line in s.out["where"]
    d = s.json("wherejson")
    assert d["mapped"] is False and d["gap"]["end"] == stack_lo
    assert d["gap"]["above"]["name"] == "[stack]"
    assert d["thread"] == {"tid": pid, "sp": sp, "above_sp": 0, "main": True,
                           "role": "gap-overflow", "overflow_depth": depth,
                           "sharing": []}
    assert "~ $sp %#x below the stack: stack overflow" % depth \
        in s.out["picture"]
    stack = [r for r in s.json("json")["regions"] if r["name"] == "[stack]"]
    assert len(stack) == 1 and stack[0]["start"] == stack_lo
    assert stack[0]["tid"] == pid and stack[0]["tids"] == []
    return sp, depth


@pytest.fixture(scope="module")
def main_overflow(tmp):
    core = os.path.join(tmp, "main.gcore")
    # /proc/PID/maps is read first, before anything could touch the stack.
    s = gdb_run([(None, "run"), ("maps", "info proc mappings")] +
                MAIN_QUESTIONS + [("gcore", "gcore " + core),
                                  (None, "kill")],
                argv=["main-overflow"], cwd=tmp)
    assert "received signal SIGSEGV" in s.text
    (pid,), = program_lines(s.text, "pid")
    return {"s": s, "pid": pid, "gcore": core}


def test_main_overflow_live_and_gcore(main_overflow):
    s = main_overflow["s"]
    rows = gdb_maps(s.out["maps"])
    stack, = [r for r in rows if r[3] == "[stack]"]
    sp = gdb_value(s.out["sp"])
    # The truth: $sp is below [stack], in no mapping.
    assert row_at(rows, sp) is None and sp < stack[0]
    live = check_main_overflow(s, main_overflow["pid"], stack[0])
    g = gdb_run([(None, "echo")] + MAIN_QUESTIONS,
                core=main_overflow["gcore"])
    assert check_main_overflow(g, main_overflow["pid"], stack[0]) == live


def test_main_overflow_kernel_core_and_cli(tmp):
    d = os.path.join(tmp, "main-kernel")
    os.mkdir(d)
    out, core = crash_for_core(d, ["main-overflow"])
    (pid,), = program_lines(out, "pid")
    # The stack is the highest user PT_LOAD of the core (readelf).
    stack_lo = max(v for v, _, _ in readelf_loads(core)
                   if v < 0x800000000000)
    s = gdb_run([(None, "echo")] + MAIN_QUESTIONS, core=core)
    sp, depth = check_main_overflow(s, pid, stack_lo)
    r = cli("--core", core)
    assert r.returncode == 0, r.stderr
    assert "~ $sp %#x below the stack: stack overflow" % depth in r.stdout
    r = cli("--core", core, "--whereis", hex(sp))
    assert "stack guard gap below main thread %d's stack: $sp is %#x below " \
           "it (stack overflow)" % (pid, depth) in r.stdout


# ------------------------------------------------ malloc arena reservations


def test_arena_reservations_are_not_guards(tmp):
    s = gdb_run([(None, "break fixture_ready"), (None, "run"),
                 ("maps", "info proc mappings"),
                 ("sps", "thread apply all p/x $sp"),
                 ("json", "vmlayout --json"), ("picture", "vmlayout"),
                 (None, "kill")], argv=["arenas"], cwd=tmp)
    rows = gdb_maps(s.out["maps"])
    doc = s.json("json")
    arenas = program_lines(s.text, "arena")
    assert len(arenas) == 4
    for tid, ptr in arenas:
        # /proc/PID/maps: the malloc'ed pointer is in a read-write
        # mapping that starts a 64 MiB-aligned reservation, the rest of
        # which is PROT_NONE right above it.
        rw = row_at(rows, ptr)
        assert rw[2] == "rw-p" and rw[0] % HEAP_MAX == 0
        rest = row_at(rows, rw[1])
        assert rest[0] == rw[1] and rest[2] == "---p"
        assert rest[1] - rw[0] == HEAP_MAX
        r = region_at(doc, rest[0])
        assert (r["start"], r["end"]) == rest[:2]
        assert r["kind"] == "reserved" and r["group"] == "mmap"
        assert r["tid"] is None and r["tids"] == []
        assert region_at(doc, ptr)["kind"] == "mmap-anon"
    # A guard is PROT_NONE right below a mapping holding some thread's $sp
    # (GDB's), and every such PROT_NONE mapping is a guard.
    sps = [gdb_value(v) for v in per_thread(s.out["sps"]).values()]
    assert len(sps) == 5
    holds_sp = {(r[0], r[1]) for r in rows
                if any(r[0] <= sp < r[1] for sp in sps)}
    for i, r in enumerate(rows[:-1]):
        if r[2] != "---p" or r[3]:
            continue
        up = rows[i + 1]
        below_stack = up[0] == r[1] and (up[0], up[1]) in holds_sp
        assert (region_at(doc, r[0])["kind"] == "guard") == below_stack, r
    guards = [r for r in doc["regions"] if r["kind"] == "guard"]
    assert len(guards) == 4
    assert "reserved address space (PROT_NONE)" in s.out["picture"]

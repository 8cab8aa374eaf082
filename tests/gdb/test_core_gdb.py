"""vmlayout inside GDB on core files: `gdb -nx -batch FIXTURE CORE -ex
'source vmlayout-gdb.py' -ex 'vmlayout --json'` must give the same regions
as the Python package's open_core on the same core (both read the core with
the C reader), for a kernel core (a real SIGSEGV) and a gcore core; and
whereis in GDB must name the symbols GDB itself knows (`info symbol`).
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile

import pytest

import vmlayout

from conftest import FIXTURE, GDB, MARK, SCRIPT, TIMEOUT, Session, \
    need_fixture, parse_facts


def _core_limit():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _env():
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    return env


def _start(cwd):
    need_fixture()
    proc = subprocess.Popen([FIXTURE, "--wait"], stdout=subprocess.PIPE,
                            text=True, cwd=cwd, env=_env(),
                            preexec_fn=_core_limit)
    text = ""
    for line in proc.stdout:
        text += line
        if line.strip() == "ready":
            break
    else:
        proc.kill()
        proc.wait()
        pytest.fail("fixture exited before it was ready")
    return proc, parse_facts(text)


def _stop(proc, facts):
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()
    path = facts.get("file_path")
    if path and os.path.exists(path):
        os.unlink(path)


@pytest.fixture(scope="module", params=["kernel", "gcore"])
def core(request):
    """(path, facts) of a core of the waiting fixture."""
    tmp = tempfile.mkdtemp(prefix="vml-gdbcore-")
    proc, facts = _start(tmp)
    try:
        if request.param == "kernel":
            with open("/proc/sys/kernel/core_pattern") as f:
                pattern = f.read().strip()
            if pattern.startswith("|") or "/" in pattern:
                pytest.skip("core_pattern %r does not write cores to the "
                            "cwd" % pattern)
            os.kill(proc.pid, signal.SIGSEGV)
            proc.wait(timeout=60)
            names = [n for n in os.listdir(tmp)
                     if n.startswith(pattern.split("%")[0] or "core")]
            if not names:
                pytest.skip("no kernel core appeared (core_pattern %r)"
                            % pattern)
            path = os.path.join(tmp, names[0])
        else:
            if shutil.which("gcore") is None:
                pytest.skip("gcore not installed")
            prefix = os.path.join(tmp, "g")
            subprocess.run(["gcore", "-o", prefix, str(proc.pid)],
                           env=_env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=TIMEOUT,
                           check=True)
            path = "%s.%d" % (prefix, proc.pid)
        yield path, facts
    finally:
        _stop(proc, facts)
        shutil.rmtree(tmp, ignore_errors=True)


def _gdb_on_core(core_path, commands):
    """gdb -nx -batch FIXTURE CORE, the script sourced, then the labelled
    commands; a Session cut by label."""
    args = [GDB, "-nx", "-batch", FIXTURE, core_path,
            "-ex", "set width 0", "-ex", "set height 0",
            "-ex", "source " + SCRIPT]
    for label, cmd in commands:
        args += ["-ex", "echo \\n%s BEGIN %s\\n" % (MARK, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (MARK, label)]
    out = subprocess.run(args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=TIMEOUT, env=_env()).stdout
    return Session(out, [l for l, _ in commands])


def test_gdb_json_equals_open_core(core):
    path, facts = core
    s = _gdb_on_core(path, [("json", "vmlayout --json")])
    in_gdb = s.json("json")["regions"]
    with vmlayout.open_core(path) as layout:
        direct = json.loads(layout.render("json"))["regions"]
    assert in_gdb == direct
    # And the regions are the fixture's: its own addresses are mapped.
    starts = [r["start"] for r in in_gdb]
    assert facts["rw_anon"] in starts and facts["guard"] in starts


def test_gdb_whereis_on_core_names_gdb_symbols(core):
    path, facts = core
    s = _gdb_on_core(path, [
        ("where_main", "whereis --json %#x" % (facts["main"] + 4)),
        ("info_main", "info symbol %#x" % (facts["main"] + 4)),
        ("where_counter", "whereis --json %#x" % facts["counter"]),
        ("info_counter", "info symbol %#x" % facts["counter"]),
    ])
    for what in ("main", "counter"):
        w = s.json("where_" + what)
        # GDB: "main + 4 in section .text of /path/regions_fixture".
        info = s.out["info_" + what]
        m = re.search(r"^(\S+)(?: \+ \d+)? in section (\S+)", info, re.M)
        assert m, info
        assert w["symbol"] == m.group(1), (w, info)
        assert w["section"] == m.group(2), (w, info)


def test_gdb_and_cli_print_the_same_core_summary(core):
    """The `vmlayout` command on a core and `python3 -m vmlayout CORE` open
    with the same one-line summary (the library words it for both), and it
    states the fixture's own facts."""
    path, facts = core
    s = _gdb_on_core(path, [("picture", "vmlayout"),
                            ("table", "vmlayout --table")])
    cli = subprocess.run(["/usr/bin/python3", "-m", "vmlayout", path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
                         env=_env())
    assert cli.returncode == 0, cli.stderr
    summary = cli.stdout.splitlines()[0]
    # GDB prints the same warnings (a gcore core leaves out unchanged file
    # mappings: incomplete), once for the target (with its first command),
    # and then the same summary line.
    # (GDB's stderr and stdout share the captured output: compare the
    # warning lines apart from the rest.)
    warnings = cli.stderr.splitlines()
    assert all(w.startswith("vmlayout: warning: ") for w in warnings)
    for label in ("picture", "table"):
        lines = s.lines(label)
        assert [l for l in lines if l in warnings] == \
            (warnings if label == "picture" else [])
        assert [l for l in lines if l not in warnings][0] == summary
    assert summary.startswith("core %s: pid %d (regions_fixture)" %
                              (path, facts["pid"])), summary
    assert summary.endswith(", 2 threads"), summary
    if not os.path.basename(path).startswith("g."):
        # The kernel wrote this one for the SIGSEGV the test sent with
        # kill(): a signal, no fault address.
        assert summary.endswith(", signal SIGSEGV, 2 threads"), summary

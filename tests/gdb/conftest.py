"""Helpers for the GDB integration tests: run real GDB in batch mode on the
fixture program and cut its output into one piece per command."""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

TOP_SRCDIR = os.environ.get("top_srcdir") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOP_BUILDDIR = os.environ.get("top_builddir") or TOP_SRCDIR
FIXTURE = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "regions_fixture")
SCRIPT = os.path.join(TOP_SRCDIR, "gdbext", "vmlayout-gdb.py")
GDB = os.environ.get("GDB", "gdb")
TIMEOUT = 60

MARK = "@@vmlayout-test@@"


def need_fixture():
    if not os.access(FIXTURE, os.X_OK):
        pytest.skip("fixture not built: %s (run make check)" % FIXTURE)


def parse_facts(text):
    """The fixture's "NAME 0xADDR" lines: NAME -> int (file_path: str)."""
    facts = {}
    for line in text.splitlines():
        m = re.match(r"^(pid|guard|gap_below_rw|rw_anon|file_map|"
                     r"file_path|big_malloc|thread_sp|thread_tid|"
                     r"fixture_bss|counter|main) (\S+)$", line)
        if m:
            name, value = m.groups()
            facts[name] = value if name == "file_path" else int(value, 0)
    return facts


class Session:
    """The output of one GDB run, by label. out[label] is everything GDB
    (and the program, and the shell) printed while that command ran."""

    def __init__(self, proc_out, labels):
        self.text = proc_out
        self.out = {}
        self.facts = {}
        parts = re.split(r"^%s (BEGIN|END) (\S+)\n" % re.escape(MARK),
                         proc_out, flags=re.M)
        # parts: text, kind, label, text, kind, label, text ...
        for i in range(1, len(parts) - 1, 3):
            kind, label, body = parts[i], parts[i + 1], parts[i + 2]
            if kind == "BEGIN":
                self.out[label] = body
        self.facts = parse_facts(proc_out)
        missing = [l for l in labels if l not in self.out]
        assert not missing, "no output for %s in:\n%s" % (missing, proc_out)

    def json(self, label):
        text = self.out[label]
        try:
            return json.loads(text)
        except ValueError:
            raise AssertionError("%s: not JSON:\n%s" % (label, text))

    def lines(self, label):
        return [l for l in self.out[label].splitlines() if l.strip()]


def gdb_args(commands, program=None, before=()):
    """Command line for gdb -nx -batch; commands is a list of (label, cmd),
    label None for commands whose output is not looked at."""
    args = [GDB, "-nx", "-batch", "-ex", "set width 0", "-ex",
            "set height 0", "-ex", "set confirm off", "-ex",
            "source " + SCRIPT]
    for cmd in before:
        args += ["-ex", cmd]
    for label, cmd in commands:
        if label is None:
            args += ["-ex", cmd]
            continue
        args += ["-ex", "echo \\n%s BEGIN %s\\n" % (MARK, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (MARK, label)]
    if program:
        args.append(program)
    return args


def run_gdb(commands, program=None, before=(), env=None):
    """Run GDB; returns a Session. stderr is merged into stdout so that an
    error lands between the markers of the command that raised it."""
    proc = subprocess.run(gdb_args(commands, program, before),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT, env=env)
    labels = [l for l, _ in commands if l is not None]
    return Session(proc.stdout, labels)


def parse_maps(text):
    """/proc/PID/maps lines (proc(5)): start, end, perms, offset, path."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) "
                     r"(\S+) (\d+)\s*(.*)$", line.strip())
        if not m:
            continue
        name = m.group(7).strip()
        if name.endswith(" (deleted)"):
            name = name[:-len(" (deleted)")]
        rows.append({
            "start": int(m.group(1), 16), "end": int(m.group(2), 16),
            "perms": m.group(3), "offset": int(m.group(4), 16),
            "name": name or None,
            "path": name if name.startswith("/") else None,
        })
    return rows


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gdbserver(args):
    """gdbserver --once on a free loopback port; returns (proc, port, pid)."""
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen(
            ["gdbserver", "--once", "127.0.0.1:%d" % port] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        pid = None
        deadline = time.time() + 20
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            m = re.search(r"pid = (\d+)", line)
            if m:
                pid = int(m.group(1))
            if "Listening on port" in line:
                return proc, port, pid
        proc.kill()
        proc.wait()
    pytest.fail("gdbserver did not start")


def stop_process(proc):
    """End proc (SIGTERM, then SIGKILL); returns what it still printed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        rest, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
    return rest or ""


def remove_fixture_file(facts):
    """A fixture killed by GDB cannot remove its temporary file."""
    path = facts.get("file_path")
    if path and path.startswith("/tmp/vmlayout-fixture.") and \
            os.path.exists(path):
        os.unlink(path)


@pytest.fixture(autouse=True, scope="session")
def _env():
    need_fixture()
    if not os.path.exists(os.environ.get("VMLAYOUT_LIBRARY", "")):
        pytest.skip("VMLAYOUT_LIBRARY not set to a built library")
    yield

"""The command line without GDB: python3 -m vmlayout, run as a user would.

Truths: the tiny hand-built core committed as a fuzz seed
(tests/fuzz/seeds_core/tiny, built by tests/unit/core_elf_test.c; its
regions are written out below by hand), the fixture's /proc/PID/maps for
--pid, and argparse's documented exit status 2 for usage errors.
"""

import json
import os
import re
import subprocess
import sys

import pytest

import vmlayout

from conftest import TOP_SRCDIR, start_fixture

TINY = os.path.join(TOP_SRCDIR, "tests", "fuzz", "seeds_core", "tiny")

# (start, end, perms, name) of the tiny core, as core_elf_test.c built it.
TINY_REGIONS = [
    (0x400000, 0x401000, "r--p", "/bin/tiny"),
    (0x401000, 0x402000, "r-xp", "/bin/tiny"),
    (0x402000, 0x403000, "rw-p", None),
    (0x405000, 0x407000, "rw-p", "[heap]"),
    (0x7f0000000000, 0x7f0000004000, "rw-p", None),
    (0x7ffff7fbd000, 0x7ffff7fc1000, "r--p", "[vvar]"),
    (0x7ffff7fc1000, 0x7ffff7fc3000, "r-xp", "[vdso]"),
    (0x7ffffffde000, 0x7ffffffdf000, "rw-p", "[stack]"),
    (0xffffffffff600000, 0xffffffffff601000, "--xp", "[vsyscall]"),
]


def run(*args, env=None):
    e = dict(env or os.environ)
    e.setdefault("PYTHONPATH", os.path.join(TOP_SRCDIR, "python"))
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=e, timeout=60)


def one_error_line(p, code):
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    return lines


# ------------------------------------------------------------- help, usage

def test_help_reads_like_a_man_page():
    p = run("--help")
    assert p.returncode == 0
    out = p.stdout
    for word in ("usage:", "--core FILE", "--pid PID", "FILE", "--table",
                 "--json", "--whereis ADDR", "--color", "examples:",
                 "exit status:", "0x prefix", "decimal"):
        assert word in out, word
    # Each exit status is explained.
    for status in ("  0  ", "  1  ", "  2  "):
        assert status in out


@pytest.mark.parametrize("args,what", [
    ((), "no source"),
    (("--core", TINY, "--pid", "1"), "more than one source"),
    ((TINY, "--core", TINY), "more than one source"),
    ((TINY, "--whereis", "0xzz"), "invalid address"),
    ((TINY, "--whereis", "-5"), "outside"),
    ((TINY, "--whereis", "0x10000000000000000"), "outside"),
    ((TINY, "--table", "--json"), "not allowed with"),
    ((TINY, "--table", "--whereis", "1"), "--table"),
    ((TINY, "--color=sometimes"), "invalid choice"),
    (("--pid", "abc"), "invalid PID"),
    (("--frobnicate",), "unrecognized"),
])
def test_usage_errors_exit_2(args, what):
    p = run(*args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert what in p.stderr
    assert p.stdout == ""


def test_missing_core_is_one_line_exit_1(tmp_path):
    path = str(tmp_path / "no-such-core")
    p = run("--core", path)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("vmlayout: ") and path in lines[0]
    assert p.stdout == ""


def test_not_a_core_exit_1(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello\n")
    p = run(str(f))
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "unsupported" in lines[0]
    f.write_bytes(b"")
    p = run(str(f))
    assert p.returncode == 1 and "empty" in p.stderr


def test_no_such_pid_exit_1():
    # PIDs above pid_max cannot exist.
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) + 1
    p = run("--pid", str(pid))
    assert p.returncode == 1
    assert p.stderr.startswith("vmlayout: ")
    assert len(p.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------- on a core

def test_picture_of_tiny_core():
    p = run(TINY)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    out = p.stdout
    # The core's facts, then every region's boundaries.
    first = out.splitlines()[0]
    assert first.startswith("core %s: pid 100 (tiny)" % TINY)
    assert "SIGSEGV" in first and "0xdead" in first and "2 threads" in first
    for start, end, perms, name in TINY_REGIONS:
        if start < 1 << 47:
            # User regions are drawn between their boundary lines.
            assert "0x%016x" % start in out and "0x%016x" % end in out
        else:
            assert "0x%x" % start in out   # [vsyscall], in the kernel half
        if name and name.startswith("["):
            assert name in out
    assert p.stdout == run("--core", TINY).stdout


def test_table_of_tiny_core():
    p = run("--core", TINY, "--table")
    assert p.returncode == 0, p.stderr
    rows = []
    for line in p.stdout.splitlines():
        m = re.match(r"^0x([0-9a-f]{16}) 0x([0-9a-f]{16}) .*?([r?-][w-][x-][ps])"
                     r"\s+[0-9a-f]+\s+\S+\s*(\S*)$", line)
        if m:
            rows.append((int(m.group(1), 16), int(m.group(2), 16),
                         m.group(3), m.group(4) or None))
    assert rows == TINY_REGIONS


def test_json_of_tiny_core():
    p = run(TINY, "--json")
    assert p.returncode == 0, p.stderr
    regions = json.loads(p.stdout)["regions"]
    got = [(r["start"], r["end"], r["perms"], r["name"]) for r in regions]
    assert got == TINY_REGIONS


def test_whereis_text_and_json():
    addrs = ["0x7ffffffde0f0", str(0x404000), "0x401010"]
    p = run(TINY, *sum((["--whereis", a] for a in addrs), []))
    assert p.returncode == 0, p.stderr
    with vmlayout.open_core(TINY) as layout:
        want = "\n".join(layout.where_text(int(a, 0)).rstrip("\n")
                         for a in addrs) + "\n"
        assert p.stdout == want
        p = run(TINY, "--json", *sum((["--whereis", a] for a in addrs), []))
        assert p.returncode == 0, p.stderr
        answers = json.loads(p.stdout)
        assert answers == [json.loads(layout.where_text(int(a, 0), "json"))
                           for a in addrs]
    # Decimal and hex name the same address.
    assert run(TINY, "--whereis", "4198400").stdout == \
        run(TINY, "--whereis", "0x401000").stdout


def test_color():
    always = run(TINY, "--color=always").stdout
    never = run(TINY, "--color=never").stdout
    auto = run(TINY).stdout   # a pipe, not a terminal
    assert "\x1b[" in always
    assert "\x1b[" not in never and "\x1b[" not in auto
    env = dict(os.environ, NO_COLOR="1")
    assert "\x1b[" not in run(TINY, "--color=auto", env=env).stdout


def test_incomplete_core_warns(tmp_path):
    with open(TINY, "rb") as f:
        data = f.read()
    cut = tmp_path / "cut"
    cut.write_bytes(data[:len(data) - 100])
    p = run(str(cut), "--table")
    assert p.returncode == 0
    assert p.stderr.startswith("vmlayout: warning: the layout is incomplete")
    assert "0x0000000000400000" in p.stdout


# ------------------------------------------------------------- on a process

def test_pid_table_matches_maps():
    proc, facts = start_fixture()
    try:
        with open("/proc/%d/maps" % proc.pid) as f:
            starts = [int(l.split("-")[0], 16) for l in f if l.strip()]
        p = run("--pid", str(proc.pid), "--table")
        assert p.returncode == 0, p.stderr
        got = [int(l.split()[0], 16) for l in p.stdout.splitlines()
               if l.startswith("0x")]
        assert got == starts
        p = run("--pid", str(proc.pid), "--whereis", hex(facts["rw_anon"]),
                )
        assert p.returncode == 0 and hex(facts["rw_anon"]) in p.stdout
    finally:
        proc.terminate()
        proc.wait()

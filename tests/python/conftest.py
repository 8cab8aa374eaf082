"""Shared helpers for the Python binding tests: where the build is, the
fixture program running in --wait mode, and an independent /proc maps
parser (the truth the bindings are compared with)."""

import os
import signal
import subprocess

import pytest

TOP_SRCDIR = os.environ.get("top_srcdir") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOP_BUILDDIR = os.environ.get("top_builddir") or TOP_SRCDIR
FIXTURE = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "regions_fixture")


def clean_env():
    """Environment for helper programs (gdb, gcc, the fixture): without the
    ASan runtime the sanitizer build preloads into Python (GDB hangs with
    it)."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.pop("ASAN_OPTIONS", None)
    return env


def parse_maps(text):
    """/proc/PID/maps lines as dicts, written from proc(5), not from the
    library: start-end perms offset dev inode [name]."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(None, 5)
        start, end = (int(x, 16) for x in parts[0].split("-"))
        major, minor = (int(x, 16) for x in parts[3].split(":"))
        name = parts[5].strip() if len(parts) > 5 else ""
        deleted = name.endswith(" (deleted)")
        if deleted:
            name = name[:-len(" (deleted)")]
        rows.append({
            "start": start, "end": end, "perms": parts[1],
            "offset": int(parts[2], 16), "dev_major": major,
            "dev_minor": minor, "inode": int(parts[4]),
            "name": name or None,
            "path": name if name.startswith("/") else None,
            "deleted": deleted,
        })
    return rows


def start_fixture(cwd=None, preexec_fn=None):
    """Run the fixture with --wait (in cwd, after preexec_fn); returns
    (process, facts) once it has printed every address. facts maps
    NAME -> int (or str for file_path)."""
    if not os.access(FIXTURE, os.X_OK):
        pytest.skip("fixture not built: %s (run make check)" % FIXTURE)
    proc = subprocess.Popen([FIXTURE, "--wait"], stdout=subprocess.PIPE,
                            text=True, cwd=cwd, env=clean_env(),
                            preexec_fn=preexec_fn)
    facts = {}
    for line in proc.stdout:
        line = line.strip()
        if line == "ready":
            break
        name, _, value = line.partition(" ")
        facts[name] = value if name == "file_path" else int(value, 0)
    else:
        proc.kill()
        proc.wait()
        pytest.fail("fixture exited before it was ready")
    return proc, facts


def stop_fixture(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdout.close()


@pytest.fixture(scope="module")
def waiting_fixture():
    proc, facts = start_fixture()
    try:
        yield proc.pid, facts
    finally:
        stop_fixture(proc)

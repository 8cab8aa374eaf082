"""Messages that must not mislead (issue 7, items 8 and 9), through the
command line and the package, without GDB.

Truths: the kernel's own description of a kernel thread (ps: kthreadd is
pid 2, its children have ppid 2; /proc/PID/maps of a kernel thread is
empty), readelf on a core whose e_phnum was zeroed, the maps text the test
writes (how many of each kind it folded), and English plurals.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

import vmlayout

from conftest import TOP_SRCDIR, clean_env

TINY = os.path.join(TOP_SRCDIR, "tests", "fuzz", "seeds_core", "tiny")


def run(*args):
    e = dict(os.environ)
    e.setdefault("PYTHONPATH", os.path.join(TOP_SRCDIR, "python"))
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=e, timeout=60)


def kernel_thread():
    """A kernel thread's pid, by ps: kthreadd (pid 2) or one of its
    children; its maps must be empty."""
    if not shutil.which("ps"):
        pytest.skip("ps not installed")
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,comm="],
                         capture_output=True, text=True,
                         env=clean_env()).stdout
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and (parts[2] == "kthreadd" or parts[1] == "2"):
            pid = int(parts[0])
            try:
                with open("/proc/%d/maps" % pid) as f:
                    if f.read() == "":
                        return pid, parts[2]
            except OSError:
                continue
    pytest.skip("no kernel thread visible (a PID namespace?)")


def test_pid_of_a_kernel_thread_says_it_has_no_user_address_space():
    pid, comm = kernel_thread()
    p = run("--pid", str(pid))
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("vmlayout: process %d (%s)" % (pid, comm))
    assert "is a kernel thread: it has no user address space" in lines[0]
    assert "core" not in lines[0] and "incomplete" not in lines[0]
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_pid(pid)
    assert e.value.code == vmlayout.ERROR_UNSUPPORTED


def test_core_without_program_headers_is_an_error(tmp_path):
    data = bytearray(open(TINY, "rb").read())
    data[56:58] = b"\0\0"                     # e_phnum of an ELF64 header
    path = tmp_path / "nophdrs"
    path.write_bytes(bytes(data))
    if shutil.which("readelf"):
        r = subprocess.run(["readelf", "-lW", str(path)],
                           capture_output=True, text=True, env=clean_env())
        # readelf: "... non-zero program header offset, but no program
        # headers" (a warning) or "There are no program headers ...".
        assert "no program headers" in r.stdout + r.stderr
    p = run(str(path))
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout == ""
    assert "no program headers (e_phnum is 0)" in p.stderr
    with pytest.raises(vmlayout.Error) as e:
        vmlayout.open_core(str(path))
    assert e.value.code == vmlayout.ERROR_FORMAT


def test_table_and_json_together_are_rejected():
    p = run(TINY, "--table", "--json")
    assert p.returncode == 2
    assert "not allowed with argument" in p.stderr


def test_fractional_address_is_rejected():
    p = run(TINY, "--whereis", "1.5")
    assert p.returncode == 2
    assert "invalid address '1.5'" in p.stderr


def folded_maps():
    """Maps text of 30 anonymous mappings (1 MiB and up, so each is its
    own block), 2 MiB apart, plus one small file mapping and one small
    PROT_NONE mapping (no stack above it: a reservation, not a guard)
    among them: the picture keeps the largest and folds the rest, those
    two included."""
    lines = []
    base = 0x10000000
    counts = {"anon": 0, "file": 0, "reserved": 0}
    for i in range(30):
        start = base + i * 0x400000
        size = 0x100000 + i * 0x1000
        lines.append("%x-%x rw-p 00000000 00:00 0" % (start, start + size))
        counts["anon"] += 1
        if i == 3:
            s = start + 0x200000
            lines.append("%x-%x r--p 00000000 08:01 42 /data/one.bin"
                         % (s, s + 0x1000))
            counts["file"] += 1
        if i == 5:
            s = start + 0x200000
            lines.append("%x-%x ---p 00000000 00:00 0" % (s, s + 0x1000))
            counts["reserved"] += 1
    return "\n".join(lines) + "\n", counts


def test_folded_mappings_are_counted_in_good_english():
    text, counts = folded_maps()
    assert counts["file"] == 1 and counts["reserved"] == 1
    with vmlayout.from_maps(text) as layout:
        pic = layout.render()
    m = re.search(r"(\d+) more mappings: ([^|]*?)\s*\|", pic)
    assert m, pic
    parts = dict((name, int(n)) for n, name in
                 (p.split(" ", 1) for p in m.group(2).split(", ")))
    # One of each is singular; the folded anonymous ones are all there.
    assert parts.get("file") == 1, parts
    assert parts.get("reserved") == 1, parts
    assert "files" not in parts and "guards" not in parts
    assert int(m.group(1)) == sum(parts.values())
    assert not re.search(r"\b1 (files|guards|libs|stacks|ranges|bytes)\b",
                         pic)


def test_shared_file_mapping_keeps_its_s():
    """A file mapped once MAP_SHARED keeps "rw-s" in the picture, and a
    file mapped twice (shared and private) keeps the shared one's 's'."""
    text = ("400000-401000 r--p 00000000 08:01 7 /bin/prog\n"
            "7f0000000000-7f0000001000 rw-s 00000000 08:01 42 /dev/shm/a\n"
            "7f0000100000-7f0000101000 rw-s 00000000 08:01 43 /data/b\n"
            "7f0000101000-7f0000102000 rw-p 00001000 08:01 43 /data/b\n")
    with vmlayout.from_maps(text) as layout:
        pic = layout.render()
    line = [l for l in pic.splitlines() if "| a " in l or "/dev/shm/a" in l
            or re.search(r"\|\s+a\s", l)]
    assert line and "rw-s |" in line[0], pic
    b = [l for l in pic.splitlines() if re.search(r"\|\s+b\s", l)]
    assert b, pic
    assert "rw-s" in b[0] and re.search(r"rw- |rw-\s*\|", b[0]), b[0]

"""AArch64 processes on this x86-64 machine: a program cross-compiled with
clang runs under qemu-aarch64 (user mode, -L the arm64 sysroot), prints its
own /proc/self/maps (QEMU emulates it for the guest) and crashes; QEMU
writes a target core (qemu_PROG_DATE_PID.core: NT_PRSTATUS, NT_PRPSINFO,
NT_AUXV, no NT_FILE). Also the A64 disassembler.

Truths: the maps the program printed just before the crash, the pid in
QEMU's core file name, gdb-multiarch on the same core (registers, `info
symbol`), aarch64-linux-gnu-objdump -d and gdb-multiarch's x/i on the
program file, aarch64-linux-gnu-readelf -n of the core."""

import glob
import os
import re
import resource
import shutil
import subprocess
import sys

import pytest

import vmlayout

from conftest import TOP_SRCDIR, clean_env, parse_maps

SYSROOT = "/usr/aarch64-linux-gnu"
GDB = "gdb-multiarch"
OBJDUMP = "aarch64-linux-gnu-objdump"
READELF = "aarch64-linux-gnu-readelf"

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static char bss_buf[100000];
int data_var = 42;

int main(void)
{
	char *anon = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *heap = malloc(200000);
	memset(anon, 1, 3 * 4096);
	memset(heap, 2, 16);
	bss_buf[5] = 1;
	printf("anon %p heap %p\n", (void *)anon, (void *)heap);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (fgets(line, sizeof line, f))
		fputs(line, stdout);
	fflush(stdout);
	*(volatile int *)0x1234 = data_var;
	return 0;
}
"""


def clang_cmd(src, out):
    """clang is a cross compiler already; the arm64 libc and binutils
    come from Debian's cross packages (never gcc-aarch64-linux-gnu, which
    conflicts with gcc-multilib)."""
    return ["clang", "--target=aarch64-linux-gnu",
            "-fuse-ld=/usr/bin/aarch64-linux-gnu-ld", "-O0", "-g",
            "-o", out, src]


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    for tool in ("clang", "qemu-aarch64", "/usr/bin/aarch64-linux-gnu-ld",
                 OBJDUMP, READELF):
        if not shutil.which(tool):
            pytest.skip("%s not installed (scripts/install-deps)" % tool)
    if not os.path.isfile(os.path.join(SYSROOT, "lib", "libc.so.6")):
        pytest.skip("no arm64 libc in %s (libc6-dev-arm64-cross)" % SYSROOT)
    d = str(tmp_path_factory.mktemp("aarch64"))
    src = os.path.join(d, "fx.c")
    with open(src, "w") as f:
        f.write(PROGRAM)
    env = clean_env()
    r = subprocess.run(clang_cmd(src, os.path.join(d, "fx")), cwd=d,
                       capture_output=True, text=True, env=env)
    if r.returncode:
        pytest.skip("cannot cross-compile for AArch64: %s" % r.stderr[-500:])

    def unlimited_core():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,
                                                  resource.RLIM_INFINITY))

    r = subprocess.run(["qemu-aarch64", "-L", SYSROOT, "./fx"], cwd=d,
                       capture_output=True, text=True, env=env,
                       preexec_fn=unlimited_core, timeout=120)
    assert r.returncode != 0, "the program did not crash"
    cores = glob.glob(os.path.join(d, "qemu_fx_*.core"))
    assert len(cores) == 1, os.listdir(d)
    # QEMU re-raises the signal: the host may have dumped qemu itself.
    for extra in glob.glob(os.path.join(d, "core*")):
        os.unlink(extra)
    lines = r.stdout.splitlines()
    m = re.match(r"anon (0x[0-9a-f]+) heap (0x[0-9a-f]+)", lines[0])
    return {"dir": d, "core": cores[0], "exe": os.path.join(d, "fx"),
            "maps": parse_maps("\n".join(lines[1:])),
            "anon": int(m.group(1), 16), "heap": int(m.group(2), 16),
            "pid": int(re.search(r"_(\d+)\.core$", cores[0]).group(1))}


def test_core_regions_are_the_guest_maps(crashed):
    with vmlayout.open_core(crashed["core"], sysroot=SYSROOT) as layout:
        assert layout.arch == "aarch64"
        got = {(r.start, r.end): r for r in layout.regions}
        for m in crashed["maps"]:
            r = got.get((m["start"], m["end"]))
            assert r is not None, "%#x-%#x missing" % (m["start"], m["end"])
            assert r.perms[:3] == m["perms"][:3], (hex(m["start"]), r.perms)
            if m["path"]:
                # QEMU prints the host path of what the guest opened
                # (-L); the core's link_map has the guest's path.
                # A library's PROT_NONE alignment hole is its file's in
                # maps; the core cannot tell: it belongs to the object.
                name = r.object if m["perms"].startswith("---") else r.path
                assert name and os.path.basename(name) == \
                    os.path.basename(m["name"]), (hex(m["start"]), r)
        # The anonymous mapping the program made and the stack.
        assert layout.find(crashed["anon"]).kind == "mmap-anon"
        kinds = {r.kind for r in layout.regions}
        assert {"text", "data", "stack", "relro"} <= kinds, kinds


def test_core_summary_and_threads(crashed):
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP_SRCDIR, "python"))
    r = subprocess.run([sys.executable, "-m", "vmlayout", "--core",
                        crashed["core"], "--sysroot", SYSROOT, "--table"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("core %s: pid %d (fx), signal SIGSEGV, 1 thread"
                            % (crashed["core"], crashed["pid"])), first
    # readelf (aarch64 binutils) sees the notes QEMU wrote.
    notes = subprocess.run([READELF, "-n", crashed["core"]],
                           capture_output=True, text=True).stdout
    assert "NT_PRSTATUS" in notes and "NT_AUXV" in notes
    assert "NT_FILE" not in notes


def need_gdb_with_library():
    """gdb-multiarch loading this build's library: not with the
    sanitizers' runtime (GDB hangs with it preloaded, and the library
    needs it), as for the GDB tests."""
    if not shutil.which(GDB):
        pytest.skip("gdb-multiarch not installed")
    if os.environ.get("ENABLE_SANITIZERS") == "yes":
        pytest.skip("GDB with the sanitizer build's library: see "
                    "tests/run-gdb-tests")


def gdb_core(crashed, *commands):
    need_gdb_with_library()
    args = [GDB, "-nx", "-batch", "-ex", "set sysroot " + SYSROOT,
            "-ex", "source " + os.path.join(TOP_SRCDIR, "gdbext",
                                            "vmlayout-gdb.py"),
            "-ex", "core-file " + crashed["core"]]
    for c in commands:
        args += ["-ex", "echo <<%s>>\\n" % c, "-ex", c]
    env = clean_env()
    env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python")
    r = subprocess.run(args + [crashed["exe"]], capture_output=True,
                       text=True, env=env, timeout=120, cwd=crashed["dir"])
    out, parts = r.stdout + r.stderr, {}
    for c in commands:
        chunk = out.split("<<%s>>" % c, 1)[1]
        nxt = [chunk.find("<<%s>>" % o) for o in commands]
        nxt = [i for i in nxt if i >= 0]
        parts[c] = chunk[:min(nxt)] if nxt else chunk
    return parts


def test_gdb_multiarch_on_the_core(crashed):
    p = gdb_core(crashed, "p/x $sp", "p/x $pc", "info symbol $pc",
                 "whereis $pc", "whereis $sp", "vmlayout")
    sp = int(re.search(r"= (0x[0-9a-f]+)", p["p/x $sp"]).group(1), 16)
    pc = int(re.search(r"= (0x[0-9a-f]+)", p["p/x $pc"]).group(1), 16)
    with vmlayout.open_core(crashed["core"], sysroot=SYSROOT) as layout:
        w = layout.where(pc)
        assert w.region.kind == "text" and w.region.path == crashed["exe"]
        assert layout.find(sp).kind == "stack"
    # GDB cannot relocate the PIE from such a core ("No symbol matches"):
    # the symbol from nm and the bias the program's own maps showed.
    nm = subprocess.run(["aarch64-linux-gnu-nm", crashed["exe"]],
                        capture_output=True, text=True).stdout
    main = int(re.search(r"^([0-9a-f]+) T main$", nm, re.M).group(1), 16)
    bias = min(m["start"] for m in crashed["maps"]
               if m["path"] and m["path"].endswith("/fx"))
    assert "symbol   main+%d" % (pc - bias - main) in p["whereis $pc"], \
        p["whereis $pc"]
    assert "section  .text+" in p["whereis $pc"]
    assert "stack    main thread %d" % crashed["pid"] in p["whereis $sp"]
    assert p["vmlayout"].lstrip().startswith(
        "core %s: pid %d (fx), signal SIGSEGV" % (crashed["core"],
                                                  crashed["pid"]))
    # The faulting store, decoded from the file (the core holds no text).
    objdump = subprocess.run([OBJDUMP, "-d", crashed["exe"]],
                             capture_output=True, text=True).stdout
    off = pc - w.region.start + w.region.offset
    line = [x for x in objdump.splitlines()
            if re.match(r"\s*%x:\s" % off, x)][0]
    want = " ".join(line.split("\t")[2:]).split("//")[0].split()
    got = re.search(r"insn\s+(.*)", p["whereis $pc"]).group(1).split()
    assert got == want, (got, want)


def test_a64_disassembly_matches_gdb_and_objdump(crashed):
    """The program's main, 24 instructions from the file's bytes: the
    library's text equals gdb-multiarch's x/i and objdump's."""
    if not shutil.which(GDB):
        pytest.skip("gdb-multiarch not installed")
    nm = subprocess.run(["aarch64-linux-gnu-nm", crashed["exe"]],
                        capture_output=True, text=True).stdout
    main = int(re.search(r"^([0-9a-f]+) T main$", nm, re.M).group(1), 16)
    r = subprocess.run([GDB, "-nx", "-batch", "-ex", "x/24i %#x" % main,
                        crashed["exe"]], capture_output=True, text=True,
                       env=clean_env())
    gdb_insns = []
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(0x[0-9a-f]+)(?: <[^>]*>)?:\s+(.*)$", line)
        if m:
            gdb_insns.append((int(m.group(1), 16), m.group(2)))
    assert len(gdb_insns) == 24
    with open(crashed["exe"], "rb") as f:
        data = f.read()
    # A PIE's text sits at its file offset (vaddr == offset in the first
    # PT_LOAD).
    for addr, text in gdb_insns:
        got, size = vmlayout.disasm(data[addr:addr + 4], addr,
                                    arch="aarch64")
        assert size == 4
        # GDB appends "<sym+off>" to branch targets; compare the rest.
        want = re.sub(r"\s*<[^>]*>", "", text).split("//")[0].split()
        assert got.split("//")[0].split() == want, (hex(addr), got, text)


def test_live_qemu_user_partial_layout(crashed):
    """qemu-aarch64 -g: QEMU 7.2's user-mode gdbstub shows the system
    registers too (this is no kernel) and gives no /proc/PID/maps: the
    layout is partial, says so, and what it shows is where the same
    program's own maps put it (QEMU places a guest the same way each run:
    the crashed run's maps are the truth)."""
    need_gdb_with_library()
    import json
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    q = subprocess.Popen(["qemu-aarch64", "-L", SYSROOT, "-g", str(port),
                          crashed["exe"]], cwd=crashed["dir"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        env = clean_env()
        env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python")
        r = subprocess.run(
            [GDB, "-nx", "-batch", "-ex", "set sysroot " + SYSROOT,
             "-ex", "source " + os.path.join(TOP_SRCDIR, "gdbext",
                                             "vmlayout-gdb.py"),
             "-ex", "target remote 127.0.0.1:%d" % port,
             "-ex", "break main", "-ex", "continue", "-ex", "vmlayout",
             "-ex", "echo <<JSON>>\\n", "-ex", "vmlayout --json",
             "-ex", "echo <<END>>\\n",
             "-ex", "whereis $pc", "-ex", "x/i $pc",
             crashed["exe"]], capture_output=True, text=True, env=env,
            timeout=120)
    finally:
        q.kill()
        q.wait()
    out = r.stdout + r.stderr
    assert "MMU is off" not in out and "page tables at" not in out, out
    assert "warning: the layout is partial" in out, out
    doc = json.loads(r.stdout.split("<<JSON>>\n", 1)[1].split("<<END>>")[0])
    truth = crashed["maps"]
    names = set()
    for reg in doc["regions"]:
        # Covered by the program's mappings, without a hole; a data
        # segment may be split there (RELRO made read-only after loading:
        # the file on disk cannot say): its perms are one piece's.
        pieces = [m for m in truth if m["start"] < reg["end"] and
                  reg["start"] < m["end"]]
        assert pieces and pieces[0]["start"] <= reg["start"] and \
            pieces[-1]["end"] >= reg["end"] and all(
                a["end"] == b["start"] for a, b in zip(pieces, pieces[1:])), \
            "%#x-%#x is not within the program's mappings" % (
                reg["start"], reg["end"])
        assert reg["perms"][:3] in [m["perms"][:3] for m in pieces], \
            (reg, pieces)
        m = pieces[-1]
        if reg.get("path"):
            assert os.path.basename(reg["path"]) == \
                os.path.basename(m["name"]), (reg, m)
            names.add(os.path.basename(reg["path"]))
        if reg["kind"] == "stack":
            assert m["name"] == "[stack]"
    assert {"fx", "ld-linux-aarch64.so.1", "libc.so.6"} <= names, names
    # whereis decodes what x/i shows.
    x = re.search(r"=> 0x[0-9a-f]+ <main\+\d+>:\s+(.*)", out).group(1)
    insn = re.search(r"insn\s+(.*)", out).group(1)
    assert insn.split() == re.sub(r"\s*<[^>]*>", "", x).split(), (insn, x)

"""The GDB commands on a kernel under QEMU's gdbstub: `vmlayout` and
`whereis` hand kernel targets to the bridge beside them
(gdbext/vmlayout_gdb_qemu.py). One guest (nokaslr, 4-level
paging) is booted from the kernel tests' cached files; skipped when QEMU or
the guest cannot be had. Truths: GDB's own $cr3 and $pc, the guest's
configuration (no LA57 CPU flag: 4 levels), QEMU's physical-memory mode."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import TOP_SRCDIR, free_port, run_gdb

READY = b"VMLAYOUT-GUEST-READY"
MAKE_GUEST = os.path.join(TOP_SRCDIR, "tests", "kernel", "make-guest")


@pytest.fixture(scope="module")
def guest_port():
    if not shutil.which("qemu-system-x86_64") or \
            not os.access(MAKE_GUEST, os.X_OK):
        pytest.skip("qemu-system-x86_64 or tests/kernel/make-guest missing")
    try:
        r = subprocess.run([MAKE_GUEST], capture_output=True, text=True,
                           timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot prepare the guest: %s" % e)
    if r.returncode != 0 or not r.stdout.strip():
        pytest.skip("cannot prepare the guest: %s" % r.stderr.strip())
    files = r.stdout.strip().splitlines()[-1]
    tmp = tempfile.mkdtemp(prefix="vmlayout-gdbkernel-")
    serial = os.path.join(tmp, "serial.log")
    port = free_port()
    qemu = subprocess.Popen(
        ["qemu-system-x86_64", "-m", "512",
         "-kernel", os.path.join(files, "vmlinuz"),
         "-initrd", os.path.join(files, "initrd.cpio.gz"),
         "-append", "console=ttyS0 quiet nokaslr", "-display", "none",
         "-serial", "file:" + serial, "-gdb", "tcp:127.0.0.1:%d" % port,
         "-no-reboot"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and qemu.poll() is None:
            if os.path.exists(serial):
                with open(serial, "rb") as f:
                    if READY in f.read():
                        break
            time.sleep(0.5)
        else:
            pytest.fail("guest did not boot")
        yield port
    finally:
        qemu.kill()
        qemu.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def kernel(guest_port):
    return run_gdb([
        (None, "set remotetimeout 300"),
        (None, "target remote 127.0.0.1:%d" % guest_port),
        ("cr3", "p/x $cr3"),
        ("pc", "p/x $pc"),
        ("json", "vmlayout --json"),
        ("picture", "vmlayout"),
        ("ptdump", "vmlayout --pagetables --json"),
        ("where_pc", "whereis --json $pc"),
        ("phys", "whereis --phys 0x1000"),
        ("err_table", "vmlayout --table"),
        # 4 TiB: far beyond the guest's 512 MiB (QEMU reads zeros there).
        ("err_dead_root", "vmlayout --wx --cr3 0x40000000000"),
        ("err_not_reg", "vmlayout --cr4 0"),
        ("phys_mode", "maintenance packet qqemu.PhyMemMode"),
        ("alive", "echo alive\\n"),
    ])


def gdb_value(session, label):
    return int(session.lines(label)[0].split("=")[1], 16)


def test_kernel_layout(kernel):
    doc = kernel.json("json")
    assert doc["levels"] == 4
    assert doc["cr3"] == gdb_value(kernel, "cr3") & 0x000ffffffffff000
    assert "direct map" in kernel.out["picture"]
    assert kernel.json("ptdump")["ranges"]


def test_kernel_whereis_pc(kernel):
    w = kernel.json("where_pc")
    assert w["addr"] == gdb_value(kernel, "pc")
    assert w["mapped"] is True and w["kind"] == "kernel-text"
    # nokaslr: the direct map starts at mm.rst's 0xffff888000000000.
    assert "0xffff888000001000" in kernel.out["phys"]


def test_kernel_errors_and_phys_mode_restored(kernel):
    lines = kernel.lines("err_table")
    assert len(lines) == 1 and lines[0].startswith("vmlayout: --table")
    lines = kernel.lines("err_dead_root")
    assert len(lines) == 1, lines
    assert lines[0].startswith("vmlayout: the page tables at CR3 "
                               "0x40000000000 map nothing"), lines
    lines = kernel.lines("err_not_reg")
    assert len(lines) == 1 and "unknown option '--cr4'" in lines[0], lines
    assert 'received: "0"' in kernel.out["phys_mode"]
    assert kernel.lines("alive") == ["alive"]


# ------------------------------------------------------------------ issue 8

# The kernel image's data, seen through the direct map (nokaslr: physical
# 0x2800000 is both 0xffff888002800000 and 0xffffffff82800000): its
# function pointers point into the kernel image.
DM_DATA = "0xffff888002800000-0xffff888002c00000"
PROBE = r'''
import json, gdb, vmlayout_gdb, vmlayout_gdb_qemu as qemu
k = vmlayout_gdb.kernel()
sc = qemu.kernel_scan(k, "%s", "kernel-text", 0, lambda done, total: False)
inf = gdb.selected_inferior()
def word(addr):
    return int.from_bytes(inf.read_memory(addr, 8).tobytes(), "little")
checks = []
for h in sc.hits()[:16]:
    alias = h["at"] - 0xffff888000000000 + 0xffffffff80000000
    checks.append([word(h["at"]) == h["value"], word(alias) == h["value"],
                   h["region"].kind])
print(json.dumps({"stats": sc.stats, "checks": checks,
                  "same": k is vmlayout_gdb.kernel()}))
''' % DM_DATA


@pytest.fixture(scope="module")
def kernel_speed(guest_port, tmp_path_factory):
    probe = tmp_path_factory.mktemp("probe") / "probe.py"
    probe.write_text(PROBE)
    return run_gdb([
        (None, "set remotetimeout 300"),
        (None, "target remote 127.0.0.1:%d" % guest_port),
        ("where_pc", "whereis --json $pc"),
        ("kind_pc", "print $_vml_kind($pc)"),
        ("start_pc", "print/x $_vml_region_start($pc)"),
        ("mapped_dm", "print $_vml_mapped(0xffff888000000000)"),
        ("mapped_hole", "print $_vml_mapped(0xffff800000000000)"),
        ("kind_hole", "print $_vml_kind(0xffff800000000000)"),
        ("probe", "source %s" % probe),
        ("scan_text", "vmlayout --scan %s kernel-text --max 3" % DM_DATA),
        (None, "python import vmlayout_gdb_qemu; "
               "vmlayout_gdb_qemu.interrupt_after(2)"),
        ("interrupted", "vmlayout --scan direct-map"),
        (None, "python vmlayout_gdb_qemu.interrupt_after(None)"),
        ("deref", "whereis --deref 4 $sp"),
        ("api", "python import vmlayout_gdb; k = vmlayout_gdb.kernel(); "
                "print(k is vmlayout_gdb.kernel(), "
                "k.kind_at(int(gdb.parse_and_eval('$pc')) & ((1 << 64) - 1)),"
                " vmlayout_gdb.layout() is k.layout)"),
        (None, "stepi"),
        ("closed", "python exec(\"try:\\n    k.kind_at(0)\\n    print('open')"
                   "\\nexcept ValueError as e:\\n    print('closed:', e)\")"),
        ("phys_mode", "maintenance packet qqemu.PhyMemMode"),
    ])


def test_kernel_convenience_functions(kernel_speed):
    s = kernel_speed
    w = s.json("where_pc")
    assert s.lines("kind_pc")[-1] == '$1 = "kernel-text"'
    assert int(s.lines("start_pc")[-1].split("=")[1], 16) == \
        w["region"]["start"]
    assert s.lines("mapped_dm")[-1] == "$3 = 1"
    assert s.lines("mapped_hole")[-1] == "$4 = 0"
    assert s.lines("kind_hole")[-1] == '$5 = ""'


def test_kernel_scan_finds_image_pointers_in_the_direct_map(kernel_speed):
    doc = json.loads(kernel_speed.lines("probe")[-1])
    st = doc["stats"]
    assert st["selected"] == 4 << 20 and st["scanned"] == 4 << 20
    assert st["hits"] > 16
    # GDB reads the same value at the word and at its kernel-image alias.
    assert doc["checks"] and all(c == [True, True, "kernel-text"]
                                 for c in doc["checks"]), doc["checks"]
    assert doc["same"] is True
    text = kernel_speed.out["scan_text"]
    assert re.search(r"^scanned 4 MiB of 4 MiB in 1 range \(%s\) for "
                     r"pointers into kernel-text: \d+ found$" % DM_DATA,
                     text, re.M), text
    assert re.search(r"^\s+\d+  kernel-text", text, re.M)


def test_kernel_scan_interrupt_deref_api(kernel_speed):
    s = kernel_speed
    lines = s.lines("interrupted")
    # On a loaded machine the scan may live long enough to print progress
    # lines (every 0.5 s) before the interruption: those are fine.
    progress = [l for l in lines[:-1]
                if re.match(r"vmlayout: scanned .* of .* \.\.\.$", l)]
    assert len(progress) == len(lines) - 1 and re.match(
        r"vmlayout: scan interrupted after .* of .*", lines[-1]), lines
    deref = s.lines("deref")
    assert len(deref) == 4 and all(l.startswith("0xffff") for l in deref)
    assert s.lines("api")[-1] == "True kernel-text True"
    assert s.lines("closed")[-1] == "closed: vmlayout: kernel is closed"
    # Physical mode was switched back after everything.
    assert 'received: "0"' in s.out["phys_mode"]

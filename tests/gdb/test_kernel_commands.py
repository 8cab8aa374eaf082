"""The GDB commands on a kernel under QEMU's gdbstub: `vmlayout` and
`whereis` hand kernel targets to the bridge beside them
(gdbext/vmlayout_gdb_qemu.py). One guest (nokaslr, 4-level
paging) is booted from the kernel tests' cached files; skipped when QEMU or
the guest cannot be had. Truths: GDB's own $cr3 and $pc, the guest's
configuration (no LA57 CPU flag: 4 levels), QEMU's physical-memory mode."""

import os
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

"""Boot Debian's kernel under QEMU (TCG) for the kernel tests, one guest per
configuration (KASLR on/off x 4/5-level paging), each on a free port, and
collect one GDB session's worth of answers from it (collect_gdb.py)."""

import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("top_srcdir") or os.path.normpath(
    os.path.join(HERE, "..", ".."))
GDB = os.environ.get("GDB", "gdb")
BOOT_TIMEOUT = float(os.environ.get("VMLAYOUT_BOOT_TIMEOUT", "400"))
READY = b"VMLAYOUT-GUEST-READY"

# name -> (kernel command line extra, -cpu)
CONFIGS = {
    "nokaslr-4level": ("nokaslr", None),
    "kaslr-4level": ("", None),
    "nokaslr-5level": ("nokaslr", "qemu64,+la57"),
    "kaslr-5level": ("", "qemu64,+la57"),
}


def pytest_sessionfinish(session, exitstatus):
    # Nothing ran because QEMU or the guest is missing: tell automake "skip".
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or exitstatus != 0:
        return
    stats = tr.stats
    if stats.get("skipped") and not stats.get("passed") and \
            not stats.get("failed") and not stats.get("error"):
        session.exitstatus = 77


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


@pytest.fixture(scope="session")
def guest_files():
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 not installed")
    try:
        r = subprocess.run([os.path.join(HERE, "make-guest")],
                           capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot prepare the guest: %s" % e)
    if r.returncode != 0 or not r.stdout.strip():
        pytest.skip("cannot prepare the guest: %s" % r.stderr.strip())
    d = r.stdout.strip().splitlines()[-1]
    for name in ("vmlinuz", "initrd.cpio.gz"):
        if not os.path.isfile(os.path.join(d, name)):
            pytest.skip("guest file missing: %s" % name)
    return d


def parse_kcore(serial):
    """The ELF program headers of the guest's /proc/kcore, dumped by its
    /init as od -t x8 words: [(vaddr, paddr, memsz)] of PT_LOAD segments."""
    try:
        text = serial.split(b"VMLAYOUT-KCORE-BEGIN", 1)[1].split(
            b"VMLAYOUT-KCORE-END", 1)[0].decode("ascii", "replace")
    except IndexError:
        return None
    words = []
    for line in text.splitlines():
        for w in line.split():
            try:
                words.append(int(w, 16))
            except ValueError:
                return None
    data = b"".join(struct.pack("<Q", w) for w in words)
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return None
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    segs = []
    for i in range(phnum):
        off = phoff + 56 * i
        if off + 56 > len(data):
            break
        p_type, _, _, vaddr, paddr, _, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, off)
        if p_type == 1:
            segs.append((vaddr, paddr, memsz))
    return segs


class Guest:
    def __init__(self, name, files, workdir):
        self.name = name
        extra, cpu = CONFIGS[name]
        self.port = free_port()
        self.serial = os.path.join(workdir, "serial.log")
        cmd = ["qemu-system-x86_64", "-m", "512",
               "-kernel", os.path.join(files, "vmlinuz"),
               "-initrd", os.path.join(files, "initrd.cpio.gz"),
               "-append", ("console=ttyS0 quiet " + extra).strip(),
               "-display", "none", "-serial", "file:" + self.serial,
               "-gdb", "tcp:127.0.0.1:%d" % self.port, "-no-reboot"]
        if cpu:
            cmd += ["-cpu", cpu]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.workdir = workdir
        self._collected = None
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                pytest.fail("QEMU exited (%s) before the guest was ready: %s"
                            % (self.proc.returncode, err.strip()))
            try:
                with open(self.serial, "rb") as f:
                    text = f.read()
            except FileNotFoundError:
                text = b""
            if READY in text:
                self.serial_text = text
                self.kcore = parse_kcore(text)
                self.kallsyms = {}
                for line in text.decode("ascii", "replace").splitlines():
                    parts = line.split()
                    if len(parts) == 3 and parts[2] in ("_text", "_etext",
                                                        "_end"):
                        try:
                            self.kallsyms[parts[2]] = int(parts[0], 16)
                        except ValueError:
                            pass
                return
            time.sleep(0.5)
        self.stop()
        pytest.fail("guest %s not ready after %ds" % (self.name, BOOT_TIMEOUT))

    def collect(self):
        """One GDB session on the stopped guest (collect_gdb.py), cached."""
        if self._collected is None:
            out = os.path.join(self.workdir, "collect.json")
            env = dict(os.environ, VMLAYOUT_COLLECT_OUT=out,
                       top_srcdir=TOP_SRCDIR)
            r = subprocess.run(
                [GDB, "-nx", "-batch",
                 "-ex", "set pagination off",
                 # info mem walks every table in QEMU: slow under TCG.
                 "-ex", "set remotetimeout 300",
                 "-ex", "target remote 127.0.0.1:%d" % self.port,
                 "-x", os.path.join(HERE, "collect_gdb.py")],
                env=env, capture_output=True, text=True, timeout=900)
            assert os.path.exists(out), "GDB wrote nothing:\n%s\n%s" % (
                r.stdout, r.stderr)
            with open(out) as f:
                self._collected = json.load(f)
            assert not self._collected["errors"], \
                "\n".join(self._collected["errors"])
        return self._collected

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module", params=list(CONFIGS))
def guest(request, guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-kernel-")
    g = Guest(request.param, guest_files, workdir)
    try:
        yield g
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)

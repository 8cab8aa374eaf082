"""Boot Debian's kernel under QEMU (TCG) for the kernel tests, one guest per
configuration (KASLR on/off x 4/5-level paging), each on a free port, and
collect one GDB session's worth of answers from it (collect_gdb.py)."""

import os
import shutil
import struct
import subprocess
import tempfile

import pytest

from qemu_guest import HERE, QemuGuest

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


class Guest(QemuGuest):
    """Debian's x86-64 kernel in one of CONFIGS, with what its initramfs
    printed: kcore (the PT_LOADs of /proc/kcore) and kallsyms (_text,
    _etext, _end)."""

    def __init__(self, name, files, workdir):
        extra, cpu = CONFIGS[name]
        cmd = ["qemu-system-x86_64", "-m", "512",
               "-kernel", os.path.join(files, "vmlinuz"),
               "-initrd", os.path.join(files, "initrd.cpio.gz"),
               "-append", ("console=ttyS0 quiet " + extra).strip()]
        if cpu:
            cmd += ["-cpu", cpu]
        super().__init__(cmd, workdir, name)
        self.kcore = parse_kcore(self.serial_bytes)
        self.kallsyms = {}
        for line in self.text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] in ("_text", "_etext", "_end"):
                try:
                    self.kallsyms[parts[2]] = int(parts[0], 16)
                except ValueError:
                    pass

    def collect(self):
        """One GDB session on the stopped guest (collect_gdb.py), cached."""
        if self._collected is None:
            # info mem walks every table in QEMU: slow under TCG.
            self._collected = self.collect_with(
                os.path.join(HERE, "collect_gdb.py"),
                gdb_args=["set remotetimeout 300"])
        return self._collected


@pytest.fixture(scope="module", params=list(CONFIGS))
def guest(request, guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-kernel-")
    g = Guest(request.param, guest_files, workdir)
    try:
        yield g
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)

"""A Linux guest that runs the 32-bit test fixture, for tests/gdb/test_i386.py.

The build machine may not run 32-bit programs at all (a kernel booted with
ia32_emulation off says "Exec format error"), so the fixture runs in Debian's
x86-64 kernel (tests/kernel/make-guest caches it) under QEMU (TCG), whose
compat mode runs it as on any 64-bit Linux. The initramfs is made here: the
static busybox, gdbserver with its libraries, the 32-bit loader and libc,
and the fixture, each at the same path as on this machine, so that the
paths in the guest's /proc/PID/maps name the very files the host-side
library, readelf, nm and objdump read.

The guest's /init:
  1. sets its core_pattern to /tmp/cores/core.%p (the guest's own: the
     host's is never touched), runs the fixture with --crash, prints its
     facts and its /proc/PID/maps, then sends SIGUSR1: the fixture writes to
     0x1234 and the guest kernel writes a core;
  2. starts gdbserver --multi on its second serial port, which QEMU puts on
     a loopback TCP port: GDB here connects with target extended-remote,
     fetches that core with `remote get`, runs a fresh fixture to a
     breakpoint (its output goes to the guest console) and takes a gcore.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("top_srcdir") or os.path.normpath(
    os.path.join(HERE, "..", ".."))
# The kernel tests' guest helpers: the same port picking and boot wait.
sys.path.append(os.path.join(TOP_SRCDIR, "tests", "kernel"))
from qemu_guest import BOOT_TIMEOUT, free_port, wait_for_serial  # noqa: E402
TOP_BUILDDIR = os.environ.get("top_builddir") or TOP_SRCDIR
FIXTURE32 = os.path.join(TOP_BUILDDIR, "tests", "fixtures", "i386_fixture")
MAKE_GUEST = os.path.join(TOP_SRCDIR, "tests", "kernel", "make-guest")
READY = "VML-GUEST-READY"

# Files copied into the guest at the same paths (resolved through links).
LIBS64 = ("libstdc++.so.6", "libgcc_s.so.1", "libc.so.6", "libm.so.6",
          "ld-linux-x86-64.so.2")
LIB32_DIR = "/usr/lib32"
LIBS32 = ("ld-linux.so.2", "libc.so.6")
APPLETS = ("sh", "mount", "cat", "sleep", "kill", "mkdir", "ls", "echo",
           "grep")

INIT = r"""#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp/cores
echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
ulimit -c unlimited
FX=@FIXTURE@
$FX --crash > /tmp/k.facts 2>&1 &
pid=$!
n=0
while ! grep -q '^ready' /tmp/k.facts && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
echo VML-KFACTS-BEGIN
cat /tmp/k.facts
echo VML-KFACTS-END
echo VML-KMAPS-BEGIN
cat /proc/$pid/maps
echo VML-KMAPS-END
kill -USR1 $pid
wait $pid
echo VML-KSTATUS $?
echo VML-KCORE /tmp/cores/core.$pid
echo VML-GUEST-READY
exec gdbserver --multi /dev/ttyS1
"""


def skip_reason():
    """Why the guest cannot run here, or None."""
    if not os.access(FIXTURE32, os.X_OK):
        return ("the 32-bit fixture is not built: configure found no "
                "working gcc -m32 (install gcc-multilib)")
    for prog in ("qemu-system-x86_64", "gdbserver", "busybox"):
        if shutil.which(prog) is None:
            return "%s not installed" % prog
    for lib in LIBS32:
        if not os.path.exists(os.path.join(LIB32_DIR, lib)):
            return "%s/%s missing (install gcc-multilib)" % (LIB32_DIR, lib)
    return None


def host_runs_i386():
    """True when this machine runs 32-bit programs itself."""
    try:
        r = subprocess.run([FIXTURE32], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def _guest_kernel():
    try:
        r = subprocess.run([MAKE_GUEST], capture_output=True, text=True,
                           timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot prepare the guest kernel: %s" % e)
    if r.returncode != 0 or not r.stdout.strip():
        pytest.skip("cannot prepare the guest kernel: %s" % r.stderr.strip())
    kernel = os.path.join(r.stdout.strip().splitlines()[-1], "vmlinuz")
    if not os.path.isfile(kernel):
        pytest.skip("guest kernel missing: %s" % kernel)
    return kernel


def _copy(root, src, dst=None):
    dst = os.path.join(root, (dst or src).lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(os.path.realpath(src), dst)


def _link(root, target, name):
    path = os.path.join(root, name.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def make_initrd(workdir):
    """The guest's initramfs (merged /usr, like Debian 12)."""
    root = os.path.join(workdir, "root")
    for d in ("usr/bin", "usr/lib", "usr/lib32", "usr/lib64", "proc", "sys",
              "dev", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for d in ("bin", "lib", "lib32", "lib64"):
        _link(root, "usr/" + d, d)
    _copy(root, shutil.which("busybox"), "/usr/bin/busybox")
    for applet in APPLETS:
        _link(root, "busybox", "/usr/bin/" + applet)
    _copy(root, shutil.which("gdbserver"), "/usr/bin/gdbserver")
    for lib in LIBS64:
        _copy(root, "/usr/lib/x86_64-linux-gnu/" + lib)
    _link(root, "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
          "/usr/lib64/ld-linux-x86-64.so.2")
    for lib in LIBS32:
        _copy(root, os.path.join(LIB32_DIR, lib))
    # The 32-bit PT_INTERP, as the host has it.
    _link(root, "/lib32/ld-linux.so.2", "/usr/lib/ld-linux.so.2")
    fixture = os.path.realpath(FIXTURE32)
    _copy(root, fixture)
    with open(os.path.join(root, "init"), "w") as f:
        f.write(INIT.replace("@FIXTURE@", fixture))
    os.chmod(os.path.join(root, "init"), 0o755)
    initrd = os.path.join(workdir, "initrd.cpio.gz")
    subprocess.run("cd '%s' && find . | busybox cpio -o -H newc 2>/dev/null "
                   "| gzip -1 > '%s'" % (root, initrd), shell=True,
                   check=True)
    shutil.rmtree(root)
    return initrd, fixture


def _between(text, begin, end):
    try:
        return text.split(begin + "\n", 1)[1].split(end, 1)[0]
    except IndexError:
        return None


def parse_facts(text):
    """The fixture's "NAME VALUE" lines up to "ready"."""
    facts = {}
    for line in text.splitlines():
        line = line.strip()
        if line == "ready":
            break
        m = re.match(r"^([a-z_]+) (0x[0-9a-f]+|\d+)$", line)
        if m:
            facts[m.group(1)] = int(m.group(2), 0)
    return facts


class Guest:
    def __init__(self, workdir):
        self.workdir = workdir
        kernel = _guest_kernel()
        initrd, self.fixture = make_initrd(workdir)
        self.port = free_port()
        self.serial = os.path.join(workdir, "serial.log")
        cmd = ["qemu-system-x86_64", "-m", "256", "-kernel", kernel,
               "-initrd", initrd, "-append", "console=ttyS0 quiet",
               "-display", "none", "-no-reboot",
               "-serial", "file:" + self.serial,
               "-serial", "tcp:127.0.0.1:%d,server=on,wait=off" % self.port]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self._wait_ready()

    def text(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            return ""

    def _wait_ready(self):
        text = wait_for_serial(self.proc, self.text, READY, interval=0.3)
        if text is None:
            self.stop()
            pytest.fail("the i386 guest was not ready after %ds:\n%s"
                        % (BOOT_TIMEOUT, self.text()[-3000:]))
        self.kfacts = parse_facts(
            _between(text, "VML-KFACTS-BEGIN", "VML-KFACTS-END") or "")
        self.kmaps = _between(text, "VML-KMAPS-BEGIN", "VML-KMAPS-END")
        m = re.search(r"^VML-KCORE (\S+)$", text, re.M)
        self.kcore = m.group(1) if m else None
        m = re.search(r"^VML-KSTATUS (\d+)$", text, re.M)
        self.kstatus = int(m.group(1)) if m else None

    def output_after_ready(self):
        """What the guest console showed after /init started gdbserver:
        the output of the programs GDB ran there."""
        return self.text().split(READY, 1)[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()


def make_cores(kcore_out, gcore_out):
    """Boots the guest and leaves its kernel's core of the fixture in
    kcore_out and a gcore of a fresh run (stopped in fixture_ready) in
    gcore_out: real 32-bit cores for the fuzzer's seeds."""
    import tempfile
    work = tempfile.mkdtemp(prefix="vml-i386-cores-")
    g = Guest(work)
    try:
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        subprocess.run(
            [os.environ.get("GDB", "gdb"), "-nx", "-batch",
             "-ex", "set sysroot /", "-ex", "set confirm off",
             "-ex", "target extended-remote 127.0.0.1:%d" % g.port,
             "-ex", "remote get %s %s" % (g.kcore, kcore_out),
             "-ex", "set remote exec-file %s" % g.fixture,
             "-ex", "break fixture_ready", "-ex", "run",
             "-ex", "gcore %s" % gcore_out, "-ex", "kill", g.fixture],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=600, env=env)
    finally:
        g.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        sys.exit("usage: i386_guest.py KERNEL-CORE-OUT GCORE-OUT")
    why = skip_reason()
    if why:
        sys.exit("i386_guest: %s" % why)
    try:
        make_cores(sys.argv[1], sys.argv[2])
    except BaseException as e:   # pytest.skip/fail outside a test
        sys.exit("i386_guest: %s" % e)

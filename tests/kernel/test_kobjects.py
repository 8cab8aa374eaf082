"""The kernel objects behind an address, without vmlinux: whereis on a
QEMU guest names the task whose stack holds an address (pid, comm, CPU),
the module and part of a module address (and its symbol), the vmalloc
area of a vmalloc address (size and caller, as /proc/vmallocinfo), and
the CPU of a per-CPU address — all from the guest's own kallsyms and BTF
(vmlayout's symbols and types without vmlinux).

Truths, none computed by vmlayout: the test module tests/kernel/vmltest
prints the addresses it owns (its function, its data, a vmalloc buffer,
its per-CPU variable on each CPU, a kernel thread's pid, comm and stack),
and the guest's /init prints /proc/modules and /proc/vmallocinfo (with
kptr_restrict 1: real addresses) — all on the serial console, when the
kernel command line says vmlayout_facts (tests/kernel/make-guest). Two
CPUs, so "which CPU" means something; KASLR on."""

import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import BOOT_TIMEOUT, GDB, READY, TOP_SRCDIR, free_port

SCRIPT = os.path.join(TOP_SRCDIR, "gdbext", "vmlayout-gdb.py")
MARK = "@@vmlayout-kobj@@"


class FactsGuest:
    """Debian's kernel with -smp 2 and vmlayout_facts on the command line:
    the initramfs loads vmltest and prints the guest's own view."""

    def __init__(self, files, workdir, extra=""):
        self.port = free_port()
        self.serial = os.path.join(workdir, "serial.log")
        cmd = ["qemu-system-x86_64", "-m", "512", "-smp", "2",
               "-kernel", os.path.join(files, "vmlinuz"),
               "-initrd", os.path.join(files, "initrd.cpio.gz"),
               "-append", ("console=ttyS0 quiet vmlayout_facts " +
                           extra).strip(),
               "-display", "none", "-serial", "file:" + self.serial,
               "-gdb", "tcp:127.0.0.1:%d" % self.port, "-no-reboot"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("QEMU exited: %s" % self.proc.stderr.read())
            try:
                with open(self.serial, "rb") as f:
                    text = f.read()
            except FileNotFoundError:
                text = b""
            if READY in text:
                self.text = text.decode("ascii", "replace")
                return
            time.sleep(0.5)
        self.stop()
        pytest.fail("guest not ready after %ds" % BOOT_TIMEOUT)

    def section(self, name):
        m = re.search(r"VMLAYOUT-%s-BEGIN\r?\n(.*?)VMLAYOUT-%s-END" %
                      (name, name), self.text, re.S)
        return m.group(1).replace("\r", "") if m else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def parse_vmltest(text):
    """The VMLTEST: lines of the module: {"func": addr, "data": addr,
    "vmalloc": (addr, size), "percpu": {cpu: addr},
    "kthread": (pid, comm, stack, cpu)}."""
    out = {"percpu": {}}
    for m in re.finditer(r"VMLTEST: (\w+) ([^\r\n]*)", text):
        kind, rest = m.group(1), m.group(2).split()
        if kind in ("func", "data"):
            out[kind] = int(rest[0], 16)
        elif kind == "vmalloc":
            out[kind] = (int(rest[0], 16), int(rest[1]))
        elif kind == "percpu":
            out[kind][int(rest[0])] = int(rest[1], 16)
        elif kind == "kthread":
            out[kind] = (int(rest[0]), rest[1], int(rest[2], 16),
                         int(rest[3]))
    return out


def parse_vmallocinfo(text):
    """[(start, end, size, caller, rest)] of /proc/vmallocinfo lines."""
    out = []
    for line in (text or "").splitlines():
        m = re.match(r"(0x[0-9a-f]+)-(0x[0-9a-f]+)\s+(\d+)\s+(\S+)(.*)",
                     line)
        if m:
            out.append((int(m.group(1), 16), int(m.group(2), 16),
                        int(m.group(3)), m.group(4), m.group(5)))
    return out


def run_gdb(port, commands):
    """One batch GDB on the guest with the vmlayout extension and no
    vmlinux; commands are (label, command). Returns {label: output}."""
    args = [GDB, "-nx", "-batch", "-ex", "set width 0", "-ex", "set height 0",
            "-ex", "set confirm off", "-ex", "set pagination off",
            "-ex", "set remotetimeout 300", "-ex", "source " + SCRIPT,
            "-ex", "target remote 127.0.0.1:%d" % port]
    for label, cmd in commands:
        args += ["-ex", "echo \\n%s BEGIN %s\\n" % (MARK, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (MARK, label)]
    env = dict(os.environ, top_srcdir=TOP_SRCDIR)
    r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=900,
                       env=env)
    out = {}
    for m in re.finditer(r"^%s BEGIN (\S+)\n(.*?)^%s END \1$"
                         % (re.escape(MARK), re.escape(MARK)),
                         r.stdout, flags=re.M | re.S):
        out[m.group(1)] = m.group(2)
    missing = [l for l, _ in commands if l not in out]
    assert not missing, "no output for %s in:\n%s" % (missing, r.stdout)
    return out

"""What every kernel test does with a QEMU guest, in one place: boot it on a
free gdbstub port with the serial console in a file, wait until the
initramfs prints its ready line (the guest's own facts come before it),
read the facts it printed, run one batch GDB on the stopped guest (labelled
command outputs, or a collector script that writes JSON), and stop it.

The test files say only what differs: the QEMU command line, and what they
ask GDB."""

import json
import os
import re
import socket
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("top_srcdir") or os.path.normpath(
    os.path.join(HERE, "..", ".."))
GDB = os.environ.get("GDB", "gdb")
BOOT_TIMEOUT = float(os.environ.get("VMLAYOUT_BOOT_TIMEOUT", "400"))
READY = b"VMLAYOUT-GUEST-READY"
SCRIPT = os.path.join(TOP_SRCDIR, "gdbext", "vmlayout-gdb.py")
MARK = "@@vmlayout-kernel-test@@"


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def wait_for_serial(proc, read_serial, ready, interval=0.5):
    """Poll the guest's console (read_serial(): what it printed so far)
    until it shows ready, and return that text; None after BOOT_TIMEOUT.
    QEMU exiting first fails the test with what it said on stderr. Also
    used by tests/gdb/i386_guest.py, whose guest talks to gdbserver."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")
            pytest.fail("QEMU exited (%s) before the guest was ready: %s"
                        % (proc.returncode, err.strip()))
        text = read_serial()
        if ready in text:
            return text
        time.sleep(interval)
    return None


class QemuGuest:
    """A guest booted from cmd (QEMU and its machine, kernel, initrd and
    command line; the display, serial, gdbstub and -no-reboot options are
    added here), waited for until READY is on its serial console.

    serial_bytes / text: the console up to READY, as bytes and as text."""

    def __init__(self, cmd, workdir, name="guest"):
        self.name = name
        self.workdir = workdir
        self.port = free_port()
        self.serial = os.path.join(workdir, "serial.log")
        self.proc = subprocess.Popen(
            list(cmd) + ["-display", "none", "-serial", "file:" + self.serial,
                         "-gdb", "tcp:127.0.0.1:%d" % self.port,
                         "-no-reboot"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        self._collected = None
        self.serial_bytes = self._wait_ready()
        self.text = self.serial_bytes.decode("ascii", "replace")

    def _read_serial(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def _wait_ready(self):
        text = wait_for_serial(self.proc, self._read_serial, READY)
        if text is None:
            self.stop()
            pytest.fail("guest %s not ready after %ds"
                        % (self.name, BOOT_TIMEOUT))
        return text

    def section(self, name):
        """The lines the guest printed between VMLAYOUT-NAME-BEGIN and
        VMLAYOUT-NAME-END (None when it printed no such block)."""
        m = re.search(r"VMLAYOUT-%s-BEGIN\r?\n(.*?)VMLAYOUT-%s-END" %
                      (name, name), self.text, re.S)
        return m.group(1).replace("\r", "") if m else None

    def kallsyms_block(self):
        """{name: address} of the guest's /proc/kallsyms block."""
        syms = {}
        for line in (self.section("KALLSYMS") or "").splitlines():
            parts = line.split()
            if len(parts) == 3:
                try:
                    syms[parts[2]] = int(parts[0], 16)
                except ValueError:
                    pass
        return syms

    def collect_with(self, script, gdb=GDB, gdb_args=(), env_extra=None,
                     out_name="collect.json"):
        """Runs the collector script in one batch GDB attached to the guest;
        the script writes JSON to $VMLAYOUT_COLLECT_OUT, with an "errors"
        list that must be empty. Returns the JSON."""
        out = os.path.join(self.workdir, out_name)
        env = dict(os.environ, VMLAYOUT_COLLECT_OUT=out,
                   top_srcdir=TOP_SRCDIR)
        env.update(env_extra or {})
        r = subprocess.run(
            [gdb, "-nx", "-batch", "-ex", "set pagination off"] +
            [a for arg in gdb_args for a in ("-ex", arg)] +
            ["-ex", "target remote 127.0.0.1:%d" % self.port,
             "-x", script],
            env=env, capture_output=True, text=True, timeout=900)
        assert os.path.exists(out), "GDB wrote nothing:\n%s\n%s" % (
            r.stdout, r.stderr)
        with open(out) as f:
            collected = json.load(f)
        assert not collected["errors"], "\n".join(collected["errors"])
        return collected

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_gdb(commands, target_port=None):
    """One batch GDB with the vmlayout extension sourced (no vmlinux);
    commands are (label or None, command); with target_port, GDB first
    attaches to that gdbstub. Returns {label: output} (stdout and stderr
    merged, so error lines are answers too)."""
    args = [GDB, "-nx", "-batch", "-ex", "set width 0", "-ex", "set height 0",
            "-ex", "set confirm off", "-ex", "set pagination off",
            "-ex", "set remotetimeout 300", "-ex", "source " + SCRIPT]
    if target_port is not None:
        args += ["-ex", "target remote 127.0.0.1:%d" % target_port]
    labels = []
    for label, cmd in commands:
        if label is None:
            args += ["-ex", cmd]
            continue
        labels.append(label)
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
    missing = [l for l in labels if l not in out]
    assert not missing, "no output for %s in:\n%s" % (missing, r.stdout)
    return out


def as_json(out, label):
    """The JSON a labelled command printed (an AssertionError naming the
    label and showing the text when it is not JSON)."""
    try:
        return json.loads(out[label])
    except ValueError:
        raise AssertionError("%s: not JSON:\n%s" % (label, out[label]))

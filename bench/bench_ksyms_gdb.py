# bench_ksyms_gdb.py — runs INSIDE GDB (batch), connected to QEMU's gdbstub
# on a freshly stopped Debian kernel guest with no vmlinux, with
# gdbext/vmlayout-gdb.py sourced (run-bench-kernel, second session: nothing
# read yet). Figures of issue 11:
#   - the page-table walk the symbols are read through (cold);
#   - loading the kernel's own symbols and types (kallsyms + BTF) from its
#     memory, cold: time, remote reads, bytes read;
#   - `whereis` on a kernel function, warm (symbols loaded, stopped);
#   - `vmlayout --load-symbols` (the ELF symbol file written and loaded).
# Every output line starts with "BK " (run-bench-kernel keeps only those).
import os
import statistics
import sys
import time

import gdb

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "python"))
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "gdbext"))
import vmlayout_gdb_qemu as qemu  # noqa: E402

RUNS = int(os.environ.get("VMLAYOUT_BENCH_KERNEL_RUNS", "5"))


def out(text=""):
    print("BK " + text)


def counters():
    st = qemu._session.stats()
    return qemu._session.remote_reads, st.bytes


def timed(fn):
    r0, b0 = counters()
    t0 = time.perf_counter()
    result = fn()
    t = time.perf_counter() - t0
    r1, b1 = counters()
    return result, t, r1 - r0, b1 - b0


def main():
    ms = 1e3
    _, t_walk, r_walk, b_walk = timed(qemu.cached_kernel)
    ks, t_load, r_load, b_load = timed(lambda: qemu.kernel_symbols(True))
    if ks is None:
        out("kernel symbols: none (%s)" % qemu.symbols_error())
        return
    addr = ks.lookup("schedule")["addr"] + 0x10
    cmd = "whereis %#x" % addr
    gdb.execute(cmd, to_string=True)
    warm = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        gdb.execute(cmd, to_string=True)
        warm.append(time.perf_counter() - t0)
    r0, _ = counters()
    gdb.execute(cmd, to_string=True)
    r_warm = counters()[0] - r0
    t0 = time.perf_counter()
    gdb.execute("vmlayout --load-symbols", to_string=True)
    t_elf = time.perf_counter() - t0
    out("kernel symbols without vmlinux: %s" % ks.description)
    out("%-50s %9.1f ms  %d remote reads, %.1f MiB"
        % ("page-table walk (cold, read through)", t_walk * ms, r_walk,
           b_walk / 2**20))
    out("%-50s %9.1f ms  %d remote reads, %.1f MiB"
        % ("kallsyms + BTF from guest memory (cold)", t_load * ms, r_load,
           b_load / 2**20))
    out("%-50s %9.1f ms  (min %.1f; %d remote reads)"
        % ("whereis schedule+0x10, warm", statistics.median(warm) * ms,
           min(warm) * ms, r_warm))
    out("%-50s %9.1f ms"
        % ("vmlayout --load-symbols (ELF written, loaded)", t_elf * ms))


try:
    main()
except Exception as e:  # one line for the report, then GDB goes on
    out("kernel symbols: benchmark failed: %s: %s" % (type(e).__name__, e))

# bench_kernel_arm64_gdb.py — runs INSIDE gdb-multiarch (batch), connected to
# qemu-system-aarch64's gdbstub on a stopped Debian arm64 guest, with
# gdbext/vmlayout-gdb.py sourced. The figures issue 10 asks for, measured in
# this one session:
#   - `vmlayout --pagetables` with the page cache cold: time, table pages
#     walked (both TTBR0_EL1 and TTBR1_EL1), remote reads (each page once);
#   - the same table pages read alone (physical mode on, each read the walk
#     made, once): the walk must take <= 1.2x that;
#   - a second `vmlayout --pagetables` while stopped: no remote read;
#   - beside them a plain Python walk of both roots (4K granule, 4 levels,
#     read_memory per table, struct decoding). QEMU has no `info mem` on Arm.
# Every output line starts with "BK " (run-bench-kernel-arm64 keeps those).
import os
import sys
import time

import gdb

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "bench"))
import bench_kernel_gdb as common  # noqa: E402  (reads, phys mode, timing)

qemu = common.qemu
out, verdict, median = common.out, common.verdict, common.median
RUNS = common.RUNS
ADDR = ((1 << 48) - 1) & ~0xfff       # descriptor bits [47:12]


def python_walk(roots):
    """Every valid table descriptor's table read once (4 KiB, physical
    mode); blocks and pages are leaves. (seconds, tables, unreadable)."""
    import struct
    inf = gdb.selected_inferior()
    seen = set()
    failed = [0]
    decode = struct.Struct("<512Q").unpack

    def walk(table, level):
        if table in seen:
            return
        seen.add(table)
        try:
            entries = decode(bytes(inf.read_memory(table, 4096)))
        except gdb.MemoryError:
            failed[0] += 1
            return
        if level == 3:
            return
        for e in entries:
            if e & 3 == 3:                 # valid table descriptor
                walk(e & ADDR, level + 1)

    t0 = time.perf_counter()
    with common.PhysMode():
        for root in roots:
            walk(root, 0)
    return time.perf_counter() - t0, len(seen), failed[0]


def main():
    if not qemu.is_qemu_kernel_target():
        out("kernel (aarch64): not a QEMU kernel target, nothing measured")
        return
    roots = [common.reg("TTBR0_EL1") & ADDR, common.reg("TTBR1_EL1") & ADDR]
    qemu._session.invalidate()
    t_first, reads_first, lines = common.timed_command("vmlayout --pagetables")
    t_second, reads_second, _ = common.timed_command("vmlayout --pagetables")
    pages = qemu.walk_stats()["table_pages"]
    walks, alones, nreads, distinct = common.measure_walks(t_first)
    py = [python_walk(roots) for _ in range(RUNS)]
    t_py = median([p[0] for p in py])
    mode_after = common.phys_mode_now()

    ms = 1e3
    out("kernel (aarch64): Debian arm64 guest, -cpu cortex-a57, 512 MiB, "
        "TTBR0_EL1 %#x, TTBR1_EL1 %#x (medians of %d, cold cache unless "
        "said)" % (roots[0], roots[1], RUNS))
    common.report_walk(t_first, pages, reads_first, walks, lines, alones,
                       nreads, distinct, t_second, reads_second)
    out("%-50s %9.1f ms  (reference; min %.1f; %d table pages%s)"
        % ("plain Python walk in GDB (read_memory + struct)", t_py * ms,
           min(p[0] for p in py) * ms, py[0][1],
           ", %d unreadable" % py[0][2] if py[0][2] else ""))
    common.report_phys_mode(mode_after)


try:
    main()
except Exception as e:
    out("kernel (aarch64): benchmark failed: %s: %s" % (type(e).__name__, e))
    try:
        common.packet("Qqemu.PhyMemMode:0")
    except gdb.error:
        pass

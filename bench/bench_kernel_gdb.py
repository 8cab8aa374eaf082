# bench_kernel_gdb.py — runs INSIDE GDB (batch), connected to QEMU's gdbstub
# on a stopped Debian kernel guest, with gdbext/vmlayout-gdb.py sourced.
# Speed figures of issue 4, all measured in this one session on this guest:
#   - `vmlayout --pagetables` with the page cache cold: time, table pages
#     walked, remote reads (each table page must be read once);
#   - reading those same table pages alone (physical mode on, each read the
#     walk made, once, mode off): the walk must take <= 1.2x that;
#   - a second `vmlayout --pagetables` while stopped: no remote read at all;
#   - beside them QEMU's `monitor info mem` and a plain page-by-page walk in
#     Python (4/5-level, read_memory per 4 KiB table, struct decoding).
# Every output line starts with "BK " (run-bench-kernel keeps only those).
import os
import statistics
import struct
import sys
import time

import gdb

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "python"))
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "gdbext"))
import vmlayout_gdb_qemu as qemu  # noqa: E402

RUNS = int(os.environ.get("VMLAYOUT_BENCH_KERNEL_RUNS", "5"))
WALK_RATIO = 1.2
U64 = (1 << 64) - 1
PHYS_MASK = 0x000ffffffffff000
MAX_TABLE_PAGES = 1 << 20      # bound for the Python walk on odd tables


def out(text=""):
    print("BK " + text)


def verdict(ok):
    return "OK" if ok else "MISSED"


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & U64


def packet(text):
    return gdb.execute("maintenance packet " + text, to_string=True)


def flush_dcache():
    gdb.execute("maintenance flush dcache", to_string=True)


class PhysMode:
    """Physical-memory mode for a with-block, switched back on every path."""

    def __enter__(self):
        if 'received: "OK"' not in packet("Qqemu.PhyMemMode:1"):
            packet("Qqemu.PhyMemMode:0")
            raise gdb.error("QEMU refused Qqemu.PhyMemMode:1")
        flush_dcache()

    def __exit__(self, *exc):
        packet("Qqemu.PhyMemMode:0")
        flush_dcache()


def remote_reads():
    return qemu.session_stats()["remote_reads"]


def timed_command(command):
    """(seconds, remote reads, lines) of one GDB command into a string."""
    before = remote_reads()
    t0 = time.perf_counter()
    text = gdb.execute(command, to_string=True)
    dt = time.perf_counter() - t0
    return dt, remote_reads() - before, len(text.splitlines())


def logged_walk_reads():
    """The reads one cold `--pagetables` walk makes: [(space, addr, size)].
    Wraps the bridge's read for this one untimed pass only."""
    session = qemu._session
    log = []
    inner = session._read_bytes

    def logging_read(space, addr, size):
        log.append((space, addr, size))
        return inner(space, addr, size)

    session.invalidate()
    session._read_bytes = logging_read
    try:
        qemu.run(qemu.KernelOptions("pagetables"))
    finally:
        del session._read_bytes        # back to the class's method
    return log


def read_pages_alone(reads):
    """Seconds to make the walk's physical reads alone, once each."""
    inf = gdb.selected_inferior()
    t0 = time.perf_counter()
    with PhysMode():
        for _space, addr, size in reads:
            inf.read_memory(addr, size)
    return time.perf_counter() - t0


def python_walk(cr3, levels):
    """A plain recursive walk: every present non-leaf entry's table page is
    read once (4 KiB, physical mode) and decoded with struct. Returns
    (seconds, table pages read, pages that could not be read)."""
    inf = gdb.selected_inferior()
    seen = set()
    failed = [0]
    decode = struct.Struct("<512Q").unpack

    def walk(table, level):
        if table in seen or len(seen) >= MAX_TABLE_PAGES:
            return
        seen.add(table)
        try:
            entries = decode(bytes(inf.read_memory(table, 4096)))
        except gdb.MemoryError:
            failed[0] += 1
            return
        if level == 1:
            return
        for e in entries:
            if not e & 1:                      # not present
                continue
            if level in (2, 3) and e & 0x80:   # PS: a 2 MiB / 1 GiB leaf
                continue
            walk(e & PHYS_MASK, level - 1)

    t0 = time.perf_counter()
    with PhysMode():
        walk(cr3 & PHYS_MASK, levels)
    return time.perf_counter() - t0, len(seen), failed[0]


def median(values):
    return statistics.median(values)


def measure_walks(t_first):
    """The walk's own reads replayed alone, then walks and replays
    alternated on a cold cache (RUNS of each, the first walk being
    t_first): (walk times, replay times, reads, distinct pages)."""
    reads = logged_walk_reads()
    distinct = len({(s, a) for s, a, _ in reads})
    walks, alones = [t_first], []
    for i in range(RUNS):
        alones.append(read_pages_alone(reads))
        if i < RUNS - 1:
            qemu._session.invalidate()
            walks.append(timed_command("vmlayout --pagetables")[0])
    return walks, alones, len(reads), distinct


def phys_mode_now():
    """QEMU's physical-memory mode as its stub answers ("0": off)."""
    mode = packet("qqemu.PhyMemMode")
    return "0" if 'received: "0"' in mode else mode.strip()


def report_phys_mode(mode_after):
    out("%-50s %9s     target: 0  %s"
        % ("qqemu.PhyMemMode afterwards", mode_after,
           verdict(mode_after == "0")))


def report_walk(t_first, pages, reads_first, walks, lines, alones, nreads,
                distinct, t_second, reads_second):
    """The walk's figures every architecture reports the same way: the
    first call (each table page read once), the cold walk against the same
    pages read alone (the WALK_RATIO target), and the second call while
    stopped (no remote read)."""
    ms = 1e3
    t_walk, t_alone = median(walks), median(alones)
    out("%-50s %9.1f ms  %d table pages, %d remote reads  "
        "target: each page once  %s"
        % ("vmlayout --pagetables, first call", t_first * ms, pages,
           reads_first, verdict(reads_first == pages)))
    out("%-50s %9.1f ms  (min %.1f; %d lines of output)"
        % ("vmlayout --pagetables, cold cache", t_walk * ms,
           min(walks) * ms, lines))
    out("%-50s %9.1f ms  (min %.1f; %d reads, %d distinct pages)"
        % ("the same table pages read alone (phys mode)", t_alone * ms,
           min(alones) * ms, nreads, distinct))
    ratio = t_walk / t_alone if t_alone > 0 else float("inf")
    out("%-50s %9.2f x   target <= %.1fx  %s"
        % ("walk / pages alone", ratio, WALK_RATIO,
           verdict(ratio <= WALK_RATIO)))
    out("%-50s %9.1f ms  %d remote reads  target: 0  %s"
        % ("vmlayout --pagetables, second call while stopped",
           t_second * ms, reads_second, verdict(reads_second == 0)))


def main():
    if not qemu.is_qemu_kernel_target():
        out("kernel: not a QEMU kernel target, nothing measured")
        return
    cr3, cr4 = reg("cr3"), reg("cr4")
    levels = 5 if cr4 & (1 << 12) else 4
    qemu._session.invalidate()       # a cold page cache for the first call

    # 1. first full walk, cold; 2. again while stopped.
    t_first, reads_first, lines = timed_command("vmlayout --pagetables")
    t_second, reads_second, _ = timed_command("vmlayout --pagetables")
    pages = qemu.walk_stats()["table_pages"]

    walks, alones, nreads, distinct = measure_walks(t_first)

    t0 = time.perf_counter()
    info_mem = gdb.execute("monitor info mem", to_string=True)
    t_info_mem = time.perf_counter() - t0

    py = [python_walk(cr3, levels) for _ in range(RUNS)]
    t_py = median([p[0] for p in py])
    py_pages, py_failed = py[0][1], py[0][2]

    mode_after = phys_mode_now()

    ms = 1e3
    out("kernel: Debian guest, 512 MiB, %d-level paging, CR3 %#x "
        "(medians of %d, cold cache unless said)" % (levels, cr3, RUNS))
    report_walk(t_first, pages, reads_first, walks, lines, alones,
                nreads, distinct, t_second, reads_second)
    out("%-50s %9.1f ms  (reference, about 500 ms here; %d lines)"
        % ("monitor info mem", t_info_mem * ms, len(info_mem.splitlines())))
    out("%-50s %9.1f ms  (reference, about 100 ms here; min %.1f; "
        "%d table pages%s)"
        % ("plain Python walk in GDB (read_memory + struct)", t_py * ms,
           min(p[0] for p in py) * ms, py_pages, ", %d unreadable" % py_failed if py_failed else ""))
    report_phys_mode(mode_after)


if __name__ == "__main__":   # GDB's -x; the AArch64 bench imports this
    try:
        main()
    except Exception as e:  # one line for the report, then GDB goes on
        out("kernel: benchmark failed: %s: %s" % (type(e).__name__, e))
        try:
            packet("Qqemu.PhyMemMode:0")
        except gdb.error:
            pass

# bench_scan_gdb.py — run inside GDB (batch) attached to `bench_scan
# --hold 64`: time `vmlayout --scan START-END` over its 64 MiB of heap-like
# memory against just reading the same bytes, in the same run: through
# /proc/PID/mem in 1 MiB blocks (the read path the command uses for a live
# local process: its floor) and through GDB's own read_memory (reference).
# VMLAYOUT_BENCH_RANGE is "START END". Prints medians.
import os
import time

import gdb

RUNS = 5
BLOCK = 1 << 20
start, end = (int(x, 0) for x in os.environ["VMLAYOUT_BENCH_RANGE"].split())
pid = gdb.selected_inferior().pid


def median_ms(fn):
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def read_proc():
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as f:
        for addr in range(start, end, BLOCK):
            f.seek(addr)
            f.read(BLOCK)


def read_gdb():
    inf = gdb.selected_inferior()
    for addr in range(start, end, BLOCK):
        inf.read_memory(addr, BLOCK)


cmd = "vmlayout --scan %#x-%#x --max 1" % (start, end)
out = gdb.execute(cmd, to_string=True)
found = out.split(": ", 1)[1].split(" found")[0] if ": " in out else "?"
scan = median_ms(lambda: gdb.execute(cmd, to_string=True))
floor = median_ms(read_proc)
ref = median_ms(read_gdb)
mib = (end - start) / float(1 << 20)
print("GDB: vmlayout --scan %.0f MiB (heap-like)       median %8.2f ms  "
      "(%s pointers)" % (mib, scan, found))
print("GDB: the same bytes read, /proc/PID/mem      median %8.2f ms  "
      "scan/read %.2fx  target <= 3x  %s" % (floor, scan / floor,
                                            "OK" if scan <= 3 * floor
                                            else "MISSED"))
print("GDB: the same bytes read, GDB read_memory    median %8.2f ms  "
      "(reference)" % ref)

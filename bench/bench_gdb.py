# bench_gdb.py — run inside GDB (batch) attached to many_maps: time the
# `vmlayout --table` command into a string, against GDB's own
# `info proc mappings` on the same process. Prints medians.
import time
import gdb

RUNS = 7


def median_ms(command):
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        out = gdb.execute(command, to_string=True)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2], len(out.splitlines())


t, lines = median_ms("vmlayout --table")
print("%-46s median %8.2f ms  target <= %5.0f ms  %s  (%d lines)"
      % ("GDB: vmlayout --table into a string", t, 150, "OK" if t <= 150 else "MISSED", lines))
t2, lines2 = median_ms("info proc mappings")
print("%-46s median %8.2f ms  (reference, %d lines)"
      % ("GDB: info proc mappings into a string", t2, lines2))
t3, lines3 = median_ms("vmlayout")
print("%-46s median %8.2f ms  (%d lines)" % ("GDB: vmlayout (picture)", t3, lines3))

# bench_core_gdb.py — runs INSIDE GDB (batch) on `gdb PROG CORE` with
# gdbext/vmlayout-gdb.py sourced: times GDB's own `info proc mappings` and
# the `vmlayout` command into strings (perf_counter around gdb.execute) and
# prints one line "BENCH-CORE-GDB {json}" for bench/bench_core.py.
import json
import time

import gdb

RUNS = 7


def median_ms(command):
    times = []
    lines = 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        out = gdb.execute(command, to_string=True)
        times.append((time.perf_counter() - t0) * 1e3)
        lines = len(out.splitlines())
    times.sort()
    return {"median": times[len(times) // 2], "min": times[0],
            "lines": lines}


result = {}
for key, command in (("info_proc_mappings", "info proc mappings"),
                     ("vmlayout", "vmlayout")):
    try:
        result[key] = median_ms(command)
    except gdb.error as e:
        result[key] = {"error": str(e)}
print("BENCH-CORE-GDB " + json.dumps(result))

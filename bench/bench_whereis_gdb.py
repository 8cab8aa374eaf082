# bench_whereis_gdb.py — run inside GDB (batch), with inferior 1 attached to
# a small many_maps (about 30 mappings) and inferior 2 to a 60,000-mapping
# one, both in --tick mode: time a warm `whereis` against GDB's own
# `info symbol` on the same address in the same run (interleaved, and
# alternating between the inferiors: each keeps its cached layout), the first
# `whereis` after each stop (a breakpoint hit), with vmlayout's caches on
# and off (off: every command rebuilds the layout and parses every ELF
# file, as before the per-stop cache). Prints one line per figure.
import time

import gdb

WARM_RUNS = 400
WARM_ROUNDS = 8
STOP_RUNS = 9
ADDR = "&many_maps_ticks"


def has_cache_switch():
    try:
        gdb.parameter("vmlayout-cache")
        return True
    except (gdb.error, RuntimeError):
        return False


def set_cache(on):
    if has_cache_switch():
        gdb.execute("set vmlayout-cache %s" % ("on" if on else "off"))


def regions():
    pid = gdb.selected_inferior().pid
    with open("/proc/%d/maps" % pid) as f:
        return sum(1 for _ in f)


def first_after_stop():
    """Median time of the first whereis after a breakpoint stop."""
    times = []
    for _ in range(STOP_RUNS):
        gdb.execute("continue", to_string=True)
        t0 = time.perf_counter()
        gdb.execute("whereis " + ADDR, to_string=True)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def warm_figures():
    """Median warm whereis and info symbol per inferior, measured in
    alternating rounds so that a busy machine slows both alike."""
    times = {1: ([], []), 2: ([], [])}
    for _ in range(WARM_ROUNDS):
        for num in (1, 2):
            gdb.execute("inferior %d" % num, to_string=True)
            gdb.execute("whereis " + ADDR, to_string=True)   # warm
            for _ in range(WARM_RUNS // WARM_ROUNDS):
                t0 = time.perf_counter()
                gdb.execute("whereis " + ADDR, to_string=True)
                t1 = time.perf_counter()
                gdb.execute("info symbol " + ADDR, to_string=True)
                t2 = time.perf_counter()
                times[num][0].append((t1 - t0) * 1e3)
                times[num][1].append((t2 - t1) * 1e3)
    out = {}
    for num, (w, i) in times.items():
        w.sort()
        i.sort()
        out[num] = (w[len(w) // 2], i[len(i) // 2])
    return out


warm_all = warm_figures()
results = {}
for num in (1, 2):
    gdb.execute("inferior %d" % num, to_string=True)
    n = regions()
    warm, info = warm_all[num]
    bp = gdb.Breakpoint("many_maps_tick", internal=True)
    bp.thread = None
    try:
        set_cache(True)
        first = first_after_stop()
        first_off = None
        if has_cache_switch():
            set_cache(False)
            first_off = first_after_stop()
            set_cache(True)
    finally:
        bp.delete()
    results[num] = (n, warm, info, first, first_off)
    print("GDB: %6d mappings: warm whereis %8.3f ms   info symbol %8.3f ms"
          "   ratio %6.1fx  target <= 10x  %s"
          % (n, warm, info, warm / info, "OK" if warm <= 10 * info else
             "MISSED"))
    if first_off is not None:
        print("GDB: %6d mappings: first whereis after a stop %8.3f ms   "
              "caches off (as before) %8.3f ms  target: no slower  %s"
              % (n, first, first_off, "OK" if first <= first_off * 1.05
                 else "MISSED"))
    else:
        print("GDB: %6d mappings: first whereis after a stop %8.3f ms"
              % (n, first))

small, big = results[1], results[2]
print("GDB: warm whereis, %d vs %d mappings: %.3f vs %.3f ms = %.2fx  "
      "target <= 1.5x  %s" % (big[0], small[0], big[1], small[1],
                               big[1] / small[1],
                               "OK" if big[1] <= 1.5 * small[1] else "MISSED"))

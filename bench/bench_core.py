"""bench_core.py — speed figures for vmlayout on core files (issue 3),
run by bench/run-bench-core on cores it made with gcore.

    bench_core.py --exe PROG --gdbext VMLAYOUT-GDB.PY --gdb-script SCRIPT \
                  MIB:CORE [MIB:CORE ...]

For every core: the library in this process (vmlayout.open_core(path) and
render() of the picture), the command line (`python3 -m vmlayout --core
FILE`, wall time of the whole process), and in GDB on `gdb PROG CORE` the
`vmlayout` command and GDB's own `info proc mappings` (SCRIPT times them
inside GDB). Prints a table, one column per core, each row beside its
target. The page cache is warm (the cores were just written)."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import vmlayout

RUNS = 15           # in-process runs per core
CLI_RUNS = 5        # whole-process runs per core
TARGET_MS = 50.0    # issue 3: vmlayout on a 2 GiB core
# "Does not grow with the core's size": the largest core may take at most
# this much longer than the smallest (relative, plus a small absolute
# allowance for timer noise on a few-millisecond figure).
GROWTH_RATIO = 1.5
GROWTH_SLACK_MS = 2.0
TIMEOUT = 300


def median_min(times):
    return statistics.median(times), min(times)


def time_library(path):
    """open_core + render of the picture, in this process (ms)."""
    times = []
    regions = 0
    for _ in range(RUNS + 1):          # the first run warms imports/caches
        t0 = time.perf_counter()
        layout = vmlayout.open_core(path)
        text = layout.render()
        dt = (time.perf_counter() - t0) * 1e3
        regions = len(layout)
        layout.close()
        if not text:
            raise SystemExit("bench_core: empty picture for %s" % path)
        times.append(dt)
    return median_min(times[1:]), regions


def time_cli(path, python):
    times = []
    for _ in range(CLI_RUNS + 1):
        t0 = time.perf_counter()
        r = subprocess.run([python, "-m", "vmlayout", "--core", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
        times.append((time.perf_counter() - t0) * 1e3)
        if r.returncode != 0:
            raise SystemExit("bench_core: python3 -m vmlayout --core %s "
                             "failed: %s" % (path, r.stderr.decode().strip()))
    return median_min(times[1:])


def time_python(python, code):
    """Whole-process time of `python3 -c CODE` (ms): the floors under the
    command-line figure."""
    times = []
    for _ in range(CLI_RUNS + 1):
        t0 = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, timeout=TIMEOUT)
        times.append((time.perf_counter() - t0) * 1e3)
    return median_min(times[1:])


def time_gdb(args, path):
    gdb = os.environ.get("GDB", "gdb")
    r = subprocess.run([gdb, "-nx", "-batch", "-ex", "set pagination off",
                        "-ex", "source " + args.gdbext, args.exe, path,
                        "-x", args.gdb_script],
                       capture_output=True, text=True, timeout=TIMEOUT)
    for line in r.stdout.splitlines():
        if line.startswith("BENCH-CORE-GDB "):
            return json.loads(line.split(" ", 1)[1])
    raise SystemExit("bench_core: GDB gave no figures for %s:\n%s\n%s"
                     % (path, r.stdout[-2000:], r.stderr[-2000:]))


def size_label(mib):
    return "%d GiB" % (mib // 1024) if mib % 1024 == 0 else "%d MiB" % mib


def verdict(ok):
    return "OK" if ok else "MISSED"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--exe", required=True)
    p.add_argument("--gdbext", required=True)
    p.add_argument("--gdb-script", required=True)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("cores", nargs="+", metavar="MIB:CORE")
    args = p.parse_args()

    cores = []
    for item in args.cores:
        mib, path = item.split(":", 1)
        cores.append((int(mib), path))
    cores.sort()

    cols = []
    for mib, path in cores:
        (lib_med, lib_min), regions = time_library(path)
        cli_med, cli_min = time_cli(path, args.python)
        g = time_gdb(args, path)
        cols.append({"label": size_label(mib), "file": os.path.getsize(path),
                     "regions": regions, "lib": lib_med, "lib_min": lib_min,
                     "cli": cli_med, "gdb": g})
    # The interpreter's own start is not vmlayout's to spend: the command's
    # target is the library's 50 ms on top of it.
    bare_med, _ = time_python(args.python, "pass")
    import_med, _ = time_python(args.python, "import vmlayout")

    w = 14
    head = "%-44s" % "cores (gcore of core_fixture; medians, ms)"
    print(head + "".join("%*s" % (w, c["label"]) for c in cols) + "   target")

    def row(name, values, target=""):
        print("%-44s" % name + "".join("%*s" % (w, v) for v in values)
              + ("   " + target if target else ""))

    row("core file size", [vmlayout.format_size(c["file"]) for c in cols])
    row("regions in the layout", [str(c["regions"]) for c in cols])
    worst = max(c["lib"] for c in cols)
    row("open_core + render (Python, in process)",
        ["%.2f" % c["lib"] for c in cols],
        "<= %.0f ms  %s" % (TARGET_MS, verdict(worst <= TARGET_MS)))
    worst_cli = max(c["cli"] for c in cols)
    cli_limit = bare_med + TARGET_MS
    row("python3 -m vmlayout --core FILE (wall)",
        ["%.1f" % c["cli"] for c in cols],
        "<= %.0f ms (python3 -c pass + %.0f ms)  %s"
        % (cli_limit, TARGET_MS, verdict(worst_cli <= cli_limit)))
    row("  python3 -c pass / -c 'import vmlayout'",
        ["%.1f / %.1f" % (bare_med, import_med)] + [""] * (len(cols) - 1),
        "(floors of the line above, wall)")

    def gdb_cell(c, key):
        v = c["gdb"].get(key, {})
        return "%.2f" % v["median"] if "median" in v else "error"

    gdb_vml = [c["gdb"].get("vmlayout", {}).get("median") for c in cols]
    ok_gdb = all(v is not None and v <= TARGET_MS for v in gdb_vml)
    row("GDB: vmlayout into a string",
        [gdb_cell(c, "vmlayout") for c in cols],
        "<= %.0f ms  %s" % (TARGET_MS, verdict(ok_gdb)))
    row("GDB: info proc mappings into a string",
        [gdb_cell(c, "info_proc_mappings") for c in cols], "(reference)")
    for c in cols:
        for key in ("vmlayout", "info_proc_mappings"):
            if "error" in c["gdb"].get(key, {}):
                print("  GDB %s on the %s core: %s"
                      % (key, c["label"], c["gdb"][key]["error"]))
    if len(cols) >= 2:
        small, big = cols[0], cols[-1]
        limit = small["lib"] * GROWTH_RATIO + GROWTH_SLACK_MS
        print("%-44s%*s   <= %.2f ms (%.1fx %s + %.0f ms)  %s"
              % ("growth: open_core + render, %s vs %s"
                 % (big["label"], small["label"]),
                 w * len(cols), "%.2f vs %.2f" % (big["lib"], small["lib"]),
                 limit, GROWTH_RATIO, small["label"], GROWTH_SLACK_MS,
                 verdict(big["lib"] <= limit)))


if __name__ == "__main__":
    main()

"""make bench, kernel dumps (issue 12): times the library on a dump of a
guest that run-bench-vmcore made (outside the tree). Prints "BV" lines.

  open        vml_vmcore_open: map the file, read headers and notes
              (and, for the kdump layout, its bitmaps: the page index)
  walk        vml_vmcore_answer --pagetables: build the kernel from its page
              tables (every table page read, decompressed for kdump)
  whereis     vml_kernel_where on a kernel built once (warm: its table pages
              cached), averaged over many addresses
  peak RSS    of this process: the dump is mapped, only the pages touched
              count

Each format is measured in a fresh process (the OS page cache holds the
file: it was just written), so "open" is not helped by an earlier open."""

import json
import os
import resource
import subprocess
import sys
import time


def measure(path):
    import ctypes
    import vmlayout
    from vmlayout import _lib
    t = time.perf_counter()
    v = vmlayout.open_vmcore(path)
    t_open = time.perf_counter() - t
    t = time.perf_counter()
    text = v.answer("pagetables", "json")
    t_walk = time.perf_counter() - t
    ranges = json.loads(text)["ranges"]
    k = v.kernel()
    mapped = [r for r in ranges if r["status"] == "mapped"]
    addrs = [r["start"] + (r["end"] - r["start"]) // 2 for r in mapped]
    addrs = (addrs * (2000 // max(len(addrs), 1) + 1))[:2000]
    w = _lib.STRUCTS["vml_kernel_where"]()
    for a in addrs[:50]:      # warm
        _lib.check(_lib.vml_kernel_where(k.handle, a, None, ctypes.byref(w),
                                         ctypes.sizeof(w)))
    t = time.perf_counter()
    for a in addrs:
        _lib.check(_lib.vml_kernel_where(k.handle, a, None, ctypes.byref(w),
                                         ctypes.sizeof(w)))
    t_where = (time.perf_counter() - t) / len(addrs)
    info = v.info
    k.close()
    v.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"open": t_open, "walk": t_walk, "where": t_where,
            "ranges": len(ranges), "memory": info["memory_bytes"],
            "size": os.path.getsize(path), "rss": rss,
            "format": info["format"]}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2])))
        return
    for path in sys.argv[1:]:
        r = subprocess.run([sys.executable, __file__, "--one", path],
                           capture_output=True, text=True, timeout=600)
        if r.returncode:
            print("BV %s: failed: %s" % (os.path.basename(path),
                                          r.stderr.strip()[-300:]))
            continue
        m = json.loads(r.stdout)
        name = "ELF" if m["format"] == "elf" else "kdump zlib (flattened)"
        print("BV vmcore %-24s %6.0f MiB file, %6.0f MiB of memory: open %7.1f ms,"
              " open+walk %7.1f ms (%d ranges), whereis warm %5.1f us,"
              " peak RSS %4.0f MiB"
              % (name, m["size"] / 2**20, m["memory"] / 2**20,
                 m["open"] * 1e3, (m["open"] + m["walk"]) * 1e3,
                 m["ranges"], m["where"] * 1e6, m["rss"]))


if __name__ == "__main__":
    main()

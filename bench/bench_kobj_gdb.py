# bench_kobj_gdb.py — runs INSIDE GDB (batch), connected to QEMU's gdbstub
# on a stopped Debian kernel guest with no vmlinux, with
# gdbext/vmlayout-gdb.py sourced (run-bench-kernel, third session). Figures
# of the kernel objects behind addresses (issue 11), warm (the kernel's
# symbols and types loaded once, the guest stopped):
#   - whereis $sp: the task whose stack it is (the task list walked, each
#     CPU's current task read);
#   - whereis on CPU 0's pcpu_hot: the per-CPU unit and symbol;
#   - whereis on a vmap_area: its struct page, slab cache, object and the
#     freelists walked (the slab's and each CPU's);
#   - vmlayout --task 1: init's VMAs from its maple tree, drawn;
#   - whereis --task 1 on its text: the layout, then its page tables.
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


def warm(cmd):
    """Median and min ms of cmd after one untimed run, and its output."""
    text = gdb.execute(cmd, to_string=True)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        gdb.execute(cmd, to_string=True)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times), text


def main():
    ks = qemu.kernel_symbols(True)
    if ks is None or not ks.has_types:
        out("kernel objects: none (%s)" % (qemu.symbols_error() or
                                            "no types"))
        return
    cmds = [("whereis $sp (task stack)", "whereis $sp")]
    offs = ks.lookup("__per_cpu_offset")
    hot = ks.lookup("pcpu_hot") or ks.lookup("current_task")
    if offs is not None and hot is not None:
        hot = hot["addr"]
        mem = gdb.selected_inferior().read_memory(offs["addr"], 8)
        cpu0 = int.from_bytes(bytes(mem), "little")
        cmds.append(("whereis CPU 0's pcpu_hot (per-CPU)",
                     "whereis %#x" % (cpu0 + hot)))
    # A slab object: the vmap_area at the root of vmap_area_root (its
    # rb_node, inside the object): the page, the cache, both freelists.
    root = ks.lookup("vmap_area_root")
    if root is not None:
        mem = gdb.selected_inferior().read_memory(root["addr"], 8)
        node = int.from_bytes(bytes(mem), "little")
        if node:
            cmds.append(("whereis a vmap_area (slab object)",
                         "whereis %#x" % node))
    cmds.append(("vmlayout --task 1 (maple tree)", "vmlayout --task 1"))
    for label, cmd in cmds:
        med, lo, _ = warm(cmd)
        out("%-50s %9.1f ms  (min %.1f)" % (label + ", warm", med, lo))
    # init's executable text: the first r-xp VMA (the maps via Python).
    kernel = qemu._build_kernel({})
    try:
        qemu._reading(lambda: kernel.set_ksyms(ks))
        maps, _ = qemu._reading(lambda: kernel.task_maps(1))
    finally:
        kernel.close()
    start = [int(l.split("-")[0], 16) for l in maps.splitlines()
             if " r-xp " in l][0]
    med, lo, _ = warm("whereis --task 1 %#x" % (start + 0x10))
    out("%-50s %9.1f ms  (min %.1f)"
        % ("whereis --task 1 on its text, warm", med, lo))


try:
    main()
except Exception as e:  # one line for the report, then GDB goes on
    out("kernel objects: benchmark failed: %s: %s" % (type(e).__name__, e))

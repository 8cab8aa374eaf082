# collect.py — runs INSIDE GDB, connected to QEMU running the fixture kernel
# and stopped at its spin loop, with gdbext/vmlayout-gdb.py sourced.
#
# Runs the user-facing GDB commands (vmlayout ..., whereis ...) exactly as a
# person would type them, plus QEMU's own `monitor info mem` / `info tlb`,
# and writes every answer to $VMLAYOUT_COLLECT_OUT as JSON. An error of one
# command is recorded as {"error": "..."}; the assertions live in
# tests/kernel/test_fixture_kernel.py.

import json
import os

import gdb

# Addresses asked about, as whereis arguments; the test knows their answers.
WHEREIS = [
    "0x40000000", "0x52345678",                 # the 1 GiB page
    "0x7ffffffff000", "0x7fffffffffff",         # last user page
    "0xffff800000000000", "0xffff800000000fff", # first kernel page
    "0xfffffffffffff000", "-1",                 # very last page
    "0x400000",                                 # user, ro, nx
    "0xffffffff80000000",                       # the W+X page
    "0xffffffff80400008",                       # through the shared PT
    "0xffffffff00000000",                       # reserved (bit 13, 1 GiB)
    "0xffffffff40000000",                       # reserved (bit 51, 1 GiB)
    "0xffffff0000000000",                       # recursive slot
    "0xffffff7fbfdfe000",                       # PML4 seen through itself
    "0x800000",                                 # not present (PD level)
    "0x80000000",                               # not present (PDPT level)
    "0x8000000000",                             # not present (PML4 level)
    "$pc",
]
WHEREIS_PHYS = ["0x200000", "0x207000", "0x101000"]
# Every table page of the fixture, as QEMU's monitor reads physical memory.
TABLE_PAGES = [0x101000 + 0x1000 * i for i in range(16)]
# Must fail with one line each. 0xdead000 is beyond the guest's 64 MiB of
# RAM; 0x10000000000 has bit 40 set, MAXPHYADDR is 40 (set by the test).
ERRORS = ["whereis 0x800000000000", "whereis --json 0xffff7fffffffffff",
          "vmlayout --table", "vmlayout --cr3 0xdead000",
          "vmlayout --wx --cr3 0xdead000",
          "vmlayout --pagetables --json --cr3 0x10000000000",
          # Physical addresses past MAXPHYADDR 40 (-1 is 2^64 - 1).
          "whereis --phys -- -1", "whereis --phys 0x10000000000",
          # pt_top as a root: its one present entry leads to a zero page
          # (0x203000), so the walk reaches no page at all.
          "vmlayout --wx --cr3 0x10d000",
          "vmlayout --pagetables --cr3 0x10d000"]
# With MAXPHYADDR 28, a root at 0x10101000 (bit 28 set): before, the bit
# was masked away and the real tables at 0x101000 were walked silently.
MAXPHY28_ERRORS = ["vmlayout --pagetables --json --cr3 0x10101000",
                   "vmlayout --wx --cr3 0x10101000"]


def run(cmd):
    try:
        return {"out": gdb.execute(cmd, to_string=True)}
    except gdb.error as e:
        return {"error": str(e)}


def run_json(cmd):
    r = run(cmd)
    if "out" in r:
        try:
            return {"value": json.loads(r["out"])}
        except ValueError as e:
            return {"error": "not JSON (%s): %r" % (e, r["out"][:500])}
    return r


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & ((1 << 64) - 1)


out = {
    "regs": {r: reg(r) for r in ("pc", "cr0", "cr3", "cr4", "efer")},
    "info_mem": run("monitor info mem"),
    "info_tlb": run("monitor info tlb"),
    "pagetables": run_json("vmlayout --pagetables --json"),
    "pagetables_text": run("vmlayout --pagetables"),
    "wx": run_json("vmlayout --wx --json"),
    "wx_text": run("vmlayout --wx"),
    "cr3": run_json("vmlayout --pagetables --json --cr3 0x101000"),
    "layout": run_json("vmlayout --json"),
    "whereis": {a: run_json("whereis --json " + a) for a in WHEREIS},
    "whereis_text": {a: run("whereis " + a) for a in
                     ("0x40000000", "0xffffffff00000000", "0x800000")},
    "phys": {a: run_json("whereis --json --phys " + a) for a in WHEREIS_PHYS},
    "errors": {c: run(c) for c in ERRORS},
    "maxphy28": run("set vmlayout-maxphyaddr 28"),
    "errors28": {c: run(c) for c in MAXPHY28_ERRORS},
    "maxphy40": run("set vmlayout-maxphyaddr 40"),
    "after_errors": run_json("vmlayout --wx --json"),
    "xp": {"%#x" % pa: run("monitor xp /512gx %#x" % pa)
           for pa in TABLE_PAGES + [0x203000]},
    # Just below MAXPHYADDR 40: a physical address, mapped nowhere.
    "phys_last": run("whereis --phys 0xffffffffff"),
}
out["phys_mode_after"] = run("maintenance packet qqemu.PhyMemMode")

with open(os.environ["VMLAYOUT_COLLECT_OUT"], "w") as f:
    json.dump(out, f)

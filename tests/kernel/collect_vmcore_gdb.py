# collect_vmcore_gdb.py — runs INSIDE GDB, connected to a stopped QEMU guest
# started with -device vmcoreinfo (tests/kernel/make-guest-vmcore).
#
# On one stopped guest: the live answers of the user's GDB commands
# (`vmlayout --json`, `vmlayout --pagetables --json`, `vmlayout --wx
# --json`, `whereis --json ADDR` for addresses picked from the live layout:
# the pc, the direct map, vmalloc space, modules, vmemmap, the user half,
# an unmapped one), then QEMU's `dump-guest-memory` of the same guest into
# $VMLAYOUT_VMCORE_FILE. Everything goes as JSON to $VMLAYOUT_COLLECT_OUT;
# the assertions live in test_vmcore.py. GDB has sourced vmlayout-gdb.py.

import json
import os
import traceback

import gdb

out = {"errors": [], "where": {}}


def step(name, fn):
    try:
        out[name] = fn()
    except BaseException:
        out["errors"].append("%s: %s" % (name, traceback.format_exc()))


def command_json(cmd):
    return json.loads(gdb.execute(cmd, to_string=True))


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & ((1 << 64) - 1)


step("regs", lambda: {r: reg(r) for r in ("cr3", "cr4", "efer", "pc")})
step("layout", lambda: command_json("vmlayout --json"))
step("pagetables", lambda: command_json("vmlayout --pagetables --json"))
step("wx", lambda: command_json("vmlayout --wx --json"))


def addresses():
    """One address of each kind the walk maps (the middle of the first
    range of that kind, so a 4K and a 2M page alike are inside), the pc,
    and an unmapped one."""
    picked = {"pc": out["regs"]["pc"], "unmapped": 0x10}
    for r in out["pagetables"]["ranges"]:
        if r["status"] != "mapped":
            continue
        kind = r["kind"]
        if kind not in picked:
            picked[kind] = r["start"] + (r["end"] - r["start"]) // 2
    base = out["layout"]["bases"]["page_offset_base"]["value"]
    picked["direct-map-of-pc"] = None    # filled from the pc's walk below
    return picked, base


def wheres():
    picked, base = addresses()
    res = {}
    for name, addr in picked.items():
        if addr is None:
            continue
        res[name] = {"addr": addr,
                     "json": command_json("whereis --json %#x" % addr)}
    phys = res["pc"]["json"].get("phys")
    if phys is not None:
        addr = base + phys
        res["direct-map-of-pc"] = {
            "addr": addr, "json": command_json("whereis --json %#x" % addr)}
        res["phys-of-pc"] = {
            "addr": phys,
            "json": command_json("whereis --phys --json %#x" % phys)}
    return res


step("where", wheres)


def slab_objects():
    """A few slab objects (whereis names a cache) found by asking the live
    guest about direct-map addresses, one every 256 KiB of the first
    256 MiB: the dump must name the same objects the same way."""
    base = out["layout"]["bases"]["page_offset_base"]["value"]
    found = {}
    for phys in range(1 << 20, 256 << 20, 256 << 10):
        addr = base + phys + 0x40
        j = command_json("whereis --json %#x" % addr)
        if j.get("object") and " of slab at " in j["object"]:
            found["slab-%d" % len(found)] = {"addr": addr, "json": j}
            if len(found) == 3:
                break
    return found


step("slab", slab_objects)
step("dump", lambda: gdb.execute("monitor dump-guest-memory %s"
                                 % os.environ["VMLAYOUT_VMCORE_FILE"],
                                 to_string=True))
# The kdump-compressed formats of the same guest (QEMU may be built without
# lzo or snappy: its answer is kept, the test skips those).
for opt, ext in (("-z", "zlib"), ("-l", "lzo"), ("-s", "snappy")):
    step("dump_" + ext, lambda opt=opt, ext=ext: gdb.execute(
        "monitor dump-guest-memory %s %s.%s"
        % (opt, os.environ["VMLAYOUT_VMCORE_FILE"], ext), to_string=True))
# The guest did not move while it was dumped: the same walk afterwards.
step("pagetables_after", lambda: command_json("vmlayout --pagetables --json"))

with open(os.environ["VMLAYOUT_COLLECT_OUT"], "w") as f:
    json.dump(out, f)

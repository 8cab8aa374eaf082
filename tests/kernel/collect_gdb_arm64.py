# collect_gdb_arm64.py — runs INSIDE gdb-multiarch, connected to a stopped
# qemu-system-aarch64 guest (Debian's arm64 kernel).
#
# Gathers vmlayout's answers (through the GDB bridge) and QEMU's own MMU's:
# for pages sampled from vmlayout's walk, the bytes read at the virtual
# address (QEMU translates) and at vmlayout's physical address (QEMU's
# physical-memory mode), `monitor gva2gpa`, and reads of addresses the walk
# says are unmapped. Writes everything as JSON to $VMLAYOUT_COLLECT_OUT; the
# assertions live in test_kernel_arm64.py.

import json
import os
import re
import sys
import time
import traceback

import gdb

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "python"))
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "gdbext"))
import vmlayout_gdb_qemu as qemu  # noqa: E402

U64 = (1 << 64) - 1
PAGE = 4096
MAX_MAPPED = int(os.environ.get("VMLAYOUT_ARM64_SAMPLES", "400"))
out = {"errors": []}


def step(name, fn):
    try:
        out[name] = fn()
    except BaseException:
        out["errors"].append("%s: %s" % (name, traceback.format_exc()))


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & U64


def kernel(query="layout", json_out=True, **kw):
    return qemu.run(qemu.KernelOptions(query, json=json_out, **kw))


def kjson(query="layout", **kw):
    return json.loads(kernel(query, True, **kw))


def read(addr, size=16):
    """Bytes at addr in the stub's current mode, or None when it fails."""
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size)).hex()
    except gdb.MemoryError:
        return None


def set_phys(on):
    answer = gdb.execute("maintenance packet Qqemu.PhyMemMode:%d" % on,
                         to_string=True)
    gdb.execute("maintenance flush dcache", to_string=True)
    return "OK" in answer


step("is_target", qemu.is_qemu_kernel_target)
step("arch", lambda: gdb.selected_inferior().architecture().name())
step("regs", lambda: {r: reg(r) for r in (
    "TTBR0_EL1", "TTBR1_EL1", "TCR_EL1", "MAIR_EL1", "SCTLR",
    "ID_AA64MMFR0_EL1", "pc", "cpsr")})
step("phys_mode_before", qemu.phys_mode_query)


def timed(fn):
    t = time.monotonic()
    before = qemu.session_stats()["remote_reads"]
    value = fn()
    return {"value": value, "seconds": time.monotonic() - t,
            "remote_reads": qemu.session_stats()["remote_reads"] - before}


step("pagetables", lambda: timed(lambda: kjson("pagetables")))
step("pagetables_again", lambda: timed(lambda: kjson("pagetables")))
step("phys_mode_after_walk", qemu.phys_mode_query)
step("walk_stats", qemu.walk_stats)
step("layout", lambda: kjson())
step("layout_text", lambda: kernel(json_out=False))
step("ptdump_text", lambda: kernel("pagetables", json_out=False))
step("wx", lambda: kjson("wx"))
step("wx_text", lambda: kernel("wx", json_out=False))
step("where_pc", lambda: kjson("where", addr=reg("pc")))
step("where_pc_text", lambda: kernel("where", json_out=False, addr=reg("pc")))
step("where_phys", lambda: kjson("phys", addr=out["where_pc"]["phys"]))
def where_noncanonical():
    """An address between the halves: one line, as the GDB command
    reports it."""
    try:
        return kernel("where", json_out=False, addr=0x0001000000000000)
    except qemu.KernelError as e:
        return str(e)


step("where_noncanonical", where_noncanonical)


def samples():
    """Mapped pages (first and last of each range, not Device memory),
    and unmapped ones (in the gaps of the walk, and between the halves)."""
    ranges = sorted(out["pagetables"]["value"]["ranges"],
                    key=lambda r: r["start"])
    mapped = []
    for r in ranges:
        if r["status"] != "mapped" or (r["memtype"] or "").startswith("Device"):
            continue
        last = min(r["end"], 1 << 64) - PAGE
        for va in sorted({r["start"], last}):
            mapped.append((va, r["phys"] + (va - r["start"])))
    if len(mapped) > MAX_MAPPED:
        step_n = len(mapped) / float(MAX_MAPPED)
        mapped = [mapped[int(i * step_n)] for i in range(MAX_MAPPED)]
    # Unmapped: right after each range and in the middle of its gap, when
    # nothing covers it (alias spans are mapped through shared tables).
    covered = [(r["start"], r["end"]) for r in ranges]
    halves = [(0, 1 << 48), ((1 << 64) - (1 << 48), 1 << 64)]

    def is_covered(va):
        return any(a <= va < b for a, b in covered)

    unmapped = []
    for i, r in enumerate(ranges):
        nxt = ranges[i + 1]["start"] if i + 1 < len(ranges) else 1 << 64
        for lo, hi in halves:
            if lo <= r["end"] < hi:
                nxt = min(nxt, hi)
        for va in (r["end"], r["end"] + ((nxt - r["end"]) // 2 & ~(PAGE - 1))):
            if va < nxt and va < 1 << 64 and not is_covered(va):
                unmapped.append(va)
    unmapped = sorted(set(unmapped))
    if len(unmapped) > MAX_MAPPED:
        step_n = len(unmapped) / float(MAX_MAPPED)
        unmapped = [unmapped[int(i * step_n)] for i in range(MAX_MAPPED)]
    # Between the halves: no TTBR translates these.
    between = [1 << 48, 0x0000ffffffffffff + 1 + 0x1000, 1 << 63,
               (1 << 64) - (1 << 48) - PAGE]
    return {"mapped": mapped, "unmapped": unmapped, "between": between}


step("samples", samples)


def reads():
    s = out["samples"]
    virt = [read(va) for va, _ in s["mapped"]]
    unmapped = [read(va, 8) for va in s["unmapped"] + s["between"]]
    phys = []
    ok = set_phys(1)
    try:
        phys = [read(pa) for _, pa in s["mapped"]]
    finally:
        set_phys(0)
    return {"virt": virt, "phys": phys, "phys_mode_ok": ok,
            "unmapped": unmapped}


step("reads", reads)


def gva2gpa():
    """QEMU's own translation of a subset of the samples."""
    res = []
    for va, _ in out["samples"]["mapped"][::4]:
        text = gdb.execute("monitor gva2gpa %#x" % va, to_string=True)
        m = re.search(r"gpa: (0x[0-9a-f]+)", text)
        res.append([va, int(m.group(1), 16) if m else None, text.strip()])
    return res


step("gva2gpa", gva2gpa)


def failed_wheres():
    """whereis of every mapped sample whose virtual read failed (the
    access flag, or a real disagreement)."""
    res = {}
    for (va, _), v in zip(out["samples"]["mapped"], out["reads"]["virt"]):
        if v is None:
            res[str(va)] = kjson("where", addr=va)
    return res


step("failed_wheres", failed_wheres)
step("phys_mode_end", qemu.phys_mode_query)

with open(os.environ["VMLAYOUT_COLLECT_OUT"], "w") as f:
    json.dump(out, f)

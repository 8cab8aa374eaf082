# collect_gdb.py — runs INSIDE GDB, connected to a stopped QEMU guest.
#
# Gathers, on one stopped guest, both vmlayout's answers (through
# python/vmlayout/qemu.py) and QEMU's own (monitor info mem / info tlb), then
# the interrupted-walk check, and writes everything as JSON to
# $VMLAYOUT_COLLECT_OUT. The assertions live in test_kernel.py.

import json
import os
import sys
import time
import traceback

import gdb

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "python"))
from vmlayout import qemu  # noqa: E402

out = {"errors": []}


def step(name, fn):
    try:
        out[name] = fn()
    except BaseException:
        out["errors"].append("%s: %s" % (name, traceback.format_exc()))


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & ((1 << 64) - 1)


def pc_bytes():
    return bytes(gdb.selected_inferior().read_memory(reg("pc"), 16)).hex()


step("is_target", qemu.is_qemu_kernel_target)
step("regs", lambda: {r: reg(r) for r in ("cr3", "cr4", "efer", "pc")})
step("phys_mode_before", qemu.phys_mode_query)
step("pc_bytes_before", pc_bytes)
step("info_mem", lambda: gdb.execute("monitor info mem", to_string=True))
step("info_tlb", lambda: gdb.execute("monitor info tlb", to_string=True))


def timed(fn):
    t = time.monotonic()
    before = qemu.session_stats()["remote_reads"]
    value = fn()
    return {"value": value, "seconds": time.monotonic() - t,
            "remote_reads": qemu.session_stats()["remote_reads"] - before}


step("pagetables", lambda: timed(
    lambda: json.loads(qemu.kernel_command(["--pagetables"], True))))
step("pagetables_again", lambda: timed(
    lambda: json.loads(qemu.kernel_command(["--pagetables", "--json"], False))))
step("phys_mode_after_walk", qemu.phys_mode_query)
step("wx", lambda: json.loads(qemu.kernel_command(["--wx"], True)))
step("same_cr3", lambda: json.loads(qemu.kernel_command(
    ["--pagetables", "--cr3", hex(out["regs"]["cr3"])], True)))
step("layout", lambda: json.loads(qemu.kernel_command([], True)))
step("layout_text", lambda: qemu.kernel_command([], False))
step("ptdump_text", lambda: qemu.kernel_command(["--pagetables"], False))
step("walk_stats", qemu.walk_stats)
step("where_pc", lambda: json.loads(qemu.kernel_whereis("$pc", True)))
step("where_pc_text", lambda: qemu.kernel_whereis("$pc", False))
step("where_null", lambda: json.loads(qemu.kernel_whereis(0x10, True)))


def where_direct():
    base = out["layout"]["bases"]["page_offset_base"]["value"]
    return json.loads(qemu.kernel_whereis(base + 0x100000, True))


step("where_direct", where_direct)


def where_direct_text():
    """The direct-map alias of the page RIP executes from."""
    base = out["layout"]["bases"]["page_offset_base"]["value"]
    return json.loads(qemu.kernel_whereis(base + out["where_pc"]["phys"],
                                          True))


step("where_direct_text", where_direct_text)


def where_phys():
    phys = out["where_pc"]["phys"]
    return json.loads(qemu.kernel_whereis(phys, True, phys=True))


step("where_phys", where_phys)


def interrupted():
    """A Ctrl-C in the middle of a walk (after 3 remote reads, with the
    cache dropped) must leave QEMU in virtual mode."""
    qemu._session.invalidate()
    qemu.interrupt_after(3)
    result = {"raised": None}
    try:
        qemu.kernel_command(["--pagetables"], True)
    except KeyboardInterrupt:
        result["raised"] = "KeyboardInterrupt"
    except BaseException as e:
        result["raised"] = type(e).__name__ + ": " + str(e)
    finally:
        qemu.interrupt_after(None)
    result["phys_mode"] = qemu.phys_mode_query()
    result["pc_bytes"] = pc_bytes()
    # And the next command works again.
    result["ranges_after"] = len(json.loads(
        qemu.kernel_command(["--pagetables"], True))["ranges"])
    return result


step("interrupted", interrupted)

with open(os.environ["VMLAYOUT_COLLECT_OUT"], "w") as f:
    json.dump(out, f)

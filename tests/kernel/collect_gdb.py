# collect_gdb.py — runs INSIDE GDB, connected to a stopped QEMU guest.
#
# Gathers, on one stopped guest, both vmlayout's answers (through the GDB
# bridge, gdbext/vmlayout_gdb_qemu.py) and QEMU's own (monitor info mem /
# info tlb), then
# the interrupted-walk check, and writes everything as JSON to
# $VMLAYOUT_COLLECT_OUT. The assertions live in test_kernel.py.

import json
import os
import sys
import time
import traceback

import gdb

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "python"))
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "gdbext"))
import vmlayout_gdb_qemu as qemu  # noqa: E402

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


def kernel(query="layout", json=True, **kw):
    """One kernel command, as vmlayout/whereis in GDB run it."""
    return qemu.run(qemu.KernelOptions(query, json=json, **kw))


def kjson(query="layout", **kw):
    return json.loads(kernel(query, True, **kw))


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


step("pagetables", lambda: timed(lambda: kjson("pagetables")))
step("pagetables_again", lambda: timed(lambda: kjson("pagetables")))
step("phys_mode_after_walk", qemu.phys_mode_query)
step("wx", lambda: kjson("wx"))
step("same_cr3", lambda: kjson(
    "pagetables", registers={"cr3": out["regs"]["cr3"]}))
step("layout", lambda: kjson())
step("layout_text", lambda: kernel(json=False))
step("ptdump_text", lambda: kernel("pagetables", json=False))
step("walk_stats", qemu.walk_stats)
step("where_pc", lambda: kjson("where", addr=reg("pc")))
step("where_pc_text", lambda: kernel("where", json=False, addr=reg("pc")))
step("where_null", lambda: kjson("where", addr=0x10))


def where_direct():
    base = out["layout"]["bases"]["page_offset_base"]["value"]
    return kjson("where", addr=base + 0x100000)


step("where_direct", where_direct)


def where_direct_text():
    """The direct-map alias of the page RIP executes from."""
    base = out["layout"]["bases"]["page_offset_base"]["value"]
    return kjson("where", addr=base + out["where_pc"]["phys"])


step("where_direct_text", where_direct_text)


def where_phys():
    phys = out["where_pc"]["phys"]
    return kjson("phys", addr=phys)


step("where_phys", where_phys)


def interrupted():
    """A Ctrl-C in the middle of a walk (after 3 remote reads, with the
    cache dropped) must leave QEMU in virtual mode."""
    qemu._session.invalidate()
    qemu.interrupt_after(3)
    result = {"raised": None}
    try:
        kernel("pagetables")
    except KeyboardInterrupt:
        result["raised"] = "KeyboardInterrupt"
    except BaseException as e:
        result["raised"] = type(e).__name__ + ": " + str(e)
    finally:
        qemu.interrupt_after(None)
    result["phys_mode"] = qemu.phys_mode_query()
    result["pc_bytes"] = pc_bytes()
    # And the next command works again.
    result["ranges_after"] = len(kjson("pagetables")["ranges"])
    return result


step("interrupted", interrupted)

with open(os.environ["VMLAYOUT_COLLECT_OUT"], "w") as f:
    json.dump(out, f)

"""The kernel objects behind an address, without vmlinux: whereis on a
QEMU guest names the task whose stack holds an address (pid, comm, CPU),
the module and part of a module address (and its symbol), the vmalloc
area of a vmalloc address (size and caller, as /proc/vmallocinfo), and
the CPU of a per-CPU address — all from the guest's own kallsyms and BTF
(vmlayout's symbols and types without vmlinux).

Truths, none computed by vmlayout: the test module tests/kernel/vmltest
prints the addresses it owns (its function, its data, a vmalloc buffer,
its per-CPU variable on each CPU, a kernel thread's pid, comm and stack),
and the guest's /init prints /proc/modules and /proc/vmallocinfo (with
kptr_restrict 1: real addresses) — all on the serial console, when the
kernel command line says vmlayout_facts (tests/kernel/make-guest). Two
CPUs, so "which CPU" means something; KASLR on and off, and 5-level paging
(LA57) with KASLR."""

import os
import re
import shutil
import tempfile

import pytest

from qemu_guest import QemuGuest, as_json, run_gdb


class FactsGuest(QemuGuest):
    """Debian's kernel with -smp 2 and vmlayout_facts on the command line:
    the initramfs loads vmltest and prints the guest's own view."""

    def __init__(self, files, workdir, extra="", cpu=None):
        cmd = ["qemu-system-x86_64", "-m", "512", "-smp", "2",
               "-kernel", os.path.join(files, "vmlinuz"),
               "-initrd", os.path.join(files, "initrd.cpio.gz"),
               "-append", ("console=ttyS0 quiet vmlayout_facts " +
                           extra).strip()]
        if cpu:
            cmd += ["-cpu", cpu]
        super().__init__(cmd, workdir, "facts")


def parse_vmltest(text):
    """The VMLTEST: lines of the module: {"func": addr, "data": addr,
    "vmalloc": (addr, size), "percpu": {cpu: addr},
    "kthread": (pid, comm, stack, cpu)}."""
    out = {"percpu": {}}
    for m in re.finditer(r"VMLTEST: (\w+) ([^\r\n]*)", text):
        kind, rest = m.group(1), m.group(2).split()
        if kind in ("func", "data"):
            out[kind] = int(rest[0], 16)
        elif kind == "vmalloc":
            out[kind] = (int(rest[0], 16), int(rest[1]))
        elif kind == "percpu":
            out[kind][int(rest[0])] = int(rest[1], 16)
        elif kind == "kthread":
            out[kind] = (int(rest[0]), rest[1], int(rest[2], 16),
                         int(rest[3]))
    return out


def parse_vmallocinfo(text):
    """[(start, end, size, caller, rest)] of /proc/vmallocinfo lines
    (start and end None when the kernel hid them: "(____ptrval____)")."""
    out = []
    for line in (text or "").splitlines():
        m = re.match(r"0x(\S+)-0x(\S+)\s+(\d+)\s+(\S+)(.*)", line)
        if m:
            addr = [int(a, 16) if re.match(r"[0-9a-f]+$", a) else None
                    for a in (m.group(1), m.group(2))]
            out.append((addr[0], addr[1], int(m.group(3)), m.group(4),
                        m.group(5)))
    return out


@pytest.fixture(scope="module", params=["kaslr", "nokaslr", "kaslr-5level"])
def run(request, guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-kobj-")
    g = FactsGuest(guest_files, workdir,
                   "nokaslr" if request.param == "nokaslr" else "",
                   "qemu64,+la57" if request.param.endswith("5level")
                   else None)
    try:
        facts = parse_vmltest(g.text)
        if "func" not in facts or "kthread" not in facts:
            pytest.skip("the test module vmltest did not load (no"
                        " linux-headers for the guest kernel?)")
        func, data = facts["func"], facts["data"]
        buf, _ = facts["vmalloc"]
        _, _, stack, _ = facts["kthread"]
        cmds = [("func", "whereis --json %#x" % func),
                ("func4", "whereis --json %#x" % (func + 4)),
                ("data", "whereis --json %#x" % data),
                ("vmalloc", "whereis --json %#x" % (buf + 0x10)),
                ("kthread", "whereis --json %#x" % (stack + 0x3f00)),
                ("kthread_text", "whereis %#x" % (stack + 0x3f00))]
        cmds += [("percpu%d" % cpu, "whereis --json %#x" % addr)
                 for cpu, addr in sorted(facts["percpu"].items())]
        m = re.search(r"VMLAYOUT-TASK (\d+) (\d+)", g.text)
        task = int(m.group(1))
        cmds += [("task", "vmlayout --task %d --json" % task),
                 ("task_text", "vmlayout --task %d" % task),
                 ("task_kthread", "vmlayout --task %d" % facts["kthread"][0])]
        truth = maps_rows(g.section("MAPS") or "")
        text_row = [r for r in truth if r[2] == "r-xp"][0]
        stack_row = [r for r in truth if r[6] == "[stack]"][0]
        cmds += [("task_where_text", "whereis --task %d --json %#x"
                  % (task, text_row[0] + 0x10)),
                 ("task_where_stack", "whereis --task %d --json %#x"
                  % (task, stack_row[1] - 8)),
                 ("task_where_plain", "whereis --task %d %#x"
                  % (task, text_row[0] + 0x10))]
        py = ("python import vmlayout_gdb_qemu as q; k = q._build_kernel({});"
              " q._reading(lambda: k.set_ksyms(q.kernel_symbols()));")
        cmds += [("py_object", py + " print(q._reading(lambda: k.object_at("
                  "%#x)))" % (stack + 0x3f00)),
                 ("py_maps", py + " print(q._reading(lambda: k.task_maps("
                  "%d))[0])" % task)]
        for cpu in sorted(facts["percpu"]):
            cmds += [("thread%d" % cpu, "thread %d" % (cpu + 1)),
                     ("sp%d" % cpu, "whereis --json $sp")]
        # Last: once GDB has the symbol file, its own commands name the
        # module's code (earlier answers are vmlayout's, not GDB's).
        cmds += [("modsyms_load", "vmlayout --load-symbols"),
                 ("modsyms_info", "info symbol %#x" % func),
                 ("modsyms_info4", "info symbol %#x" % (func + 4)),
                 ("modsyms_x", "x/i %#x" % func)]
        out = run_gdb(cmds, target_port=g.port)
        yield {"guest": g, "facts": facts, "out": out, "task": task}
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def module_line(run):
    """(name, size, base) of vmltest in the guest's /proc/modules."""
    for line in (run["guest"].section("MODULES") or "").splitlines():
        parts = line.split()
        if parts and parts[0] == "vmltest":
            return parts[0], int(parts[1]), int(parts[-2] if
                                                parts[-1].startswith("(")
                                                else parts[-1], 16)
    raise AssertionError("no vmltest in /proc/modules")


def test_module_function_names_module_text_and_symbol(run):
    _, size, base = module_line(run)
    func = run["facts"]["func"]
    assert base <= func < base + size
    w = as_json(run["out"], "func")
    assert w["symbol"] == "vmltest_function [vmltest]", w["symbol"]
    assert w["symbol_from"] == "module"
    assert w["kind"] == "modules"
    # The text part starts at the module's core base (/proc/modules).
    assert w["object"].startswith("module vmltest: text %#x-" % base), \
        w["object"]
    w4 = as_json(run["out"], "func4")
    assert w4["symbol"] == "vmltest_function+0x4 [vmltest]", w4["symbol"]


def test_module_data_names_module_data_and_symbol(run):
    _, size, base = module_line(run)
    data = run["facts"]["data"]
    assert base <= data < base + size
    w = as_json(run["out"], "data")
    assert w["symbol"] == "vmltest_data [vmltest]", w["symbol"]
    assert w["object"].startswith("module vmltest: data "), w["object"]
    m = re.search(r"data (0x[0-9a-f]+)-(0x[0-9a-f]+) ", w["object"])
    start, end = int(m.group(1), 16), int(m.group(2), 16)
    assert start <= data < end <= base + size


def test_vmalloc_buffer_is_its_vmallocinfo_area(run):
    buf, size = run["facts"]["vmalloc"]
    w = as_json(run["out"], "vmalloc")
    m = re.match(r"vmalloc area (0x[0-9a-f]+)-(0x[0-9a-f]+) (\d+) (\S+)"
                 r" pages=(\d+) vmalloc$", w["object"] or "")
    assert m, w["object"]
    start, end, area = int(m.group(1), 16), int(m.group(2), 16), \
        int(m.group(3))
    caller, pages = m.group(4), int(m.group(5))
    assert start == buf and end == start + area
    # The guest's own line for it: /proc/vmallocinfo hides addresses
    # before the RNG is seeded, so it is found by its caller, which is
    # the module's init code (freed after loading: a bare address there).
    lines = [l for l in parse_vmallocinfo(
        run["guest"].section("VMALLOCINFO"))
        if l[3].split("/")[0] == caller]
    assert len(lines) == 1, (caller, lines)
    vstart, vend, vsize, _, rest = lines[0]
    assert area == vsize
    if vstart is not None:
        assert (vstart, vend) == (start, end)
    assert pages == size // 4096
    assert "pages=%d vmalloc" % pages in rest


def test_kthread_stack_names_the_task(run):
    pid, comm, stack, cpu = run["facts"]["kthread"]
    w = as_json(run["out"], "kthread")
    want = 'stack of task %d "%s" (%#x-%#x +0x3f00; not running, last on' \
        ' CPU %d, saved sp ' % (pid, comm, stack, stack + 0x4000, cpu)
    assert w["object"].startswith(want), (want, w["object"])
    # The stack's own vmalloc area follows: 16 KiB and a guard page.
    assert "; vmalloc area %#x-%#x 20480 " % (stack, stack + 0x5000) in \
        w["object"], w["object"]
    assert 'stack of task %d "%s"' % (pid, comm) in \
        run["out"]["kthread_text"]


def test_percpu_names_the_cpu_and_variable(run):
    percpu = run["facts"]["percpu"]
    assert len(percpu) == 2
    for cpu in percpu:
        w = as_json(run["out"], "percpu%d" % cpu)
        assert w["object"].startswith("per-CPU area of CPU %d " % cpu), \
            w["object"]
        assert w["object"].endswith(": vmltest_counter [vmltest]"), \
            w["object"]


def test_each_cpus_sp_is_its_current_task(run):
    # GDB's thread N is QEMU's CPU N-1: the stack $sp is on belongs to
    # that CPU's current task.
    for cpu in run["facts"]["percpu"]:
        w = as_json(run["out"], "sp%d" % cpu)
        assert "current task of CPU %d," % cpu in (w["object"] or ""), \
            (cpu, w["object"])


def maps_rows(text):
    """(start, end, perms, offset, dev, inode, name) of maps lines."""
    rows = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5 or "-" not in parts[0]:
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        rows.append((start, end, parts[1], int(parts[2], 16), parts[3],
                     int(parts[4]), parts[5].strip() if len(parts) > 5
                     else ""))
    return rows


def test_task_layout_is_the_guests_maps(run):
    # The sleeping busybox process: its VMAs read from the guest's memory
    # (maple tree, files by their dentries) against its /proc/PID/maps.
    w = as_json(run["out"], "task")
    assert w["pid"] == run["task"] and w["comm"] == "sleep"
    truth = maps_rows(run["guest"].section("MAPS"))
    assert len(truth) >= 5
    assert maps_rows(w["maps"]) == truth
    assert [(r["start"], r["end"]) for r in w["layout"]["regions"]] == \
        [(r[0], r[1]) for r in truth]
    text = run["out"]["task_text"]
    assert text.startswith("task %d (sleep): page-table root mm->pgd 0x"
                           % run["task"]), text
    assert "[stack]" in text and "busybox" in text


def test_task_of_a_kernel_thread_says_so(run):
    pid = run["facts"]["kthread"][0]
    assert "vmlayout: task %d (vmltest) has no user memory: a kernel" \
        " thread" % pid in run["out"]["task_kthread"]


def test_whereis_in_a_task(run):
    truth = maps_rows(run["guest"].section("MAPS"))
    text_row = [r for r in truth if r[2] == "r-xp"][0]
    w = as_json(run["out"], "task_where_text")
    assert w["pid"] == run["task"] and w["comm"] == "sleep"
    assert (w["where"]["start"], w["where"]["end"]) == text_row[:2]
    assert w["where"]["path"] == text_row[6] == "/bin/busybox"
    assert w["where"]["perms"] == "r-xp"
    # Code that ran is in memory: its page tables map it, user, exec.
    assert w["mapped"] is True and w["page_size"] == 4096
    plain = run["out"]["task_where_plain"]
    assert "its page tables: mapped, 4 KiB page, physical 0x" in plain
    assert "user read-only executable" in plain, plain
    # The top of the stack holds the environment: mapped too.
    stack_row = [r for r in truth if r[6] == "[stack]"][0]
    ws = as_json(run["out"], "task_where_stack")
    assert (ws["where"]["start"], ws["where"]["end"]) == stack_row[:2]
    assert ws["where"]["kind"] == "stack" and ws["mapped"] is True


def test_python_kernel_object_at_and_task_maps(run):
    # The Python API gives what the commands give.
    assert run["out"]["py_object"].strip() == \
        as_json(run["out"], "kthread")["object"]
    assert maps_rows(run["out"]["py_maps"]) == \
        maps_rows(run["guest"].section("MAPS"))


def test_gdb_names_module_code_after_load_symbols(run):
    """The symbol file holds the loaded modules' symbols: GDB's own info
    symbol and x/i name vmltest_function at the address the module
    printed for it, in the module's text section."""
    out = run["out"]
    assert "symbol file" in out["modsyms_load"], out["modsyms_load"]
    func = run["facts"]["func"]
    assert re.match(r"vmltest_function in section vmltest\.text\b",
                    out["modsyms_info"].strip()), out["modsyms_info"]
    assert re.match(r"vmltest_function \+ 4 in section vmltest\.text\b",
                    out["modsyms_info4"].strip()), out["modsyms_info4"]
    m = re.search(r"(0x[0-9a-f]+) <vmltest_function(\+0)?>:",
                  out["modsyms_x"])
    assert m and int(m.group(1), 16) == func, out["modsyms_x"]

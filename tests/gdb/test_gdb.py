"""GDB integration tests: `vmlayout` and `whereis` in real GDB (batch mode)
on the fixture program, run locally, under gdbserver, attached, and on a
core written by gcore.

Truths come from outside vmlayout: the process's /proc/PID/maps, GDB's own
`info symbol` and `x/i`, readelf's section headers, and the addresses the
fixture prints itself."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import (FIXTURE, parse_facts, parse_maps, remove_fixture_file,
                      run_gdb, start_gdbserver, stop_process)

SELECT_SECOND_THREAD = (
    "python [t for t in gdb.selected_inferior().threads() "
    "if t.ptid[1] != gdb.selected_inferior().pid][0].switch()")
PRINT_MAPS = ("python print(open('/proc/%d/maps' % "
              "gdb.selected_inferior().pid).read())")
PRINT_LWP = "python print('lwp', gdb.selected_thread().ptid[1])"
DENY_MAPS = (
    "python import builtins, errno; _vml_real_open = builtins.open; "
    "builtins.open = lambda p, *a, **k: (_ for _ in ()).throw("
    "PermissionError(errno.EACCES, 'Permission denied', p)) "
    "if str(p).endswith('/maps') else _vml_real_open(p, *a, **k)")

# The whereis questions asked of every live target (label, command).
WHEREIS = [
    ("counter", "whereis --json &counter"),
    ("counter_sym", "info symbol &counter"),
    ("main", "whereis --json main"),
    ("main_x", "x/i main"),
    ("main_text", "whereis main"),
    ("bss", "whereis --json &fixture_bss[32768]"),
    ("rw", "whereis --json fixture_rw"),
    ("gap", "whereis --json fixture_rw - 100"),
    ("noncanonical", "whereis --json 0x0000800000000000"),
    (None, SELECT_SECOND_THREAD),
    ("thread_sp", "whereis --json $sp"),
    ("thread_lwp", PRINT_LWP),
    (None, "thread 1"),
]


def num(v):
    """JSON numbers may be written as integers or as "0x..." strings."""
    if isinstance(v, str):
        return int(v, 0)
    return v


def regions(doc):
    return [{**r, "start": num(r["start"]), "end": num(r["end"])}
            for r in doc["regions"]]


def region_at(doc, addr):
    found = [r for r in regions(doc) if r["start"] <= addr < r["end"]]
    assert len(found) == 1, "%#x in %d regions" % (addr, len(found))
    return found[0]


def same_lines_as_maps(doc, maps_text):
    truth = [(t["start"], t["end"], t["perms"], t["path"])
             for t in parse_maps(maps_text)]
    got = [(r["start"], r["end"], r["perms"], r.get("path"))
           for r in regions(doc)]
    assert truth, "no maps truth"
    assert got == truth


def assert_one_line_error(session, label, prefix):
    lines = session.lines(label)
    assert len(lines) == 1, "%s printed %r" % (label, lines)
    assert lines[0].startswith(prefix), lines[0]
    assert "Traceback" not in session.out[label]
    assert "Python Exception" not in session.out[label]


def readelf_section(path, name):
    """(sh_addr, sh_offset) of section name, from readelf -SW."""
    out = subprocess.run(["readelf", "-SW", path], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+"
                     r"([0-9a-f]+)", line)
        if m and m.group(1) == name:
            return int(m.group(2), 16), int(m.group(3), 16)
    raise AssertionError("no section %s in %s" % (name, path))


def exe_bias(maps_text):
    """Load bias of the fixture: start of its mapping at file offset 0
    (its lowest PT_LOAD has vaddr 0 when PIE; readelf would say)."""
    out = subprocess.run(["readelf", "-lW", FIXTURE], check=True,
                         capture_output=True, text=True).stdout
    loads = [int(l.split()[2], 16) for l in out.splitlines()
             if l.strip().startswith("LOAD")]
    first = min(t["start"] for t in parse_maps(maps_text)
                if t["path"] == FIXTURE and t["offset"] == 0)
    return first - min(loads) if "DYN" in subprocess.run(
        ["readelf", "-hW", FIXTURE], check=True, capture_output=True,
        text=True).stdout else 0


def x_i_text(out):
    """Instruction text of `x/i` output: what follows "<sym>:"."""
    line = [l for l in out.splitlines() if ">:" in l][0]
    return " ".join(line.split(">:", 1)[1].split())


# ------------------------------------------------------------------ sessions


@pytest.fixture(scope="module")
def local():
    """One GDB session: errors before run, then stopped in fixture_ready,
    every question, errors, a gcore, then the program exits."""
    tmp = tempfile.mkdtemp(prefix="vmlayout-gdbtest-")
    core = os.path.join(tmp, "fixture.core")
    commands = [
        ("pre_vmlayout", "vmlayout"),
        ("pre_whereis", "whereis main"),
        (None, "break fixture_ready"),
        (None, "run"),
        ("maps", PRINT_MAPS),
        ("json", "vmlayout --json"),
        ("picture", "vmlayout"),
        ("table", "vmlayout --table"),
        (None, "frame 1"),
        ("json_in_frame1", "vmlayout --json"),
        ("frame_after", "frame"),
        (None, "frame 0"),
    ] + WHEREIS + [
        (None, SELECT_SECOND_THREAD),
        ("lwp_before", PRINT_LWP),
        ("json_in_thread2", "vmlayout --json"),
        ("lwp_after", PRINT_LWP),
        (None, "thread 1"),
        ("err_noarg", "whereis"),
        ("err_nosym", "whereis nosuchsymbol"),
        ("err_option", "vmlayout --bogus"),
        ("err_whereis_option", "whereis --bogus main"),
        ("err_struct", "whereis $_siginfo"),
        ("err_kernel_option", "vmlayout --pagetables"),
        ("err_phys", "whereis --phys 0x1000"),
        ("err_cr3", "vmlayout --cr3"),
        ("err_syntax", "whereis 1 +"),
        ("err_noncanonical", "whereis 0x0000800000000000"),
        ("err_maxphy", "set vmlayout-maxphyaddr 60"),
        # /proc/PID/maps unreadable (as for another user's process when GDB
        # is not root): the bridge's open() is made to fail with EACCES,
        # after the layout cached at this stop is dropped (unreadable from
        # the start, maps would fail the first command already).
        (None, "python import vmlayout_gdb; vmlayout_gdb.invalidate()"),
        (None, DENY_MAPS),
        ("err_perm", "vmlayout"),
        (None, "python builtins.open = _vml_real_open"),
        ("show_maxphy", "show vmlayout-maxphyaddr"),
        ("main_again", "whereis --json main"),
        ("minus_one", "whereis --json -- -1"),
        (None, "set style enabled on"),
        ("styled_table", "vmlayout --table"),
        ("styled_json", "vmlayout --json"),
        (None, "set style enabled off"),
        ("plain_table", "vmlayout --table"),
        ("help_vmlayout", "help vmlayout"),
        ("help_whereis", "help whereis"),
        ("gcore_maps", PRINT_MAPS),
        ("gcore", "gcore " + core),
        (None, "continue"),
        ("exited_vmlayout", "vmlayout"),
        ("exited_whereis", "whereis 0x1000"),
        ("alive", "echo alive\\n"),
    ]
    try:
        session = run_gdb(commands, FIXTURE)
        session.core = core if os.path.exists(core) else None
        yield session
        remove_fixture_file(session.facts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_layout_json_equals_proc_maps(local):
    same_lines_as_maps(local.json("json"), local.out["maps"])


def test_picture_and_table(local):
    pic = local.out["picture"]
    assert "Traceback" not in pic and "vmlayout:" not in pic
    for label in ("picture", "table"):
        # Every mapped object's path is shown, e.g. the fixture itself.
        assert os.path.basename(FIXTURE) in local.out[label], label
    assert "%x" % local.facts["rw_anon"] in local.out["table"]


def test_fixture_regions_have_expected_kinds(local):
    doc, f = local.json("json"), local.facts
    # A PROT_NONE window below no stack is a reservation, not a guard.
    assert region_at(doc, f["guard"])["kind"] == "reserved"
    assert region_at(doc, f["rw_anon"])["kind"] == "mmap-anon"
    fm = region_at(doc, f["file_map"])
    assert fm["kind"] == "mmap-file" and fm["path"] == f["file_path"]
    assert region_at(doc, f["big_malloc"])["kind"] in ("heap", "mmap-anon")
    assert region_at(doc, f["fixture_bss"] + 32768)["kind"] == "bss"
    assert region_at(doc, f["counter"])["kind"] == "data"
    assert region_at(doc, f["main"])["kind"] == "text"
    stack = region_at(doc, f["thread_sp"])
    assert stack["kind"] == "thread-stack"
    assert stack["tid"] == f["thread_tid"]
    assert stack["tids"] == [f["thread_tid"]]
    # glibc's guard right below the thread's stack names that thread.
    guard = [r for r in doc["regions"] if r["end"] == stack["start"]]
    assert len(guard) == 1 and guard[0]["perms"] == "---p"
    assert guard[0]["kind"] == "guard" and guard[0]["tid"] == f["thread_tid"]


def test_selected_frame_and_thread_restored(local):
    assert local.out["frame_after"].lstrip().startswith("#1")
    same_lines_as_maps(local.json("json_in_frame1"), local.out["maps"])
    before = local.lines("lwp_before")
    assert before == local.lines("lwp_after")
    assert before == ["lwp %d" % local.facts["thread_tid"]]
    same_lines_as_maps(local.json("json_in_thread2"), local.out["maps"])


def check_counter(session, maps_text):
    w = session.json("counter")
    # GDB: "counter in section .data"
    assert re.match(r"counter in section \.data( of \S+)?$",
                    session.lines("counter_sym")[0])
    assert w["symbol"] == "counter" and num(w["symbol_offset"]) == 0
    assert w["section"] == ".data"
    sh_addr, sh_offset = readelf_section(FIXTURE, ".data")
    addr = session.facts["counter"]
    want = sh_offset + (addr - exe_bias(maps_text) - sh_addr)
    assert num(w["file_offset"]) == want


def test_whereis_counter(local):
    check_counter(local, local.out["maps"])


def check_main(session):
    w = session.json("main")
    assert w["symbol"] == "main" and num(w["symbol_offset"]) == 0
    assert w["section"] == ".text"
    assert " ".join(w["insn"].split()) == x_i_text(session.out["main_x"])
    assert num(w["address"]) == session.facts["main"]


def test_whereis_main(local):
    check_main(local)
    text = local.out["main_text"]
    assert "main" in text and "Traceback" not in text


def test_whereis_bss_and_rw(local):
    assert local.json("bss")["section"] == ".bss"
    assert local.json("bss")["symbol"] == "fixture_bss"
    rw = local.json("rw")
    assert rw["mapped"] is True and rw["kind"] == "mmap-anon"
    assert num(rw["start"]) == local.facts["rw_anon"]


def check_gap(session, maps_text):
    w = session.json("gap")
    assert w["mapped"] is False
    gap = w["gap"]
    # The fixture leaves exactly 4 pages unmapped below its RW mapping ...
    assert num(gap["size"]) == 4 * 4096
    # ... and /proc/PID/maps agrees.
    rows = parse_maps(maps_text)
    rw = session.facts["rw_anon"]
    below = max(t["end"] for t in rows if t["end"] <= rw)
    assert num(gap["start"]) == below
    assert num(gap["end"]) == rw
    assert num(gap["above"]["start"]) == rw


def test_whereis_gap(local):
    check_gap(local, local.out["maps"])


def test_whereis_noncanonical_is_an_answer(local):
    w = local.json("noncanonical")
    assert w["canonical"] is False
    assert w["mapped"] is False


def check_thread_sp(session):
    w = session.json("thread_sp")
    tid = session.facts["thread_tid"]
    assert session.lines("thread_lwp") == ["lwp %d" % tid]
    assert w["thread"]["tid"] == tid
    assert w["kind"] == "thread-stack"
    assert num(w["thread"]["sp"]) == num(w["address"])
    assert num(w["thread"]["above_sp"]) == 0


def test_whereis_thread_sp(local):
    check_thread_sp(local)


def test_errors_are_one_line(local):
    msg = ("the program is not being run: start it, attach to a process, "
           "or load a core file")
    assert_one_line_error(local, "pre_vmlayout", "vmlayout: " + msg)
    assert_one_line_error(local, "pre_whereis", "whereis: " + msg)
    assert_one_line_error(local, "err_noarg",
                          "whereis: missing address (usage: whereis "
                          "[--json] [--deref N] [--task PID] EXPR)")
    assert_one_line_error(local, "err_nosym",
                          "whereis: cannot evaluate 'nosuchsymbol': ")
    assert "nosuchsymbol" in local.out["err_nosym"]
    assert_one_line_error(local, "err_option", "vmlayout: unknown option")
    assert_one_line_error(local, "err_whereis_option",
                          "whereis: unknown option")
    assert_one_line_error(local, "err_struct",
                          "whereis: cannot use '$_siginfo' as an address: ")
    assert_one_line_error(local, "err_kernel_option",
                          "vmlayout: --pagetables needs a kernel target")
    assert_one_line_error(local, "err_phys",
                          "whereis: --phys needs a kernel target")
    assert_one_line_error(local, "err_cr3", "vmlayout: --cr3 needs a value")
    assert_one_line_error(local, "err_syntax",
                          "whereis: cannot evaluate '1 +': ")
    # In text mode a non-canonical address is an error line, like GDB's
    # "Cannot access memory"; --json answers with "canonical": false.
    assert_one_line_error(local, "err_noncanonical",
                          "whereis: 0x800000000000 is not canonical")
    assert_one_line_error(local, "err_perm", "vmlayout: cannot read /proc/")
    assert local.lines("err_perm")[0].endswith("/maps: Permission denied")
    # A bad MAXPHYADDR is refused and the previous value kept.
    assert_one_line_error(local, "err_maxphy", "vmlayout-maxphyaddr: 60 is "
                          "not a physical address width")
    assert local.lines("show_maxphy") == [
        "The physical address width vmlayout assumes is unknown (52 bits, "
        "the architectural maximum)."]
    assert_one_line_error(local, "exited_vmlayout", "vmlayout: " + msg)
    assert_one_line_error(local, "exited_whereis", "whereis: " + msg)
    # GDB kept going after every error.
    assert local.json("main_again")["symbol"] == "main"
    assert local.lines("alive") == ["alive"]


def test_colour_follows_gdb_styling(local):
    assert "\x1b[" in local.out["styled_table"]
    assert "\x1b[" not in local.out["plain_table"]
    assert "\x1b[" not in local.out["table"]      # batch: styling is off
    # JSON is for scripts: never coloured.
    same_lines_as_maps(local.json("styled_json"), local.out["maps"])


def test_whereis_negative_number_wraps(local):
    w = local.json("minus_one")
    assert num(w["address"]) == 0xffffffffffffffff
    assert w["canonical"] is True and w["half"] == "kernel"


def test_help_text(local):
    for cmd in ("vmlayout", "whereis"):
        text = local.out["help_" + cmd]
        assert "Usage: " + cmd in text
        assert "--json" in text


def test_completion():
    s = run_gdb([("c1", "complete vmlayout --t"),
                 ("c2", "complete vmlayout --"),
                 ("c3", "complete whereis --j"),
                 ("c4", "complete whereis fixture_gu")], FIXTURE)
    assert sorted(s.lines("c1")) == ["vmlayout --table", "vmlayout --task"]
    assert sorted(s.lines("c2")) == [
        "vmlayout --cr3", "vmlayout --crash", "vmlayout --json",
        "vmlayout --load-symbols",
        "vmlayout --max", "vmlayout --pagetables", "vmlayout --picture",
        "vmlayout --scan", "vmlayout --table", "vmlayout --task",
        "vmlayout --wx"]
    assert s.lines("c3") == ["whereis --json"]
    assert s.lines("c4") == ["whereis fixture_guard"]


# ------------------------------------------------------------------ core


def test_core_file(local):
    if not local.core:
        pytest.fail("gcore wrote no core:\n" + local.out["gcore"])
    s = run_gdb([(None, "core-file " + local.core),
                 ("json", "vmlayout --json"),
                 ("counter", "whereis --json &counter")], FIXTURE)
    doc = s.json("json")
    got = {(r["start"], r["end"]): r for r in regions(doc)}
    # Every file mapping of the process at dump time is in the core's
    # layout with its path (NT_FILE), and so is the RW mapping (PT_LOAD).
    for t in parse_maps(local.out["gcore_maps"]):
        if t["path"]:
            r = got.get((t["start"], t["end"]))
            assert r is not None, t
            assert r["path"] == t["path"]
    assert region_at(doc, local.facts["rw_anon"])["start"] == \
        local.facts["rw_anon"]
    w = s.json("counter")
    assert w["symbol"] == "counter" and w["section"] == ".data"


# ------------------------------------------------------------------ gdbserver


@pytest.fixture(scope="module")
def remote():
    server, port, pid = start_gdbserver([FIXTURE])
    try:
        commands = [
            (None, "target remote 127.0.0.1:%d" % port),
            (None, "break fixture_ready"),
            (None, "continue"),
            ("maps", "shell cat /proc/%d/maps" % pid),
            ("pid", "python print('pid', gdb.selected_inferior().pid)"),
            ("json", "vmlayout --json"),
        ] + WHEREIS + [
            (None, "kill"),
        ]
        session = run_gdb(commands, FIXTURE)
        session.pid = pid
    finally:
        # The program printed its facts to gdbserver's stdout.
        server_out = stop_process(server)
    session.facts = parse_facts(server_out)
    yield session
    remove_fixture_file(session.facts)


def test_remote_json_equals_proc_maps(remote):
    assert remote.lines("pid") == ["pid %d" % remote.pid]
    same_lines_as_maps(remote.json("json"), remote.out["maps"])


def test_remote_whereis_same_answers_as_local(remote, local):
    # ASLR is off in both GDB and gdbserver, so even addresses agree.
    for label in ("counter", "main", "bss"):
        r, l = remote.json(label), local.json(label)
        for key in ("symbol", "symbol_offset", "section", "file_offset"):
            assert r.get(key) == l.get(key), (label, key)
    assert remote.json("main")["insn"] == local.json("main")["insn"]
    assert " ".join(remote.json("main")["insn"].split()) == \
        x_i_text(remote.out["main_x"])
    assert num(remote.json("gap")["gap"]["size"]) == 4 * 4096
    w = remote.json("thread_sp")
    assert w["kind"] == "thread-stack"
    lwp = int(remote.lines("thread_lwp")[0].split()[1])
    assert w["thread"]["tid"] == lwp and lwp != remote.pid


# ------------------------------------------------------------------ attach


def test_attach_to_waiting_fixture():
    proc = subprocess.Popen([FIXTURE, "--wait"], stdout=subprocess.PIPE,
                            text=True)
    facts = {}
    try:
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            name, _, value = line.strip().partition(" ")
            facts[name] = value
        assert "thread_tid" in facts, "fixture did not get ready"
        s = run_gdb([(None, "attach %d" % proc.pid),
                     ("json", "vmlayout --json"),
                     ("main", "whereis --json main"),
                     ("main_x", "x/i main"),
                     ("thread_sp", "whereis --json fixture_thread_sp"),
                     (None, "detach")])
        with open("/proc/%d/maps" % proc.pid) as f:
            maps = f.read()
        same_lines_as_maps(s.json("json"), maps)
        w = s.json("main")
        assert w["symbol"] == "main"
        assert " ".join(w["insn"].split()) == x_i_text(s.out["main_x"])
        t = s.json("thread_sp")
        assert t["thread"]["tid"] == int(facts["thread_tid"])
        assert t["kind"] == "thread-stack"
    finally:
        stop_process(proc)

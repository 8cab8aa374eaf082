"""A gdbstub without QEMU's physical-memory mode (issue 4): vmlayout says so
in one line and reads the page tables through the kernel's direct map.

QEMU always knows `Qqemu.PhyMemMode`, so the test simulates a stub that does
not: in one GDB session on a `nokaslr` 4-level guest (where the direct map
is at mm.rst's documented 0xffff888000000000, which the guest's own
/proc/kcore headers confirm), it first records `vmlayout --pagetables --json`
and `whereis --json $pc` normally, then, from GDB's `python` command,
replaces the bridge's (gdbext/vmlayout_gdb_qemu.py) packet function so
that every PhyMemMode packet is
answered "" without reaching QEMU (what a stub answers to a packet it does
not know) and its phys_mode_query likewise, forgets the session's decision
and page cache, and runs the same commands again. Truths: the physical-mode
run of the same stopped guest, the packets actually sent (recorded by the
wrapper), the guest's kcore headers, and QEMU's own answer to
`qqemu.PhyMemMode` once the originals are back.

With --json the note goes to GDB's error stream (the JSON stays one
document); run_gdb merges both streams, so the note is still the first line
of the command's output."""

import json
import os
import re
import shutil
import tempfile

import pytest

from conftest import Guest
from test_kernel import truth_bases
from qemu_guest import run_gdb

DIRECT_DEFAULT = 0xffff888000000000     # mm.rst, 4-level, without KASLR
NOTE = re.compile(r"^vmlayout: this gdbstub has no physical-memory mode\b")

# Runs inside GDB (`source`d after vmlayout-gdb.py): the switches the GDB
# commands below call with `python NAME()`.
HELPER = r'''
import json

import gdb

import vmlayout_gdb_qemu as qemu

_orig = {"packet": qemu._packet, "query": qemu.phys_mode_query}
_sent = []


def _recording_packet(text):
    _sent.append(text)
    return _orig["packet"](text)


def _stub_without_phys_packet(text):
    """A stub that does not know QEMU's packet answers it with an empty
    reply; nothing about PhyMemMode reaches QEMU."""
    _sent.append(text)
    if text.lower().startswith("qqemu.phymemmode"):
        return ""
    return _orig["packet"](text)


def _forget():
    s = qemu._session
    s.phys_supported = None
    s.direct_base = None
    s.invalidate()          # the page cache too: the next walk reads again


def nophys_record():
    qemu._packet = _recording_packet


def nophys_simulate():
    del _sent[:]
    qemu._packet = _stub_without_phys_packet
    qemu.phys_mode_query = lambda: ""
    _forget()


def nophys_invalidate():
    qemu._session.invalidate()


def nophys_restore():
    qemu._packet = _orig["packet"]
    qemu.phys_mode_query = _orig["query"]
    _forget()


def nophys_report():
    s = qemu._session
    gdb.write(json.dumps({
        "sent": list(_sent),
        "remote_reads": qemu.session_stats()["remote_reads"],
        "phys_supported": s.phys_supported,
        "direct_base": s.direct_base,
        "phys_on": s.phys_on,
        "patched": qemu._packet is not _orig["packet"],
    }) + "\n")
'''


def note_and_json(text, label):
    """(note lines, parsed JSON) of a command's output whose JSON follows
    any note lines."""
    lines = text.splitlines()
    notes = [l for l in lines if "physical-memory mode" in l]
    start = next((i for i, l in enumerate(lines) if l.startswith("{")), None)
    assert start is not None, "%s: no JSON in:\n%s" % (label, text[:2000])
    try:
        value = json.loads("\n".join(lines[start:]))
    except ValueError:
        raise AssertionError("%s: not JSON:\n%s" % (label, text[:2000]))
    return lines[:start], notes, value


@pytest.fixture(scope="module")
def run(guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-nophys-")
    g = Guest("nokaslr-4level", guest_files, workdir)
    try:
        helper = os.path.join(workdir, "nophys_helper.py")
        with open(helper, "w") as f:
            f.write(HELPER)
        cmds = [
            (None, "target remote 127.0.0.1:%d" % g.port),
            (None, "source " + helper),
            ("query_before", "maintenance packet qqemu.PhyMemMode"),
            ("pc_bytes_before", "x/4gx $pc"),
            (None, "python nophys_record()"),
            # Physical mode, as QEMU really offers it.
            ("phys_pt", "vmlayout --pagetables --json"),
            ("phys_report_pt", "python nophys_report()"),
            ("phys_where", "whereis --json $pc"),
            ("phys_report", "python nophys_report()"),
            # A stub without the mode.
            (None, "python nophys_simulate()"),
            ("fb_pt", "vmlayout --pagetables --json"),
            ("fb_report_pt", "python nophys_report()"),
            (None, "python nophys_invalidate()"),
            ("fb_where", "whereis --json $pc"),
            ("fb_where_text", "whereis $pc"),
            ("fb_report", "python nophys_report()"),
            # Back to the real stub.
            (None, "python nophys_restore()"),
            ("restored_report", "python nophys_report()"),
            ("query_after", "maintenance packet qqemu.PhyMemMode"),
            ("pc_bytes_after", "x/4gx $pc"),
        ]
        out = run_gdb(cmds)
        yield {"guest": g, "out": out}
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(run, label):
    return json.loads(run["out"][label].strip().splitlines()[-1])


def stub_answer(text):
    m = re.search(r'received: "(.*)"', text)
    assert m, text
    return m.group(1)


def test_documented_direct_map_is_right_without_kaslr(run):
    # Independent truth for the note's address: the guest's kcore headers.
    assert truth_bases(run["guest"])["page_offset_base"] == DIRECT_DEFAULT


def test_physical_mode_run_uses_the_packet(run):
    out = run["out"]
    assert stub_answer(out["query_before"]) == "0"
    pre, notes, pt = note_and_json(out["phys_pt"], "phys_pt")
    assert notes == [] and pre == []
    assert len(pt["ranges"]) > 10
    r = report(run, "phys_report")
    # The wrapper sees the real switches: proof that it would see them in
    # the fallback run too.
    assert "Qqemu.PhyMemMode:1" in r["sent"]
    assert r["sent"][-1] == "Qqemu.PhyMemMode:0"
    assert r["phys_supported"] is True and r["direct_base"] is None
    assert r["remote_reads"] > 0


def test_fallback_says_so_in_one_line(run):
    pre, notes, _ = note_and_json(run["out"]["fb_pt"], "fb_pt")
    assert len(pre) == 1 and notes == pre, run["out"]["fb_pt"][:2000]
    assert NOTE.match(pre[0]), pre[0]
    assert "%#x" % DIRECT_DEFAULT in pre[0], pre[0]
    # The text output of whereis starts with the same line.
    first = run["out"]["fb_where_text"].splitlines()[0]
    assert first == pre[0]
    assert sum("physical-memory mode" in l for l in
               run["out"]["fb_where_text"].splitlines()) == 1


def test_fallback_ranges_are_the_physical_mode_ranges(run):
    _, _, phys = note_and_json(run["out"]["phys_pt"], "phys_pt")
    _, _, fb = note_and_json(run["out"]["fb_pt"], "fb_pt")
    assert fb["ranges"] == phys["ranges"]
    assert fb == phys


def test_fallback_sends_no_phys_mode_switch(run):
    r = report(run, "fb_report")
    assert r["patched"]
    assert not [p for p in r["sent"] if p.startswith("Qqemu.PhyMemMode:")], \
        r["sent"]
    assert r["phys_supported"] is False
    assert r["direct_base"] == DIRECT_DEFAULT
    assert r["phys_on"] is False


def test_fallback_really_read_the_tables_again(run):
    # The cache was dropped: the fallback walk read every table page again,
    # once each, through the direct map (as many pages as in physical mode).
    phys_walk = report(run, "phys_report_pt")["remote_reads"]
    before = report(run, "phys_report")["remote_reads"]
    after = report(run, "fb_report_pt")["remote_reads"]
    assert phys_walk > 10
    assert after - before == phys_walk
    # whereis after another invalidate read its walk again too.
    assert report(run, "fb_report")["remote_reads"] > after


def test_fallback_whereis_gives_the_same_walk(run):
    phys = json.loads(run["out"]["phys_where"])
    pre, _, fb = note_and_json(run["out"]["fb_where"], "fb_where")
    assert len(pre) == 1 and NOTE.match(pre[0])
    assert fb == phys
    assert phys["mapped"] and phys["kind"] == "kernel-text"
    # 4-level paging: the walk starts at the PML4 (it may end early at a
    # large page, as the kernel text's 2 MiB pages do).
    assert phys["levels"][0]["level"] == 4


def test_originals_restored_and_qemu_in_virtual_mode(run):
    out = run["out"]
    r = report(run, "restored_report")
    assert not r["patched"]
    assert r["phys_supported"] is None and r["direct_base"] is None
    assert stub_answer(out["query_after"]) == "0"
    assert out["pc_bytes_after"] == out["pc_bytes_before"]

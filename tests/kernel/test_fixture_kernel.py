"""vmlayout's kernel commands on a fixture "kernel" of ours whose page tables
are known by construction (tests/kernel/fixture_kernel/stub.S): 1 GiB pages,
a W+X page, both edges of the non-canonical hole, the very last page, a
recursive PML4 entry, two PD entries sharing one PT, and entries with
reserved bits. Every expected answer below is written by hand from the
Intel SDM's 4-level paging rules and mm.rst; none is computed by vmlayout.
QEMU's own `info mem` / `info tlb` / `xp` on the same stopped guest are the
second truth."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from qemu_guest import GDB, TOP_SRCDIR, free_port
from test_kernel import outside, parse_info_tlb

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixture_kernel")
TOP = 1 << 64
K = 1 << 10
M = 1 << 20
G = 1 << 30
NX = 1 << 63

# ------------------------------------------------------------ the truth

# Every non-zero entry of every table page: {table: {index: raw value}}.
# Entry = address | flags with A (0x20) preset, D (0x40) preset in leaves:
# TABLE P|RW|US = 0x27, TABLE P|RW = 0x23.
TABLES = {
    0x101000: {0: 0x102027, 255: 0x105027, 256: 0x108023,      # PML4
               510: 0x101023, 511: 0x10b023},
    0x102000: {0: 0x103027, 1: NX | 0xc0000000 | 0x1e3},       # PDPT for 0
    0x103000: {0: 0x0000e1, 1: 0x2000e1, 2: 0x104027},         # PD for 0
    0x104000: {0: NX | 0x200065},                              # PT 4 MiB
    0x105000: {511: 0x106027},                                 # PML4[255]
    0x106000: {511: 0x107027},
    0x107000: {511: NX | 0x201067},
    0x108000: {0: 0x109023},                                   # PML4[256]
    0x109000: {0: 0x10a023},
    0x10a000: {0: NX | 0x202163},
    0x10b000: {508: NX | 0x80002000 | 0xe1,                    # PML4[511]
               509: NX | (1 << 51) | 0x40000000 | 0xe3,
               510: 0x10e023, 511: 0x10c023},
    0x10c000: {511: 0x10d023},
    0x10d000: {511: NX | 0x203161},
    0x10e000: {0: 0x10f023, 1: 0x110023, 2: 0x110023},         # kernel PD
    0x10f000: {0: 0x204063, 1: 0x205061, 2: NX | 0x206063},
    0x110000: {0: NX | 0x207063, 1: NX | 0x208063},            # shared PT
}
CR3 = 0x101000

# The whole --pagetables answer, range by range (coalesced as the SDM's
# leaves join: contiguous va and pa, same size, level and permissions).
# (start, end, phys, page_size, level, user, write, nx, global, kind)
MAPPED = [
    (0x0, 0x400000, 0x0, 2 * M, 2, False, False, False, False, "user"),
    (0x400000, 0x401000, 0x200000, 4 * K, 1, True, False, True, False,
     "user"),
    (0x40000000, 0x80000000, 0xc0000000, G, 3, False, True, True, True,
     "user"),
    (0x7ffffffff000, 0x800000000000, 0x201000, 4 * K, 1, True, True, True,
     False, "user"),
    # mm.rst: the guard hole at the start of the kernel half is unnamed.
    (0xffff800000000000, 0xffff800000001000, 0x202000, 4 * K, 1, False, True,
     True, True, "kernel"),
    (0xffffffff80000000, 0xffffffff80001000, 0x204000, 4 * K, 1, False, True,
     False, False, "kernel-text"),
    (0xffffffff80001000, 0xffffffff80002000, 0x205000, 4 * K, 1, False,
     False, False, False, "kernel-text"),
    (0xffffffff80002000, 0xffffffff80003000, 0x206000, 4 * K, 1, False, True,
     True, False, "kernel-text"),
    (0xffffffff80200000, 0xffffffff80202000, 0x207000, 4 * K, 1, False, True,
     True, False, "kernel-text"),
    # mm.rst: the last 2 MiB are an unused hole, unnamed.
    (0xfffffffffffff000, TOP, 0x203000, 4 * K, 1, False, False, True, True,
     "kernel"),
]
# Problem spans: (start, end, status, level, table or frame address, kind).
PROBLEMS = [
    # PML4[510] points at the PML4: the table was already walked.
    (0xffffff0000000000, 0xffffff8000000000, "alias", 4, 0x101000, "espfix"),
    # 1 GiB leaf with bit 13 set: bits 29:13 of a 1 GiB PDPTE are reserved.
    (0xffffffff00000000, 0xffffffff40000000, "reserved", 3, 0x80000000,
     "kernel"),
    # PD_k[2] points at the PT PD_k[1] already used.
    (0xffffffff80400000, 0xffffffff80600000, "alias", 2, 0x110000,
     "kernel-text"),
]
# 1 GiB leaf with address bit 51 set: reserved, since qemu64's MAXPHYADDR
# is 40 (QEMU's default phys-bits for TCG).
BIT51 = (0xffffffff40000000, 0xffffffff80000000, "reserved", 3)
# Where vmlayout cannot compare with QEMU page by page: QEMU descends the
# recursive and shared tables and ignores reserved bits.
EXCLUDED = [(0xffffff0000000000, 0xffffff8000000000),
            (0xffffffff00000000, 0xffffffff80000000),
            (0xffffffff80400000, 0xffffffff80600000)]
WX = [(0xffffffff80000000, 0xffffffff80001000)]

# whereis: address -> (walk as [(level, table, index)], result).
# result: ("mapped", phys, page_size) or (status, stop_level).
L4 = [(4, CR3, 0)]
WALKS = {
    "0x40000000": (L4 + [(3, 0x102000, 1)], ("mapped", 0xc0000000, G)),
    "0x52345678": (L4 + [(3, 0x102000, 1)],
                   ("mapped", 0xc0000000 + 0x12345678, G)),
    "0x7ffffffff000": ([(4, CR3, 255), (3, 0x105000, 511), (2, 0x106000, 511),
                        (1, 0x107000, 511)], ("mapped", 0x201000, 4 * K)),
    "0x7fffffffffff": ([(4, CR3, 255), (3, 0x105000, 511), (2, 0x106000, 511),
                        (1, 0x107000, 511)], ("mapped", 0x201fff, 4 * K)),
    "0xffff800000000000": ([(4, CR3, 256), (3, 0x108000, 0),
                            (2, 0x109000, 0), (1, 0x10a000, 0)],
                           ("mapped", 0x202000, 4 * K)),
    "0xffff800000000fff": ([(4, CR3, 256), (3, 0x108000, 0),
                            (2, 0x109000, 0), (1, 0x10a000, 0)],
                           ("mapped", 0x202fff, 4 * K)),
    "0xfffffffffffff000": ([(4, CR3, 511), (3, 0x10b000, 511),
                            (2, 0x10c000, 511), (1, 0x10d000, 511)],
                           ("mapped", 0x203000, 4 * K)),
    "-1": ([(4, CR3, 511), (3, 0x10b000, 511), (2, 0x10c000, 511),
            (1, 0x10d000, 511)], ("mapped", 0x203fff, 4 * K)),
    "0x400000": (L4 + [(3, 0x102000, 0), (2, 0x103000, 2), (1, 0x104000, 0)],
                 ("mapped", 0x200000, 4 * K)),
    "0xffffffff80000000": ([(4, CR3, 511), (3, 0x10b000, 510),
                            (2, 0x10e000, 0), (1, 0x10f000, 0)],
                           ("mapped", 0x204000, 4 * K)),
    # The second PD entry of the shared PT translates like the first.
    "0xffffffff80400008": ([(4, CR3, 511), (3, 0x10b000, 510),
                            (2, 0x10e000, 2), (1, 0x110000, 0)],
                           ("mapped", 0x207008, 4 * K)),
    "0xffffffff00000000": ([(4, CR3, 511), (3, 0x10b000, 508)],
                           ("reserved", 3)),
    # Through the recursive slot: the PML4 serves as PDPT, PDPT_low as
    # PD, PD_low as PT: PD_low[0] (0xe1) read as a PTE maps frame 0, with
    # bit 7 meaning PAT there.
    "0xffffff0000000000": ([(4, CR3, 510), (3, CR3, 0), (2, 0x102000, 0),
                            (1, 0x103000, 0)], ("mapped", 0x0, 4 * K)),
    # Index 510 at every level: the PML4 itself.
    "0xffffff7fbfdfe000": ([(4, CR3, 510), (3, CR3, 510), (2, CR3, 510),
                            (1, CR3, 510)], ("mapped", CR3, 4 * K)),
    "0x800000": (L4 + [(3, 0x102000, 0), (2, 0x103000, 4)],
                 ("not-present", 2)),
    "0x80000000": (L4 + [(3, 0x102000, 2)],
                   ("not-present", 3)),
    "0x8000000000": ([(4, CR3, 1)], ("not-present", 4)),
}
# whereis kind by mm.rst (kernel half only: the user half has no slot).
WHERE_KIND = {"0xffff800000000000": "kernel", "0xfffffffffffff000": "kernel",
              "0xffffffff80000000": "kernel-text",
              "0xffffffff80400008": "kernel-text",
              "0xffffffff00000000": "kernel",
              "0xffffff0000000000": "espfix"}
# whereis --phys: every virtual address whose walk ends in a leaf holding
# the page. Through the recursive PML4[510] (k times at the top), the PML4
# serves as PDPT (k=1), PD (k=2) or PT (k=3), every lower table one level
# down: PD_low read as a PT maps 0x200000 at PTE 1 (0xffffff0000001000),
# the PML4 read as a PT maps itself at PTE 510. No other leaf read that way
# holds these pages (the 4 KiB frames are 0, 0x200000, the table pages,
# 0xc0000000 and 0x80002000; the one 2 MiB leaf is at 0xc0000000).
PHYS = {"0x200000": {0x200000: "user", 0x400000: "user",
                     0xffffff0000001000: "espfix"},
        "0x207000": {0x207000: "user", 0xffffffff80200000: "kernel-text",
                     0xffffffff80400000: "kernel-text"},
        "0x101000": {0x101000: "user", 0xffffff7fbfdfe000: "espfix"}}
# ... of those, the ones only reachable through a shared or recursive
# table (an "alias" range of the walk).
PHYS_VIA_ALIAS = {"0x207000": 0xffffffff80400000,
                  "0x101000": 0xffffff7fbfdfe000}

# ------------------------------------------------------------ running it


def _tool_missing():
    for tool in ("qemu-system-x86_64", GDB, "gcc", "ld", "objcopy", "nm"):
        if not shutil.which(tool):
            return tool
    return None


def _spin_address(elf64):
    out = subprocess.run(["nm", elf64], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"^([0-9a-f]+) T spin$", out, re.M)
    assert m, "no spin symbol in the fixture kernel"
    return int(m.group(1), 16)


@pytest.fixture(scope="module")
def fixture():
    """Build the stub, boot it stopped, run to the spin loop, collect every
    answer from one GDB session (fixture_kernel/collect.py)."""
    missing = _tool_missing()
    if missing:
        pytest.skip("%s not installed" % missing)
    workdir = tempfile.mkdtemp(prefix="vmlayout-fixture-kernel-")
    qemu = None
    try:
        r = subprocess.run([os.path.join(FIXTURE, "build"), workdir],
                           capture_output=True, text=True, timeout=120)
        if r.returncode == 2:      # a tool is missing
            pytest.skip("cannot build the fixture kernel: %s" % r.stderr)
        assert r.returncode == 0, "fixture build failed:\n" + r.stderr
        elf = r.stdout.strip().splitlines()[-1]
        elf64 = os.path.join(workdir, "stub64.elf")
        spin = _spin_address(elf64)
        port = free_port()
        qemu = subprocess.Popen(
            ["qemu-system-x86_64", "-kernel", elf, "-m", "64",
             "-cpu", "qemu64,+pdpe1gb", "-nodefaults", "-display", "none",
             "-serial", "none", "-no-reboot", "-S",
             "-gdb", "tcp:127.0.0.1:%d" % port],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        out = os.path.join(workdir, "collect.json")
        env = dict(os.environ, VMLAYOUT_COLLECT_OUT=out)
        env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python") + (
            ":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        cmd = [GDB, "-nx", "-batch", "-ex", "set pagination off",
               "-ex", "source " + os.path.join(TOP_SRCDIR, "gdbext",
                                               "vmlayout-gdb.py"),
               "-ex", "symbol-file " + elf64,
               # qemu64's physical address width: bit 51 is then reserved.
               "-ex", "set vmlayout-maxphyaddr 40",
               "-ex", "target remote 127.0.0.1:%d" % port,
               # A hardware breakpoint: it holds before and after paging.
               "-ex", "hbreak *%#x" % spin, "-ex", "continue",
               "-ex", "delete",
               "-x", os.path.join(FIXTURE, "collect.py")]
        # QEMU may not listen yet: retry the connection a few times.
        deadline = time.monotonic() + 60
        while True:
            r = subprocess.run(cmd, env=env, capture_output=True, text=True,
                               timeout=300)
            if os.path.exists(out) or time.monotonic() > deadline or \
                    qemu.poll() is not None:
                break
            time.sleep(0.5)
        assert os.path.exists(out), "GDB wrote nothing:\n%s\n%s\n%s" % (
            r.stdout, r.stderr,
            qemu.stderr.read().decode(errors="replace")
            if qemu.poll() is not None else "")
        with open(out) as f:
            c = json.load(f)
        c["spin"] = spin
        yield c
    finally:
        if qemu is not None and qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def ok(entry):
    assert "error" not in entry, entry["error"]
    return entry["value"] if "value" in entry else entry["out"]


def parse_xp(text):
    """QEMU `xp /512gx`: "0000000000101000: 0x0000000000102027 0x..." """
    words = []
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+):((?: 0x[0-9a-f]{16})+)\s*$", line.strip())
        if m:
            words += [int(w, 16) for w in m.group(2).split()]
    return words


def canonical_end(start, end):
    """QEMU's info mem prints the end of a range ending at the hole as
    ffff800000000000 and one ending at 2^64 as 0001000000000000."""
    if end <= start:
        return TOP
    if start < 1 << 47 and end == 0xffff800000000000:
        return 1 << 47
    return end


def parse_info_mem(text):
    out = []
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{16})-([0-9a-f]{16}) [0-9a-f]{16} ([u-]r[w-])$",
                     line.strip())
        if m:
            start = int(m.group(1), 16)
            out.append((start, canonical_end(start, int(m.group(2), 16)),
                        m.group(3)))
    return out


def excluded(va):
    return any(lo <= va < hi for lo, hi in EXCLUDED)


def minus_excluded(intervals):
    """(start, end, perms) minus EXCLUDED, re-merged."""
    return outside(intervals, EXCLUDED)


# ------------------------------------------------------------ tests


def test_fixture_is_what_the_table_says(fixture):
    """The guest's memory (QEMU's xp) holds exactly TABLES: otherwise
    every other test here would check the wrong truth."""
    c = fixture
    assert c["regs"]["pc"] == c["spin"]
    assert c["regs"]["cr3"] == CR3
    assert c["regs"]["cr0"] & 0x80000001 == 0x80000001      # PG, PE
    assert c["regs"]["cr4"] & 0x20 and not c["regs"]["cr4"] & (1 << 12)
    assert c["regs"]["efer"] & 0xd00 == 0xd00               # LME LMA NXE
    for table in sorted(TABLES):
        words = parse_xp(ok(c["xp"]["%#x" % table]))
        assert len(words) == 512, hex(table)
        got = {i: w for i, w in enumerate(words) if w}
        assert got == TABLES[table], hex(table)


def test_pagetables_json_is_the_hand_table(fixture):
    ranges = ok(fixture["pagetables"])["ranges"]
    by_start = {r["start"]: r for r in ranges}
    assert len(by_start) == len(ranges)
    # Every range is one of ours (the bit-51 one is checked on its own).
    expected = {m[0] for m in MAPPED} | {p[0] for p in PROBLEMS}
    assert set(by_start) - {BIT51[0]} == expected
    for start, end, phys, size, level, user, write, nx, glb, kind in MAPPED:
        r = by_start[start]
        got = (r["end"], r["phys"], r["page_size"], r["level"], r["status"],
               r["user"], r["write"], r["nx"], r["global"], r["kind"])
        assert got == (end, phys, size, level, "mapped", user, write, nx,
                       glb, kind), hex(start)
        assert (r["pat"], r["pcd"], r["pwt"], r["pkey"]) == \
            (False, False, False, 0), hex(start)
    for start, end, status, level, addr, kind in PROBLEMS:
        r = by_start[start]
        assert (r["end"], r["status"], r["level"], r["phys"], r["kind"]) == \
            (end, status, level, addr, kind), hex(start)
    # The same root given with --cr3 walks the same tables.
    assert ok(fixture["cr3"]) == ok(fixture["pagetables"])


def test_bit51_entry_is_reserved(fixture):
    ranges = ok(fixture["pagetables"])["ranges"]
    r = [r for r in ranges if r["start"] == BIT51[0]]
    assert len(r) == 1
    assert (r[0]["end"], r[0]["status"], r[0]["level"]) == BIT51[1:]
    w = ok(fixture["whereis"]["0xffffffff40000000"])
    assert (w["mapped"], w["status"], w["stop_level"]) == (False, "reserved",
                                                          3)


def test_pagetables_agree_with_info_mem(fixture):
    truth = parse_info_mem(ok(fixture["info_mem"]))
    assert truth
    ours = []
    for r in ok(fixture["pagetables"])["ranges"]:
        if r["status"] != "mapped":
            continue
        perms = ("u" if r["user"] else "-") + "r" + ("w" if r["write"] else "-")
        if ours and ours[-1][1] == r["start"] and ours[-1][2] == perms:
            ours[-1] = (ours[-1][0], r["end"], perms)
        else:
            ours.append((r["start"], r["end"], perms))
    assert minus_excluded(ours) == minus_excluded(truth)
    # And info mem is the hand table too, outside the excluded spans.
    hand = [(m[0], m[1], ("u" if m[5] else "-") + "r" + ("w" if m[6] else "-"))
            for m in MAPPED]
    assert minus_excluded(truth) == minus_excluded(hand)


def test_every_leaf_agrees_with_info_tlb(fixture):
    tlb = [t for t in parse_info_tlb(ok(fixture["info_tlb"]))
           if not excluded(t[0])]
    leaves = {}
    for start, end, phys, size, level, user, write, nx, glb, kind in MAPPED:
        for va in range(start, end, size):
            leaves[va] = (phys + va - start, nx, glb, user, write)
    got = {va: (pa, f[0] == "X", f[1] == "G", f[7] == "U", f[8] == "W")
           for va, pa, f in tlb}
    assert got == leaves


def test_wx_lists_exactly_the_wx_page(fixture):
    ranges = ok(fixture["wx"])["ranges"]
    assert [(r["start"], r["end"]) for r in ranges] == WX
    assert ranges[0]["phys"] == 0x204000 and ranges[0]["kind"] == "kernel-text"
    text = ok(fixture["wx_text"])
    assert "1 W+X range" in text and "0xffffffff80000000" in text
    # QEMU agrees outside the tables it reads as pages (the recursive slot
    # makes every table page W+X there; vmlayout reports that slot as an
    # alias instead).
    tlb = {va for va, pa, f in parse_info_tlb(ok(fixture["info_tlb"]))
           if f[8] == "W" and f[0] != "X" and not excluded(va)}
    assert tlb == {start for start, end in WX}


def test_whereis_walks(fixture):
    for addr, (walk, result) in WALKS.items():
        w = ok(fixture["whereis"][addr])
        va = int(addr, 0) % TOP
        assert w["addr"] == va, addr
        got = [(s["level"], s["table"], s["index"]) for s in w["levels"]]
        assert got == walk, addr
        for s in w["levels"]:
            assert s["entry_addr"] == s["table"] + 8 * s["index"], addr
            assert s["value"] == TABLES.get(s["table"], {}).get(
                s["index"], 0), (addr, s["level"])
            assert s["bits"]["P"] == bool(s["value"] & 1), addr
            assert s["bits"]["NX"] == bool(s["value"] >> 63), addr
            assert s["bits"]["US"] == bool(s["value"] & 4), addr
        if result[0] == "mapped":
            assert (w["mapped"], w["status"], w["phys"], w["page_size"]) == \
                (True, "mapped") + result[1:], addr
            assert w["stop_level"] == walk[-1][0], addr
        else:
            assert (w["mapped"], w["status"], w["stop_level"]) == \
                (False,) + result, addr
        if addr in WHERE_KIND:
            assert w["kind"] == WHERE_KIND[addr], addr


def test_whereis_pc_names_the_spin_loop(fixture):
    w = ok(fixture["whereis"]["$pc"])
    spin = fixture["spin"]
    assert w["addr"] == spin and w["phys"] == spin      # identity map
    assert w["symbol"] == "spin"
    assert (w["page_size"], w["stop_level"]) == (2 * M, 2)
    assert [(s["level"], s["table"], s["index"]) for s in w["levels"]] == \
        L4 + [(3, 0x102000, 0), (2, 0x103000, 0)]


def test_whereis_text(fixture):
    t = {a: ok(v) for a, v in fixture["whereis_text"].items()}
    assert "1G page at level 3 (PDPT), physical 0xc0000000" in t["0x40000000"]
    assert "PDPT[  1] @ 0x000000102008 = 0x80000000c00001e3" in \
        t["0x40000000"]
    assert "reserved bits set at level 3 (PDPT)" in t["0xffffffff00000000"]
    assert "not present at level 2 (PD)" in t["0x800000"]


def test_whereis_phys(fixture):
    for addr, vas in PHYS.items():
        got = ok(fixture["phys"][addr])
        assert got["phys"] == int(addr, 0)
        assert {m["va"]: m["kind"] for m in got["mappings"]} == vas, addr


def test_whereis_phys_through_shared_tables(fixture):
    for addr, va in PHYS_VIA_ALIAS.items():
        got = ok(fixture["phys"][addr])
        vas = {m["va"] for m in got["mappings"]}
        assert va in vas, (addr, hex(va))
        assert got["total"] == len(PHYS[addr]), addr
    # The shared PT's page under PD_k[2] is the 4 KiB, NX, writable
    # supervisor leaf PT_shared[0] (0x8000000000207063), as under PD_k[1].
    m = [m for m in ok(fixture["phys"]["0x207000"])["mappings"]
         if m["va"] == 0xffffffff80400000]
    assert (m[0]["page_size"], m[0]["level"], m[0]["write"], m[0]["user"],
            m[0]["nx"]) == (4 * K, 1, True, False, True)
    # The translation agrees: whereis of that address lands on the page.
    w = ok(fixture["whereis"]["0xffffffff80400008"])
    assert w["phys"] == 0x207008


def test_whereis_last_byte_has_a_region(fixture):
    w = ok(fixture["whereis"]["-1"])
    assert w["mapped"]
    assert w["region"] is not None
    assert w["region"]["start"] == 0xfffffffffffff000


def test_layout_and_errors(fixture):
    c = fixture
    layout = ok(c["layout"])
    assert (layout["levels"], layout["cr3"], layout["nxe"]) == (4, CR3, True)
    # The only mapping in the kernel-text slot starts it.
    assert layout["bases"]["_text"] == {"value": 0xffffffff80000000,
                                        "how": "inferred"}
    for cmd, entry in c["errors"].items():
        assert "error" in entry, cmd
        assert "\n" not in entry["error"].strip(), cmd
    assert "not canonical" in c["errors"]["whereis 0x800000000000"]["error"]
    assert "not canonical" in \
        c["errors"]["whereis --json 0xffff7fffffffffff"]["error"]
    # A root beyond RAM (QEMU reads zeros there): an error naming it, never
    # an empty layout whose W+X check says "0 W+X ranges".
    for cmd in ("vmlayout --cr3 0xdead000", "vmlayout --wx --cr3 0xdead000"):
        err = c["errors"][cmd]["error"]
        assert "CR3 0xdead000 map nothing" in err, (cmd, err)
        assert "W+X" not in err, (cmd, err)
    # A root with an address bit at or above MAXPHYADDR is refused, not
    # masked into another page.
    err = c["errors"]["vmlayout --pagetables --json --cr3 0x10000000000"][
        "error"]
    assert "MAXPHYADDR 40" in err and "0x10000000000" in err, err
    # A physical address past MAXPHYADDR 40 is no address of this CPU.
    for cmd in ("whereis --phys -- -1", "whereis --phys 0x10000000000"):
        err = c["errors"][cmd]["error"]
        assert "beyond MAXPHYADDR 40" in err, (cmd, err)
    assert "physical 0xffffffffff is mapped at 0 virtual addresses" in \
        ok(c["phys_last"])
    # pt_top (TABLES[0x10d000]: one entry, 511) as a root: that entry
    # points at 0x203000, which QEMU reads as zeros, so nothing was walked;
    # the W+X check says so instead of "0 W+X ranges".
    assert list(TABLES[0x10d000]) == [511]
    assert TABLES[0x10d000][511] & 0xffffffffff000 == 0x203000
    words = parse_xp(ok(c["xp"]["0x203000"]))
    assert len(words) == 512 and set(words) == {0}
    for cmd in ("vmlayout --wx --cr3 0x10d000",
                "vmlayout --pagetables --cr3 0x10d000"):
        err = c["errors"][cmd]["error"]
        assert "the page tables at CR3 0x10d000 map nothing: 1 present " \
            "entry but no page reached" in err, (cmd, err)
        assert "W+X" not in err, (cmd, err)
    assert ok(c["maxphy28"]) == "" and ok(c["maxphy40"]) == ""
    for cmd, entry in c["errors28"].items():
        assert "error" in entry, (cmd, entry)
        assert "\n" not in entry["error"].strip(), cmd
        assert "MAXPHYADDR 28" in entry["error"], (cmd, entry["error"])
    # And the commands work again afterwards, with the same answer.
    assert ok(c["after_errors"]) == ok(c["wx"])
    # Physical-memory mode was switched back after all of it.
    assert 'received: "0"' in ok(c["phys_mode_after"])


# ------------------------------------------------------------ running


def test_commands_on_a_running_target_say_so():
    """With the guest running (`continue &`), no command may read anything
    or fall back to a process's /proc files (/proc/1/maps, as the inferior
    looks like pid 1): one line says the target is running. GDB's own
    refusal of `x/i $pc` is the truth that it is."""
    missing = _tool_missing()
    if missing:
        pytest.skip("%s not installed" % missing)
    workdir = tempfile.mkdtemp(prefix="vmlayout-running-")
    qemu = None
    try:
        r = subprocess.run([os.path.join(FIXTURE, "build"), workdir],
                           capture_output=True, text=True, timeout=120)
        if r.returncode == 2:
            pytest.skip("cannot build the fixture kernel: %s" % r.stderr)
        assert r.returncode == 0, "fixture build failed:\n" + r.stderr
        elf = r.stdout.strip().splitlines()[-1]
        elf64 = os.path.join(workdir, "stub64.elf")
        spin = _spin_address(elf64)
        port = free_port()
        qemu = subprocess.Popen(
            ["qemu-system-x86_64", "-kernel", elf, "-m", "64",
             "-cpu", "qemu64,+pdpe1gb", "-nodefaults", "-display", "none",
             "-serial", "none", "-no-reboot", "-S",
             "-gdb", "tcp:127.0.0.1:%d" % port],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        mark = "@@running@@"
        cmds = ["hbreak *%#x" % spin, "continue", "delete", "continue &",
                "x/i $pc", "vmlayout", "vmlayout --wx",
                "whereis 0x1000", "whereis --phys 0x1000"]
        argv = [GDB, "-nx", "-batch", "-ex", "set pagination off",
                "-ex", "source " + os.path.join(TOP_SRCDIR, "gdbext",
                                                "vmlayout-gdb.py"),
                "-ex", "symbol-file " + elf64,
                "-ex", "target remote 127.0.0.1:%d" % port]
        for i, cmd in enumerate(cmds):
            argv += ["-ex", "echo \\n%s %d\\n" % (mark, i), "-ex", cmd]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python") + (
            ":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        text = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=120, stdin=subprocess.DEVNULL).stdout
        parts = {}
        for chunk in text.split("\n%s " % mark)[1:]:
            num, _, body = chunk.partition("\n")
            parts[int(num)] = body
        # GDB itself refuses to read a running target.
        assert "Selected thread is running." in parts[4], text
        for i in (5, 6, 7, 8):
            assert parts[i].strip().splitlines()[0] == "%s: the target " \
                "is running; " \
                "interrupt it first" % cmds[i].split()[0], (cmds[i], text)
    finally:
        if qemu is not None and qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        shutil.rmtree(workdir, ignore_errors=True)

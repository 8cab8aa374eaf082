"""vmlayout on Debian's arm64 kernel under qemu-system-aarch64 (TCG, -M virt),
checked against QEMU's own MMU on the same stopped guest: for pages sampled
from vmlayout's walk, the bytes QEMU reads at the virtual address equal the
bytes at vmlayout's physical address (read in QEMU's physical-memory mode),
`monitor gva2gpa` agrees, and addresses the walk calls unmapped cannot be
read. Also: the guest's /proc/kallsyms (_stext, _etext: KASLR), the kernel's
own W+X check (CONFIG_DEBUG_WX, printed at boot), memory.rst's table
(written out below) and the Arm ARM's index arithmetic for whereis.

Debian's arm64 kernel is built for 48-bit VAs with 4K pages (its config:
CONFIG_ARM64_VA_BITS_48), so 39-bit, 16K/64K and 52-bit layouts cannot be
booted from it: the unit tests cover those on hand-built tables."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from qemu_guest import HERE, QemuGuest

GDB = os.environ.get("GDB_MULTIARCH", "gdb-multiarch")
PAGE = 4096

# name -> (kernel command line extra, -cpu)
CONFIGS = {
    "nokaslr-a57": ("nokaslr", "cortex-a57"),
    "kaslr-a57": ("", "cortex-a57"),
    "kaslr-max": ("", "max,pauth-impdef=on"),
}

# Documentation/arm64/memory.rst (v6.1), 4K pages, 48-bit VAs.
KERNEL_START = 0xffff000000000000
SLOTS = [
    (0xffff000000000000, 0xffff800000000000, "linear"),
    (0xffff800000000000, 0xffff800008000000, "modules"),
    (0xffff800008000000, 0xfffffbfff0000000, "vmalloc"),
    (0xfffffbfff0000000, 0xfffffbfffe000000, "fixed"),
    (0xfffffbfffe800000, 0xfffffbffff800000, "pci-io"),
    (0xfffffc0000000000, 0xfffffe0000000000, "vmemmap"),
]
# What vmlayout may call a range in each slot (the image lives inside
# vmalloc space; module memory there is vmalloc memory).
KINDS = {
    "linear": {"direct-map"},
    "modules": {"modules"},
    "vmalloc": {"vmalloc", "kernel-text"},
    "fixed": {"fixmap"},
    "pci-io": {"pci-io"},
    "vmemmap": {"vmemmap"},
}
KIMAGE_VADDR = 0xffff800008000000


@pytest.fixture(scope="session")
def arm64_files():
    for tool in ("qemu-system-aarch64", GDB):
        if not shutil.which(tool):
            pytest.skip("%s not installed" % tool)
    try:
        r = subprocess.run([os.path.join(HERE, "make-guest-arm64")],
                           capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot prepare the arm64 guest: %s" % e)
    if r.returncode != 0 or not r.stdout.strip():
        pytest.skip("cannot prepare the arm64 guest: %s" % r.stderr.strip())
    return r.stdout.strip().splitlines()[-1]


class Guest(QemuGuest):
    """Debian's arm64 kernel in one of CONFIGS, with the guest's
    /proc/kallsyms lines it printed (kallsyms: {name: address})."""

    def __init__(self, name, files, workdir):
        extra, cpu = CONFIGS[name]
        # Not "quiet": the kernel's own W+X check prints its verdict.
        super().__init__(
            ["qemu-system-aarch64", "-M", "virt", "-cpu", cpu, "-m", "512",
             "-kernel", os.path.join(files, "Image"),
             "-initrd", os.path.join(files, "initrd.cpio.gz"),
             "-append", ("console=ttyAMA0 " + extra).strip()],
            workdir, name)
        self.kallsyms = self.kallsyms_block()

    def collect(self):
        if self._collected is None:
            self._collected = self.collect_with(
                os.path.join(HERE, "collect_gdb_arm64.py"), gdb=GDB,
                gdb_args=["set architecture aarch64"])
        return self._collected


@pytest.fixture(scope="module", params=list(CONFIGS))
def guest(request, arm64_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-arm64-")
    g = Guest(request.param, arm64_files, workdir)
    try:
        yield g
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def ranges_of(c):
    return c["pagetables"]["value"]["ranges"]


def pan(c):
    """PSTATE.PAN (bit 22): EL1 data accesses to memory EL0 may access
    fault; QEMU's debug reads and gva2gpa translate as the CPU at EL1."""
    return bool(c["regs"]["cpsr"] & (1 << 22))


def el1_faults(c, va):
    """Why QEMU may refuse a mapped page: its access flag is clear (the
    CPU faults until software sets it, TCR_EL1.HA aside), or PAN is set
    and EL0 may access it."""
    w = c["failed_wheres"].get(str(va))
    assert w, "no whereis for %#x" % va
    leaf = w["levels"][-1]["bits"]
    return not leaf["af"] or (pan(c) and w["region"] is not None and
                              w["kind"] == "user" and leaf["user"])


def find(ranges, va):
    for r in ranges:
        if r["start"] <= va < r["end"]:
            return r
    return None


# ------------------------------------------------------------ QEMU's MMU


def test_target_and_registers(guest):
    c = guest.collect()
    assert c["is_target"] is True
    assert c["arch"] == "aarch64"
    tcr = c["regs"]["TCR_EL1"]
    # Debian's kernel: T0SZ = T1SZ = 16 (48-bit), 4K granules.
    assert tcr & 0x3f == 16 and (tcr >> 16) & 0x3f == 16
    text = c["layout_text"].splitlines()[0]
    ttbr0 = c["regs"]["TTBR0_EL1"] & ((1 << 48) - 2)
    ttbr1 = c["regs"]["TTBR1_EL1"] & ((1 << 48) - 2)
    assert text.startswith("page tables at TTBR0_EL1 %#x, TTBR1_EL1 %#x: 4K "
                           "granule, 48-bit VAs, 4 levels from L0"
                           % (ttbr0, ttbr1)), text
    # -cpu max has FEAT_HAFDBS and Linux turns on hardware dirty state.
    assert ("HW dirty" in text) == ("max" in guest.name), text


def test_virtual_reads_equal_physical_reads(guest):
    c = guest.collect()
    s, rd = c["samples"], c["reads"]
    assert rd["phys_mode_ok"]
    assert len(s["mapped"]) >= 100, len(s["mapped"])
    bad, refused, kernel_ok = [], [], 0
    for (va, pa), v, p in zip(s["mapped"], rd["virt"], rd["phys"]):
        assert p is not None, "physical %#x (of %#x) unreadable" % (pa, va)
        if v is None and el1_faults(c, va):
            refused.append(va)
            continue
        if v != p:
            bad.append((hex(va), hex(pa), v, p))
        elif va >= KERNEL_START:
            kernel_ok += 1
    assert not bad, bad[:10]
    assert kernel_ok >= 50, kernel_ok
    if not pan(c):
        assert len(refused) <= len(s["mapped"]) // 10, refused


def test_gva2gpa_agrees(guest):
    c = guest.collect()
    want = dict((va, pa) for va, pa in c["samples"]["mapped"])
    checked = 0
    for va, gpa, text in c["gva2gpa"]:
        if gpa is None:
            assert el1_faults(c, va), (hex(va), text)
            continue
        assert gpa == want[va], (hex(va), hex(gpa), hex(want[va]))
        checked += 1
    assert checked >= 25


def test_unmapped_reads_fail(guest):
    c = guest.collect()
    s = c["samples"]
    addrs = s["unmapped"] + s["between"]
    assert len(s["unmapped"]) >= 50
    readable = [hex(a) for a, v in zip(addrs, c["reads"]["unmapped"])
                if v is not None]
    assert not readable, readable[:10]


def test_phys_mode_left_off(guest):
    c = guest.collect()
    assert c["phys_mode_before"] == "0"
    assert c["phys_mode_after_walk"] == "0"
    assert c["phys_mode_end"] == "0"


def test_each_table_page_read_once(guest):
    c = guest.collect()
    first, again = c["pagetables"], c["pagetables_again"]
    assert first["remote_reads"] == c["walk_stats"]["table_pages"]
    assert again["remote_reads"] == 0


# ------------------------------------------------------------ the map


def test_slots_follow_memory_rst(guest):
    c = guest.collect()
    for r in ranges_of(c):
        if r["status"] != "mapped" or r["start"] < KERNEL_START:
            continue
        slot = [name for lo, hi, name in SLOTS if lo <= r["start"] < hi]
        assert slot, "range %#x outside every documented slot" % r["start"]
        assert r["kind"] in KINDS[slot[0]], (hex(r["start"]), r["kind"])
    kinds = {r["kind"] for r in ranges_of(c) if r["status"] == "mapped"}
    assert {"direct-map", "vmalloc", "kernel-text", "vmemmap", "fixmap",
            "pci-io", "user"} <= kinds, kinds


def test_kaslr_bases(guest):
    c = guest.collect()
    ks = guest.kallsyms
    bases = c["layout"]["bases"]
    text = bases["_text"]
    # _stext is 64 KiB into the 2 MiB-aligned image; the header before it
    # is not mapped.
    assert text["value"] == ks["_stext"] & ~((2 << 20) - 1), \
        (hex(text["value"]), hex(ks["_stext"]))
    if "nokaslr" in guest.name:
        assert text == {"value": KIMAGE_VADDR, "how": "documented"}
    else:
        assert "KASLR enabled" in guest.text
        assert text["value"] != KIMAGE_VADDR and text["how"] == "inferred"
    # The kernel-text ranges: from _stext, executable exactly up to _etext.
    image = [r for r in ranges_of(c) if r["kind"] == "kernel-text"]
    assert image[0]["start"] == ks["_stext"]
    exec_end = max(r["end"] for r in image if not r["nx"])
    assert exec_end == ks["_etext"], (hex(exec_end), hex(ks["_etext"]))
    # (init text, start_kernel, is freed and unmapped after boot)
    for name in ("schedule", "do_exit"):
        r = find(ranges_of(c), ks[name])
        assert r and r["kind"] == "kernel-text", name
    # module_alloc_base: 6.1 sets it to _etext - MODULES_VSIZE (128 MiB)
    # and KASLR moves it by an amount no mapping tells.
    mods = bases["module_alloc_base"]
    if "nokaslr" in guest.name:
        assert mods == {"value": (ks["_etext"] - (128 << 20)) & ~0xfff,
                        "how": "documented"}
    else:
        assert mods is None


def test_linear_map_base(guest):
    """phys_to_virt(0): the linear alias of the page the pc is in must hold
    the same bytes as the pc's page (QEMU reads both)."""
    c = guest.collect()
    base = c["layout"]["bases"]["phys_to_virt(0)"]["value"]
    w = c["where_pc"]
    alias = (base + w["phys"]) & ((1 << 64) - 1)
    assert alias in [h["va"] for h in w["aliases"]] or \
        c["where_phys"]["total"] >= 2
    linear = [r for r in ranges_of(c) if r["kind"] == "direct-map"]
    assert all(r["start"] - r["phys"] == base for r in linear)
    if "nokaslr" in guest.name:
        # No linear-map randomization: RAM (at 1 GiB on virt) starts the
        # linear map at PAGE_OFFSET.
        assert linear[0]["start"] == KERNEL_START
        assert base == KERNEL_START - (1 << 30)


def test_wx_agrees_with_the_kernel(guest):
    c = guest.collect()
    # The kernel's CONFIG_DEBUG_WX check at boot found none; neither may we
    # (the kernel half), and the user half has no W+X page either here.
    assert "Checked W+X mappings: passed, no W+X pages found" in \
        guest.text
    assert c["wx"]["ranges"] == [], c["wx"]["ranges"][:5]
    assert c["wx_text"].rstrip().endswith("0 W+X ranges")


# ------------------------------------------------------------ whereis


def test_whereis_pc_walk(guest):
    """The walk level by level: indexes from the Arm ARM's arithmetic
    (4K granule: 9 bits per level from bit 39 down to bit 12), entries at
    table + 8 * index, TTBR1's root first, gva2gpa's answer."""
    c = guest.collect()
    pc = c["regs"]["pc"]
    w = c["where_pc"]
    assert w["mapped"] and w["kind"] == "kernel-text"
    ttbr1 = c["regs"]["TTBR1_EL1"] & ((1 << 48) - 2)
    assert w["levels"][0]["table"] == ttbr1
    for i, step in enumerate(w["levels"]):
        shift = 39 - 9 * i
        assert step["name"] == "L%d" % i
        assert step["index"] == (pc >> shift) & 511
        assert step["entry_addr"] == step["table"] + 8 * step["index"]
    text = c["where_pc_text"]
    assert "  L0  [%3d] @ 0x%012x" % (w["levels"][0]["index"],
                                      w["levels"][0]["entry_addr"]) in text
    assert re.search(r"L3  \[ *\d+\] @ 0x[0-9a-f]+ = 0x[0-9a-f]{16}  PAGE AF",
                     text) or "BLOCK AF" in text, text
    assert "effective: EL1 r-x, EL0 ---" in text, text
    # The kernel text is never writable nor executable at EL0.
    assert not w["levels"][-1]["bits"]["write"]


def test_whereis_phys(guest):
    c = guest.collect()
    pc, w, p = c["regs"]["pc"], c["where_pc"], c["where_phys"]
    vas = [m["va"] for m in p["mappings"]]
    assert pc in vas
    kinds = {m["kind"] for m in p["mappings"]}
    assert {"kernel-text", "direct-map"} <= kinds, kinds
    assert p["total"] == w["aliases_total"] + 1


def test_between_the_halves(guest):
    c = guest.collect()
    assert "not canonical" in c["where_noncanonical"] or \
        "outside" in c["where_noncanonical"], c["where_noncanonical"]

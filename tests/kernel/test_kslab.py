"""Slab objects behind an address, without vmlinux: whereis on a direct-map
address of a QEMU guest names the slab cache, the object's index and the
offset into it, and whether the object is allocated or free — from the
guest's struct page / struct slab / struct kmem_cache (BTF) and its
freelists, the slab's own and each CPU's, hardened pointers decoded.

Truths, none computed by vmlayout: the test module tests/kernel/vmltest
allocates kmalloc-256 and kmalloc-64 objects and objects of its own cache
vmltest_cache (100 bytes), frees every third of the latter, and prints
"VMLTEST: slab ADDR CACHE SIZE allocated|free"; the guest's /init prints
/proc/slabinfo (cache names, object sizes, objects per slab)."""

import re
import shutil
import tempfile

import pytest

from test_kobjects import FactsGuest, run_gdb, where

OBJ = re.compile(r"(\S+) object (\d+) at (0x[0-9a-f]+) \((\d+) bytes"
                 r"(?:, (\d+) with metadata)?\) of"
                 r" slab at (0x[0-9a-f]+), \+(0x[0-9a-f]+) into it"
                 r"(?: \(past its \d+ bytes: slab metadata\))?, (.*)$")


def parse_slab(text):
    """[(addr, cache, size, state)] of the module's slab lines."""
    return [(int(m.group(1), 16), m.group(2), int(m.group(3)), m.group(4))
            for m in re.finditer(r"VMLTEST: slab ([0-9a-f]+) (\S+) (\d+)"
                                 r" (allocated|free)", text)]


def parse_slabinfo(text):
    """{name: (objsize, objperslab)} of /proc/slabinfo."""
    out = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) > 5 and not line.startswith(("#", "slabinfo")):
            out[parts[0]] = (int(parts[3]), int(parts[4]))
    return out


@pytest.fixture(scope="module")
def run(guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-kslab-")
    g = FactsGuest(guest_files, workdir)
    try:
        objs = parse_slab(g.text)
        if not objs:
            pytest.skip("the test module vmltest did not load (no"
                        " linux-headers for the guest kernel?)")
        cmds = []
        for i, (addr, _, _, _) in enumerate(objs):
            cmds += [("o%d" % i, "whereis --json %#x" % addr),
                     ("p%d" % i, "whereis --json %#x" % (addr + 0x18))]
        cmds.append(("text", "whereis %#x" % (objs[0][0] + 0x18)))
        out = run_gdb(g.port, cmds)
        yield {"guest": g, "objs": objs, "out": out,
               "slabinfo": parse_slabinfo(g.section("SLABINFO"))}
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def answer(run, label):
    w = where(run["out"], label)
    assert w["kind"] == "direct-map", w
    m = OBJ.match(w["object"] or "")
    assert m, w["object"]
    return m


def test_every_object_names_cache_index_and_state(run):
    info = run["slabinfo"]
    assert "vmltest_cache" in info and "kmalloc-256" in info
    states = set()
    for i, (addr, cache, size, state) in enumerate(run["objs"]):
        m = answer(run, "o%d" % i)
        assert m.group(1) == cache, (m.group(1), cache)
        assert int(m.group(3), 16) == addr and m.group(7) == "0x0"
        # object size: what the module asked for; the slot's:
        # /proc/slabinfo's objsize
        assert int(m.group(4)) == size
        assert int(m.group(5) or size) == info[cache][0]
        # the index: within the slab's objects (slabinfo's objperslab)
        slab = int(m.group(6), 16)
        index = int(m.group(2))
        assert slab <= addr and index < info[cache][1]
        assert slab % 4096 == 0
        got = m.group(8)
        if state == "allocated":
            assert got == "allocated", (hex(addr), cache, got)
        else:
            assert got == "free" or re.match(r"free \(CPU \d's freelist\)$",
                                             got), (hex(addr), got)
        states.add(got.split(" (")[0] if got.startswith("free") else got)
        # the same object, 0x18 bytes in
        p = answer(run, "p%d" % i)
        assert p.groups()[:6] == m.groups()[:6] and p.group(7) == "0x18"
        assert p.group(8) == got
    assert states == {"allocated", "free"}


def test_objects_of_one_slab_are_consecutive(run):
    # Objects the answers place in one slab are a stride apart: their
    # addresses and indexes agree.
    slabs = {}
    for i, (addr, cache, _, _) in enumerate(run["objs"]):
        m = answer(run, "o%d" % i)
        slabs.setdefault((cache, m.group(6)), []).append(
            (int(m.group(2)), addr))
    strides = set()
    for (cache, _), objs in slabs.items():
        objs.sort()
        for (i0, a0), (i1, a1) in zip(objs, objs[1:]):
            assert (a1 - a0) % (i1 - i0) == 0
            strides.add((cache, (a1 - a0) // (i1 - i0)))
    # vmltest_cache spans several slabs, all with one stride: the slot
    # size of /proc/slabinfo
    assert len([s for s in slabs if s[0] == "vmltest_cache"]) >= 2
    assert {s for c, s in strides if c == "vmltest_cache"} == \
        {run["slabinfo"]["vmltest_cache"][0]}


def test_both_freelists_seen(run):
    # Freed on one CPU: the newest slab's objects on that CPU's freelist,
    # the full slabs' on their own.
    got = [answer(run, "o%d" % i).group(8)
           for i, o in enumerate(run["objs"]) if o[3] == "free"]
    assert "free" in got, got
    assert any(g.startswith("free (CPU ") for g in got), got


def test_text_line(run):
    addr, cache, size, _ = run["objs"][0]
    text = run["out"]["text"]
    assert "%s object " % cache in text
    assert "+0x18 into it, allocated" in text, text

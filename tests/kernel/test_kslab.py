"""Slab objects behind an address, without vmlinux: whereis on a direct-map
address of a QEMU guest names the slab cache, the object's index and the
offset into it, and whether the object is allocated or free — from the
guest's struct page / struct slab / struct kmem_cache (BTF) and its
freelists, the slab's own and each CPU's, hardened pointers decoded.

Truths, none computed by vmlayout: the test module tests/kernel/vmltest
allocates kmalloc-256 and kmalloc-64 objects and objects of its own cache
vmltest_cache (100 bytes), frees every third of the latter, and prints
"VMLTEST: slab ADDR CACHE SIZE allocated|free"; the guest's /init prints
/proc/slabinfo (cache names, object sizes, objects per slab).

Other pages, through a sleeping busybox process (its /proc/PID/maps
printed by /init): the physical page its page tables map at an address of
its text is page cache of /bin/busybox (maps' inode, file offset from
maps), the one under its stack anonymous, and the PTE table mapping the
text (the test walks from mm->pgd itself, reading with GDB) a page table."""

import json
import re
import shutil
import tempfile

import pytest

from qemu_guest import as_json, run_gdb
from test_kobjects import FactsGuest

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


# Command lines: KASLR on, off, and red zones around vmltest_cache's
# objects (slub_debug=Z: each object starts red_left_pad bytes into its
# slot, a debug cache frees straight to the slab's freelist).
PARAMS = {"kaslr": "", "nokaslr": "nokaslr",
          "redzone": "slub_debug=Z,vmltest_cache"}


@pytest.fixture(scope="module", params=sorted(PARAMS))
def run(request, guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-kslab-")
    g = FactsGuest(guest_files, workdir, PARAMS[request.param])
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
        py = ("python import vmlayout_gdb_qemu as q; k = q._build_kernel({});"
              " q._reading(lambda: k.set_ksyms(q.kernel_symbols()));"
              " print(q._reading(lambda: k.object_at(%#x)))"
              % (objs[0][0] + 0x18))
        cmds.append(("py_object", py))
        # Pointer scans of the modules' memory (the module keeps its
        # objects' pointers in static arrays, freed ones set to NULL)
        # into one slab cache.
        cmds += [("scan_cache", "vmlayout --scan modules slab:vmltest_cache"
                  " --json"),
                 ("scan_kmalloc", "vmlayout --scan modules slab:kmalloc-256"
                  " --json"),
                 ("scan_text", "vmlayout --scan modules slab:vmltest_cache")]
        task = int(re.search(r"VMLAYOUT-TASK (\d+)", g.text).group(1))
        maps = [l.split() for l in (g.section("MAPS") or "").splitlines()]
        text = [m for m in maps if m[1] == "r-xp" and len(m) > 5][0]
        stack = [m for m in maps if m[-1] == "[stack]"][0]
        text_addr = int(text[0].split("-")[0], 16) + 0x1010
        stack_addr = int(stack[0].split("-")[1], 16) - 8
        cmds += [("task", "vmlayout --task %d --json" % task),
                 ("task_text", "whereis --task %d --json %#x"
                  % (task, text_addr)),
                 ("task_stack", "whereis --task %d --json %#x"
                  % (task, stack_addr))]
        out = run_gdb(cmds, target_port=g.port)
        # The direct map's base: mm->pgd less its physical address.
        t = as_json(out, "task")
        base = t["pgd"] - t["pgd_phys"]
        pages = {"page_text": base + as_json(out, "task_text")["phys"],
                 "page_stack": base + as_json(out, "task_stack")["phys"]}
        cmds = [(k, "whereis --json %#x" % v) for k, v in pages.items()]
        # The PTE table mapping the text, found by the test's own walk
        # (GDB reads) from mm->pgd: user page tables are PageTable.
        walk = ("python import gdb; inf = gdb.selected_inferior(); "
                "rd = lambda a: int.from_bytes(inf.read_memory(a, 8)"
                ".tobytes(), 'little'); M = 0xffffffffff000; A = %#x; "
                "e = rd(%#x + ((A >> 39) & 511) * 8); "
                "e = rd(%#x + (e & M) + ((A >> 30) & 511) * 8); "
                "e = rd(%#x + (e & M) + ((A >> 21) & 511) * 8); "
                "gdb.execute('whereis --json %%#x' %% (%#x + (e & M)))"
                % (text_addr, t["pgd"], base, base, base))
        cmds.append(("page_pte", walk))
        # A kernel function: the image's pages are reserved memory.
        sched = re.search(r"^([0-9a-f]+) T schedule$",
                          g.section("KALLSYMS") or "", re.M)
        cmds.append(("page_sched", "whereis --json %#x" %
                     int(sched.group(1), 16)))
        out.update(run_gdb(cmds, target_port=g.port))
        yield {"guest": g, "objs": objs, "out": out, "param": request.param,
               "slabinfo": parse_slabinfo(g.section("SLABINFO")),
               "text_map": text, "text_addr": text_addr}
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def answer(run, label):
    w = as_json(run["out"], label)
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
    # Red zones: objects start past a left pad, not at slot boundaries.
    pad = {(int(addr) - int(slab, 16)) % run["slabinfo"][cache][0]
           for (cache, slab), objs in slabs.items() if cache == "vmltest_cache"
           for _, addr in objs}
    if run["param"] == "redzone":
        assert len(pad) == 1 and pad != {0}, pad
    else:
        assert pad == {0}, pad


def test_both_freelists_seen(run):
    # Freed on one CPU: the newest slab's objects on that CPU's freelist,
    # the full slabs' on their own.
    got = [answer(run, "o%d" % i).group(8)
           for i, o in enumerate(run["objs"]) if o[3] == "free"]
    assert "free" in got, got
    if run["param"] != "redzone":
        assert any(g.startswith("free (CPU ") for g in got), got


def test_text_line(run):
    addr, cache, size, _ = run["objs"][0]
    text = run["out"]["text"]
    assert "%s object " % cache in text
    assert "+0x18 into it, allocated" in text, text


def test_other_pages(run):
    # The text page: page cache of the file maps names, its inode, at the
    # file offset maps gives for the address.
    start, _ = (int(x, 16) for x in run["text_map"][0].split("-"))
    offset = int(run["text_map"][2], 16) + run["text_addr"] - start
    inode = int(run["text_map"][4])
    w = as_json(run["out"], "page_text")
    want = ": page cache of %s (inode %d), file offset %#x, flags " % (
        run["text_map"][5], inode, offset & ~0xfff)
    assert want in w["object"], (want, w["object"])
    assert ": anonymous, flags " in as_json(run["out"], "page_stack")["object"]
    # whereis --task says the same of the page it walks to.
    assert as_json(run["out"], "task_text")["page"] == w["object"]
    assert ": anonymous, flags " in as_json(run["out"], "task_stack")["page"]
    assert ": page table, flags " in as_json(run["out"], "page_pte")["object"]


def test_mapped_kernel_text_page(run):
    # Not in the direct map: its page through the page tables.
    w = as_json(run["out"], "page_sched")
    assert w["kind"] == "kernel-text", w
    assert re.match(r"page 0x[0-9a-f]+ \(struct page 0x[0-9a-f]+\):"
                    r" reserved, flags .*reserved", w["object"] or ""), \
        w["object"]


def test_python_object_at(run):
    # The Python API gives what whereis gives.
    assert run["out"]["py_object"].strip() == as_json(run["out"], "p0")["object"]


def scan_json(run, label):
    """The scan's JSON document (progress lines may come before it)."""
    text = run["out"][label]
    i = text.find('{"scanned"')
    assert i >= 0, text
    return json.loads(text[i:])


def test_scan_into_a_cache_finds_exactly_its_objects(run):
    # The module's array holds the vmltest_cache objects it kept
    # (allocated ones): the scan into slab:vmltest_cache finds exactly
    # those values, each named as its object, offset 0, allocated.
    want = {a for a, c, _, st in run["objs"]
            if c == "vmltest_cache" and st == "allocated"}
    doc = scan_json(run, "scan_cache")
    got = [p for p in doc["pointers"]]
    assert {p["value"] for p in got} == want
    assert doc["total"] == len(got) == len(want)
    for p in got:
        assert p["kind"] == "direct-map"
        m = OBJ.match(p["object"])
        assert m, p["object"]
        assert m.group(1) == "vmltest_cache"
        assert int(m.group(3), 16) == p["value"] and m.group(7) == "0x0"
        assert m.group(8) == "allocated"


def test_scan_into_another_cache_lists_none_of_them(run):
    # kmalloc-256: the module's kmalloc-256 objects are among the hits
    # (other module memory may point at others of that cache), no
    # vmltest_cache object is.
    doc = scan_json(run, "scan_kmalloc")
    values = {p["value"] for p in doc["pointers"]}
    cache = {a for a, c, _, _ in run["objs"] if c == "vmltest_cache"}
    k256 = {a for a, c, _, _ in run["objs"] if c == "kmalloc-256"}
    assert k256 and k256 <= values
    assert not values & cache
    for p in doc["pointers"]:
        assert p["object"].startswith("kmalloc-256 object "), p


def test_scan_text_names_objects(run):
    text = run["out"]["scan_text"]
    addr = [a for a, c, _, st in run["objs"]
            if c == "vmltest_cache" and st == "allocated"][0]
    line = [l for l in text.splitlines() if ("0x%016x" % addr) in l]
    assert line and ": vmltest_cache object " in line[0], text

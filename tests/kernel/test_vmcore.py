"""Kernel dumps (vmcores) as targets (issue 12, part 2).

Truth: the live guest. Debian's kernel (KASLR on, 4-level paging) boots under
QEMU with -device vmcoreinfo and an initramfs that loads qemu_fw_cfg.ko (so
the kernel tells QEMU where its VMCOREINFO is) and prints its own /proc/kallsyms
lines for _text and the base variables on the serial console. One GDB session
on the stopped guest records the answers of the user's commands (`vmlayout
--json`, `--pagetables --json`, `--wx --json`, `whereis --json ADDR` for an
address of every kind the walk maps) and then has QEMU write
`dump-guest-memory` of that same stopped guest. `python3 -m vmlayout --core
DUMP` must give the same ranges and the same whereis answers; the dump's
_text, KASLR offset and paging root must be the guest's own (kallsyms, CR3).

Damaged dumps (cut short, a program header or a note lying about its size)
must give one line on standard error and exit 1, never a crash: the test cuts
and corrupts a copy of the real dump's headers (a hand-made vmcore with known
tables is tested without QEMU in tests/python/test_vmcore_synthetic.py)."""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import pytest

from qemu_guest import GDB, HERE, TOP_SRCDIR, QemuGuest

START_KERNEL = 0xffffffff81000000    # __START_KERNEL without KASLR


def cli(*args, env_extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python") + (
        ":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=env,
                          timeout=300)


def cli_json(*args):
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# ------------------------------------------------------------------ the guest


def _guest_files():
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 not installed")
    try:
        r = subprocess.run([os.path.join(HERE, "make-guest-vmcore")],
                           capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot prepare the guest: %s" % e)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or len(lines) < 2:
        pytest.skip("cannot prepare the guest: %s" % r.stderr.strip())
    return (os.path.join(lines[-2], "vmlinuz"),
            os.path.join(lines[-1], "initrd.cpio.gz"))


@pytest.fixture(scope="module")
def dumped():
    """(collected live answers, dump path, guest kallsyms, serial text)."""
    kernel, initrd = _guest_files()
    workdir = tempfile.mkdtemp(prefix="vmlayout-vmcore-")
    g = None
    try:
        g = QemuGuest(["qemu-system-x86_64", "-m", "512", "-kernel", kernel,
                       "-initrd", initrd, "-append", "console=ttyS0 quiet",
                       "-device", "vmcoreinfo"], workdir, "vmcore")
        dump = os.path.join(workdir, "guest.vmcore")
        live = g.collect_with(
            os.path.join(HERE, "collect_vmcore_gdb.py"),
            gdb_args=["set width 0", "set remotetimeout 300",
                      "source " + os.path.join(TOP_SRCDIR, "gdbext",
                                               "vmlayout-gdb.py")],
            env_extra={"VMLAYOUT_VMCORE_FILE": dump})
        assert os.path.getsize(dump) > 256 << 20
        yield live, dump, g.kallsyms_block(), g.text
    finally:
        if g is not None:
            g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------ truths


def test_guest_loaded_fw_cfg(dumped):
    _, _, _, serial = dumped
    # Without the module QEMU writes no VMCOREINFO: the test would not test.
    assert "VMLAYOUT-FW-CFG-LOADED" in serial


def test_dump_is_detected_and_described(dumped):
    live, dump, syms, _ = dumped
    sys.path.insert(0, os.path.join(TOP_SRCDIR, "python"))
    import vmlayout
    assert vmlayout.dump_format(dump) == "elf"
    with vmlayout.open_vmcore(dump) as v:
        info = v.info
        assert info["cpu_state"] and info["vmcoreinfo"]
        assert info["cpus"] == 1
        assert not info["incomplete"], info["problem"]
        assert info["pc"] == live["regs"]["pc"]
        # KASLR: the guest's own _text, less the unrandomized address.
        assert info["kernel_offset"] == syms["_text"] - START_KERNEL
        assert info["kernel_offset"] != 0, "KASLR was not on"
        assert v.vmcoreinfo("SYMBOL(_stext)") == "%x" % syms["_stext"]
        assert int(v.vmcoreinfo("SYMBOL(init_top_pgt)"), 16) == \
            syms["init_top_pgt"]
        assert info["osrelease"].endswith("-amd64")


def test_picture_names_the_dump_and_the_guest_bases(dumped):
    live, dump, syms, _ = dumped
    r = cli("--core", dump)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("kernel dump %s: QEMU ELF, 1 CPU" % dump)
    assert "KASLR offset %#x" % (syms["_text"] - START_KERNEL) in first
    assert "CR3 %#x" % live["regs"]["cr3"] in r.stdout
    d = cli_json("--core", dump, "--json")
    assert d["bases"]["_text"] == {"value": syms["_text"], "how": "given"}
    # Every base the live guest knows, the dump gives the same value.
    for name, base in live["layout"]["bases"].items():
        assert d["bases"][name]["value"] == base["value"], name
    # The base variables' own values, read by the guest itself, are not on
    # the console; their addresses are, and must lie in the kernel image.
    assert syms["_text"] <= syms["page_offset_base"] < syms["_text"] + (1 << 30)


def _region_key(r):
    return (r["start"], r["end"], r["perms"], r["kind"])


def test_same_regions_as_live(dumped):
    live, dump, _, _ = dumped
    d = cli_json("--core", dump, "--json")
    assert [_region_key(r) for r in d["regions"]] == \
        [_region_key(r) for r in live["layout"]["regions"]]
    assert d["levels"] == live["layout"]["levels"]
    assert d["cr3"] == live["layout"]["cr3"]


def test_same_pagetables_as_live(dumped):
    live, dump, _, _ = dumped
    assert live["pagetables"] == live["pagetables_after"], \
        "the guest moved while it was dumped"
    d = cli_json("--core", dump, "--pagetables", "--json")
    assert len(d["ranges"]) == len(live["pagetables"]["ranges"]) > 100
    assert d["ranges"] == live["pagetables"]["ranges"]


def test_same_wx_as_live(dumped):
    live, dump, _, _ = dumped
    assert cli_json("--core", dump, "--wx", "--json") == live["wx"]


# How the kernel image's base was found differs (the live guest has no
# vmlinux: inferred; the dump has VMCOREINFO: given), and only that.
_HOW_FIELDS = ("name", "guessed")


def _where_key(w):
    w = dict(w)
    if w.get("region"):
        w["region"] = {k: v for k, v in w["region"].items()
                       if k not in _HOW_FIELDS}
    return w


def test_same_whereis_as_live(dumped):
    live, dump, _, _ = dumped
    picked = {n: x for n, x in live["where"].items() if n != "phys-of-pc"}
    # Every kind the walk maps, and the unmapped one, were asked.
    for kind in ("pc", "unmapped", "direct-map", "vmalloc", "kernel-text",
                 "modules", "vmemmap", "user", "direct-map-of-pc"):
        assert kind in picked, sorted(picked)
    args = ["--core", dump, "--json"]
    for x in picked.values():
        args += ["--whereis", "%#x" % x["addr"]]
    answers = cli_json(*args)
    for (name, x), got in zip(picked.items(), answers):
        assert got["addr"] == x["addr"], name
        assert _where_key(got) == _where_key(x["json"]), name
    # The pc is in the kernel image, and the direct map maps its page.
    assert picked["pc"]["json"]["kind"] == "kernel-text"
    assert picked["direct-map-of-pc"]["json"]["phys"] == \
        picked["pc"]["json"]["phys"]


def test_same_slab_objects_as_live(dumped):
    """Slab objects the live guest named (cache, index, state): the dump
    names them the same way, from its own BTF and memory."""
    live, dump, _, _ = dumped
    picked = live["slab"]
    assert picked, "the live guest named no slab object"
    args = ["--core", dump, "--json"]
    for x in picked.values():
        args += ["--whereis", "%#x" % x["addr"]]
    for (name, x), got in zip(picked.items(), cli_json(*args)):
        assert " of slab at " in got["object"], got
        assert _where_key(got) == _where_key(x["json"]), name


def test_same_whereis_phys_as_live(dumped):
    live, dump, _, _ = dumped
    x = live["where"]["phys-of-pc"]
    got = cli_json("--core", dump, "--json", "--phys",
                   "--whereis", "%#x" % x["addr"])
    assert got == [x["json"]]


@pytest.mark.parametrize("fmt", ["zlib", "lzo", "snappy"])
def test_kdump_compressed_same_as_live(dumped, fmt):
    """dump-guest-memory -z/-l/-s of the same stopped guest: the same
    walk, regions and whereis answers as the live guest."""
    live, dump, syms, _ = dumped
    path = "%s.%s" % (dump, fmt)
    said = live.get("dump_" + fmt, "")
    if not os.path.exists(path):
        pytest.skip("QEMU wrote no %s dump: %s" % (fmt, said.strip()))
    sys.path.insert(0, os.path.join(TOP_SRCDIR, "python"))
    import vmlayout
    assert vmlayout.dump_format(path) == "kdump"
    with vmlayout.open_vmcore(path) as v:
        info = v.info
        assert info["format"] == "kdump" and not info["incomplete"]
        assert info["kernel_offset"] == syms["_text"] - START_KERNEL
        assert info["pc"] == live["regs"]["pc"]
    # Far smaller than the memory it holds (pages compressed one by one).
    assert os.path.getsize(path) < os.path.getsize(dump) // 4
    d = cli_json("--core", path, "--pagetables", "--json")
    assert d["ranges"] == live["pagetables"]["ranges"]
    d = cli_json("--core", path, "--json")
    assert [_region_key(r) for r in d["regions"]] == \
        [_region_key(r) for r in live["layout"]["regions"]]
    picked = {n: x for n, x in live["where"].items() if n != "phys-of-pc"}
    args = ["--core", path, "--json"]
    for x in picked.values():
        args += ["--whereis", "%#x" % x["addr"]]
    for (name, x), got in zip(picked.items(), cli_json(*args)):
        assert _where_key(got) == _where_key(x["json"]), name
    r = cli("--core", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(
        "kernel dump %s: QEMU kdump-compressed" % path)


def test_text_answers(dumped):
    _, dump, syms, _ = dumped
    r = cli("--core", dump, "--whereis", "%#x" % syms["start_kernel"])
    assert r.returncode == 0, r.stderr
    assert "slot: kernel-text" in r.stdout
    assert "from symbols" in r.stdout
    r = cli("--core", dump, "--pagetables")
    assert r.returncode == 0, r.stderr
    for marker in ("user space", "direct-map", "vmalloc", "kernel-text"):
        assert "---[ %s ]---" % marker in r.stdout, marker


def test_dump_kernel_symbols(dumped):
    """The dumped kernel's own kallsyms (and BTF) read from the dump, no
    vmlinux: whereis names what the guest's /proc/kallsyms names there."""
    _, dump, syms, _ = dumped
    r = cli("--core", dump)
    assert r.returncode == 0, r.stderr
    last = r.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("kernel symbols: ") and "symbols from kallsyms" \
        in last and "types from BTF" in last, last
    for name in ("start_kernel", "init_top_pgt"):
        got = cli_json("--core", dump, "--json", "--whereis",
                       "%#x" % (syms[name] + 4))
        assert got[0]["symbol"] == "%s+0x4" % name, got[0]


def test_gdb_commands_on_the_dump_loaded_as_core(dumped):
    """GDB loads QEMU's ELF dump as an x86-64 core (its $pc is the CPU's);
    vmlayout and whereis then answer from the dump as on the live guest."""
    live, dump, _, _ = dumped
    mark = "@@vmcore@@"
    cmds = [("pagetables", "vmlayout --pagetables --json"),
            ("where_pc", "whereis --json $pc"),
            ("phys", "whereis --phys --json %#x"
             % live["where"]["phys-of-pc"]["addr"]),
            ("picture", "vmlayout"),
            ("crash", "vmlayout --crash")]
    args = [GDB, "-nx", "-batch", "-ex", "set pagination off",
            "-ex", "source " + os.path.join(TOP_SRCDIR, "gdbext",
                                            "vmlayout-gdb.py"),
            "-ex", "core-file " + dump]
    for label, cmd in cmds:
        args += ["-ex", "echo \\n%s BEGIN %s\\n" % (mark, label), "-ex", cmd,
                 "-ex", "echo %s END %s\\n" % (mark, label)]
    env = dict(os.environ, PYTHONPATH=os.path.join(TOP_SRCDIR, "python"))
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300, env=env,
                       stdin=subprocess.DEVNULL)
    text = r.stdout
    out = {}
    for label, _ in cmds:
        try:
            out[label] = text.split("%s BEGIN %s\n" % (mark, label), 1)[1] \
                .split("%s END %s" % (mark, label), 1)[0]
        except IndexError:
            raise AssertionError("no %s in:\n%s" % (label, text))
    assert json.loads(out["pagetables"]) == live["pagetables"]
    assert _where_key(json.loads(out["where_pc"])) == \
        _where_key(live["where"]["pc"]["json"])
    assert json.loads(out["phys"]) == live["where"]["phys-of-pc"]["json"]
    assert out["picture"].startswith("kernel dump %s: QEMU ELF" % dump)
    assert "not a kernel" in out["crash"]


# ------------------------------------------------------------------ damage


def _headers(dump, extra=0):
    """The dump's headers and notes (the bytes before the first PT_LOAD's
    data) plus extra bytes of memory."""
    with open(dump, "rb") as f:
        head = f.read(1 << 16)
    phoff, = struct.unpack_from("<Q", head, 32)
    phnum, = struct.unpack_from("<H", head, 56)
    first = min(struct.unpack_from("<Q", head, phoff + 56 * i + 8)[0]
                for i in range(phnum)
                if struct.unpack_from("<I", head, phoff + 56 * i)[0] == 1)
    with open(dump, "rb") as f:
        return bytearray(f.read(first + extra)), phoff, phnum


def _one_line_error(path, expect):
    r = cli("--core", path)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("vmlayout: "), lines[0]
    assert expect in lines[0], lines[0]
    assert "Traceback" not in r.stderr
    return lines[0]


def _note_phdr(head, phoff, phnum):
    for i in range(phnum):
        if struct.unpack_from("<I", head, phoff + 56 * i)[0] == 4:
            return phoff + 56 * i
    raise AssertionError("no PT_NOTE")


def test_truncated_dump_is_incomplete_or_refused(dumped, tmp_path):
    _, dump, _, _ = dumped
    # Cut inside the memory: usable, marked incomplete, the root's tables
    # are past the cut, so the walk cannot start: one line, exit 1.
    head, _, _ = _headers(dump, extra=1 << 20)
    p = tmp_path / "cut-memory.vmcore"
    p.write_bytes(bytes(head))
    r = cli("--core", str(p))
    assert r.returncode == 1, r.stdout
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("vmlayout: ") and "incomplete" in lines[0] \
        and "truncated" in lines[0], r.stderr
    assert len(lines) == 2 and lines[1].startswith("vmlayout: "), r.stderr
    # Cut in the program headers, in the notes, in the ELF header.
    head, phoff, _ = _headers(dump)
    for name, size, expect in (("phdrs", phoff + 60, "truncated"),
                               ("notes", len(head) - 100, "truncated"),
                               ("ehdr", 40, "ELF")):
        p = tmp_path / ("cut-%s.vmcore" % name)
        p.write_bytes(bytes(head[:size]))
        r = cli("--core", str(p))
        assert r.returncode == 1, (name, r.stdout)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("vmlayout: "), \
            (name, r.stderr)
        assert "Traceback" not in r.stderr


def test_bad_phdr_and_note_sizes(dumped, tmp_path):
    _, dump, _, _ = dumped
    head, phoff, phnum = _headers(dump, extra=0)
    note = _note_phdr(head, phoff, phnum)
    # A note segment claiming more than the file holds.
    bad = bytearray(head)
    struct.pack_into("<Q", bad, note + 32, 1 << 40)
    p = tmp_path / "note-segment.vmcore"
    p.write_bytes(bytes(bad))
    _one_line_error(str(p), "PT_NOTE")
    # A note whose descsz runs past its segment (the first note).
    bad = bytearray(head)
    off, = struct.unpack_from("<Q", head, note + 8)
    struct.pack_into("<I", bad, off + 4, 0xfffffff0)
    p = tmp_path / "descsz.vmcore"
    p.write_bytes(bytes(bad))
    _one_line_error(str(p), "runs past its segment")
    # A wrong program header size.
    bad = bytearray(head)
    struct.pack_into("<H", bad, 54, 40)
    p = tmp_path / "phentsize.vmcore"
    p.write_bytes(bytes(bad))
    _one_line_error(str(p), "e_phentsize")


# ------------------------------------------------------------------ makedumpfile
#
# Debian's makedumpfile turns the same ELF dump into the kdump-compressed
# format in its normal layout (not QEMU's flattened stream), with the
# compressions QEMU 7.2 cannot write here (lzo) and with pages excluded
# (-d 31). The truth is still the live guest; the header's status word
# (makedumpfile's, not ours) says which compression the file really holds.

# name: (makedumpfile option, DUMP_DH_COMPRESSED_* bit, feature in `-v`)
_MKDUMP = {"zlib": ("-c", 0x1, None), "lzo": ("-l", 0x2, "lzo"),
           "snappy": ("-p", 0x4, "snappy"), "zstd": ("-z", 0x20, "zstd"),
           "raw": (None, 0, None)}


def _mkdump_features():
    r = subprocess.run(["makedumpfile", "-v"], capture_output=True,
                       text=True, timeout=60)
    feats = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] in ("enabled", "disabled"):
            feats[parts[0]] = parts[1] == "enabled"
    return feats


def _elf_for_makedumpfile(dump, dst):
    """A copy of QEMU's dump that makedumpfile 1.7.2 reads: QEMU 7.2 puts
    section headers between the ELF header and the program headers, and
    makedumpfile looks for the program headers right after the ELF header
    ("Can't get the number of PT_LOAD"). The program headers are moved
    there and the section headers dropped; notes and memory are untouched."""
    shutil.copyfile(dump, dst)
    with open(dst, "r+b") as f:
        head = bytearray(f.read(1 << 16))
        phoff, = struct.unpack_from("<Q", head, 32)
        phnum, = struct.unpack_from("<H", head, 56)
        if phoff == 64:
            return
        phdrs = bytes(head[phoff:phoff + 56 * phnum])
        first = min(struct.unpack_from("<Q", phdrs, 56 * i + 8)[0]
                    for i in range(phnum))
        assert 64 + len(phdrs) <= first, "no room for the program headers"
        struct.pack_into("<QQ", head, 32, 64, 0)        # e_phoff, e_shoff
        struct.pack_into("<H", head, 52, 64)            # e_ehsize
        struct.pack_into("<HHH", head, 58, 0, 0, 0)     # e_shentsize/num/strndx
        head[64:64 + len(phdrs)] = phdrs
        f.seek(0)
        f.write(head)


@pytest.fixture(scope="module")
def mkdumped(dumped):
    """make(name, level) -> path of makedumpfile's conversion of the
    module's dump (made once), or a skip saying why there is none."""
    if not shutil.which("makedumpfile"):
        pytest.skip("makedumpfile not installed")
    _, dump, _, _ = dumped
    feats = _mkdump_features()
    workdir = tempfile.mkdtemp(prefix="vmlayout-mkdump-")
    elf = os.path.join(workdir, "guest.elf")
    made = {}

    def make(name, level=0):
        opt, _, feature = _MKDUMP[name]
        if feature and not feats.get(feature):
            pytest.skip("this makedumpfile is built without %s (it would"
                        " write raw pages)" % feature)
        key = (name, level)
        if key not in made:
            if not os.path.exists(elf):
                _elf_for_makedumpfile(dump, elf)
            out = os.path.join(workdir, "d%d.%s" % (level, name))
            r = subprocess.run(["makedumpfile"] + ([opt] if opt else []) +
                               ["-d", str(level), elf, out],
                               capture_output=True, text=True, timeout=600)
            made[key] = (out if r.returncode == 0 and os.path.exists(out)
                         else None, (r.stdout + r.stderr).strip())
        path, said = made[key]
        if path is None:
            pytest.skip("makedumpfile refused the dump: %s" % said[-300:])
        return path

    yield make
    shutil.rmtree(workdir, ignore_errors=True)


def _kdump_header(path):
    """(status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr) of a
    kdump-compressed file: makedumpfile's disk_dump_header, read here."""
    with open(path, "rb") as f:
        h = f.read(464)
    assert h[:8] == b"KDUMP   ", h[:8]
    return struct.unpack_from("<I", h, 424) + struct.unpack_from("<iiii", h,
                                                                  428)


def _same_as_live(live, path):
    d = cli_json("--core", path, "--pagetables", "--json")
    assert len(d["ranges"]) > 100
    assert d["ranges"] == live["pagetables"]["ranges"]
    d = cli_json("--core", path, "--json")
    assert [_region_key(r) for r in d["regions"]] == \
        [_region_key(r) for r in live["layout"]["regions"]]
    picked = {n: x for n, x in live["where"].items() if n != "phys-of-pc"}
    picked.update({"slab " + n: x for n, x in live.get("slab", {}).items()})
    args = ["--core", path, "--json"]
    for x in picked.values():
        args += ["--whereis", "%#x" % x["addr"]]
    answers = cli_json(*args)
    assert len(answers) == len(picked)
    for (name, x), got in zip(picked.items(), answers):
        assert _where_key(got) == _where_key(x["json"]), name
    x = live["where"]["phys-of-pc"]
    assert cli_json("--core", path, "--json", "--phys", "--whereis",
                    "%#x" % x["addr"]) == [x["json"]]


@pytest.mark.parametrize("fmt", ["zlib", "lzo", "snappy", "raw"])
def test_makedumpfile_same_as_live(dumped, mkdumped, fmt):
    """makedumpfile -c/-l/-p (or no compression) -d 0 of the dump, in the
    normal (not flattened) layout: the same walk, regions and whereis
    answers (symbols and slab objects included) as the live guest."""
    live, dump, syms, _ = dumped
    path = mkdumped(fmt)
    status, block_size, _, _, _ = _kdump_header(path)
    assert status & 0x27 == _MKDUMP[fmt][1], hex(status)
    assert block_size == 4096
    with open(path, "rb") as f:
        assert f.read(16) != b"makedumpfile\0\0\0\0"    # not flattened
    sys.path.insert(0, os.path.join(TOP_SRCDIR, "python"))
    import vmlayout
    assert vmlayout.dump_format(path) == "kdump"
    with vmlayout.open_vmcore(path) as v:
        info = v.info
        assert info["format"] == "kdump" and not info["incomplete"], \
            info["problem"]
        assert info["kernel_offset"] == syms["_text"] - START_KERNEL
        assert info["pc"] == live["regs"]["pc"]
    if fmt != "raw":
        assert os.path.getsize(path) < os.path.getsize(dump) // 4
    _same_as_live(live, path)


def test_makedumpfile_zstd(dumped, mkdumped):
    """makedumpfile -z: our reader has no zstd (README: such pages are
    unreadable, as a missing page is). The page tables are in zstd pages,
    so the walk cannot start: one line, exit 1, never a crash."""
    path = mkdumped("zstd")
    status = _kdump_header(path)[0]
    assert status & 0x20, hex(status)
    r = cli("--core", path)
    assert r.returncode == 1, r.stdout
    assert "Traceback" not in r.stderr
    assert all(line.startswith("vmlayout: ")
               for line in r.stderr.strip().splitlines()), r.stderr


def test_makedumpfile_excluded_pages(dumped, mkdumped):
    """makedumpfile -c -d 31 (zero, cache, user and free pages left out):
    page tables are never excluded, so the walk, the regions and every
    whereis answer are the live guest's; a direct-map address of an
    excluded page is answered from the page tables, not a crash."""
    live, dump, _, _ = dumped
    path = mkdumped("zlib", 31)
    full = mkdumped("zlib", 0)
    _, bs, sub, bitmap_blocks, max_mapnr = _kdump_header(path)
    with open(path, "rb") as f:
        f.seek((1 + sub) * bs)
        bitmaps = f.read(bitmap_blocks * bs)
    half = len(bitmaps) // 2
    ram, dumped_bits = bitmaps[:half], bitmaps[half:]

    def bit(b, i):
        return b[i // 8] >> (i % 8) & 1
    excluded = [i for i in range(min(max_mapnr, half * 8))
                if bit(ram, i) and not bit(dumped_bits, i)]
    assert len(excluded) > 1000, "makedumpfile excluded nothing"
    assert os.path.getsize(path) < os.path.getsize(full)
    _same_as_live(live, path)
    # Excluded pages spread over memory: the same answers as the full dump.
    pob = live["layout"]["bases"]["page_offset_base"]["value"]
    pfns = excluded[::max(1, len(excluded) // 8)][:8]
    args = ["--json"]
    for pfn in pfns:
        args += ["--whereis", "%#x" % (pob + pfn * 4096)]
    got = cli_json("--core", path, *args)
    want = cli_json("--core", full, *args)
    for pfn, g, w in zip(pfns, got, want):
        assert g["phys"] == pfn * 4096, (hex(pfn), g)
        assert g == w, hex(pfn)
    r = cli("--core", path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr

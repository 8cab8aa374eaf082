"""The kernel commands with vmlinux symbols loaded in GDB: `vmlayout` takes
the KASLR bases from page_offset_base, vmalloc_base, vmemmap_base (the
values stored in those variables, read from the guest) and _text (its
address), and `whereis` names the symbol + offset of an address.

Debian's vmlinux with symbols is too big to fetch, so the test builds a
small ELF, "vmlinux-symbols", holding only the symbols the guest printed
from its own /proc/kallsyms at boot (tests/kernel/make-guest), at their
runtime (KASLR) addresses, in one NOBITS section spanning _text.._end as a
real vmlinux's sections span them. Truths, none computed by vmlayout: the
guest's kallsyms (addresses), its /proc/kcore headers (the bases, as in
test_kernel.py), and GDB's raw `x/gx` of the variables' addresses. One
KASLR 4-level guest, one GDB session."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import Guest
from qemu_guest import as_json, run_gdb
from test_kernel import truth_bases

U64 = (1 << 64) - 1
VARIABLES = ("page_offset_base", "vmalloc_base", "vmemmap_base")
FUNCTIONS = ("schedule", "do_exit", "start_kernel")
WANTED = VARIABLES + FUNCTIONS + ("_text", "_etext", "_end")


def parse_kallsyms(serial):
    """{name: (address, type letter)} of the wanted names in the guest's
    /proc/kallsyms lines (exact names only: grep -w also gives foo.cold)."""
    out = {}
    for line in serial.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[2] not in WANTED:
            continue
        try:
            out.setdefault(parts[2], (int(parts[0], 16), parts[1]))
        except ValueError:
            pass
    return out


def build_symbol_file(path, symbols, end):
    """An x86-64 ELF whose only contents are the given symbols (name ->
    (address, kallsyms type)) in one NOBITS section from the lowest address
    to end, assembled and linked with binutils."""
    base = min(a for a, _ in symbols.values())
    lines = ['\t.section .kimage,"awx",@nobits']
    for name, (addr, kind) in sorted(symbols.items(),
                                     key=lambda s: (s[1][0], s[0])):
        lines.append("\t.org %#x" % (addr - base))
        lines.append("\t.globl %s" % name)
        if kind in "Tt":
            lines.append("\t.type %s,@function" % name)
        elif kind in "DdBbRr":
            lines.append("\t.type %s,@object" % name)
        lines.append("%s:" % name)
    lines.append("\t.org %#x" % (end - base))
    src, obj, lds = path + ".s", path + ".o", path + ".ld"
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(lds, "w") as f:
        f.write("SECTIONS { .kimage %#x (NOLOAD) : { *(.kimage) } }\n" % base)
    subprocess.run(["as", "--64", "-o", obj, src], check=True,
                   capture_output=True)
    subprocess.run(["ld", "-m", "elf_x86_64", "-nostdlib", "-e", "0",
                    "-T", lds, "--no-warn-rwx-segments", "-o", path, obj],
                   check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def run(guest_files):
    for tool in ("as", "ld"):
        if not shutil.which(tool):
            pytest.skip("binutils (%s) not installed" % tool)
    workdir = tempfile.mkdtemp(prefix="vmlayout-vmlinux-")
    g = Guest("kaslr-4level", guest_files, workdir)
    try:
        syms = parse_kallsyms(g.serial_bytes)
        missing = [n for n in WANTED if n not in syms]
        assert not missing, "guest printed no kallsyms line for %s" % missing
        end = syms["_end"][0]
        real = build_symbol_file(os.path.join(workdir, "vmlinux-symbols"),
                                 syms, end)
        # The decoy proves the values are read through the symbols: its
        # page_offset_base is where the guest's vmalloc_base lives, its
        # _text is schedule, and it has no vmalloc_base or vmemmap_base.
        decoy = build_symbol_file(
            os.path.join(workdir, "vmlinux-decoy"),
            {"page_offset_base": syms["vmalloc_base"],
             "_text": syms["schedule"]}, end)
        where = {f: syms[f][0] + 16 for f in FUNCTIONS}
        cmds = [(None, "symbol-file " + real),
                (None, "target remote 127.0.0.1:%d" % g.port)]
        # Raw reads at the kallsyms addresses: numbers, not symbols.
        cmds += [("raw_" + v, "x/gx %#x" % syms[v][0]) for v in VARIABLES]
        cmds += [("sym_layout", "vmlayout --json"),
                 ("sym_layout_text", "vmlayout")]
        # The layouts first: whereis reads the kernel's own symbols
        # (kallsyms, test_ksyms.py), which give bases afterwards.
        cmds += [(None, "symbol-file"),
                 ("nosym_layout", "vmlayout --json"),
                 (None, "symbol-file " + decoy),
                 ("decoy_layout", "vmlayout --json"),
                 (None, "symbol-file " + real)]
        cmds += [("sym_where_" + f, "whereis --json %#x" % where[f])
                 for f in FUNCTIONS]
        cmds += [("sym_where_text", "whereis %#x" % where["schedule"]),
                 (None, "symbol-file"),
                 ("nosym_where", "whereis --json %#x" % where["schedule"])]
        out = run_gdb(cmds)
        yield {"guest": g, "syms": syms, "out": out, "where": where}
    finally:
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def raw_value(out, label):
    # "0xffffffff85615740 <page_offset_base>:\t0xffff88f6c0000000"
    words = re.findall(r"0x[0-9a-f]+", out[label].split(":")[-1])
    assert len(words) == 1, out[label]
    return int(words[0], 16)


def test_bases_from_symbols_are_the_guests(run):
    out, syms = run["out"], run["syms"]
    truth = truth_bases(run["guest"])
    bases = as_json(out, "sym_layout")["bases"]
    for v in VARIABLES:
        # The value stored in the variable, two ways: GDB's raw read at
        # the kallsyms address, and the guest's kcore headers.
        assert raw_value(out, "raw_" + v) == truth[v], v
        assert bases[v] == {"value": truth[v], "how": "given"}, (v, bases[v])
    assert bases["_text"] == {"value": syms["_text"][0], "how": "given"}
    # kcore's kernel-image segment starts at _text too.
    assert syms["_text"][0] in [v for v, p, s in run["guest"].kcore]


def test_without_symbols_the_same_bases_are_inferred(run):
    sym = as_json(run["out"], "sym_layout")["bases"]
    nosym = as_json(run["out"], "nosym_layout")["bases"]
    for key in VARIABLES + ("_text",):
        assert nosym[key]["how"] == "inferred", (key, nosym[key])
        assert nosym[key]["value"] == sym[key]["value"], key


def test_values_are_read_through_the_symbols(run):
    syms = run["syms"]
    truth = truth_bases(run["guest"])
    bases = as_json(run["out"], "decoy_layout")["bases"]
    assert bases["page_offset_base"] == {"value": truth["vmalloc_base"],
                                         "how": "given"}
    assert bases["_text"] == {"value": syms["schedule"][0], "how": "given"}
    for key in ("vmalloc_base", "vmemmap_base"):
        assert bases[key]["how"] != "given", (key, bases[key])


def test_whereis_names_symbol_plus_offset(run):
    out, where = run["out"], run["where"]
    text_end = run["syms"]["_end"][0]
    for f in FUNCTIONS:
        w = as_json(out, "sym_where_" + f)
        assert w["addr"] == where[f]
        assert w["symbol"] == f + "+0x10", (f, w["symbol"])
        assert run["syms"]["_text"][0] <= w["addr"] < text_end
        assert w["kind"] == "kernel-text", (f, w["kind"])
    # schedule stays mapped (start_kernel is init text, maybe freed).
    assert as_json(out, "sym_where_schedule")["mapped"]
    assert "<schedule+0x10>" in out["sym_where_text"]
    # Without vmlinux, the kernel's own kallsyms name it.
    nosym = as_json(out, "nosym_where")
    assert nosym["symbol"] == "schedule+0x10", nosym
    assert nosym["symbol_from"] == "kallsyms", nosym
    for f in FUNCTIONS:
        assert as_json(out, "sym_where_" + f)["symbol_from"] == "caller"


def test_text_says_the_bases_came_from_symbols(run):
    truth = truth_bases(run["guest"])
    text = run["out"]["sym_layout_text"]
    for key in VARIABLES + ("_text",):
        assert re.search(r"^\s*%s\s+0x%016x\s+\(given\)$" % (key, truth[key]),
                         text, flags=re.M), (key, text[:2000])
    assert "base %#x from symbols" % truth["_text"] in \
        run["out"]["sym_where_text"]

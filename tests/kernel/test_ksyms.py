"""Kernel symbols without vmlinux: the GDB bridge reads the guest kernel's
own kallsyms (and BTF) from its memory. No symbol file is given to GDB
before `vmlayout --load-symbols`.

Truths, none computed by vmlayout: the guest's whole /proc/kallsyms, which
its /init prints gzipped and base64-encoded on the serial console when the
kernel command line says vmlayout_facts (tests/kernel/make-guest); the
guest's /proc/kcore headers (the KASLR bases, as test_kernel.py reads
them); GDB's own raw reads (x/gx) of the base variables at the addresses
the guest printed; GDB's own `info symbol`, `x/i` and `bt` once the symbol
file is loaded. Every guest configuration (KASLR on and off, 4- and
5-level paging), one GDB session each."""

import base64
import bisect
import collections
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

import conftest
from conftest import Guest
from test_kernel import truth_bases
from qemu_guest import as_json, free_port, run_gdb
from test_vmlinux_symbols import build_symbol_file, raw_value

HERE = os.path.dirname(os.path.abspath(__file__))
VARIABLES = ("page_offset_base", "vmalloc_base", "vmemmap_base")
# The guests of conftest.py, with the facts printed.
FACTS = {}
for _name, (_extra, _cpu) in conftest.CONFIGS.items():
    FACTS["facts-" + _name] = ((_extra + " vmlayout_facts").strip(), _cpu)
conftest.CONFIGS.update(FACTS)


def guest_kallsyms(serial):
    """[(name, address, type letter, module or None)] of the guest's
    /proc/kallsyms, in its order."""
    try:
        blob = serial.split(b"VMLAYOUT-KALLSYMS-ALL-BEGIN", 1)[1].split(
            b"VMLAYOUT-KALLSYMS-ALL-END", 1)[0]
    except IndexError:
        return None
    text = gzip.decompress(base64.b64decode(b"".join(blob.split())))
    out = []
    for line in text.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        module = parts[3].strip("[]") if len(parts) > 3 else None
        out.append((parts[2], int(parts[0], 16), parts[1], module))
    return out


class Truth:
    """The guest's kallsyms: the kernel image's symbols, by name and by
    address (the kernel names the first of equal addresses)."""

    def __init__(self, lines):
        self.image = [(n, a, t) for n, a, t, m in lines if m is None]
        self.modules = [(n, a, t, m) for n, a, t, m in lines if m]
        self.addr = {}
        for n, a, t in self.image:
            self.addr.setdefault(n, a)
        # /proc/kallsyms shows per-CPU symbols as small absolute values.
        reloc = sorted((a, i) for i, (n, a, t) in enumerate(self.image)
                       if a >= self.addr["_text"])
        self._addrs = [a for a, i in reloc]
        self.aliases = collections.defaultdict(set)
        for a, i in reloc:
            self.aliases[a].add(self.image[i][0])
        self._names = []
        for k, (a, i) in enumerate(reloc):
            if k and reloc[k - 1][0] == a:
                self._names.append(self._names[-1])
            else:
                self._names.append(self.image[i][0])

    def name_at(self, addr):
        """(name, offset) of the symbol at or below addr."""
        i = bisect.bisect_right(self._addrs, addr) - 1
        assert i >= 0, hex(addr)
        return self._names[i], addr - self._addrs[i]


@pytest.fixture(scope="module", params=sorted(FACTS))
def run(request, guest_files):
    workdir = tempfile.mkdtemp(prefix="vmlayout-ksyms-")
    g = Guest(request.param, guest_files, workdir)
    try:
        lines = guest_kallsyms(g.serial_bytes)
        if lines is None:
            pytest.fail("the guest printed no kallsyms (initramfs older "
                        "than make-guest's v4?)")
        truth = Truth(lines)
        start = truth.addr["start_kernel"]
        data = truth.addr["jiffies"]
        sched = truth.addr["schedule"]
        decoy = build_symbol_file(
            os.path.join(workdir, "vmlinux-decoy"),
            {"vmlinux_decoy": (start, "T")}, truth.addr["_end"])
        dump = os.path.join(workdir, "ksyms.json")
        os.environ["VMLAYOUT_KSYMS_OUT"] = dump
        cmds = [(None, "target remote 127.0.0.1:%d" % g.port)]
        # Cold: the first whereis reads the symbols and types.
        cmds += [("where_text", "whereis %#x" % (start + 0x10)),
                 ("where_fn", "whereis --json %#x" % (start + 0x10)),
                 ("where_data", "whereis --json %#x" % (data + 4)),
                 ("where_sched", "whereis --json %#x" % (sched + 0x10)),
                 ("layout", "vmlayout --json"),
                 ("dump", "source " + os.path.join(HERE,
                                                   "ksyms_dump_gdb.py"))]
        cmds += [("raw_" + v, "x/gx %#x" % truth.addr[v]) for v in VARIABLES]
        # A vmlinux in GDB wins over the kernel's own names.
        cmds += [(None, "symbol-file " + decoy),
                 ("decoy_where", "whereis --json %#x" % (start + 0x10)),
                 (None, "symbol-file")]
        # The symbols given to GDB: its own commands name kernel code.
        cmds += [("load", "vmlayout --load-symbols"),
                 ("pc", "p/x $pc"),
                 ("xi", "x/i $pc"),
                 ("bt", "bt 3"),
                 ("info_fn", "info symbol %#x" % (start + 0x10)),
                 ("info_data", "info symbol %#x" % (data + 4)),
                 ("info_sched", "info symbol %#x" % (sched + 0x10)),
                 ("where_after_load", "whereis --json %#x" % (sched + 0x10))]
        out = run_gdb(cmds)
        with open(dump) as f:
            dumped = json.load(f)
        yield {"guest": g, "truth": truth, "out": out, "dump": dumped,
               "start": start, "data": data, "sched": sched}
    finally:
        os.environ.pop("VMLAYOUT_KSYMS_OUT", None)
        g.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_every_symbol_is_the_guests(run):
    d, truth = run["dump"], run["truth"]
    assert d["error"] is None, d["error"]
    ours = [(n, a, t) for n, a, t, absolute in d["symbols"]]
    assert len(ours) == len(truth.image), (len(ours), len(truth.image))
    assert len(ours) > 50000
    # Same symbols, same addresses, same type letters (as multisets: the
    # order of equal addresses is the kernel's, /proc/kallsyms keeps it).
    missing = collections.Counter(truth.image) - collections.Counter(ours)
    extra = collections.Counter(ours) - collections.Counter(truth.image)
    assert not missing and not extra, (list(missing)[:10], list(extra)[:10])
    assert ours == truth.image
    assert "%d symbols from kallsyms" % len(ours) in d["description"]


def test_whereis_names_functions_and_data(run):
    out, truth = run["out"], run["truth"]
    for label, addr, name in (("where_fn", run["start"] + 0x10,
                               "start_kernel+0x10"),
                              ("where_data", run["data"] + 4, "jiffies+0x4"),
                              ("where_sched", run["sched"] + 0x10,
                               "schedule+0x10")):
        w = as_json(out, label)
        want = "%s+%#x" % truth.name_at(addr)
        assert want == name, (want, name)     # the truth agrees with itself
        assert w["symbol"] == name, (label, w["symbol"])
        assert w["symbol_from"] == "kallsyms", (label, w["symbol_from"])
        assert w["kind"] == "kernel-text", (label, w["kind"])
    assert "<start_kernel+0x10>" in out["where_text"]
    base = truth.addr["_text"]
    assert "base %#x from symbols" % base in out["where_text"]


def test_bases_are_the_guests(run):
    out, truth = run["out"], run["truth"]
    kcore = truth_bases(run["guest"])
    bases = as_json(out, "layout")["bases"]
    for v in VARIABLES:
        # The variable's value two ways: GDB's raw read at the address the
        # guest printed, and the guest's kcore headers.
        assert raw_value(out, "raw_" + v) == kcore[v], v
        assert bases[v] == {"value": kcore[v], "how": "given"}, (v, bases[v])
    assert bases["_text"] == {"value": truth.addr["_text"], "how": "given"}
    assert truth.addr["_text"] == kcore["_text"]


def test_types_from_btf_and_symbols_without(run):
    d = run["dump"]
    # Debian's 6.1 is built with CONFIG_DEBUG_INFO_BTF.
    assert d["has_types"], d["description"]
    assert re.search(r"; \d+ types from BTF", d["description"])
    # Without types: still every symbol, and one line saying so.
    bare = d["bare"]
    assert not bare["has_types"]
    assert bare["count"] == len(run["truth"].image)
    assert bare["start_kernel"]["addr"] == run["start"]
    assert bare["description"].endswith("; types not read"), \
        bare["description"]


def test_a_vmlinux_in_gdb_wins(run):
    w = as_json(run["out"], "decoy_where")
    assert w["symbol"] == "vmlinux_decoy+0x10", w
    assert w["symbol_from"] == "caller"


def test_gdb_names_kernel_code_after_load_symbols(run):
    out, truth = run["out"], run["truth"]
    assert "symbols from kallsyms" in out["load"], out["load"]
    assert "loaded (add-symbol-file)" in out["load"], out["load"]
    pc = int(re.search(r"0x[0-9a-f]+", out["pc"]).group(0), 16)
    name, off = truth.name_at(pc)
    # x/i: "=> 0xffffffff9d6592eb <native_safe_halt+11>:\tret"
    m = re.search(r"<([^>+]+)(?:\+(\d+))?>", out["xi"])
    assert m, out["xi"]
    assert m.group(1) in truth.aliases[pc - off], out["xi"]
    assert int(m.group(2) or 0) == off, out["xi"]
    # bt: frame 0 is in the function holding $pc.
    m = re.search(r"^#0\s+(?:0x[0-9a-f]+ in )?(\S+) \(", out["bt"], re.M)
    assert m and m.group(1) in truth.aliases[pc - off], out["bt"]
    assert re.search(r"^#1 .* in \w+ \(", out["bt"], re.M), out["bt"]
    for label, addr in (("info_fn", run["start"] + 0x10),
                        ("info_data", run["data"] + 4),
                        ("info_sched", run["sched"] + 0x10)):
        # GDB picks one of the names at an address (jiffies_64 for
        # jiffies, its alias): any of them is the truth.
        name, off = truth.name_at(addr)
        m = re.match(r"(\S+) \+ (\d+) in section ", out[label])
        assert m, (label, out[label])
        assert m.group(1) in truth.aliases[addr - off], (label, out[label])
        assert int(m.group(2)) == off, (label, out[label])
    # whereis now takes GDB's name (the same).
    assert as_json(out, "where_after_load")["symbol"] == "schedule+0x10"


def test_symbols_early_in_boot_after_a_failed_attempt(run, guest_files):
    """QEMU stopped where the decompressor jumps to the kernel (physical
    0x1000000, CONFIG_PHYSICAL_START, identity-mapped: no kernel image
    mapped yet, so no symbols, and the bridge says why), then at
    start_kernel: the next stop tries again and names it. nokaslr, so
    start_kernel's address is the KASLR guest's offset from _text added
    to the fixed 0xffffffff81000000."""
    if run["guest"].name != "facts-kaslr-4level":
        pytest.skip("once, not per configuration")
    truth = run["truth"]
    start = 0xffffffff81000000 + truth.addr["start_kernel"] - \
        truth.addr["_text"]
    workdir = tempfile.mkdtemp(prefix="vmlayout-ksyms-early-")
    port = free_port()
    proc = subprocess.Popen(
        ["qemu-system-x86_64", "-m", "512", "-S",
         "-kernel", os.path.join(guest_files, "vmlinuz"),
         "-initrd", os.path.join(guest_files, "initrd.cpio.gz"),
         "-append", "console=ttyS0 quiet nokaslr", "-display", "none",
         "-serial", "file:" + os.path.join(workdir, "serial.log"),
         "-gdb", "tcp:127.0.0.1:%d" % port, "-no-reboot"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        out = run_gdb([
            (None, "target remote 127.0.0.1:%d" % port),
            (None, "hbreak *0x1000000"),
            (None, "continue"),
            ("entry", "whereis --json $pc"),
            ("why", "python import vmlayout_gdb_qemu as q; "
                    "print(q.symbols_error())"),
            (None, "delete"),
            (None, "hbreak *%#x" % start),
            (None, "continue"),
            ("pc", "p/x $pc"),
            ("early", "whereis --json $pc")])
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    entry = as_json(out, "entry")
    assert entry["addr"] == 0x1000000 and entry["symbol"] is None, entry
    assert "no kernel image is mapped" in out["why"], out["why"]
    assert int(re.search(r"0x[0-9a-f]+", out["pc"]).group(0), 16) == start
    w = as_json(out, "early")
    assert w["symbol"] == "start_kernel", w
    assert w["symbol_from"] == "kallsyms"

"""The crash explanation through the bindings and the command line:
Layout.add_thread_registers / set_siginfo / crash / crash_text on
hand-written maps, registers and instruction bytes (answers worked out by
hand; the bytes assembled with `as` and checked with `objdump -d`), the
JSON key set the README documents, the kind names of the header, and the
CLI's --crash usage rules. Real crashes of real programs: tests/gdb/
test_crash_gdb.py."""

import json
import os
import re
import subprocess
import sys

import pytest

import vmlayout
from vmlayout import _lib

from conftest import TOP_SRCDIR

MAPS = (
    "00400000-00401000 r--p 00000000 08:01 100 /nonexistent/vml/prog\n"
    "00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
    "00402000-00403000 r--p 00002000 08:01 100 /nonexistent/vml/prog\n"
    "01000000-01021000 rw-p 00000000 00:00 0 [heap]\n"
    "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n")
PC = 0x401100
SP = 0x7ffc00020000


def layout_with(code, regs, siginfo, stack=b""):
    """A layout of MAPS, main thread 100 at SP, code at PC, stack bytes at
    SP, the registers and the siginfo given."""
    def reader(space, addr, size):
        for base, data in ((PC, code + bytes(64)), (SP, stack)):
            if base <= addr and addr + size <= base + len(data):
                return data[addr - base:addr - base + size]
        return None
    layout = vmlayout.from_maps(MAPS, threads=[(100, SP, True)],
                                reader=reader)
    layout.add_thread_registers(100, dict(regs, rip=PC, rsp=SP))
    if siginfo is not None:
        layout.set_siginfo(100, *siginfo)
    return layout


# The JSON keys (README, "Why did it crash?").
TOP_KEYS = ["kind", "summary", "signal", "thread", "instruction", "operand",
            "access", "address", "stack_overflow", "alignment", "file_size",
            "abort", "return_address"]
SIGNAL_KEYS = ["signo", "name", "code", "code_name", "code_text", "sent",
               "fault_addr"]
THREAD_KEYS = ["tid", "main", "pc", "sp", "nthreads"]
INSN_KEYS = ["pc", "insn", "length", "section", "section_offset", "symbol",
             "symbol_offset", "region"]
OPERAND_KEYS = ["text", "addr", "size", "base", "base_value", "index",
                "index_value", "scale", "segment", "segment_base"]
ADDRESS_KEYS = ["addr", "from", "half", "canonical", "mapped", "region",
                "section", "section_offset", "symbol", "symbol_offset",
                "file_offset", "gap"]


def test_null_read_through_the_bindings():
    # mov 0x10(%rax),%eax with rax = 0: SIGSEGV SEGV_MAPERR at 0x10.
    with layout_with(b"\x8b\x40\x10", {"rax": 0}, (11, 1, 0x10)) as layout:
        c = layout.crash()
        assert c.kind == "null-dereference"
        assert (c.signo, c.si_code, c.code_name) == (11, 1, "SEGV_MAPERR")
        assert c.fault_addr == 0x10 and c.addr == 0x10
        assert c.addr_from == "siginfo" and c.access == "read"
        assert (c.tid, c.main, c.pc, c.sp) == (100, True, PC, SP)
        assert c.insn == "mov    0x10(%rax),%eax" and c.insn_len == 3
        assert c.operand["text"] == "0x10(%rax)"
        assert c.operand["addr"] == 0x10 and c.operand["size"] == 4
        assert (c.operand["base"], c.operand["base_value"]) == ("rax", 0)
        assert c.operand["index"] is None and c.operand["segment"] is None
        assert c.region is None and c.gap["start"] == 0
        assert c.pc_region.kind == "text"
        text = layout.crash_text(c)
        assert " ".join(text.split()).startswith(
            "NULL pointer dereference: a read of 0x10, NULL + 0x10.")
        assert all(len(line) <= 78 for line in text.splitlines())
        doc = json.loads(layout.crash_text(c, "json"))
        assert doc == json.loads(layout.crash_text(fmt="json"))
        assert list(doc) == TOP_KEYS
        assert list(doc["signal"]) == SIGNAL_KEYS
        assert list(doc["thread"]) == THREAD_KEYS
        assert list(doc["instruction"]) == INSN_KEYS
        assert list(doc["operand"]) == OPERAND_KEYS
        assert list(doc["address"]) == ADDRESS_KEYS
        assert list(doc["address"]["gap"]) == ["start", "end", "size",
                                               "below", "above"]
        # The object and the JSON say the same.
        assert doc["kind"] == c.kind and doc["summary"] == c.summary
        assert doc["signal"]["code"] == c.si_code
        assert doc["thread"]["pc"] == c.pc
        assert doc["operand"] == c.operand
        assert doc["access"] == c.access
        assert doc["address"]["addr"] == c.addr
        assert doc["address"]["gap"]["end"] == c.gap["last"] + 1
        assert doc["address"]["gap"]["above"]["start"] == 0x400000


def test_write_to_rodata_and_call_through_null():
    # movb $0x58,(%rax) into the r--p page after .text.
    with layout_with(b"\xc6\x00\x58", {"rax": 0x402004},
                     (11, 2, 0x402004)) as layout:
        c = layout.crash()
        assert c.kind == "write-read-only" and c.access == "write"
        assert c.region.start == 0x402000 and c.region.perms == "r--p"
    # pc 0: called from PC + 5 (the word at $sp).
    with vmlayout.from_maps(MAPS, threads=[(100, SP, True)],
                            reader=lambda s, a, n: (PC + 5).to_bytes(8,
                                                                    "little")
                            if a == SP and n == 8 else None) as layout:
        layout.add_thread_registers(100, [("rip", 0), ("rsp", SP)])
        layout.set_siginfo(100, 11, 1, 0)
        c = layout.crash()
        assert c.kind == "null-dereference" and c.access == "execute"
        assert c.return_addr == PC + 5
        assert c.insn is None


def test_no_fatal_signal():
    with layout_with(b"\x90", {}, None) as layout:
        with pytest.raises(vmlayout.Error) as e:
            layout.crash()
        assert e.value.code == vmlayout.ERROR_NOT_FOUND
        assert e.value.message == ("no fatal signal: the program is not "
                                   "stopped by a crash")
        layout.set_siginfo(100, 19, 0)        # SIGSTOP from kill
        with pytest.raises(vmlayout.Error) as e:
            layout.crash_text()
        assert "it stopped with SIGSTOP" in e.value.message
    with pytest.raises(ValueError):
        vmlayout.from_maps(MAPS).crash_text(fmt="table")


def test_register_errors():
    with vmlayout.from_maps(MAPS) as layout:
        with pytest.raises(vmlayout.Error) as e:
            layout.add_thread_registers(1, [("r%d" % i, i)
                                            for i in range(5000)])
        assert e.value.code == vmlayout.ERROR_LIMIT


def test_kind_names_match_the_header():
    with open(os.path.join(TOP_SRCDIR, "libvmlayout", "vmlayout.h")) as f:
        header = f.read()
    body = re.search(r"enum vml_crash_kind \{(.*?)\};", header, re.S).group(1)
    names = re.findall(r"/\* \"([a-z-]+)\"", body)
    assert names == vmlayout.CRASH_KINDS
    assert len(names) == _lib.VML_CRASH_KIND_COUNT
    assert len(set(names)) == len(names)


def cli(*args):
    # As the user runs it (in the sanitizer build with its ASan preload:
    # the library needs it).
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.path.join(TOP_SRCDIR, "python"))
    return subprocess.run([sys.executable, "-m", "vmlayout"] + list(args),
                          capture_output=True, text=True, env=env,
                          timeout=60)


def test_cli_usage():
    r = cli("--core", "/nonexistent", "--crash", "--whereis", "0")
    assert r.returncode == 2 and "--crash explains the crash" in r.stderr
    r = cli("--core", "/nonexistent", "--crash", "--table")
    assert r.returncode == 2 and "not --table" in r.stderr
    r = cli("--help")
    assert "--crash" in r.stdout and "--core core.1234 --crash" in r.stdout
    # A live process has no signal the command line could know.
    r = cli("--pid", str(os.getpid()), "--crash")
    assert r.returncode == 1
    assert r.stderr == ("vmlayout: no fatal signal: the program is not "
                        "stopped by a crash\n")

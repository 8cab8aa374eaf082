"""vmlayout: where every byte of an x86-64 (or 32-bit x86 process's) virtual
address space lives.

A thin Pythonic layer over libvmlayout (see _lib.py for the raw ctypes
declarations). Every decision is made in C; this module converts types,
keeps C objects and callbacks alive, and raises Error for library errors.

    with vmlayout.open_pid(pid) as layout:
        print(layout.render())
        print(layout.where_text(0x401000))
"""

import ctypes
import os

from . import _lib
from ._lib import Error

__all__ = [
    "Error", "Region", "Where", "Layout", "open_pid", "from_maps",
    "open_core", "open_core_bytes", "KINDS", "GROUPS", "version",
    "format_size", "disasm", "ElfCache", "Scan", "Kernel", "pid_source",
    "arch_from_name", "arch_name", "Crash", "CRASH_KINDS", "KernelSymbols",
]

# Error codes (Error.code), as in enum vml_error_code.
OK = _lib.VML_OK
ERROR_NOMEM = _lib.VML_ERROR_NOMEM
ERROR_INVALID = _lib.VML_ERROR_INVALID
ERROR_PARSE = _lib.VML_ERROR_PARSE
ERROR_FORMAT = _lib.VML_ERROR_FORMAT
ERROR_UNSUPPORTED = _lib.VML_ERROR_UNSUPPORTED
ERROR_IO = _lib.VML_ERROR_IO
ERROR_PERMISSION = _lib.VML_ERROR_PERMISSION
ERROR_FAULT = _lib.VML_ERROR_FAULT
ERROR_LIMIT = _lib.VML_ERROR_LIMIT
ERROR_NOT_FOUND = _lib.VML_ERROR_NOT_FOUND
ERROR_CANCELLED = _lib.VML_ERROR_CANCELLED

# Address spaces passed to a from_maps() reader.
SPACE_VIRTUAL = _lib.VML_SPACE_VIRTUAL
SPACE_PHYSICAL = _lib.VML_SPACE_PHYSICAL

# Where.half values.
HALF_USER = _lib.VML_HALF_USER
HALF_KERNEL = _lib.VML_HALF_KERNEL
HALF_NONCANONICAL = _lib.VML_HALF_NONCANONICAL
HALF_OUTSIDE = _lib.VML_HALF_OUTSIDE

# Where.stack_note values.
STACK_NOTE_NONE = _lib.VML_STACK_NOTE_NONE
STACK_NOTE_RED_ZONE = _lib.VML_STACK_NOTE_RED_ZONE
STACK_NOTE_UNUSED = _lib.VML_STACK_NOTE_UNUSED

# Where.stack_role values: what the address is to a thread's stack.
STACK_ROLE_NONE = _lib.VML_STACK_ROLE_NONE
STACK_ROLE_LIVE = _lib.VML_STACK_ROLE_LIVE
STACK_ROLE_RED_ZONE = _lib.VML_STACK_ROLE_RED_ZONE
STACK_ROLE_UNUSED = _lib.VML_STACK_ROLE_UNUSED
STACK_ROLE_GUARD = _lib.VML_STACK_ROLE_GUARD
STACK_ROLE_OVERFLOW = _lib.VML_STACK_ROLE_OVERFLOW
STACK_ROLE_GAP_OVERFLOW = _lib.VML_STACK_ROLE_GAP_OVERFLOW

# Names as the library spells them (the JSON "kind" / "group"), by enum value.
KINDS = [_lib.decode(_lib.vml_kind_name(i)) for i in range(_lib.VML_KIND_COUNT)]
GROUPS = [_lib.decode(_lib.vml_group_name(i))
          for i in range(_lib.VML_GROUP_COUNT)]

# Crash kinds as the library names them (Crash.kind, the JSON "kind").
CRASH_KINDS = [_lib.decode(_lib.vml_crash_kind_name(i))
               for i in range(_lib.VML_CRASH_KIND_COUNT)]
_ACCESSES = [None, "read", "write", "execute"]
_ADDR_FROM = [None, "siginfo", "operand", "target", "sp"]

_FORMATS = {
    "picture": _lib.VML_FORMAT_PICTURE,
    "table": _lib.VML_FORMAT_TABLE,
    "json": _lib.VML_FORMAT_JSON,
    "text": _lib.VML_FORMAT_TEXT,
    "line": _lib.VML_FORMAT_LINE,
}

_U64 = (1 << 64) - 1


def version():
    """The library's version string."""
    return _lib.decode(_lib.vml_version())


def format_size(nbytes):
    """Human size as the library writes it: "4.0 KiB", "128 TiB"."""
    buf = ctypes.create_string_buffer(32)
    _lib.vml_format_size(nbytes & _U64, buf, len(buf))
    return buf.value.decode()


def disasm(code, addr, arch=None):
    """Decode one instruction of bytes `code` located at `addr`.
    Returns (text, length) as GDB's x/i would print it. arch: an
    ARCH_* id or a name ("i386"); x86-64 when None."""
    code = bytes(code)
    out = ctypes.create_string_buffer(256)
    n = ctypes.c_size_t(0)
    if arch is None:
        _lib.check(_lib.vml_disasm_one(code, len(code), addr & _U64, out,
                                       len(out), ctypes.byref(n)))
    else:
        _lib.check(_lib.vml_disasm_one_arch(
            _arch_id(arch), code, len(code), addr & _U64, out, len(out),
            ctypes.byref(n)))
    return out.value.decode("utf-8", "surrogateescape"), n.value


# Architecture ids (enum vml_arch_id).
ARCH_UNKNOWN = _lib.VML_ARCH_UNKNOWN
ARCH_X86_64 = _lib.VML_ARCH_X86_64
ARCH_I386 = _lib.VML_ARCH_I386
ARCH_X32 = _lib.VML_ARCH_X32
ARCH_AARCH64 = _lib.VML_ARCH_AARCH64


def arch_from_name(name):
    """The library's id of an architecture named as it or a debugger
    names it ("i386", GDB's "i386:x86-64", "i386:x64-32"); ARCH_UNKNOWN
    for none."""
    return _lib.vml_arch_from_name(name.encode())


def arch_name(arch):
    """The library's name of an architecture id ("x86-64", "i386"), or
    None."""
    return _lib.decode(_lib.vml_arch_name(arch))


def _arch_id(arch):
    if not isinstance(arch, str):
        return int(arch)
    arch_id = arch_from_name(arch)
    if arch_id == ARCH_UNKNOWN:
        raise Error(ERROR_UNSUPPORTED, "unsupported: architecture %r "
                    "(not one the library describes)" % arch)
    return arch_id


def _name_of(names, value):
    if 0 <= value < len(names) and names[value] is not None:
        return names[value]
    return str(value)


class _Handle:
    """What every wrapper of a library handle shares: `with` and garbage
    collection close it, _h() refuses a closed one (a use after close()
    must be a Python error, never a freed pointer given to C). Subclasses
    set _WHAT and define close()."""

    _WHAT = "handle"
    _handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _h(self):
        if not self._handle:
            raise ValueError("vmlayout: %s is closed" % self._WHAT)
        return self._handle


class Region:
    """One mapping: [start, end) with its maps columns and classification.
    kind and group are the library's names ("text", "exe" ...)."""

    __slots__ = ("start", "end", "offset", "inode", "dev_major",
                 "dev_minor", "prot", "kind", "group", "flags", "perms",
                 "name", "path", "object", "tid", "tids", "index")

    def __init__(self, c, index=None):
        self.start = c.start
        # Python ints can say 2^64, which the C end field cannot.
        self.end = c.end + 1 if c.flags & _lib.VML_REGION_ENDS_AT_TOP and \
            c.end == (1 << 64) - 1 else c.end
        self.offset = c.offset
        self.inode = c.inode
        self.dev_major = c.dev_major
        self.dev_minor = c.dev_minor
        self.prot = c.prot
        self.kind = _name_of(KINDS, c.kind)
        self.group = _name_of(GROUPS, c.group)
        self.flags = c.flags
        self.perms = c.perms.decode("ascii", "replace")
        self.name = _lib.decode(c.name)
        self.path = _lib.decode(c.path)
        self.object = _lib.decode(c.object)
        self.tid = c.tid
        # Every thread whose $sp the region holds, by tid.
        self.tids = [c.tids[k] for k in range(c.nthreads)] \
            if c.tids else []
        self.index = index

    @property
    def size(self):
        return self.end - self.start

    @property
    def deleted(self):
        return bool(self.flags & _lib.VML_REGION_DELETED)

    @property
    def file_mismatch(self):
        """The file at path on disk is not the one mapped here (rebuilt
        or replaced since): nothing was read from it."""
        return bool(self.flags & _lib.VML_REGION_FILE_MISMATCH)

    def __contains__(self, addr):
        return self.start <= addr < self.end

    def __eq__(self, other):
        if not isinstance(other, Region):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f)
                   for f in self.__slots__ if f != "index")

    def __hash__(self):
        return hash((self.start, self.end))

    def __repr__(self):
        return "<Region %#x-%#x %s %s%s>" % (
            self.start, self.end, self.perms, self.kind,
            " " + self.name if self.name else "")


class Where:
    """The answer of Layout.where(addr): every field of struct vml_where.
    region is a Region or None (then gap is a dict, else None); file_offset,
    stack_sp and insn are None when their has_* flag is false; section and
    symbol are None when unknown. stack_note (STACK_NOTE_*), null_page and
    kernel_hidden are the notes the library decided; user_end and
    kernel_start the canonical halves addr was judged by (equal for a
    32-bit process: no hole), space_last the last address of the space
    (half is HALF_OUTSIDE above it). stack_role (STACK_ROLE_*),
    stack_is_main, overflow_depth, stack_region (a Region or None) and
    stack_threads (tids) say whose stack, guard or stack gap addr is,
    decided by each thread's own $sp."""

    def __init__(self, c, layout):
        self._c = c            # rendered again by Layout.where_text(self)
        self.addr = c.addr
        self.half = c.half
        self.canonical = bool(c.canonical)
        self.region = layout._region_at(c.region_index)
        self.gap = None if self.region is not None else \
            layout._gap_dict(c.gap)
        self.has_file_offset = bool(c.has_file_offset)
        self.file_offset = c.file_offset if c.has_file_offset else None
        self.section = _lib.decode(c.section)
        self.section_offset = c.section_offset
        self.symbol = _lib.decode(c.symbol)
        self.symbol_offset = c.symbol_offset
        self.stack_tid = c.stack_tid
        self.has_stack_sp = bool(c.has_stack_sp)
        self.stack_sp = c.stack_sp if c.has_stack_sp else None
        self.above_sp = c.above_sp
        self.has_insn = bool(c.has_insn)
        self.insn_len = c.insn_len
        self.insn = c.insn.decode("utf-8", "surrogateescape") \
            if c.has_insn else None
        self.stack_note = c.stack_note
        self.null_page = bool(c.null_page)
        self.kernel_hidden = bool(c.kernel_hidden)
        self.user_end = c.user_end
        self.kernel_start = c.kernel_start
        self.noncanonical_fault = _lib.decode(c.noncanonical_fault)
        self.space_last = c.space_last
        # Stack facts: the role (STACK_ROLE_*), whether stack_tid is the
        # main thread, how deep its $sp went into the guard (or below the
        # main stack), the stack mapping and every thread whose $sp is in
        # it.
        self.stack_role = c.stack_role
        self.stack_is_main = bool(c.stack_is_main)
        self.overflow_depth = c.overflow_depth
        self.stack_region = layout._region_at(c.stack_region_index)
        self.stack_threads = [c.stack_threads[k]
                              for k in range(c.nstack_threads)] \
            if c.stack_threads else []

    def __repr__(self):
        where = repr(self.region) if self.region is not None else "unmapped"
        sym = ""
        if self.symbol:
            sym = " %s+%#x" % (self.symbol, self.symbol_offset)
        return "<Where %#x %s%s>" % (self.addr, where, sym)


class Crash:
    """The answer of Layout.crash(): why the program died, every field of
    struct vml_crash. kind is the library's name ("null-dereference",
    "stack-overflow" ...); values the library does not know are None
    (si_code, fault_addr, pc, sp, insn, addr ...); region, stack_region,
    guard_region and pc_region are Regions or None; gap is a dict (as
    Layout.gap) when addr is unmapped; operand is a dict (text, addr,
    size, base, base_value, index, index_value, scale, segment,
    segment_base) or None."""

    def __init__(self, c, layout):
        self._c = c            # rendered again by Layout.crash_text(self)
        self.kind = _name_of(CRASH_KINDS, c.kind)
        self.summary = _lib.decode(c.summary)
        self.signo = c.signo
        self.si_code = c.si_code if c.has_si_code else None
        self.code_name = _lib.decode(c.code_name)
        self.code_text = _lib.decode(c.code_text)
        self.sent = bool(c.sent)
        self.fault_addr = c.fault_addr if c.has_fault_addr else None
        self.tid = c.tid or None
        self.main = bool(c.tid_is_main)
        self.nthreads = c.nthreads
        self.pc = c.pc if c.has_pc else None
        self.sp = c.sp if c.has_sp else None
        self.pc_region = layout._region_at(c.pc_region_index)
        self.pc_section = _lib.decode(c.pc_section)
        self.pc_section_offset = c.pc_section_offset
        self.pc_symbol = _lib.decode(c.pc_symbol)
        self.pc_symbol_offset = c.pc_symbol_offset
        self.insn = c.insn.decode("utf-8", "surrogateescape") \
            if c.has_insn else None
        self.insn_len = c.insn_len if c.has_insn else None
        self.operand = None
        if c.has_operand:
            self.operand = {
                "text": c.operand.decode("utf-8", "surrogateescape"),
                "addr": c.operand_addr if c.has_operand_addr else None,
                "size": c.operand_size or None,
                "base": c.operand_base.decode() or None,
                "base_value": c.operand_base_value
                if c.operand_base else None,
                "index": c.operand_index.decode() or None,
                "index_value": c.operand_index_value
                if c.operand_index else None,
                "scale": c.operand_scale if c.operand_index else None,
                "segment": c.operand_segment.decode() or None,
                "segment_base": c.operand_segment_base
                if c.operand_segment else None,
            }
        self.access = _name_of(_ACCESSES, c.access)
        self.addr = c.addr if c.has_addr else None
        self.addr_from = _name_of(_ADDR_FROM, c.addr_from)
        self.half = c.half
        self.canonical = bool(c.canonical)
        self.region = layout._region_at(c.region_index)
        self.gap = layout._gap_dict(c.gap) \
            if c.has_addr and self.region is None else None
        self.section = _lib.decode(c.section)
        self.section_offset = c.section_offset
        self.symbol = _lib.decode(c.symbol)
        self.symbol_offset = c.symbol_offset
        self.file_offset = c.file_offset if c.has_file_offset else None
        self.overflow_tid = c.overflow_tid or None
        self.overflow_main = bool(c.overflow_is_main)
        self.overflow_sp = c.overflow_sp
        self.overflow_depth = c.overflow_depth
        self.stack_region = layout._region_at(c.stack_region_index)
        self.guard_region = layout._region_at(c.guard_region_index)
        self.alignment = c.alignment or None
        self.file_size = c.file_size if c.has_file_size else None
        self.abort_function = _lib.decode(c.abort_function)
        self.abort_message = c.abort_message.decode("utf-8", "replace") \
            if c.has_abort_message else None
        self.return_addr = c.return_addr if c.has_return_addr else None
        self.return_symbol = _lib.decode(c.return_symbol)
        self.return_symbol_offset = c.return_symbol_offset

    def __repr__(self):
        return "<Crash %s %s%s>" % (
            self.kind, "signal %d" % self.signo,
            " at %#x" % self.addr if self.addr is not None else "")


class Layout(_Handle):
    """A classified region set. Owns the C layout and everything it
    borrows (source, read callback, core buffer); close() frees the layout
    before the things it borrows."""

    _WHAT = "layout"

    def __init__(self, handle, keep=(), owner=None):
        self._handle = handle
        self._keep = list(keep)   # sources / callbacks / buffers it borrows
        self._regions = None
        self._some_regions = {}   # index -> Region, before regions is built
        # A layout that belongs to another object (a Kernel's) is not
        # freed here: the owner frees it, and is kept alive by this view.
        self._owner = owner

    # -- lifetime

    def close(self):
        handle, self._handle = self._handle, None
        if handle and self._owner is None:
            _lib.vml_layout_free(handle)
        self._owner = None
        # Now nothing borrows them any more: free sources, drop the rest.
        keep, self._keep = self._keep, []
        for obj in keep:
            if isinstance(obj, _OwnedSource):
                obj.free()

    # -- regions

    @property
    def regions(self):
        if self._regions is None:
            h = self._h()
            n = _lib.vml_layout_count(h)
            some = self._some_regions
            self._regions = [
                some.get(i) or Region(_lib.vml_layout_region(h, i).contents,
                                      i)
                for i in range(n)]
            self._some_regions = {}
        return self._regions

    def __len__(self):
        return _lib.vml_layout_count(self._h())

    def __iter__(self):
        return iter(self.regions)

    def _region_at(self, index):
        """The Region at an index the library gave (region_index,
        below_index ...), or None for SIZE_MAX (no region). Indexes, never
        pointer arithmetic: vml_region may grow in a newer library."""
        if index == _lib.SIZE_MAX:
            return None
        if self._regions is not None:
            return self._regions[index]
        # One region, not the whole list: a 60,000-region layout answers
        # a single lookup without building 60,000 objects. The same index
        # always gives the same object (regions reuses it too).
        region = self._some_regions.get(index)
        if region is None:
            region = Region(_lib.vml_layout_region(self._h(), index).contents,
                            index)
            self._some_regions[index] = region
        return region

    def _gap_dict(self, g):
        return {
            "start": g.start,
            "last": g.last,
            "size": g.last - g.start + 1,
            "below": self._region_at(g.below_index),
            "above": self._region_at(g.above_index),
        }

    def find(self, addr):
        """The Region holding addr, or None."""
        return self._region_at(
            _lib.vml_layout_find_index(self._h(), addr & _U64))

    def gap(self, addr):
        """None when addr is mapped; else the unmapped gap holding it as a
        dict: start, last (inclusive), size, below, above (Region|None)."""
        h = self._h()
        if _lib.vml_layout_find_index(h, addr & _U64) != _lib.SIZE_MAX:
            return None
        g = _lib.vml_gap()
        _lib.check(_lib.vml_layout_gap(h, addr & _U64, ctypes.byref(g),
                                       ctypes.sizeof(g)))
        return self._gap_dict(g)

    # -- whereis

    def _where_c(self, addr):
        w = _lib.vml_where()
        _lib.check(_lib.vml_layout_where(self._h(), addr & _U64,
                                         ctypes.byref(w), ctypes.sizeof(w)))
        return w

    def where(self, addr):
        """Explain addr (a Where); unmapped or non-canonical is an answer."""
        return Where(self._where_c(addr), self)

    def where_text(self, addr, fmt="text", color=False):
        """whereis as the library renders it: fmt "text", "json" or "line"
        (the first line alone: for a non-canonical address the one-line
        error). addr is an address, or a Where this layout gave (not
        computed again)."""
        if fmt not in ("text", "json", "line"):
            raise ValueError("vmlayout: where_text format must be 'text', "
                             "'json' or 'line', not %r" % (fmt,))
        if isinstance(addr, Where):
            w = addr._c
        elif isinstance(addr, _lib.vml_where):
            w = addr            # a raw answer (Layout._where_c)
        else:
            w = self._where_c(addr)
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_where(
            self._h(), ctypes.byref(w), ctypes.sizeof(w), _FORMATS[fmt],
            _lib.VML_RENDER_COLOR if color else 0, ctypes.byref(out)))
        return _lib.take_string(out.value)

    # -- whole-memory answers

    def _sources_interrupted(self):
        return any(getattr(k, "interrupted", False) for k in self._keep)

    def scan(self, frm=None, to=None, *, max_hits=0, progress=None,
             source=None, block=0):
        """Pointer scan (a Scan): every aligned 8-byte word of the memory
        frm selects whose value points into the memory to selects.
        Selections as `vmlayout --scan` takes them: kinds ("heap"), "all",
        objects ("libc.so.6"), paths, "START-END", comma-separated; None
        means all readable memory (frm) or anything mapped (to).
        progress(done, total) is called between blocks; returning True
        stops the scan (Error with code ERROR_CANCELLED), and an exception
        it raises (KeyboardInterrupt) stops it and is raised again.
        source: a Source to read through instead of the layout's."""
        for k in self._keep:
            if isinstance(k, _OwnedSource):
                k.interrupted = False   # only a Ctrl-C during this scan
        return _run_scan(_lib.vml_layout_scan, self._h(), self, frm, to,
                         max_hits, progress, source, block,
                         self._sources_interrupted)

    def _deref_c(self, addr, count, depth, source):
        return _run_deref(_lib.vml_layout_deref, self._h(), addr, count, depth, source)

    def deref(self, addr, count=1, depth=0, source=None):
        """count words from addr, each followed as a pointer chain (depth
        values at most; 0: the library's default). A list of dicts: "at",
        "values" (ints), "end" ("value", "cycle", "depth", "unreadable",
        "no-word")."""
        words, count = self._deref_c(addr, count, depth, source)
        return _deref_list(words, count)

    def deref_text(self, addr, count=1, depth=0, fmt="text", color=False,
                   source=None):
        """whereis --deref as the library renders it: fmt "text" or
        "json"."""
        words, count = self._deref_c(addr, count, depth, source)
        return _render_deref(self._h(), words, count, fmt, color)

    # -- crashes

    def add_thread_registers(self, tid, registers):
        """Give the library thread tid's registers: a dict (or pairs) of
        name -> value, named as the architecture does ("rip", "rsp",
        "rax" ..., "fs_base")."""
        items = list(registers.items() if hasattr(registers, "items")
                     else registers)
        names = [_to_bytes(n, "register name") for n, _ in items]
        arr = (_lib.vml_named_value * max(len(items), 1))()
        for i, (name, (_, value)) in enumerate(zip(names, items)):
            arr[i].name = name
            arr[i].value = int(value) & _U64
        _lib.check(_lib.vml_layout_add_thread_registers(
            self._h(), int(tid), arr, len(items)))

    def set_siginfo(self, tid, signo, si_code, addr=None):
        """The signal thread tid stopped with (si_signo, si_code, si_addr
        or None), as GDB's $_siginfo says."""
        _lib.check(_lib.vml_layout_set_siginfo(
            self._h(), int(tid), int(signo), int(si_code),
            addr is not None, (addr or 0) & _U64))

    def _crash_c(self):
        c = _lib.vml_crash()
        _lib.check(_lib.vml_layout_crash(self._h(), ctypes.byref(c),
                                         ctypes.sizeof(c)))
        return c

    def crash(self):
        """Why the program died (a Crash). Raises Error (ERROR_NOT_FOUND,
        one line) when the layout knows no fatal signal."""
        return Crash(self._crash_c(), self)

    def crash_text(self, crash=None, fmt="text"):
        """The crash as the library renders it: fmt "text" (one short
        paragraph) or "json". crash: a Crash this layout gave, or None to
        explain it now."""
        if fmt not in ("text", "json"):
            raise ValueError("vmlayout: crash_text format must be 'text' "
                             "or 'json', not %r" % (fmt,))
        c = crash._c if isinstance(crash, Crash) else self._crash_c()
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_crash(
            self._h(), ctypes.byref(c), ctypes.sizeof(c), _FORMATS[fmt], 0,
            ctypes.byref(out)))
        return _lib.take_string(out.value)

    # -- rendering

    def render(self, fmt="picture", color=False):
        """The layout as "picture", "table" or "json" text."""
        if fmt not in ("picture", "table", "json"):
            raise ValueError("vmlayout: render format must be 'picture', "
                             "'table' or 'json', not %r" % (fmt,))
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_layout(
            self._h(), _FORMATS[fmt], _lib.VML_RENDER_COLOR if color else 0,
            ctypes.byref(out)))
        return _lib.take_string(out.value)

    # -- facts

    @property
    def flags(self):
        return _lib.vml_layout_flags(self._h())

    @property
    def incomplete(self):
        return bool(self.flags & _lib.VML_LAYOUT_INCOMPLETE)

    @property
    def partial(self):
        """Only what vml_layout_add_known_mappings could tell (from_auxv)."""
        return bool(self.flags & _lib.VML_LAYOUT_PARTIAL)

    @property
    def core_info(self):
        """Facts from the core's notes as a dict, or None (not a core)."""
        h = self._h()
        if not _lib.vml_layout_is_core(h):
            return None
        ci = _lib.vml_core_info()
        _lib.check(_lib.vml_layout_core_info(h, ctypes.byref(ci),
                                             ctypes.sizeof(ci)))
        return {
            "pid": ci.pid,
            "signo": ci.signo,
            "fault_addr": ci.fault_addr if ci.has_fault_addr else None,
            "command": _lib.decode(ci.command),
            "args": _lib.decode(ci.args),
            "nthreads": ci.nthreads,
            "has_file_note": bool(ci.has_file_note),
            "has_auxv": bool(ci.has_auxv),
            "incomplete": bool(ci.incomplete),
        }

    def core_summary(self, path=None):
        """The core's one-line summary as the library words it ("core PATH:
        pid N (cmd), signal SIGSEGV (fault address 0x...), N threads", no
        newline), or None when the layout is not from a core. path: the
        core as the user named it."""
        h = self._h()
        if not _lib.vml_layout_is_core(h):
            return None
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_core_summary(
            h, _path_bytes(path) if path is not None else None,
            ctypes.byref(out)))
        return _lib.take_string(out.value).rstrip("\n")

    @property
    def arch(self):
        """The architecture of the address space, by the library's name
        ("x86-64", "i386")."""
        return arch_name(_lib.vml_layout_get_arch(self._h()))

    @property
    def warnings(self):
        """Warnings about the whole layout, one line each ("warning: the
        layout is incomplete: ...", "warning: 1 file on disk is not the one
        the core mapped ..."); [] when there are none."""
        h = self._h()
        return [_lib.decode(_lib.vml_layout_warning(h, i))
                for i in range(_lib.vml_layout_warning_count(h))]

    def set_disasm_syntax(self, syntax):
        """The syntax of whereis' insn line: "att" (the default) or
        "intel" (GDB's `set disassembly-flavor intel`)."""
        _lib.check(_lib.vml_layout_set_disasm_syntax(
            self._h(), str(syntax).encode()))

    def set_pid(self, pid):
        """The layout is of the live process pid on this machine: the
        library may read /proc/PID/map_files and /proc/PID/exe (sections
        and symbols of deleted files) and compare inodes. Classifies
        again."""
        h = self._h()
        _lib.check(_lib.vml_layout_set_pid(h, int(pid)))
        _lib.check(_lib.vml_layout_classify(h))
        self._regions = None

    def __repr__(self):
        if not self._handle:
            return "<Layout closed>"
        return "<Layout %d regions%s>" % (
            len(self), " incomplete" if self.incomplete else "")


_DEREF_ENDS = ["value", "cycle", "depth", "unreadable", "no-word"]


def _run_deref(fn, handle, addr, count, depth, source):
    """vml_layout_deref or vml_kernel_deref (fn) of count words at addr:
    the filled word array and the count."""
    count = int(count)
    words = (_lib.vml_deref_word * max(count, 1))()
    _lib.check(fn(handle, source.handle if source is not None else None,
                  addr & _U64, count, int(depth), words,
                  ctypes.sizeof(_lib.vml_deref_word)))
    return words, count


def _deref_list(words, count):
    out = []
    for i in range(count):
        w = words[i]
        n = min(w.nvalues, _lib.VML_DEREF_MAX_DEPTH)
        out.append({"at": w.at, "values": [w.chain[j] for j in range(n)],
                    "end": _name_of(_DEREF_ENDS, w.end)})
    return out


def _render_deref(layout_handle, words, count, fmt, color):
    if fmt not in ("text", "json"):
        raise ValueError("vmlayout: deref format must be 'text' or 'json', "
                         "not %r" % (fmt,))
    out = ctypes.c_void_p()
    _lib.check(_lib.vml_render_deref(
        layout_handle, words, count, ctypes.sizeof(_lib.vml_deref_word),
        _FORMATS[fmt], _lib.VML_RENDER_COLOR if color else 0,
        ctypes.byref(out)))
    return _lib.take_string(out.value)


def _selection(text):
    if text is None:
        return None
    return _to_bytes(text, "selection")


def _run_scan(fn, handle, owner, frm, to, max_hits, progress, source, block,
              interrupted=lambda: False):
    """One vml_layout_scan / vml_kernel_scan call with a Python progress
    callback that can stop it (an exception inside it is raised again)."""
    req = _lib.vml_scan_request()
    keep_from, keep_to = _selection(frm), _selection(to)
    setattr(req, "from", keep_from)
    req.to = keep_to
    req.max_hits = int(max_hits)
    req.source = source.handle if source is not None else None
    req.block = int(block)
    pending = []

    def callback(arg, done, total):
        try:
            if interrupted():
                raise KeyboardInterrupt
            return 1 if progress is not None and progress(done, total) \
                else 0
        except BaseException as e:   # Ctrl-C, the caller's bugs
            pending.append(e)
            return 1

    cb = _lib.vml_progress_fn(callback)
    req.progress = cb
    out = _lib.scan_p()
    err = fn(handle, ctypes.byref(req), ctypes.sizeof(req), ctypes.byref(out))
    if pending:
        if err:
            _lib.vml_error_free(err)
        raise pending[0]
    _lib.check(err)
    return Scan(out.value, owner)


class Scan(_Handle):
    """The answer of Layout.scan / Kernel.scan: .stats (a dict: selected,
    scanned, unreadable, ranges, hits, kept), .hits() (dicts: at, value,
    region, section, section_offset, symbol, symbol_offset), .render(fmt)
    ("text" or "json", as `vmlayout --scan` prints it). Keeps the layout
    it names alive; close() frees it (also on garbage collection)."""

    _WHAT = "scan"

    def __init__(self, handle, owner):
        self._handle = handle
        self._owner = owner      # the Layout or Kernel the hits name

    def close(self):
        handle, self._handle = self._handle, None
        if handle:
            _lib.vml_scan_free(handle)
        self._owner = None

    @property
    def stats(self):
        st = _lib.vml_scan_stats()
        _lib.check(_lib.vml_scan_get_stats(self._h(), ctypes.byref(st),
                                           ctypes.sizeof(st)))
        return {name: getattr(st, name) for name, _ in st._fields_}

    def hits(self):
        layout = self._owner.layout if isinstance(self._owner, Kernel) \
            else self._owner
        out = []
        h = _lib.vml_scan_hit_struct()
        for i in range(self.stats["kept"]):
            _lib.check(_lib.vml_scan_hit(self._h(), i, ctypes.byref(h),
                                         ctypes.sizeof(h)))
            out.append({
                "at": h.at, "value": h.value,
                "region": layout._region_at(h.region_index),
                "section": _lib.decode(h.section),
                "section_offset": h.section_offset,
                "symbol": _lib.decode(h.symbol),
                "symbol_offset": h.symbol_offset,
                "object": _lib.decode(h.object),
            })
        return out

    def render(self, fmt="text", color=False):
        if fmt not in ("text", "json"):
            raise ValueError("vmlayout: scan format must be 'text' or "
                             "'json', not %r" % (fmt,))
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_scan(
            self._h(), _FORMATS[fmt], _lib.VML_RENDER_COLOR if color else 0,
            ctypes.byref(out)))
        return _lib.take_string(out.value)


class Kernel(_Handle):
    """A kernel's address space read from its page tables (struct
    vml_kernel *): .layout (a Layout of both halves, owned by the kernel),
    .ranges (the walk's count), kind_at(addr), scan(), deref(),
    deref_text(). Made by a debugger bridge (GDB's QEMU bridge) with
    Kernel(handle, keep): keep holds what the kernel borrows (its
    source)."""

    _WHAT = "kernel"

    def __init__(self, handle, keep=()):
        self._handle = handle
        self._keep = list(keep)
        self._layout = None

    def close(self):
        if self._layout is not None:
            self._layout.close()
            self._layout = None
        handle, self._handle = self._handle, None
        if handle:
            _lib.vml_kernel_free(handle)
        self._keep = []

    @property
    def handle(self):
        return self._h()

    @property
    def layout(self):
        if self._layout is None:
            self._layout = Layout(_lib.vml_kernel_layout(self._h()),
                                  owner=self)
        return self._layout

    def set_ksyms(self, ksyms):
        """Give the kernel its own symbols and types (a KernelSymbols,
        or None): bases from them, names in whereis. The layout is
        classified again (Layout objects taken before are closed)."""
        if self._layout is not None:
            self._layout.close()
            self._layout = None
        _lib.check(_lib.vml_kernel_set_ksyms(
            self._h(), ksyms.handle if ksyms is not None else None))
        self._keep.append(ksyms)

    def object_at(self, addr):
        """The kernel object holding addr, in one line ("stack of task
        95 ...", "module vmltest: text ...", "vmalloc area ...", "per-CPU
        area of CPU 1 ...", "kmalloc-256 object 5 at ... allocated",
        "page 0x1234 (struct page ...): anonymous ..."), or None: needs
        set_ksyms with a KernelSymbols
        that has types (BTF). Reads the kernel's memory."""
        w = _lib.STRUCTS["vml_kernel_where"]()
        _lib.check(_lib.vml_kernel_where(self._h(), addr & _U64, None,
                                         ctypes.byref(w),
                                         ctypes.sizeof(w)))
        return w.object.decode("utf-8", "replace") or None

    def task_maps(self, pid):
        """(maps text, physical address of its page-table root or None)
        of the guest process pid, read from the kernel's memory: its VMAs
        as /proc/PID/maps lines (vmlayout.from_maps(text) makes its
        Layout). Needs set_ksyms with types (BTF)."""
        out = ctypes.c_void_p()
        pgd = ctypes.c_uint64()
        _lib.check(_lib.vml_kernel_task_maps(self._h(), int(pid),
                                             ctypes.byref(out),
                                             ctypes.byref(pgd)))
        return _lib.take_string(out.value), pgd.value or None

    def kind_at(self, addr):
        """The kind name of the documented slot holding addr."""
        return _name_of(KINDS, _lib.vml_kernel_kind_at(self._h(),
                                                       addr & _U64))

    def mapped(self, addr):
        """True when a mapped page-table range holds addr."""
        h = self._h()
        addr &= _U64
        lo, hi = 0, _lib.vml_kernel_range_count(h)
        while lo < hi:    # the ranges are sorted by start
            mid = (lo + hi) // 2
            r = _lib.vml_kernel_range(h, mid).contents
            if r.last < addr:
                lo = mid + 1
            elif r.start > addr:
                hi = mid
            else:
                return r.status == _lib.VML_PT_MAPPED
        return False

    def scan(self, frm=None, to=None, *, max_hits=0, progress=None,
             source=None, block=0):
        """As Layout.scan, over the walk's mapped ranges (virtual reads
        through the kernel's source unless source is given)."""
        return _run_scan(_lib.vml_kernel_scan, self._h(), self, frm, to,
                         max_hits, progress, source, block)

    def _deref_c(self, addr, count, depth, source):
        return _run_deref(_lib.vml_kernel_deref, self._h(), addr, count, depth, source)

    def deref(self, addr, count=1, depth=0, source=None):
        words, count = self._deref_c(addr, count, depth, source)
        return _deref_list(words, count)

    def deref_text(self, addr, count=1, depth=0, fmt="text", color=False,
                   source=None):
        words, count = self._deref_c(addr, count, depth, source)
        return _render_deref(_lib.vml_kernel_layout(self._h()), words, count,
                             fmt, color)


class KernelSymbols(_Handle):
    """A kernel's own symbols and types read from its memory (struct
    vml_ksyms *): kallsyms, and BTF when the kernel has it. Made with
    KernelSymbols.load(kernel) (kernel: a Kernel whose source reads the
    target); independent of that kernel afterwards, valid as long as the
    kernel runs (check(kernel) says whether a later walk still shows it)."""

    _WHAT = "kernel symbols"

    def __init__(self, handle):
        self._handle = handle

    @classmethod
    def load(cls, kernel, types=True):
        h = _lib.ksyms_p()
        _lib.check(_lib.vml_ksyms_load(
            kernel.handle, 0 if types else _lib.VML_KSYMS_NO_TYPES,
            ctypes.byref(h)))
        return cls(h.value)

    def close(self):
        handle, self._handle = self._handle, None
        if handle:
            _lib.vml_ksyms_free(handle)

    @property
    def handle(self):
        return self._h()

    def __len__(self):
        return _lib.vml_ksyms_count(self.handle)

    @property
    def description(self):
        return _lib.decode(_lib.vml_ksyms_description(self.handle))

    @property
    def has_types(self):
        return bool(_lib.vml_ksyms_has_types(self.handle))

    @staticmethod
    def _sym(s):
        return {"addr": s.addr, "size": s.size, "name": _lib.decode(s.name),
                "module": _lib.decode(s.module) if s.module else None,
                "type": chr(s.type), "absolute": bool(s.absolute)}

    def symbol(self, i):
        s = _lib.vml_ksym()
        _lib.check(_lib.vml_ksyms_symbol(self.handle, i, ctypes.byref(s),
                                         ctypes.sizeof(s)))
        return self._sym(s)

    def __iter__(self):
        for i in range(len(self)):
            yield self.symbol(i)

    def lookup(self, name):
        """The symbol called name (dict), or None."""
        s = _lib.vml_ksym()
        err = _lib.vml_ksyms_lookup(self.handle, name.encode(),
                                    ctypes.byref(s), ctypes.sizeof(s))
        if err:
            _lib.vml_error_free(err)
            return None
        return self._sym(s)

    def find(self, addr):
        """(symbol dict, offset) of the symbol at or below addr, or None."""
        s = _lib.vml_ksym()
        off = ctypes.c_uint64()
        err = _lib.vml_ksyms_find(self.handle, addr & _U64, ctypes.byref(s),
                                  ctypes.sizeof(s), ctypes.byref(off))
        if err:
            _lib.vml_error_free(err)
            return None
        return self._sym(s), off.value

    def check(self, kernel):
        """True when kernel (a later walk) still holds these tables."""
        err = _lib.vml_ksyms_check(self.handle, kernel.handle)
        if err:
            _lib.vml_error_free(err)
            return False
        return True

    def write_elf(self, path, kernel=None):
        """An ELF symbol file of the kernel image's symbols for a
        debugger (add-symbol-file). kernel (its symbols set, with BTF):
        its loaded modules' symbols too, one section per module part."""
        _lib.check(_lib.vml_ksyms_write_elf(
            self.handle, kernel.handle if kernel is not None else None,
            os.fsencode(path)))


class ElfCache(_Handle):
    """Parsed ELF objects shared by the layouts made with it
    (from_maps(..., elf_cache=cache)): files that did not change (same
    device, inode, size, mtime) are not parsed again. At most max_bytes
    (0: 128 MiB) are kept, least recently used dropped first."""

    _WHAT = "ELF cache"

    def __init__(self, max_bytes=0):
        h = _lib.elf_cache_p()
        _lib.check(_lib.vml_elf_cache_new(int(max_bytes), ctypes.byref(h)))
        self._handle = h.value

    def close(self):
        handle, self._handle = self._handle, None
        if handle:
            _lib.vml_elf_cache_free(handle)

    @property
    def handle(self):
        return self._h()

    def stats(self):
        st = _lib.vml_elf_cache_stats()
        _lib.check(_lib.vml_elf_cache_get_stats(self.handle,
                                                ctypes.byref(st),
                                                ctypes.sizeof(st)))
        return {name: getattr(st, name) for name, _ in st._fields_}


class _OwnedSource:
    """A struct vml_source * plus whatever keeps its bytes alive."""

    def __init__(self, handle, keep):
        self.handle = handle
        self.keep = keep
        self.interrupted = False   # a read saw Ctrl-C (KeyboardInterrupt)

    def free(self):
        handle, self.handle = self.handle, None
        if handle:
            _lib.vml_source_free(handle)
        self.keep = None

    close = free

    def __del__(self):
        try:
            self.free()
        except Exception:
            pass


def pid_source(pid):
    """A Source reading the live process pid's memory through
    /proc/PID/mem in large reads (needs ptrace access: a debugger of it
    has). Pass it to Layout.scan(source=...); close() frees it."""
    src = _lib.source_p()
    _lib.check(_lib.vml_source_from_pid(int(pid), ctypes.byref(src)))
    return _OwnedSource(src.value, None)


def _reader_source(reader):
    """Wrap reader(space, addr, size) -> bytes|None as a callback source."""

    owned = None

    def callback(arg, space, addr, buf, size):
        # A Python exception must never cross into C (ctypes would print it
        # and return 0, i.e. "success" with garbage): any failure is a
        # failed read, which the library records as a hole. Ctrl-C is
        # remembered so a long scan can stop (Layout.scan checks).
        try:
            data = reader(space, addr, size)
            if data is None:
                return 1
            data = bytes(data)
            if len(data) != size:
                return 1
            ctypes.memmove(buf, data, size)
            return 0
        except KeyboardInterrupt:
            if owned is not None:
                owned.interrupted = True
            return 1
        except BaseException:
            return 1

    fn = _lib.vml_read_fn(callback)
    src = _lib.source_p()
    _lib.check(_lib.vml_source_from_callback(fn, None, ctypes.byref(src)))
    owned = _OwnedSource(src.value, fn)
    return owned


def _to_bytes(text, what):
    if isinstance(text, str):
        return text.encode("utf-8", "surrogateescape")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError("vmlayout: %s must be str or bytes, not %s"
                    % (what, type(text).__name__))


def _path_bytes(path):
    import os
    return os.fsencode(path)


def open_pid(pid):
    """Layout of a live process from /proc/PID (maps, auxv, exe, threads)."""
    h = _lib.layout_p()
    _lib.check(_lib.vml_layout_from_pid(int(pid), ctypes.byref(h)))
    return Layout(h.value)


def from_maps(text, *, threads=(), auxv=None, exe=None, reader=None,
              sysroot=None, arch=None, elf_cache=None, pid=None,
              disasm_syntax=None):
    """Layout from /proc/PID/maps text plus optional context, classified.

    threads: iterable of (tid, sp, is_main); auxv: raw bytes of
    /proc/PID/auxv; exe: path of the main executable; reader(space, addr,
    size) -> bytes|None reads target memory (space is SPACE_VIRTUAL or
    SPACE_PHYSICAL); sysroot: prefix for every file path read from disk;
    arch: the process's architecture, an ARCH_* id or a name ("i386", or
    GDB's Architecture.name()); x86-64 when None. An x32 process raises
    Error (unsupported).
    elf_cache: an ElfCache whose parsed ELF objects classification reuses
    (kept alive by the layout while it may classify). pid: the process on
    this machine the maps are of (lets the library read /proc/PID/map_files
    and exe: deleted files); disasm_syntax: "att" or "intel" for the insn
    lines."""
    data = _to_bytes(text, "maps text")
    h = _lib.layout_p()
    _lib.check(_lib.vml_layout_from_maps(data, len(data), ctypes.byref(h)))
    layout = Layout(h.value)
    try:
        if arch is not None:
            # First: the auxv's word size follows it.
            _lib.check(_lib.vml_layout_set_arch(layout._h(), _arch_id(arch)))
        for tid, sp, is_main in threads:
            _lib.check(_lib.vml_layout_add_thread(
                layout._h(), int(tid), int(sp) & _U64, bool(is_main)))
        if auxv is not None:
            raw = _to_bytes(auxv, "auxv")
            _lib.check(_lib.vml_layout_set_auxv(layout._h(), raw, len(raw)))
        if exe is not None:
            _lib.check(_lib.vml_layout_set_exe(layout._h(), _path_bytes(exe)))
        if sysroot is not None:
            _lib.check(_lib.vml_layout_set_sysroot(layout._h(),
                                                   _path_bytes(sysroot)))
        if reader is not None:
            src = _reader_source(reader)
            layout._keep.append(src)
            _lib.vml_layout_set_source(layout._h(), src.handle)
        if elf_cache is not None:
            layout._keep.append(elf_cache)
            _lib.vml_layout_set_elf_cache(layout._h(), elf_cache.handle)
        if pid is not None:
            _lib.check(_lib.vml_layout_set_pid(layout._h(), int(pid)))
        if disasm_syntax is not None:
            _lib.check(_lib.vml_layout_set_disasm_syntax(
                layout._h(), str(disasm_syntax).encode()))
        _lib.check(_lib.vml_layout_classify(layout._h()))
    except BaseException:
        layout.close()
        raise
    return layout


def from_auxv(auxv, exe, *, threads=(), reader=None, sysroot=None,
              arch=None):
    """Partial layout of a process whose mappings cannot be listed
    (qemu-aarch64 -g: QEMU's user-mode gdbstub gives no /proc/PID/maps):
    the library places the executable, the dynamic linker, the libraries
    of the dynamic linker's list and the main stack from the auxv, the
    files (under sysroot) and the memory reader(space, addr, size) reads;
    .partial is True and .warnings says what is missing. Arguments as for
    from_maps."""
    h = _lib.layout_p()
    _lib.check(_lib.vml_layout_from_maps(b"", 0, ctypes.byref(h)))
    layout = Layout(h.value)
    try:
        if arch is not None:
            _lib.check(_lib.vml_layout_set_arch(layout._h(), _arch_id(arch)))
        for tid, sp, is_main in threads:
            _lib.check(_lib.vml_layout_add_thread(
                layout._h(), int(tid), int(sp) & _U64, bool(is_main)))
        raw = _to_bytes(auxv, "auxv")
        _lib.check(_lib.vml_layout_set_auxv(layout._h(), raw, len(raw)))
        _lib.check(_lib.vml_layout_set_exe(layout._h(), _path_bytes(exe)))
        if sysroot is not None:
            _lib.check(_lib.vml_layout_set_sysroot(layout._h(),
                                                   _path_bytes(sysroot)))
        if reader is not None:
            src = _reader_source(reader)
            layout._keep.append(src)
            _lib.vml_layout_set_source(layout._h(), src.handle)
        _lib.check(_lib.vml_layout_add_known_mappings(layout._h()))
        _lib.check(_lib.vml_layout_classify(layout._h()))
    except BaseException:
        layout.close()
        raise
    return layout


def open_core(path, sysroot=None):
    """Layout of an ELF core file (the library maps the file itself).
    sysroot: prefix for the paths of the libraries the core names (a core
    without NT_FILE, as qemu-aarch64 writes, is named from its auxv and the
    dynamic linker's list, files read from disk)."""
    h = _lib.layout_p()
    _lib.check(_lib.vml_layout_from_core(_path_bytes(path), ctypes.byref(h)))
    layout = Layout(h.value)
    if sysroot:
        try:
            _lib.check(_lib.vml_layout_set_sysroot(layout._h(),
                                                   _path_bytes(sysroot)))
            _lib.check(_lib.vml_layout_classify(layout._h()))
        except BaseException:
            layout.close()
            raise
    return layout


def open_core_bytes(data):
    """Layout of an ELF core held in memory; the bytes are copied into a
    buffer that lives as long as the Layout."""
    data = bytes(data)
    buf = ctypes.create_string_buffer(data, len(data))
    h = _lib.layout_p()
    _lib.check(_lib.vml_layout_from_core_buffer(buf, len(data),
                                                ctypes.byref(h)))
    return Layout(h.value, keep=[buf])


# ------------------------------------------------------------------ kernel dumps

DUMP_FORMATS = {_lib.VML_DUMP_NONE: None, _lib.VML_DUMP_ELF: "elf",
                _lib.VML_DUMP_KDUMP: "kdump"}

_KQUERIES = {"layout": _lib.VML_KQUERY_LAYOUT,
             "pagetables": _lib.VML_KQUERY_PAGETABLES,
             "wx": _lib.VML_KQUERY_WX,
             "where": _lib.VML_KQUERY_WHERE,
             "phys": _lib.VML_KQUERY_PHYS}


def dump_format(path):
    """"elf" or "kdump" when path is a kernel dump (a whole machine's
    memory: QEMU's dump-guest-memory, kdump), None for anything else (a
    process core). Reads the headers and notes only."""
    fmt = ctypes.c_uint32(0)
    _lib.check(_lib.vml_dump_probe(_path_bytes(path), ctypes.byref(fmt)))
    return DUMP_FORMATS.get(fmt.value)


class Vmcore(_Handle):
    """A kernel dump (struct vml_vmcore *), mapped, never read whole:
    .info (what the dump says about itself), vmcoreinfo(key),
    answer(query, ...) (the text GDB's vmlayout/whereis print on a live
    guest), kernel() (a Kernel read through the dump)."""

    _WHAT = "vmcore"

    def __init__(self, handle, keep=()):
        self._handle = handle
        self._keep = list(keep)
        self._ksyms = None          # the dumped kernel's own symbols
        self._ksyms_error = None    # why there are none (read once)

    def close(self):
        handle, self._handle = self._handle, None
        ksyms, self._ksyms = self._ksyms, None
        if ksyms is not None:
            ksyms.close()
        if handle:
            _lib.vml_vmcore_free(handle)
        self._keep = []

    def symbols(self):
        """The dumped kernel's own symbols and types (KernelSymbols:
        kallsyms and BTF read from the dump's memory, as on a live guest),
        read once; None when there are none (symbols_error() says why)."""
        if self._ksyms is None and self._ksyms_error is None:
            kernel = self.kernel()
            try:
                self._ksyms = KernelSymbols.load(kernel)
            except Error as e:
                self._ksyms_error = e.message
            finally:
                kernel.close()
        return self._ksyms

    def symbols_error(self):
        """Why the dump gave no kernel symbols, or None."""
        return self._ksyms_error

    @property
    def info(self):
        c = _lib.vml_vmcore_info()
        _lib.check(_lib.vml_vmcore_get_info(self._h(), ctypes.byref(c),
                                            ctypes.sizeof(c)))
        return {
            "format": DUMP_FORMATS.get(c.format),
            "arch": arch_name(c.arch),
            "cpus": c.ncpus,
            "segments": c.nsegments,
            "memory_bytes": c.memory_bytes,
            "file_size": c.file_size,
            "cpu_state": c.has_cpu_state,
            "vmcoreinfo": c.has_vmcoreinfo,
            "pc": c.pc if c.has_pc else None,
            "kernel_offset": c.kernel_offset if c.has_kernel_offset
            else None,
            "phys_base": c.phys_base if c.has_phys_base else None,
            "osrelease": _lib.decode(c.osrelease) or None,
            "paging_from": _lib.decode(c.paging_from),
            "incomplete": c.incomplete,
            "problem": _lib.decode(c.problem) or None,
        }

    def vmcoreinfo(self, key):
        """The value of key in the dump's VMCOREINFO, or None."""
        buf = ctypes.create_string_buffer(4096)
        if not _lib.vml_vmcore_vmcoreinfo(self._h(), _to_bytes(key, "key"),
                                          buf, len(buf)):
            return None
        return _lib.decode(buf.value)

    def answer(self, query="layout", fmt="text", addr=0, color=False,
               symbols=True):
        """What GDB's command prints on a live guest: query "layout",
        "pagetables", "wx", "where" (addr virtual) or "phys" (addr
        physical); fmt "text" or "json". With symbols, the layout and
        whereis use the kernel's own symbols and types from the dump
        (symbols()) when it has them, as GDB's whereis does live."""
        if query not in _KQUERIES:
            raise ValueError("unknown query %r" % (query,))
        req = _lib.vml_kernel_request()
        req.query = _KQUERIES[query]
        req.format = _lib.VML_FORMAT_JSON if fmt == "json" \
            else _lib.VML_FORMAT_TEXT
        req.flags = _lib.VML_RENDER_COLOR if color and fmt != "json" else 0
        req.addr = addr & _U64
        ksyms = self.symbols() if symbols and query in ("layout", "where") \
            else None
        req.ksyms = ksyms.handle if ksyms is not None else None
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_vmcore_answer(self._h(), ctypes.byref(req),
                                          ctypes.sizeof(req),
                                          ctypes.byref(out)))
        return _lib.take_string(out)

    def kernel(self):
        """The dump's kernel (a Kernel that keeps this vmcore alive)."""
        k = _lib.kernel_p()
        _lib.check(_lib.vml_vmcore_kernel(self._h(), ctypes.byref(k)))
        return Kernel(k.value, keep=[self])

    def summary(self, path=None):
        """One line about the dump for the top of the picture."""
        i = self.info
        parts = ["kernel dump" + (" " + path if path else "") + ":"]
        parts.append("%s %s," % ("QEMU" if i["cpu_state"] else "kdump",
                                 "ELF" if i["format"] == "elf"
                                 else "kdump-compressed"))
        parts.append("%d CPU%s," % (i["cpus"], "" if i["cpus"] == 1
                                    else "s"))
        parts.append(format_size(i["memory_bytes"]) + " of memory")
        if i["osrelease"]:
            parts[-1] += ","
            parts.append("Linux " + i["osrelease"])
        if i["kernel_offset"] is not None:
            parts[-1] += ","
            parts.append("KASLR offset %#x" % i["kernel_offset"])
        return " ".join(parts)


def open_vmcore(path):
    """A kernel dump (QEMU's dump-guest-memory ELF, kdump's ELF layout)."""
    h = _lib.vmcore_p()
    _lib.check(_lib.vml_vmcore_open(_path_bytes(path), ctypes.byref(h)))
    return Vmcore(h.value)

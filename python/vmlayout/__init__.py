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

from . import _lib
from ._lib import Error

__all__ = [
    "Error", "Region", "Where", "Layout", "open_pid", "from_maps",
    "open_core", "open_core_bytes", "KINDS", "GROUPS", "version",
    "format_size", "disasm",
    "arch_from_name", "arch_name",
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


class Layout:
    """A classified region set. Owns the C layout and everything it
    borrows (source, read callback, core buffer); close() frees the layout
    before the things it borrows."""

    def __init__(self, handle, keep=()):
        self._handle = handle
        self._keep = list(keep)   # sources / callbacks / buffers it borrows
        self._regions = None

    # -- lifetime

    def close(self):
        handle, self._handle = self._handle, None
        if handle:
            _lib.vml_layout_free(handle)
        # Now nothing borrows them any more: free sources, drop the rest.
        keep, self._keep = self._keep, []
        for obj in keep:
            if isinstance(obj, _OwnedSource):
                obj.free()

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
            raise ValueError("vmlayout: layout is closed")
        return self._handle

    # -- regions

    @property
    def regions(self):
        if self._regions is None:
            h = self._h()
            n = _lib.vml_layout_count(h)
            self._regions = [Region(_lib.vml_layout_region(h, i).contents, i)
                             for i in range(n)]
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
        return self.regions[index]

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
        w = addr._c if isinstance(addr, Where) else self._where_c(addr)
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_where(
            self._h(), ctypes.byref(w), ctypes.sizeof(w), _FORMATS[fmt],
            _lib.VML_RENDER_COLOR if color else 0, ctypes.byref(out)))
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
        layout is incomplete: ..."); [] when there are none."""
        out = ctypes.c_void_p()
        _lib.check(_lib.vml_render_layout_warnings(self._h(),
                                                   ctypes.byref(out)))
        return _lib.take_string(out.value).splitlines()

    def __repr__(self):
        if not self._handle:
            return "<Layout closed>"
        return "<Layout %d regions%s>" % (
            len(self), " incomplete" if self.incomplete else "")


class _OwnedSource:
    """A struct vml_source * plus whatever keeps its bytes alive."""

    def __init__(self, handle, keep):
        self.handle = handle
        self.keep = keep

    def free(self):
        handle, self.handle = self.handle, None
        if handle:
            _lib.vml_source_free(handle)
        self.keep = None


def _reader_source(reader):
    """Wrap reader(space, addr, size) -> bytes|None as a callback source."""

    def callback(arg, space, addr, buf, size):
        # A Python exception must never cross into C (ctypes would print it
        # and return 0, i.e. "success" with garbage): any failure is a
        # failed read, which the library records as a hole.
        try:
            data = reader(space, addr, size)
            if data is None:
                return 1
            data = bytes(data)
            if len(data) != size:
                return 1
            ctypes.memmove(buf, data, size)
            return 0
        except BaseException:
            return 1

    fn = _lib.vml_read_fn(callback)
    src = _lib.source_p()
    _lib.check(_lib.vml_source_from_callback(fn, None, ctypes.byref(src)))
    return _OwnedSource(src.value, fn)


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
              sysroot=None, arch=None):
    """Layout from /proc/PID/maps text plus optional context, classified.

    threads: iterable of (tid, sp, is_main); auxv: raw bytes of
    /proc/PID/auxv; exe: path of the main executable; reader(space, addr,
    size) -> bytes|None reads target memory (space is SPACE_VIRTUAL or
    SPACE_PHYSICAL); sysroot: prefix for every file path read from disk;
    arch: the process's architecture, an ARCH_* id or a name ("i386", or
    GDB's Architecture.name()); x86-64 when None. An x32 process raises
    Error (unsupported)."""
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

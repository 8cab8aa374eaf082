"""QEMU gdbstub bridge: kernel targets inside GDB.

When GDB is connected to ``qemu-system-x86_64 -s`` this module reads CR3,
CR4 (LA57) and EFER (NXE), reads page-table pages in QEMU's physical-memory
mode and hands them to libvmlayout, which walks, classifies and renders.
Nothing is decided here: this file moves bytes and strings.

Entry points for gdbext/vmlayout-gdb.py:

    is_qemu_kernel_target()            -> bool
    kernel_command(argv, to_json)      -> str   (vmlayout [--pagetables] [--wx]
                                                 [--cr3 VALUE] [--json])
    kernel_whereis(addr, to_json, phys=False) -> str
                                                (whereis [--json] [--phys] ADDR)

Errors are raised as KernelError (one line, meant for gdb.GdbError).

Physical-memory mode (``maintenance packet Qqemu.PhyMemMode:1``) is switched
on lazily, only when a table page is not in the library's page cache, and
switched back in a ``finally`` on every path (errors, Ctrl-C, Python
exceptions). The cache lives until the target runs, a register or memory is
changed from GDB, or the connection goes away.
"""

import ctypes
import re

import gdb

from . import _lib

_U64 = (1 << 64) - 1
_PHYS_MASK = 0x000ffffffffff000     # CR3 bits 51:12; the low bits are PCID
_CR4_LA57 = 1 << 12
_EFER_NXE = 1 << 11
# mm.rst's documented direct-map bases, used only to read tables through the
# direct map when the stub has no physical mode and no symbol says better.
_DIRECT_DEFAULT = {4: 0xffff888000000000, 5: 0xff11000000000000}


class KernelError(Exception):
    """A one-line error for the GDB command to report."""


# ------------------------------------------------------------------ packets


def _packet(text):
    """Send a raw packet; return the stub's answer (without quotes)."""
    out = gdb.execute("maintenance packet " + text, to_string=True)
    m = re.search(r'received: "(.*)"', out)
    return m.group(1) if m else ""


def phys_mode_query():
    """QEMU's current physical-memory mode: "0", "1", or "" (unsupported)."""
    return _packet("qqemu.PhyMemMode")


def _flush_gdb_cache():
    # GDB must not keep bytes read in one mode as data of the other.
    try:
        gdb.execute("maintenance flush dcache", to_string=True)
    except gdb.error:
        pass


# ------------------------------------------------------------------ state


class _Session:
    """One library source for the whole GDB session: its page cache is what
    makes a second command while stopped read nothing remotely."""

    def __init__(self):
        self.source = None
        self.callback = None
        self.phys_on = False          # QEMU is in physical mode right now
        self.phys_supported = None    # None: not asked yet
        self.direct_base = None       # fallback: read tables via direct map
        self.pending = None           # exception raised inside a read
        self.remote_reads = 0         # reads sent to the stub
        self.fail_after = None        # tests: raise KeyboardInterrupt after N

    # -- reads (called from C through ctypes; must never raise)

    def _read(self, arg, space, addr, buf, size):
        if self.pending is not None:
            return 1        # aborted: fail fast, touch nothing remote
        try:
            data = self._read_bytes(space, addr, size)
            ctypes.memmove(buf, data, size)
            return 0
        except gdb.MemoryError:
            return 1
        except BaseException as e:   # Ctrl-C, gdb.error, bugs
            self.pending = e
            return 1

    def _read_bytes(self, space, addr, size):
        if self.fail_after is not None:
            if self.fail_after <= 0:
                raise KeyboardInterrupt("interrupted (test)")
            self.fail_after -= 1
        inf = gdb.selected_inferior()
        if space == _lib.VML_SPACE_PHYSICAL:
            if self.direct_base is not None:
                self._set_phys(False)
                data = inf.read_memory((self.direct_base + addr) & _U64, size)
            else:
                self._set_phys(True)
                data = inf.read_memory(addr, size)
        else:
            self._set_phys(False)
            data = inf.read_memory(addr, size)
        self.remote_reads += 1
        data = bytes(data)
        if len(data) != size:
            raise gdb.MemoryError("short read at %#x" % addr)
        return data

    def _set_phys(self, on):
        if self.phys_on == on:
            return
        if on:
            # Mark first: if sending is interrupted, the finally path
            # still switches back.
            self.phys_on = True
            answer = _packet("Qqemu.PhyMemMode:1")
            if answer != "OK":
                self.phys_on = False
                raise gdb.error("Qqemu.PhyMemMode:1 answered %r" % answer)
        else:
            _packet("Qqemu.PhyMemMode:0")
            self.phys_on = False
        _flush_gdb_cache()

    def leave_phys(self):
        """Always back to virtual mode (never raises past a second try)."""
        if not self.phys_on:
            return
        try:
            self._set_phys(False)
        except BaseException:
            # One retry: a Ctrl-C may have hit the first packet.
            _packet("Qqemu.PhyMemMode:0")
            self.phys_on = False
            _flush_gdb_cache()

    # -- the library source

    def get_source(self):
        if self.source is None:
            self.callback = _lib.vml_read_fn(self._read)
            src = _lib.source_p()
            _lib.check(_lib.vml_source_from_callback(self.callback, None,
                                                     ctypes.byref(src)))
            self.source = src.value
        return self.source

    def invalidate(self, *_args):
        if self.source is not None:
            _lib.vml_source_invalidate(self.source)

    def forget(self, *_args):
        """Connection gone: the next target may be another machine."""
        self.invalidate()
        self.phys_on = False
        self.phys_supported = None
        self.direct_base = None

    def stats(self):
        st = _lib.vml_source_stats()
        if self.source is not None:
            _lib.vml_source_get_stats(self.source, ctypes.byref(st))
        return st

    # -- one library call with the mode switched back whatever happens

    def call(self, fn, *args):
        self.pending = None
        try:
            err = fn(*args)
        finally:
            self.leave_phys()
        pending, self.pending = self.pending, None
        if pending is not None:
            # Reads failed on purpose to abort: the cache must not keep
            # them as unreadable pages.
            self.invalidate()
            if err:
                _lib.vml_error_free(err)
            if isinstance(pending, gdb.error):
                raise KernelError("reading the page tables failed: %s"
                                  % pending)
            raise pending
        _lib.check(err)


_session = _Session()


def _connect_events():
    ev = gdb.events
    ev.cont.connect(_session.invalidate)
    for name in ("memory_changed", "register_changed", "inferior_call"):
        if hasattr(ev, name):
            getattr(ev, name).connect(_session.invalidate)
    for name in ("exited", "connection_removed", "new_inferior"):
        if hasattr(ev, name):
            getattr(ev, name).connect(_session.forget)


_connect_events()


# ------------------------------------------------------------------ target


def _reg(name):
    return int(gdb.parse_and_eval("$" + name)) & _U64


def is_qemu_kernel_target():
    """GDB is on a remote connection whose target has a readable $cr3."""
    try:
        inf = gdb.selected_inferior()
        conn = getattr(inf, "connection", None)
        if conn is None or getattr(conn, "type", "") not in (
                "remote", "extended-remote"):
            return False
        if not inf.pid or not gdb.selected_thread():
            return False
        _reg("cr3")
        return True
    except (gdb.error, RuntimeError, ValueError, TypeError):
        return False


def _symbol_value(name):
    """Value of a kernel variable (an unsigned long such as page_offset_base)
    when vmlinux symbols are loaded, else 0."""
    try:
        sym = gdb.lookup_global_symbol(name) or \
            gdb.lookup_static_symbol(name)
        if sym is not None:
            return int(sym.value()) & _U64
        # A vmlinux without debug info (or a stripped-down symbol file) has
        # only ELF "minimal" symbols, which the lookups above do not see; an
        # expression does, and the variable is read from the target.
        return int(gdb.parse_and_eval(
            "*(unsigned long *)&'%s'" % name)) & _U64
    except (gdb.error, RuntimeError, ValueError, TypeError):
        return 0


def _symbol_address(name):
    try:
        return int(gdb.parse_and_eval("(unsigned long)&" + name)) & _U64
    except (gdb.error, RuntimeError, ValueError, TypeError):
        return 0


def _hints(rip):
    h = _lib.vml_kernel_hints()
    h.rip = rip
    if gdb.objfiles():
        h.bases[_lib.VML_KBASE_PAGE_OFFSET] = _symbol_value("page_offset_base")
        h.bases[_lib.VML_KBASE_VMALLOC] = _symbol_value("vmalloc_base")
        h.bases[_lib.VML_KBASE_VMEMMAP] = _symbol_value("vmemmap_base")
        h.bases[_lib.VML_KBASE_TEXT] = _symbol_address("_text")
    return h


def _config(cr3=None):
    """Paging configuration from the stopped CPU (cr3 overrides CR3)."""
    try:
        cr4 = _reg("cr4")
        efer = _reg("efer")
        root = _reg("cr3") if cr3 is None else cr3
        rip = _reg("pc")
    except gdb.error as e:
        raise KernelError("cannot read CR3/CR4/EFER from the target: %s" % e)
    cfg = _lib.vml_pt_config()
    cfg.cr3 = root & _PHYS_MASK
    cfg.levels = 5 if cr4 & _CR4_LA57 else 4
    cfg.nxe = bool(efer & _EFER_NXE)
    cfg.maxphyaddr = _maxphyaddr()
    return cfg, rip


def _maxphyaddr():
    """MAXPHYADDR from `set vmlayout-maxphyaddr` (0: unknown, the library
    then assumes 52). The gdbstub cannot tell it: CPUID is not exposed."""
    try:
        return int(gdb.parameter("vmlayout-maxphyaddr") or 0)
    except (gdb.error, RuntimeError, TypeError, ValueError):
        return 0


def _prepare_reads(cfg):
    """Decide once per connection how physical bytes are read. Returns a
    one-line note for the user when falling back, else ""."""
    s = _session
    if s.phys_supported is None:
        answer = phys_mode_query()
        s.phys_supported = answer in ("0", "1")
        if answer == "1":
            # Left on by someone else: virtual reads would be wrong.
            _packet("Qqemu.PhyMemMode:0")
            _flush_gdb_cache()
    if s.phys_supported:
        s.direct_base = None
        return ""
    base = _symbol_value("page_offset_base")
    how = "page_offset_base"
    if not base:
        base = _DIRECT_DEFAULT[cfg.levels]
        how = "documented default, wrong under KASLR"
    s.direct_base = base
    return ("vmlayout: this gdbstub has no physical-memory mode; reading the "
            "page tables through the direct map at %#x (%s)\n" % (base, how))


class _Kernel:
    """A struct vml_kernel * freed with the object."""

    def __init__(self, cfg, hints):
        h = _lib.kernel_p()
        _session.call(_lib.vml_kernel_from_pagetables, _session.get_source(),
                      ctypes.byref(cfg), ctypes.byref(hints), ctypes.byref(h))
        self.handle = h.value

    def close(self):
        handle, self.handle = self.handle, None
        if handle:
            _lib.vml_kernel_free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _render(fn, *args):
    out = ctypes.c_void_p()
    _lib.check(fn(*(args + (ctypes.byref(out),))))
    return _lib.take_string(out.value)


def _render_reading(fn, *args):
    """_render for renderers that read page tables (whereis aliases and
    --phys search the tables again): through the session, so physical mode
    is switched back whatever happens."""
    out = ctypes.c_void_p()
    _session.call(fn, *(args + (ctypes.byref(out),)))
    return _lib.take_string(out.value)


def _with_note(note, text, to_json):
    """The fallback note goes first. With --json it goes to GDB's error
    stream instead, so the output stays one JSON document and a script
    reading it still learns that the tables were read another way."""
    if not to_json:
        return note + text
    if note:
        gdb.write(note, gdb.STDERR)
    return text


def _int(text, what):
    try:
        return int(text, 0) & _U64
    except ValueError:
        pass
    try:
        return int(gdb.parse_and_eval(text)) & _U64
    except gdb.error as e:
        raise KernelError("bad %s %r: %s" % (what, text, e))


def _require_target():
    if not is_qemu_kernel_target():
        raise KernelError("not a kernel target: connect GDB to QEMU's "
                          "gdbstub (target remote :1234) first")


def _library_error(e):
    return KernelError(str(e))


# ------------------------------------------------------------------ commands


def kernel_command(argv, to_json=False):
    """`vmlayout [--pagetables] [--wx] [--cr3 VALUE] [--json]` on a kernel
    target. Returns the text to print."""
    pagetables = wx = False
    cr3 = None
    args = list(argv)
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--pagetables":
            pagetables = True
        elif a == "--wx":
            wx = True
        elif a == "--json":
            to_json = True
        elif a == "--cr3":
            if i + 1 >= len(args):
                raise KernelError("--cr3 needs a value")
            i += 1
            cr3 = _int(args[i], "--cr3 value")
        elif a.startswith("--cr3="):
            cr3 = _int(a[len("--cr3="):], "--cr3 value")
        else:
            raise KernelError("unknown argument %r (use --pagetables, --wx, "
                              "--cr3 VALUE, --json)" % a)
        i += 1
    _require_target()
    cfg, rip = _config(cr3)
    hints = _hints(rip)
    note = _prepare_reads(cfg)
    flags = 0
    if pagetables:
        flags |= _lib.VML_KRENDER_PAGETABLES
    if wx:
        flags |= _lib.VML_KRENDER_WX
    fmt = _lib.VML_FORMAT_JSON if to_json else _lib.VML_FORMAT_TEXT
    try:
        with _Kernel(cfg, hints) as k:
            text = _render(_lib.vml_render_kernel, k.handle, fmt, flags)
    except _lib.Error as e:
        raise _library_error(e)
    return _with_note(note, text, to_json)


def _symbol_for(addr):
    """"name+0xoff" from GDB's symbols (vmlinux loaded), else None."""
    if not gdb.objfiles():
        return None
    try:
        out = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    except gdb.error:
        return None
    m = re.match(r"(\S+)(?: \+ (\d+))? in section", out)
    if not m:
        return None
    off = int(m.group(2) or 0)
    return "%s+%#x" % (m.group(1), off) if off else m.group(1)


def kernel_whereis(addr, to_json=False, phys=False):
    """`whereis [--json] [--phys] ADDR` on a kernel target. addr is an int
    or a GDB expression. Returns the text to print."""
    if isinstance(addr, str):
        addr = _int(addr, "address")
    addr &= _U64
    _require_target()
    cfg, rip = _config()
    hints = _hints(rip)
    note = _prepare_reads(cfg)
    fmt = _lib.VML_FORMAT_JSON if to_json else _lib.VML_FORMAT_TEXT
    try:
        with _Kernel(cfg, hints) as k:
            if phys:
                text = _render_reading(_lib.vml_render_phys, k.handle,
                                       addr, fmt, 0)
            else:
                tr = _lib.vml_pt_translation()
                _session.call(_lib.vml_pt_translate, _session.get_source(),
                              ctypes.byref(cfg), addr, ctypes.byref(tr))
                symbol = _symbol_for(addr)
                text = _render_reading(_lib.vml_render_translation,
                                       k.handle, ctypes.byref(tr),
                                       symbol.encode() if symbol else None,
                                       fmt, 0)
    except _lib.Error as e:
        raise _library_error(e)
    return _with_note(note, text, to_json)


# ------------------------------------------------------------------ tests/bench


def session_stats():
    """Counters for tests and the benchmark: remote reads made by this
    bridge, and the library source's own stats."""
    st = _session.stats()
    return {"remote_reads": _session.remote_reads, "source_reads": st.reads,
            "cache_hits": st.cache_hits, "failures": st.failures}


def walk_stats(cr3=None):
    """Walk once and return the walk's own statistics (table pages read)."""
    _require_target()
    cfg, rip = _config(cr3)
    note = _prepare_reads(cfg)
    del note
    st = _lib.vml_pt_walk_stats()
    with _Kernel(cfg, _hints(rip)) as k:
        _lib.vml_kernel_walk_stats(k.handle, ctypes.byref(st))
    return {"table_pages": st.table_pages, "entries": st.entries,
            "leaves": st.leaves, "problems": st.problems}


def interrupt_after(n):
    """Tests: make the n+1-th remote read raise KeyboardInterrupt, as a
    Ctrl-C inside GDB's read would (None switches it off)."""
    _session.fail_after = n

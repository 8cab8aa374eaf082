"""QEMU gdbstub bridge: kernel targets inside GDB (GDB-only; installed
beside vmlayout-gdb.py, never part of the any-Python vmlayout package).

When GDB is connected to ``qemu-system-x86_64 -s`` this module reads the
registers libvmlayout names for the target's architecture, looks up the
kernel symbols it names, moves page-table bytes from QEMU to the library
(in QEMU's physical-memory mode, or through the direct map when the stub
has none, as the library's read plan says) and prints what the library
renders. Nothing is decided here: every command is one C call,
vml_kernel_answer, with the stub's physical mode switched around it.

Entry points for gdbext/vmlayout-gdb.py:

    is_qemu_kernel_target()    -> bool
    KernelOptions(...)         one parsed kernel command
    run(options)               -> str   (the text to print)

Errors are raised as KernelError (one line, meant for gdb.GdbError).

Physical-memory mode (``maintenance packet Qqemu.PhyMemMode:1``) is switched
on lazily, only when a table page is not in the library's page cache, and
switched back in a ``finally`` on every path (errors, Ctrl-C, Python
exceptions). The cache lives until the target runs, a register or memory is
changed from GDB, or the connection goes away: the page cache is dropped
by the bridge's one invalidation mechanism, vmlayout_gdb's per-stop cache,
which also keeps the classified walk (cached_kernel) for the convenience
functions, scans, whereis --deref and scripts.
"""

import ctypes
import os
import re
import tempfile

import gdb

import vmlayout
import vmlayout_gdb
from vmlayout import _lib

_U64 = (1 << 64) - 1

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
        self.ksyms = None             # the guest's own symbols and types
        self.ksyms_error = None       # why the last attempt found none
        self.symbol_file = None       # the symbol file GDB loaded from us

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
        if self.ksyms is not None:
            self.ksyms.close()
        self.ksyms = None
        self.ksyms_error = None

    def stats(self):
        st = _lib.vml_source_stats()
        if self.source is not None:
            _lib.check(_lib.vml_source_get_stats(
                self.source, ctypes.byref(st), ctypes.sizeof(st)))
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


# One invalidation mechanism: the per-stop cache's events (resume, step,
# inferior call, memory or register written, objfiles, exit, inferiors,
# connection gone) drop the page cache with everything else.
vmlayout_gdb.on_invalidate(_session.invalidate)
vmlayout_gdb.on_forget(_session.forget)


# ------------------------------------------------------------------ target


def _reg(name):
    return int(gdb.parse_and_eval("$" + name)) & _U64


def target_arch():
    """The library's id of the selected inferior's architecture (as GDB
    names it), VML_ARCH_UNKNOWN when the library does not describe it."""
    try:
        name = gdb.selected_inferior().architecture().name()
    except (gdb.error, RuntimeError, AttributeError):
        try:
            name = gdb.selected_frame().architecture().name()
        except (gdb.error, RuntimeError):
            return _lib.VML_ARCH_UNKNOWN
    return _lib.vml_arch_from_name(name.encode())


def paging_registers(arch):
    """Names of the registers the library needs for paging on arch."""
    names = _lib.vml_arch_paging_registers(arch)
    out = []
    i = 0
    while names and names[i] is not None:
        out.append(_lib.decode(names[i]))
        i += 1
    return out


def is_qemu_kernel_target():
    """GDB is on a remote connection to a target whose paging registers
    (as the library names them) can be read."""
    try:
        inf = gdb.selected_inferior()
        conn = getattr(inf, "connection", None)
        if conn is None or getattr(conn, "type", "") not in (
                "remote", "extended-remote"):
            return False
        if not inf.pid or not gdb.selected_thread():
            return False
        names = paging_registers(target_arch())
        if not names:
            return False
        _reg(names[0])
        # A process has an auxiliary vector, a machine does not:
        # qemu-aarch64 -g shows the system registers too.
        return not _has_auxv()
    except (gdb.error, RuntimeError, ValueError, TypeError):
        return False


def _has_auxv():
    try:
        return bool(gdb.execute("info auxv", to_string=True).strip())
    except gdb.error:
        return False


def _symbol_value(name):
    """Value of a kernel variable (an unsigned long such as the ones the
    library names) when vmlinux symbols are loaded, else 0."""
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


class _Hints:
    """struct vml_kernel_hints with the symbols the library names, looked
    up in GDB's symbol table (the arrays live as long as this object)."""

    def __init__(self, arch, pc):
        self.c = _lib.vml_kernel_hints()
        self.c.pc = pc
        found = []
        if gdb.objfiles():
            count = ctypes.c_size_t(0)
            syms = _lib.vml_arch_kernel_symbols(arch, ctypes.byref(count))
            for i in range(count.value):
                name = syms[i].name
                text = _lib.decode(name)
                value = _symbol_value(text) \
                    if syms[i].want == _lib.VML_SYMBOL_VALUE \
                    else _symbol_address(text)
                if value:
                    found.append((name, value))
        self.array = (_lib.vml_named_value * max(len(found), 1))(*found)
        self.c.symbols = self.array
        self.c.nsymbols = len(found)


class _Paging:
    """A struct vml_paging * made from the target's registers (overrides
    replace some values), freed with the object."""

    def __init__(self, arch, overrides):
        names = paging_registers(arch)
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise KernelError("--%s: not a paging register of %s (%s)" % (
                unknown[0], _lib.decode(_lib.vml_arch_name(arch)),
                ", ".join(names)))
        values = []
        for name in names:
            if name in overrides:
                values.append((name.encode(), overrides[name] & _U64))
                continue
            try:
                values.append((name.encode(), _reg(name)))
            except gdb.error as e:
                raise KernelError("cannot read $%s from the target: %s"
                                  % (name, e))
        regs = (_lib.vml_named_value * len(values))(*values)
        p = _lib.paging_p()
        try:
            _lib.check(_lib.vml_paging_from_registers(
                arch, regs, len(values), _maxphyaddr(), ctypes.byref(p)))
        except _lib.Error as e:
            raise KernelError(e.message)
        self.handle = p.value

    def close(self):
        handle, self.handle = self.handle, None
        if handle:
            _lib.vml_paging_free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _maxphyaddr():
    """MAXPHYADDR from `set vmlayout-maxphyaddr` (0: unknown, the library
    then assumes the architecture's maximum). The gdbstub cannot tell it:
    CPUID is not exposed."""
    try:
        return int(gdb.parameter("vmlayout-maxphyaddr") or 0)
    except (gdb.error, RuntimeError, TypeError, ValueError):
        return 0


def _prepare_reads(paging, hints):
    """Ask the stub once per connection whether it reads physical memory,
    then follow the library's read plan. Returns its note for the user
    (one line with its newline) or ""."""
    s = _session
    if s.phys_supported is None:
        answer = phys_mode_query()
        s.phys_supported = answer in ("0", "1")
        if answer == "1":
            # Left on by someone else: virtual reads would be wrong.
            _packet("Qqemu.PhyMemMode:0")
            _flush_gdb_cache()
    plan = _lib.vml_read_plan()
    _lib.check(_lib.vml_kernel_read_plan(
        paging.handle, ctypes.byref(hints.c), ctypes.sizeof(hints.c),
        s.phys_supported, ctypes.byref(plan), ctypes.sizeof(plan)))
    s.direct_base = plan.direct_base \
        if plan.mode == _lib.VML_READ_DIRECT_MAP else None
    note = _lib.decode(plan.note)
    return note + "\n" if note else ""


def _with_note(note, text, to_json):
    """The read-plan note goes first. With --json it goes to GDB's error
    stream instead, so the output stays one JSON document and a script
    reading it still learns that the tables were read another way."""
    if not to_json:
        return note + text
    if note:
        gdb.write(note, gdb.STDERR)
    return text


def _require_target():
    if not is_qemu_kernel_target():
        raise KernelError("not a kernel target: connect GDB to QEMU's "
                          "gdbstub (target remote :1234) first")
    return target_arch()


def symbol_for(addr):
    """GDB's symbol at addr ("name+0xoff"), or None."""
    return _symbol_for(addr)


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


# ------------------------------------------------------------------ commands

_QUERIES = {
    "layout": _lib.VML_KQUERY_LAYOUT,
    "pagetables": _lib.VML_KQUERY_PAGETABLES,
    "wx": _lib.VML_KQUERY_WX,
    "where": _lib.VML_KQUERY_WHERE,
    "phys": _lib.VML_KQUERY_PHYS,
    "task": _lib.VML_KQUERY_TASK,
}


class KernelOptions:
    """One kernel command as the GDB command parsed it, once:
    query     "layout" (vmlayout), "pagetables" (--pagetables), "wx"
              (--wx), "where" (whereis ADDR), "phys" (whereis --phys ADDR),
              "task" (vmlayout --task PID: addr is the pid)
    json      --json
    addr      where/phys: the address (an int, already evaluated)
    registers {name: value} replacing paging registers read from the
              target (vmlayout --cr3 VALUE gives {"cr3": VALUE})
    task      where: a guest pid (whereis --task PID ADDR), 0 for none"""

    def __init__(self, query="layout", json=False, addr=0, registers=None,
                 task=0):
        if query not in _QUERIES:
            raise KernelError("unknown kernel query %r" % query)
        self.task = int(task)
        self.query = query
        self.json = bool(json)
        self.addr = int(addr) & _U64
        self.registers = dict(registers or {})

    def __repr__(self):
        return "KernelOptions(%r, json=%r, addr=%#x, registers=%r)" % (
            self.query, self.json, self.addr, self.registers)


def run(opts):
    """Run one kernel command; returns the text to print."""
    arch = _require_target()
    try:
        pc = _reg("pc")
    except gdb.error as e:
        raise KernelError("cannot read $pc from the target: %s" % e)
    hints = _Hints(arch, pc)
    symbol = _symbol_for(opts.addr) if opts.query == "where" else None
    # whereis reads the kernel's own symbols and types (once per
    # connection); the layout uses them once they are there (bases); the
    # page-table views never need them.
    ksyms = None
    if opts.query in ("where", "layout", "task"):
        ksyms = kernel_symbols(load=opts.query in ("where", "task"))
    req = _lib.vml_kernel_request()
    req.query = _QUERIES[opts.query]
    req.format = _lib.VML_FORMAT_JSON if opts.json else _lib.VML_FORMAT_TEXT
    req.addr = opts.addr
    req.symbol = symbol.encode() if symbol else None
    req.ksyms = ksyms.handle if ksyms is not None else None
    req.task = opts.task
    out = ctypes.c_void_p()
    with _Paging(arch, opts.registers) as paging:
        try:
            note = _prepare_reads(paging, hints)
            _session.call(_lib.vml_kernel_answer, _session.get_source(),
                          paging.handle, ctypes.byref(hints.c),
                          ctypes.sizeof(hints.c), ctypes.byref(req),
                          ctypes.sizeof(req), ctypes.byref(out))
        except _lib.Error as e:
            raise KernelError(e.message)
    return _with_note(note, _lib.take_string(out.value), opts.json)


# ------------------------------------------------------------------ kernel symbols


def _check_ksyms():
    """Once per stop: does the kernel still hold the tables read?"""
    s = _session
    kernel = cached_kernel()
    if _reading(lambda: s.ksyms.check(kernel)):
        return True
    s.ksyms.close()
    s.ksyms = None
    return False


def kernel_symbols(load=True):
    """The guest kernel's own symbols and types (vmlayout.KernelSymbols:
    kallsyms, and BTF when the kernel has it), read from its memory once
    per connection (load=False: only when already read) and checked once
    per stop; None when there are none (why: symbols_error()). A failure
    is tried again at the next stop, not before: a kernel stopped while
    booting has no tables mapped yet, and will."""
    s = _session
    if s.ksyms is not None:
        if vmlayout_gdb.cached(("ksyms-checked",), _check_ksyms):
            return s.ksyms
    if not load:
        return None
    attempt = vmlayout_gdb.cached(("ksyms-attempt",), lambda: {"tried": False})
    if attempt["tried"]:
        return None
    attempt["tried"] = True
    kernel = cached_kernel()
    try:
        s.ksyms = _reading(lambda: vmlayout.KernelSymbols.load(kernel))
    except _lib.Error as e:
        s.ksyms_error = e.message
        return None
    s.ksyms_error = None
    return s.ksyms


def symbols_error():
    """Why the guest kernel gave no symbols, or None."""
    return _session.ksyms_error


def _symbol_file_path(ksyms):
    text = ksyms.lookup("_text")
    name = "kallsyms-%x.elf" % (text["addr"] if text else 0)
    base = os.environ.get("XDG_CACHE_HOME") or \
        os.path.join(os.path.expanduser("~"), ".cache")
    for d in (os.path.join(base, "vmlayout"), tempfile.gettempdir()):
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return os.path.join(d, name)
        except OSError:
            continue
    raise KernelError("no writable directory for the symbol file")


def load_symbols():
    """vmlayout --load-symbols: the guest kernel image's symbols and its
    loaded modules' symbols written as an ELF file and given to GDB
    (add-symbol-file), so that bt, x/i and info symbol name kernel and
    module code without vmlinux.
    Returns the lines to print."""
    ksyms = kernel_symbols(load=True)
    if ksyms is None:
        raise KernelError("no kernel symbols: %s" % _session.ksyms_error)
    path = _symbol_file_path(ksyms)
    kernel = _build_kernel({})
    try:
        def write():
            kernel.set_ksyms(ksyms)
            ksyms.write_elf(path, kernel)
        _reading(write)
    except _lib.Error as e:
        raise KernelError(e.message)
    finally:
        kernel.close()
    s = _session
    if s.symbol_file is not None:
        try:
            gdb.execute("remove-symbol-file %s" % s.symbol_file,
                        to_string=True)
        except gdb.error:
            pass
        s.symbol_file = None
    gdb.execute("add-symbol-file %s" % path, to_string=True)
    s.symbol_file = path
    return ("vmlayout: %s\nvmlayout: symbol file %s loaded (add-symbol-file)"
            "\n" % (ksyms.description, path))


# ------------------------------------------------------------------ cached walk


def _build_kernel(registers):
    arch = _require_target()
    try:
        pc = _reg("pc")
    except gdb.error as e:
        raise KernelError("cannot read $pc from the target: %s" % e)
    hints = _Hints(arch, pc)
    k = _lib.kernel_p()
    with _Paging(arch, registers) as paging:
        try:
            _prepare_reads(paging, hints)
            _session.call(_lib.vml_kernel_from_pagetables,
                          _session.get_source(), paging.handle,
                          ctypes.byref(hints.c), ctypes.sizeof(hints.c),
                          ctypes.byref(k))
        except _lib.Error as e:
            raise KernelError(e.message)
    # The kernel reads through the session's source, which lives as long
    # as the session.
    return vmlayout.Kernel(k.value)


def cached_kernel(registers=None):
    """The classified page-table walk of the target (a vmlayout.Kernel),
    built once per stop (vmlayout_gdb's cache) with paging registers
    replaced by registers ({"cr3": VALUE})."""
    registers = dict(registers or {})
    name = ("kernel",) + tuple(sorted(registers.items()))
    return vmlayout_gdb.cached(name, lambda: _build_kernel(registers))


def _reading(fn):
    """Run fn() (which reads the target's memory through the session's
    source) with the stub left in virtual mode afterwards whatever
    happens, and an exception raised inside a read (Ctrl-C, gdb.error)
    raised again after it."""
    s = _session
    s.pending = None
    try:
        result = fn()
    finally:
        s.leave_phys()
        pending, s.pending = s.pending, None
    if pending is not None:
        s.invalidate()
        if isinstance(pending, gdb.error):
            raise KernelError("reading memory failed: %s" % pending)
        raise pending
    return result


def kernel_scan(kernel, frm, to, max_hits, progress):
    """Kernel.scan through the gdbstub (virtual reads of the walk's mapped
    ranges, in large blocks); Ctrl-C inside a read stops it."""
    def check(done, total):
        if _session.pending is not None:
            raise _session.pending
        return progress(done, total)
    # TO naming slab caches (slab:NAME): the kernel's own symbols and
    # types find its struct page and kmem_cache.
    if to and "slab:" in to:
        ksyms = kernel_symbols()
        if ksyms is not None:
            _reading(lambda: kernel.set_ksyms(ksyms))
    try:
        return _reading(lambda: kernel.scan(frm, to, max_hits=max_hits,
                                            progress=check))
    except _lib.Error as e:
        raise KernelError(e.message)


def kernel_deref(kernel, addr, count, depth, fmt, color):
    """whereis --deref on a kernel target: the rendered text."""
    try:
        return _reading(lambda: kernel.deref_text(addr, count, depth, fmt,
                                                  color))
    except _lib.Error as e:
        raise KernelError(e.message)


# ------------------------------------------------------------------ tests/bench


def session_stats():
    """Counters for tests and the benchmark: remote reads made by this
    bridge, and the library source's own stats."""
    st = _session.stats()
    return {"remote_reads": _session.remote_reads, "source_reads": st.reads,
            "cache_hits": st.cache_hits, "failures": st.failures}


def walk_stats(registers=None):
    """Walk once and return the walk's own statistics (table pages read)."""
    arch = _require_target()
    hints = _Hints(arch, _reg("pc"))
    st = _lib.vml_pt_walk_stats()
    with _Paging(arch, registers or {}) as paging:
        _prepare_reads(paging, hints)
        k = _lib.kernel_p()
        _session.call(_lib.vml_kernel_from_pagetables, _session.get_source(),
                      paging.handle, ctypes.byref(hints.c),
                      ctypes.sizeof(hints.c), ctypes.byref(k))
        try:
            _lib.check(_lib.vml_kernel_walk_stats(k, ctypes.byref(st),
                                                  ctypes.sizeof(st)))
        finally:
            _lib.vml_kernel_free(k)
    return {"table_pages": st.table_pages, "entries": st.entries,
            "leaves": st.leaves, "problems": st.problems}


def interrupt_after(n):
    """Tests: make the n+1-th remote read raise KeyboardInterrupt, as a
    Ctrl-C inside GDB's read would (None switches it off)."""
    _session.fail_after = n

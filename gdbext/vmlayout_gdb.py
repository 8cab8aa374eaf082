"""vmlayout_gdb: the GDB bridge's per-stop cache, and the Python API for
GDB scripts (GDB-only; installed beside vmlayout-gdb.py, which imports it).

    (gdb) source /usr/share/vmlayout/vmlayout-gdb.py
    (gdb) python
    import vmlayout_gdb
    layout = vmlayout_gdb.layout()    # the current target's vmlayout.Layout
    print(layout.find(0x401000))
    kernel = vmlayout_gdb.kernel()    # on a kernel under QEMU: vmlayout.Kernel
    end

layout() and kernel() return the cached answer for the target as it is
now: built at the first request after a stop, then reused until the target
can have changed. Don't keep them across a resume: they are closed when
the cache drops them (using one then raises ValueError, never answers
about memory that has changed).

The cache is dropped on every GDB event after which an answer could be
stale: the target resumes or steps (cont), an inferior function is called
(inferior_call, before and after), memory or a register is written from
GDB (memory_changed, register_changed), object files are loaded or cleared
(new_objfile, clear_objfiles), the process exits or is killed (exited), an
inferior is added or removed (new_inferior, inferior_deleted), a
connection goes away (connection_removed: kill, detach, another core).
What no event tells (another core file or process in the same inferior,
a changed sysroot, a thread running in non-stop mode) is caught by the key
every lookup checks first: inferior, pid, connection, sysroot and program
file; no answer is cached while any thread runs. `set vmlayout-cache off`
turns the cache off (every command rebuilds, as before it existed).

Parsed ELF objects (program headers, sections, symbols of every mapped
file) are kept across stops in one vmlayout.ElfCache: a file that has not
changed on disk (same device, inode, size, mtime) is not parsed again.
"""

import gdb

import vmlayout

_U64 = (1 << 64) - 1

_EVENTS = ("cont", "inferior_call", "memory_changed", "register_changed",
           "new_objfile", "clear_objfiles", "exited", "new_inferior",
           "inferior_deleted", "connection_removed")
# After these the next target may be another machine: listeners registered
# with on_forget() drop what they know about the connection too.
_FORGET_EVENTS = ("exited", "connection_removed", "new_inferior",
                  "inferior_deleted")


class _StopCache:
    """Answers about the stopped target, valid until it can change."""

    def __init__(self):
        self.entries = {}          # (name, inferior) -> (key, value)
        self.enabled = True
        self.listeners = []        # fn(): called on every invalidation
        self.forget_listeners = []
        self.counters = {"builds": 0, "hits": 0, "invalidations": 0}
        self.last_reason = None
        self.by_reason = {}        # reason -> invalidations
        self.elf_cache = None

    # -- invalidation

    def invalidate(self, reason="explicit", forget=False):
        entries, self.entries = self.entries, {}
        for _key, value in entries.values():
            # Close what was handed out (a Layout, a Kernel, or a tuple
            # holding one): a script still holding it gets ValueError,
            # never an answer about a target that has changed.
            for item in value if isinstance(value, tuple) else (value,):
                close = getattr(item, "close", None)
                if close is not None:
                    try:
                        close()
                    except Exception:
                        pass
        self.counters["invalidations"] += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        self.last_reason = reason
        for fn in list(self.listeners):
            fn()
        if forget:
            for fn in list(self.forget_listeners):
                fn()

    # -- lookups

    def get(self, name, build):
        """The value cached under name for the target as it is now, or
        build() (cached when the target is stopped and the cache is on).
        Each inferior has its own entries: switching between inferiors
        keeps both."""
        key = target_key() if self.enabled else None
        if key is not None:
            slot = (name, key[0])
            entry = self.entries.get(slot)
            if entry is not None:
                if entry[0] == key:
                    self.counters["hits"] += 1
                    return entry[1]
                # The target changed without an event: drop everything.
                self.invalidate("key changed")
        value = build()
        self.counters["builds"] += 1
        if key is not None:
            self.entries[(name, key[0])] = (key, value)
        return value

    def elf(self):
        """The session's ElfCache (None while the cache is off)."""
        if not self.enabled:
            return None
        if self.elf_cache is None:
            self.elf_cache = vmlayout.ElfCache()
        return self.elf_cache


_cache = _StopCache()


def _on_event(name):
    forget = name in _FORGET_EVENTS

    def handler(*_args):
        _cache.invalidate(name, forget)
    return handler


def _connect_events():
    for name in _EVENTS:
        registry = getattr(gdb.events, name, None)
        if registry is not None:
            registry.connect(_on_event(name))


_connect_events()


def _any_thread_running(inferior):
    try:
        if not gdb.parameter("non-stop"):
            thread = gdb.selected_thread()
            return thread is not None and thread.is_running()
        return any(t.is_running() for t in inferior.threads())
    except (gdb.error, RuntimeError):
        return True


def target_key():
    """What identifies the target's state between events: (inferior,
    pid, connection, sysroot, program file), or None when nothing may be
    cached (no process, a thread running)."""
    try:
        inferior = gdb.selected_inferior()
        conn = inferior.connection
        if conn is None or not inferior.pid:
            return None
        if conn.type != "core" and _any_thread_running(inferior):
            return None
        return (inferior.num, inferior.pid, conn.num,
                gdb.parameter("sysroot"), gdb.current_progspace().filename)
    except (gdb.error, RuntimeError, AttributeError):
        return None


# ------------------------------------------------------------------ hooks

def on_invalidate(fn):
    """Call fn() whenever the cache is dropped (the QEMU bridge drops its
    page-table page cache there: one invalidation mechanism)."""
    _cache.listeners.append(fn)


def on_forget(fn):
    """Call fn() when the connection or inferior goes away."""
    _cache.forget_listeners.append(fn)


def cached(name, build):
    """build() once per stop, under name (for the bridge's own objects)."""
    return _cache.get(name, build)


def elf_cache():
    """The ElfCache layouts are built with (None when caching is off)."""
    return _cache.elf()


def set_enabled(on):
    _cache.enabled = bool(on)
    _cache.invalidate("vmlayout-cache %s" % ("on" if on else "off"))
    if not on:
        # Dropped, not closed: a layout a script still holds keeps it
        # alive (and may classify with it) until it goes.
        _cache.elf_cache = None


def invalidate(reason="explicit"):
    """Drop every cached answer now (a script that changed the target
    behind GDB's back, e.g. through another process)."""
    _cache.invalidate(reason)


def cache_stats():
    """Counters for tests and the benchmark: builds, hits, invalidations,
    the reason of the last invalidation and invalidations by reason (the
    event's name, "key changed", "vmlayout-cache off" ...), and the
    ElfCache's counters."""
    out = dict(_cache.counters)
    out["last_reason"] = _cache.last_reason
    out["by_reason"] = dict(_cache.by_reason)
    out["elf"] = _cache.elf_cache.stats() if _cache.elf_cache else None
    return out


# ------------------------------------------------------------------ API

_builders = {}


def set_builder(what, fn):
    """vmlayout-gdb.py registers how a process layout is built
    ("process": fn(cmd) -> (Layout, core path or None))."""
    _builders[what] = fn


def is_kernel_target():
    conn = gdb.selected_inferior().connection
    if conn is None or conn.type not in ("remote", "extended-remote"):
        return False
    try:
        import vmlayout_gdb_qemu as qemu
    except ImportError:
        return False
    return qemu.is_qemu_kernel_target()


def layout_and_core(cmd="vmlayout"):
    """(the Layout of the selected inferior's process or core, the core's
    path or None), cached per stop. Raises gdb.GdbError (one line)."""
    build = _builders.get("process")
    if build is None:
        raise gdb.GdbError("%s: source vmlayout-gdb.py first" % cmd)
    return _cache.get("process", lambda: build(cmd))


def layout():
    """The current target's vmlayout.Layout: of the process being debugged
    (live, under gdbserver, or a core), or for a kernel under QEMU the
    layout of its page-table walk. Cached until the target can change."""
    if is_kernel_target():
        return kernel().layout
    return layout_and_core("vmlayout")[0]


def kernel(registers=None):
    """The current kernel target's vmlayout.Kernel (its page-table walk,
    classified), cached until the target can change; registers replaces
    paging registers ({"cr3": VALUE}). gdb.GdbError on a process."""
    if not is_kernel_target():
        raise gdb.GdbError("vmlayout: not a kernel target: connect GDB to "
                           "QEMU's gdbstub (target remote :1234) first")
    import vmlayout_gdb_qemu as qemu
    try:
        return qemu.cached_kernel(registers or {})
    except qemu.KernelError as e:
        raise gdb.GdbError("vmlayout: %s" % e)


# ------------------------------------------------------------------ helpers

def address_of(value):
    """A gdb.Value as a 64-bit address: functions and arrays stand for
    their address, as in C; negative numbers wrap."""
    code = value.type.strip_typedefs().code
    if code in (gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_ARRAY) and \
            value.address is not None:
        value = value.address
    return int(value) & _U64


_ULONG = None


def _address_value(n):
    global _ULONG
    try:
        if _ULONG is None:
            _ULONG = gdb.lookup_type("unsigned long")
        return gdb.Value(n).cast(_ULONG)
    except (gdb.error, RuntimeError):
        return gdb.Value(n)


def _string_value(text):
    """text as a GDB string value. gdb.Value("") is an array of no
    characters that prints as 0x0; the empty string is a C "" instead."""
    if text:
        return text
    try:
        return gdb.parse_and_eval('""')
    except (gdb.error, RuntimeError):
        return text


class _Answer:
    """What a convenience function says about one address."""

    def __init__(self, kind="", start=0, end=0, symbol=""):
        self.kind, self.start, self.end, self.symbol = kind, start, end, \
            symbol


def _answer(addr, symbol=False):
    """kind, region span and (when asked: it costs a whereis) symbol."""
    if is_kernel_target():
        k = kernel()
        if not k.mapped(addr):
            return _Answer()
        r = k.layout.find(addr)
        sym = ""
        if symbol:
            import vmlayout_gdb_qemu as qemu
            sym = qemu.symbol_for(addr) or ""
        if r is None:
            return _Answer(k.kind_at(addr), symbol=sym)
        return _Answer(r.kind, r.start, r.end, sym)
    lay = layout_and_core("vmlayout")[0]
    r = lay.find(addr)
    if r is None:
        return _Answer()
    sym = ""
    if symbol:
        w = lay._where_c(addr)
        if w.symbol:
            sym = vmlayout._lib.decode(w.symbol)
            if w.symbol_offset:
                sym += "+%d" % w.symbol_offset
    return _Answer(r.kind, r.start, r.end, sym)


class _VmlFunction(gdb.Function):
    """Base: evaluates the argument, answers from the cached layout, and
    turns every failure into one gdb.GdbError line."""

    NAME = None
    SYMBOL = False

    def __init__(self):
        super().__init__(self.NAME)

    def invoke(self, *args):
        if len(args) != 1:
            raise gdb.GdbError("$%s: takes one address (%d given)"
                               % (self.NAME, len(args)))
        try:
            addr = address_of(args[0])
        except (gdb.error, TypeError, ValueError, OverflowError) as e:
            raise gdb.GdbError("$%s: not an address: %s" % (self.NAME, e))
        try:
            return self.answer(_answer(addr, self.SYMBOL))
        except gdb.GdbError:
            raise
        except vmlayout.Error as e:
            raise gdb.GdbError("$%s: %s" % (self.NAME, e.message))
        except (gdb.error, ValueError) as e:
            raise gdb.GdbError("$%s: %s" % (self.NAME, e))


class KindFunction(_VmlFunction):
    """$_vml_kind(ADDR): the kind of the region holding ADDR, as `vmlayout
--table` names it ("heap", "stack", "text", "mmap-anon", "direct-map" ...),
or "" when ADDR is not mapped. ADDR is any expression (a pointer, &var,
$sp). Example: break free if $_streq($_vml_kind(ptr), "stack")"""

    NAME = "_vml_kind"

    def answer(self, a):
        return _string_value(a.kind)


class MappedFunction(_VmlFunction):
    """$_vml_mapped(ADDR): 1 when ADDR lies in a mapped region (a page-table
mapping on a kernel), else 0. Example: break use if !$_vml_mapped(p)"""

    NAME = "_vml_mapped"

    def answer(self, a):
        return 1 if a.kind else 0


class SymbolFunction(_VmlFunction):
    """$_vml_symbol(ADDR): the ELF symbol at or below ADDR with its offset
("counter", "main+4"), or "" when there is none. Example:
printf "%s\\n", $_vml_symbol($pc)"""

    NAME = "_vml_symbol"
    SYMBOL = True

    def answer(self, a):
        return _string_value(a.symbol)


class RegionStartFunction(_VmlFunction):
    """$_vml_region_start(ADDR): the first address of the region holding
ADDR, or 0 when ADDR is not mapped."""

    NAME = "_vml_region_start"

    def answer(self, a):
        return _address_value(a.start)


class RegionEndFunction(_VmlFunction):
    """$_vml_region_end(ADDR): the address just past the region holding
ADDR (exclusive end), or 0 when ADDR is not mapped."""

    NAME = "_vml_region_end"

    def answer(self, a):
        return _address_value(a.end & _U64)


KindFunction()
MappedFunction()
SymbolFunction()
RegionStartFunction()
RegionEndFunction()


# ------------------------------------------------------------------ scans

class _Progress:
    """The scan's progress callback: a line on GDB's error stream every
    half second of a long scan; remembers how far it got (for the message
    after Ctrl-C)."""

    INTERVAL = 0.5

    def __init__(self, cmd):
        import time
        self.cmd = cmd
        self.clock = time.monotonic
        self.start = self.clock()
        self.next = self.start + self.INTERVAL
        self.done = self.total = 0
        self.calls = 0

    def __call__(self, done, total):
        self.done, self.total = done, total
        self.calls += 1
        if _interrupt_after is not None and self.calls > _interrupt_after:
            raise KeyboardInterrupt
        now = self.clock()
        if now >= self.next:
            self.next = now + self.INTERVAL
            gdb.write("%s: scanned %s of %s ...\n"
                      % (self.cmd, vmlayout.format_size(done),
                         vmlayout.format_size(total)), gdb.STDERR)
        return False

    def interrupted(self):
        if not self.total:
            # Ctrl-C while the layout was still being read: no block yet.
            return gdb.GdbError("%s: scan interrupted before it began "
                                "reading" % self.cmd)
        return gdb.GdbError("%s: scan interrupted after %s of %s"
                            % (self.cmd, vmlayout.format_size(self.done),
                               vmlayout.format_size(self.total)))


_interrupt_after = None


def interrupt_scan_after(n):
    """Tests: the progress callback raises KeyboardInterrupt (as Ctrl-C
    would) after n blocks; None switches it off."""
    global _interrupt_after
    _interrupt_after = n


def scan(cmd, frm, to, as_json=False, max_hits=0, color=False):
    """vmlayout --scan FROM [TO] on the current target: the rendered
    text. A live local process is read through /proc/PID/mem in large
    blocks (GDB, its tracer, may), a core in place, a remote process
    through GDB in large reads, a kernel through the gdbstub."""
    progress = _Progress(cmd)
    fmt = "json" if as_json else "text"
    try:
        if is_kernel_target():
            import vmlayout_gdb_qemu as qemu
            with qemu.kernel_scan(kernel(), frm, to, max_hits,
                                  progress) as result:
                return result.render(fmt, color)
        lay = layout_and_core(cmd)[0]
        inferior = gdb.selected_inferior()
        source = None
        if inferior.connection.type == "native":
            try:
                source = vmlayout.pid_source(inferior.pid)
            except vmlayout.Error:
                source = None      # GDB's own reads, then
        try:
            with lay.scan(frm, to, max_hits=max_hits, progress=progress,
                          source=source) as result:
                return result.render(fmt, color)
        finally:
            if source is not None:
                source.close()
    except KeyboardInterrupt:
        raise progress.interrupted()


def deref(cmd, addr, count, as_json=False, color=False, depth=0):
    """whereis --deref COUNT ADDR: the rendered text."""
    fmt = "json" if as_json else "text"
    if is_kernel_target():
        import vmlayout_gdb_qemu as qemu
        return qemu.kernel_deref(kernel(), addr, count, depth, fmt, color)
    lay = layout_and_core(cmd)[0]
    return lay.deref_text(addr, count, depth, fmt=fmt, color=color)

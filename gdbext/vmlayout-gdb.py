# vmlayout-gdb.py — GDB commands `vmlayout` and `whereis`.
#
#   (gdb) source /usr/share/vmlayout/vmlayout-gdb.py
#
# This file only parses arguments, picks where the layout comes from (a live
# local or remote process, or a core file) and prints what the C library
# renders. Every decision about regions lives in libvmlayout.

import contextlib
import os
import re
import struct
import sys
import tempfile

import gdb


def _add_package_path():
    """Put the vmlayout package on sys.path: `python/` next to this file
    when installed ($(pkgdatadir)), `../python` in the source tree; and
    this file's directory, for the GDB-only bridge vmlayout_gdb_qemu.py
    installed beside it."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    for cand in (os.path.join(here, "python"),
                 os.path.join(here, os.pardir, "python")):
        cand = os.path.normpath(cand)
        if os.path.isfile(os.path.join(cand, "vmlayout", "__init__.py")):
            if cand not in sys.path:
                sys.path.insert(0, cand)
            return


_add_package_path()

try:
    import vmlayout
    _IMPORT_ERROR = None
except ImportError as e:  # reported when a command is used, not at source
    vmlayout = None
    _IMPORT_ERROR = str(e)

if vmlayout is not None:
    # The per-stop cache, the convenience functions ($_vml_kind ...) and
    # the Python API for scripts (vmlayout_gdb.layout()), beside this file.
    import vmlayout_gdb
else:
    vmlayout_gdb = None

_U64 = (1 << 64) - 1
_NOT_RUNNING = ("the program is not being run: start it, attach to a "
                "process, or load a core file")
_RUNNING = "the target is running; interrupt it first"


def _require_stopped(cmd):
    """Nothing can be read from a target while it runs (`continue &`, or
    non-stop mode): say so before trying anything else (a kernel under
    QEMU would otherwise look like a process without /proc files)."""
    try:
        thread = gdb.selected_thread()
    except gdb.error:
        return
    try:
        running = thread is not None and thread.is_valid() and \
            thread.is_running()
    except gdb.error:
        running = False
    if running:
        raise gdb.GdbError("%s: %s" % (cmd, _RUNNING))


# Warnings already printed, by target and text: each is said once, not
# again by every command that builds the same target's layout.
_warned = set()


def _warn_once(cmd, layout, key):
    for warning in layout.warnings:
        if (key, warning) in _warned:
            continue
        _warned.add((key, warning))
        gdb.write("%s: %s\n" % (cmd, warning), gdb.STDERR)


def _disasm_flavor():
    """GDB's `set disassembly-flavor` (att or intel), or None."""
    try:
        flavor = gdb.parameter("disassembly-flavor")
    except (gdb.error, RuntimeError):
        return None
    return flavor if flavor in ("att", "intel") else None


def _require_package(cmd):
    if vmlayout is None:
        raise gdb.GdbError("%s: cannot load the vmlayout package: %s"
                           % (cmd, _IMPORT_ERROR))


def _color():
    try:
        return bool(gdb.parameter("style enabled"))
    except (gdb.error, RuntimeError):
        return False


def _write(text):
    if text and not text.endswith("\n"):
        text += "\n"
    gdb.write(text)


def _one_line(text):
    """GdbError text must be one line."""
    text = " ".join(str(text).split())
    return text or "unknown error"


# ------------------------------------------------------------------ target


def _core_path(cmd):
    """The core file's path as `info target` names it."""
    info = gdb.execute("info target", to_string=True)
    m = re.search(r"Local core dump file:\s*`(.*)', file type", info)
    if not m:
        raise gdb.GdbError("%s: cannot find the core file's path in "
                           "'info target'" % cmd)
    return m.group(1)


def _is_remote(inferior):
    conn = inferior.connection
    return conn is not None and conn.type in ("remote", "extended-remote")


def _read_proc_file(cmd, inferior, pid, name, required):
    """Bytes of /proc/PID/NAME: from the local file system, or from the
    remote target through `remote get`. None when optional and unreadable."""
    path = "/proc/%d/%s" % (pid, name)
    try:
        if not _is_remote(inferior):
            with open(path, "rb") as f:
                return f.read()
        fd, tmp = tempfile.mkstemp(prefix="vmlayout-remote-")
        os.close(fd)
        try:
            gdb.execute("remote get %s %s" % (path, tmp), to_string=True)
            with open(tmp, "rb") as f:
                return f.read()
        finally:
            os.unlink(tmp)
    except (OSError, gdb.error) as e:
        if not required:
            return None
        reason = e.strerror if isinstance(e, OSError) and e.strerror \
            else str(e)
        raise gdb.GdbError(_one_line("%s: cannot read %s: %s"
                                     % (cmd, path, reason)))


def _gdb_auxv():
    """The auxiliary vector GDB has for the inferior (`info auxv`, which a
    remote stub serves with qXfer:auxv), as the raw (type, value) pairs of
    64-bit words; None when there is none."""
    try:
        text = gdb.execute("info auxv", to_string=True)
    except gdb.error:
        return None
    words = []
    for line in text.splitlines():
        m = re.match(r"^(\d+)\s+\S+\s+.*?\s(0x[0-9a-fA-F]+|\d+)"
                     r"(?:\s+\".*\")?\s*$", line)
        if m:
            words += [int(m.group(1)), int(m.group(2), 0)]
    if not words:
        return None
    # Words of the inferior's pointer size (the library reads them so).
    size = gdb.lookup_type("void").pointer().sizeof
    return struct.pack("<%d%s" % (len(words), "Q" if size == 8 else "I"),
                       *[w & ((1 << (8 * size)) - 1) for w in words])


@contextlib.contextmanager
def _user_selection_kept():
    """Run a block that switches threads (to read each one's registers)
    and put the user's thread and frame back afterwards, errors included:
    a command must not move the user's selection."""
    try:
        orig_thread = gdb.selected_thread()
    except gdb.error:
        orig_thread = None
    try:
        orig_frame = gdb.selected_frame()
    except gdb.error:
        orig_frame = None
    try:
        yield orig_thread
    finally:
        if orig_thread is not None and orig_thread.is_valid():
            orig_thread.switch()
        if orig_frame is not None and orig_frame.is_valid():
            try:
                orig_frame.select()
            except gdb.error:
                pass


def _threads(inferior):
    """(lwp, sp, is_main) for every thread, read with that thread selected;
    the user's thread and frame are restored afterwards."""
    result = []
    with _user_selection_kept():
        for thread in inferior.threads():
            lwp = thread.ptid[1] or thread.ptid[0]
            try:
                thread.switch()
                sp = int(gdb.parse_and_eval("$sp")) & _U64
            except (gdb.error, ValueError, OverflowError):
                continue  # a running or dead thread has no $sp to read
            result.append((lwp, sp, lwp == inferior.pid))
    return result


def _address_bits():
    """Bits of the selected target's addresses (its pointers' size)."""
    try:
        return 8 * gdb.lookup_type("void").pointer().sizeof
    except (gdb.error, RuntimeError):
        return 64


def _arch_name(inferior):
    """GDB's name of the inferior's architecture ("i386", "i386:x86-64",
    "i386:x64-32"), for the library to pick its own (it decides, x32
    included); None when GDB cannot say (the library's default)."""
    try:
        return inferior.architecture().name()
    except (AttributeError, gdb.error, RuntimeError):
        pass
    try:
        return gdb.selected_frame().architecture().name()
    except (gdb.error, RuntimeError):
        return None


def _reader(inferior):
    def read(space, addr, size):
        if space != vmlayout.SPACE_VIRTUAL:
            return None
        try:
            return inferior.read_memory(addr, size).tobytes()
        except (gdb.MemoryError, gdb.error, OverflowError, ValueError):
            return None
    return read


def _sysroot():
    """GDB's sysroot when it names a local directory, else None ("" and
    "target:" both mean files are where the maps say)."""
    try:
        root = gdb.parameter("sysroot")
    except (gdb.error, RuntimeError):
        return None
    if not root or root.startswith("target:") or root.startswith("remote:"):
        return None
    return root


def _layout(cmd, warn=True):
    """(a classified Layout of the selected inferior, the core file's path
    when the target is a core, else None), built once per stop: the
    per-stop cache (vmlayout_gdb) keeps it until the target can change.
    The Layout is the cache's: never close it. Its warnings (made by the
    library) are printed once per target, on GDB's error stream; not for
    JSON output (warn false), which stays one document. GDB's
    `set disassembly-flavor` is applied at every call (it may change
    while the target is stopped)."""
    _require_package(cmd)
    _require_stopped(cmd)
    layout, path = vmlayout_gdb.layout_and_core(cmd)
    flavor = _disasm_flavor()
    if flavor:
        layout.set_disasm_syntax(flavor)
    if warn:
        inferior = gdb.selected_inferior()
        conn = inferior.connection
        key = ("core", path) if path is not None else \
            ("process", conn.num if conn else 0, inferior.pid)
        _warn_once(cmd, layout, key)
    return layout, path


def _build_layout(cmd):
    """_layout() without the cache: reads the target now. No running-target
    check here: the convenience functions build through it while GDB
    evaluates a breakpoint condition, when the thread still counts as
    running (the commands check in _layout)."""
    _require_package(cmd)
    inferior = gdb.selected_inferior()
    conn = inferior.connection
    flavor = _disasm_flavor()
    try:
        if conn is not None and conn.type == "core":
            path = _core_path(cmd)
            layout = vmlayout.open_core(path, sysroot=_sysroot())
            if flavor:
                layout.set_disasm_syntax(flavor)
            return layout, path
        pid = inferior.pid
        if not pid or not inferior.is_valid():
            raise gdb.GdbError("%s: %s" % (cmd, _NOT_RUNNING))
        maps = _read_proc_file(cmd, inferior, pid, "maps",
                               not _is_remote(inferior))
        if maps is None:
            # A stub that cannot list the mappings (qemu-aarch64 -g) but
            # gives the auxv: the library builds what can be known.
            auxv = _gdb_auxv()
            if auxv is None or not gdb.current_progspace().filename:
                _read_proc_file(cmd, inferior, pid, "maps", True)  # raises
            return vmlayout.from_auxv(
                auxv, gdb.current_progspace().filename,
                threads=_threads(inferior), reader=_reader(inferior),
                sysroot=_sysroot(), arch=_arch_name(inferior)), None
        auxv = _read_proc_file(cmd, inferior, pid, "auxv", False)
        # A local process's /proc files (map_files, exe) can be read by
        # the library: deleted files keep their sections and symbols.
        local = not _is_remote(inferior)
        layout = vmlayout.from_maps(
            maps, threads=_threads(inferior), auxv=auxv,
            exe=gdb.current_progspace().filename, reader=_reader(inferior),
            sysroot=_sysroot(), arch=_arch_name(inferior),
            elf_cache=vmlayout_gdb.elf_cache(),
            pid=pid if local else None, disasm_syntax=flavor)
        return layout, None
    except vmlayout.Error as e:
        what = "the core file" if conn is not None and conn.type == "core" \
            else "/proc/%d/maps" % inferior.pid
        raise gdb.GdbError(_one_line("%s: cannot build the layout from %s: %s"
                                     % (cmd, what, e.message)))


# Threads whose stop signal a crash explanation may look at, the selected
# one first (GDB selects the thread that got the signal).
_CRASH_THREADS_MAX = 256


def _thread_crash_facts(thread):
    """(lwp, signo, si_code, si_addr, {register: value}) of a stopped
    thread, read with it selected; None when GDB has no siginfo for it.
    Only facts: whether they make a crash is the library's call."""
    try:
        thread.switch()
        info = gdb.parse_and_eval("$_siginfo")
        signo = int(info["si_signo"])
        code = int(info["si_code"])
        try:
            addr = int(info["_sifields"]["_sigfault"]["si_addr"]) & _U64
        except (gdb.error, KeyError, ValueError):
            addr = None
    except (gdb.error, ValueError, OverflowError, RuntimeError):
        return None
    regs = {}
    try:
        frame = gdb.newest_frame()
        arch = frame.architecture()
        names = [r.name for r in arch.registers("general")]
        # The %fs/%gs bases are in no general group but address TLS.
        names += [n for n in ("fs_base", "gs_base") if n not in names]
        for name in names:
            try:
                regs[name] = int(frame.read_register(name)) & _U64
            except (gdb.error, ValueError, OverflowError, TypeError):
                continue
    except (gdb.error, AttributeError, RuntimeError):
        pass
    lwp = thread.ptid[1] or thread.ptid[0]
    return lwp, signo, code, addr, regs


def _crash(cmd, warn=True):
    """(the layout, its Crash): a core's facts are its own; for a live
    process the stopped threads' siginfo and registers go to the library,
    the selected thread first, until one is a crash by the library's
    rules. One GdbError line when none is."""
    # The per-stop layout (never closed here: the cache owns it); the
    # facts given below describe this stop, which the cache lasts for.
    layout, core_path = _layout(cmd, warn=warn)
    if core_path is not None:
        return layout, layout.crash()
    inferior = gdb.selected_inferior()
    first_error = None
    with _user_selection_kept() as orig_thread:
        threads = list(inferior.threads())
        threads.sort(key=lambda t: t != orig_thread)
        for thread in threads[:_CRASH_THREADS_MAX]:
            facts = _thread_crash_facts(thread)
            if facts is None:
                continue
            lwp, signo, code, addr, regs = facts
            layout.add_thread_registers(lwp, regs)
            layout.set_siginfo(lwp, signo, code, addr)
            try:
                return layout, layout.crash()
            except vmlayout.Error as e:
                if e.code != vmlayout.ERROR_NOT_FOUND:
                    raise
                first_error = first_error or e
        if first_error is None:
            layout.crash()      # the library's line for "no signal at all"
        raise first_error


def _kernel_module():
    """vmlayout_gdb_qemu (the QEMU gdbstub bridge, beside this file) when
    the selected target is a kernel under QEMU, else None."""
    conn = gdb.selected_inferior().connection
    if vmlayout is None or conn is None or \
            conn.type not in ("remote", "extended-remote"):
        return None
    try:
        import vmlayout_gdb_qemu as qemu
    except ImportError:
        return None
    return qemu if qemu.is_qemu_kernel_target() else None


_vmcores = {}


def _vmcore_target(cmd):
    """(vmlayout.Vmcore, path) when the selected target is a core file that
    is a whole machine's dump (QEMU's dump-guest-memory, kdump), else
    (None, None). GDB loads QEMU's ELF dump as an x86-64 core, but its
    segments are physical memory: the library reads it as a vmcore. Kept
    open per file (path, size, mtime)."""
    conn = gdb.selected_inferior().connection
    if vmlayout is None or conn is None or conn.type != "core":
        return None, None
    path = _core_path(cmd)
    try:
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns)
        if key not in _vmcores:
            if not vmlayout.dump_format(path):
                return None, None
            _vmcores.clear()
            _vmcores[key] = vmlayout.open_vmcore(path)
        return _vmcores[key], path
    except OSError as e:
        raise gdb.GdbError(_one_line("%s: %s: %s" % (cmd, path, e)))
    except vmlayout.Error as e:
        raise gdb.GdbError(_one_line("%s: %s" % (cmd, e.message)))


def _vmcore_answer(cmd, vmc, query, as_json, addr=0):
    try:
        return vmc.answer(query, "json" if as_json else "text", addr=addr,
                          color=_color() and not as_json)
    except vmlayout.Error as e:
        raise gdb.GdbError(_one_line("%s: %s" % (cmd, e.message)))


def _value(cmd, text, what):
    """A number or GDB expression given to an option, as a 64-bit value."""
    try:
        return int(text, 0) & _U64
    except ValueError:
        pass
    try:
        return int(gdb.parse_and_eval(text)) & _U64
    except (gdb.error, TypeError, ValueError, OverflowError) as e:
        raise gdb.GdbError(_one_line("%s: bad %s %r: %s"
                                     % (cmd, what, text, e)))


def _guard(cmd, fn, *args):
    """Run fn; every failure becomes one GdbError line, never a traceback."""
    try:
        fn(*args)
    except gdb.GdbError:
        raise
    except KeyboardInterrupt:
        raise gdb.GdbError("%s: interrupted" % cmd)
    except gdb.error as e:
        raise gdb.GdbError(_one_line("%s: %s" % (cmd, e)))
    except Exception as e:
        if vmlayout is not None and isinstance(e, vmlayout.Error):
            raise gdb.GdbError(_one_line("%s: %s" % (cmd, e.message)))
        if type(e).__name__ == "KernelError":   # the bridge's one line
            raise gdb.GdbError(_one_line("%s: %s" % (cmd, e)))
        raise gdb.GdbError(_one_line("%s: internal error: %s: %s"
                                     % (cmd, type(e).__name__, e)))


def _complete_options(options, text, word):
    """Options starting with the token being typed. GDB breaks words at
    '-', so `word` may be only the tail of the token: return what replaces
    that tail."""
    word = word or ""
    token = "" if not text or text[-1].isspace() else text.split()[-1]
    cut = max(len(token) - len(word), 0)
    return [o[cut:] for o in options if o.startswith(token)]


# ------------------------------------------------------------------ commands


class VmlayoutCommand(gdb.Command):
    """Show the layout of the program's virtual address space.
Usage: vmlayout [--picture|--table|--json]
       vmlayout --scan FROM [TO] [--max N] [--json]
       vmlayout --crash [--json]
       vmlayout [--pagetables] [--wx] [--cr3 VALUE] [--json]   (kernel)
       vmlayout --load-symbols   (kernel)
       vmlayout --task PID [--json]   (kernel)

Draws every region of the address space of the program being debugged
(a live process, local or under gdbserver, or a core file), from the
lowest address to the highest, with the unmapped gaps between them.
When GDB is connected to QEMU's gdbstub, draws the kernel's address
space from its page tables instead.

--picture
  The classic layout drawing (the default): text, data, heap, mmap
  region, stacks, and the gaps between them labelled with their size.

--table
  One row per region: start, end, size, permissions, kind and name,
  as in /proc/PID/maps plus what each region holds.

--json
  The same regions as a JSON document, for scripts.

--scan FROM [TO]
  Every aligned 8-byte word of the memory FROM selects whose value
  points into the memory TO selects (default: anything mapped): first
  the count of pointers per destination, then each pointer with what it
  points at (kind, object, section, symbol). FROM and TO are kinds as
  --table prints them (heap, stack, mmap-anon, data, direct-map ...),
  'all', objects or files (libc.so.6, a path), or START-END; join several
  with commas (heap,stack). On a kernel, TO may name slab caches as
  /proc/slabinfo does (slab:kmalloc-256, slab:task_struct): only
  pointers into an object of one count, each listed with its object
  (cache, index, offset, state). With --json: {"scanned": BYTES,
  "pointers": [{"at", "value", "kind", "path", "section", "symbol",
  "offset"[, "object"]}], ...}.
  A live local process is read through /proc/PID/mem, a core in place.
  Long scans print their progress; Ctrl-C stops them.

--max N
  With --scan: list at most N pointers (default 100000; the counts are
  always complete).

--crash
  Why the program died: for a core, or a live process stopped by a
  fatal signal, one short paragraph from the signal (si_code, si_addr),
  the registers of the thread that got it, the instruction at its $pc
  (its memory operand evaluated) and the layout: a NULL dereference,
  a stack overflow, a write to read-only memory, a jump to
  non-executable memory, an unmapped gap, a non-canonical pointer, a
  misaligned access, a bus error, abort() or a failed assert() ...
  With --json, every fact as a JSON document.

--pagetables
  Kernel targets: every range of the page-table walk with its flags,
  like the kernel's ptdump.

--wx
  Kernel targets: only the ranges that are both writable and executable.

--cr3 VALUE
  Kernel targets: walk the page tables rooted at VALUE (an expression)
  instead of the current CR3.

--load-symbols
  Kernel targets without vmlinux: read the kernel's own symbol table
  (kallsyms) from its memory, write the image's symbols and the loaded
  modules' symbols as an ELF file and load it (add-symbol-file), so that
  bt, x/i and info symbol name kernel and module code. whereis reads the same symbols (and the kernel's BTF
  types) by itself.

--task PID
  Kernel targets without vmlinux: the user address space of the guest's
  process PID, drawn as for a process, from the kernel's own task list
  and types (kallsyms and BTF): its VMAs (the maple tree of its mm on
  6.1 and later, its VMA list before) with their files, and its
  page-table root (mm->pgd). With --json: {"pid", "comm", "pgd",
  "pgd_phys", "maps", "layout"}.

Colour is used when GDB's styling is on (set style enabled on)."""

    OPTIONS = ("--picture", "--table", "--json", "--scan", "--max",
               "--crash")
    # Paging registers a user may replace (VALUE instead of the target's).
    REGISTER_OPTIONS = ("--cr3",)
    KERNEL_OPTIONS = ("--pagetables", "--wx", "--load-symbols", "--task") + \
        REGISTER_OPTIONS
    USAGE = ("usage: vmlayout [--picture|--table|--json], vmlayout --scan "
             "FROM [TO] [--max N] [--json], vmlayout --crash [--json], "
             "on a kernel: "
             "vmlayout [--pagetables] [--wx] [--cr3 VALUE] [--json], "
             "vmlayout --load-symbols, vmlayout --task PID [--json]")

    def __init__(self):
        super().__init__("vmlayout", gdb.COMMAND_STATUS)

    def complete(self, text, word):
        return _complete_options(self.OPTIONS + self.KERNEL_OPTIONS, text,
                                 word)

    def invoke(self, arg, from_tty):
        _guard("vmlayout", self._invoke, arg)

    def _parse(self, arg):
        """(format, kernel query, paging register overrides, the kernel-only
        options given): the command line parsed once."""
        fmt = None
        query = "layout"
        registers = {}
        kernel = []
        argv = gdb.string_to_argv(arg)
        self._scan = None         # (FROM, TO or None, max) for --scan
        self._max = 0
        self._crash_wanted = False
        self._task = 0
        i = 0
        while i < len(argv):
            a = argv[i]
            if a == "--crash":
                self._crash_wanted = True   # _invoke explains the crash
            elif a == "--scan":
                if i + 1 >= len(argv) or argv[i + 1].startswith("--"):
                    raise gdb.GdbError("vmlayout: --scan needs FROM (%s)"
                                       % self.USAGE)
                i += 1
                frm, to = argv[i], None
                if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                    i += 1
                    to = argv[i]
                self._scan = (frm, to)
            elif a == "--max":
                if i + 1 >= len(argv):
                    raise gdb.GdbError("vmlayout: --max needs N (%s)"
                                       % self.USAGE)
                i += 1
                try:
                    self._max = int(argv[i], 0)
                    if self._max <= 0:
                        raise ValueError
                except ValueError:
                    raise gdb.GdbError("vmlayout: --max: %r is not a "
                                       "positive number" % argv[i])
            elif a in self.OPTIONS:
                # One format: two different ones would silently lose one.
                if fmt is not None and fmt != a[2:]:
                    raise gdb.GdbError("vmlayout: --%s and %s cannot be "
                                       "combined: choose one format (%s)"
                                       % (fmt, a, self.USAGE))
                fmt = a[2:]
            elif a == "--load-symbols":
                kernel.append(a)
                query = "load-symbols"
            elif a == "--task":
                if i + 1 >= len(argv):
                    raise gdb.GdbError("vmlayout: --task needs a pid (%s)"
                                       % self.USAGE)
                i += 1
                try:
                    self._task = int(argv[i], 0)
                except ValueError:
                    raise gdb.GdbError("vmlayout: --task: '%s' is not a pid"
                                       % argv[i])
                kernel.append(a)
                query = "task"
            elif a in ("--pagetables", "--wx"):
                kernel.append(a)
                # --wx is the --pagetables view filtered: it wins.
                if a == "--wx" or query == "layout":
                    query = a[2:]
            elif a in self.REGISTER_OPTIONS or \
                    a.split("=", 1)[0] in self.REGISTER_OPTIONS:
                name, eq, value = a.partition("=")
                if not eq:
                    if i + 1 >= len(argv):
                        raise gdb.GdbError("vmlayout: %s needs a value (%s)"
                                           % (a, self.USAGE))
                    i += 1
                    value = argv[i]
                kernel.append(name)
                # A paging register of the target, replaced (evaluated on
                # a kernel target only); the bridge checks the name against
                # the registers the library wants.
                registers[name[2:]] = value
            elif a.startswith("-"):
                raise gdb.GdbError("vmlayout: unknown option '%s' (%s)"
                                   % (a, self.USAGE))
            else:
                raise gdb.GdbError("vmlayout: unexpected argument '%s' (%s)"
                                   % (a, self.USAGE))
            i += 1
        return fmt or "picture", query, registers, kernel

    def _invoke(self, arg):
        fmt, query, registers, kernel = self._parse(arg)
        _require_package("vmlayout")
        _require_stopped("vmlayout")
        if self._crash_wanted:
            if self._scan is not None or self._max:
                raise gdb.GdbError("vmlayout: --crash cannot be combined "
                                   "with --scan")
            self._crash(fmt, kernel)
            return
        vmc, vmc_path = _vmcore_target("vmlayout")
        if vmc is not None:
            if self._scan is not None or self._max or registers or \
                    fmt == "table":
                raise gdb.GdbError("vmlayout: on a kernel dump: --pagetables,"
                                   " --wx and --json only")
            text = _vmcore_answer("vmlayout", vmc, query, fmt == "json")
            if query == "layout" and fmt != "json":
                text = vmc.summary(vmc_path) + "\n" + text
            _write(text)
            return
        if self._scan is not None:
            if fmt not in ("picture", "json") or kernel:
                raise gdb.GdbError("vmlayout: --scan takes --json and --max "
                                   "only (%s)" % self.USAGE)
            frm, to = self._scan
            _write(vmlayout_gdb.scan("vmlayout", frm, to, fmt == "json",
                                     self._max, _color() and fmt != "json"))
            return
        if self._max:
            raise gdb.GdbError("vmlayout: --max goes with --scan")
        qemu = _kernel_module()
        if qemu is not None:
            if fmt == "table":
                raise gdb.GdbError("vmlayout: --table is for processes; "
                                   "on a kernel use --pagetables")
            if query == "load-symbols":
                if len(kernel) > 1 or fmt != "picture":
                    raise gdb.GdbError("vmlayout: --load-symbols takes no "
                                       "other option")
                _write(qemu.load_symbols())
                return
            values = {name: _value("vmlayout", text, "--%s value" % name)
                      for name, text in registers.items()}
            if query == "task" and (len(kernel) > 1 or
                                    fmt not in ("picture", "json")):
                raise gdb.GdbError("vmlayout: --task takes --json only")
            _write(qemu.run(qemu.KernelOptions(
                query, json=fmt == "json", registers=values,
                addr=self._task if query == "task" else 0)))
            return
        if kernel:
            raise gdb.GdbError("vmlayout: %s needs a kernel target (GDB "
                               "connected to QEMU's gdbstub)" % kernel[0])
        layout, core_path = _layout("vmlayout", warn=fmt != "json")
        text = layout.render(fmt, color=_color() and fmt != "json")
        if fmt != "json" and core_path is not None:
            # As the command line does: the core's facts above the
            # picture or table. JSON stays one document (it has
            # "incomplete" itself).
            text = layout.core_summary(core_path) + "\n" + text
        _write(text)


    def _crash(self, fmt, kernel):
        if kernel:
            raise gdb.GdbError("vmlayout: --crash cannot be combined with %s"
                               % kernel[0])
        if fmt not in ("picture", "json"):
            raise gdb.GdbError("vmlayout: --crash prints a paragraph or, "
                               "with --json, JSON; not --%s" % fmt)
        if _kernel_module() is not None or \
                _vmcore_target("vmlayout")[0] is not None:
            raise gdb.GdbError("vmlayout: --crash is for processes and "
                               "cores, not a kernel")
        try:
            layout, crash = _crash("vmlayout", warn=fmt != "json")
        except vmlayout.Error as e:
            raise gdb.GdbError(_one_line("vmlayout: %s" % e.message))
        _write(layout.crash_text(crash, "json" if fmt == "json"
                                 else "text"))


class WhereisCommand(gdb.Command):
    """Explain what lives at an address.
Usage: whereis [--json] EXPR
       whereis [--json] --deref N EXPR
       whereis [--json] [--phys] EXPR   (kernel)

EXPR is any GDB expression (a number, a pointer, a symbol, &var, $sp,
$pc ...); its value is the address. whereis names the region that holds
it and what that region is, the offset in the mapped file, the ELF
section and nearest symbol, whose stack it is on and how far from that
thread's stack pointer (by each thread's own $sp: a mapping may hold the
stacks of several threads), a guard page a thread overflowed into, and
the instruction there when it is code. An
unmapped address is described by the gap around it; a non-canonical
address is reported as such. On a kernel under QEMU's gdbstub it shows
the page-table walk for the address, level by level.

--json
  Print the answer as a JSON document, for scripts.

--deref N
  Read N 8-byte words from EXPR and show each with what its value points
  at (kind, object, section, symbol), following pointer chains a few
  levels (a cycle ends a chain): one line per word, like a debugger's
  telescope.

--phys
  Kernel targets: EXPR is a physical address; list every virtual
  address that maps it.

--task PID
  Kernel targets without vmlinux: EXPR is a user address of the guest's
  process PID: the region of its layout (vmlayout --task PID) holding
  it, then the walk through that process's own page tables (mm->pgd).

Options must come before EXPR; use -- to end them (whereis -- -8)."""

    OPTIONS = ("--json", "--phys", "--deref", "--task")
    USAGE = "usage: whereis [--json] [--deref N] [--task PID] EXPR"

    def __init__(self):
        super().__init__("whereis", gdb.COMMAND_DATA)

    def complete(self, text, word):
        words = text.split()
        typing = words[-1] if words and not text[-1].isspace() else ""
        if typing.startswith("--") and all(
                w in self.OPTIONS for w in words[:-1]):
            return _complete_options(self.OPTIONS, text, word)
        return gdb.COMPLETE_EXPRESSION

    def invoke(self, arg, from_tty):
        _guard("whereis", self._invoke, arg)

    def _parse(self, arg):
        """(json?, phys?, expression text). The expression is kept
        verbatim, not split into words: it may hold spaces and quotes."""
        rest = arg.strip()
        as_json = phys = False
        self._deref = None        # N of --deref N
        self._task = 0            # PID of --task PID
        while rest.startswith("--"):
            word, _, tail = rest.partition(" ")
            if word == "--json":
                as_json = True
            elif word == "--phys":
                phys = True
            elif word == "--deref" or word.startswith("--deref="):
                if word == "--deref":
                    count, _, tail = tail.strip().partition(" ")
                else:
                    count = word.split("=", 1)[1]
                try:
                    self._deref = int(count, 0)
                    if not 0 < self._deref <= 65536:
                        raise ValueError
                except ValueError:
                    raise gdb.GdbError("whereis: --deref needs a count of "
                                       "words, 1 to 65536 (%s)" % self.USAGE)
            elif word == "--task":
                pid, _, tail = tail.strip().partition(" ")
                try:
                    self._task = int(pid, 0)
                    if not 0 < self._task < 1 << 31:
                        raise ValueError
                except ValueError:
                    raise gdb.GdbError("whereis: --task needs a pid (%s)"
                                       % self.USAGE)
            elif word == "--":
                rest = tail.strip()
                break
            else:
                raise gdb.GdbError("whereis: unknown option '%s' (%s)"
                                   % (word, self.USAGE))
            rest = tail.strip()
        if not rest:
            raise gdb.GdbError("whereis: missing address (%s)" % self.USAGE)
        return as_json, phys, rest

    def _address(self, expr):
        try:
            value = gdb.parse_and_eval(expr)
        except gdb.error as e:
            raise gdb.GdbError(_one_line("whereis: cannot evaluate '%s': %s"
                                         % (expr, e)))
        try:
            code = value.type.strip_typedefs().code
            if code in (gdb.TYPE_CODE_FLT, gdb.TYPE_CODE_DECFLOAT,
                        gdb.TYPE_CODE_COMPLEX):
                # int() would cut 1.5 to 1: an address is a whole number.
                raise gdb.GdbError(_one_line(
                    "whereis: '%s' is not an address: it is a %s value, "
                    "not an integer or pointer" % (expr, value.type)))
            if code in (gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_ARRAY) and \
                    value.address is not None:
                # A function or an array names its address, as in C.
                value = value.address
            # Negative numbers wrap to the target's address width, as
            # GDB's own x command does: 64 bits, or 32 for a 32-bit
            # process ($eax holding 0xf7c00000 is -138412032 there); a
            # wider value is left as it is (and may be beyond the space).
            width = _address_bits()
            if value.type.strip_typedefs().sizeof * 8 <= width:
                return int(value) & ((1 << width) - 1)
            return int(value) & _U64
        except (gdb.error, TypeError, ValueError, OverflowError) as e:
            raise gdb.GdbError(_one_line(
                "whereis: cannot use '%s' as an address: %s" % (expr, e)))

    def _invoke(self, arg):
        as_json, phys, expr = self._parse(arg)
        _require_stopped("whereis")
        addr = self._address(expr)
        _require_package("whereis")
        vmc, _ = _vmcore_target("whereis")
        if vmc is not None:
            if self._deref is not None:
                raise gdb.GdbError("whereis: --deref is not read from a "
                                   "kernel dump yet")
            _write(_vmcore_answer("whereis", vmc, "phys" if phys else "where",
                                  as_json, addr))
            return
        if self._deref is not None:
            if phys:
                raise gdb.GdbError("whereis: --deref and --phys do not go "
                                   "together")
            _write(vmlayout_gdb.deref("whereis", addr, self._deref, as_json,
                                      _color() and not as_json))
            return
        qemu = _kernel_module()
        if self._task and (phys or qemu is None):
            raise gdb.GdbError("whereis: --task goes with a kernel target "
                               "(GDB connected to QEMU's gdbstub), not "
                               "with --phys")
        if qemu is not None:
            _write(qemu.run(qemu.KernelOptions(
                "phys" if phys else "where", json=as_json, addr=addr,
                task=self._task)))
            return
        if phys:
            raise gdb.GdbError("whereis: --phys needs a kernel target (GDB "
                               "connected to QEMU's gdbstub)")
        layout, _ = _layout("whereis", warn=not as_json)
        # The C answer itself (no Python Where object: converting one
        # builds Region objects), rendered by the library.
        where = layout._where_c(addr)
        if not as_json and not where.canonical:
            # No memory can be there: report it like GDB reports an
            # address it cannot access, with the one line the library
            # makes for it (JSON callers get the full answer with
            # "canonical": false instead).
            raise gdb.GdbError(_one_line(
                "whereis: " + layout.where_text(where, "line")))
        _write(layout.where_text(where, "json" if as_json else "text",
                                 color=_color() and not as_json))


class MaxPhysAddrParameter(gdb.Parameter):
    """Physical address width (MAXPHYADDR) of a kernel target, in bits.
Page-table entries whose address has a bit set at or above this width
have reserved bits: the CPU faults on them, and vmlayout reports them as
"reserved" instead of following them. QEMU's gdbstub does not expose
CPUID, so vmlayout cannot read it: 0 (the default) means unknown, and
the architectural maximum, 52, is assumed. QEMU's qemu64 CPU has 40."""

    set_doc = "Set the physical address width vmlayout assumes for page tables."
    show_doc = "Show the physical address width vmlayout assumes for page tables."

    def __init__(self):
        super().__init__("vmlayout-maxphyaddr", gdb.COMMAND_DATA,
                         gdb.PARAM_ZUINTEGER)
        self.value = 0
        self._accepted = 0

    def get_set_string(self):
        if self.value != 0 and not 12 <= self.value <= 52:
            bad, self.value = self.value, self._accepted
            raise gdb.GdbError("vmlayout-maxphyaddr: %d is not a physical "
                               "address width (0 for unknown, or 12..52)"
                               % bad)
        self._accepted = self.value
        return ""

    def get_show_string(self, svalue):
        if svalue == "0":
            return ("The physical address width vmlayout assumes is unknown "
                    "(52 bits, the architectural maximum).")
        return "The physical address width vmlayout assumes is %s bits." \
            % svalue


class CacheParameter(gdb.Parameter):
    """Whether vmlayout keeps its answers while the target is stopped.
On (the default), the layout of the program is built at the first command
after a stop and kept until the target can have changed (it resumes or
steps, a function is called, memory or a register is written, object
files change, the process exits, another core or inferior is selected),
and parsed ELF files are kept across stops while they do not change on
disk. Off, every command reads everything again."""

    set_doc = "Set whether vmlayout keeps its answers while the target is stopped."
    show_doc = "Show whether vmlayout keeps its answers while the target is stopped."

    def __init__(self):
        super().__init__("vmlayout-cache", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_set_string(self):
        if vmlayout_gdb is not None:
            vmlayout_gdb.set_enabled(self.value)
        return ""

    def get_show_string(self, svalue):
        return "vmlayout keeps its answers while the target is stopped: %s." \
            % svalue


VmlayoutCommand()
WhereisCommand()
MaxPhysAddrParameter()
CacheParameter()
if vmlayout_gdb is not None:
    vmlayout_gdb.set_builder("process", _build_layout)

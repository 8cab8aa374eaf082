"""The command line without GDB: python3 -m vmlayout.

Parses arguments, opens a core file or a live process through the package
API, and prints what the C library renders. Nothing here decides anything
about the layout: it only picks the source and the format.
"""

import argparse
import json
import os
import sys

PROG = "vmlayout"

DESCRIPTION = """\
Show where every byte of a Linux address space lives (x86-64, AArch64, i386).

vmlayout draws the layout of a live process or of an ELF core file: every
mapping from the lowest address to the top, with its permissions, size,
the file it comes from and what it holds (text, data, bss, heap, stack,
thread stacks, shared libraries, anonymous memory, vdso ...), and the gaps
between mappings labelled with their size. With --whereis it explains
single addresses instead: the mapping, section and symbol holding each one,
its offset in the file, whose stack it is on, or which gap it falls in.
With --crash it says why the program died: the signal, the thread that got
it, the instruction at its $pc and the memory it touched (a NULL
dereference, a stack overflow, a write to read-only memory, an unmapped
gap, a non-canonical pointer, abort() ...).

A core file is read in place (mapped, never loaded whole). A core made by
GDB's gcore leaves out file mappings it did not change: those are shown
from the core's file list with permissions taken from the file on disk
(marked as guessed), or "???" when the file is not an ELF object. Where a
core is truncated or damaged the layout is marked incomplete and a warning
goes to standard error.

A kernel dump (QEMU's dump-guest-memory, as ELF or kdump-compressed, or
kdump's ELF vmcore) given as the core is told from a process core by its
headers: then the kernel's picture is drawn from its page tables (KASLR
bases from its VMCOREINFO), and --pagetables, --wx, --whereis [--phys] and
--json answer as GDB's commands do on the live guest.

The source is one of --core FILE, --pid PID or a FILE operand (a core)."""

EPILOG = """\
addresses:
  ADDR is hexadecimal with a 0x prefix (0x7ffff7dd0000) or decimal
  (140737351843840); any value from 0 to 2^64-1.

selections (--scan FROM [TO]):
  A kind as --table prints it (heap, stack, mmap-anon, data, bss ...),
  'all', an object or file by its name (libc.so.6) or path, or START-END
  (addresses as above, END exclusive); several joined with commas
  (heap,stack). Only mapped memory is selected, and only readable memory
  is read. Text output gives the count of pointers per destination, then
  one line per pointer; --json gives {"scanned": BYTES, "pointers":
  [{"at", "value", "kind", "path", "section", "symbol", "offset"}], ...}.

examples:
  python3 -m vmlayout core.1234
      Picture of the address space saved in core.1234.
  python3 -m vmlayout --core core.1234 --table
      The same as a table: one row per mapping, as /proc/PID/maps plus
      the kind of each mapping.
  python3 -m vmlayout --pid 4321 --json
      The live process 4321 as JSON (needs ptrace access to it for
      anything read from its memory).
  python3 -m vmlayout core.1234 --whereis 0x55555555804c --whereis 0
      Explain two addresses of the crashed process.
  python3 -m vmlayout --pid 4321 --scan heap libc.so.6
      Every pointer in the heap of process 4321 that points into libc.
  python3 -m vmlayout --core core.1234 --crash
      Why the process died, in one paragraph (--json: every fact).
  python3 -m vmlayout guest.vmcore --whereis 0xffffffff81000000
      A kernel dump: the walk of that address through its page tables.

exit status:
  0  success (also for an incomplete layout: see the warning)
  1  the core or process could not be read, or --crash found no fatal
     signal (one line on standard error, starting with "vmlayout: ")
  2  bad usage (unknown option, missing source, malformed ADDR)

see also:
  Inside GDB the same tool is the "vmlayout" and "whereis" commands
  (source vmlayout-gdb.py); "help vmlayout" there."""

_U64_MAX = (1 << 64) - 1


def parse_address(text):
    """ADDR as the help says: 0x hex or decimal, within 64 bits."""
    s = text.strip().replace("_", "")
    try:
        if s.lower().startswith("0x"):
            value = int(s[2:], 16)
        else:
            value = int(s, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "invalid address %r (use 0x hex or decimal)" % text) from None
    if value < 0 or value > _U64_MAX:
        raise argparse.ArgumentTypeError(
            "address %r is outside 0 .. 0xffffffffffffffff" % text)
    return value


def parse_pid(text):
    try:
        pid = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid PID %r" % text) from None
    if pid <= 0:
        raise argparse.ArgumentTypeError("invalid PID %r" % text)
    return pid


def build_parser():
    p = argparse.ArgumentParser(
        prog="python3 -m vmlayout",
        usage="python3 -m vmlayout [--core FILE | --pid PID | FILE] "
              "[--table | --json] [--whereis ADDR]... [--crash] "
              "[--pagetables | --wx] [--phys] "
              "[--scan FROM [TO] [--max N]] [--color=auto|always|never]",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_argument_group("source (exactly one)")
    src.add_argument("file", nargs="?", metavar="FILE",
                     help="an ELF core file (same as --core FILE)")
    src.add_argument("--core", metavar="FILE",
                     help="read the layout from the ELF core file FILE "
                          "(kernel core dump or GDB gcore)")
    src.add_argument("--pid", metavar="PID", type=parse_pid,
                     help="read the layout of the live process PID from "
                          "/proc/PID")
    src.add_argument("--sysroot", metavar="DIR",
                     help="read the core's libraries under DIR (the "
                          "directory given to qemu-aarch64 -L, or GDB's "
                          "sysroot)")
    out = p.add_argument_group("output")
    fmt = out.add_mutually_exclusive_group()
    fmt.add_argument("--table", action="store_const", dest="fmt",
                     const="table",
                     help="one row per mapping (as /proc/PID/maps plus kind) "
                          "instead of the picture")
    fmt.add_argument("--json", action="store_const", dest="fmt",
                     const="json",
                     help="machine-readable JSON: the layout, or with "
                          "--whereis a JSON array with one object per ADDR")
    out.add_argument("--whereis", metavar="ADDR", action="append",
                     type=parse_address, default=[],
                     help="explain ADDR instead of drawing the layout; "
                          "repeat for several addresses")
    out.add_argument("--scan", metavar="SEL", nargs="+",
                     help="pointer scan: every aligned 8-byte word of the "
                          "memory FROM selects (the first SEL) that points "
                          "into the memory TO selects (the second SEL; "
                          "default: anything mapped); see 'selections'")
    out.add_argument("--max", metavar="N", type=int, default=0,
                     help="with --scan: list at most N pointers (default "
                          "100000; the counts are always complete)")
    out.add_argument("--crash", action="store_true",
                     help="explain why the program died (the core's "
                          "signal, thread, instruction and the memory it "
                          "touched) in one paragraph, or with --json as "
                          "JSON")
    kern = p.add_argument_group("kernel dumps (a vmcore given as the core)")
    kview = kern.add_mutually_exclusive_group()
    kview.add_argument("--pagetables", action="store_true",
                       help="every range of the page-table walk with its "
                            "flags (ptdump style), or with --json as JSON")
    kview.add_argument("--wx", action="store_true",
                       help="only the ranges both writable and executable")
    kern.add_argument("--phys", action="store_true",
                      help="with --whereis: ADDR is physical; list every "
                           "virtual address mapping it")
    out.add_argument("--color", metavar="WHEN", nargs="?", const="always",
                     default="auto", choices=("auto", "always", "never"),
                     help="colour the output: auto (the default: when "
                          "standard output is a terminal and NO_COLOR is "
                          "unset), always, or never")
    p.add_argument("--version", action="store_true",
                   help="print the library version and exit")
    return p


def use_color(when, stream):
    if when == "always":
        return True
    if when == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _open(vmlayout, args):
    if args.pid is not None:
        return vmlayout.open_pid(args.pid), None
    path = args.core if args.core is not None else args.file
    return vmlayout.open_core(path, sysroot=args.sysroot), path


def _package():
    # The package this module belongs to (imported by name when run as a
    # plain script); loading it loads the shared library.
    import importlib
    return importlib.import_module(__package__ or "vmlayout")


def _kernel_only(args):
    """The kernel-dump options given (for a source that is no dump)."""
    return [name for name, given in (("--pagetables", args.pagetables),
                                     ("--wx", args.wx),
                                     ("--phys", args.phys)) if given]


def _run_vmcore(vmlayout, args, path, out, err, color):
    """A kernel dump: the kernel picture, --pagetables, --wx or --whereis,
    answered by the library exactly as GDB's commands on a live guest."""
    for name, bad in (("--table", args.fmt == "table"),
                      ("--scan", bool(args.scan)), ("--crash", args.crash)):
        if bad:
            err.write("%s: %s is for process cores; %s is a kernel dump "
                      "(use --pagetables, --wx, --whereis or --json)\n"
                      % (PROG, name, path))
            return 2
    fmt = "json" if args.fmt == "json" else "text"
    with vmlayout.open_vmcore(path) as vmcore:
        info = vmcore.info
        if info["incomplete"]:
            err.write("%s: %s is incomplete: %s\n"
                      % (PROG, path, info["problem"]))
        if args.whereis:
            query = "phys" if args.phys else "where"
            texts = [vmcore.answer(query, fmt, addr=a, color=color)
                     for a in args.whereis]
            if fmt == "json":
                out.write(json.dumps([json.loads(t) for t in texts],
                                     indent=2) + "\n")
            else:
                out.write("\n".join(t.rstrip("\n") for t in texts) + "\n")
            return 0
        query = "pagetables" if args.pagetables else \
            "wx" if args.wx else "layout"
        text = vmcore.answer(query, fmt, color=color)
        if query == "layout" and fmt == "text":
            out.write(vmcore.summary(path) + "\n")
        out.write(text if text.endswith("\n") else text + "\n")
        if query == "layout" and fmt == "text":
            # Where whereis gets its names and kernel objects from.
            ksyms = vmcore.symbols()
            out.write(("kernel symbols: " + ksyms.description
                       if ksyms is not None else vmcore.symbols_error())
                      + "\n")
        return 0


def _run(vmlayout, args, out, err):
    if args.version:
        out.write("vmlayout %s\n" % vmlayout.version())
        return 0
    color = use_color(args.color, out)
    if args.pid is None:
        path = args.core if args.core is not None else args.file
        if vmlayout.dump_format(path):
            return _run_vmcore(vmlayout, args, path, out, err, color)
    if _kernel_only(args):
        err.write("%s: %s %s for kernel dumps (vmcores) only\n"
                  % (PROG, ", ".join(_kernel_only(args)),
                     "is" if len(_kernel_only(args)) == 1 else "are"))
        return 2
    layout, core_path = _open(vmlayout, args)
    try:
        for warning in layout.warnings:
            err.write("%s: %s\n" % (PROG, warning))
        if args.scan:
            frm = args.scan[0]
            to = args.scan[1] if len(args.scan) > 1 else None
            with layout.scan(frm, to, max_hits=args.max) as result:
                text = result.render("json" if args.fmt == "json" else "text",
                                     color=color and args.fmt != "json")
            out.write(text if text.endswith("\n") else text + "\n")
            return 0
        if args.crash:
            crash = layout.crash()
            text = layout.crash_text(crash, "json" if args.fmt == "json"
                                     else "text")
            out.write(text if text.endswith("\n") else text + "\n")
            return 0
        if args.whereis:
            if args.fmt == "json":
                answers = [json.loads(layout.where_text(a, fmt="json"))
                           for a in args.whereis]
                out.write(json.dumps(answers, indent=2) + "\n")
            else:
                texts = [layout.where_text(a, fmt="text", color=color)
                         for a in args.whereis]
                out.write("\n".join(t.rstrip("\n") for t in texts) + "\n")
            return 0
        fmt = args.fmt or "picture"
        text = layout.render(fmt=fmt, color=color)
        if core_path is not None and fmt != "json":
            summary = layout.core_summary(core_path)
            if summary is not None:
                out.write(summary + "\n")
        out.write(text if text.endswith("\n") else text + "\n")
        return 0
    finally:
        layout.close()


def main(argv=None, out=None, err=None):
    """Entry point; returns the exit status (0, 1 error, 2 usage)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.version:
        given = [x for x in (args.file, args.core, args.pid) if x is not None]
        if not given:
            parser.error("no source: give --core FILE, --pid PID or a "
                         "core FILE")
        if len(given) > 1:
            parser.error("more than one source: give only one of --core "
                         "FILE, --pid PID or FILE")
        if args.scan and len(args.scan) > 2:
            parser.error("--scan takes FROM and at most one TO")
        if args.scan and (args.whereis or args.fmt == "table"):
            parser.error("--scan cannot be combined with --whereis or "
                         "--table (use --json or nothing)")
        if args.max < 0 or (args.max and not args.scan):
            parser.error("--max N goes with --scan (N > 0)")
        if args.crash and args.whereis:
            parser.error("--crash explains the crash; it cannot be combined "
                         "with --whereis")
        if args.crash and args.fmt == "table":
            parser.error("--crash prints a paragraph or, with --json, JSON; "
                         "not --table")
        if args.crash and args.scan:
            parser.error("--crash cannot be combined with --scan")
        if args.phys and not args.whereis:
            parser.error("--phys goes with --whereis ADDR")
        if (args.pagetables or args.wx) and args.whereis:
            parser.error("--pagetables and --wx draw the walk; they cannot "
                         "be combined with --whereis")
        if args.whereis and args.fmt == "table":
            parser.error("--table draws the layout; it cannot be combined "
                         "with --whereis (use --json or nothing)")
    try:
        vmlayout = _package()
        try:
            return _run(vmlayout, args, out, err)
        except vmlayout.Error as e:
            err.write("%s: %s\n" % (PROG, str(e).splitlines()[0] if str(e)
                                    else "error"))
            return 1
    except BrokenPipeError:
        # `python3 -m vmlayout core | head`: stop quietly like other tools.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except (ImportError, OSError) as e:
        # The shared library could not be found or loaded.
        err.write("%s: %s\n" % (PROG, e))
        return 1

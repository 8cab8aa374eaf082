"""ctypes declarations for libvmlayout (mirrors libvmlayout/vmlayout.h).

Every function and struct of the public header is declared here with its
exact C types; nothing else happens in this module except loading the
library and turning a returned ``struct vml_error *`` into ``Error``.
"""

import ctypes
import os

# ------------------------------------------------------------------ loading

# The ABI these declarations describe (VML_ABI_VERSION in vmlayout.h): a
# library of another ABI has other signatures and struct layouts, so it is
# refused rather than called wrongly.
VML_ABI_VERSION = 2


def _candidates():
    """Where to look for the shared library, most specific first."""
    env = os.environ.get("VMLAYOUT_LIBRARY")
    if env:
        yield env
    try:
        from . import _installconfig  # written by `make install`
    except ImportError:
        pass
    else:
        for name in ("libvmlayout.so",
                     "libvmlayout.so.%d" % VML_ABI_VERSION):
            yield os.path.join(_installconfig.LIBDIR, name)
    # In the source tree: an in-tree build, or the build/ directory that
    # scripts/build (and the README's commands) use.
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    for build in ("", "build"):
        yield os.path.normpath(os.path.join(top, build, "libvmlayout",
                                            ".libs", "libvmlayout.so"))
    import ctypes.util  # only here: it costs ~30 ms of import time
    found = ctypes.util.find_library("vmlayout")
    if found:
        yield found


def abi_of(dll):
    """The ABI version a loaded libvmlayout reports; 1 for a library from
    before vml_abi_version existed."""
    fn = getattr(dll, "vml_abi_version", None)
    if fn is None:
        return 1
    fn.restype = ctypes.c_int
    fn.argtypes = []
    return fn()


def _load():
    tried = []
    for path in _candidates():
        # An explicit VMLAYOUT_LIBRARY that does not load is an error, not
        # something to silently replace with another copy of the library.
        explicit = path == os.environ.get("VMLAYOUT_LIBRARY")
        if not explicit and os.path.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            dll = ctypes.CDLL(path)
        except OSError as e:
            if explicit:
                raise ImportError("cannot load libvmlayout from "
                                  "VMLAYOUT_LIBRARY=%s: %s" % (path, e))
            tried.append(path)
            continue
        abi = abi_of(dll)
        if abi == VML_ABI_VERSION:
            return dll
        why = "%s has libvmlayout ABI %d; this vmlayout package needs ABI " \
              "%d (libvmlayout.so.%d)" % (path, abi, VML_ABI_VERSION,
                                          VML_ABI_VERSION)
        if explicit:
            raise ImportError("cannot use VMLAYOUT_LIBRARY: " + why)
        tried.append(why)
    raise ImportError("cannot find libvmlayout (set VMLAYOUT_LIBRARY); tried: "
                      + ", ".join(tried))


lib = _load()

# ------------------------------------------------------------------ constants

# enum vml_error_code
VML_OK = 0
VML_ERROR_NOMEM = 1
VML_ERROR_INVALID = 2
VML_ERROR_PARSE = 3
VML_ERROR_FORMAT = 4
VML_ERROR_UNSUPPORTED = 5
VML_ERROR_IO = 6
VML_ERROR_PERMISSION = 7
VML_ERROR_FAULT = 8
VML_ERROR_LIMIT = 9
VML_ERROR_NOT_FOUND = 10
VML_ERROR_CANCELLED = 11

# enum vml_space
VML_SPACE_VIRTUAL = 0
VML_SPACE_PHYSICAL = 1

# enum vml_prot
VML_PROT_READ = 1 << 0
VML_PROT_WRITE = 1 << 1
VML_PROT_EXEC = 1 << 2
VML_PROT_SHARED = 1 << 3

VML_KIND_RESERVED = 27   # enum vml_kind (added after the kernel kinds)
VML_KIND_PCI_IO = 28     # AArch64 kernels
VML_KIND_COUNT = 29
VML_GROUP_COUNT = 7   # enum vml_group

# enum vml_region_flags
VML_REGION_DELETED = 1 << 0
VML_REGION_ANON_NAMED = 1 << 1
VML_REGION_PSEUDO = 1 << 2
VML_REGION_LIBRARY = 1 << 3
VML_REGION_EXE = 1 << 4
VML_REGION_GUESSED = 1 << 5
VML_REGION_ENDS_AT_TOP = 1 << 6
VML_REGION_PERMS_GUESSED = 1 << 7
VML_REGION_NAME_GUESSED = 1 << 8
VML_REGION_FILE_MISMATCH = 1 << 9

# enum vml_layout_flags
VML_LAYOUT_INCOMPLETE = 1 << 0
VML_LAYOUT_PARTIAL = 1 << 1

# enum vml_half
VML_HALF_USER = 0
VML_HALF_KERNEL = 1
VML_HALF_NONCANONICAL = 2
VML_HALF_OUTSIDE = 3

# enum vml_stack_note
VML_STACK_NOTE_NONE = 0
VML_STACK_NOTE_RED_ZONE = 1
VML_STACK_NOTE_UNUSED = 2

# enum vml_stack_role
VML_STACK_ROLE_NONE = 0
VML_STACK_ROLE_LIVE = 1
VML_STACK_ROLE_RED_ZONE = 2
VML_STACK_ROLE_UNUSED = 3
VML_STACK_ROLE_GUARD = 4
VML_STACK_ROLE_OVERFLOW = 5
VML_STACK_ROLE_GAP_OVERFLOW = 6

# enum vml_format
VML_FORMAT_PICTURE = 0
VML_FORMAT_TABLE = 1
VML_FORMAT_JSON = 2
VML_FORMAT_TEXT = 3
VML_FORMAT_LINE = 4

# enum vml_render_flags
VML_RENDER_COLOR = 1 << 0

# enum vml_pt_flags
VML_PT_PRESENT = 1 << 0
VML_PT_WRITE = 1 << 1
VML_PT_USER = 1 << 2
VML_PT_PWT = 1 << 3
VML_PT_PCD = 1 << 4
VML_PT_ACCESSED = 1 << 5
VML_PT_DIRTY = 1 << 6
VML_PT_PS = 1 << 7
VML_PT_GLOBAL = 1 << 8
VML_PT_PAT = 1 << 9
VML_PT_NX = 1 << 10
VML_PT_UXN = 1 << 11      # AArch64 (NX is PXN there)
VML_PT_CONT = 1 << 12
VML_PT_DBM = 1 << 13
VML_PT_SH_SHIFT = 14
VML_PT_SH_MASK = 3 << 14
VML_PT_MEMTYPE_SHIFT = 16
VML_PT_MEMTYPE_MASK = 0xf << 16

# enum vml_pt_status
VML_PT_MAPPED = 0
VML_PT_ALIAS = 1
VML_PT_UNREADABLE = 2
VML_PT_RESERVED = 3

# ------------------------------------------------------------------ structs

c_enum = ctypes.c_int  # every C enum here fits an int (System V ABI)

# size_t's largest value: the "no region" index (vml_where.region_index,
# vml_gap.below_index, vml_layout_find_index ...).
SIZE_MAX = ctypes.c_size_t(-1).value

# Structs the library fills or reads are sized: pass ctypes.sizeof of the
# struct (or of one array element) with the pointer, as the C header says.


class vml_region(ctypes.Structure):
    _fields_ = [
        ("start", ctypes.c_uint64),
        ("end", ctypes.c_uint64),
        ("offset", ctypes.c_uint64),
        ("inode", ctypes.c_uint64),
        ("dev_major", ctypes.c_uint32),
        ("dev_minor", ctypes.c_uint32),
        ("prot", ctypes.c_uint32),
        ("kind", ctypes.c_uint32),
        ("group", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("perms", ctypes.c_char * 8),
        ("name", ctypes.c_char_p),
        ("path", ctypes.c_char_p),
        ("object", ctypes.c_char_p),
        ("tid", ctypes.c_int64),
        ("nthreads", ctypes.c_uint32),
        ("tids", ctypes.POINTER(ctypes.c_int64)),
    ]


class vml_gap(ctypes.Structure):
    _fields_ = [
        ("start", ctypes.c_uint64),
        ("last", ctypes.c_uint64),
        ("below", ctypes.POINTER(vml_region)),
        ("above", ctypes.POINTER(vml_region)),
        ("below_index", ctypes.c_size_t),
        ("above_index", ctypes.c_size_t),
    ]


class vml_core_info(ctypes.Structure):
    _fields_ = [
        ("pid", ctypes.c_int32),
        ("signo", ctypes.c_int32),
        ("has_fault_addr", ctypes.c_bool),
        ("fault_addr", ctypes.c_uint64),
        ("command", ctypes.c_char * 17),
        ("args", ctypes.c_char * 81),
        ("nthreads", ctypes.c_uint32),
        ("has_file_note", ctypes.c_bool),
        ("has_auxv", ctypes.c_bool),
        ("incomplete", ctypes.c_bool),
    ]


class vml_where(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_uint64),
        ("half", ctypes.c_uint32),
        ("canonical", ctypes.c_bool),
        ("region", ctypes.POINTER(vml_region)),
        ("gap", vml_gap),
        ("has_file_offset", ctypes.c_bool),
        ("file_offset", ctypes.c_uint64),
        ("section", ctypes.c_char_p),
        ("section_offset", ctypes.c_uint64),
        ("symbol", ctypes.c_char_p),
        ("symbol_offset", ctypes.c_uint64),
        ("stack_tid", ctypes.c_int64),
        ("has_stack_sp", ctypes.c_bool),
        ("stack_sp", ctypes.c_uint64),
        ("above_sp", ctypes.c_int64),
        ("has_insn", ctypes.c_bool),
        ("insn_len", ctypes.c_uint32),
        ("insn", ctypes.c_char * 160),
        ("stack_note", ctypes.c_uint32),
        ("null_page", ctypes.c_bool),
        ("kernel_hidden", ctypes.c_bool),
        ("user_end", ctypes.c_uint64),
        ("kernel_start", ctypes.c_uint64),
        ("noncanonical_fault", ctypes.c_char_p),
        ("region_index", ctypes.c_size_t),
        ("space_last", ctypes.c_uint64),
        ("stack_role", ctypes.c_uint32),
        ("stack_is_main", ctypes.c_bool),
        ("overflow_depth", ctypes.c_uint64),
        ("stack_region_index", ctypes.c_size_t),
        ("nstack_threads", ctypes.c_uint32),
        ("stack_threads", ctypes.POINTER(ctypes.c_int64)),
    ]


class vml_source_stats(ctypes.Structure):
    _fields_ = [
        ("reads", ctypes.c_uint64),
        ("bytes", ctypes.c_uint64),
        ("cache_hits", ctypes.c_uint64),
        ("failures", ctypes.c_uint64),
    ]


# enum vml_arch_id
VML_ARCH_UNKNOWN = 0
VML_ARCH_X86_64 = 1
VML_ARCH_I386 = 2
VML_ARCH_X32 = 3
VML_ARCH_AARCH64 = 4


class vml_named_value(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("value", ctypes.c_uint64),
    ]


class vml_pt_range(ctypes.Structure):
    _fields_ = [
        ("start", ctypes.c_uint64),
        ("last", ctypes.c_uint64),
        ("phys", ctypes.c_uint64),
        ("page_size", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("pkey", ctypes.c_uint32),
        ("level", ctypes.c_uint32),
        ("status", ctypes.c_uint32),
    ]


class vml_pt_walk_stats(ctypes.Structure):
    _fields_ = [
        ("table_pages", ctypes.c_uint64),
        ("entries", ctypes.c_uint64),
        ("leaves", ctypes.c_uint64),
        ("problems", ctypes.c_uint64),
    ]


class vml_pt_step(ctypes.Structure):
    _fields_ = [
        ("level", ctypes.c_uint32),
        ("index", ctypes.c_uint32),
        ("table", ctypes.c_uint64),
        ("entry_addr", ctypes.c_uint64),
        ("value", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("pkey", ctypes.c_uint32),
    ]


class vml_pt_phys_hit(ctypes.Structure):
    _fields_ = [
        ("va", ctypes.c_uint64),
        ("page_size", ctypes.c_uint64),
        ("level", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("pkey", ctypes.c_uint32),
    ]


class vml_pt_translation(ctypes.Structure):
    _fields_ = [
        ("va", ctypes.c_uint64),
        ("nsteps", ctypes.c_uint32),
        ("steps", vml_pt_step * 5),
        ("mapped", ctypes.c_bool),
        ("phys", ctypes.c_uint64),
        ("page_size", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("stop_level", ctypes.c_uint32),
        ("status", ctypes.c_uint32),
    ]


# enum vml_kbase / vml_kbase_how / vml_kernel_render_flags
VML_KBASE_PAGE_OFFSET = 0
VML_KBASE_VMALLOC = 1
VML_KBASE_VMEMMAP = 2
VML_KBASE_TEXT = 3
VML_KBASE_MODULES = 4
VML_KBASE_COUNT = 5
VML_KBASE_UNKNOWN = 0
VML_KBASE_GIVEN = 1
VML_KBASE_INFERRED = 2
VML_KBASE_DOCUMENTED = 3
VML_KRENDER_PAGETABLES = 1 << 8
VML_KRENDER_WX = 1 << 9
# enum vml_symbol_want
VML_SYMBOL_VALUE = 0
VML_SYMBOL_ADDRESS = 1
# enum vml_read_mode
VML_READ_PHYSICAL = 0
VML_READ_DIRECT_MAP = 1
# enum vml_kernel_query
VML_KQUERY_LAYOUT = 0
VML_KQUERY_PAGETABLES = 1
VML_KQUERY_WX = 2
VML_KQUERY_WHERE = 3
VML_KQUERY_PHYS = 4
VML_KQUERY_TASK = 5
# enum vml_symbol_from
VML_SYMBOL_FROM_CALLER = 0
VML_SYMBOL_FROM_KALLSYMS = 1
VML_SYMBOL_FROM_MODULE = 2
# enum vml_ksyms_flags
VML_KSYMS_NO_TYPES = 1 << 0

# enum vml_dump_format
VML_DUMP_NONE = 0
VML_DUMP_ELF = 1
VML_DUMP_KDUMP = 2

VML_KERNEL_WHERE_ALIASES = 64


class vml_kernel_symbol(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("want", ctypes.c_uint32),
    ]


class vml_kernel_hints(ctypes.Structure):
    _fields_ = [
        ("pc", ctypes.c_uint64),
        ("symbols", ctypes.POINTER(vml_named_value)),
        ("nsymbols", ctypes.c_size_t),
    ]


class vml_read_plan(ctypes.Structure):
    _fields_ = [
        ("mode", ctypes.c_uint32),
        ("direct_base", ctypes.c_uint64),
        ("note", ctypes.c_char * 256),
    ]


class vml_kernel_hit(ctypes.Structure):
    _fields_ = [
        ("va", ctypes.c_uint64),
        ("page_size", ctypes.c_uint64),
        ("level", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("pkey", ctypes.c_uint32),
        ("half", ctypes.c_uint32),
        ("kind", ctypes.c_uint32),
    ]


class vml_kernel_where(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_uint64),
        ("walk", vml_pt_translation),
        ("half", ctypes.c_uint32),
        ("kind", ctypes.c_uint32),
        ("region", ctypes.POINTER(vml_region)),
        ("region_index", ctypes.c_size_t),
        ("has_symbol", ctypes.c_bool),
        ("symbol", ctypes.c_char * 128),
        ("mappings_total", ctypes.c_uint64),
        ("aliases_total", ctypes.c_uint64),
        ("naliases", ctypes.c_uint32),
        ("aliases", vml_kernel_hit * VML_KERNEL_WHERE_ALIASES),
        ("direct_map", ctypes.c_bool),
        ("text_maps_page", ctypes.c_bool),
        ("symbol_from", ctypes.c_uint32),
        ("object", ctypes.c_char * 512),
    ]


class vml_kernel_request(ctypes.Structure):
    _fields_ = [
        ("query", ctypes.c_uint32),
        ("format", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("addr", ctypes.c_uint64),
        ("symbol", ctypes.c_char_p),
        ("ksyms", ctypes.c_void_p),
        ("task", ctypes.c_int32),
    ]


class vml_ksym(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_uint64),
        ("size", ctypes.c_uint64),
        ("name", ctypes.c_char_p),
        ("module", ctypes.c_char_p),
        ("type", ctypes.c_uint32),
        ("absolute", ctypes.c_bool),
    ]


class vml_elf_cache_stats(ctypes.Structure):
    _fields_ = [
        ("hits", ctypes.c_uint64),
        ("misses", ctypes.c_uint64),
        ("entries", ctypes.c_uint64),
        ("bytes", ctypes.c_uint64),
        ("evictions", ctypes.c_uint64),
    ]


# int vml_progress_fn(void *arg, uint64_t done, uint64_t total)
vml_progress_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p,
                                   ctypes.c_uint64, ctypes.c_uint64)


class vml_scan_request(ctypes.Structure):
    _fields_ = [
        ("from", ctypes.c_char_p),
        ("to", ctypes.c_char_p),
        ("max_hits", ctypes.c_uint64),
        ("source", ctypes.c_void_p),
        ("progress", vml_progress_fn),
        ("progress_arg", ctypes.c_void_p),
        ("block", ctypes.c_uint64),
    ]


class vml_scan_stats(ctypes.Structure):
    _fields_ = [
        ("selected", ctypes.c_uint64),
        ("scanned", ctypes.c_uint64),
        ("unreadable", ctypes.c_uint64),
        ("ranges", ctypes.c_uint64),
        ("hits", ctypes.c_uint64),
        ("kept", ctypes.c_uint64),
    ]


class vml_scan_hit(ctypes.Structure):
    _fields_ = [
        ("at", ctypes.c_uint64),
        ("value", ctypes.c_uint64),
        ("region_index", ctypes.c_size_t),
        ("section", ctypes.c_char_p),
        ("section_offset", ctypes.c_uint64),
        ("symbol", ctypes.c_char_p),
        ("symbol_offset", ctypes.c_uint64),
        ("object", ctypes.c_char_p),
    ]


# The function vml_scan_hit() takes this module's name vml_scan_hit below
# (as in C, where struct names and function names do not collide): the
# struct stays reachable as vml_scan_hit_struct (and STRUCTS).
vml_scan_hit_struct = vml_scan_hit

VML_SCAN_DEFAULT_MAX_HITS = 100000
VML_DEREF_MAX_DEPTH = 8
# enum vml_deref_end
VML_DEREF_END_VALUE = 0
VML_DEREF_END_CYCLE = 1
VML_DEREF_END_DEPTH = 2
VML_DEREF_END_UNREADABLE = 3
VML_DEREF_END_NO_WORD = 4


class vml_deref_word(ctypes.Structure):
    _fields_ = [
        ("at", ctypes.c_uint64),
        ("nvalues", ctypes.c_uint32),
        ("end", ctypes.c_uint32),
        ("chain", ctypes.c_uint64 * VML_DEREF_MAX_DEPTH),
    ]


# enum vml_crash_kind / vml_crash_access / vml_crash_addr_from
VML_CRASH_SIGNAL = 0
VML_CRASH_NULL_DEREF = 1
VML_CRASH_STACK_OVERFLOW = 2
VML_CRASH_WRITE_READONLY = 3
VML_CRASH_EXEC_NONEXEC = 4
VML_CRASH_UNMAPPED = 5
VML_CRASH_NONCANONICAL = 6
VML_CRASH_MISALIGNED = 7
VML_CRASH_BUS_ERROR = 8
VML_CRASH_ABORT = 9
VML_CRASH_ARITHMETIC = 10
VML_CRASH_ILLEGAL = 11
VML_CRASH_TRAP = 12
VML_CRASH_KERNEL_ADDRESS = 13
VML_CRASH_PROTECTION = 14
VML_CRASH_PRIVILEGED = 15
VML_CRASH_GENERAL_PROTECTION = 16
VML_CRASH_SENT = 17
VML_CRASH_KIND_COUNT = 18
VML_ACCESS_UNKNOWN = 0
VML_ACCESS_READ = 1
VML_ACCESS_WRITE = 2
VML_ACCESS_EXECUTE = 3
VML_ADDR_NONE = 0
VML_ADDR_SIGINFO = 1
VML_ADDR_OPERAND = 2
VML_ADDR_TARGET = 3
VML_ADDR_SP = 4


class vml_crash(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_uint32),
        ("summary", ctypes.c_char_p),
        ("signo", ctypes.c_int32),
        ("si_code", ctypes.c_int32),
        ("has_si_code", ctypes.c_bool),
        ("code_name", ctypes.c_char_p),
        ("code_text", ctypes.c_char_p),
        ("sent", ctypes.c_bool),
        ("has_fault_addr", ctypes.c_bool),
        ("fault_addr", ctypes.c_uint64),
        ("tid", ctypes.c_int64),
        ("tid_is_main", ctypes.c_bool),
        ("nthreads", ctypes.c_uint32),
        ("has_pc", ctypes.c_bool),
        ("pc", ctypes.c_uint64),
        ("has_sp", ctypes.c_bool),
        ("sp", ctypes.c_uint64),
        ("pc_region_index", ctypes.c_size_t),
        ("pc_section", ctypes.c_char_p),
        ("pc_section_offset", ctypes.c_uint64),
        ("pc_symbol", ctypes.c_char_p),
        ("pc_symbol_offset", ctypes.c_uint64),
        ("has_insn", ctypes.c_bool),
        ("insn_len", ctypes.c_uint32),
        ("insn", ctypes.c_char * 160),
        ("has_operand", ctypes.c_bool),
        ("operand", ctypes.c_char * 64),
        ("has_operand_addr", ctypes.c_bool),
        ("operand_addr", ctypes.c_uint64),
        ("operand_size", ctypes.c_uint32),
        ("operand_base", ctypes.c_char * 8),
        ("operand_base_value", ctypes.c_uint64),
        ("operand_index", ctypes.c_char * 8),
        ("operand_index_value", ctypes.c_uint64),
        ("operand_scale", ctypes.c_uint32),
        ("operand_segment", ctypes.c_char * 4),
        ("operand_segment_base", ctypes.c_uint64),
        ("access", ctypes.c_uint32),
        ("has_addr", ctypes.c_bool),
        ("addr", ctypes.c_uint64),
        ("addr_from", ctypes.c_uint32),
        ("half", ctypes.c_uint32),
        ("canonical", ctypes.c_bool),
        ("region_index", ctypes.c_size_t),
        ("gap", vml_gap),
        ("section", ctypes.c_char_p),
        ("section_offset", ctypes.c_uint64),
        ("symbol", ctypes.c_char_p),
        ("symbol_offset", ctypes.c_uint64),
        ("has_file_offset", ctypes.c_bool),
        ("file_offset", ctypes.c_uint64),
        ("overflow_tid", ctypes.c_int64),
        ("overflow_is_main", ctypes.c_bool),
        ("overflow_sp", ctypes.c_uint64),
        ("overflow_depth", ctypes.c_uint64),
        ("stack_region_index", ctypes.c_size_t),
        ("guard_region_index", ctypes.c_size_t),
        ("alignment", ctypes.c_uint32),
        ("has_file_size", ctypes.c_bool),
        ("file_size", ctypes.c_uint64),
        ("abort_function", ctypes.c_char_p),
        ("has_abort_message", ctypes.c_bool),
        ("abort_message", ctypes.c_char * 256),
        ("has_return_addr", ctypes.c_bool),
        ("return_addr", ctypes.c_uint64),
        ("return_symbol", ctypes.c_char_p),
        ("return_symbol_offset", ctypes.c_uint64),
    ]


class vml_vmcore_info(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_uint32),
        ("arch", ctypes.c_uint32),
        ("ncpus", ctypes.c_uint32),
        ("nsegments", ctypes.c_uint64),
        ("memory_bytes", ctypes.c_uint64),
        ("file_size", ctypes.c_uint64),
        ("has_cpu_state", ctypes.c_bool),
        ("has_vmcoreinfo", ctypes.c_bool),
        ("has_pc", ctypes.c_bool),
        ("pc", ctypes.c_uint64),
        ("has_kernel_offset", ctypes.c_bool),
        ("kernel_offset", ctypes.c_uint64),
        ("has_phys_base", ctypes.c_bool),
        ("phys_base", ctypes.c_int64),
        ("osrelease", ctypes.c_char * 65),
        ("paging_from", ctypes.c_char * 160),
        ("incomplete", ctypes.c_bool),
        ("problem", ctypes.c_char * 200),
    ]


# Every struct above, by C name, for the sizeof/offsetof test.
STRUCTS = {
    "vml_region": vml_region,
    "vml_gap": vml_gap,
    "vml_core_info": vml_core_info,
    "vml_where": vml_where,
    "vml_source_stats": vml_source_stats,
    "vml_named_value": vml_named_value,
    "vml_pt_range": vml_pt_range,
    "vml_pt_walk_stats": vml_pt_walk_stats,
    "vml_pt_step": vml_pt_step,
    "vml_pt_translation": vml_pt_translation,
    "vml_pt_phys_hit": vml_pt_phys_hit,
    "vml_kernel_hints": vml_kernel_hints,
    "vml_kernel_symbol": vml_kernel_symbol,
    "vml_read_plan": vml_read_plan,
    "vml_kernel_hit": vml_kernel_hit,
    "vml_kernel_where": vml_kernel_where,
    "vml_kernel_request": vml_kernel_request,
    "vml_ksym": vml_ksym,
    "vml_crash": vml_crash,
    "vml_elf_cache_stats": vml_elf_cache_stats,
    "vml_scan_request": vml_scan_request,
    "vml_scan_stats": vml_scan_stats,
    "vml_scan_hit": vml_scan_hit,
    "vml_deref_word": vml_deref_word,
    "vml_vmcore_info": vml_vmcore_info,
}

# ------------------------------------------------------------------ functions



class error_p(ctypes.c_void_p):
    """struct vml_error *: its own type so that check() can only be given
    what a fallible function returned (false when NULL = success)."""


# Opaque handles are plain void pointers.
layout_p = ctypes.c_void_p
source_p = ctypes.c_void_p
walk_p = ctypes.c_void_p
kernel_p = ctypes.c_void_p
paging_p = ctypes.c_void_p
elf_cache_p = ctypes.c_void_p
scan_p = ctypes.c_void_p
ksyms_p = ctypes.c_void_p
vmcore_p = ctypes.c_void_p

# int vml_read_fn(void *arg, enum vml_space space, uint64_t addr,
#                 void *buf, size_t len)
vml_read_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, c_enum,
                               ctypes.c_uint64, ctypes.c_void_p,
                               ctypes.c_size_t)

_P = ctypes.POINTER
_u64 = ctypes.c_uint64
_size = ctypes.c_size_t

_PROTOTYPES = [
    # errors
    ("vml_error_code", c_enum, [error_p]),
    ("vml_error_message", ctypes.c_char_p, [error_p]),
    ("vml_error_errno", ctypes.c_int, [error_p]),
    ("vml_error_address", _u64, [error_p, _P(ctypes.c_bool)]),
    ("vml_error_free", None, [error_p]),
    ("vml_free", None, [ctypes.c_void_p]),
    ("vml_version", ctypes.c_char_p, []),
    ("vml_abi_version", ctypes.c_int, []),
    # sources
    ("vml_source_from_callback", error_p,
     [vml_read_fn, ctypes.c_void_p, _P(source_p)]),
    ("vml_source_from_pid", error_p, [ctypes.c_int, _P(source_p)]),
    ("vml_source_from_buffer", error_p,
     [c_enum, _u64, ctypes.c_void_p, _size, _P(source_p)]),
    ("vml_source_read", error_p,
     [source_p, c_enum, _u64, ctypes.c_void_p, _size]),
    ("vml_source_invalidate", None, [source_p]),
    ("vml_source_get_stats", error_p,
     [source_p, _P(vml_source_stats), _size]),
    ("vml_source_free", None, [source_p]),
    # regions and layouts
    ("vml_kind_name", ctypes.c_char_p, [c_enum]),
    ("vml_group_name", ctypes.c_char_p, [c_enum]),
    ("vml_layout_from_maps", error_p,
     [ctypes.c_char_p, _size, _P(layout_p)]),
    ("vml_layout_from_pid", error_p, [ctypes.c_int, _P(layout_p)]),
    ("vml_layout_free", None, [layout_p]),
    ("vml_layout_add_thread", error_p,
     [layout_p, ctypes.c_int64, _u64, ctypes.c_bool]),
    ("vml_layout_set_auxv", error_p, [layout_p, ctypes.c_void_p, _size]),
    ("vml_layout_set_exe", error_p, [layout_p, ctypes.c_char_p]),
    ("vml_layout_set_source", None, [layout_p, source_p]),
    ("vml_layout_set_sysroot", error_p, [layout_p, ctypes.c_char_p]),
    ("vml_layout_classify", error_p, [layout_p]),
    ("vml_layout_flags", ctypes.c_uint32, [layout_p]),
    ("vml_layout_add_known_mappings", error_p, [layout_p]),
    ("vml_layout_count", _size, [layout_p]),
    ("vml_layout_region", _P(vml_region), [layout_p, _size]),
    ("vml_layout_find", _P(vml_region), [layout_p, _u64]),
    ("vml_layout_find_index", _size, [layout_p, _u64]),
    ("vml_layout_gap", error_p, [layout_p, _u64, _P(vml_gap), _size]),
    # cores
    ("vml_layout_from_core", error_p, [ctypes.c_char_p, _P(layout_p)]),
    ("vml_layout_from_core_buffer", error_p,
     [ctypes.c_void_p, _size, _P(layout_p)]),
    ("vml_layout_is_core", ctypes.c_bool, [layout_p]),
    ("vml_layout_core_info", error_p, [layout_p, _P(vml_core_info), _size]),
    ("vml_render_core_summary", error_p,
     [layout_p, ctypes.c_char_p, _P(ctypes.c_void_p)]),
    ("vml_render_layout_warnings", error_p,
     [layout_p, _P(ctypes.c_void_p)]),
    # whereis
    ("vml_layout_where", error_p, [layout_p, _u64, _P(vml_where), _size]),
    # render
    ("vml_render_layout", error_p,
     [layout_p, c_enum, ctypes.c_uint32, _P(ctypes.c_void_p)]),
    ("vml_render_where", error_p,
     [layout_p, _P(vml_where), _size, c_enum, ctypes.c_uint32,
      _P(ctypes.c_void_p)]),
    ("vml_format_size", None, [_u64, ctypes.c_char_p, _size]),
    # disasm
    ("vml_disasm_one", error_p,
     [ctypes.c_char_p, _size, _u64, ctypes.c_char_p, _size, _P(_size)]),
    # architectures and paging
    ("vml_arch_from_name", c_enum, [ctypes.c_char_p]),
    ("vml_arch_name", ctypes.c_char_p, [c_enum]),
    ("vml_arch_paging_registers", _P(ctypes.c_char_p), [c_enum]),
    ("vml_paging_from_registers", error_p,
     [c_enum, _P(vml_named_value), _size, ctypes.c_uint32, _P(paging_p)]),
    ("vml_paging_free", None, [paging_p]),
    ("vml_paging_arch", c_enum, [paging_p]),
    ("vml_paging_levels", ctypes.c_uint32, [paging_p]),
    ("vml_paging_va_bits", ctypes.c_uint32, [paging_p]),
    ("vml_paging_nx", ctypes.c_bool, [paging_p]),
    ("vml_paging_root_count", _size, [paging_p]),
    ("vml_paging_root", _u64, [paging_p, _size]),
    ("vml_paging_description", ctypes.c_char_p, [paging_p]),
    ("vml_pt_walk", error_p, [source_p, paging_p, _P(walk_p)]),
    ("vml_pt_walk_count", _size, [walk_p]),
    ("vml_pt_walk_range", _P(vml_pt_range), [walk_p, _size]),
    ("vml_pt_walk_get_stats", error_p,
     [walk_p, _P(vml_pt_walk_stats), _size]),
    ("vml_pt_walk_free", None, [walk_p]),
    ("vml_pt_translate", error_p,
     [source_p, paging_p, _u64, _P(vml_pt_translation), _size]),
    ("vml_pt_find_phys", error_p,
     [source_p, paging_p, _u64, _size, _P(vml_pt_phys_hit), _size,
      _P(_size), _P(_u64)]),
    # kernel (page-table targets)
    ("vml_arch_kernel_symbols", _P(vml_kernel_symbol), [c_enum, _P(_size)]),
    ("vml_kernel_read_plan", error_p,
     [paging_p, _P(vml_kernel_hints), _size, ctypes.c_bool,
      _P(vml_read_plan), _size]),
    ("vml_kernel_from_pagetables", error_p,
     [source_p, paging_p, _P(vml_kernel_hints), _size, _P(kernel_p)]),
    ("vml_kernel_from_ranges", error_p,
     [paging_p, _P(vml_pt_range), _size, _size, _P(vml_kernel_hints),
      _size, _P(kernel_p)]),
    ("vml_kernel_free", None, [kernel_p]),
    ("vml_kernel_layout", layout_p, [kernel_p]),
    ("vml_kernel_paging", paging_p, [kernel_p]),
    ("vml_kernel_base", _u64, [kernel_p, c_enum, _P(ctypes.c_uint32)]),
    ("vml_kernel_kind_at", ctypes.c_uint32, [kernel_p, _u64]),
    ("vml_kernel_half", ctypes.c_uint32, [kernel_p, _u64]),
    ("vml_kernel_range_count", _size, [kernel_p]),
    ("vml_kernel_range", _P(vml_pt_range), [kernel_p, _size]),
    ("vml_kernel_range_kind", ctypes.c_uint32, [kernel_p, _size]),
    ("vml_kernel_walk_stats", error_p,
     [kernel_p, _P(vml_pt_walk_stats), _size]),
    ("vml_kernel_phys_to_virt", _size, [kernel_p, _u64, _P(_u64), _size]),
    ("vml_kernel_find_phys", error_p,
     [kernel_p, _u64, _size, _P(vml_kernel_hit), _size, _P(_size),
      _P(_u64)]),
    ("vml_kernel_where", error_p,
     [kernel_p, _u64, ctypes.c_char_p, _P(vml_kernel_where), _size]),
    ("vml_render_kernel", error_p,
     [kernel_p, c_enum, ctypes.c_uint32, _P(ctypes.c_void_p)]),
    ("vml_kernel_task_maps", error_p,
     [kernel_p, ctypes.c_int32, _P(ctypes.c_void_p),
      _P(ctypes.c_uint64)]),
    ("vml_render_kernel_where", error_p,
     [kernel_p, _P(vml_kernel_where), _size, c_enum, ctypes.c_uint32,
      _P(ctypes.c_void_p)]),
    ("vml_render_phys_hits", error_p,
     [kernel_p, _u64, _P(vml_kernel_hit), _size, _size, _u64, c_enum,
      ctypes.c_uint32, _P(ctypes.c_void_p)]),
    ("vml_kernel_answer", error_p,
     [source_p, paging_p, _P(vml_kernel_hints), _size,
      _P(vml_kernel_request), _size, _P(ctypes.c_void_p)]),
    # kernel symbols and types from the kernel's memory
    ("vml_ksyms_load", error_p, [kernel_p, ctypes.c_uint32, _P(ksyms_p)]),
    ("vml_ksyms_free", None, [ksyms_p]),
    ("vml_ksyms_check", error_p, [ksyms_p, kernel_p]),
    ("vml_ksyms_description", ctypes.c_char_p, [ksyms_p]),
    ("vml_ksyms_has_types", ctypes.c_bool, [ksyms_p]),
    ("vml_ksyms_count", _size, [ksyms_p]),
    ("vml_ksyms_symbol", error_p, [ksyms_p, _size, _P(vml_ksym), _size]),
    ("vml_ksyms_lookup", error_p,
     [ksyms_p, ctypes.c_char_p, _P(vml_ksym), _size]),
    ("vml_ksyms_find", error_p,
     [ksyms_p, _u64, _P(vml_ksym), _size, _P(_u64)]),
    ("vml_kernel_set_ksyms", error_p, [kernel_p, ksyms_p]),
    ("vml_ksyms_write_elf", error_p, [ksyms_p, kernel_p, ctypes.c_char_p]),
    # the architecture of a layout (32-bit processes)
    ("vml_layout_set_arch", error_p, [layout_p, c_enum]),
    ("vml_layout_get_arch", c_enum, [layout_p]),
    ("vml_disasm_one_arch", error_p,
     [c_enum, ctypes.c_char_p, _size, _u64, ctypes.c_char_p, _size,
      _P(_size)]),
    # ELF object cache
    ("vml_elf_cache_new", error_p, [_u64, _P(elf_cache_p)]),
    ("vml_elf_cache_free", None, [elf_cache_p]),
    ("vml_layout_set_elf_cache", None, [layout_p, elf_cache_p]),
    ("vml_elf_cache_get_stats", error_p,
     [elf_cache_p, _P(vml_elf_cache_stats), _size]),
    # pointer scans
    ("vml_layout_scan", error_p,
     [layout_p, _P(vml_scan_request), _size, _P(scan_p)]),
    ("vml_kernel_scan", error_p,
     [kernel_p, _P(vml_scan_request), _size, _P(scan_p)]),
    ("vml_scan_free", None, [scan_p]),
    ("vml_scan_get_stats", error_p, [scan_p, _P(vml_scan_stats), _size]),
    ("vml_scan_hit", error_p, [scan_p, _size, _P(vml_scan_hit), _size]),
    ("vml_render_scan", error_p,
     [scan_p, c_enum, ctypes.c_uint32, _P(ctypes.c_void_p)]),
    # annotated memory
    ("vml_layout_deref", error_p,
     [layout_p, source_p, _u64, _size, ctypes.c_uint32, _P(vml_deref_word),
      _size]),
    ("vml_kernel_deref", error_p,
     [kernel_p, source_p, _u64, _size, ctypes.c_uint32, _P(vml_deref_word),
      _size]),
    ("vml_render_deref", error_p,
     [layout_p, _P(vml_deref_word), _size, _size, c_enum, ctypes.c_uint32,
      _P(ctypes.c_void_p)]),
    # layout facts and warnings (issue 7: stale files, deleted files,
    # disassembly flavour)
    ("vml_layout_set_pid", error_p, [layout_p, ctypes.c_int]),
    ("vml_layout_set_disasm_syntax", error_p, [layout_p, ctypes.c_char_p]),
    ("vml_layout_warning_count", _size, [layout_p]),
    ("vml_layout_warning", ctypes.c_char_p, [layout_p, _size]),
    # crash explanations
    ("vml_layout_add_thread_registers", error_p,
     [layout_p, ctypes.c_int64, _P(vml_named_value), _size]),
    ("vml_layout_set_siginfo", error_p,
     [layout_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_int32,
      ctypes.c_bool, _u64]),
    ("vml_crash_kind_name", ctypes.c_char_p, [c_enum]),
    ("vml_layout_crash", error_p, [layout_p, _P(vml_crash), _size]),
    ("vml_render_crash", error_p,
     [layout_p, _P(vml_crash), _size, c_enum, ctypes.c_uint32,
      _P(ctypes.c_void_p)]),
    # kernel dumps (vmcores)
    ("vml_dump_probe", error_p, [ctypes.c_char_p, _P(ctypes.c_uint32)]),
    ("vml_vmcore_open", error_p, [ctypes.c_char_p, _P(vmcore_p)]),
    ("vml_vmcore_open_buffer", error_p,
     [ctypes.c_void_p, _size, _P(vmcore_p)]),
    ("vml_vmcore_free", None, [vmcore_p]),
    ("vml_vmcore_get_info", error_p, [vmcore_p, _P(vml_vmcore_info), _size]),
    ("vml_vmcore_vmcoreinfo", ctypes.c_bool,
     [vmcore_p, ctypes.c_char_p, ctypes.c_char_p, _size]),
    ("vml_vmcore_source", source_p, [vmcore_p]),
    ("vml_vmcore_paging", paging_p, [vmcore_p]),
    ("vml_vmcore_kernel", error_p, [vmcore_p, _P(kernel_p)]),
    ("vml_vmcore_answer", error_p,
     [vmcore_p, _P(vml_kernel_request), _size, _P(ctypes.c_void_p)]),
]


def _missing(name, restype):
    """Stand-in for a function an older libvmlayout lacks: error-returning
    functions report VML_ERROR_UNSUPPORTED through the usual path."""
    def call(*args):
        raise Error(VML_ERROR_UNSUPPORTED,
                    "%s: not in this libvmlayout (%s)" % (name, lib._name))
    call.__name__ = name
    call.missing = True
    return call


MISSING = []
for _name, _restype, _argtypes in _PROTOTYPES:
    _fn = getattr(lib, _name, None)
    if _fn is None:
        MISSING.append(_name)
        _fn = _missing(_name, _restype)
    else:
        _fn.restype = _restype
        _fn.argtypes = _argtypes
    globals()[_name] = _fn
del _name, _restype, _argtypes, _fn

# ------------------------------------------------------------------ errors


class Error(Exception):
    """An error reported by libvmlayout: .code (VML_ERROR_*), .message,
    .errno (0 unless a system call failed) and .address (faulting address
    for VML_ERROR_FAULT, else None)."""

    def __init__(self, code, message, errno=0, address=None):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.errno = errno
        self.address = address

    def __str__(self):
        return self.message


def decode(raw):
    """C string (bytes or None) -> str or None; file names may hold any
    bytes, so undecodable ones survive as surrogates, like os.fsdecode."""
    if raw is None:
        return None
    return os.fsdecode(raw)


def check(err):
    """Raise Error for a non-NULL struct vml_error *, freeing it first."""
    if not err or not err.value:
        return
    try:
        code = vml_error_code(err)
        message = decode(vml_error_message(err)) or "unknown error"
        errnum = vml_error_errno(err)
        has = ctypes.c_bool(False)
        address = vml_error_address(err, ctypes.byref(has))
        if not has.value:
            address = None
    finally:
        vml_error_free(err)
    raise Error(code, message, errnum, address)


def take_string(ptr):
    """Copy a library-allocated NUL-terminated string and vml_free() it."""
    if not ptr:
        return ""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "surrogateescape")
    finally:
        vml_free(ptr)

"""Which file was mapped (issue 7, items 4 and 9), through the package on
the test's own process: a library deleted after it was loaded still gives
its sections and symbols when the library may read /proc/PID/map_files
(set_pid), and a mapping whose maps inode is not the file's at that path is
not read (one warning). Truths: nm and readelf of the library, os.stat,
ctypes' own symbol addresses.
"""

import ctypes
import os
import shutil
import subprocess

import pytest

import vmlayout

from conftest import clean_env

SOURCE = r"""
int vml_file_facts_counter = 7;
int vml_file_facts_function(int x) { return x * vml_file_facts_counter + 1; }
"""


def nm(path):
    out = subprocess.run(["nm", "--defined-only", path], capture_output=True,
                         text=True, check=True, env=clean_env()).stdout
    return {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines())
            if len(p) == 3}


def own_maps():
    with open("/proc/self/maps") as f:
        return f.read()


@pytest.fixture
def deleted_library(tmp_path):
    """A shared object loaded into this process, then deleted: (path,
    handle, nm symbols)."""
    for tool in ("gcc", "nm"):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed" % tool)
    src = tmp_path / "facts.c"
    src.write_text(SOURCE)
    lib = tmp_path / "libvmlfacts.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O0", "-o", str(lib),
                    str(src)], check=True, env=clean_env())
    syms = nm(str(lib))
    handle = ctypes.CDLL(str(lib))
    os.unlink(lib)
    return str(lib), handle, syms


def test_deleted_library_read_through_map_files(deleted_library):
    path, handle, syms = deleted_library
    maps = own_maps()
    assert "%s (deleted)" % path in maps
    fn = ctypes.cast(handle.vml_file_facts_function, ctypes.c_void_p).value
    var = ctypes.addressof(ctypes.c_int.in_dll(handle,
                                               "vml_file_facts_counter"))
    # Without the pid the file is gone: no section, no symbol.
    with vmlayout.from_maps(maps) as layout:
        w = layout.where(fn + 2)
        assert w.region.deleted and w.symbol is None and w.section is None
    with vmlayout.from_maps(maps, pid=os.getpid()) as layout:
        w = layout.where(fn + 2)
        assert (w.symbol, w.symbol_offset, w.section) == \
            ("vml_file_facts_function", 2, ".text")
        # The load bias the library found agrees with nm's addresses.
        assert fn - syms["vml_file_facts_function"] == \
            var - syms["vml_file_facts_counter"]
        w = layout.where(var)
        assert (w.symbol, w.section) == ("vml_file_facts_counter", ".data")
        assert w.region.kind == "data" and w.region.deleted
        assert layout.warnings == []


def test_another_file_at_the_path_is_not_read():
    """Maps whose inode for the python executable is not the one at that
    path (as when the process runs in another mount namespace, or the file
    was replaced): with the pid known, its regions are named from their
    perms, and one warning names the file."""
    maps = own_maps()
    exe = os.path.realpath("/proc/self/exe")
    st = os.stat(exe)
    lines, changed = [], 0
    for line in maps.splitlines():
        fields = line.split(None, 5)
        if len(fields) == 6 and fields[5] == exe:
            assert int(fields[4]) == st.st_ino
            fields[4] = str(st.st_ino + 1000003)
            line = " ".join(fields)
            changed += 1
        lines.append(line)
    assert changed >= 2
    text = "\n".join(lines) + "\n"
    text_region = [l for l in lines if l.endswith(exe) and
                   l.split()[1][2] == "x"][0]
    addr = int(text_region.split("-")[0], 16) + 0x10
    with vmlayout.from_maps(text, pid=os.getpid()) as layout:
        warnings = layout.warnings
        assert warnings == [
            "warning: 1 file on disk is not the one the process mapped, so "
            "no section, symbol or instruction is taken from it: %s "
            "(another file at that path: device or inode differs)" % exe]
        w = layout.where(addr)
        assert w.region.file_mismatch and w.region.path == exe
        assert w.symbol is None and w.section is None
        assert "note     the file on disk is not the one mapped here" in \
            layout.where_text(addr)
    # The same maps as the kernel wrote them: nothing to say.
    with vmlayout.from_maps(maps, pid=os.getpid()) as layout:
        assert layout.warnings == []
        assert not layout.find(addr).file_mismatch


def test_disasm_syntax_names():
    with vmlayout.from_maps(own_maps()) as layout:
        layout.set_disasm_syntax("intel")
        layout.set_disasm_syntax("att")
        with pytest.raises(vmlayout.Error) as e:
            layout.set_disasm_syntax("motorola")
        assert e.value.code == vmlayout.ERROR_INVALID
        assert "want att or intel" in e.value.message

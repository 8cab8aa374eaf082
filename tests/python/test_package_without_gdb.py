"""The vmlayout package works in any Python: no module of it imports
GDB's `gdb` module (the QEMU gdbstub bridge lives in gdbext/, beside the
GDB command script). Truths: the package's own files, and a fresh
interpreter in which importing `gdb` fails loudly."""

import os
import pkgutil
import subprocess
import sys

import vmlayout

from conftest import TOP_SRCDIR

PACKAGE_DIR = os.path.dirname(os.path.abspath(vmlayout.__file__))

# Runs in a fresh interpreter: any `import gdb` anywhere in the package,
# at import time, raises; then every module is imported.
PROBE = r'''
import importlib, importlib.abc, pkgutil, sys

class NoGdb(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "gdb" or name.startswith("gdb."):
            raise ImportError("the vmlayout package imported gdb")
        return None

sys.meta_path.insert(0, NoGdb())
import vmlayout
names = sorted(m.name for m in pkgutil.iter_modules(vmlayout.__path__))
for name in names:
    importlib.import_module("vmlayout." + name)
assert "gdb" not in sys.modules
print(" ".join(names))
'''


def test_no_module_imports_gdb():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(TOP_SRCDIR, "python")
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    names = r.stdout.split()
    # Every module of the package was imported (and no qemu bridge is
    # among them any more).
    assert "_lib" in names and "cli" in names
    assert "qemu" not in names


def test_no_source_file_mentions_gdb_import():
    for info in pkgutil.iter_modules([PACKAGE_DIR]):
        path = os.path.join(PACKAGE_DIR, info.name + ".py")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = line.split()
                assert words[:2] != ["import", "gdb"], (path, line)
                assert words[:2] != ["from", "gdb"], (path, line)


def test_bridge_is_beside_the_gdb_script():
    gdbext = os.path.join(TOP_SRCDIR, "gdbext")
    assert os.path.exists(os.path.join(gdbext, "vmlayout_gdb_qemu.py"))
    assert not os.path.exists(os.path.join(PACKAGE_DIR, "qemu.py"))
    # The per-stop cache and the script API import gdb: beside the GDB
    # script too, not in the package.
    assert os.path.exists(os.path.join(gdbext, "vmlayout_gdb.py"))
    assert not os.path.exists(os.path.join(PACKAGE_DIR, "vmlayout_gdb.py"))

"""QEMU gdbstub bridge (kernel targets) — placeholder."""

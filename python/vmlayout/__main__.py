"""python3 -m vmlayout: the command line without GDB (see cli.py)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

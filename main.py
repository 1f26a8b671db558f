"""TrueCraft command line: every order from every channel in one sheet. Run `python main.py --help`."""
from __future__ import annotations

import sys

from cli.app import main

if __name__ == "__main__":
    sys.exit(main())

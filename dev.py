#!/usr/bin/env python3
"""Set-up-and-run wrapper: creates .venv, installs requirements, then runs the command.

    python3 dev.py demo      -> python main.py demo   (in the project's own virtualenv)
    python3 dev.py test      -> the whole test suite
    python3 dev.py ARGS...   -> python main.py ARGS...
Needs only Python 3.11 on the machine.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".requirements.sha256"


def ensure_venv() -> None:
    """Create the virtualenv and install requirements.txt when it changed."""
    req = ROOT / "requirements.txt"
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not PY.exists():
        print("Setting up TrueCraft's Python environment in .venv (first run only) ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing TrueCraft's libraries ...", flush=True)
    subprocess.check_call([str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "-r", str(req)])
    STAMP.write_text(digest)


def main() -> int:
    """Dispatch."""
    args = sys.argv[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    ensure_venv()
    os.chdir(ROOT)
    if args[:1] == ["test"]:
        cmd = [str(PY), "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", *args[1:]]
    else:
        cmd = [str(PY), "main.py", *args]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())

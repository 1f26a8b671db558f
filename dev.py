#!/usr/bin/env python3
"""Set-up-and-run wrapper: creates .venv, installs requirements, then runs the command.

    python3 dev.py demo      -> python main.py demo   (in the project's own virtualenv)
    python3 dev.py test      -> the whole test suite (then the latency tests marked `alone`, serially)
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
        return run_tests(args[1:])
    return subprocess.call([str(PY), "main.py", *args])


def run_tests(extra: list[str]) -> int:
    """The suite on two workers, then the tests marked `alone` (latency under load) on a quiet machine."""
    if extra:  # a chosen subset: run it as asked
        return subprocess.call([str(PY), "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", *extra])
    code = subprocess.call([str(PY), "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", "-m", "not alone"])
    if code not in (0, 5):
        return code
    print("Latency tests, one at a time (nothing else running):", flush=True)
    alone = subprocess.call([str(PY), "-m", "pytest", "-q", "-m", "alone"])
    return 0 if alone == 5 else alone  # 5: no test is marked alone


if __name__ == "__main__":
    sys.exit(main())

"""Fixtures: a Sheets stand-in in this process and the real `serve` as a subprocess, always torn down."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.reliability.harness import ServeProcess, Sheet, serve_env, start_sheet


@dataclass
class Rig:
    """One stand-in sheet and one serve process (started by the test when it wants)."""

    sheet: Sheet
    serve: ServeProcess


@pytest.fixture
def make_rig(tmp_path):
    """Factory: make_rig(**extra_env) -> Rig; every serve and stand-in made is killed at teardown."""
    made: list[Rig] = []

    def make(**extra: str) -> Rig:
        sheet = start_sheet(tmp_path)
        rig = Rig(sheet, ServeProcess(tmp_path, serve_env(tmp_path, sheet, **extra)))
        made.append(rig)
        return rig

    try:
        yield make
    finally:
        for rig in made:
            try:
                rig.serve.kill_all()
            finally:
                rig.sheet.standin.stop()

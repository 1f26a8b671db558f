"""A Google sheet and an archive spreadsheet on the Sheets stand-in, with a runner that archives."""
from __future__ import annotations

from datetime import timedelta

import pytest

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from core.models import OrderState
from sheet_schema.tabs import ORDERS, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from tests.foundation.factories import T0, make_order

DAY = 1440  # minutes
TODAY = T0 + timedelta(days=5)
OLD = -200 * DAY  # received about 200 days before the factories' T0: past the 90-day window
FORMULA = '=IMPORTXML("http://x.example","//a")'  # a buyer "name" that must stay text


def old_and_new() -> list:
    """TC-1..3 old and closed (TC-3's buyer name looks like a formula), TC-4 old but open, TC-5 new."""
    return [make_order("1", name="Ada Byron", minutes=OLD, state=OrderState.FULFILLED),
            make_order("2", name="Ben Okafor", minutes=OLD + 10, state=OrderState.CANCELLED),
            make_order("3", name=FORMULA, minutes=OLD + 20, state=OrderState.FULFILLED),
            make_order("4", name="Dev Patel", minutes=OLD + 30),
            make_order("5", name="Eve Tanaka", state=OrderState.FULFILLED)]


class Env:
    """What a test needs: the stand-in, both spreadsheet ids, and a way to (re)start the service."""

    def __init__(self, standin, tmp_path) -> None:
        self.standin, self.tmp = standin, tmp_path
        self.sid = standin.create_spreadsheet("TrueCraft")
        self.aid = standin.create_spreadsheet("TrueCraft archive")
        self.cred = standin.write_service_account_file(tmp_path / "sa.json")
        self.runner = None

    def start(self, archive: bool = True, **settings) -> Runner:
        """A fresh process: a new backend and runner on the same journal file (a restart)."""
        if self.runner is not None:
            self.runner.close()
        backend = GoogleSheetsBackend(self.sid, str(self.cred), self.standin.url, budget_per_minute=10**5,
                                      policy=RetryPolicy(attempts=3, base=0.01, cap=0.05, timeout=30))
        s = Settings(backend="google", google_sheet_id=self.sid, db=str(self.tmp / "j.db"),
                     archive_sheet_id=self.aid if archive else "", **settings)
        self.runner = Runner(s, Journal(s.db), backend)
        fix_clock(self.runner)
        return self.runner

    def ids(self, sid: str, tab: str) -> list[str]:
        """The Order IDs (or Entry #s) in a tab's first column, header left out."""
        try:
            return [r[0] for r in self.standin.values(sid, tab)[1:] if r]
        except KeyError:
            return []

    def orders(self) -> list[str]:
        """Order IDs in the live Orders tab."""
        return self.ids(self.sid, ORDERS)

    def archived(self, year: int = 2026) -> list[str]:
        """Order IDs in the archive's Orders tab for a year."""
        return self.ids(self.aid, f"Orders {year}")


@pytest.fixture()
def g(tmp_path):
    from tests.standin.sheets_server import SheetsStandin

    standin = SheetsStandin().start()
    env = Env(standin, tmp_path)
    runner = env.start()
    runner.backend.init_layout(WORKBOOK)
    yield env
    if env.runner is not None:
        env.runner.close()
    standin.stop()


def fix_clock(runner: Runner) -> None:
    """The archive's "today" is a fixed day a few days after the factories' T0, so tests never age."""
    if runner.archiver is not None:
        runner.archiver.clock = lambda: TODAY


def seed(runner: Runner, orders=None) -> None:
    """Store orders, write them to the sheet, and let one cycle see the sheet (no archive run yet)."""
    runner.journal.kv_set("archive:last_run", "2999-01-01T00:00:00+00:00")  # not due until the test says so
    runner.ingest(orders if orders is not None else old_and_new())
    runner.flush()
    runner.watch()


def make_due(runner: Runner) -> None:
    """The daily archive run is due at the next cycle."""
    runner.journal.kv_set("archive:last_run", "")

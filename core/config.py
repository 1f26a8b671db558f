"""Settings from the environment (and a .env file), read in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

# Names other tools rely on; never rename.
SECRET_NAMES = (
    "SHOPIFY_ACCESS_TOKEN", "SHOPIFY_WEBHOOK_SECRET", "ETSY_API_KEY", "ETSY_ACCESS_TOKEN",
    "ETSY_REFRESH_TOKEN", "ETSY_WEBHOOK_SECRET", "SQUARE_ACCESS_TOKEN",
    "SQUARE_WEBHOOK_SIGNATURE_KEY", "AMAZON_LWA_CLIENT_SECRET", "AMAZON_REFRESH_TOKEN",
    "TRUECRAFT_EDIT_SECRET", "TRUECRAFT_SMTP_URL", "TRUECRAFT_ALERT_URLS",
)


def load_env(environ: Mapping[str, str] | None = None, dotenv_path: str | None = None) -> dict[str, str]:
    """Process environment over .env (the real environment wins)."""
    env: dict[str, str] = {}
    path = Path(dotenv_path or os.environ.get("TRUECRAFT_DOTENV", ".env"))
    if path.is_file():
        env.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return env


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults a new seller gets."""

    backend: str = "local"
    workbook: str = "truecraft.xlsx"
    db: str = "truecraft.db"
    google_sheet_id: str = ""
    google_credentials: str = ""
    sheets_api_url: str = "https://sheets.googleapis.com"
    sheets_budget_per_minute: int = 50
    poll_seconds: int = 10
    platform_poll_seconds: int = 60
    duplicate_window_minutes: int = 120
    duplicate_threshold: int = 70
    timezone: str = "UTC"
    archive_days: int = 90  # closed orders older than this move to the archive (issue 16)
    archive_sheet_id: str = ""  # Google: the archive spreadsheet; empty = archiving off
    archive_workbook: str = ""  # local backend: the archive .xlsx; empty = archiving off
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read TRUECRAFT_* / GOOGLE_* variables (plus .env)."""
        env = load_env(environ)
        get = env.get
        return cls(
            backend=(get("TRUECRAFT_BACKEND") or "local").strip().lower(),
            workbook=get("TRUECRAFT_WORKBOOK") or "truecraft.xlsx",
            db=get("TRUECRAFT_DB") or "truecraft.db",
            google_sheet_id=get("GOOGLE_SHEET_ID", ""),
            google_credentials=get("GOOGLE_APPLICATION_CREDENTIALS", ""),
            sheets_api_url=(get("TRUECRAFT_SHEETS_API_URL") or "https://sheets.googleapis.com").rstrip("/"),
            sheets_budget_per_minute=int(get("TRUECRAFT_SHEETS_BUDGET_PER_MINUTE") or 50),
            poll_seconds=int(get("TRUECRAFT_POLL_SECONDS") or 10),
            platform_poll_seconds=int(get("TRUECRAFT_PLATFORM_POLL_SECONDS") or 60),
            duplicate_window_minutes=int(get("TRUECRAFT_DUPLICATE_WINDOW_MINUTES") or 120),
            duplicate_threshold=int(get("TRUECRAFT_DUPLICATE_THRESHOLD") or 70),
            timezone=get("TRUECRAFT_TIMEZONE") or "UTC",
            archive_days=_int(get("TRUECRAFT_ARCHIVE_DAYS"), 90),
            archive_sheet_id=(get("TRUECRAFT_ARCHIVE_SHEET_ID") or "").strip(),
            archive_workbook=(get("TRUECRAFT_ARCHIVE_WORKBOOK") or "").strip(),
            env=env,
        )

    @property
    def archiving(self) -> bool:
        """An archive is configured for this backend (without one nothing is ever archived)."""
        return bool(self.archive_sheet_id if self.backend == "google" else self.archive_workbook)

    def secrets(self) -> list[str]:
        """Secret values currently configured, in every encoded and decoded form (for scrubbing)."""
        from core.secrets import secret_forms

        return secret_forms(self.env[n] for n in SECRET_NAMES if self.env.get(n) and len(self.env[n]) >= 4)


def _int(text: str | None, default: int) -> int:
    """A whole number setting; blank or not a number gives the default."""
    try:
        return int(str(text).strip()) if text not in (None, "") else default
    except ValueError:
        return default

"""Pick the sheet backend from settings."""
from __future__ import annotations

from core.config import Settings
from sheets.base import SheetBackend, SheetUnavailable


def make_backend(settings: Settings) -> SheetBackend:
    """The configured backend: local workbook (default) or Google Sheets."""
    if settings.backend == "local":
        from sheets.local_backend import LocalWorkbookBackend

        return LocalWorkbookBackend(settings.workbook)
    if settings.backend == "google":
        from sheets.google_backend import GoogleSheetsBackend

        return GoogleSheetsBackend(settings.google_sheet_id, settings.google_credentials,
                                   settings.sheets_api_url, settings.sheets_budget_per_minute)
    raise SheetUnavailable(f"TRUECRAFT_BACKEND is '{settings.backend}'; use 'local' or 'google'")

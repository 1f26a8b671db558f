"""`doctor`: what is configured, what is missing, and what to do — in plain words."""
from __future__ import annotations

import json
import os
from pathlib import Path

from core.config import Settings

OK, WARN, BAD = "✓", "!", "✗"


def _line(mark: str, text: str) -> None:
    print(f"  {mark} {text}")


def check_sheet(settings: Settings, offline: bool) -> bool:
    """Backend settings and, unless offline, one cheap call to the sheet."""
    print("Sheet")
    if settings.backend == "local":
        path = Path(settings.workbook).resolve()
        _line(OK, f"Using the local workbook {path} (TRUECRAFT_BACKEND=local).")
        if not os.access(path.parent if not path.exists() else path, os.W_OK):
            _line(BAD, f"Can't write to {path}. Pick a folder you own with TRUECRAFT_WORKBOOK.")
            return False
        print("    To use a Google Sheet instead, set TRUECRAFT_BACKEND=google, GOOGLE_SHEET_ID and "
              "GOOGLE_APPLICATION_CREDENTIALS.")
        return True
    good = True
    if not settings.google_sheet_id:
        _line(BAD, "GOOGLE_SHEET_ID is missing: copy the long id from the sheet's web address "
                   "(between /d/ and /edit).")
        good = False
    cred = settings.google_credentials
    if not cred:
        _line(BAD, "GOOGLE_APPLICATION_CREDENTIALS is missing: create a service account in Google Cloud, "
                   "download its JSON key, and put the file's path here.")
        good = False
    elif not Path(cred).is_file():
        _line(BAD, f"GOOGLE_APPLICATION_CREDENTIALS points to {cred}, but there is no file there.")
        good = False
    else:
        try:
            email = json.loads(Path(cred).read_text()).get("client_email", "")
            _line(OK, f"Service account {email} — share the sheet with this address as Editor.")
        except (ValueError, OSError):
            _line(BAD, f"{cred} is not a service-account JSON key file.")
            good = False
    if good and not offline:
        from sheets.factory import make_backend
        from sheets.base import SheetUnavailable

        try:
            backend = make_backend(settings)
            backend.spreadsheet  # noqa: B018 - one metadata request
            _line(OK, f"Reached the Google Sheet ({settings.google_sheet_id[:6]}…).")
            check_cells(backend.refresh_metadata(), settings.archiving)
        except SheetUnavailable as exc:
            _line(BAD, str(exc))
            good = False
    return good


GOOGLE_CELL_CAP = 10_000_000  # Google's limit per spreadsheet; every cell of every tab's grid counts


def check_cells(meta: dict, archiving: bool = True) -> None:
    """How much of Google's 10-million-cell cap the spreadsheet uses; a warning past half of it."""
    tabs = []
    for sheet in meta.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        tabs.append((grid.get("rowCount", 0) * grid.get("columnCount", 0), props.get("title", "")))
    used = sum(n for n, _ in tabs)
    share = f"{used:,} of Google's {GOOGLE_CELL_CAP:,} cells ({used / GOOGLE_CELL_CAP:.0%})"
    if used <= GOOGLE_CELL_CAP // 2:
        _line(OK, f"The sheet uses {share}.")
        return
    biggest = ", ".join(f"{title} {n:,}" for n, title in sorted(tabs, reverse=True)[:3])
    _line(WARN, f"The sheet uses {share}; Google stops adding rows at the limit, and new orders would "
                f"then wait in the journal. Biggest tabs: {biggest}. Empty rows and columns at the end "
                "of a tab count too: delete them to make room."
                + ("" if archiving else " Turn on archiving (TRUECRAFT_ARCHIVE_SHEET_ID, README: Archive) so "
                   "done orders and old Audit Log lines move to a second spreadsheet."))


def check_archive(settings: Settings, offline: bool) -> None:
    """Whether done orders are archived, where to, and (Google, online) whether the archive opens."""
    if not settings.archiving:
        name = "TRUECRAFT_ARCHIVE_SHEET_ID" if settings.backend == "google" else "TRUECRAFT_ARCHIVE_WORKBOOK"
        _line(WARN, f"archiving: off — nothing is archived, so Orders and the Audit Log grow without end. Set {name} "
                    "to move done orders older than TRUECRAFT_ARCHIVE_DAYS to a second spreadsheet (README: Archive).")
        return
    where = (f"the spreadsheet {settings.archive_sheet_id[:6]}…" if settings.backend == "google"
             else str(Path(settings.archive_workbook).resolve()))
    _line(OK, f"archiving: on — closed orders older than {settings.archive_days} days move to {where} once a day.")
    if settings.backend != "google" or offline or not settings.google_sheet_id:
        return
    from sheets.archive_google import sibling_backend
    from sheets.base import SheetUnavailable
    from sheets.factory import make_backend

    try:
        archive = sibling_backend(make_backend(settings), settings.archive_sheet_id)
        archive.spreadsheet  # noqa: B018 - opens it (one metadata read)
        used = sum(s["properties"].get("gridProperties", {}).get("rowCount", 0)
                   * s["properties"].get("gridProperties", {}).get("columnCount", 0)
                   for s in archive.refresh_metadata().get("sheets", []))
    except SheetUnavailable as exc:
        _line(BAD, f"archiving: can't open the archive spreadsheet ({exc}) Share it with the service account "
                   "as Editor, or check TRUECRAFT_ARCHIVE_SHEET_ID.")
        return
    mark = OK if used <= GOOGLE_CELL_CAP // 2 else WARN
    _line(mark, f"The archive uses {used:,} of Google's {GOOGLE_CELL_CAP:,} cells ({used / GOOGLE_CELL_CAP:.0%})"
          + ("." if mark == OK else "; when it nears the cap, create a new archive spreadsheet and put its id in "
             "TRUECRAFT_ARCHIVE_SHEET_ID (the old one keeps what it holds)."))


def check_platforms(settings: Settings, offline: bool) -> bool:
    """Each platform: configured or not, and whether its credentials work."""
    print("Sales channels")
    try:
        from connectors.registry import configured_connectors, describe_configuration
    except ImportError:
        _line(WARN, "Platform connectors are not installed in this build.")
        return True
    good = True
    for label, configured, missing in describe_configuration(settings.env):
        if configured:
            _line(OK, f"{label}: credentials set.")
        elif missing and len(missing) < 4:
            _line(WARN, f"{label}: off — missing {', '.join(missing)}.")
        else:
            _line(WARN, f"{label}: off (not connected).")
    if offline:
        return good
    for connector in configured_connectors(settings.env):
        try:
            _line(OK, f"{connector.platform.label}: {connector.check()}")
        except Exception as exc:  # every connector error is plain words already
            _line(BAD, f"{connector.platform.label}: {exc}")
            good = False
    return good


def check_extras(settings: Settings) -> None:
    """Webhooks and e-mail: optional, but say what they enable."""
    print("Real-time and e-mail (optional)")
    env = settings.env
    for name, what in (("SHOPIFY_WEBHOOK_SECRET", "Shopify webhooks"),
                       ("SQUARE_WEBHOOK_SIGNATURE_KEY", "Square webhooks"),
                       ("ETSY_WEBHOOK_SECRET", "Etsy webhooks"),
                       ("TRUECRAFT_EDIT_SECRET", "instant sheet edits (Apps Script)"),
                       ("TRUECRAFT_SMTP_URL", "tracking e-mails for Square invoices and craft-fair orders")):
        _line(OK if env.get(name) else WARN, f"{what}: {'on' if env.get(name) else f'off — set {name}'}")
    from automations.alert_sender import alert_urls, describe

    urls = alert_urls(env)
    _line(OK if urls else WARN, "alerts (duplicates, refused shipments, low stock): " + (
        ", ".join(describe(u) for u in urls) + " — `python main.py alerts test` sends a test"
        if urls else "off — set TRUECRAFT_ALERT_URLS (see `python main.py alerts --help`)"))
    from core.secrets import check_settings

    for problem in check_settings(env):
        _line(BAD, problem)


def check_mail(settings: Settings, offline: bool) -> None:
    """Unless offline, connect to the mail server as a send would, so a server without TLS shows up now."""
    if offline or not settings.env.get("TRUECRAFT_SMTP_URL"):
        return
    from automations.fulfilment.mailer import Mailer

    problem = Mailer.from_env(settings.env).check_connection()
    _line(BAD if problem else OK, problem or "mail server reachable, and the password travels encrypted")


def check_file_modes(settings: Settings) -> None:
    """Warn when files holding tokens or buyers' details can be read by other users of this computer."""
    import stat

    from webhooks.inbox import inbox_path

    candidates = [settings.db, settings.db + "-wal", settings.db + "-shm", inbox_path(settings.db) or "",
                  settings.workbook]
    loose = []
    for name in candidates:
        path = Path(name) if name else None
        if path is not None and path.exists() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            loose.append(str(path))
    for path in loose:
        _line(WARN, f"{path} can be read by other users of this computer: run  chmod 600 {path}")


def check_labels(settings: Settings, offline: bool) -> None:
    """EasyPost: whether label buying is on, and with a test or a live key (one cheap read)."""
    env = settings.env
    if not env.get("EASYPOST_API_KEY"):
        _line(WARN, "shipping labels: off — set EASYPOST_API_KEY (a test key first) to buy labels from the sheet")
        return
    if not env.get("TRUECRAFT_SHIP_FROM"):
        _line(WARN, "shipping labels: set TRUECRAFT_SHIP_FROM (name, street, city, region, postcode, country, phone)")
    if offline:
        _line(OK, "shipping labels: EasyPost key set (not checked offline)")
        return
    try:
        from connectors.easypost.connector import EasyPostConnector

        kind = EasyPostConnector.from_env(env).check_key()
    except Exception as exc:  # plain words from the connector
        _line(BAD, f"shipping labels: EasyPost refused the key — {exc}")
        return
    _line(OK, "shipping labels: EasyPost " + ("TEST key — labels are free samples, nothing is posted"
                                             if kind == "test" else "LIVE key — labels are real postage"))


def doctor(settings: Settings, offline: bool = False) -> int:
    """Run every check; exit 1 if something needed is broken."""
    print("TrueCraft check-up\n")
    print("Order journal")
    _line(OK, f"{Path(settings.db).resolve()} (TRUECRAFT_DB)")
    sheet_ok = check_sheet(settings, offline)
    check_archive(settings, offline)
    platforms_ok = check_platforms(settings, offline)
    check_extras(settings)
    check_mail(settings, offline)
    check_labels(settings, offline)
    check_file_modes(settings)
    print()
    if sheet_ok and platforms_ok:
        print("All set. Run `python main.py sync --once` to bring in orders.")
        return 0
    print("Fix the items marked ✗ above, then run `python main.py doctor` again.")
    return 1

"""Logging set-up: plain lines for people, secrets scrubbed from every record."""
from __future__ import annotations

import logging
import sys
from typing import Iterable


class SecretScrubber(logging.Filter):
    """Replaces any configured secret value in a log record with '***'."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """The text with every secret (in every form) replaced by '***'."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the formatted message, and the traceback and stack text that would follow it."""
        if self.secrets:
            record.msg, record.args = self.scrub(record.getMessage()), ()
            if record.exc_info:
                # Exception text can quote a secret (urlsplit's port error did): format it now, scrubbed.
                record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = self.scrub(record.exc_text)
            if record.stack_info:
                record.stack_info = self.scrub(record.stack_info)
        return True


def setup_logging(secrets: Iterable[str] = (), verbose: bool = False) -> None:
    """Log to stderr as 'time level message', without tracebacks unless --verbose."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.addFilter(SecretScrubber(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("urllib3", "werkzeug", "waitress", "schedule", "google", "filelock", "apprise"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

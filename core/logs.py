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

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the fully formatted message (args included)."""
        if self.secrets:
            msg = record.getMessage()
            for secret in self.secrets:
                msg = msg.replace(secret, "***")
            record.msg, record.args = msg, ()
        return True


def setup_logging(secrets: Iterable[str] = (), verbose: bool = False) -> None:
    """Log to stderr as 'time level message', without tracebacks unless --verbose."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.addFilter(SecretScrubber(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("urllib3", "werkzeug", "waitress", "schedule", "google", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

"""`python main.py alerts list` and `python main.py alerts test`: where alerts go, and a test message."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from automations.alert_sender import AlertSender, alert_urls, describe

Out = Callable[[str], None]
SETUP = ("No alert destinations yet. Put one URL per destination in TRUECRAFT_ALERT_URLS, for example\n"
         "  TRUECRAFT_ALERT_URLS=ntfy://ntfy.sh/my-shop-alerts            (a push to your phone with the ntfy app)\n"
         "  TRUECRAFT_ALERT_URLS=mailto://user:app-password@gmail.com      (an e-mail to yourself)\n"
         "Several are separated by commas. Quiet hours: TRUECRAFT_ALERT_QUIET=21:00-07:00")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `list` and `test` sub-commands."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("list", help="show where alerts go (without passwords or tokens)",
                   description="Show every alert destination in TRUECRAFT_ALERT_URLS, without secrets.")
    sub.add_parser("test", help="send a test alert to every destination",
                   description="Send one test message to every destination, to check they reach you.")


def run(args: argparse.Namespace, settings: Any, out: Out = print) -> int:
    """Run `alerts list` or `alerts test`; returns the exit code."""
    env = getattr(settings, "env", None) or {}
    urls = alert_urls(env)
    action = getattr(args, "action", None)
    if not urls:
        out(SETUP)
        return 1 if action == "test" else 0
    if action == "test":
        sender = AlertSender(None, env)
        if sender.notify("TrueCraft test alert", "If you can read this, TrueCraft's alerts reach you here."):
            out(f"Test alert sent to {len(urls)} destination(s). Check your phone or inbox.")
            return 0
        out("No destination accepted the test alert. Check each URL in TRUECRAFT_ALERT_URLS "
            "(run `python main.py alerts list`), then try again.")
        return 1
    if action == "list":
        for url in urls:
            out(f"  {describe(url)}")
        return 0
    out("Say what to do: `python main.py alerts list` or `python main.py alerts test`.")
    return 2

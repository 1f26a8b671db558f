"""Argument parsing and dispatch; every command has --help and fails in plain words."""
from __future__ import annotations

import argparse
import logging
import sys

from core.config import Settings
from core.logs import setup_logging

log = logging.getLogger("truecraft")

COMMANDS = {
    "demo": ("cli.demo", "Run the whole pipeline on a realistic day of sample orders (no accounts needed)."),
    "init": ("cli.commands", "Create or upgrade the sheet: tabs, headers, dropdowns, colours, Dashboard."),
    "import": ("cli.commands", "Load orders from a CSV file (unified format or a platform's export)."),
    "doctor": ("cli.commands", "Check what is set up and what is missing, in plain words."),
    "sync": ("cli.commands", "Poll every connected platform, update the sheet, push fulfilments."),
    "duplicates": ("automations.duplicates.cli", "Scan a unified CSV for likely duplicate orders (offline)."),
    "serve": ("webhooks.serve", "Run the always-on service: webhooks, sheet watcher, scheduled polls."),
    "audit": ("cli.audit_cmd", "Show everything the journal recorded about an order (python main.py audit TC-12)."),
    "labels": ("cli.labels_cmd", "Save one PDF with every shipping label bought since the last print, or list them."),
    "alerts": ("cli.alerts_cmd", "List where alerts go, or send a test alert to every destination."),
    "archive": ("cli.archive_cmd", "Move done orders older than TRUECRAFT_ARCHIVE_DAYS to the archive, or bring one back."),
    "webhooks": ("cli.webhooks_cmd", "Register TrueCraft's webhooks with Shopify and Square, or list them."),
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="TrueCraft puts every order from Etsy, Shopify, Square, Amazon and craft fairs "
                    "into one sheet, flags likely duplicates, and pushes fulfilments back.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show detailed logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        mod = _import(module)
        adder = getattr(mod, f"add_{name}_arguments", None) or getattr(mod, "add_arguments", None)
        if adder:
            adder(p)
    return parser


def _import(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        log.debug("command module %s unavailable: %s", module, exc)
        return None


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    settings = Settings.from_env()
    setup_logging(settings.secrets(), args.verbose)
    from core.secrets import check_settings

    problems = check_settings(settings.env)
    if problems and args.command != "doctor":  # doctor lists them with the rest
        for problem in problems:
            print(f"Setting problem: {problem}", file=sys.stderr)
        return 2
    mod = _import(COMMANDS[args.command][0])
    runner = getattr(mod, f"run_{args.command}", None) or getattr(mod, "run", None) if mod else None
    if runner is None:
        print(f"The '{args.command}' command is not available in this build.", file=sys.stderr)
        return 2
    try:
        return int(_call(runner, args, settings) or 0)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # last line of defence: plain words, no stack trace
        from cli.errors import explain

        print(explain(exc), file=sys.stderr)
        if args.verbose:
            raise
        return 1


def _call(fn, args, settings):
    import inspect

    params = inspect.signature(fn).parameters
    return fn(args, settings) if len(params) >= 2 else fn(args)

"""Secrets: every form they can take in a log line, and checks that never quote them.

A password can reach a log URL-encoded, URL-decoded or base64-encoded, and a
library's error may quote a piece of it (urlsplit().port does, for a password
holding '/'). So settings are checked once at start-up with our own parser, and
the log scrubber knows every form of every secret.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, unquote

_SMTP = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.S)


class SettingError(ValueError):
    """A setting is unusable; str() is plain words and never contains the secret."""


@dataclass(frozen=True)
class SmtpTarget:
    """TRUECRAFT_SMTP_URL taken apart without ever echoing it."""

    scheme: str
    host: str
    port: int
    username: str
    password: str

    @property
    def loopback(self) -> bool:
        """The server is on this machine (a local relay)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://user:pass@host:587 or smtps://…:465; the password may hold '/', '@', ':' (encoded or not)."""
    m = _SMTP.match((url or "").strip())
    if not m or m.group("scheme").lower() not in ("smtp", "smtps"):
        raise SettingError("TRUECRAFT_SMTP_URL must start with smtp:// or smtps:// "
                           "(for example smtp://user:password@smtp.example.com:587)")
    scheme, rest = m.group("scheme").lower(), m.group("rest")
    userinfo, at, hostport = rest.rpartition("@")  # the last @ ends the password
    hostport = hostport.split("/", 1)[0].split("?", 1)[0]
    if not at:
        userinfo = ""
    user, _, password = userinfo.partition(":")
    host, _, port_text = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
    if not host:
        host, port_text = hostport, ""
    if port_text and not port_text.isdigit():
        raise SettingError("TRUECRAFT_SMTP_URL has a port that is not a number. If the password holds "
                           "characters like / ? # @, write them encoded (%2F %3F %23 %40)")
    port = int(port_text) if port_text else (465 if scheme == "smtps" else 587)
    if not host or not 0 < port < 65536:
        raise SettingError("TRUECRAFT_SMTP_URL has no usable host name or port")
    return SmtpTarget(scheme, host.strip("[]"), port, unquote(user), unquote(password))


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as written, URL-decoded, URL-encoded, base64-encoded and base64-decoded (when it is)."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        pieces = {secret}
        if "://" in secret and not secret.lower().startswith(("smtp://", "smtps://")):
            # alert destinations: each URL, and the tokens inside it (user, password, path parts)
            for url in re.split(r"[\s,]+", secret):
                rest = url.partition("://")[2]
                userinfo = rest.rpartition("@")[0]
                pieces |= {url, *userinfo.split(":"), *[p for p in re.split(r"[/?&=@:]", rest) if len(p) >= 12]}
        if secret.lower().startswith(("smtp://", "smtps://")):
            try:
                target = parse_smtp_url(secret)
            except SettingError:
                target = None
            if target and target.password:
                pieces.add(target.password)
                raw = secret.split("://", 1)[1].rpartition("@")[0].partition(":")[2]
                pieces.add(raw)
        for piece in list(pieces):
            pieces |= {unquote(piece), quote(piece, safe=""), base64.b64encode(piece.encode()).decode()}
            try:
                decoded = base64.b64decode(piece, validate=True).decode("utf-8")
                if decoded.isprintable():
                    pieces.add(decoded)
            except (binascii.Error, UnicodeDecodeError, ValueError):
                pass
        forms |= {p for p in pieces if len(p) >= 4}
    return sorted(forms, key=len, reverse=True)


def check_settings(env: dict) -> list[str]:
    """Plain problems with secret-holding settings, for start-up and `doctor` (never quoting a secret)."""
    problems = []
    if env.get("TRUECRAFT_SMTP_URL"):
        try:
            parse_smtp_url(env["TRUECRAFT_SMTP_URL"])
        except SettingError as exc:
            problems.append(str(exc))
    return problems

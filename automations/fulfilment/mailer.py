"""Tracking e-mails we send ourselves (Square invoices, craft fairs): from an editable template, over SMTP.

TRUECRAFT_SMTP_URL is smtp://user:pass@host:587 (STARTTLS when the server offers it)
or smtps://user:pass@host:465; TRUECRAFT_MAIL_FROM is the sender. With no URL set,
nothing is sent: the mailer returns the text it would have sent and says so.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import string
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Mapping
from core.secrets import SettingError, SmtpTarget, parse_smtp_url

from automations.fulfilment.tracking import tracking_url
from core.models import Order, Shipment

log = logging.getLogger("truecraft.mail")
TEMPLATE = Path(__file__).with_name("templates") / "tracking_email.txt"
FIELDS = ("customer_first_name", "order_id", "items", "carrier", "tracking_number", "tracking_url", "shop_name")


class MailError(Exception):
    """Base for mail failures; str() is plain words with the fix."""


class MailTemporaryError(MailError):
    """The mail server could not be reached or said 'try later'."""


class MailRejected(MailError):
    """The server refused this message (e.g. the buyer's address); retrying won't help."""


class MailAuthError(MailError):
    """The server refused our login: the seller must fix TRUECRAFT_SMTP_URL."""


@dataclass(frozen=True)
class MailResult:
    """What happened to one e-mail."""

    sent: bool
    dry_run: bool
    message_id: str
    text: str
    note: str


class Mailer:
    """Composes tracking e-mails and sends them over SMTP (or describes them in a dry run)."""

    def __init__(self, smtp_url: str = "", mail_from: str = "", shop_name: str = "",
                 template_path: str | Path | None = None, timeout: float = 15.0,
                 allow_plaintext: bool = False) -> None:
        self.smtp_url, self.mail_from, self.shop_name = (smtp_url or "").strip(), mail_from.strip(), shop_name
        self.template_path, self.timeout = Path(template_path or TEMPLATE), timeout
        # Only for a relay on this computer (loopback): a password never crosses a network in clear.
        self.allow_plaintext = allow_plaintext

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Mailer":
        """TRUECRAFT_SMTP_URL, _MAIL_FROM, _SHOP_NAME, _MAIL_TEMPLATE, _SMTP_ALLOW_PLAINTEXT (loopback only)."""
        return cls(env.get("TRUECRAFT_SMTP_URL", ""), env.get("TRUECRAFT_MAIL_FROM", ""),
                   env.get("TRUECRAFT_SHOP_NAME", ""), env.get("TRUECRAFT_MAIL_TEMPLATE") or None,
                   allow_plaintext=(env.get("TRUECRAFT_SMTP_ALLOW_PLAINTEXT") or "").strip().lower() == "yes")

    @property
    def configured(self) -> bool:
        """True when a mail server is set up."""
        return bool(self.smtp_url)

    def compose(self, order: Order, shipment: Shipment, message_id: str, order_ref: str = "") -> EmailMessage:
        """The tracking e-mail for this order, from the template; Message-ID fixed by the caller."""
        first = (order.customer.name or "").strip().split(" ")[0] or "there"
        values = {
            "customer_first_name": first, "order_id": order_ref or order.platform_order_id,
            "items": "\n".join(f"  • {line}" for line in order.items_summary().split("; ")),
            "carrier": shipment.carrier, "tracking_number": shipment.tracking_number,
            "tracking_url": (shipment.tracking_url or tracking_url(shipment.carrier, shipment.tracking_number)
                             or "(ask us for the tracking link)"),
            "shop_name": self.shop_name or "our shop"}
        subject, body = _split(self._render(values))
        msg = EmailMessage()
        msg["Subject"] = subject or f"Your order {values['order_id']} is on its way"
        msg["From"] = formataddr((self.shop_name, self.mail_from)) if self.shop_name else self.mail_from
        msg["To"] = order.customer.email
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = message_id
        msg.set_content(body)
        return msg

    def send(self, msg: EmailMessage) -> MailResult:
        """Send over SMTP, or return a dry run when no server is configured."""
        text = msg.as_string()
        if not self.configured:
            return MailResult(False, True, msg["Message-ID"], text,
                              "no mail server set up (TRUECRAFT_SMTP_URL), so it was not sent")
        if not self.mail_from:
            raise MailAuthError("set TRUECRAFT_MAIL_FROM to the address tracking e-mails come from")
        try:
            target = parse_smtp_url(self.smtp_url)
        except SettingError as exc:
            raise MailAuthError(str(exc)) from None
        try:
            with self._connect(target) as smtp:
                if target.username:
                    smtp.login(target.username, target.password)
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError:
            raise MailAuthError("the mail server refused the login — check the user and password in "
                                "TRUECRAFT_SMTP_URL") from None
        except smtplib.SMTPRecipientsRefused:
            raise MailRejected(f"the mail server refused the buyer's address {msg['To']}") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise MailTemporaryError(f"the mail server said to try later ({exc.smtp_code})") from None
            raise MailRejected(f"the mail server refused the e-mail ({exc.smtp_code})") from None
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP failed: %s", type(exc).__name__)
            raise MailTemporaryError(f"couldn't reach the mail server {target.host}") from None
        return MailResult(True, False, msg["Message-ID"], text, f"sent to {msg['To']}")

    def check_connection(self) -> str:
        """Connect as a send would (TLS first), without logging in; a plain problem, or "" when fine."""
        try:
            target = parse_smtp_url(self.smtp_url)
            with self._connect(target):
                return ""
        except (SettingError, MailAuthError) as exc:
            return str(exc)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP check failed: %s", type(exc).__name__)
            return f"couldn't reach the mail server {target.host}: is TRUECRAFT_SMTP_URL right?"

    def _connect(self, target: SmtpTarget) -> smtplib.SMTP:
        """Connect so that a password only ever travels encrypted (smtps://, or STARTTLS)."""
        if target.scheme == "smtps":
            return smtplib.SMTP_SSL(target.host, target.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        smtp = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        elif target.username and not (self.allow_plaintext and target.loopback):
            smtp.close()
            raise MailAuthError(
                f"the mail server {target.host} doesn't offer encryption (STARTTLS), so TrueCraft won't send "
                "your mail password over the network in clear. Use smtps://…:465 or a server with STARTTLS "
                "on port 587 (a relay on this computer may set TRUECRAFT_SMTP_ALLOW_PLAINTEXT=yes)")
        return smtp

    def _render(self, values: dict[str, str]) -> str:
        """Fill the seller's template; a broken template falls back to ours rather than failing."""
        try:
            template = self.template_path.read_text(encoding="utf-8")
            return string.Formatter().vformat(template, (), _Defaulting(values))
        except (OSError, ValueError, IndexError, AttributeError) as exc:
            log.warning("tracking e-mail template %s unusable (%s); using the built-in one",
                        self.template_path, exc)
            return TEMPLATE.read_text(encoding="utf-8").format_map(values)


class _Defaulting(dict):
    """Unknown {placeholders} stay as typed instead of crashing the send."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _split(text: str) -> tuple[str, str]:
    """'Subject: …' on the first line, then the body."""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first.split(":", 1)[1].strip(), rest.lstrip("\n")
    return "", text

"""Is a tracking number plausible for its carrier, and where can the buyer follow it?"""
from __future__ import annotations

import re
from urllib.parse import quote

from sheet_schema.tabs import CARRIERS

# Formats as the carriers publish them; deliberately a little generous, because a
# false "this looks wrong" blocks a real shipment while a typo still gets caught.
_PATTERNS: dict[str, tuple[str, ...]] = {
    # USPS: 20-22 digit IMpb numbers (92/93/94/95...), 420+ZIP prefixed, or S10 international.
    "USPS": (r"\d{20,22}", r"420\d{5}(\d{4})?9[1-5]\d{18,20}", r"[A-Z]{2}\d{9}US"),
    "UPS": (r"1Z[0-9A-Z]{16}",),
    "FedEx": (r"\d{12}", r"\d{15}", r"\d{20}"),
    "DHL": (r"\d{10}",),
    "Royal Mail": (r"[A-Z]{2}\d{9}GB",),
    "Canada Post": (r"\d{16}", r"[A-Z]{2}\d{9}CA"),
    # Australia Post uses many formats (S10 and 10-23 character article ids).
    "Australia Post": (r"[A-Z]{2}\d{9}AU", r"[0-9A-Z]{10,23}"),
}

_HINTS = {
    "USPS": "USPS numbers have 20–22 digits (most start with 92–95)",
    "UPS": "UPS numbers start with 1Z and have 18 characters",
    "FedEx": "FedEx numbers have 12, 15 or 20 digits",
    "DHL": "DHL Express numbers have 10 digits",
    "Royal Mail": "Royal Mail numbers look like AB123456789GB",
    "Canada Post": "Canada Post numbers have 16 digits or look like AB123456789CA",
    "Australia Post": "Australia Post numbers have 10–23 letters and digits",
}

_URLS = {
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "UPS": "https://www.ups.com/track?tracknum={n}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={n}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{n}",
    "Canada Post": "https://www.canadapost-postescanada.ca/track-reperez/en#/search?searchFor={n}",
    "Australia Post": "https://auspost.com.au/mypost/track/details/{n}",
}

OTHER_MIN_LENGTH = 5


def normalise_number(number: str) -> str:
    """'9400 1000-0000…' -> '94001000…': no spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", number or "").upper()


def canonical_carrier(text: str) -> str | None:
    """'usps ' -> 'USPS'; '' -> ''; a name not in the dropdown -> None."""
    key = re.sub(r"\s+", " ", (text or "").strip()).lower()
    if not key:
        return ""
    for name in CARRIERS:
        if name.lower() == key or name.lower().replace(" ", "") == key.replace(" ", ""):
            return name
    return None


def implausible_reason(carrier: str, number: str) -> str | None:
    """None when `number` could be a `carrier` tracking number, else a plain explanation with the fix."""
    n = normalise_number(number)
    patterns = _PATTERNS.get(carrier)
    if patterns is None:  # 'Other' or blank: anything reasonably long
        if len(n) >= OTHER_MIN_LENGTH:
            return None
        return f"‘{number.strip()}’ is too short to be a tracking number — check it"
    if any(re.fullmatch(p, n) for p in patterns):
        return None
    return f"‘{number.strip()}’ doesn't look like a {carrier} tracking number ({_HINTS[carrier]}) — check it"


def guess_carrier(number: str) -> str:
    """The carrier a number unmistakably belongs to, or 'Other'."""
    n = normalise_number(number)
    if re.fullmatch(r"1Z[0-9A-Z]{16}", n):
        return "UPS"
    if re.fullmatch(r"9[2-5]\d{18,20}", n) or re.fullmatch(r"[A-Z]{2}\d{9}US", n):
        return "USPS"
    for suffix, carrier in (("GB", "Royal Mail"), ("CA", "Canada Post"), ("AU", "Australia Post")):
        if re.fullmatch(rf"[A-Z]{{2}}\d{{9}}{suffix}", n):
            return carrier
    return "Other"


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for this number ('' when we don't know one)."""
    n = normalise_number(number)
    template = _URLS.get(canonical_carrier(carrier) or "")
    return template.format(n=quote(n, safe="")) if template and n else ""

"""What the match model cannot know: when a likely-same-person pair is still not one purchase.

The Fellegi–Sunter model answers "are these two orders from one buyer?". A duplicate also needs
the same purchase, and some people look alike on paper. These rules are definitions, not weights:
- another variant or another product is another purchase;
- two buyers sending to one recipient (gift givers) are two people;
- a clearly different first name is another person when an order carries contact details (the
  buyer who typed them typed her own name too) or nothing else about the person agrees; only
  records with no phone, e-mail or account at all (imports, fair sales) leave it to a check;
- two phone numbers, or two e-mail addresses, with nothing else shared but a name are two people;
- the same name on another street is worth a check, not a flag, unless a phone, e-mail or
  account confirms it; when nothing of the two addresses agrees but the town (another house,
  another street, another postcode), they are two people who share a name;
- a name with no address, phone, e-mail or account to back it is worth a check, never a flag.
"""
from __future__ import annotations

from automations.duplicates.compare import FIELDS, IDX, compare_names
from automations.duplicates.scoring import Features, address_parts, mirrored

OTHER_PRODUCT = FIELDS["product"].index("other-variant") + 1
DIFFERENT_FIRST = FIELDS["first"].index("different") + 1
DIFFERENT_LAST = FIELDS["last"].index("different") + 1
ONE_PART = FIELDS["address"].index("one-part-differs") + 1
ELSEWHERE = FIELDS["address"].index("same-area") + 1  # another street in the same town, or further
SKIP, CHECK, OK = "skip", "check", ""
_IDENTITY = ("address", "phone", "email", "buyer")


def _gift(a: Features, b: Features) -> bool:
    """Two buyers sending to one recipient: buyer names differ, recipient names agree."""
    if a.ship_name is None and b.ship_name is None:
        return False
    ra, rb = a.ship_name or a.name, b.ship_name or b.name
    if ra.empty or rb.empty or (ra == a.name and rb == b.name):
        return False
    recipients = compare_names(ra, rb)
    return recipients.first in (1, 2, 3, 4) and recipients.last in (0, 1, 2)


def _address_overlap(a: Features, b: Features) -> bool:
    """True when house number, street or postcode agree or nearly agree (a typo), not just the town."""
    parts = address_parts(a, b)
    return parts.house in (1, 2) or parts.street in (1, 2, 3) or parts.postcode == 1


def _contact_details(a: Features, b: Features) -> bool:
    """Either order carries a phone or an e-mail, or both come from accounts of one shop."""
    return bool(a.phone or b.phone or a.email or b.email
                or (a.buyer and b.buyer and a.buyer.split(":")[0] == b.buyer.split(":")[0]))


def surely_apart(a: Features, b: Features) -> bool:
    """True when verdict() is SKIP whatever the other fields say: a cheap test before a full comparison.

    A clearly different first name, nothing that confirms one buyer (same e-mail or account),
    and contact details on an order: verdict() never shows such a pair. In a flash sale most
    candidate pairs are such strangers, so the full comparison is saved for the rest.
    """
    if (a.email and a.email == b.email) or (a.buyer and a.buyer == b.buyer):
        return False
    if not _contact_details(a, b):
        return False
    if mirrored(a, b):
        return False  # one sale seen on two channels: always shown
    return compare_names(a.name, b.name).first == DIFFERENT_FIRST


def verdict(a: Features, b: Features, v: tuple[int, ...]) -> tuple[str, str]:
    """(SKIP, CHECK or OK, note): whether a scored pair may be shown, and at most in which band."""
    if v[IDX["product"]] >= OTHER_PRODUCT:
        return SKIP, ""
    confirmed = any(v[IDX[f]] == 1 for f in ("email", "buyer"))
    address = v[IDX["address"]]
    if v[IDX["first"]] == DIFFERENT_FIRST and not confirmed:
        if _gift(a, b):
            return SKIP, ""
        if _contact_details(a, b):
            # Someone typed this order's contact details, and with them her own first name: a
            # clearly different one is another person (a shared landline too). Only records with
            # no contact details at all (imports, fair sales, FEBRL) leave it open.
            return SKIP, ""
        if address >= ELSEWHERE or (v[IDX["last"]] == DIFFERENT_LAST and address >= ONE_PART):
            return SKIP, ""  # nothing about the person agrees
        return CHECK, ("Two first names and nothing else to tell them apart: "
                       "a housemate, a gift, or one buyer? Check")
    if v[IDX["phone"]] == 3 and not confirmed and address != 1:
        return SKIP, ""  # two phone numbers and no shared address or e-mail: two people
    if v[IDX["email"]] == 3 and v[IDX["buyer"]] != 1 and v[IDX["phone"]] != 1 and address != 1:
        return SKIP, ""  # two e-mail addresses and no shared address or phone: two people
    if address >= ELSEWHERE and not (confirmed or v[IDX["phone"]] == 1):
        if not _address_overlap(a, b):
            return SKIP, ""  # one name, one town, nothing else: common names are shared by strangers
        return CHECK, "Same name but another street: two people with one name, or one buyer shipping elsewhere? Check"
    if not any(v[IDX[f]] for f in _IDENTITY):
        return CHECK, ""  # strangers share names: only an address, phone, e-mail or account can confirm
    return OK, ""

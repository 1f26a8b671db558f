"""What the match model cannot know: when a likely-same-person pair is still not one purchase.

The Fellegi–Sunter model answers "are these two orders from one buyer?". A duplicate also needs
the same purchase, and some people look alike on paper. These rules are definitions, not weights:
- another variant or another product is another purchase;
- two buyers of different names (first or family) sending to one recipient are two gift givers;
- another first name is another person when an order carries contact details (the buyer who
  typed them typed her own name too) or nothing else about the person agrees; only records with
  no phone, e-mail or account at all (imports, fair sales) leave it to a check. On an order with
  contact details "another first name" means more than a slip of the keyboard: clearly different
  (Rachel/Monica), only similar (Nora/Noah, Samantha/Amanda: more than one letter off in a short
  name), or two letters off including the first letter (Jasper/Harper), which people rarely
  mistype in their own name. One slip (Rachle, Katherine/Catherine) stays one name;
- a marketplace relay e-mail (Amazon's) counts as contact details: behind it is an account in
  which the buyer typed her own name, though the address itself says nothing comparable;
- two phone numbers, or two e-mail addresses, with nothing else shared but a name are two people;
- the same name on another street is worth a check, not a flag, unless a phone, e-mail or
  account confirms it; when nothing of the two addresses agrees but the town (another house,
  another street, another postcode), they are two people who share a name;
- the same name at another house number (not a swap or a dropped digit) with another postcode
  is another building: worth a check, not a flag, unless a phone, e-mail or account confirms it;
- a name with no address, phone, e-mail or account to back it is worth a check, never a flag.
"""
from __future__ import annotations

from rapidfuzz.distance import OSA

from automations.duplicates.compare import FIELDS, IDX, compare_names, first_level
from automations.duplicates.scoring import Features, address_parts, mirrored

OTHER_PRODUCT = FIELDS["product"].index("other-variant") + 1
DIFFERENT_FIRST = FIELDS["first"].index("different") + 1
SIMILAR_FIRST = FIELDS["first"].index("similar") + 1
TYPO_FIRST = FIELDS["first"].index("typo") + 1
DIFFERENT_LAST = FIELDS["last"].index("different") + 1
ONE_PART = FIELDS["address"].index("one-part-differs") + 1
ELSEWHERE = FIELDS["address"].index("same-area") + 1  # another street in the same town, or further
SKIP, CHECK, OK = "skip", "check", ""
HOUSE_OTHER = 3  # compare.house_level: clearly another number
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


def _another_first_name(a: Features, b: Features, level: int) -> bool:
    """More than a slip of the keyboard between two first names (for orders with contact details).

    Clearly different or only similar (Nora/Noah), or two letters off one of which is the first
    letter (Jasper/Harper): people seldom mistype the first letter of their own name, and a
    second slip on top of it makes another name. Read straight, never as a swapped name.
    """
    if level in (DIFFERENT_FIRST, SIMILAR_FIRST):
        return True
    x, y = a.name.first, b.name.first
    return (level == TYPO_FIRST and first_level(x, y) == TYPO_FIRST and x[0] != y[0]
            and OSA.distance(x, y) >= 2)


def _address_overlap(a: Features, b: Features) -> bool:
    """True when house number, street or postcode agree or nearly agree (a typo), not just the town."""
    parts = address_parts(a, b)
    return parts.house in (1, 2) or parts.street in (1, 2, 3) or parts.postcode == 1


def _another_building(a: Features, b: Features) -> bool:
    """Another house number (not two digits swapped or one dropped) and not the same postcode.

    That is another building: a neighbour who shares the name as often as one buyer. A house
    number alone that differs, in an address that otherwise agrees to the postcode, is a typo.
    """
    parts = address_parts(a, b)
    return parts.house == HOUSE_OTHER and parts.postcode != 1


def _contact_details(a: Features, b: Features) -> bool:
    """Either order carries a phone, an e-mail or a relay e-mail, or both come from accounts of one shop."""
    return bool(a.phone or b.phone or a.email or b.email or a.relay or b.relay
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
    return _another_first_name(a, b, compare_names(a.name, b.name).first)


def verdict(a: Features, b: Features, v: tuple[int, ...]) -> tuple[str, str]:
    """(SKIP, CHECK or OK, note): whether a scored pair may be shown, and at most in which band."""
    if v[IDX["product"]] >= OTHER_PRODUCT:
        return SKIP, ""
    confirmed = any(v[IDX[f]] == 1 for f in ("email", "buyer"))
    address, first = v[IDX["address"]], v[IDX["first"]]
    if not confirmed and (first in (DIFFERENT_FIRST, SIMILAR_FIRST) or v[IDX["last"]] == DIFFERENT_LAST) \
            and _gift(a, b):
        return SKIP, ""  # two buyers of different names, one recipient: two givers
    if not confirmed and _contact_details(a, b) and _another_first_name(a, b, first):
        # Someone typed this order's contact details, and with them her own first name: another
        # one is another person (a shared landline too). Only records with no contact details
        # at all (imports, fair sales, FEBRL) leave it open.
        return SKIP, ""
    if first == DIFFERENT_FIRST and not confirmed:
        if address >= ELSEWHERE or (v[IDX["last"]] == DIFFERENT_LAST and address >= ONE_PART):
            return SKIP, ""  # nothing about the person agrees
        return CHECK, ("Two first names and nothing else to tell them apart: "
                       "a housemate, a gift, or one buyer? Check")
    if v[IDX["phone"]] == 3 and not confirmed and address != 1:
        return SKIP, ""  # two phone numbers and no shared address or e-mail: two people
    if v[IDX["email"]] == 3 and v[IDX["buyer"]] != 1 and v[IDX["phone"]] != 1 and address != 1:
        return SKIP, ""  # two e-mail addresses and no shared address or phone: two people
    if address == ONE_PART and not (confirmed or v[IDX["phone"]] == 1) and _another_building(a, b):
        return CHECK, "Same name but another house number: neighbours with one name, or one buyer? Check"
    if address >= ELSEWHERE and not (confirmed or v[IDX["phone"]] == 1):
        if not _address_overlap(a, b):
            return SKIP, ""  # one name, one town, nothing else: common names are shared by strangers
        return CHECK, "Same name but another street: two people with one name, or one buyer shipping elsewhere? Check"
    if not any(v[IDX[f]] for f in _IDENTITY):
        return CHECK, ""  # strangers share names: only an address, phone, e-mail or account can confirm
    return OK, ""

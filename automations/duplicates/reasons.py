"""Plain-words reasons for a scored pair: what agreed, what differed, and what could not be compared."""
from __future__ import annotations

from automations.duplicates.compare import IDX, compare_names
from automations.duplicates.scoring import Features, product_level
from core.models import Money

_KIND = {"etsy": "Etsy order", "shopify": "Shopify order", "amazon": "Amazon order",
         "square": "Square invoice", "manual": "manual entry"}


def _name_shown(f: Features) -> str:
    return f"{f.name.shown_first} {f.name.shown_last}".strip()


def _gap(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min apart"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min apart"
    return f"{minutes // 1440} days apart"


def _names(a: Features, b: Features, v: tuple[int, ...]) -> tuple[str, str]:
    first, last = v[IDX["first"]], v[IDX["last"]]
    shown = f"{_name_shown(a)} / {_name_shown(b)}"
    if not first and not last:
        return "", ""
    if compare_names(a.name, b.name).swapped:
        return f"same name, given and family name swapped ({shown})", ""
    if first == 6:
        return "", f"different first name ({a.name.shown_first} vs {b.name.shown_first})"
    if last == 5:
        return "", f"different last name ({a.name.shown_last} vs {b.name.shown_last})"
    if first in (0, 1) and last in (0, 1) and _name_shown(a).lower() == _name_shown(b).lower():
        return f"same name ({_name_shown(a)})", ""
    if first in (0, 1, 2, 3, 4) and last in (0, 1, 2, 3):
        return f"same name ({shown})", ""
    return f"similar name ({shown})", ""


def _address(a: Features, b: Features, v: tuple[int, ...]) -> tuple[str, str]:
    level = v[IDX["address"]]
    x, y = a.address, b.address
    if level == 1:
        return "same address", ""
    if level == 2:
        return f"nearly the same address ({x.house} {x.street} {x.postcode} / {y.house} {y.street} {y.postcode})", ""
    if level == 3:
        return "", f"address differs in one part ({x.house} {x.street} {x.postcode} / {y.house} {y.street} {y.postcode})"
    if level in (4, 5):
        return "", "different address"
    return "", ""


def _product(a: Features, b: Features) -> tuple[str, str]:
    level, pa, pb, note = product_level(a, b)
    if not level or pa is None or pb is None:
        return "", ""
    if level == 1:
        return f"same product (SKU {note})", ""
    if level == 2:
        return (f"same item ({pa.shown})" if pa.shown == pb.shown
                else f"similar item ({pa.shown} / {pb.shown})"), ""
    if level == 3:
        return f"related item ({pa.shown} / {pb.shown})", ""
    if level == 4:
        return "", ""
    if level == 5:
        return "", f"different variant ({note})"
    return "", f"different product ({pa.shown} / {pb.shown})"


def _amount(a: Features, b: Features, level: int) -> str:
    x, y = a.order.total, b.order.total
    if level == 1:
        return "same amount"
    if level:
        return f"{Money(x.amount, x.currency).display()} vs {Money(y.amount, y.currency).display()}"
    return ""


def explain(a: Features, b: Features, v: tuple[int, ...]) -> tuple[tuple[str, ...], str]:
    """(reasons, missing-data note) for a pair: agreements first, then differences."""
    pos, neg = [], []
    for found in (_names(a, b, v), _address(a, b, v), _product(a, b)):
        pos += [found[0]] if found[0] else []
        neg += [found[1]] if found[1] else []
    for field, text in (("email", "same e-mail"), ("phone", "same phone"), ("buyer", "same buyer account")):
        if v[IDX[field]] == 1:
            pos.append(text)
    if v[IDX["quantity"]] == 3:
        _, pa, pb, _ = product_level(a, b)
        neg.append(f"quantity differs ({pa.quantity} vs {pb.quantity})")
    amount = _amount(a, b, v[IDX["amount"]])
    pos += [amount] if amount else []
    pos.append(_gap(abs(a.t - b.t)))
    if v[IDX["email"]] == 3:
        neg.append("different e-mails")
    if v[IDX["phone"]] == 3:
        neg.append("different phones")
    note = ""
    if a.address.empty != b.address.empty:
        bare = a if a.address.empty else b
        kind = _KIND.get(bare.order.platform.value, "other order")
        note = f"The {kind} has no address to compare: ask the customer"
    return tuple(pos + neg), note

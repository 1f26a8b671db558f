"""Google field-mask parsing and application ('a.b,c(d,e)', '*', 'sheets/data/rowData')."""
from __future__ import annotations

import copy
import functools


def plain_copy(value):
    """Deep copy of JSON-shaped data (dicts, lists, scalars) — much cheaper than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


@functools.lru_cache(maxsize=256)
def parse_mask(mask: str) -> tuple[tuple[str, ...], ...]:
    """Split a field mask into paths, expanding parentheses: 'a(b,c)' -> a.b, a.c (cached: masks repeat)."""
    paths, depth, buf = [], 0, ""
    for ch in mask.replace("/", "."):
        if ch == "," and depth == 0:
            paths.extend(_expand(buf.strip()))
            buf = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        buf += ch
    if buf.strip():
        paths.extend(_expand(buf.strip()))
    return tuple(tuple(p.split(".")) for p in paths if p)


def _expand(item: str) -> list[str]:
    """Expand one mask item with a parenthesised group into dotted paths."""
    if "(" not in item:
        return [item]
    head, rest = item.split("(", 1)
    inner = rest[: rest.rfind(")")]
    head = head.rstrip(".")
    return [head + "." + ".".join(p) for p in parse_mask(inner)]


def select(obj, paths: list[tuple[str, ...]]):
    """Keep only the masked fields of obj (lists apply the mask to each element)."""
    if any(not p or p[0] == "*" for p in paths):
        return copy.deepcopy(obj)
    if isinstance(obj, list):
        return [select(item, paths) for item in obj]
    if not isinstance(obj, dict):
        return copy.deepcopy(obj)
    out = {}
    for key in dict.fromkeys(p[0] for p in paths):
        if key not in obj:
            continue
        subs = [p[1:] for p in paths if p[0] == key]
        if any(not s for s in subs):
            out[key] = copy.deepcopy(obj[key])
        else:
            out[key] = select(obj[key], subs)
    return out


def apply_update(target: dict, source: dict, mask: str) -> None:
    """Copy masked fields from source into target; masked-but-absent fields are cleared."""
    for path in parse_mask(mask):
        if path == ("*",):
            target.clear()
            target.update(plain_copy(source))
            continue
        src, dst = source, target
        for key in path[:-1]:
            src = src.get(key, {}) if isinstance(src, dict) else {}
            dst = dst.setdefault(key, {})
        last = path[-1]
        if isinstance(src, dict) and last in src:
            dst[last] = plain_copy(src[last])
        else:
            dst.pop(last, None)

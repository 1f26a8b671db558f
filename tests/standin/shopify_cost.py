"""Shopify's requested query cost, computed from the document the way Shopify does (FACTS.md 7).

Source: shopify.dev "GraphQL Admin API rate limits" (cost table) and help.shopify.com
"GraphQL Admin API call limit": an object field costs 1, a scalar or enum 0, a
connection (a field taking `first`/`last`) costs 2 plus `first` times the cost of one
item, nested connections multiply, and a mutation's top field costs 10. A document
whose requested cost is over 1,000 is refused before it runs (MAX_COST_EXCEEDED).
"""
from __future__ import annotations

from typing import Any

from graphql import parse
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode

MAX_QUERY_COST = 1000
MUTATION_COST = 10
_ITEM_WRAPPERS = ("nodes", "edges", "node")


def _arg(field: FieldNode, name: str, variables: dict[str, Any]) -> int | None:
    """An integer argument, from a literal or from the variables actually passed."""
    for arg in field.arguments or ():
        if arg.name.value != name:
            continue
        value = arg.value
        if value.kind == "variable":
            got = variables.get(value.name.value)
            return int(got) if got is not None else None
        if value.kind == "int_value":
            return int(value.value)
    return None


def _fields(selection_set, fragments) -> list[FieldNode]:
    out: list[FieldNode] = []
    for sel in (selection_set.selections if selection_set else ()):
        if isinstance(sel, FieldNode):
            out.append(sel)
        elif isinstance(sel, InlineFragmentNode):
            out += _fields(sel.selection_set, fragments)
        elif isinstance(sel, FragmentSpreadNode):
            out += _fields(fragments[sel.name.value].selection_set, fragments)
    return out


def _item_cost(selection_set, fragments, variables) -> int:
    """The cost of one item of a connection or list: the item object plus what it selects."""
    total = 1
    for field in _fields(selection_set, fragments):
        if field.name.value in _ITEM_WRAPPERS:  # nodes { … } / edges { node { … } } describe the item
            total += _selection_cost(field.selection_set, fragments, variables)
        elif field.name.value != "pageInfo":
            total += _field_cost(field, fragments, variables)
    return total


def _selection_cost(selection_set, fragments, variables) -> int:
    inner = 0
    for field in _fields(selection_set, fragments):
        if field.name.value in _ITEM_WRAPPERS:
            inner += _selection_cost(field.selection_set, fragments, variables)
        else:
            inner += _field_cost(field, fragments, variables)
    return inner


def _field_cost(field: FieldNode, fragments, variables) -> int:
    if field.selection_set is None:
        return 0  # scalar or enum
    count = _arg(field, "first", variables) or _arg(field, "last", variables)
    if count is not None:
        return 2 + count * _item_cost(field.selection_set, fragments, variables)
    return 1 + _selection_cost(field.selection_set, fragments, variables)


def requested_cost(document: str, variables: dict[str, Any] | None = None) -> int:
    """The requested cost of the first operation in `document`, with these variables."""
    doc = parse(document)
    fragments = {d.name.value: d for d in doc.definitions if d.kind == "fragment_definition"}
    variables = dict(variables or {})
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    for var in op.variable_definitions or ():  # defaults apply when a variable is not passed
        if var.variable.name.value not in variables and var.default_value is not None:
            variables[var.variable.name.value] = getattr(var.default_value, "value", None)
    total = 0
    for field in _fields(op.selection_set, fragments):
        cost = _field_cost(field, fragments, variables)
        total += cost + (MUTATION_COST if op.operation.value == "mutation" else 0)
    return total

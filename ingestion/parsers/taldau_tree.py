"""Taldau ``NewIndex/GetIndexTreeData`` answers: a list of tree nodes (``text`` = region label,
``y12YYYY`` = value for the period ending in month 12 of YYYY, as a string), possibly nested under
``children``. See ``ingestion/snapshot/api-examples/`` for a real request and response.

``y12YYYY`` is annual (the fourth quarter for a quarterly dataset); ``y03/y06/y09YYYY`` are quarters
and only make sense in a quarterly dataset. Six-digit keys without ``y`` (``"122020": "883"``) are
attribute ids of the cell and are ignored; any other ``y`` key is an error. ``period_label`` is the
published key (``"y122020"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import MAX_OBSERVATIONS, Observations, Period, fail
from ingestion.parsers._text import load_json

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

_VALUE_KEY = re.compile(r"^y(?P<month>\d{2})(?P<year>(?:19|20)\d{2})$")
_ATTRIBUTE_KEY = re.compile(r"^\d{6}$")


def _period(month: int, year: int, frequency: str) -> Period | None:
    if frequency == "quarterly":
        return Period(year, "quarter", 3, month // 3) if month in (3, 6, 9, 12) else None
    return Period(year, "annual", 12, None) if month == 12 else None


def _walk(nodes: object, path: str, ctx: ParseContext) -> Iterator[tuple[str, dict]]:
    if not isinstance(nodes, list):
        raise fail(ctx, path or "document", "expected a list of tree nodes")
    if len(nodes) > MAX_OBSERVATIONS:
        raise fail(ctx, path or "document", f"more than {MAX_OBSERVATIONS} nodes")
    for i, node in enumerate(nodes):
        where = f"{path}node {i}"
        if not isinstance(node, dict):
            raise fail(ctx, where, f"node is a {type(node).__name__}, not an object")
        yield where, node
        children = node.get("children")
        if children not in (None, []):
            yield from _walk(children, f"{where} > ", ctx)


def parse_taldau_tree(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    data = load_json(payload, ctx)
    out = Observations(ctx)
    for where, node in _walk(data, "", ctx):
        label = node.get("text")
        if not isinstance(label, str):
            raise fail(ctx, where, "node without a text label")
        code = ctx.region(label, f"{where} text")
        keys = []
        for key in node:
            m = _VALUE_KEY.match(key)
            if m:
                keys.append((int(m["year"]), int(m["month"]), key))
            elif key.startswith("y") and key[1:2].isdigit():
                raise fail(ctx, f"{where} key {key!r}", "value key not of the form yMMYYYY")
            elif _ATTRIBUTE_KEY.match(key):
                continue
        if not keys:
            raise fail(ctx, where, f"node {label!r} has no yMMYYYY value keys")
        for year, month, key in sorted(keys):
            period = _period(month, year, ctx.dataset.frequency)
            if period is None:
                raise fail(
                    ctx,
                    f"{where} key {key!r}",
                    f"month {month:02d} is not a period end of a {ctx.dataset.frequency} dataset",
                )
            out.add(
                location=f"{where} key {key!r}",
                series="total",
                region_label=label,
                region_code=code,
                period_label=key,
                period=period,
                raw_value=node[key],
                unit=ctx.dataset.unit,
            )
    return out.frame()

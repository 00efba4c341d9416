"""Taldau ``NewIndex/GetIndexTreeData`` answers: a list of tree nodes (``text`` = region label,
``y12YYYY`` = value for the period ending in month 12 of YYYY, as a string), possibly nested under
``children``. See ``ingestion/snapshot/api-examples/`` for a real request and response.

``y12YYYY`` is annual (the fourth quarter for a quarterly dataset); ``y03/y06/y09YYYY`` are quarters
and only make sense in a quarterly dataset or in the quarter answer (``p_period_id`` 5) of a release
that merges the year and quarter answers (``ingestion.taldau_release``). Six-digit keys without ``y``
(``"122020": "883"``) are attribute ids of the cell and are ignored; any other ``y`` key is an error.
``period_label`` is the published key (``"y122020"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import MAX_OBSERVATIONS, Observations, Period, fail
from ingestion.parsers._text import load_json
from ingestion.taldau_release import read_release

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

_VALUE_KEY = re.compile(r"^y(?P<month>\d{2})(?P<year>(?:19|20)\d{2})$")
_ATTRIBUTE_KEY = re.compile(r"^\d{6}$")


#: Taldau's period kinds (``p_period_id``) and the dataset frequency their month keys are read in
_PERIOD_KINDS = {7: "annual", 5: "quarterly"}


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
    """A Taldau release document (``ingestion.taldau_release``: every answer, each read in the
    period kind it was asked for), or one raw answer read in the dataset's frequency."""
    data = load_json(payload, ctx)
    try:
        answers = read_release(data)
    except ValueError as exc:
        raise fail(ctx, "document", str(exc)) from None
    out = Observations(ctx)
    if answers is None:
        _read_nodes(data, "", ctx.dataset.frequency, ctx, out)
        return out.frame()
    for i, answer in enumerate(answers):
        where = f"answer {i} (p_period_id={answer.period_id}, p_parent_id={answer.parent!r}) "
        frequency = _PERIOD_KINDS.get(answer.period_id)
        if frequency is None:
            raise fail(ctx, where.strip(), f"unknown Taldau period kind {answer.period_id}")
        _read_nodes(load_json(answer.body, ctx), where, frequency, ctx, out)
    return out.frame()


def _read_nodes(data: object, prefix: str, frequency: str, ctx: ParseContext, out: Observations) -> None:
    for where, node in _walk(data, prefix, ctx):
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
            period = _period(month, year, frequency)
            if period is None:
                raise fail(
                    ctx,
                    f"{where} key {key!r}",
                    f"month {month:02d} is not a period end of a {frequency} answer",
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

"""The BNS / Taldau JSON slices: ``[{"terms": [...], "termNames": [...], "periods": [{"name",
"date": "dd.mm.yyyy", "value": "..."}]}]`` (file API ``/json/`` and Taldau ``Api/GetIndexData``).

One slice is one combination of dimension terms; the term that is a region label is the region,
the others make the ``series`` (``total`` when they are all "Всего"). ``value`` is a string: numbers
(spaces allowed), ``"x"`` confidential, empty not available. The period ``name`` is the
``period_label`` and must be a period label; ``date``, when present, must be a valid ``dd.mm.yyyy``
in the period's year or the next (start or end convention).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import MAX_OBSERVATIONS, Observations, fail, parse_period
from ingestion.parsers._text import load_json
from ingestion.parsers.bns_csv import series_from_terms
from ingestion.regions import lookup_region

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")


def _check_date(raw: object, year: int, ctx: ParseContext, where: str) -> None:
    if raw in (None, ""):
        return
    m = _DATE.match(str(raw).strip())
    if not m:
        raise fail(ctx, where, f"date {raw!r} is not dd.mm.yyyy")
    try:
        date = dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        raise fail(ctx, where, f"date {raw!r} is not a calendar date") from None
    if date.year not in (year, year + 1):
        raise fail(ctx, where, f"date {raw!r} does not belong to period year {year}")


def parse_bns_json(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    data = load_json(payload, ctx)
    if not isinstance(data, list):
        raise fail(ctx, "document", f"expected a JSON list of slices, got {type(data).__name__}")
    if len(data) > MAX_OBSERVATIONS:
        raise fail(ctx, "document", f"more than {MAX_OBSERVATIONS} slices")
    out = Observations(ctx)
    region_index: int | None = None
    for i, piece in enumerate(data):
        where = f"slice {i}"
        if not isinstance(piece, dict):
            raise fail(ctx, where, f"slice is a {type(piece).__name__}, not an object")
        names = piece.get("termNames")
        periods = piece.get("periods")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise fail(ctx, where, "termNames missing or not a list of strings")
        terms = piece.get("terms")
        if terms is not None and (not isinstance(terms, list) or len(terms) != len(names)):
            raise fail(ctx, where, "terms and termNames differ in length")
        if not isinstance(periods, list):
            raise fail(ctx, where, "periods missing or not a list")
        if region_index is None:
            hits = [k for k, name in enumerate(names) if lookup_region(name) is not None]
            if len(hits) != 1:
                if not hits:
                    ctx.region(names[0], f"{where} termNames[0]")
                raise fail(ctx, where, f"cannot tell the region term among {names}")
            region_index = hits[0]
        if region_index >= len(names):
            raise fail(ctx, where, f"slice has {len(names)} terms, expected a region term")
        region_label = names[region_index]
        code = ctx.region(region_label, f"{where} termNames[{region_index}]")
        series = series_from_terms([n for k, n in enumerate(names) if k != region_index])
        for j, entry in enumerate(periods):
            at = f"{where} period {j}"
            if not isinstance(entry, dict):
                raise fail(ctx, at, "period entry is not an object")
            name = entry.get("name")
            period = parse_period(name) if isinstance(name, str | int) else None
            if period is None:
                raise fail(ctx, at, f"period name {name!r} is not a period label")
            _check_date(entry.get("date"), period.year, ctx, at)
            out.add(
                location=at,
                series=series,
                region_label=region_label,
                region_code=code,
                period_label=str(name),
                period=period,
                raw_value=entry.get("value"),
                unit=ctx.dataset.unit,
            )
    return out.frame()

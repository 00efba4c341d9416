"""Long CSV (one row per value): ``date,country,region,frequency,variable,item_code,item_name,value,
unit,...`` with region codes from ``makenerzhan_regions.csv`` (``AKM``, ``YKO`` = South,
``SKO`` = North Kazakhstan, ``national``) resolved through the alias table.

``period_label`` is the published ``date`` (``2022-12-31``); ``frequency`` says what it covers.
``series`` is ``total`` unless the dataset is listed in ``ITEM_CODE_SERIES`` (then it is the item
code, e.g. ``GDP`` / ``B``); a second item code in another dataset is an error. The file's unit
must match the catalog's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import Observations, Period, clean_text, fail
from ingestion.parsers._text import column_index, decode_utf8, read_rows

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

_REQUIRED = ("date", "region", "frequency", "variable", "item_code", "value", "unit")

#: Datasets whose series is the item code (several items in one file).
ITEM_CODE_SERIES = frozenset({"gva_by_section"})

#: Spelling of units in the long files -> catalog unit.
_UNIT_ALIASES = {
    "million kzt": "mln KZT",
    "mln kzt": "mln KZT",
    "thousand persons": "thousand persons",
    "persons": "persons",
    "% of previous year": "% of previous year",
    "%": "%",
    "thousand kzt": "thousand KZT",
    "kzt": "KZT",
}

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _period(date: str, frequency: str) -> Period | None:
    m = _DATE.match(date)
    if not m:
        return None
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    month_end = (day + dt.timedelta(days=1)).day == 1
    if not month_end:
        return None
    if frequency == "annual" and day.month == 12:
        return Period(day.year, "annual", 12, None)
    if frequency == "quarterly" and day.month in (3, 6, 9, 12):
        return Period(day.year, "quarter", 3, day.month // 3)
    return None


def parse_long_csv(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    text = decode_utf8(payload, ctx)
    header, rows = read_rows(text, ctx, _REQUIRED)
    idx = {name: column_index(header, name) for name in _REQUIRED}
    i_country = column_index(header, "country") if "country" in header else None
    by_item = ctx.dataset.id in ITEM_CODE_SERIES
    out = Observations(ctx)
    variable: str | None = None
    single_item: str | None = None
    for line, fields in rows:
        where = f"line {line}"
        if i_country is not None and fields[i_country].strip() not in ("KZ", ""):
            raise fail(ctx, where, f"country {fields[i_country]!r} is not KZ")
        var = clean_text(fields[idx["variable"]])
        if variable is None:
            variable = var
        elif var != variable:
            raise fail(ctx, where, f"second variable {var!r} in a file of {variable!r}")
        item = clean_text(fields[idx["item_code"]])
        if not item:
            raise fail(ctx, where, "empty item_code")
        if not by_item:
            if single_item is None:
                single_item = item
            elif item != single_item:
                raise fail(
                    ctx,
                    where,
                    f"second item_code {item!r} (after {single_item!r}) in dataset "
                    f"{ctx.dataset.id!r}, which has one series",
                )
        unit_raw = clean_text(fields[idx["unit"]])
        unit = _UNIT_ALIASES.get(unit_raw.casefold())
        if unit != ctx.dataset.unit:
            raise fail(ctx, where, f"unit {unit_raw!r} is not the dataset unit {ctx.dataset.unit!r}")
        date = fields[idx["date"]].strip()
        frequency = fields[idx["frequency"]].strip().casefold()
        period = _period(date, frequency)
        if period is None:
            raise fail(ctx, where, f"date {date!r} is not the end of a {frequency!r} period")
        region_label = fields[idx["region"]]
        code = ctx.region(region_label, f"{where} column region")
        out.add(
            location=where,
            series=item if by_item else "total",
            region_label=region_label,
            region_code=code,
            period_label=fields[idx["date"]],
            period=period,
            raw_value=fields[idx["value"]],
            unit=unit,
        )
    return out.frame()

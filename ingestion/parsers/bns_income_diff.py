"""BNS household-survey income differentiation workbook, table 5 "Основные показатели бедности" by
region: depth and severity of poverty, the Gini coefficient over 10 % and over 20 % groups, and the
ratio of the incomes of the top to the bottom 10 % (decile ratio). LIVE ONLY: no public copy exists
(DATA.md), so this parser is written against the documented layout and refuses any other:

* a sheet whose title row contains ``5.`` and ``Основные показатели бедности`` and a year (``2023``);
* a header row naming, in this order of columns B-F: ``глубина`` (depth), ``острота`` (severity),
  ``Джини`` ... ``10`` (over 10 % groups), ``Джини`` ... ``20`` (over 20 % groups), ``10 %`` ratio;
* then the national row (``Республика Казахстан``) and the regions (Russian labels).

Units: depth and severity in %, the Gini coefficients and the decile ratio as published (a ratio).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import Observations, Period, clean_text, fail, is_blank, is_footnote_label
from ingestion.parsers._workbook import Sheet, read_workbook

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

TITLE = "основные показатели бедности"
#: Column -> (series, unit, words the header cell must contain).
COLUMNS: dict[int, tuple[str, str, tuple[str, ...]]] = {
    1: ("poverty_depth_pct", "%", ("глубина",)),
    2: ("poverty_severity_pct", "%", ("острота",)),
    3: ("gini_10pct_groups", "coefficient", ("джини", "10")),
    4: ("gini_20pct_groups", "coefficient", ("джини", "20")),
    5: ("decile_ratio", "ratio", ("10 %",)),
}
_YEAR = re.compile(r"\b(20\d\d)\b")


def _find_table(sheets: list[Sheet], ctx: ParseContext) -> tuple[Sheet, int, int]:
    """The sheet, title row and year of table 5."""
    for sheet in sheets:
        for r, row in enumerate(sheet.rows[:10]):
            text = clean_text(" ".join(str(c) for c in row if isinstance(c, str))).casefold()
            if TITLE in text and text.lstrip().startswith("5."):
                year = _YEAR.search(text)
                if year is None:
                    raise fail(ctx, sheet.where_row(r), "table 5 title names no year")
                return sheet, r, int(year[1])
    raise fail(ctx, "workbook", f"no sheet with the title '5. {TITLE}' in its first 10 rows")


def parse_income_differentiation(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Table 5 by region: one row per region x indicator (series in :data:`COLUMNS`)."""
    sheet, title_row, year = _find_table(read_workbook(payload, ctx), ctx)
    header_row = title_row + 1
    while header_row < len(sheet.rows) and is_blank(sheet.cell(header_row, 1)):
        header_row += 1
    for col, (_series, _unit, words) in COLUMNS.items():
        cell = clean_text(sheet.cell(header_row, col) or "").casefold()
        if not all(w in cell for w in words):
            raise fail(
                ctx, sheet.where(header_row, col), f"header {cell!r} does not name {' / '.join(words)}"
            )
    out = Observations(ctx)
    national_seen = False
    for r in range(header_row + 1, len(sheet.rows)):
        label = sheet.cell(r, 0)
        if is_blank(label):
            continue
        if is_footnote_label(label):
            break
        code = ctx.region(str(label), sheet.where(r, 0))
        national_seen = national_seen or code == "KZ"
        for col, (series, unit, _words) in COLUMNS.items():
            out.add(
                location=sheet.where(r, col),
                series=series,
                region_label=str(label),
                region_code=code,
                period_label=str(year),
                period=Period(year, "annual", 12, None),
                raw_value=sheet.cell(r, col),
                unit=unit,
            )
    if not national_seen:
        raise fail(ctx, sheet.where_row(header_row + 1), "no national row (Республика Казахстан) in table 5")
    return out.frame()


__all__ = ["COLUMNS", "parse_income_differentiation"]

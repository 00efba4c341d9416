"""BNS R&D bulletin 2022 (Kazakh, xls), table 1: internal R&D expenditure by region.

Sheet ``1``: a title row, the unit ``мың теңге`` (thousand tenge) in the header, then the national row
``Қазақстан Республикасы`` and the 20 regions in Kazakh (oblasts as bare names, ``Алматы`` is the
oblast; the cities as ``... қаласы``), then the note ``Ескертпе: ...``. Column B is the internal R&D
expenditure (ҒЗТКЖ-ға ішкі шығындар); the other columns are its components and are not read.
``x`` = confidential, ``-`` = none. ONE YEAR (2022).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import Observations, Period, clean_text, fail, is_blank
from ingestion.parsers._workbook import read_workbook
from ingestion.parsers.bns_district import resolve_kazakh_region

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

SHEET = "1"
YEAR = 2022
_UNIT_WORDS = "мың теңге"
_TITLE_WORDS = "ішкі және сыртқы шығындар"
_HEADER_WORDS = "ішкі шығындар"
_NOTE = "ескертпе"


def parse_rnd_expenditure(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Internal R&D expenditure by region, 2022, thousand KZT (series ``total``)."""
    sheets = {s.name: s for s in read_workbook(payload, ctx)}
    if SHEET not in sheets:
        raise fail(ctx, "workbook", f"no sheet {SHEET!r} (sheets: {sorted(sheets)[:8]} ...)")
    sheet = sheets[SHEET]
    head = " ".join(clean_text(c).casefold() for row in sheet.rows[:5] for c in row if isinstance(c, str))
    for words in (_TITLE_WORDS, _HEADER_WORDS, _UNIT_WORDS):
        if words not in head:
            raise fail(ctx, f"sheet {SHEET!r} rows 1-5", f"header lacks {words!r}")
    if _HEADER_WORDS not in clean_text(sheet.cell(2, 1)).casefold():
        raise fail(ctx, sheet.where(2, 1), f"column B is not {_HEADER_WORDS!r}")
    out = Observations(ctx)
    started = False
    for r in range(3, len(sheet.rows)):
        label = sheet.cell(r, 0)
        if is_blank(label):
            if not is_blank(sheet.cell(r, 1)):
                raise fail(ctx, sheet.where_row(r), "number in a row without a label")
            continue
        text = clean_text(label)
        if text.casefold().startswith(_NOTE):
            break
        code = resolve_kazakh_region(text, ctx, sheet.where(r, 0))
        started = True
        out.add(
            location=sheet.where(r, 1),
            series="total",
            region_label=str(label),
            region_code=code,
            period_label=str(YEAR),
            period=Period(YEAR, "annual", 12, None),
            raw_value=sheet.cell(r, 1),
            unit=ctx.dataset.unit,
        )
    if not started:
        raise fail(ctx, f"sheet {SHEET!r}", "no region rows found")
    return out.frame()


__all__ = ["parse_rnd_expenditure"]

"""BNS bulletin 18 (population on 1 January 2023), table ``02``: regions, then their districts and
city administrations, Kazakh labels.

Layout of sheet ``02``: the national row ``Қазақстан Республикасы``; then per region a block that
starts with the region's row (oblasts as bare names, ``Абай``; the three cities as ``... қаласы``),
followed by its units, and ends at a blank row. Units are city administrations (``Семей қ.ә.``,
"городской акимат") and districts (``Абай ауданы``). Columns B-H: total, men, women, urban,
urban men, urban women, rural; ``-`` means none (not available flag, as BNS writes it).

The output is district-level and therefore has three columns beyond ``ingestion.schema``:
``district_label`` (as published; empty on the region's own row), ``unit_kind`` (``region`` /
``city_administration`` / ``district``) and ``is_admin_centre``. The administrative centre of an
oblast is taken to be the **first** city administration listed under it: that is how the bulletin
orders every oblast (Семей under Абай, Көкшетау under Ақмола ...); for the three cities of
republican significance no unit is a centre. ``region_code`` is always the parent region's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ingestion.parsers._common import MAX_OBSERVATIONS, clean_text, fail, is_blank, parse_value
from ingestion.parsers._workbook import NATIONAL, read_workbook
from ingestion.schema import OBSERVATION_COLUMNS

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

SHEET = "02"
#: Column (0-based) -> series, checked against the header words below.
MEASURES = {1: "total", 2: "men", 3: "women", 4: "urban", 5: "urban_men", 6: "urban_women", 7: "rural"}
_HEADER_WORDS = {
    1: "все население",
    2: "мужчины",
    3: "женщины",
    4: "городское население",
    7: "сельское население",
}
_CITY_ADMIN_SUFFIX = "қ.ә."
_DISTRICT_SUFFIX = "ауданы"
_CITY_SUFFIX = "қаласы"
_NATIONAL_LABEL = "қазақстан республикасы"
PERIOD_LABEL = "на 1 января 2023 года"
YEAR = 2023

DISTRICT_COLUMNS: dict[str, str] = {
    **OBSERVATION_COLUMNS,
    "district_label": "string",
    "unit_kind": "string",
    "is_admin_centre": "boolean",
}


def _check_header(rows: list[list[object]], ctx: ParseContext) -> int:
    """Index of the national row; the header words above it must name the expected measures."""
    for r, row in enumerate(rows[:20]):
        if row and isinstance(row[0], str) and clean_text(row[0]).casefold() == _NATIONAL_LABEL:
            header = " ".join(clean_text(c).casefold() for rr in rows[:r] for c in rr if isinstance(c, str))
            for col, word in _HEADER_WORDS.items():
                if word not in header:
                    where = f"sheet {SHEET!r} rows 1-{r}"
                    raise fail(ctx, where, f"header lacks {word!r} (column {col + 1})")
            return r
    raise fail(ctx, f"sheet {SHEET!r}", f"no row labelled {_NATIONAL_LABEL!r} in the first 20 rows")


def _resolve_block_head(label: str, ctx: ParseContext, where: str) -> str:
    """Oblasts appear as bare names (``Алматы`` is the oblast here, the city is ``Алматы қаласы``)."""
    text = clean_text(label)
    if text.casefold() == _NATIONAL_LABEL:
        return NATIONAL
    if text.casefold().endswith(_CITY_SUFFIX):
        return ctx.region(text, where)
    return ctx.region(f"{text} облысы", where)


def parse_population_by_district(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Population on 1 January 2023 by region, district and city administration (sheet ``02``)."""
    sheets = {s.name: s for s in read_workbook(payload, ctx)}
    if SHEET not in sheets:
        raise fail(ctx, "workbook", f"no sheet {SHEET!r} (sheets: {sorted(sheets)})")
    sheet = sheets[SHEET]
    start = _check_header(sheet.rows, ctx)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], str] = {}
    region_code: str | None = None
    region_label = ""
    centre_found = False
    for r in range(start, len(sheet.rows)):
        label = sheet.cell(r, 0)
        if is_blank(label):
            if any(not is_blank(sheet.cell(r, c)) for c in MEASURES):
                raise fail(ctx, sheet.where_row(r), "numbers in a row without a label")
            region_code = None
            continue
        where = sheet.where(r, 0)
        if not isinstance(label, str):
            raise fail(ctx, where, f"label {label!r} is not text")
        text = clean_text(label)
        if region_code is None:
            region_code = _resolve_block_head(text, ctx, where)
            region_label, kind, district, centre_found = label, "region", "", False
            is_centre = False
        elif region_code == NATIONAL:
            raise fail(ctx, where, f"unit {text!r} under the national row (expected a blank row)")
        elif text.endswith(_CITY_ADMIN_SUFFIX):
            kind, district = "city_administration", label
            is_centre = not centre_found and not region_label.strip().casefold().endswith(_CITY_SUFFIX)
            centre_found = centre_found or is_centre
        elif text.endswith(_DISTRICT_SUFFIX):
            kind, district, is_centre = "district", label, False
        else:
            message = f"label {text!r} is neither a city administration (қ.ә.) nor a district (ауданы)"
            raise fail(ctx, where, message)
        for col, series in MEASURES.items():
            cell_where = sheet.where(r, col)
            try:
                value, flag = parse_value(sheet.cell(r, col))
            except ValueError as exc:
                raise fail(ctx, cell_where, str(exc)) from None
            key = (series, region_code, text if kind != "region" else "")
            if key in seen:
                message = f"duplicate unit {text!r} in {region_code} (first at {seen[key]})"
                raise fail(ctx, cell_where, message)
            seen[key] = cell_where
            if len(rows) >= MAX_OBSERVATIONS:
                raise fail(ctx, cell_where, f"more than {MAX_OBSERVATIONS} observations")
            rows.append(
                {
                    "dataset_id": ctx.dataset.id,
                    "release_id": ctx.release_id,
                    "source_file": ctx.file_name,
                    "location": cell_where,
                    "series": series,
                    "region_label": region_label,
                    "region_code": region_code,
                    "period_label": PERIOD_LABEL,
                    "year": YEAR,
                    "period_type": "annual",  # a stock on 1 January, as the population dataset
                    "months": 12,
                    "quarter": pd.NA,
                    "value": value,
                    "value_flag": flag,
                    "unit": ctx.dataset.unit,
                    "district_label": district,
                    "unit_kind": kind,
                    "is_admin_centre": is_centre,
                }
            )
    if not rows:
        raise fail(ctx, f"sheet {SHEET!r}", "no observations found")
    frame = pd.DataFrame(rows, columns=list(DISTRICT_COLUMNS))
    for column, dtype in DISTRICT_COLUMNS.items():
        frame[column] = frame[column].astype(dtype)
    return frame


__all__ = ["DISTRICT_COLUMNS", "MEASURES", "parse_population_by_district"]

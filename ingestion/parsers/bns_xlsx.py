"""Parsers of BNS spreadsheet tables (xlsx and xls): one function per catalog dataset.

Each reads every sheet and every period column it finds (see ``_workbook``), resolves every label
through the alias table and returns long rows of ``ingestion.schema.OBSERVATION_COLUMNS``. What
differs between datasets is only how a sheet / block maps to a ``series`` and which ``unit`` a row
carries; that is spelled out below per dataset, and a sheet or block that cannot be mapped is an
error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import Observations, Period, fail
from ingestion.parsers._workbook import BlockRow, DataRow, Table, iter_tables, read_workbook
from ingestion.regions import normalize_label

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

#: Tenge was introduced in November 1993: BNS gives GRP for 1990-1992 in million roubles.
LAST_ROUBLE_YEAR = 1992
ROUBLE_UNIT = "mln roubles"


def _emit_table(
    table: Table,
    ctx: ParseContext,
    out: Observations,
    *,
    series_for: Callable[[BlockRow | None], str],
    unit_for: Callable[[Period], str],
) -> None:
    block: BlockRow | None = None
    for item in table.body:
        if isinstance(item, BlockRow):
            block = item
            continue
        series = series_for(block)
        _emit_row(table, item, ctx, out, series=series, unit_for=unit_for)


def _emit_row(
    table: Table,
    item: DataRow,
    ctx: ParseContext,
    out: Observations,
    *,
    series: str,
    unit_for: Callable[[Period], str],
) -> None:
    sheet = table.sheet
    code = ctx.region(item.label, sheet.where(item.row, table.label_col))
    for column in table.columns:
        out.add(
            location=sheet.where(item.row, column.col),
            series=series,
            region_label=item.label,
            region_code=code,
            period_label=column.label,
            period=column.period,
            raw_value=item.cells[column.col],
            unit=unit_for(column.period),
        )


def _sheet_key(table: Table) -> str:
    return normalize_label(table.sheet.name)


def _require_sheets(tables: list[Table], ctx: ParseContext, expected: dict[str, str]) -> dict[str, str]:
    """Map each table's sheet to a series through ``expected`` (normalized sheet name -> series)."""
    found: dict[str, str] = {}
    for table in tables:
        key = _sheet_key(table)
        if key not in expected:
            raise fail(
                ctx,
                f"sheet {table.sheet.name!r}",
                f"unexpected sheet; expected sheets {sorted(expected)}",
            )
        found[table.sheet.name] = expected[key]
    missing = set(expected) - {_sheet_key(t) for t in tables}
    if missing:
        raise fail(ctx, "workbook", f"expected sheet(s) missing: {sorted(missing)}")
    return found


def _check_unit_hint(table: Table, ctx: ParseContext, hints: dict[str, str], unit: str) -> None:
    """If a header text names a unit (``'в тыс тенге'``, ``'в %'``), it must be the catalog's."""
    for text in table.preamble:
        key = text.casefold().replace(" ", "")
        for hint, hinted_unit in hints.items():
            if hint in key and hinted_unit != unit:
                raise fail(
                    ctx,
                    f"sheet {table.sheet.name!r}",
                    f"header says {text!r} ({hinted_unit}) but the dataset unit is {unit!r}",
                )


# ---------------------------------------------------------------------------------------------
# Datasets


def parse_grp_nominal(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """GRP, nominal: all sheets (1990-1997, 1998-2007, 2008-2023 with cumulative quarters).

    Series ``total``. Unit ``mln roubles`` for 1990-1992 (before the tenge; the file's footnote
    ``1) 1990-1992 -mln. rubles``), the catalog unit (mln KZT) otherwise.
    """
    out = Observations(ctx)
    tables = list(iter_tables(read_workbook(payload, ctx), ctx))
    for table in tables:
        _emit_table(
            table,
            ctx,
            out,
            series_for=lambda _block: "total",
            unit_for=lambda p: ROUBLE_UNIT if p.year <= LAST_ROUBLE_YEAR else ctx.dataset.unit,
        )
    return out.frame()


_PER_CAPITA_SHEETS = {
    normalize_label("тыс.тенге"): "kzt_thousand",
    normalize_label("в долларах США"): "usd",
}
_PER_CAPITA_UNITS = {"kzt_thousand": "thousand KZT", "usd": "USD"}


def parse_grp_per_capita(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """GRP per capita: sheet ``тыс.тенге`` -> series ``kzt_thousand`` (thousand KZT) and sheet
    ``в долларах США`` -> series ``usd`` (USD at the National Bank's average rate)."""
    out = Observations(ctx)
    tables = list(iter_tables(read_workbook(payload, ctx), ctx))
    series_by_sheet = _require_sheets(tables, ctx, _PER_CAPITA_SHEETS)
    for table in tables:
        series = series_by_sheet[table.sheet.name]
        unit = _PER_CAPITA_UNITS[series]
        _check_unit_hint(table, ctx, {"тыс.тенге": "thousand KZT", "долл.сша": "USD", "usd": "USD"}, unit)
        _emit_table(table, ctx, out, series_for=lambda _b, s=series: s, unit_for=lambda _p, u=unit: u)
    return out.frame()


#: Sheet of a by-sex workbook -> sex part of the series.
_SEX_SHEETS = {
    normalize_label("Все население"): "total",
    normalize_label("Мужчины"): "men",
    normalize_label("Женщины"): "women",
}
#: Block label inside a sheet -> (sex it implies or None, area: "" all, "urban", "rural").
_AREA_BLOCKS: dict[str, tuple[str | None, str]] = {
    normalize_label("Все население"): ("total", ""),
    normalize_label("Мужчины"): ("men", ""),
    normalize_label("Женщины"): ("women", ""),
    normalize_label("Городское население"): (None, "urban"),
    normalize_label("Сельское население"): (None, "rural"),
    normalize_label("Городская местность"): (None, "urban"),
    normalize_label("Сельская местность"): (None, "rural"),
}


def _parse_by_sex_and_area(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Workbooks with sheets total / men / women, each with blocks all / urban / rural.

    Series: the sheet's sex (``total``, ``men``, ``women``), suffixed ``_urban`` / ``_rural`` inside
    an urban or rural block (``men_urban``, ``women_rural``). A block label that contradicts its
    sheet (``Женщины`` on the men's sheet) is an error.
    """
    out = Observations(ctx)
    tables = list(iter_tables(read_workbook(payload, ctx), ctx, block_labels=_AREA_BLOCKS))
    sex_by_sheet = _require_sheets(tables, ctx, _SEX_SHEETS)
    unit = ctx.dataset.unit
    for table in tables:
        sex = sex_by_sheet[table.sheet.name]

        def series_for(block: BlockRow | None, sex: str = sex, table: Table = table) -> str:
            if block is None:
                return sex
            implied_sex, area = _AREA_BLOCKS[block.key]
            if implied_sex is not None and implied_sex != sex:
                raise fail(
                    ctx,
                    table.sheet.where(block.row, table.label_col),
                    f"block {block.label!r} on the sheet of series {sex!r}",
                )
            return f"{sex}_{area}" if area else sex

        _emit_table(table, ctx, out, series_for=series_for, unit_for=lambda _p: unit)
    return out.frame()


def parse_population(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Population at 1 January by region: sheets ``Все население`` / ``Мужчины`` / ``Женщины``;
    the men's and women's sheets also carry urban and rural blocks.

    Series ``total``, ``men``, ``women``, ``men_urban``, ``men_rural``, ``women_urban``,
    ``women_rural``; unit persons.
    """
    return _parse_by_sex_and_area(payload, ctx)


def parse_life_expectancy(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Life expectancy at birth: same layout and series as :func:`parse_population`; unit years."""
    return _parse_by_sex_and_area(payload, ctx)


def _parse_single_series(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    out = Observations(ctx)
    unit = ctx.dataset.unit
    for table in iter_tables(read_workbook(payload, ctx), ctx):
        _emit_table(table, ctx, out, series_for=lambda _b: "total", unit_for=lambda _p: unit)
    return out.frame()


def parse_unemployment_rate(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Unemployment rate (LFS): two-row header (year above; I-IV quarter and ``year`` below).

    Series ``total``; unit %. Period labels are ``"2001 / I quarter"``, ``"2015 / year2)"``.
    """
    return _parse_single_series(payload, ctx)


def parse_physicians(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Physicians of all specialties at the end of the year (xls). Series ``total``; persons."""
    return _parse_single_series(payload, ctx)


_TALDAU_UNIT_HINTS = {"втыстенге": "thousand KZT", "втыс.тенге": "thousand KZT", "в%": "%"}


def parse_taldau_derived(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Tables generated from Taldau (wages, poverty share): years in the first header row, ``Год`` /
    ``I кв`` ... below, the unit in the label column (``в тыс тенге``, ``в %``), numbers as text.

    Series ``total``; the unit named in the header must be the catalog's.
    """
    out = Observations(ctx)
    unit = ctx.dataset.unit
    for table in iter_tables(read_workbook(payload, ctx), ctx):
        _check_unit_hint(table, ctx, _TALDAU_UNIT_HINTS, unit)
        _emit_table(table, ctx, out, series_for=lambda _b: "total", unit_for=lambda _p: unit)
    return out.frame()


__all__ = [
    "parse_grp_nominal",
    "parse_grp_per_capita",
    "parse_life_expectancy",
    "parse_physicians",
    "parse_population",
    "parse_taldau_derived",
    "parse_unemployment_rate",
]

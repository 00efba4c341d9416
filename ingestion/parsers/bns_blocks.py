"""Region x year tables stacked in blocks on one sheet (second-round files of issue #16).

Shapes handled here, each a thin function over :func:`walk_blocks`:

* buses (``Автобусный транспорт``): four tables one under another, each with a title row, a unit row,
  a row of years and 21 region rows, footnote rows under each; the 2021 national cell of the stock
  table is the text ``82 1892)`` (82 189 with footnote mark 2 glued on, DATA.md);
* general schools: one header of school years ``2000/01`` ... and blocks ``Все население`` /
  ``Городское население`` / ``Сельское население``; ``Туркестанская*`` is South Kazakhstan for
  2000/01-2017/18 (the sheet's own footnote), and eight urban/rural cells of 2021/22 are formulas
  linking to another workbook, saved without a cached value (read as not available, see below);
* urban share (Taldau-derived): header ``2019 г.`` ... ``на 1 дек. 2023 г.``;
* urban/rural population (open-data-kazakhstan reformat): one sheet per series, English labels
  ``Akmola_region`` ... and the bare city names ``Astana``, ``Almaty``, ``Shymkent``.

Year convention for school years: ``2000/01`` is year **2000** (the autumn in which the school year
starts, when the count is taken; BNS counts schools at the start of the school year).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import (
    Observations,
    Period,
    clean_text,
    fail,
    is_blank,
    is_footnote_label,
    strip_footnote_marks,
)
from ingestion.parsers._workbook import Sheet, read_workbook

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

#: A number with a footnote mark glued on: ``82 1892)`` -> ``82 189`` (mark 2). Only a mark of one
#: digit followed by ``)`` after a digit group is stripped; ``1892`` alone stays a number.
_GLUED_FOOTNOTE = re.compile(r"^(\d[\d\s\u00a0]*\d|\d)(\d)\)\s*$")
_SCHOOL_YEAR = re.compile(r"^((?:19|20)\d\d)/(\d\d)$")
_YEAR_LABEL = re.compile(r"^((?:19|20)\d\d)(?:\s*г\.?)?$")
_DEC_2023 = "на 1 дек. 2023 г."


def strip_glued_footnote(raw: object) -> object:
    """``"82 1892)"`` -> ``"82 189"``; any other value unchanged."""
    if isinstance(raw, str):
        m = _GLUED_FOOTNOTE.match(clean_text(raw))
        if m:
            return m[1]
    return raw


def year_of_label(raw: object) -> tuple[int, str] | None:
    """A header cell -> (year, published label), or None. ``2000/01`` -> 2000 (start of school year)."""
    if isinstance(raw, int) and 1900 < raw < 2100:
        return raw, str(raw)
    if isinstance(raw, float) and raw.is_integer() and 1900 < raw < 2100:
        return int(raw), str(int(raw))
    if not isinstance(raw, str):
        return None
    text = strip_footnote_marks(clean_text(raw))
    m = _SCHOOL_YEAR.match(text)
    if m and (int(m[1]) + 1) % 100 == int(m[2]):
        return int(m[1]), clean_text(raw)
    m = _YEAR_LABEL.match(text)
    if m:
        return int(m[1]), clean_text(raw)
    return None


#: Labels a header row may carry in its first column (else it must be blank): a data row whose
#: values happen to lie in 1900-2100 (2 051 urban schools) is never a header.
_HEADER_LABELS = frozenset({"регионы", "regions_kz", "regions"})


def _header(row: list[object], extra: dict[str, int]) -> dict[int, tuple[int, str]] | None:
    """Column -> (year, label) when the row is a header (>= 3 year cells after a blank or header
    label); ``extra`` maps further published labels to a year."""
    first = row[0] if row else None
    if not is_blank(first) and clean_text(str(first)).casefold() not in _HEADER_LABELS:
        return None
    years = {}
    for c, v in enumerate(row):
        if c == 0:
            continue
        if (y := year_of_label(v)) is not None:
            years[c] = y
        elif isinstance(v, str) and clean_text(v) in extra:
            years[c] = (extra[clean_text(v)], clean_text(v))
    return years if len(years) >= 3 else None


RegionOf = Callable[[str, int, str], str]


def walk_blocks(
    sheet: Sheet,
    ctx: ParseContext,
    out: Observations,
    *,
    series_of: Callable[[tuple[str, ...], str | None], str | None],
    region_of: RegionOf,
    extra_year: dict[str, int] | None = None,
    uncached: frozenset[tuple[int, int]] = frozenset(),
) -> None:
    """Emit every body cell of every table on ``sheet``.

    ``series_of(titles, block)`` names the series of a table from the text rows above its header since
    the previous table ended (``titles``: sheet title, table title, unit row) and the last label-only
    row inside it (``block``); ``None`` skips the table.
    ``region_of(label, year, where)`` resolves a label (years matter for relabelled regions).
    ``uncached`` are (row, col) cells known to be formulas without a cached value: not available.
    """
    titles: list[str] = []
    header: dict[int, tuple[int, str]] | None = None
    block: str | None = None
    for r, row in enumerate(sheet.rows):
        label = row[0] if row else None
        found = _header(row, extra_year or {})
        if found:
            header, block = found, None
            continue
        numbers = [c for c in (header or {}) if not is_blank(sheet.cell(r, c))]
        if is_blank(label):
            if numbers:
                raise fail(ctx, sheet.where_row(r), "numbers in a row without a label")
            continue
        text = clean_text(label)
        if is_footnote_label(label):
            if header is not None:
                titles = []
            header = None
            continue
        if header is None:
            titles.append(text)
            continue
        if not numbers and not any((r, c) in uncached for c in header):
            block = text
            continue
        series = series_of(tuple(titles), block)
        if series is None:
            continue
        for c, (year, period_label) in header.items():
            where = sheet.where(r, c)
            code = region_of(str(label), year, sheet.where(r, 0))
            raw = None if (r, c) in uncached else strip_glued_footnote(sheet.cell(r, c))
            out.add(
                location=where,
                series=series,
                region_label=str(label),
                region_code=code,
                period_label=period_label,
                period=Period(year, "annual", 12, None),
                raw_value=raw,
                unit=ctx.dataset.unit,
            )


def _plain_region(ctx: ParseContext) -> RegionOf:
    def region(label: str, _year: int, where: str) -> str:
        return ctx.region(label, where)

    return region


def south_kazakhstan_where_shymkent_absent(frame: pd.DataFrame) -> pd.DataFrame:
    """Recode the Turkestan row (``KZ-61``) as South Kazakhstan (``KZ-YKO``) in the years in which the
    table gives Shymkent (``KZ-79``) no value of its own in series ``total``.

    Why from the data, not from a calendar year: these tables restate history unevenly. The schools
    table lists Shymkent separately for 2000/01-2013/14 and from 2016/17 (its regions then sum to the
    country only with Shymkent, so ``Туркестанская*`` is South Kazakhstan without it) but not for
    2014/15-2015/16 (``…``: the row is the whole oblast); the reformatted population file has Shymkent
    from 2017 (1 January 2018 stocks in the 2017 column, as BNS element 6584).
    """
    total = frame[frame["series"] == "total"]
    with_shymkent = set(total.loc[(total["region_code"] == "KZ-79") & total["value"].notna(), "year"])
    south = (frame["region_code"] == "KZ-61") & ~frame["year"].isin(with_shymkent)
    frame.loc[south, "region_code"] = "KZ-YKO"
    return frame


_BUS_TABLES = {
    "наличие автобусов": "buses",
    "наличие автобусов у индивидуальных владельцев": "buses_individual",
    "перевозки пассажиров автобусами": "passengers",
    "пассажирооборот автобусов": "passenger_km",
}
#: Unit of each bus table (the catalog unit applies to the stock; the others are stated here).
BUS_UNITS = {
    "buses": "units",
    "buses_individual": "units",
    "passengers": "mln passengers",
    "passenger_km": "mln passenger-km",
}


#: First year in which the regional bus stock follows vehicle registration (see :func:`parse_buses`).
BUS_REGISTRATION_FROM = 2021


def _bus_series(titles: tuple[str, ...], _block: str | None) -> str | None:
    found = {_BUS_TABLES.get(strip_footnote_marks(clean_text(t)).casefold()) for t in titles} - {None}
    return found.pop() if len(found) == 1 else None


def _only_sheet(payload: bytes, ctx: ParseContext) -> Sheet:
    sheets = read_workbook(payload, ctx)
    if len(sheets) != 1:
        raise fail(ctx, "workbook", f"expected one sheet, found {[s.name for s in sheets]}")
    return sheets[0]


def _require(frame: pd.DataFrame, ctx: ParseContext, series: set[str]) -> pd.DataFrame:
    missing = series - set(frame["series"])
    if missing:
        raise fail(ctx, "workbook", f"tables not found: {sorted(missing)}")
    return frame


def parse_buses(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Buses in stock (series ``buses``, units), of individual owners (``buses_individual``), and
    passengers carried / passenger-km (``passengers``, ``passenger_km``; units in :data:`BUS_UNITS`:
    the file's unit rows say ``млн. человек`` and ``млн. пкм``). Stock series from 2021 are named
    ``*_registration`` (:data:`BUS_REGISTRATION_FROM`). The 2021 national stock ``82 1892)`` is read
    as 82 189 (footnote mark 2 stripped)."""
    sheet = _only_sheet(payload, ctx)
    out = Observations(ctx)
    walk_blocks(sheet, ctx, out, series_of=_bus_series, region_of=_plain_region(ctx))
    frame = _require(out.frame(), ctx, set(_BUS_TABLES.values()))
    frame["unit"] = frame["series"].map(BUS_UNITS).astype("string")
    # From 2021 the stock tables follow vehicle registration (MVD, footnote 1): South Kazakhstan,
    # abolished in 2018, has 3 948 buses in 2022, Abai 33, Kostanay doubles in 2021 and halves again.
    # Those rows are kept under their own series name, so that no stock or growth mixes the two.
    late = frame["series"].isin(["buses", "buses_individual"]) & (frame["year"] >= BUS_REGISTRATION_FROM)
    frame.loc[late, "series"] = frame.loc[late, "series"] + "_registration"
    return frame


_SCHOOL_BLOCKS = {"все население": "total", "городское население": "urban", "сельское население": "rural"}


def _uncached_formula_cells(payload: bytes) -> frozenset[tuple[int, int]]:
    """Cells holding a formula whose cached value is missing (the shared reader refuses them)."""
    import io

    import openpyxl

    formulas = openpyxl.load_workbook(io.BytesIO(payload), data_only=False, read_only=True)
    values = openpyxl.load_workbook(io.BytesIO(payload), data_only=True, read_only=True)
    try:
        cells = set()
        for fws, vws in zip(formulas.worksheets, values.worksheets, strict=True):
            for r, (frow, vrow) in enumerate(
                zip(fws.iter_rows(values_only=True), vws.iter_rows(values_only=True), strict=False)
            ):
                for c, (f, v) in enumerate(zip(frow, vrow, strict=False)):
                    if isinstance(f, str) and f.startswith("=") and v is None:
                        cells.add((r, c))
        return frozenset(cells)
    finally:
        formulas.close()
        values.close()


def parse_general_schools(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Number of general schools (units): series ``total`` / ``urban`` / ``rural``.

    Year = start of the school year (``2000/01`` -> 2000). ``Туркестанская*`` is South Kazakhstan
    (KZ-YKO) only in the years without a Shymkent value
    (:func:`south_kazakhstan_where_shymkent_absent`). Cells that are external-link formulas
    without a cached value (8 cells of 2021/22 in the snapshot) are emitted as not available: the
    workbook does not hold their number, and the location names each of them.
    """
    from ingestion.parsers._workbook import Sheet as _Sheet

    uncached = _uncached_formula_cells(payload)
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(payload), data_only=True, read_only=True)
    try:
        if len(book.worksheets) != 1:
            raise fail(ctx, "workbook", f"expected one sheet, found {book.sheetnames}")
        ws = book.worksheets[0]
        sheet = _Sheet(name=str(ws.title), rows=[list(r) for r in ws.iter_rows(values_only=True)])
    finally:
        book.close()
    out = Observations(ctx)

    def series_of(_titles: tuple[str, ...], block: str | None) -> str | None:
        key = clean_text(block or "").casefold()
        if key not in _SCHOOL_BLOCKS:
            raise fail(ctx, f"sheet {sheet.name!r}", f"rows outside a known block (block {block!r})")
        return _SCHOOL_BLOCKS[key]

    walk_blocks(sheet, ctx, out, series_of=series_of, region_of=_plain_region(ctx), uncached=uncached)
    frame = _require(out.frame(), ctx, set(_SCHOOL_BLOCKS.values()))
    return south_kazakhstan_where_shymkent_absent(frame)


def parse_urban_share(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Urban share of the population, % (series ``total``). ``на 1 дек. 2023 г.`` is kept as
    year 2023 with that period label: a 1 December reading, not a 1 January one."""
    sheet = _only_sheet(payload, ctx)
    out = Observations(ctx)
    walk_blocks(
        sheet,
        ctx,
        out,
        series_of=lambda _t, _b: "total",
        region_of=_plain_region(ctx),
        extra_year={_DEC_2023: 2023},
    )
    return out.frame()


_ODK_SHEETS = {
    "population_kz": "total",
    "urban_population_kz": "urban",
    "rural_population_kz": "rural",
    "male_population_kz": "men",
    "urban_male_population_kz": "men_urban",
    "rural_male_population_kz": "men_rural",
    "female_population_kz": "women",
    "urban_female_population_kz": "women_urban",
    "rural_female_population_kz": "women_rural",
}
_ODK_CITIES = {"astana", "almaty", "shymkent"}
#: First year on the new urban definition (settlements reclassified; DATA.md): urban Kazakhstan
#: falls from 8.83 M (2007) to 8.27 M (2008). No growth rate may cross it.
URBAN_BREAK_YEAR = 2008


def _odk_region(ctx: ParseContext) -> RegionOf:
    """``Akmola_region`` -> ``Akmola region``; a bare ``Almaty`` here is the city (the oblast is
    ``Almaty_region``), so bare names are read as ``<name> city``."""

    def region(label: str, _year: int, where: str) -> str:
        text = clean_text(label).replace("_", " ")
        if text.casefold() in _ODK_CITIES:
            text = f"{text} city"
        return ctx.region(text, where)

    return region


def parse_population_urban_rural(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    """Population at the start of the year, persons, 2000-2021 (one sheet per series, see
    ``_ODK_SHEETS``). Rows of the urban and rural series get ``series`` suffixed ``_pre2008`` before
    :data:`URBAN_BREAK_YEAR`, so that no growth can be computed across the reclassification without
    naming it; ``total`` and the sex totals are not affected by the break. ``Turkestan_region`` is
    South Kazakhstan while Shymkent has no value (to 2016)."""
    out = Observations(ctx)
    seen = set()
    for sheet in read_workbook(payload, ctx):
        key = sheet.name.casefold()
        if key not in _ODK_SHEETS:
            raise fail(ctx, f"sheet {sheet.name!r}", f"unknown sheet (expected {sorted(_ODK_SHEETS)})")
        seen.add(key)
        base = _ODK_SHEETS[key]
        walk_blocks(sheet, ctx, out, series_of=lambda _t, _b, base=base: base, region_of=_odk_region(ctx))
    missing = set(_ODK_SHEETS) - seen
    if missing:
        raise fail(ctx, "workbook", f"sheets missing: {sorted(missing)}")
    frame = south_kazakhstan_where_shymkent_absent(out.frame())
    # the reclassification moved settlements (and their people) between urban and rural: both sides
    before = frame["series"].str.contains("urban|rural") & (frame["year"] < URBAN_BREAK_YEAR)
    frame.loc[before, "series"] = frame.loc[before, "series"] + "_pre2008"
    return frame


__all__ = [
    "BUS_REGISTRATION_FROM",
    "BUS_UNITS",
    "URBAN_BREAK_YEAR",
    "parse_buses",
    "parse_general_schools",
    "parse_population_urban_rural",
    "parse_urban_share",
    "south_kazakhstan_where_shymkent_absent",
    "strip_glued_footnote",
    "walk_blocks",
    "year_of_label",
]

"""The BNS file API CSV: ``NAM, DAT, PERIOD, <dimension>, L<dimension> ..., VAL``.

Live files are tab-separated UTF-8 with a BOM; the snapshot copies are comma-separated without a
BOM (converted from parquet). Both are read. ``DAT`` is the published period label (``"2006 год"``,
``"3 квартал 2015 г."``) and becomes ``period_label``; ``PERIOD`` (``YYYYMM``, the last month
covered) must agree with it. A dimension is a column ``X`` that has a partner column ``LX``; the one
whose values are region labels is the region, any other becomes the ``series``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ingestion.parsers._common import (
    Observations,
    clean_text,
    fail,
    parse_period,
    parse_period_code,
    period_end_month,
    period_from_code,
)
from ingestion.parsers._text import column_index, decode_utf8, read_rows
from ingestion.regions import lookup_region, normalize_label

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

_REQUIRED = ("DAT", "PERIOD", "VAL")

#: Dimension values that mean "all" and so add nothing to the series name.
_TOTAL_TERMS = {
    normalize_label(t)
    for t in ("Всего", "Итого", "Барлығы", "Total", "All", "Оба пола", "Both sexes", "Все население")
}
#: Dimension values with a conventional series name.
_SERIES_TERMS = {
    normalize_label("Мужчины"): "men",
    normalize_label("Женщины"): "women",
    normalize_label("Men"): "men",
    normalize_label("Women"): "women",
    normalize_label("Ерлер"): "men",
    normalize_label("Әйелдер"): "women",
    normalize_label("Городская местность"): "urban",
    normalize_label("Сельская местность"): "rural",
    normalize_label("Urban area"): "urban",
    normalize_label("Rural area"): "rural",
}


def series_from_terms(terms: list[str]) -> str:
    """``['Всего']`` -> ``'total'``; ``['Мужчины', 'Городская местность']`` -> ``'men_urban'``."""
    parts = []
    for term in terms:
        key = normalize_label(term)
        if key in _TOTAL_TERMS:
            continue
        parts.append(_SERIES_TERMS.get(key, key))
    return "_".join(parts) if parts else "total"


def parse_bns_csv(payload: bytes, ctx: ParseContext) -> pd.DataFrame:
    text = decode_utf8(payload, ctx)
    header, rows = read_rows(text, ctx, _REQUIRED)
    i_dat, i_period, i_val = (column_index(header, n) for n in _REQUIRED)
    i_nam = column_index(header, "NAM") if "nam" in (h.casefold() for h in header) else None
    folded = [h.casefold() for h in header]
    dims = [i for i, h in enumerate(folded) if f"l{h}" in folded and h not in ("dat", "period")]
    if not dims:
        raise fail(ctx, "line 1", f"no dimension column (X with a partner LX) in {header}")
    known = {i_dat, i_period, i_val, *dims, *(folded.index(f"l{folded[i]}") for i in dims)}
    if i_nam is not None:
        known.add(i_nam)
    extra = [header[i] for i in range(len(header)) if i not in known]
    if extra:
        raise fail(ctx, "line 1", f"unexpected column(s) {extra}")

    out = Observations(ctx)
    region_dim: int | None = None
    indicator: str | None = None
    for line, fields in rows:
        where = f"line {line}"
        if i_nam is not None:
            name = clean_text(fields[i_nam])
            if indicator is None:
                indicator = name
            elif name != indicator:
                raise fail(ctx, where, f"second indicator {name!r} in a file of {indicator!r}")
        if region_dim is None:
            hits = [i for i in dims if lookup_region(fields[i]) is not None]
            if len(hits) != 1:
                labels = [fields[i] for i in dims]
                if not hits:
                    ctx.region(labels[0], f"{where} column {header[dims[0]]}")
                raise fail(ctx, where, f"cannot tell the region column among {labels}")
            region_dim = hits[0]
        region_label = fields[region_dim]
        code = ctx.region(region_label, f"{where} column {header[region_dim]}")
        series = series_from_terms([fields[i] for i in dims if i != region_dim])

        dat = fields[i_dat]
        code_ym = parse_period_code(fields[i_period]) if fields[i_period].strip() else None
        if fields[i_period].strip() and code_ym is None:
            raise fail(ctx, where, f"PERIOD {fields[i_period]!r} is not a YYYYMM code")
        if dat.strip():
            period = parse_period(dat)
            if period is None:
                raise fail(ctx, where, f"DAT {dat!r} is not a period label")
            if code_ym is not None and code_ym != (period.year, period_end_month(period)):
                raise fail(ctx, where, f"DAT {dat!r} disagrees with PERIOD {fields[i_period]!r}")
            period_label = dat
        elif code_ym is not None:
            period = period_from_code(*code_ym, ctx.dataset.frequency)
            if period is None:
                raise fail(
                    ctx,
                    where,
                    f"PERIOD {fields[i_period]!r} without DAT is ambiguous for a "
                    f"{ctx.dataset.frequency} dataset",
                )
            period_label = fields[i_period].strip()
        else:
            raise fail(ctx, where, "neither DAT nor PERIOD given")

        out.add(
            location=where,
            series=series,
            region_label=region_label,
            region_code=code,
            period_label=period_label,
            period=period,
            raw_value=fields[i_val],
            unit=ctx.dataset.unit,
        )
    return out.frame()

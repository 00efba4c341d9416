"""Derived columns the suites validate, computed in pandas before Great Expectations sees the frame.

GX judges one row at a time; questions about a row's neighbours (the same region one year earlier,
the same cell in the previous release, the other regions of the same year) are answered here and
written into helper columns whose names start with ``_``. Each helper is documented where it is
built; the suites in :mod:`expectations.suites` name the columns they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from expectations.config import GEOGRAPHIES, NATIONAL, DatasetRules
from ingestion.schema import VALUE_FLAGS

#: columns that identify a cell and must never be null (region_code has its own check)
IDENTIFYING_COLUMNS = (
    "dataset_id",
    "release_id",
    "source_file",
    "location",
    "series",
    "region_label",
    "period_label",
    "year",
    "period_type",
    "months",
    "unit",
)

#: a cell within a series: the row key minus the year
CELL_KEY = ["series", "unit", "region_code", "period_type", "months", "quarter"]
#: a published period (no region)
PERIOD_KEY = ["series", "year", "period_type", "months", "quarter"]
#: A region-series: a damaged file that stops early loses whole regions, not whole periods.
REGION_KEY = ["series", "region_code"]

ROW = "_row"


def _nullable_float(values: np.ndarray) -> pd.arrays.FloatingArray:
    """float64 with NaN -> Float64 with NA (GX ignores NA in column-map expectations)."""
    return pd.array(values.astype("float64"), dtype="Float64")


def _nullable_bool(values: np.ndarray, defined: np.ndarray) -> pd.arrays.BooleanArray:
    """bool values, NA where ``defined`` is False."""
    out = pd.array(values.astype(bool), dtype="boolean")
    out[~defined.astype(bool)] = pd.NA
    return out


@dataclass
class Derived:
    """The frame GX validates (contract columns + helpers) and details for the messages."""

    frame: pd.DataFrame
    #: helper-specific details per failing group, keyed by the ``_row`` GX reports
    details: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    #: observed values computed here (e.g. the coverage of every year)
    observed: dict[str, Any] = field(default_factory=dict)


def _fill_key(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Key columns with NA replaced by a sentinel, so that groupby/merge keep those rows."""
    out = pd.DataFrame(index=frame.index)
    for c in columns:
        col = frame[c]
        if str(col.dtype) == "Int64":
            out[c] = col.fillna(-1).astype("int64")
        else:
            out[c] = col.astype("object").where(col.notna(), "\x00")
    return out


def _rule_index(frame: pd.DataFrame, rules: DatasetRules) -> pd.Series:
    idx = np.full(len(frame), -1, dtype="int64")
    pairs = frame[["series", "unit"]].astype("object").fillna("\x00")
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
    for u, (series, unit) in enumerate(uniques):
        # first matching rule wins
        k = next((k for k, r in enumerate(rules.ranges) if r.matches(series, unit)), -1)
        idx[codes == u] = k
    out = pd.array(idx, dtype="Int64")
    out[idx < 0] = pd.NA
    return pd.Series(out, index=frame.index)


def _rule_param(rule_idx: pd.Series, rules: DatasetRules, attr: str, default: float) -> np.ndarray:
    values = [getattr(r, attr) for r in rules.ranges]
    values = [default if v is None else float(v) for v in values]
    idx = rule_idx.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(idx), default, dtype="float64")
    ok = ~np.isnan(idx)
    if values:
        out[ok] = np.asarray(values, dtype="float64")[idx[ok].astype(int)]
    return out


def _published(frame: pd.DataFrame) -> pd.Series:
    """A cell that exists: a number, or a confidential mark (the region exists, its value is
    withheld). Blank and ``-`` cells (``not_available``) of regions that did not exist are not."""
    flag = frame["value_flag"].astype("object")
    return (frame["value"].notna() | flag.eq("confidential").fillna(False)).astype(bool)


def derive(
    frame: pd.DataFrame,
    rules: DatasetRules,
    known_codes: frozenset[str],
    previous: pd.DataFrame | None = None,
) -> Derived:
    """Add the helper columns to a copy of a contract-conforming frame."""
    df = frame.reset_index(drop=True).copy()
    n = len(df)
    df[ROW] = np.arange(n, dtype="int64")
    out = Derived(frame=df)

    year = df["year"]
    value = df["value"].astype("Float64")

    # One published period, whatever its label: the uniqueness key.
    key = _fill_key(df, ["year", "period_type", "months", "quarter"])
    df["_period_key"] = pd.array(
        key["year"].astype(str)
        + "|"
        + key["period_type"].astype(str)
        + "|"
        + key["months"].astype(str)
        + "|"
        + key["quarter"].astype(str),
        dtype="string",
    )

    # Identifying columns that are null, named (NA when none is).
    null_names = pd.Series("", index=df.index, dtype="object")
    for column in IDENTIFYING_COLUMNS:
        null_names = null_names.where(df[column].notna(), null_names + column + ",")
    df["_null_identifiers"] = pd.array(
        null_names.str.rstrip(",").where(null_names.ne(""), None), dtype="string"
    )

    # A number has no flag; a missing value has one of the known flags.
    flag = df["value_flag"].astype("object")
    df["_flag_consistent"] = pd.array(
        np.where(
            value.isna().to_numpy(dtype=bool),
            flag.isin(VALUE_FLAGS).to_numpy(dtype=bool),
            flag.isna().to_numpy(dtype=bool),
        ),
        dtype="boolean",
    )

    # Period fields agree with each other.
    pt = df["period_type"].astype("object")
    months = df["months"]
    quarter = df["quarter"]
    annual = pt.eq("annual").fillna(False) & months.eq(12).fillna(False) & quarter.isna()
    quarterly = (
        pt.eq("quarter").fillna(False) & months.eq(3).fillna(False) & quarter.between(1, 4).fillna(False)
    )
    cumulative = pt.eq("cumulative").fillna(False) & months.between(1, 11).fillna(False)
    df["_period_consistent"] = pd.array(
        (annual | quarterly | cumulative).to_numpy(dtype=bool), dtype="boolean"
    )

    # Which range rule applies to the row, and how far outside its plausible range the value is:
    # 1.0 inside, value/max above, min/value below (inf for a value <= 0 under a positive minimum
    # or a negative value under a zero minimum); NA without a rule or a value.
    rule_idx = _rule_index(df, rules)
    labels = np.array([r.label for r in rules.ranges] + [None], dtype=object)
    idx_arr = rule_idx.to_numpy(dtype="float64", na_value=np.nan)
    has_rule = ~np.isnan(idx_arr)
    df["_range_rule"] = pd.array(
        labels[np.where(has_rule, idx_arr, len(rules.ranges)).astype(int)], dtype="string"
    )
    lo = _rule_param(rule_idx, rules, "min", np.nan)
    hi = _rule_param(rule_idx, rules, "max", np.nan)
    v = value.to_numpy(dtype="float64", na_value=np.nan)
    excess = np.ones(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        above = ~np.isnan(hi) & (v > hi)
        excess = np.where(above, np.where(hi > 0, v / hi, np.inf), excess)
        below = ~np.isnan(lo) & (v < lo)
        excess = np.where(below, np.where((lo > 0) & (v > 0), lo / v, np.inf), excess)
    excess[~has_rule | np.isnan(v)] = np.nan
    df["_range_excess"] = _nullable_float(excess)
    # Per rule, the share of its values inside the range, on the rule's first row.
    share = np.full(n, np.nan)
    for k in range(len(rules.ranges)):
        rows = np.flatnonzero((idx_arr == k) & ~np.isnan(v))
        if len(rows):
            share[rows[0]] = float(np.mean(excess[rows] <= 1.0))
    df["_rule_in_range_share"] = _nullable_float(share)

    published = _published(df)
    cell_key = _fill_key(df, CELL_KEY)

    # ---- year over year, per region-series cell ------------------------------------------------
    # (rows without a year are not part of any series; identifying_columns_not_null reports them)
    dated = year.notna().to_numpy(dtype=bool)
    order = (
        cell_key[dated]
        .assign(_year=year[dated].astype("int64"), _row=df.loc[dated, ROW])
        .sort_values([*CELL_KEY, "_year"], kind="stable")
    )
    grouped = order.groupby(CELL_KEY, sort=False, dropna=False)
    prev_row = grouped["_row"].shift(1)
    prev_year = grouped["_year"].shift(1)
    row_sorted = order["_row"].to_numpy()
    prev_row_arr = prev_row.to_numpy(dtype="float64", na_value=np.nan)
    prev_year_arr = prev_year.to_numpy(dtype="float64", na_value=np.nan)

    vals = value.to_numpy(dtype="float64", na_value=np.nan)
    years = year.to_numpy(dtype="float64", na_value=np.nan)
    min_base = _rule_param(rule_idx, rules, "yoy_min_base", 0.0)
    warn_factor = _rule_param(rule_idx, rules, "yoy_max_factor", rules.yoy_max_factor)

    cur_v = vals[row_sorted]
    has_prev = ~np.isnan(prev_row_arr)
    prev_v = np.full(len(row_sorted), np.nan)
    prev_v[has_prev] = vals[prev_row_arr[has_prev].astype(int)]
    cur_y = years[row_sorted]
    consecutive = has_prev & (prev_year_arr == cur_y - 1)
    base = min_base[row_sorted]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            consecutive & (cur_v > 0) & (prev_v > 0) & (cur_v >= base) & (prev_v >= base),
            cur_v / prev_v,
            np.nan,
        )
    # No growth into a year whose unit or territory changed.
    region_sorted = df["region_code"].astype("object").fillna("\x00").to_numpy()[row_sorted]
    skip = np.isin(cur_y, list(rules.yoy_skip_years)) if rules.yoy_skip_years else None
    if skip is not None:
        ratio[skip] = np.nan
    for break_year, codes in rules.boundary_breaks:
        mask = (cur_y == break_year) & np.isin(region_sorted, list(codes))
        ratio[mask] = np.nan

    yoy = np.full(n, np.nan)
    yoy[row_sorted] = ratio
    df["_yoy_ratio"] = _nullable_float(yoy)
    within = (yoy <= warn_factor) & (yoy >= 1.0 / warn_factor)
    warn_mask = ~np.isnan(yoy)
    if rules.yoy_warn_from_year is not None:
        warn_mask &= years >= rules.yoy_warn_from_year
    df["_yoy_in_bounds"] = _nullable_bool(within, warn_mask)
    previous_value = np.full(n, np.nan)
    previous_value[row_sorted] = np.where(consecutive, prev_v, np.nan)
    df["_yoy_previous_value"] = _nullable_float(previous_value)

    # ---- holes in annual series ----------------------------------------------------------------
    gap_types = set(rules.gap_period_types)
    in_gap_scope = pt.isin(gap_types).fillna(False).to_numpy(dtype=bool)
    gap_count = np.full(n, np.nan)
    gap_detail: dict[int, dict[str, Any]] = {}
    known_missing = rules.known_missing_years
    for pos in np.flatnonzero(has_prev & (prev_year_arr < cur_y - 1)):
        row = int(row_sorted[pos])
        if not in_gap_scope[row]:
            continue
        missing = [y for y in range(int(prev_year_arr[pos]) + 1, int(cur_y[pos])) if y not in known_missing]
        gap_count[row] = len(missing)
        if missing:
            gap_detail[row] = {"missing_years": missing, "previous_year": int(prev_year_arr[pos])}
    scoped_with_prev = np.zeros(n, dtype=bool)
    scoped_with_prev[row_sorted[has_prev]] = True
    scoped_with_prev &= in_gap_scope
    gap_count = np.where(scoped_with_prev & np.isnan(gap_count), 0, gap_count)
    df["_years_missing_before"] = _nullable_float(gap_count)
    out.details["no_year_gap"] = gap_detail

    # ---- region coverage per published period ------------------------------------------------
    # One verdict per (series, year, period): the set of regions with a published cell there must
    # be a geography the dataset's windows allow for that year. Written on the period's first row.
    region = df["region_code"].astype("object")
    coverage_ok = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
    coverage_ok[:] = pd.NA
    coverage_detail: dict[int, dict[str, Any]] = {}
    geo_units = frozenset().union(*GEOGRAPHIES.values())
    pkey = _fill_key(df, PERIOD_KEY)
    pkey["_region"] = region.to_numpy()
    pkey[ROW] = df[ROW].to_numpy()
    pkey["_published"] = published.to_numpy()
    valid = year.notna().to_numpy(dtype=bool)
    firsts = pkey[valid].groupby(PERIOD_KEY, sort=True)[ROW].first()
    pub = pkey[valid & pkey["_published"].to_numpy(dtype=bool)]
    present_sets = pub.groupby(PERIOD_KEY, sort=True)["_region"].agg(frozenset)
    failing_periods = 0
    for group_key, first_row in firsts.items():
        series, yr, ptype, _months, qtr = group_key
        present = present_sets.get(group_key)
        if present is None:  # nothing published for this period at all: not a coverage question
            continue
        regional = frozenset(c for c in present if c != NATIONAL and c in geo_units)
        may_lack = rules.may_lack_for(str(series))
        windows = [
            w for w in rules.geographies if w.covers(int(yr), str(ptype), None if qtr == -1 else int(qtr))
        ]
        ok_geo = any(w.accepts(regional, may_lack) for w in windows)
        national_ok = (not rules.national) or NATIONAL in present
        ok = ok_geo and national_ok
        coverage_ok[int(first_row)] = ok
        if ok:
            continue
        failing_periods += 1
        detail: dict[str, Any] = {
            "series": series,
            "year": int(yr),
            "period_label": df.at[int(first_row), "period_label"],
            "units": len(regional),
        }
        if not windows:
            detail["expected"] = "no geography configured for this year"
        elif not ok_geo:
            best = min(
                windows, key=lambda w: len(w.missing(regional, may_lack)) + len(w.unexpected(regional))
            )
            detail["expected"] = best.describe()
            detail["regions_missing"] = sorted(best.missing(regional, may_lack))
            detail["regions_unexpected"] = sorted(best.unexpected(regional))
        if not national_ok:
            detail["national_row_missing"] = True
        coverage_detail[int(first_row)] = detail
    df["_coverage_ok"] = coverage_ok
    out.details["region_coverage"] = coverage_detail
    out.observed["region_coverage"] = {"periods": len(firsts), "failing_periods": failing_periods}

    # A region exists in a series-year when one of its cells of that year is published.
    sy = ["series", "year", "_region"]
    exist_keys = pub[sy].drop_duplicates().assign(_exists=True)
    exists = pkey[sy].merge(exist_keys, on=sy, how="left")["_exists"].notna()

    # ---- confidential / missing cells among regions that exist --------------------------------
    known = region.isin(known_codes).fillna(False).to_numpy(dtype=bool)
    missing_cell = value.isna().to_numpy(dtype=bool)
    scope = exists.to_numpy(dtype=bool) & known
    df["_cell_missing"] = _nullable_bool(missing_cell, scope)

    # ---- against the previous release ----------------------------------------------------------
    if previous is not None:
        prev = previous.reset_index(drop=True)
        prev_key = _fill_key(prev, [*CELL_KEY, "year"])
        prev_key["_prev_value"] = prev["value"].to_numpy(dtype="float64", na_value=np.nan)
        prev_key["_prev_location"] = prev["location"].astype("object").to_numpy()
        prev_key = prev_key.drop_duplicates([*CELL_KEY, "year"], keep="first")
        cur_key = _fill_key(df, [*CELL_KEY, "year"])
        cur_key[ROW] = df[ROW].to_numpy()
        merged = cur_key.merge(prev_key, on=[*CELL_KEY, "year"], how="left", sort=False)
        merged = merged.sort_values(ROW)
        pv = merged["_prev_value"].to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            rev = np.where((vals > 0) & (pv > 0) & (vals >= min_base) & (pv >= min_base), vals / pv, np.nan)
        df["_revision_ratio"] = _nullable_float(rev)
        df["_previous_release_value"] = _nullable_float(pv)
        f = rules.revision_max_factor
        with np.errstate(invalid="ignore"):
            in_bounds = (rev >= 1 / f) & (rev <= f)
        df["_revision_in_bounds"] = _nullable_bool(in_bounds, ~np.isnan(rev))
    return out


def missing_vs_previous(
    frame: pd.DataFrame, previous: pd.DataFrame, key: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """Keys (e.g. ``PERIOD_KEY`` or ``REGION_KEY``) published in the previous release absent from this one.

    Returns one example row of the previous release per missing key (with its location there) and the
    number of missing keys.
    """
    prev_pub = previous[_published(previous).to_numpy()]
    if prev_pub.empty:
        return [], 0
    cur = _fill_key(frame, key).drop_duplicates()
    old = _fill_key(prev_pub, key)
    old["_i"] = np.arange(len(old))
    merged = old.merge(cur.assign(_here=True), on=key, how="left")
    gone = merged[merged["_here"].isna()].drop_duplicates(key, keep="first")
    examples = prev_pub.iloc[gone["_i"].to_numpy()]
    return [row for _, row in examples.iterrows()], len(gone)

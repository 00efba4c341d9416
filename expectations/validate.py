"""``validate(dataset_id, frame, previous=None) -> ValidationReport``: the ingestion-boundary gate."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from expectations.config import known_region_codes, rules_for
from expectations.derive import PERIOD_KEY, REGION_KEY, ROW, Derived, derive, missing_vs_previous
from expectations.report import MESSAGE_ROWS, SAMPLE_ROWS, ExpectationOutcome, ValidationReport
from expectations.suites import CheckSpec, frame_specs, structure_specs

#: contract columns shown in every failing-row sample
#: Checks against the previous release computed here (a GX expectation cannot see two releases):
#: check name -> (key, metric name, what a key is).
COVERAGE_CHECKS = {
    "years_cover_previous_release": (PERIOD_KEY, "periods", "(series, year, period)"),
    "regions_cover_previous_release": (REGION_KEY, "region_series", "(series, region)"),
}


def _describe_key(example: Any, key: list[str]) -> str:
    if key == PERIOD_KEY:
        return f"{example['series']} {example['period_label']}"
    return f"{example['series']} {example['region_label']} ({example['region_code']})"


SAMPLE_BASE = (
    "location",
    "series",
    "region_code",
    "region_label",
    "period_label",
    "year",
    "value",
    "value_flag",
    "unit",
)


def _contract() -> dict[str, str]:
    from ingestion.schema import OBSERVATION_COLUMNS

    return OBSERVATION_COLUMNS


def _row_sample(frame: pd.DataFrame, rows: list[int], extra: tuple[str, ...]) -> list[dict]:
    out = []
    columns = [c for c in SAMPLE_BASE if c in frame.columns] + [c for c in extra if c in frame.columns]
    for r in rows[:SAMPLE_ROWS]:
        record = frame.iloc[r]
        item = {c.lstrip("_"): record[c] for c in columns}
        out.append(item)
    return out


def _describe_row(row: dict[str, Any]) -> str:
    def fmt(v: Any) -> str:
        if v is None or v is pd.NA:
            return "NA"
        if isinstance(v, float):
            return f"{v:,.6g}"
        return str(v)

    text = (
        f"{row.get('region_code')} ({row.get('region_label')!s}) {row.get('series')} "
        f"{row.get('period_label')} = {fmt(row.get('value'))} {row.get('unit')}"
    )
    extras = {k: v for k, v in row.items() if k not in SAMPLE_BASE}
    if extras:
        text += " [" + ", ".join(f"{k}={fmt(v)}" for k, v in extras.items()) + "]"
    return f"{text} at {row.get('location')}"


def _message(dataset_id: str, spec: CheckSpec, success: bool, detail: str, rows: list[dict]) -> str:
    head = f"[{dataset_id}] {spec.name} ({spec.severity})"
    if success:
        return f"{head} passed" + (f": {detail}" if detail else "")
    text = f"{head} FAILED: {detail}" if detail else f"{head} FAILED"
    if rows:
        shown = "; ".join(_describe_row(r) for r in rows[:MESSAGE_ROWS])
        more = f" (+{len(rows) - MESSAGE_ROWS} more in the sample)" if len(rows) > MESSAGE_ROWS else ""
        text += f". Failing rows: {shown}{more}"
    return text


def _outcome_from_gx(
    dataset_id: str, spec: CheckSpec, res: Any, derived: Derived | None, frame: pd.DataFrame
) -> ExpectationOutcome:
    result = dict(res.result or {})
    exc = res.exception_info or {}
    raised = exc.get("raised_exception") if isinstance(exc, dict) else None
    success = bool(res.success) and not raised
    index_list = result.get("partial_unexpected_index_list") or []
    rows = [int(item[ROW]) for item in index_list if isinstance(item, dict) and ROW in item]
    sample = _row_sample(frame, rows, spec.sample_columns) if ROW in frame.columns else []
    details = (derived.details.get(spec.name) or {}) if derived is not None else {}
    for row_id, item in zip(rows, sample, strict=False):
        if row_id in details:
            item.update(details[row_id])
    unexpected = result.get("unexpected_count")
    elements = result.get("element_count")
    if "observed_value" in result:
        observed: Any = result["observed_value"]
    elif not result:  # a pass in the first, BOOLEAN_ONLY pass: nothing unexpected
        observed = {"unexpected_count": 0}
    else:
        observed = {
            "unexpected_count": unexpected,
            "element_count": elements,
            "unexpected_percent": result.get("unexpected_percent"),
        }
    detail = ""
    if raised:
        detail = f"GX raised {exc.get('exception_message')}"
    elif spec.name == "region_coverage" and derived is not None:
        failing = list(details.values())
        observed = {**derived.observed.get("region_coverage", {}), "failing": failing[:SAMPLE_ROWS]}
        if failing:
            detail = f"{len(failing)} published period(s) match no known geography: " + "; ".join(
                f"{d['series']} {d['period_label']}: missing {d.get('regions_missing')}, unexpected "
                f"{d.get('regions_unexpected')}"
                + (", national row missing" if d.get("national_row_missing") else "")
                for d in failing[:MESSAGE_ROWS]
            )
    elif spec.name == "missing_share" and "_cell_missing" in frame.columns:
        cells = frame["_cell_missing"].dropna()
        share = float(cells.mean()) if len(cells) else 0.0
        observed = {"missing_share": share, "missing_cells": int(cells.sum()), "cells": len(cells)}
        detail = f"{share:.1%} of {len(cells)} cells of existing regions are confidential/missing"
    elif spec.name == "columns_match_contract":
        contract = list(_contract())
        missing = [c for c in contract if c not in frame.columns]
        extra = [c for c in frame.columns if c not in contract]
        observed = {"missing": missing, "unexpected": extra, "observed": list(frame.columns)}
        detail = f"missing columns {missing}, unexpected columns {extra}"
    elif "observed_value" in result:
        detail = f"observed {result['observed_value']!r}"
    elif unexpected is not None:
        detail = f"{unexpected} of {elements} rows"
    if spec.name == "no_year_gap" and details and not success:
        detail += (
            " (missing years: "
            + "; ".join(
                f"{frame.iloc[r]['region_code']} {frame.iloc[r]['series']}: {details[r]['missing_years']}"
                for r in rows[:MESSAGE_ROWS]
                if r in details
            )
            + ")"
        )
    return ExpectationOutcome(
        name=spec.name,
        severity=spec.severity,
        success=success,
        observed=observed,
        failing_rows=sample if not success else [],
        message=_message(dataset_id, spec, success, detail if not success else "", sample),
        description=spec.description,
        engine="gx",
        expectation_type=res.expectation_config.type,
        unexpected_count=unexpected,
        element_count=elements,
    )


def _custom(
    dataset_id: str,
    spec: CheckSpec,
    success: bool,
    observed: Any,
    detail: str,
    rows: list[dict] | None = None,
) -> ExpectationOutcome:
    rows = rows or []
    return ExpectationOutcome(
        name=spec.name,
        severity=spec.severity,
        success=success,
        observed=observed,
        failing_rows=[] if success else rows[:SAMPLE_ROWS],
        message=_message(dataset_id, spec, success, "" if success else detail, rows),
        description=spec.description,
        engine="custom",
        expectation_type=None,
        unexpected_count=None if success else len(rows),
    )


def _check_dtypes(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    wrong = {}
    for column, dtype in _contract().items():
        if column in frame.columns and str(frame[column].dtype) != dtype:
            wrong[column] = {"expected": dtype, "observed": str(frame[column].dtype)}
    return wrong


def _coerce(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Contract columns cast to contract dtypes, or None if a cast fails."""
    try:
        out = frame[list(_contract())].copy()
        for column, dtype in _contract().items():
            out[column] = out[column].astype(dtype)
        return out.reset_index(drop=True)
    except (TypeError, ValueError):
        return None


def validate(dataset_id: str, frame: pd.DataFrame, previous: pd.DataFrame | None = None) -> ValidationReport:
    """Run the dataset's ingestion-boundary suite on a parsed long frame.

    ``frame`` holds the columns of ``ingestion.schema.OBSERVATION_COLUMNS``; ``previous`` is the
    previous release of the same dataset (parsed the same way), which enables the checks against
    it (years dropped, values that jumped by a unit factor, large revisions).
    """
    from expectations import gx_runtime

    t0 = time.perf_counter()
    rules = rules_for(dataset_id)
    known, known_source = known_region_codes()
    warm = gx_runtime.runtime.cache_info().currsize == 0
    timings: dict[str, float] = {}
    if warm:
        t = time.perf_counter()
        gx_runtime.runtime()
        timings["gx_startup_s"] = time.perf_counter() - t

    results: list[ExpectationOutcome] = []
    skipped: list[dict[str, str]] = []
    release_ids = frame["release_id"].dropna().unique() if "release_id" in frame.columns else []
    release_id = str(release_ids[0]) if len(release_ids) == 1 else None

    # ---- 1. structure, on the frame as given ----------------------------------------------------
    t = time.perf_counter()
    columns_spec, dtypes_spec = structure_specs()
    raw = frame.reset_index(drop=True)
    suite = gx_runtime.cached_suite(gx_runtime.STRUCTURE, False, known)
    gx_results = gx_runtime.run_suite(suite, raw, [])
    results.append(_outcome_from_gx(dataset_id, columns_spec, gx_results[columns_spec.name], None, raw))
    wrong = _check_dtypes(raw)
    results.append(
        _custom(
            dataset_id,
            dtypes_spec,
            not wrong,
            wrong or {c: t for c, t in _contract().items() if c in raw.columns},
            f"wrong dtypes {wrong}",
        )
    )
    timings["structure_s"] = time.perf_counter() - t

    specs = [s for s in frame_specs(rules) if previous is not None or not s.needs_previous]
    missing_columns = [c for c in _contract() if c not in raw.columns]
    conformed = None if missing_columns else _coerce(raw)
    if conformed is None:
        reason = (
            f"contract columns missing: {missing_columns}"
            if missing_columns
            else "columns cannot be cast to the contract dtypes"
        )
        skipped = [{"name": s.name, "severity": s.severity, "reason": reason} for s in specs]
    else:
        prev_conformed = None
        if previous is not None:
            prev_conformed = _coerce(previous.reset_index(drop=True))
            if prev_conformed is None:
                raise ValueError(f"[{dataset_id}] the previous release does not fit the contract")
        # ---- 2. helper columns --------------------------------------------------------------
        t = time.perf_counter()
        derived = derive(conformed, rules, known, prev_conformed)
        timings["derive_s"] = time.perf_counter() - t
        # ---- 3. the dataset's GX suite ------------------------------------------------------
        t = time.perf_counter()
        suite = gx_runtime.cached_suite(dataset_id, previous is not None, known)
        by_name = gx_runtime.run_suite(suite, derived.frame, [ROW])
        timings["gx_validate_s"] = time.perf_counter() - t
        for spec in specs:
            if spec.gx_type is not None:
                results.append(_outcome_from_gx(dataset_id, spec, by_name[spec.name], derived, derived.frame))
            elif spec.name in COVERAGE_CHECKS:
                assert prev_conformed is not None
                key, what, describe = COVERAGE_CHECKS[spec.name]
                examples, count = missing_vs_previous(conformed, prev_conformed, key)
                rows = [
                    {
                        **{c: ex[c] for c in SAMPLE_BASE},
                        "location": f"previous release {ex['release_id']}: {ex['location']}",
                    }
                    for ex in examples
                ]
                results.append(
                    _custom(
                        dataset_id,
                        spec,
                        count == 0,
                        {f"missing_{what}": count},
                        f"{count} {describe} published in the previous release are absent: "
                        + ", ".join(_describe_key(ex, key) for ex in examples[:10]),
                        rows,
                    )
                )
    timings["total_s"] = time.perf_counter() - t0
    return ValidationReport(
        dataset_id=dataset_id,
        release_id=release_id,
        row_count=len(frame),
        results=results,
        skipped=skipped,
        timings=timings,
        known_regions_source=known_source,
        compared_with_previous=previous is not None,
    )


__all__ = ["validate"]

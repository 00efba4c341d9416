"""Ingestion-boundary data quality: one Great Expectations suite per catalog dataset.

A plain library (no Dagster, no dbt): the orchestration layer calls :func:`validate` inside asset
checks, tests call it directly.

    report = validate("population", frame, previous=previous_frame_or_None)
    report.passed_blocking      # False -> do not load this release
    report.results              # ExpectationOutcome per check (name, severity, success, ...)
    report.to_metadata()        # JSON-serialisable dict for AssetCheckResult(metadata=...)
    report.summary()            # one line

The suites are built from the declarative rules each dataset's catalog entry declares
(``Dataset.expectations``, in the vocabulary of :mod:`expectations.config`: ranges per series
and unit, geography windows per dataset, year-over-year bounds, documented missing years,
missing-share threshold); :func:`plan` lists a dataset's checks with their severities without
running anything. Great Expectations is imported lazily, on the first validation (it takes ~10-15 s
to import); :func:`warm_up` does it on demand.
"""

from __future__ import annotations

from expectations.config import DatasetRules, GeoWindow, RangeRule, all_rules, known_region_codes, rules_for
from expectations.gx_runtime import warm_up
from expectations.report import ExpectationOutcome, ValidationReport
from expectations.suites import BLOCKING, WARNING, CheckSpec, plan
from expectations.validate import validate

__all__ = [
    "BLOCKING",
    "WARNING",
    "CheckSpec",
    "DatasetRules",
    "ExpectationOutcome",
    "GeoWindow",
    "RangeRule",
    "ValidationReport",
    "all_rules",
    "known_region_codes",
    "plan",
    "rules_for",
    "validate",
    "warm_up",
]

"""The suite of each dataset, as a list of named checks built from its :class:`DatasetRules`.

A :class:`CheckSpec` is plain data (name, severity, which GX expectation with which arguments, or a
custom check) so that the plan of a dataset can be listed, documented and tested without importing
Great Expectations; :func:`build_gx_suite` turns the GX ones into an ``ExpectationSuite``.

Names are stable identifiers (Dagster metadata and tests refer to them). The range checks cover
every range rule of the dataset at once; a failing row names its rule (``range_rule``, e.g.
``*_rural[persons]``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Literal

from expectations.config import DatasetRules, rules_for
from expectations.derive import IDENTIFYING_COLUMNS

Severity = Literal["blocking", "warning"]
BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class CheckSpec:
    """One named check of a suite.

    ``gx_type`` is a class name in ``great_expectations.expectations`` (``None`` for a check done
    in plain pandas, ``engine == "custom"``). ``sample_columns`` are helper columns worth showing
    in failing-row samples.
    """

    name: str
    severity: Severity
    description: str
    gx_type: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    sample_columns: tuple[str, ...] = ()
    needs_previous: bool = False

    @property
    def engine(self) -> str:
        return "gx" if self.gx_type else "custom"


def structure_specs() -> list[CheckSpec]:
    """Checks on the raw frame, before anything else (they decide whether the rest can run)."""
    from ingestion.schema import OBSERVATION_COLUMNS

    return [
        CheckSpec(
            "columns_match_contract",
            BLOCKING,
            "exactly the columns of ingestion.schema.OBSERVATION_COLUMNS (a renamed or missing "
            "header fails here)",
            gx_type="ExpectTableColumnsToMatchSet",
            kwargs={"column_set": list(OBSERVATION_COLUMNS), "exact_match": True},
        ),
        CheckSpec(
            "columns_typed",
            BLOCKING,
            "every contract column has the contract's pandas dtype (string / Int64 / Float64)",
        ),
    ]


def plan(dataset_id: str, *, with_previous: bool = False) -> list[CheckSpec]:
    """Every check of the dataset's suite, in the order they are reported."""
    rules = rules_for(dataset_id)
    specs = structure_specs() + frame_specs(rules)
    if not with_previous:
        specs = [s for s in specs if not s.needs_previous]
    return specs


def frame_specs(rules: DatasetRules) -> list[CheckSpec]:
    """The checks that run on the frame with its helper columns (see :mod:`expectations.derive`)."""
    specs: list[CheckSpec] = [
        CheckSpec(
            "frame_not_empty",
            BLOCKING,
            "the release parsed to at least one row",
            gx_type="ExpectTableRowCountToBeBetween",
            kwargs={"min_value": 1},
        ),
        CheckSpec(
            "values_published",
            BLOCKING,
            "at least half of the cells carry a number (a parser reading the wrong block, or a "
            "release of blanks, fails here; real releases have at most ~21% blank cells)",
            gx_type="ExpectColumnValuesToNotBeNull",
            kwargs={"column": "value", "mostly": 0.5},
        ),
        CheckSpec(
            "dataset_id_matches",
            BLOCKING,
            f"every row belongs to dataset {rules.dataset_id!r}",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "dataset_id", "value_set": [rules.dataset_id]},
        ),
        CheckSpec(
            "single_release",
            BLOCKING,
            "all rows come from one release (one release_id)",
            gx_type="ExpectColumnUniqueValueCountToBeBetween",
            kwargs={"column": "release_id", "min_value": 1, "max_value": 1},
        ),
    ]
    specs += [
        CheckSpec(
            "identifying_columns_not_null",
            BLOCKING,
            f"none of {list(IDENTIFYING_COLUMNS)} is null (the failing row names the null ones)",
            gx_type="ExpectColumnValuesToBeNull",
            kwargs={"column": "_null_identifiers"},
            sample_columns=("_null_identifiers",),
        ),
        CheckSpec(
            "region_code_not_null",
            BLOCKING,
            "every row has a resolved region code",
            gx_type="ExpectColumnValuesToNotBeNull",
            kwargs={"column": "region_code"},
        ),
        CheckSpec(
            "region_code_known",
            BLOCKING,
            "every region code is in the known set (regions.csv seed, or the built-in list)",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "region_code", "value_set": None},  # filled at run time
        ),
        CheckSpec(
            "one_value_per_region_period",
            BLOCKING,
            "one row per (series, region_code, period): year, period_type, months and quarter "
            "together, so that two labels of the same period also count as a duplicate",
            gx_type="ExpectCompoundColumnsToBeUnique",
            kwargs={"column_list": ["series", "region_code", "_period_key"]},
        ),
        CheckSpec(
            "period_fields_valid",
            BLOCKING,
            "period_type is annual (12 months, no quarter), quarter (3 months, quarter 1-4) or "
            "cumulative (1-11 months from January)",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "_period_consistent", "value_set": [True]},
        ),
        CheckSpec(
            "year_plausible",
            BLOCKING,
            "year between 1990 and 2100",
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "year", "min_value": 1990, "max_value": 2100},
        ),
        CheckSpec(
            "value_flag_valid",
            BLOCKING,
            "a number has no flag; a missing value is flagged 'confidential' or 'not_available'",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "_flag_consistent", "value_set": [True]},
        ),
        CheckSpec(
            "unit_expected",
            BLOCKING,
            f"unit is one of {sorted(rules.units)} (another unit string is a unit change)",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "unit", "value_set": sorted(rules.units)},
        ),
    ]
    if rules.series is not None:
        specs.append(
            CheckSpec(
                "series_expected",
                WARNING,
                f"series is one of {sorted(rules.series)}",
                gx_type="ExpectColumnValuesToBeInSet",
                kwargs={"column": "series", "value_set": sorted(rules.series)},
            )
        )
    rule_text = "; ".join(f"{r.label} [{r.min}, {r.max}]" for r in rules.ranges)
    slack = rules.magnitude_slack
    specs += [
        CheckSpec(
            "value_scale",
            BLOCKING,
            f"for each range rule, at least {rules.scale_mostly:.0%} of its values are inside the "
            f"plausible range ({rule_text}); a whole release in another unit (x1000) fails here",
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "_rule_in_range_share", "min_value": rules.scale_mostly},
            sample_columns=("_range_rule", "_rule_in_range_share"),
        ),
        CheckSpec(
            "value_magnitude",
            BLOCKING,
            f"no value more than {slack:g}x outside its plausible range (a unit error, not an "
            "outlier); negative values where the minimum is 0",
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "_range_excess", "max_value": slack},
            sample_columns=("_range_rule", "_range_excess"),
        ),
        CheckSpec(
            "value_range",
            WARNING,
            f"every value inside its plausible range: {rule_text}",
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "_range_excess", "max_value": 1.0},
            sample_columns=("_range_rule", "_range_excess"),
        ),
    ]
    j = rules.unit_jump_factor
    specs += [
        CheckSpec(
            "yoy_no_unit_jump",
            BLOCKING,
            f"value / same region-series value of the previous year within [1/{j:g}, {j:g}] "
            "(a year published x1000 or /1000 fails here)",
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "_yoy_ratio", "min_value": 1 / j, "max_value": j},
            sample_columns=("_yoy_ratio", "_yoy_previous_value"),
        ),
        CheckSpec(
            "no_year_gap",
            BLOCKING,
            f"no year missing inside a {'/'.join(rules.gap_period_types)} region-series "
            + (
                f"(documented absent years {sorted(rules.known_missing_years)} excepted)"
                if rules.known_missing_years
                else "(contiguous years)"
            ),
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "_years_missing_before", "max_value": 0},
            sample_columns=("_years_missing_before",),
        ),
        CheckSpec(
            "yoy_within_bounds",
            WARNING,
            f"year-over-year ratio within [1/f, f], f = {rules.yoy_max_factor:g}"
            + (
                " (per-rule overrides: "
                + ", ".join(f"{r.label} {r.yoy_max_factor:g}" for r in rules.ranges if r.yoy_max_factor)
                + ")"
                if any(r.yoy_max_factor for r in rules.ranges)
                else ""
            )
            + "; not across boundary changes or unit breaks",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "_yoy_in_bounds", "value_set": [True]},
            sample_columns=("_yoy_ratio", "_yoy_previous_value"),
        ),
        CheckSpec(
            "region_coverage",
            WARNING,
            "the regions of each series-year form a known geography: "
            + "; ".join(w.describe() for w in rules.geographies)
            + ("; national row present" if rules.national else ""),
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "_coverage_ok", "value_set": [True]},
        ),
        CheckSpec(
            "missing_share",
            WARNING,
            f"at most {rules.max_missing_share:.0%} of the cells of existing regions are "
            "confidential or missing",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={
                "column": "_cell_missing",
                "value_set": [False],
                "mostly": 1 - rules.max_missing_share,
            },
        ),
        CheckSpec(
            "revision_no_unit_jump",
            BLOCKING,
            f"value / same cell in the previous release within [1/{j:g}, {j:g}]",
            gx_type="ExpectColumnValuesToBeBetween",
            kwargs={"column": "_revision_ratio", "min_value": 1 / j, "max_value": j},
            sample_columns=("_revision_ratio", "_previous_release_value"),
            needs_previous=True,
        ),
        CheckSpec(
            "years_cover_previous_release",
            BLOCKING,
            "every (series, year, period) published in the previous release is still there",
            needs_previous=True,
        ),
        CheckSpec(
            "regions_cover_previous_release",
            BLOCKING,
            "every (series, region) published in the previous release is still there (a damaged file "
            "that stops early loses its last regions)",
            needs_previous=True,
        ),
        CheckSpec(
            "revisions_within_bounds",
            WARNING,
            f"value / same cell in the previous release within [1/{rules.revision_max_factor:g}, "
            f"{rules.revision_max_factor:g}]",
            gx_type="ExpectColumnValuesToBeInSet",
            kwargs={"column": "_revision_in_bounds", "value_set": [True]},
            sample_columns=("_revision_ratio", "_previous_release_value"),
            needs_previous=True,
        ),
    ]
    return specs


def _make_expectation(cls: Any, kwargs: dict[str, Any], meta: dict[str, Any]) -> Any:
    return cls(**kwargs, meta=dict(meta))


def gx_factories(specs: list[CheckSpec], known_codes: frozenset[str]) -> dict[str, Any]:
    """Spec name -> zero-argument function making its GX expectation (``meta.check`` = the name)."""
    import great_expectations.expectations as gxe

    factories: dict[str, Any] = {}
    for spec in specs:
        if spec.gx_type is None:
            continue
        kwargs = dict(spec.kwargs)
        if spec.name == "region_code_known":
            kwargs["value_set"] = sorted(known_codes)
        meta = {"check": spec.name, "severity": spec.severity}

        factories[spec.name] = functools.partial(_make_expectation, getattr(gxe, spec.gx_type), kwargs, meta)
    return factories


def build_gx_suite(name: str, factories: dict[str, Any], names: list[str] | None = None):
    """An ``ExpectationSuite`` (not saved in any context) of the named expectations (all if None)."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name)
    for check in names if names is not None else list(factories):
        suite.add_expectation(factories[check]())
    return suite

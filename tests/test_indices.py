"""Development Trap Index and Regional Competitiveness and Cohesion Index (dbt models/marts/indices).

Two kinds of tests:

* Fixture tests build only the index models (``models/intermediate/indices``, ``models/marts/indices``)
  of the real project with dbt on hand-made tables (``tests/fixtures/indices/*.csv``: five invented
  regions, 2010-2015, a boundary change, a missing employment year, a missing volume index, a skewed
  indicator), which stand in for the facts (``tests/support/dbt_build.py``). Every step is
  pinned twice: by literal hand calculations on chosen cells (the formulas are written out, a calculator
  suffices) and by an independent Python re-implementation of METHODS.md sections 1-2 compared on every
  cell. The numbers are invented for the test; they are not Kazakhstan data.
* Real-data tests read the warehouse the whole project built from the snapshot (``built_warehouse``).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt_build import build_on_tables

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "indices"

# Small windows so that five regions over six years exercise every branch.
H, L, MIN_OWN, MIN_DIMS, M, MIN_YEARS = 1, 2, 2, 2, 3, 2
AT_RISK_SHARE, AT_RISK_MIN_COMPARISONS, AT_RISK_PERSISTENCE = 2 / 3, 2, 0.6
Z_CLIP, SKEW_THRESHOLD, MIN_SHARE, LAMBDA = 1.5, 1.0, 0.5, 0.5
#: The index models: built by the shared helper on the fixture facts, which stand in for marts.fct_*.
INDEX_MODELS = "path:models/intermediate/indices path:models/marts/indices"
FIXTURE_VARS = {
    "dti_growth_window_years": H,
    "dti_own_past_window_years": L,
    "dti_own_past_min_years": MIN_OWN,
    "dti_intensity_window_years": M,
    "dti_intensity_min_years": MIN_YEARS,
    "rcci_z_clip": Z_CLIP,
}
STAGES = [
    (None, 50, 0.35, 0.50),
    (50, 75, 0.30, 0.50),
    (75, 90, 0.25, 0.50),
    (90, 110, 0.20, 0.50),
    (110, None, 0.15, 0.50),
]
TOL = 1e-9
ln = math.log


# --------------------------------------------------------------------------------------------------
# Building the index models on the fixture tables
# --------------------------------------------------------------------------------------------------


def _read_csv(name: str) -> list[dict]:
    def cast(value: str):
        if value == "":
            return None
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number

    with (FIXTURES / name).open(newline="", encoding="utf-8") as handle:
        return [{k: cast(v) for k, v in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index models of the real project built on the fixture facts (tests/support/dbt_build.py)."""
    tables = {
        f"marts.{table}": FIXTURES / f"{table}.csv"
        for table in ("fct_region_year", "fct_region_year_comparable", "fct_national_year")
    }
    build = build_on_tables(tmp_path_factory.mktemp("indices"), tables, INDEX_MODELS, FIXTURE_VARS)
    return build.database


def _rows(database: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def dti(fixture_db: Path) -> dict:
    rows = _rows(fixture_db, "select * from marts.mart_development_trap")
    return {(r["geography"], r["region_code"], r["year"]): r for r in rows}


@pytest.fixture(scope="module")
def rcci(fixture_db: Path) -> dict:
    rows = _rows(fixture_db, "select * from marts.mart_competitiveness_cohesion")
    return {(r["year"], r["region_code"]): r for r in rows}


def close(actual, expected, tol: float = TOL) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return abs(float(actual) - float(expected)) <= tol * max(1.0, abs(float(expected)))


# --------------------------------------------------------------------------------------------------
# Independent re-implementation (Python) of the DTI, METHODS.md section 1
# --------------------------------------------------------------------------------------------------


def _dti_levels(rows: list[dict], national: dict[int, dict], is_national: bool) -> dict[int, dict]:
    """Chain the volume index (deflator fallback), segment on boundary changes, log levels."""
    out: dict[int, dict] = {}
    previous = None
    chain_segment = territory_segment = 0
    ln_index = 0.0
    for row in sorted(rows, key=lambda r: r["year"]):
        year = row["year"]
        continues = (
            previous is not None
            and previous["year"] == year - 1
            and previous["territory_key"] == row["territory_key"]
        )
        link = method = None
        if continues:
            vi = row["grp_real_growth_pct"]
            nat_now, nat_before = national.get(year, {}), national.get(year - 1, {})
            if vi is not None and vi > -100:
                link, method = ln(1 + vi / 100), "volume_index"
            elif (
                not is_national
                and (row["grp_mln_kzt"] or 0) > 0
                and (previous["grp_mln_kzt"] or 0) > 0
                and (nat_now.get("grp_mln_kzt") or 0) > 0
                and (nat_before.get("grp_mln_kzt") or 0) > 0
                and nat_now.get("grp_real_growth_pct") is not None
            ):
                deflator = ln(nat_now["grp_mln_kzt"] / nat_before["grp_mln_kzt"]) - ln(
                    1 + nat_now["grp_real_growth_pct"] / 100
                )
                link, method = ln(row["grp_mln_kzt"] / previous["grp_mln_kzt"]) - deflator, "deflated"
        if not continues:
            territory_segment += 1
        if link is None:
            chain_segment += 1
            ln_index = 0.0
        else:
            ln_index += link
        pop, emp = row["population_avg"], row["employed_thousand"]
        out[year] = {
            **row,
            "chain": chain_segment,
            "territory": territory_segment,
            "method": method,
            "ln_y": ln_index - ln(pop) if pop else None,
            "ln_p": ln_index - ln(emp * 1000) if emp else None,
            "ln_e": ln(emp * 1000) - ln(pop) if emp and pop else None,
        }
        previous = row
    return out


def _dti_growth(levels: dict[int, dict]) -> dict[int, dict]:
    def diff(a, b, key, segment, span):
        if a is None or b is None or a[segment] != b[segment] or a[key] is None or b[key] is None:
            return None
        return (a[key] - b[key]) / span

    out = {}
    for year, cur in levels.items():
        win, prev = levels.get(year - H), levels.get(year - 1)
        out[year] = {
            "g_y": diff(cur, win, "ln_y", "chain", H),
            "g_p": diff(cur, win, "ln_p", "chain", H),
            "g_e": diff(cur, win, "ln_e", "territory", H),
            "g1_y": diff(cur, prev, "ln_y", "chain", 1),
            "g1_p": diff(cur, prev, "ln_p", "chain", 1),
            "g1_e": diff(cur, prev, "ln_e", "territory", 1),
        }
    for year, cur in levels.items():
        for k in "ype":
            window = [
                out[s][f"g1_{k}"]
                for s in range(year - H - L + 1, year - H + 1)
                if s in levels
                and levels[s]["territory"] == cur["territory"]
                and out[s][f"g1_{k}"] is not None
            ]
            out[year][f"own_{k}"] = sum(window) / len(window) if len(window) >= MIN_OWN else None
    return out


def _flag(n_under: int, n_dims: int):
    if n_under >= MIN_DIMS:
        return 1
    if n_under + (3 - n_dims) < MIN_DIMS:
        return 0
    return None


def dti_oracle() -> dict:
    national_rows = _read_csv("fct_national_year.csv")
    national = {r["year"]: r for r in national_rows}
    nat_levels = _dti_levels([{**r, "territory_key": "KZ"} for r in national_rows], national, True)
    nat_growth = _dti_growth(nat_levels)
    geographies = {
        "as_published": [{**r, "unit": r["region_code"]} for r in _read_csv("fct_region_year.csv")],
        "comparable": [
            {**r, "unit": r["comparable_region_code"]} for r in _read_csv("fct_region_year_comparable.csv")
        ],
    }
    result = {}
    for geography, rows in geographies.items():
        by_unit = defaultdict(list)
        for r in rows:
            by_unit[r["unit"]].append(r)
        for unit, unit_rows in by_unit.items():
            levels = _dti_levels(unit_rows, national, False)
            growth = _dti_growth(levels)
            for year, g in growth.items():
                rec = {"territory_key": levels[year]["territory_key"], **g}
                under = {}
                gaps = []
                for k in "ype":
                    for bench, value in (("own", g[f"own_{k}"]), ("national", nat_growth[year][f"g_{k}"])):
                        rec[f"national_g_{k}"] = nat_growth[year][f"g_{k}"]
                        mine = g[f"g_{k}"]
                        if mine is None or value is None:
                            under[(k, bench)] = None
                        else:
                            under[(k, bench)] = int(mine < value)
                            gaps.append(max(0.0, value - mine))
                        rec[f"d_{k}_{bench}"] = under[(k, bench)]
                scored = [v for v in under.values() if v is not None]
                rec["n_comparisons"] = len(scored)
                rec["dt_share"] = sum(scored) / len(scored) if scored else None
                rec["dt_gap"] = sum(gaps) / len(gaps) if gaps else None
                own = [under[(k, "own")] for k in "ype" if under[(k, "own")] is not None]
                nat = [under[(k, "national")] for k in "ype" if under[(k, "national")] is not None]
                rec["dt1"] = _flag(sum(own), len(own))
                rec["dt_national_flag"] = _flag(sum(nat), len(nat))
                if rec["dt1"] == 0 or rec["dt_national_flag"] == 0:
                    rec["dt2"] = 0
                elif rec["dt1"] == 1 and rec["dt_national_flag"] == 1:
                    rec["dt2"] = 1
                else:
                    rec["dt2"] = None
                result[(geography, unit, year)] = rec
    # rolling persistence of dt2 and the at-risk flag (same region and territory, years t-M+1 .. t)
    for (geography, unit, year), rec in result.items():
        window = [
            result[(geography, unit, s)]
            for s in range(year - M + 1, year + 1)
            if (geography, unit, s) in result
            and result[(geography, unit, s)]["territory_key"] == rec["territory_key"]
        ]
        flags = [w["dt2"] for w in window if w["dt2"] is not None]
        rec["dti_persist"] = sum(flags) / len(flags) if len(flags) >= MIN_YEARS else None
        share_ok = rec["dt_share"] is not None and rec["n_comparisons"] >= AT_RISK_MIN_COMPARISONS
        if (share_ok and rec["dt_share"] >= AT_RISK_SHARE - 1e-9) or (
            rec["dti_persist"] is not None and rec["dti_persist"] >= AT_RISK_PERSISTENCE - 1e-9
        ):
            rec["at_risk"] = 1
        elif not share_ok and rec["dti_persist"] is None:
            rec["at_risk"] = None
        else:
            rec["at_risk"] = 0
    # the mart keeps the years where at least one region of the geography has a comparison
    scored_years = {(g, y) for (g, _, y), r in result.items() if r["n_comparisons"] > 0}
    return {key: rec for key, rec in result.items() if (key[0], key[2]) in scored_years}


# --------------------------------------------------------------------------------------------------
# DTI: hand-checked cells (formulas written out; fixture values in tests/fixtures/indices)
# --------------------------------------------------------------------------------------------------


def test_dti_growth_hand_checked(dti):
    a11, a12, a13 = (dti[("as_published", "KZ-A", y)] for y in (2011, 2012, 2013))
    # Alpha 2011: volume index 110, population and employment unchanged (1,000,000 / 500 thousand)
    assert close(a11["g_y"], ln(1.10))
    assert close(a11["g_p"], ln(1.10))
    assert close(a11["g_e"], 0.0)
    # Alpha 2012: volume index 105, population 1,010,000, employed 505 thousand (rate unchanged at 0.5)
    assert close(a12["g_y"], ln(1.05) - ln(1_010_000 / 1_000_000))
    assert close(a12["g_p"], ln(1.05) - ln(505 / 500))
    assert close(a12["g_e"], 0.0)
    # Alpha 2013: volume index 100, population 1,020,000, employed 500
    assert close(a13["g_y"], -ln(1_020_000 / 1_010_000))
    assert close(a13["g_e"], ln(500 / 1_020_000) - ln(505 / 1_010_000))
    assert a13["real_growth_method"] == "volume_index"


def test_dti_identity_growth_per_capita_is_productivity_plus_employment_rate(dti):
    checked = 0
    for row in dti.values():
        if None not in (row["g_y"], row["g_p"], row["g_e"]):
            assert abs(row["g_y"] - row["g_p"] - row["g_e"]) < 1e-12
            assert abs(row["identity_residual"]) < 1e-12
            checked += 1
    assert checked >= 20


def test_dti_deflator_fallback_where_volume_index_missing(dti):
    # Alpha 2014 has no volume index: nominal growth 1,430,000 / 1,300,000 minus the national implicit
    # GRP deflator growth (national nominal 7,110,000 / 6,540,000, national volume index 104).
    a14 = dti[("as_published", "KZ-A", 2014)]
    real = ln(1_430_000 / 1_300_000) - (ln(7_110_000 / 6_540_000) - ln(1.04))
    assert a14["real_growth_method"] == "nominal_deflated_by_national_grp_deflator"
    assert close(a14["g_y"], real - ln(1_020_000 / 1_020_000))
    assert close(a14["g_p"], real - ln(510 / 500))
    assert "deflator" in a14["score_note"]


def test_dti_own_past_benchmark(dti):
    # L = 2: own past of 2013 = mean of the annual growth of 2011 and 2012
    a13 = dti[("as_published", "KZ-A", 2013)]
    assert close(a13["own_y"], (ln(1.10) + ln(1.05) - ln(1.01)) / 2)
    assert close(a13["own_e"], 0.0)
    assert a13["own_y_years"] == 2
    # 2012: only one annual rate (2011) in the window 2010-2011, fewer than dti_own_past_min_years = 2
    a12 = dti[("as_published", "KZ-A", 2012)]
    assert a12["own_y"] is None and a12["own_y_years"] == 1
    assert "own-past benchmark needs 2 annual growth rates in 2010-2011" in a12["score_note"]


def test_dti_national_benchmark_is_total_over_total_not_mean_of_regions(dti):
    # national row 2012: volume index 103, population 2,744,000 (2011: 2,717,000), employed 1,322 (1,306)
    a12 = dti[("as_published", "KZ-A", 2012)]
    assert close(a12["national_g_y"], ln(1.03) - ln(2_744_000 / 2_717_000))
    assert close(a12["national_g_p"], ln(1.03) - ln(1_322 / 1_306))
    assert close(a12["national_g_e"], ln(1_322 / 2_744_000) - ln(1_306 / 2_717_000))
    regional = [r["g_y"] for (g, _, y), r in dti.items() if g == "as_published" and y == 2012]
    assert abs(sum(regional) / len(regional) - a12["national_g_y"]) > 1e-3


def test_dti_dummies_share_gap_and_n_comparisons(dti):
    a13 = dti[("as_published", "KZ-A", 2013)]
    g_y, own_y = -ln(1_020_000 / 1_010_000), (ln(1.10) + ln(1.05) - ln(1.01)) / 2
    nat_y = ln(1.015) - ln(2_771_000 / 2_744_000)
    assert a13["d_y_own"] == int(g_y < own_y) == 1
    assert a13["d_y_national"] == int(g_y < nat_y) == 1
    assert a13["n_comparisons"] == 6 and a13["dimensions_used"] == "Y,P,E"
    dummies = [a13[f"d_{k}_{b}"] for k in "ype" for b in ("own", "national")]
    assert close(a13["dt_share"], sum(dummies) / 6)
    assert a13["n_underperforming"] == sum(dummies)
    gaps = [
        max(0.0, bench - a13[f"g_{k}"]) for k in "ype" for bench in (a13[f"own_{k}"], a13[f"national_g_{k}"])
    ]
    assert close(a13["dt_gap"], sum(gaps) / 6)


def test_dti_missing_employment_uses_the_dimensions_it_has(dti):
    # Beta has no LFS employment in 2013: only the two per-capita comparisons are made
    b13 = dti[("as_published", "KZ-B", 2013)]
    assert b13["g_p"] is None and b13["g_e"] is None and b13["g_y"] is not None
    assert b13["n_comparisons"] == 2 and b13["dimensions_used"] == "Y"
    assert close(b13["dt_share"], (b13["d_y_own"] + b13["d_y_national"]) / 2)
    assert b13["dt1"] is None  # 1 of 3 dimensions: the missing two decide
    assert "no LFS employment in 2013 or 2012" in b13["score_note"]
    # 2014: employment growth needs 2013 as well
    b14 = dti[("as_published", "KZ-B", 2014)]
    assert b14["g_e"] is None and b14["dimensions_used"] == "Y"


def test_dti_window_never_crosses_a_boundary_change(dti):
    # Gamma is 'C+D' to 2012 and 'C' from 2013: as published, no growth in 2013 and the series restarts
    c13 = dti[("as_published", "KZ-C", 2013)]
    assert c13["n_comparisons"] == 0 and c13["dt_share"] is None
    assert "territory series starts in 2013" in c13["score_note"]
    c14 = dti[("as_published", "KZ-C", 2014)]
    assert close(c14["g_y"], ln(1.05) - ln(605_000 / 600_000))
    assert c14["own_y"] is None  # own-past window 2013-2014 holds one rate of the new territory only
    # on the comparable geography the stable unit C+D keeps its window through 2013
    cd13 = dti[("comparable", "KZ-CD", 2013)]
    assert close(cd13["g_y"], ln(1.025) - ln((600_000 + 330_000) / 920_000))
    assert cd13["own_y"] is not None


def test_dti_nested_flags_three_valued(dti):
    seen = set()
    for row in dti.values():
        if row["dt2"] == 1:
            assert row["dt1"] == 1 and row["dt_national_flag"] == 1
        if row["dt1"] is not None:
            n_under, n_dims = row["n_under_own"], row["n_dims_own"]
            assert row["dt1"] == (1 if n_under >= MIN_DIMS else 0)
            assert n_under >= MIN_DIMS or n_under + 3 - n_dims < MIN_DIMS
            seen.add(("dt1", row["dt1"]))
        if row["dt2"] is not None:
            seen.add(("dt2", row["dt2"]))
    assert {("dt1", 0), ("dt1", 1), ("dt2", 0), ("dt2", 1)} <= seen


def test_dti_rolling_persistence_and_at_risk(dti):
    e15 = dti[("as_published", "KZ-E", 2015)]
    flags = [dti[("as_published", "KZ-E", y)]["dt2"] for y in (2013, 2014, 2015)]
    flags = [f for f in flags if f is not None]
    assert e15["n_years_trap_scored"] == len(flags)
    assert close(e15["dti_persist"], sum(flags) / len(flags) if len(flags) >= MIN_YEARS else None)
    for row in dti.values():
        if row["n_comparisons"] >= AT_RISK_MIN_COMPARISONS and row["dt_share"] >= AT_RISK_SHARE - 1e-9:
            assert row["at_risk"] == 1 and "dt_share >=" in row["at_risk_basis"]
        if row["at_risk"] is None:
            assert "not evaluable" in row["at_risk_basis"]


def test_dti_every_cell_matches_the_python_reimplementation(dti):
    oracle = dti_oracle()
    assert set(oracle) == set(dti)
    columns = [
        "g_y", "g_p", "g_e", "own_y", "own_p", "own_e", "national_g_y", "national_g_p", "national_g_e",
        "d_y_own", "d_y_national", "d_p_own", "d_p_national", "d_e_own", "d_e_national", "n_comparisons",
        "dt_share", "dt_gap", "dt1", "dt_national_flag", "dt2", "dti_persist", "at_risk",
    ]  # fmt: skip
    for key, expected in oracle.items():
        for column in columns:
            assert close(dti[key][column], expected[column]), (
                key,
                column,
                dti[key][column],
                expected[column],
            )


def test_dti_no_unexplained_null(dti):
    for row in dti.values():
        if row["n_comparisons"] < 6:
            assert row["score_note"], row
        if row["at_risk"] is None:
            assert row["at_risk_basis"]


def test_dti_intensity_windows(fixture_db, dti):
    rows = _rows(
        fixture_db, "select * from marts.mart_development_trap_intensity where geography = 'as_published'"
    )
    by_key = {(r["region_code"], r["territory_key"], r["window_label"]): r for r in rows}
    window = by_key[("KZ-E", "E", f"last_{M}_years")]
    assert (window["window_start_year"], window["window_end_year"]) == (2013, 2015)
    years = [dti[("as_published", "KZ-E", y)] for y in (2013, 2014, 2015)]
    shares = [r["dt_share"] for r in years]
    assert close(window["dti_share"], sum(shares) / 3)
    assert close(window["dti_gap"], sum(r["dt_gap"] for r in years) / 3)
    dt2 = [r["dt2"] for r in years if r["dt2"] is not None]
    assert window["n_years_dt2_scored"] == len(dt2)
    assert close(window["dti_persist_dt2"], sum(dt2) / len(dt2) if len(dt2) >= MIN_YEARS else None)
    full = by_key[("KZ-E", "E", "full_period")]
    scored = [
        r for (g, c, y), r in dti.items() if g == "as_published" and c == "KZ-E" and r["n_comparisons"] > 0
    ]
    assert full["n_years_share_scored"] == len(scored)
    assert close(full["dti_share"], sum(r["dt_share"] for r in scored) / len(scored))
    # Gamma has one row set per territory
    assert ("KZ-C", "C+D", "full_period") in by_key and ("KZ-C", "C", "full_period") in by_key


# --------------------------------------------------------------------------------------------------
# Independent re-implementation (Python) of the RCCI, METHODS.md section 2
# --------------------------------------------------------------------------------------------------

INDICATORS = {  # id: (pillar, direction, always ln)
    "life_expectancy": ("health", 1, False),
    "physicians_per_10k": ("health", 1, False),
    "employment_rate": ("labour_market", 1, False),
    "grp_total": ("market_size", 1, True),
    "population_total": ("market_size", 1, True),
    "grp_to_income_ratio": ("cohesion", -1, False),
    "unemployment_rate": ("cohesion", -1, False),
}
PILLARS = {"health": 2, "labour_market": 1, "market_size": 2, "cohesion": 2}


def _indicator_value(row: dict, indicator: str):
    pop, emp, grp, inc = (
        row["population_avg"],
        row["employed_thousand"],
        row["grp_mln_kzt"],
        row["money_income_per_capita_kzt_month"],
    )
    return {
        "life_expectancy": row["life_expectancy_years"],
        "physicians_per_10k": row["physicians_per_10k"],
        "employment_rate": 100.0 * emp * 1000 / pop if emp is not None else None,
        "grp_total": grp,
        "population_total": pop,
        "grp_to_income_ratio": (grp * 1e6 / pop) / (12 * inc) if grp is not None and inc else None,
        "unemployment_rate": row["unemployment_rate_pct"],
    }[indicator]


def adjusted_skewness(values: list[float]):
    n = len(values)
    mean = sum(values) / n
    m2 = sum((v - mean) ** 2 for v in values) / n
    m3 = sum((v - mean) ** 3 for v in values) / n
    if n < 3 or m2 <= 0:
        return None
    return m3 / m2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)


def _stage(pct):
    if pct is None:
        return None
    for stage, (lower, upper, _, _) in enumerate(STAGES, start=1):
        if (lower is None or pct >= lower) and (upper is None or pct < upper):
            return stage
    return None


def rcci_oracle() -> dict:
    rows = [r for r in _read_csv("fct_region_year.csv") if r["population_avg"] is not None]
    years = sorted({r["year"] for r in rows})
    values = {(r["year"], r["region_code"], i): _indicator_value(r, i) for r in rows for i in INDICATORS}
    # skewness per year, transform decided per indicator over the panel
    transform = {}
    skew = {}
    for indicator, (_, _, always_ln) in INDICATORS.items():
        skews, minima = [], []
        for year in years:
            vals = [v for (y, _, i), v in values.items() if y == year and i == indicator and v is not None]
            if vals:
                skew[(year, indicator)] = adjusted_skewness(vals)
                if skew[(year, indicator)] is not None:
                    skews.append(abs(skew[(year, indicator)]) > SKEW_THRESHOLD)
                    minima.append(min(vals))
        panel_ln = bool(skews) and sum(skews) / len(skews) >= 0.5 and min(minima) > 0
        transform[indicator] = "ln" if always_ln or panel_ln else "none"
    z = {}
    for year in years:
        for indicator, (_, direction, _) in INDICATORS.items():
            cells = {
                code: (ln(v) if transform[indicator] == "ln" else v)
                for (y, code, i), v in values.items()
                if y == year and i == indicator and v is not None
            }
            if not cells:
                continue
            mean = sum(cells.values()) / len(cells)
            sd = math.sqrt(sum((v - mean) ** 2 for v in cells.values()) / len(cells))
            for code, v in cells.items():
                oriented = direction * (v - mean) / sd if sd > 0 else None
                z[(year, code, indicator)] = None if oriented is None else max(-Z_CLIP, min(Z_CLIP, oriented))
    out = {}
    for r in rows:
        year, code = r["year"], r["region_code"]
        rec = {"population_avg": r["population_avg"]}
        for indicator in INDICATORS:
            rec[f"{indicator}_z"] = z.get((year, code, indicator))
        for pillar, n_total in PILLARS.items():
            zs = [
                rec[f"{i}_z"]
                for i, (p, _, _) in INDICATORS.items()
                if p == pillar and rec[f"{i}_z"] is not None
            ]
            rec[f"{pillar}_pillar"] = sum(zs) / len(zs) if zs and len(zs) >= MIN_SHARE * n_total else None
        rec["basic_subindex"] = rec["health_pillar"]
        lm, ms = rec["labour_market_pillar"], rec["market_size_pillar"]
        rec["efficiency_subindex"] = (lm + ms) / 2 if lm is not None and ms is not None else None
        out[(year, code)] = rec
    for year in years:
        members = [
            (code, r)
            for code, r in ((c, r) for c, r in ((row["region_code"], row) for row in rows) if True)
            if r["year"] == year
        ]
        incomes = [
            (r["money_income_per_capita_kzt_month"], r["population_avg"])
            for _, r in members
            if r["money_income_per_capita_kzt_month"] is not None
        ]
        national = sum(i * p for i, p in incomes) / sum(p for _, p in incomes) if incomes else None
        for code, r in members:
            rec = out[(year, code)]
            income = r["money_income_per_capita_kzt_month"]
            rec["income_pct_of_national"] = (
                100.0 * income / national if income is not None and national else None
            )
            rec["development_stage"] = _stage(rec["income_pct_of_national"])
            basic, efficiency = rec["basic_subindex"], rec["efficiency_subindex"]
            if rec["development_stage"] is not None:
                _, _, w_b, w_e = STAGES[rec["development_stage"] - 1]
                rec["w_basic_used"], rec["w_efficiency_used"] = w_b / (w_b + w_e), w_e / (w_b + w_e)
            else:
                rec["w_basic_used"] = rec["w_efficiency_used"] = None
            rec["competitiveness_z"] = (
                rec["w_basic_used"] * basic + rec["w_efficiency_used"] * efficiency
                if None not in (rec["development_stage"], basic, efficiency)
                else None
            )
            rec["cohesion_z"] = rec["cohesion_pillar"]
            comp, coh = rec["competitiveness_z"], rec["cohesion_z"]
            rec["rcci_z"] = (
                (1 - LAMBDA) * comp + LAMBDA * coh if comp is not None and coh is not None else None
            )
    for score in ("competitiveness", "cohesion", "rcci"):
        pooled = [r[f"{score}_z"] for r in out.values() if r[f"{score}_z"] is not None]
        low, high = min(pooled), max(pooled)
        for year in years:
            members = [r for (y, _), r in out.items() if y == year and r[f"{score}_z"] is not None]
            s_nat = (
                sum(r["population_avg"] * (100 + 10 * r[f"{score}_z"]) for r in members)
                / sum(r["population_avg"] for r in members)
                if members
                else None
            )
            ordered = sorted((r[f"{score}_z"] for r in members), reverse=True)
            for (y, _), r in out.items():
                if y != year:
                    continue
                value = r[f"{score}_z"]
                r[f"{score}_0_100"] = None if value is None else 100.0 * (value - low) / (high - low)
                r[f"{score}_national_100"] = None if value is None else 100.0 * (100 + 10 * value) / s_nat
                r[f"{score}_rank"] = None if value is None else ordered.index(value) + 1
    return out, transform, skew


# --------------------------------------------------------------------------------------------------
# RCCI: hand-checked cells
# --------------------------------------------------------------------------------------------------


def test_rcci_zscore_orientation_and_clip_hand_checked(rcci):
    # Life expectancy 2014: 72, 70, 68, 66, 64 -> mean 68, stddev_pop sqrt(8); no skew, no transform
    assert close(rcci[(2014, "KZ-A")]["life_expectancy_z"], 4 / math.sqrt(8))
    assert close(rcci[(2014, "KZ-E")]["life_expectancy_z"], -4 / math.sqrt(8))
    # Unemployment 2014 (more is worse): 4, 5, 6, 7, 5 -> mean 5.4, sd sqrt(1.04); oriented x -1
    assert close(rcci[(2014, "KZ-A")]["unemployment_rate_z"], -(4 - 5.4) / math.sqrt(1.04))
    # Delta: -(7 - 5.4) / sqrt(1.04) = -1.569 is clipped to -1.5 (rcci_z_clip = 1.5 in this run)
    assert -(7 - 5.4) / math.sqrt(1.04) < -Z_CLIP
    assert close(rcci[(2014, "KZ-D")]["unemployment_rate_z"], -Z_CLIP)
    # Physicians 2014: 40, 30, 25, 20, 100 is skewed -> ln; Epsilon's z (1.83) is clipped to 1.5 (rcci_z_clip)
    logs = [ln(v) for v in (40, 30, 25, 20, 100)]
    mean = sum(logs) / 5
    sd = math.sqrt(sum((v - mean) ** 2 for v in logs) / 5)
    assert close(rcci[(2014, "KZ-A")]["physicians_per_10k_z"], (ln(40) - mean) / sd)
    assert (ln(100) - mean) / sd > Z_CLIP
    assert close(rcci[(2014, "KZ-E")]["physicians_per_10k_z"], Z_CLIP)


def test_rcci_skew_rule_and_coverage(fixture_db):
    rows = _rows(fixture_db, "select * from marts.mart_rcci_coverage")
    by_key = {(r["year"], r["pillar"], r["indicator_id"]): r for r in rows}
    phys, life = by_key[(2014, "health", "physicians_per_10k")], by_key[(2014, "health", "life_expectancy")]
    assert close(phys["skewness"], adjusted_skewness([40, 30, 25, 20, 100]))
    assert phys["skewness"] > SKEW_THRESHOLD and phys["transform_applied"] == "ln"
    assert close(life["skewness"], 0.0) and life["transform_applied"] == "none"
    assert by_key[(2014, "market_size", "grp_total")]["transform_applied"] == "ln"  # ln GRP by definition
    assert by_key[(2014, "health", "physicians_per_10k")]["n_z_clipped"] == 1
    # absent pillars are named with a reason in every year; macroeconomic stability is dropped
    for year in range(2010, 2016):
        absent = {r["pillar"] for r in rows if r["year"] == year and r["status"] == "absent"}
        assert absent == {"institutions", "higher_education_training", "technological_readiness"}
        assert by_key[(year, "macroeconomic_stability", None)]["status"] == "dropped"
    for r in rows:
        assert r["status"] == "used" or r["reason"]
    assert by_key[(2010, "health", "life_expectancy")]["status"] == "no_data_in_year"
    assert "2014-2015" in by_key[(2010, "health", "life_expectancy")]["reason"]
    poverty = by_key[(2014, "cohesion", "poverty_share")]
    assert poverty["status"] == "held_not_scored" and poverty["n_regions_with_value"] == 5


def test_rcci_pillars_subindices_stage_weights_hand_checked(rcci):
    a = rcci[(2014, "KZ-A")]
    assert close(a["health_pillar"], (a["life_expectancy_z"] + a["physicians_per_10k_z"]) / 2)
    assert close(a["market_size_pillar"], (a["grp_total_z"] + a["population_total_z"]) / 2)
    assert close(a["basic_subindex"], a["health_pillar"])
    assert close(a["efficiency_subindex"], (a["labour_market_pillar"] + a["market_size_pillar"]) / 2)
    # stage by household income as % of the population-weighted national income of 2014:
    # (100,000 x 1,020,000 + 80,000 x 520,000 + 60,000 x 605,000 + 40,000 x 335,000 + 220,000 x 308,000)
    # / 2,788,000 = 93,637.0 KZT -> Alpha 106.8 % (stage 4), Beta 85.4 (3), Gamma 64.1 (2), Delta 42.7 (1),
    # Epsilon 234.9 (5)
    national = (
        100_000 * 1_020_000 + 80_000 * 520_000 + 60_000 * 605_000 + 40_000 * 335_000 + 220_000 * 308_000
    ) / 2_788_000
    assert close(a["national_income_per_capita_kzt_month"], national)
    assert close(a["income_pct_of_national"], 100 * 100_000 / national)
    stages = {
        code: rcci[(2014, code)]["development_stage"] for code in ("KZ-A", "KZ-B", "KZ-C", "KZ-D", "KZ-E")
    }
    assert stages == {"KZ-A": 4, "KZ-B": 3, "KZ-C": 2, "KZ-D": 1, "KZ-E": 5}
    # stage 4: RCI weights basic 0.20, efficiency 0.50, innovation 0.30; innovation absent -> renormalised
    assert (a["w_basic_nominal"], a["w_efficiency_nominal"], a["w_innovation_nominal"]) == (0.2, 0.5, 0.3)
    assert close(a["w_basic_used"], 0.2 / 0.7) and close(a["w_efficiency_used"], 0.5 / 0.7)
    assert close(a["competitiveness_z"], (0.2 * a["basic_subindex"] + 0.5 * a["efficiency_subindex"]) / 0.7)
    assert close(a["rcci_z"], 0.5 * a["competitiveness_z"] + 0.5 * a["cohesion_z"])
    # Epsilon: GRP-based stage would also be 5; Delta (poorest) gets the heaviest basic weight
    d = rcci[(2014, "KZ-D")]
    assert close(d["w_basic_used"], 0.35 / 0.85)


def test_rcci_partial_pillar_and_missing_scores_are_explained(rcci):
    # Delta has no unemployment rate in 2015: cohesion on 1 of 2 indicators (>= 50 %), and it says so
    d15 = rcci[(2015, "KZ-D")]
    assert d15["cohesion_n_indicators"] == 1
    assert close(d15["cohesion_z"], d15["grp_to_income_ratio_z"])
    assert "cohesion pillar on 1 of 2 indicators" in d15["score_note"]
    # the fixture has none of the pillars scored outside the composite (their indicators are missing too)
    outside = {"buses_per_10k", "schools_per_10k", "investment_per_capita", "rnd_per_capita"}
    assert set(d15["missing_indicators"].split(", ")) == {"unemployment_rate"} | outside
    # 2010-2013 have no health indicators: no basic sub-index, no composite, explained
    for (year, _), row in rcci.items():
        if year < 2014:
            assert row["competitiveness_z"] is None and "health pillar not scored" in row["score_note"]
        if row["rcci_z"] is None:
            assert row["score_note"]


def test_rcci_scales_hand_checked(rcci):
    scored = [r for r in rcci.values() if r["rcci_z"] is not None]
    low, high = min(r["rcci_z"] for r in scored), max(r["rcci_z"] for r in scored)
    for r in scored:
        assert close(r["rcci_0_100"], 100 * (r["rcci_z"] - low) / (high - low))
    assert min(r["rcci_0_100"] for r in scored) == pytest.approx(0) and max(
        r["rcci_0_100"] for r in scored
    ) == pytest.approx(100)
    for year in (2014, 2015):
        members = [r for (y, _), r in rcci.items() if y == year and r["rcci_z"] is not None]
        weighted = sum(r["population_avg"] * r["rcci_national_100"] for r in members) / sum(
            r["population_avg"] for r in members
        )
        assert close(weighted, 100.0)
        s_nat = sum(r["population_avg"] * (100 + 10 * r["rcci_z"]) for r in members) / sum(
            r["population_avg"] for r in members
        )
        for r in members:
            assert close(r["rcci_national_100"], 100 * (100 + 10 * r["rcci_z"]) / s_nat)


def test_rcci_every_cell_matches_the_python_reimplementation(rcci):
    oracle, _, _ = rcci_oracle()
    assert set(oracle) == set(rcci)
    for key, expected in oracle.items():
        for column, value in expected.items():
            assert close(rcci[key][column], value), (key, column, rcci[key][column], value)


def test_rcci_components_add_up(fixture_db):
    rows = _rows(
        fixture_db,
        """
        select year, region_code, sum(contribution_competitiveness) as comp,
            sum(contribution_cohesion) as coh,
            sum(contribution_rcci) as total, max(competitiveness_z) as comp_z, max(cohesion_z) as coh_z,
            max(rcci_z) as rcci_z
        from marts.mart_rcci_components
        group by year, region_code
        """,
    )
    checked = 0
    for r in rows:
        if r["rcci_z"] is not None:
            assert (
                close(r["comp"], r["comp_z"])
                and close(r["coh"], r["coh_z"])
                and close(r["total"], r["rcci_z"])
            )
            checked += 1
    assert checked == 10


# --------------------------------------------------------------------------------------------------
# Real snapshot (the warehouse the whole project built)
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(built_warehouse: Path):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    yield con
    con.close()


def _scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_real_both_marts_cover_every_year_the_inputs_allow(real):
    # DTI: every year in which some region has a volume index and the population or employment of two
    # consecutive years on the same territory (as published)
    expected = {
        y
        for (y,) in real.execute(
            """
            select cur.year
            from marts.fct_region_year as cur
            inner join marts.fct_region_year as prev
                on cur.region_code = prev.region_code and cur.year - 1 = prev.year
                and cur.territory_key = prev.territory_key
            inner join marts.fct_national_year as nat on cur.year = nat.year
            where cur.grp_real_growth_pct is not null and nat.grp_real_growth_pct is not null
                and ((cur.employed_thousand is not null and prev.employed_thousand is not null
                      and nat.employed_thousand is not null)
                     or (cur.population_avg is not null and prev.population_avg is not null))
            """
        ).fetchall()
    }
    got = {
        y
        for (y,) in real.execute(
            "select distinct year from marts.mart_development_trap where geography = 'as_published'"
        ).fetchall()
    }
    assert expected and expected <= got
    # RCCI: every year with an average population is in the mart; the composite exists for every region in
    # every year in which all its indicators are published for all regions
    pop_years = {
        y
        for (y,) in real.execute(
            "select distinct year from marts.fct_region_year where population_avg is not null"
        ).fetchall()
    }
    assert pop_years == {
        y for (y,) in real.execute("select distinct year from marts.mart_competitiveness_cohesion").fetchall()
    }
    complete = {
        y
        for (y, n, k) in real.execute(
            """
            select year, count(*), count(case when life_expectancy_years is not null
                and physicians_per_10k is not null and employed_thousand is not null
                and grp_mln_kzt is not null and money_income_per_capita_kzt_month is not null
                and unemployment_rate_pct is not null then 1 end)
            from marts.fct_region_year where population_avg is not null group by year
            """
        ).fetchall()
        if n == k
    }
    assert complete
    for year in complete:
        assert (
            _scalar(
                real,
                f"select count(*) from marts.mart_competitiveness_cohesion "
                f"where year = {year} and rcci_z is null",
            )
            == 0
        )


def test_real_no_unexplained_null(real):
    assert (
        _scalar(
            real,
            "select count(*) from marts.mart_development_trap where n_comparisons < 6 and score_note is null",
        )
        == 0
    )
    assert (
        _scalar(
            real,
            "select count(*) from marts.mart_development_trap "
            "where at_risk is null and at_risk_basis is null",
        )
        == 0
    )
    assert (
        _scalar(
            real,
            "select count(*) from marts.mart_competitiveness_cohesion where "
            "(competitiveness_z is null or cohesion_z is null or rcci_z is null) and score_note is null",
        )
        == 0
    )
    assert (
        _scalar(
            real, "select count(*) from marts.mart_rcci_coverage where status != 'used' and reason is null"
        )
        == 0
    )


def test_real_identity_and_national_benchmark(real):
    worst = _scalar(real, "select max(abs(g_y - g_p - g_e)) from marts.mart_development_trap")
    assert worst < 1e-9
    # the national benchmark is the published national row: volume index over average population
    rows = real.execute(
        """
        select d.year, d.national_g_y,
            ln(1 + n.grp_real_growth_pct / 100) - ln(n.population_avg / p.population_avg) as expected
        from (
            select distinct year, national_g_y from marts.mart_development_trap where national_g_y is not null
        ) as d
        inner join marts.fct_national_year as n on d.year = n.year
        inner join marts.fct_national_year as p on d.year - 1 = p.year
        """
    ).fetchall()
    assert rows
    for _, got, expected in rows:
        assert close(got, expected, 1e-9)


@pytest.mark.parametrize("region_code", ["KZ-23", "KZ-61"])
def test_real_atyrau_and_turkestan_with_component_breakdown(real, region_code):
    dti_rows = real.execute(
        f"select year, n_comparisons, dimensions_used, dt_share from marts.mart_development_trap "
        f"where geography = 'as_published' and region_code = '{region_code}' and n_comparisons = 6"
    ).fetchall()
    assert dti_rows, "no fully scored DTI year"
    latest_rcci = _scalar(
        real,
        f"select max(year) from marts.mart_competitiveness_cohesion "
        f"where region_code = '{region_code}' and rcci_z is not null",
    )
    assert latest_rcci is not None
    components = real.execute(
        f"""
        select count(*), sum(contribution_rcci), max(rcci_z)
        from marts.mart_rcci_components where region_code = '{region_code}' and year = {latest_rcci}
        """
    ).fetchone()
    assert components[0] == len(INDICATORS)
    assert close(components[1], components[2], 1e-9)


def test_real_atyrau_grp_overstates_income(real):
    rows = real.execute(
        "select year, grp_pc_pct_of_national, income_pct_of_national, grp_to_income_ratio_value "
        "from marts.mart_competitiveness_cohesion "
        "where region_code = 'KZ-23' and grp_pc_pct_of_national is not null"
    ).fetchall()
    assert rows
    for _, grp_pct, income_pct, _ in rows:
        assert grp_pct > income_pct

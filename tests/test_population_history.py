"""History from 2000: the average population derived from 1 January values, on the real snapshot.

Runs on the session fixture ``built_warehouse`` (or ``KZW_FACTS_DB``, as tests/test_facts.py). The
derivation's logic is unit-tested in dbt (int_population__annual.yml); here the real data show which
years are derived, that the approximation is close where both exist, and that the study mart and the
population-weighted inequality reach back to 2000.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    override = os.environ.get("KZW_FACTS_DB")
    path = Path(override) if override else request.getfixturevalue("built_warehouse")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def test_population_is_derived_2000_2008_and_published_from_2009(con):
    methods = con.execute(
        "select population_method, min(year), max(year), count(*) filter (where population is null) "
        "from marts.fct_region_year where year >= 2000 and year <= 2023 group by 1 order by 2"
    ).fetchall()
    assert methods == [("derived_mean_1jan", 2000, 2008, 0), ("published", 2009, 2023, 0)]
    # population_avg stays the published series; population equals it wherever it exists
    assert con.execute(
        "select count(*) from marts.fct_region_year "
        "where population_avg is not null and population is distinct from population_avg"
    ).fetchone() == (0,)
    # 1997-1999: GRP exists but the snapshot has no regional population, so no per-capita value
    assert con.execute(
        "select count(grp_mln_kzt) > 0, count(population), count(grp_per_capita_kzt) "
        "from marts.fct_region_year where year between 1997 and 1999"
    ).fetchone() == (True, 0, 0)


def test_mean_of_1_january_approximates_the_published_national_average(con):
    """Where both exist (2009-2020) the approximation is within 0.02 % of the BNS average."""
    gaps = con.execute(
        "select year, (population_jan1 + population_jan1_next) / 2.0 / population_avg_published - 1 "
        "from intermediate.int_population__annual "
        "where is_national and year between 2009 and 2020 and population_jan1_next is not null"
    ).fetchall()
    assert len(gaps) == 12
    assert all(abs(gap) < 2e-4 for _, gap in gaps), gaps


def test_study_mart_and_weighted_inequality_start_in_2000(con):
    study = con.execute(
        "select min(year), count(distinct year) filter (where year_population_method = 'derived_mean_1jan'), "
        "count(*) filter (where country_arithmetic_mean_kzt <= country_pop_weighted_mean_kzt) "
        "from marts.mart_study_grp_per_capita"
    ).fetchone()
    # from 2000; 2000-2008 derived; the arithmetic mean overstates the national value every year
    assert study == (2000, 9, 0)
    first_weighted_gini = con.execute(
        "select min(year) from marts.mart_inequality where indicator = 'grp_per_capita_kzt' "
        "and measure = 'gini' and weighting = 'population_weighted' and value is not null"
    ).fetchone()[0]
    assert first_weighted_gini == 2000

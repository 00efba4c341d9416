"""The report section of the seed study's figure (reporting/study.py), on a tiny published file.

The full report test (tests/test_report.py) draws it from the session's published file; here a
hand-made mart shows what the section reads and says: the regions, the three country values, and
the span of years whose population is derived from 1 January values.
"""

from __future__ import annotations

import duckdb

from reporting.report import Published
from reporting.study import COUNTRY_SERIES, study_grp_per_capita

ROWS = [
    # year, region, grp per capita, population method, arithmetic, weighted, published, year method
    (2000, "Atyrau", 1_500_000.0, "derived_mean_1jan", 300_000.0, 200_000.0, 210_000.0, "derived_mean_1jan"),
    (2000, "Almaty", 100_000.0, "derived_mean_1jan", 300_000.0, 200_000.0, 210_000.0, "derived_mean_1jan"),
    (2008, "Atyrau", 2_500_000.0, "derived_mean_1jan", 500_000.0, 400_000.0, None, "derived_mean_1jan"),
    (2008, "Almaty", 200_000.0, "derived_mean_1jan", 500_000.0, 400_000.0, None, "derived_mean_1jan"),
    (2009, "Atyrau", 3_000_000.0, "published", 600_000.0, 450_000.0, 460_000.0, "published"),
    (2009, "Almaty", 300_000.0, "published", 600_000.0, 450_000.0, 460_000.0, "published"),
]


def _published(con: duckdb.DuckDBPyConnection) -> Published:
    con.execute("create schema marts")
    con.execute(
        "create table marts.mart_study_grp_per_capita (year integer, region_name_en varchar, "
        "grp_per_capita_kzt double, population_method varchar, country_arithmetic_mean_kzt double, "
        "country_pop_weighted_mean_kzt double, country_published_kzt double, year_population_method varchar)"
    )
    con.executemany("insert into marts.mart_study_grp_per_capita values (?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    return Published(con)


def test_study_section_draws_regions_three_country_values_and_names_the_derived_years():
    con = duckdb.connect()
    try:
        section = study_grp_per_capita(_published(con))
    finally:
        con.close()
    assert section.available and section.body.startswith("<svg")
    # the three country lines are in the legend; the regions are drawn but not listed there
    for label, _ in COUNTRY_SERIES.values():
        assert label in section.body
    assert "Atyrau" not in section.body
    assert section.body.count("<path") > 4
    assert "(2000-2008)" in section.note and "1998-1999" in section.note


def test_study_section_is_unavailable_without_its_mart():
    con = duckdb.connect()
    try:
        section = study_grp_per_capita(Published(con))
    finally:
        con.close()
    assert not section.available
    assert "marts.mart_study_grp_per_capita" in section.body

"""One vocabulary across the published tables: the same name for the same thing (issue 14, item 6).

Read from the session's real publication: region names, indicator codes against the fact columns and
dim_indicator. (Check names against rule names: tests/test_quality_flags.py.)
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def published(pipeline_run) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(pipeline_run.published_db), read_only=True)
    yield con
    con.close()


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select schema_name || '.' || table_name, column_name from duckdb_columns()"
    ).fetchall():
        out.setdefault(table, set()).add(column)
    return out


def test_region_names_have_one_column_name_everywhere(published: duckdb.DuckDBPyConnection) -> None:
    columns = _columns(published)
    assert {"region_name_en", "region_name_ru", "region_name_kk"} <= columns["marts.dim_region"]
    for table, names in columns.items():
        assert not names & {"name_en", "name_ru", "name_kk"}, table
        if "region_code" in names and table.startswith("marts.") and "region_name_en" in names:
            # ... and the same spelling as the dimension, row by row.
            mismatched = published.execute(
                f"select count(*) from {table} t join marts.dim_region d using (region_code) "
                "where t.region_name_en is distinct from d.region_name_en"
            ).fetchone()[0]
            assert mismatched == 0, table


def test_indicator_codes_are_fact_columns_or_mapped_in_dim_indicator(
    published: duckdb.DuckDBPyConnection,
) -> None:
    facts = _columns(published)["marts.fct_region_year"]
    mapping = {
        row[0]: row[1:]
        for row in published.execute(
            "select indicator, fact_expression, is_fact_column, is_fact_column_name from marts.dim_indicator "
            "where indicator_family = 'inequality'"
        ).fetchall()
    }
    for indicator, (expression, is_column, is_name) in mapping.items():
        if is_column:
            assert expression in facts and is_name and indicator == expression, indicator
    tables = [
        t for t, names in _columns(published).items() if t.startswith("marts.mart_") and "indicator" in names
    ]
    assert "marts.mart_inequality" in tables and "marts.mart_quality_flags" in tables
    for table in tables:
        codes = {r[0] for r in published.execute(f"select distinct indicator from {table}").fetchall()}
        assert codes - {None} <= set(mapping), (table, codes - set(mapping))
    rcci_sql = "select indicator from marts.dim_indicator where indicator_family = 'rcci'"
    rcci = {r[0] for r in published.execute(rcci_sql).fetchall()}
    used = published.execute("select distinct indicator_id from marts.mart_rcci_coverage").fetchall()
    assert {r[0] for r in used} - {None} <= rcci


def test_docs_overview_page_exists() -> None:
    text = (Path(__file__).resolve().parent.parent / "dbt_project" / "models" / "overview.md").read_text()
    assert "{% docs __overview__ %}" in text and "dim_region" in text and "dim_indicator" in text

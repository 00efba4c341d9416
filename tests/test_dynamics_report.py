"""reporting/dynamics.py: the three dynamics sections render from a built warehouse, and say
"not available" (instead of failing) on a file without the marts."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reporting import dynamics


def test_sections_render_from_the_marts(built_warehouse: Path) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        lisa = dynamics.lisa_cluster_map(con)
        matrix = dynamics.transition_matrix(con)
        ranks = dynamics.rank_range_chart(con)
        n_regions = con.execute(
            "select count(distinct region_code) from marts.mart_local_moran "
            "where geo_version = '2022' and geography = 'as_published'"
        ).fetchone()[0]
    assert "<svg" in lisa and lisa.count("<title>") >= n_regions == 20
    assert "<table" in matrix and matrix.count("<tr>") == 4 + 2  # header, 4 classes, steady state
    assert "<svg" in ranks and "Not available" not in ranks


def test_sections_say_unavailable_without_the_marts(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with duckdb.connect(str(db), read_only=True) as con:
        for section in (dynamics.lisa_cluster_map, dynamics.transition_matrix, dynamics.rank_range_chart):
            assert "Not available in this build" in section(con)

"""reporting/dynamics.py: the three dynamics sections render from a built warehouse, and say
"not available" (instead of failing) on a file without the marts."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reporting import dynamics
from reporting.base import Published


def test_sections_render_from_the_marts(built_warehouse: Path) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        db = Published(con)
        lisa = dynamics.lisa_cluster_map(db).body
        matrix = dynamics.transition_matrix(db).body
        ranks = dynamics.rank_range_chart(db).body
        n_regions = con.execute(
            "select count(distinct region_code) from marts.mart_local_moran "
            "where geo_version = '2022' and geography = 'as_published'"
        ).fetchone()[0]
    assert "<svg" in lisa and lisa.count("<title>") >= n_regions == 20
    # The dim table's spelling, not the geojson's ("Jambyl", "Jetisu").
    assert "Zhambyl Region (KZ-31)" in lisa and "Jambyl" not in lisa and "Jetisu" not in lisa
    assert "<table" in matrix and matrix.count("<tr>") == 4 + 2  # header, 4 classes, steady state
    assert "<svg" in ranks and "Not available" not in ranks


def test_sections_say_unavailable_without_the_marts(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with duckdb.connect(str(db), read_only=True) as con:
        for section in (dynamics.lisa_cluster_map, dynamics.transition_matrix, dynamics.rank_range_chart):
            result = section(Published(con))
            assert not result.available and "Not available in this build" in result.body

"""The issue's Done-when: with ``KZW_SOURCE=http`` every dataset with a live route is fetched from it,
and the published warehouse equals the snapshot build's.

One full refresh (the real Dagster job, dbt build and publish) runs against a loopback server that
serves each dataset on its own catalog route and nowhere else: the file API elements (302 to the
snapshot's bytes) and the Taldau indices (POST forms answered level by level, year and quarter answers,
values from the snapshot parse in the route's unit). No operator URL mapping is set, so a dataset
without a live route can only come from the snapshot. Every published table is then compared with the
session's snapshot build (``pipeline_run``), row for row and value for value; the only column allowed
to differ is ``source_release_ids``, whose release ids name other bytes (a Taldau release document is
not the snapshot file) but must name the same datasets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.catalog import CATALOG, get
from tests.conftest import point_at, run_refresh
from tests.support.bns_server import BnsServer
from tests.support.taldau import serve_live_routes, serve_taldau, snapshot_frame

ROUTES = {
    d.id: "http" if d.bns_element is not None else "taldau" if d.taldau_complete else "snapshot"
    for d in CATALOG
}
#: release ids name bytes; which dataset they belong to must not change with the route
LINEAGE = "regexp_replace({}, ':[0-9a-f]{{64}}', '', 'g')"
FLOATS = ("DOUBLE", "FLOAT")


@dataclass
class HttpBuild:
    home: Path
    server: BnsServer

    def point(self, mp: pytest.MonkeyPatch) -> None:
        """The environment of a refresh over the loopback server, every route on it, no URL mapping."""
        mp.delenv("KZW_SOURCE_URLS", raising=False)
        point_at(
            mp,
            self.home,
            source="http",
            base_url=self.server.base_url,
            taldau_url=self.server.base_url,
            allowed_hosts="127.0.0.1",
            max_retries="0",
        )

    @property
    def published_db(self) -> Path:
        return self.home / "published" / "kz_inequality.duckdb"


@pytest.fixture(scope="module")
def http_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBuild]:
    server = BnsServer().start()
    try:
        assert serve_live_routes(server) == ROUTES
        build = HttpBuild(tmp_path_factory.mktemp("kzw-http-build"), server)
        with pytest.MonkeyPatch.context() as mp:
            build.point(mp)
            result = run_refresh()
        assert result.success, "the refresh over the loopback server failed"
        yield build
    finally:
        server.stop()


def test_every_dataset_with_a_live_route_is_fetched_from_it(http_build):
    con = duckdb.connect(str(http_build.home / "build" / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("select dataset_id, status, source, landed_path from raw.releases").fetchall()
    finally:
        con.close()
    assert {(d, status) for d, status, *_ in rows} == {(d.id, "loaded") for d in CATALOG}
    assert {d: source for d, _status, source, _path in rows} == ROUTES
    from_snapshot = {d for d, _status, source, _path in rows if source == "snapshot"}
    assert from_snapshot == {d.id for d in CATALOG if not d.routes}  # none with a live route
    assert all(p.endswith(".json") for d, _st, s, p in rows if s == "taldau")
    forms = {(f["p_index_id"], f["p_period_id"]) for f in http_build.server.forms}
    taldau = {str(d.taldau_index) for d in CATALOG if ROUTES[d.id] == "taldau"}
    assert {i for i, _p in forms} == taldau
    assert ("702944", "5") in forms and ("702944", "7") in forms  # the mixed table: years and quarters


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? order by schema_name, table_name, column_index",
        [catalog],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        out.setdefault(f"{schema}.{table}", []).append((column, data_type))
    return out


def _column(name: str, alias: str = "") -> str:
    """A column as compared: ``source_release_ids`` without the release ids (see LINEAGE)."""
    qualified = f'{alias}."{name}"' if alias else f'"{name}"'
    return LINEAGE.format(qualified) if name == "source_release_ids" else qualified


def _rows_only_in(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], left: str, right: str
) -> int:
    select = ", ".join(_column(c) for c in columns)
    query = f"select {select} from {left}.{table} except all select {select} from {right}.{table}"
    return con.execute(f"select count(*) from ({query})").fetchone()[0]


def _float_noise_only(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]
) -> str | None:
    """Why ``table`` differs beyond the rounding of float sums in another row order, or None.

    Rows are matched on every non-floating column (which must identify them); each floating column
    must be NULL in the same rows and agree to 1e-9, relative (absolute for values below 1: a residual
    near zero carries the rounding of the large terms it cancels), the project's tolerance against
    its reference implementations."""
    keys = [c for c, t in columns if t not in FLOATS]
    floats = [c for c, t in columns if t in FLOATS]
    if _rows_only_in(con, table, keys, "snap", "live") or _rows_only_in(con, table, keys, "live", "snap"):
        return "rows differ in their non-floating columns"
    key = ", ".join(_column(k) for k in keys)
    if con.execute(f"select count(*) - count(distinct ({key})) from snap.{table}").fetchone()[0]:
        return "floating values differ and the other columns do not identify a row"
    on = " and ".join(f"{_column(k, 'a')} is not distinct from {_column(k, 'b')}" for k in keys)
    for c in floats:
        bad = con.execute(
            f"select count(*) from snap.{table} as a join live.{table} as b on {on} "
            f'where (a."{c}" is null) != (b."{c}" is null) '
            f'or abs(a."{c}" - b."{c}") > 1e-9 * greatest(1, abs(a."{c}"), abs(b."{c}"))'
        ).fetchone()[0]
        if bad:
            return f"{bad} values of {c} differ by more than 1e-9 (relative; absolute below 1)"
    return None


def test_every_published_table_equals_the_snapshot_build(http_build, pipeline_run):
    """Facts and dimensions equal exactly; a mart equals exactly or up to the rounding of its float
    aggregates, whose order follows the raw rows' order (a Taldau answer lists cells in another order
    than the file): same rows, same keys, same NULLs, doubles equal to 1e-9."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{pipeline_run.published_db}' as snap (read_only)")
        con.execute(f"attach '{http_build.published_db}' as live (read_only)")
        snap, live = _tables(con, "snap"), _tables(con, "live")
        assert snap == live, "the published tables or their columns differ"
        exact, close = [], {}
        for table, columns in snap.items():
            if table in ("raw.releases", "meta.publication"):
                continue  # the run's own ledger and version stamp (checked above and below)
            names = [c for c, _t in columns]
            if not _rows_only_in(con, table, names, "snap", "live") and not _rows_only_in(
                con, table, names, "live", "snap"
            ):
                exact.append(table)
                continue
            why = _float_noise_only(con, table, columns)
            assert why is None, f"{table}: {why}"
            close[table] = True
        counts = [
            json.loads(con.execute(f"select tables_json from {db}.meta.publication").fetchone()[0])
            for db in ("snap", "live")
        ]
    finally:
        con.close()
    assert counts[0] == counts[1]
    facts = {
        "marts.dim_region",
        "marts.fct_region_year",
        "marts.fct_national_year",
        "marts.fct_region_year_comparable",
    }
    assert facts <= set(exact), f"facts not identical: {sorted(facts - set(exact))}"
    assert len(exact) + len(close) == len(snap) - 2


def test_refresh_if_changed_refreshes_exactly_the_dataset_whose_taldau_answer_changed(
    http_build, monkeypatch, capsys
):
    """``refresh-if-changed`` on the warehouse just built over HTTP: nothing new, then one revised cell
    in the employed index's answer -> a refresh of exactly that dataset (the run itself is the job the
    session build already proves; here it is recorded, not executed)."""
    from orchestration import cli

    runs: list[list[str]] = []
    monkeypatch.setattr(cli, "run", lambda changed=None: runs.append(sorted(changed)) or 0)
    http_build.point(monkeypatch)
    assert cli.refresh_if_changed() == 0 and runs == []
    assert capsys.readouterr().out.strip().endswith("no new release")
    employed = get("employed")
    frame = snapshot_frame(employed)
    latest = frame["year"] == frame["year"].max()
    try:
        serve_taldau(http_build.server, employed, frame.assign(value=frame["value"].mask(latest, 1.0)))
        assert cli.refresh_if_changed() == 0
    finally:
        serve_taldau(http_build.server, employed)
    assert runs == [["employed"]]
    assert "new release: employed (new sha256" in capsys.readouterr().out

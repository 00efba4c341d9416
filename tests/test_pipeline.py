"""End to end: the real assets, materialized through Dagster against temp directories.

The session fixture ``pipeline_run`` is the full refresh on the embedded snapshot (real BNS files).
The HTTP test serves the same real files from a loopback server in the live API's shapes; the
malformed-file test damages a copy of one real file and says how.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.catalog import CATALOG
from ingestion.settings import REPO_ROOT, SNAPSHOT_DIR
from tests.conftest import point_at, run_refresh
from tests.support.bns_server import BnsServer

RAW_ASSETS = [dg.AssetKey(["raw", dataset.id]) for dataset in CATALOG]


def _digest_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _releases(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select dataset_id, status, source, error, landed_path from raw.releases order by fetched_at"
        ).fetchall()
    finally:
        con.close()


def test_full_refresh_publishes_facts_from_every_dataset(pipeline_run):
    statuses = {(d, s) for d, s, *_ in _releases(pipeline_run.build_db)}
    assert statuses == {(d.id, "loaded") for d in CATALOG}
    con = duckdb.connect(str(pipeline_run.published_db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"dim_region", "fct_region_year", "fct_region_year_comparable"} <= tables
        years = con.execute("select min(year), max(year), count(*) from marts.fct_region_year").fetchone()
        assert years[0] <= 2000 and years[1] >= 2023 and years[2] > 400
    finally:
        con.close()
    parquet = pipeline_run.home / "published" / "current" / "parquet"
    assert (parquet / "marts.fct_region_year.parquet").stat().st_size > 0


def test_every_singular_dbt_test_is_an_asset_check_of_the_asset_it_guards(pipeline_run):
    """The cross-model guarantees (dbt_project/tests/*.sql) are asset checks, not observations: each
    has an evaluation in the run, on the asset its ``meta.dagster.ref`` names."""
    singular = {path.stem for path in (REPO_ROOT / "dbt_project" / "tests").glob("*.sql")}
    evaluated = {
        e.check_name: e.asset_key.to_user_string() for e in pipeline_run.result.get_asset_check_evaluations()
    }
    assert singular <= set(evaluated), sorted(singular - set(evaluated))
    assert evaluated["assert_regions_sum_to_national"] == "marts/fct_region_year"
    assert evaluated["assert_adjacency_symmetric"] == "reference/region_adjacency"


@pytest.fixture
def bns_server():
    server = BnsServer().start()
    yield server
    server.stop()


def _serve_snapshot(server: BnsServer, snapshot: Path, tmp_path: Path) -> Path:
    """Serve every catalog file at a BNS-file-API-shaped route; return the URL mapping file.

    Datasets with a known BNS element use their real route; the others get a test-only route of the
    same shape (element ids 900000+), since the live site has no machine route for them.
    """
    mapping = {}
    for index, dataset in enumerate(CATALOG):
        route = dataset.url_path or f"/api/iblock/element/{900000 + index}/file/ru/"
        server.set(route, (snapshot / dataset.snapshot_file).read_bytes(), dataset.extension)
        mapping[dataset.id] = route
    urls = tmp_path / "source_urls.json"
    urls.write_text(json.dumps(mapping), encoding="utf-8")
    return urls


def test_http_run_lands_releases_then_a_second_run_loads_nothing_new(bns_server, tmp_path, monkeypatch):
    urls = _serve_snapshot(bns_server, SNAPSHOT_DIR, tmp_path)
    home = tmp_path / "home"
    point_at(
        monkeypatch,
        home,
        source="http",
        base_url=bns_server.base_url,
        allowed_hosts="127.0.0.1",
        source_urls=str(urls),
    )
    # Ingestion only: the guarantee is the fetch path (every byte served lands as is, the 302 is followed);
    # the bytes equal the snapshot's, so dbt and publish would repeat the session's full refresh exactly.
    first = run_refresh(selection=RAW_ASSETS)
    assert first.success
    first_rows = _releases(home / "build" / "warehouse.duckdb")
    assert {(d, s, src) for d, s, src, *_ in first_rows} == {(d.id, "loaded", "http") for d in CATALOG}
    assert any(hit.startswith("/upload/") for hit in bns_server.hits), "302 redirect was not followed"
    for dataset in CATALOG:
        landed = list((home / "landing" / dataset.id).iterdir())
        assert [p.read_bytes() for p in landed] == [(SNAPSHOT_DIR / dataset.snapshot_file).read_bytes()]

    second = run_refresh(selection=RAW_ASSETS)
    assert second.success
    new_rows = _releases(home / "build" / "warehouse.duckdb")[len(first_rows) :]
    assert {(d, s) for d, s, *_ in new_rows} == {(d.id, "unchanged") for d in CATALOG}
    con = duckdb.connect(str(home / "build" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(distinct release_id) from raw.income_annual").fetchone()[0] == 1
    finally:
        con.close()


def test_unknown_region_label_fails_names_the_place_and_leaves_published_untouched(
    pipeline_run, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, snapshot)
    # Damage a copy of the real income file: one region label replaced by a region that does not exist.
    income = snapshot / "bns" / "kz_income_per_capita_annual_by_region_2000_2024__bns_iblock48510.csv"
    text = income.read_text(encoding="utf-8")
    assert "KYZYLORDA REGION" in text
    income.write_text(text.replace("KYZYLORDA REGION", "ATLANTIS REGION", 1), encoding="utf-8")
    published_before = _digest_tree(home / "published")
    point_at(monkeypatch, home, snapshot_dir=str(snapshot))

    result = run_refresh()

    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    messages = " ".join(str(e.event_specific_data.error.message) for e in failures)
    assert "income_annual" in messages and "ATLANTIS REGION" in messages and "line 2" in messages
    assert _digest_tree(home / "published") == published_before
    failed = [r for r in _releases(home / "build" / "warehouse.duckdb") if r[1] == "failed"]
    assert [r[0] for r in failed] == ["income_annual"] and "ATLANTIS REGION" in failed[0][3]
    assert Path(failed[0][4]).read_bytes() == income.read_bytes()

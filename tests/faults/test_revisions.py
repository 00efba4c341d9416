"""meta.revisions through the real publish step, on a small build database (no dbt needed).

Release A of a dataset is published; release B revises one value, turns another into a
not-available marker, drops a third cell and adds a fourth. The second publication's meta.revisions
holds exactly those four changes with the old and new values and release ids; the first holds none.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ingestion.raw_store import RawStore, ReleaseRecord
from ingestion.schema import OBSERVATION_COLUMNS
from publishing.publish import publish


def _frame(release_id: str, cells: list[tuple[str, str, float | None, str | None]]) -> pd.DataFrame:
    rows = [
        {
            "dataset_id": "income_annual",
            "release_id": release_id,
            "source_file": f"{release_id}.csv",
            "location": f"line {i + 2}",
            "series": "total",
            "region_label": region,
            "region_code": region,
            "period_label": period,
            "year": int(period),
            "period_type": "annual",
            "months": 12,
            "quarter": None,
            "value": value,
            "value_flag": flag,
            "unit": "KZT per month",
        }
        for i, (region, period, value, flag) in enumerate(cells)
    ]
    frame = pd.DataFrame(rows)
    return frame.astype(OBSERVATION_COLUMNS)


def _load(store: RawStore, release_id: str, cells) -> None:
    store.commit(
        ReleaseRecord("income_annual", release_id, "snapshot", None, "loaded"), _frame(release_id, cells)
    )


def _revisions(published: duckdb.DuckDBPyConnection) -> list[tuple]:
    return published.execute(
        "select region_code, period_label, change, old_value, new_value, new_value_flag, old_release_id, "
        "new_release_id from meta.revisions order by region_code, period_label"
    ).fetchall()


def test_a_release_revising_one_value_and_retracting_another(tmp_path):
    build_db = tmp_path / "build" / "warehouse.duckdb"
    store = RawStore(build_db)
    store.ensure_tables(["income_annual"])
    a = [("KZ-10", "2020", 100.0, None), ("KZ-11", "2020", 200.0, None), ("KZ-12", "2020", 300.0, None)]
    _load(store, "a" * 64, a)
    first = publish(build_db, tmp_path / "published")
    assert first.revisions == {} and first.releases == {"income_annual": "a" * 64}

    b = [
        ("KZ-10", "2020", 101.5, None),  # revised
        ("KZ-11", "2020", None, "not_available"),  # retracted: now a marker
        ("KZ-13", "2020", 400.0, None),  # added (and KZ-12 missing: retracted)
    ]
    _load(store, "b" * 64, b)
    second = publish(build_db, tmp_path / "published")
    assert second.revisions == {"revised": 1, "retracted": 2, "added": 1}
    con = duckdb.connect(str(tmp_path / "published" / "kz_inequality.duckdb"), read_only=True)
    try:
        rows = _revisions(con)
        version = con.execute("select distinct version from meta.revisions").fetchall()
    finally:
        con.close()
    old, new = "a" * 64, "b" * 64
    assert rows == [
        ("KZ-10", "2020", "revised", 100.0, 101.5, None, old, new),
        ("KZ-11", "2020", "retracted", 200.0, None, "not_available", old, new),
        ("KZ-12", "2020", "retracted", 300.0, None, None, old, new),
        ("KZ-13", "2020", "added", None, 400.0, None, old, new),
    ]
    assert version == [(second.version,)]

    third = publish(build_db, tmp_path / "published")  # nothing moved: no revisions
    assert third.revisions == {}


def test_revision_and_retraction_through_ingestion_and_the_dagster_checks(warehouse, tmp_path, monkeypatch):
    """The real income CSV with one value revised and another turned into the marker 'n/a': both are
    accepted by ingestion, the publish records them in meta.revisions, and the warned check names the
    retraction with its count and dataset."""
    from ingestion.catalog import get
    from ingestion.sources import SnapshotSource
    from tests.conftest import point_at
    from tests.faults import damage as dmg
    from tests.faults.run_job import run as run_job

    income = get("income_annual")
    lines = dmg.csv_lines(dmg.real(income.id))
    assert lines[1].endswith(",14 602") and lines[2].endswith(",56 252")

    def edit(number: int, value: str) -> str:
        return {2: "14 601", 3: "n/a"}.get(number, value)

    snapshot = tmp_path / "snapshot"
    (snapshot / income.snapshot_file).parent.mkdir(parents=True, exist_ok=True)
    (snapshot / income.snapshot_file).write_bytes(dmg.edit_csv_field(dmg.real(income.id), "VAL", edit))
    done = warehouse.refresh(income, SnapshotSource(snapshot))
    assert done.status == "loaded", done

    point_at(monkeypatch, warehouse.home)
    result = run_job(["published/kz_inequality"])
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    retracted = evaluations["no_published_value_retracted"]
    assert not retracted.passed and retracted.severity.value == "WARN"
    assert retracted.description == "1 published value(s) retracted: income_annual (1)"
    assert evaluations["publication_verified"].passed

    con = duckdb.connect(str(warehouse.settings.published_db), read_only=True)
    try:
        rows = con.execute(
            "select period_label, change, old_value, new_value, new_value_flag, new_release_id "
            "from meta.revisions order by period_label"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("2006 год", "revised", 14602.0, 14601.0, None, done.release_id),
        ("2016 год", "retracted", 56252.0, None, "not_available", done.release_id),
    ]

"""The current release, defined once (views of ``ingestion/raw_store.py``), on a real DuckDB file.

A release served again after a newer one (A, then B, then A) is appended a second time: its cells
exist in two batches. The current release must hold each cell once, or the next release's revision
counts (``releases.revision_counts`` against ``RawStore.current_rows``) double.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingestion.raw_store import RawStore, ReleaseRecord
from ingestion.releases import revision_counts
from ingestion.schema import conform

DATASET = "toy_income"


def _frame(release_id: str, values: list[float]) -> pd.DataFrame:
    regions = [f"KZ-{code}" for code in (11, 15, 19)][: len(values)]
    return conform(
        pd.DataFrame(
            {
                "dataset_id": DATASET,
                "release_id": release_id,
                "source_file": f"{release_id}.csv",
                "location": [f"line {i + 2}" for i in range(len(values))],
                "series": "total",
                "region_label": regions,
                "region_code": regions,
                "period_label": "2020",
                "year": 2020,
                "period_type": "annual",
                "months": 12,
                "quarter": pd.NA,
                "value": values,
                "value_flag": pd.NA,
                "unit": "KZT per month",
            }
        )
    )


def _load(store: RawStore, release_id: str, values: list[float]) -> tuple[int, int]:
    """What ``releases.accept`` does: count revisions against the current rows, then commit."""
    frame = _frame(release_id, values)
    revised, new = revision_counts(frame, store.current_rows(DATASET))
    record = ReleaseRecord(
        DATASET, release_id, "snapshot", None, "loaded", revised_cells=revised, new_cells=new
    )
    store.commit(record, frame)
    return revised, new


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    return RawStore(tmp_path / "warehouse.duckdb")


def test_release_served_again_counts_each_cell_once(store: RawStore) -> None:
    assert _load(store, "a", [1.0, 2.0, 3.0]) == (0, 3)
    assert _load(store, "b", [1.0, 2.5, 3.0]) == (1, 0)
    assert _load(store, "a", [1.0, 2.0, 3.0]) == (1, 0)  # A served again: the cell returns
    current = store.current_rows(DATASET)
    assert len(current) == 3 and set(current.release_id) == {"a"}
    # the next release revises one cell of A: one revision, not two (the A-B-A double count)
    assert _load(store, "c", [1.0, 2.0, 3.5]) == (1, 0)


def test_python_and_the_dbt_source_read_the_same_view(store: RawStore) -> None:
    _load(store, "a", [1.0, 2.0, 3.0])
    _load(store, "b", [1.0, 2.5, 3.0])
    _load(store, "a", [1.0, 2.0, 3.0])
    with store.connect() as con:
        batches = con.execute(
            f'select count(distinct loaded_at) from raw."{DATASET}" where release_id = ?', ["a"]
        )
        assert batches.fetchone()[0] == 2  # append-only: both batches of A are kept
        viewed = con.execute(
            "select release_id, count(*), count(distinct loaded_at) from raw.current_observations "
            "where dataset_id = ? group by release_id",
            [DATASET],
        ).fetchall()
    assert viewed == [("a", 3, 1)]
    assert store.current(DATASET).release_id == "a"


def test_no_release_yet_has_no_current_rows(store: RawStore) -> None:
    assert store.current(DATASET) is None and store.current_rows(DATASET) is None

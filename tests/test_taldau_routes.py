"""Every dataset whose Taldau index is its live route gives the snapshot's own values over Taldau.

The loopback server answers the POST form with the snapshot's values in the real answer's shape; the
release that arrives is landed byte for byte, recorded with source ``taldau`` in ``raw.releases``, and
its rows equal the snapshot parse in every column the facts read (keys, value, flag, unit): only the
lineage (file, cell location, published period label) says which route brought them.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ingestion import releases
from ingestion.catalog import CATALOG, get
from ingestion.probe import probe
from ingestion.raw_store import RawStore
from ingestion.sources import HttpSource, RoutedSource, SnapshotSource
from tests.support.bns_server import BnsServer
from tests.support.taldau import loopback_settings, snapshot_frame, tree_body

TALDAU_ROUTED = [d for d in CATALOG if d.bns_element is None and d.taldau_complete]
FACT_COLUMNS = [
    "series",
    "region_code",
    "year",
    "period_type",
    "months",
    "quarter",
    "value",
    "value_flag",
    "unit",
]


def test_the_taldau_routed_datasets_are_declared():
    assert {d.id for d in TALDAU_ROUTED} == {"population_average", "employed"}


@pytest.mark.parametrize("dataset", TALDAU_ROUTED, ids=lambda d: d.id)
def test_taldau_release_gives_the_snapshot_values(dataset, tmp_path):
    server = BnsServer().start()
    try:
        expected = snapshot_frame(dataset)
        route = dataset.taldau_route
        body = tree_body(expected, route.scale)
        server.set_taldau(route.ref, route.period_id, body)
        settings = loopback_settings(server.base_url, tmp_path)
        source = RoutedSource(
            HttpSource(settings, url_overrides={}, sleep=lambda _s: None),
            SnapshotSource(settings.snapshot_dir),
        )
        store = RawStore(settings.build_db)
        store.ensure_tables([dataset.id])
        outcome = releases.prepare(settings, dataset, source, store)
    finally:
        server.stop()
    assert isinstance(outcome, releases.Candidate)
    assert outcome.payload.source == "taldau" and outcome.landed_path.read_bytes() == body
    got = outcome.frame[FACT_COLUMNS].sort_values(FACT_COLUMNS[:3]).reset_index(drop=True)
    want = expected[FACT_COLUMNS].sort_values(FACT_COLUMNS[:3]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    record = releases.accept(outcome, store)
    assert record.source == "taldau" and record.url.endswith("/ru/NewIndex/GetIndexTreeData")
    with store.connect() as con:
        ledger = con.execute(
            "select source, status from raw.releases where dataset_id = ?", [dataset.id]
        ).fetchall()
    assert ledger == [("taldau", "loaded")]


def test_probe_tells_a_changed_taldau_answer_for_exactly_that_dataset(tmp_path):
    """Taldau sends no validators: the probe hashes the answer; an unchanged one is ignored."""
    server = BnsServer().start()
    try:
        routed = {d.id: (d, tree_body(snapshot_frame(d))) for d in TALDAU_ROUTED}
        for dataset, body in routed.values():
            server.set_taldau(dataset.taldau_route.ref, dataset.taldau_route.period_id, body)
        settings = loopback_settings(server.base_url, tmp_path)
        http = HttpSource(settings, url_overrides={}, sleep=lambda _s: None)
        first = {i: probe(settings, d, None, http) for i, (d, _b) in routed.items()}
        assert all(r.changed and r.how == "first sight" for r in first.values())
        employed = get("employed")
        frame = snapshot_frame(employed)
        revised = frame.assign(
            value=frame["value"].where(frame["year"] != frame["year"].max(), frame["value"] + 1)
        )
        server.set_taldau(employed.taldau_route.ref, employed.taldau_route.period_id, tree_body(revised))
        second = {i: probe(settings, d, first[i].known, http) for i, (d, _b) in routed.items()}
    finally:
        server.stop()
    assert {i: (r.changed, r.how) for i, r in second.items()} == {
        "employed": (True, "new sha256"),
        "population_average": (False, "same sha256"),
    }

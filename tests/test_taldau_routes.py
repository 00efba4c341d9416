"""Every dataset whose Taldau index is complete gives the snapshot's own values over Taldau.

The loopback server answers the POST form with the snapshot's values in the real answer's shape (one
tree level per answer, year and quarter answers for a mixed table, values in the route's unit); the
release that arrives is landed as ``.json``, recorded with source ``taldau`` in ``raw.releases``, and
its rows equal the snapshot parse in every column the facts read (keys, value, flag, unit): only the
lineage (file, cell location, published period label) says which route brought them. A dataset whose
index lacks part of the file (a series, cumulative periods) says what in ``taldau_gap``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ingestion import releases
from ingestion.catalog import CATALOG, get
from ingestion.probe import probe
from ingestion.raw_store import RawStore
from ingestion.sources import HttpSource, RoutedSource, SnapshotSource, TaldauSource
from ingestion.taldau_release import read_release
from tests.support.bns_server import BnsServer
from tests.support.taldau import loopback_settings, serve_taldau, snapshot_frame

TALDAU_ROUTED = [d for d in CATALOG if d.bns_element is None and d.taldau_complete]
TALDAU_COMPLETE = [d for d in CATALOG if d.taldau_complete]
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
    assert {d.id for d in TALDAU_ROUTED} == {
        "population_average",
        "employed",
        "wages_nominal",
        "poverty_share",
        "unemployment_rate",
    }
    indexed = [d for d in CATALOG if d.taldau_index is not None]
    assert len(indexed) == 9
    for dataset in indexed:  # every index either serves the dataset or says what it lacks
        assert dataset.taldau_complete != bool(dataset.taldau_gap), dataset.id


def test_a_mixed_table_asks_for_years_and_quarters_level_by_level(tmp_path):
    wages = get("wages_nominal")
    server = BnsServer().start()
    try:
        serve_taldau(server, wages)
        settings = loopback_settings(server.base_url, tmp_path)
        http = HttpSource(settings, url_overrides={}, sleep=lambda _s: None)
        payload = TaldauSource(http, server.base_url).fetch(wages)
    finally:
        server.stop()
    asked = [(f["p_index_id"], f["p_period_id"], f["p_parent_id"]) for f in server.forms]
    assert asked == [
        ("702972", "7", ""),
        ("702972", "7", "741880"),
        ("702972", "5", ""),
        ("702972", "5", "741880"),
    ]
    answers = read_release(json.loads(payload.content))
    top = json.loads(answers[0].body)
    assert [n["text"] for n in top] == ["Республика Казахстан"] and top[0]["leaf"] == "false"
    assert "children" not in top[0]  # the regions come with the expansion, as on the real site


@pytest.mark.parametrize("dataset", TALDAU_COMPLETE, ids=lambda d: d.id)
def test_taldau_release_gives_the_snapshot_values(dataset, tmp_path):
    server = BnsServer().start()
    try:
        expected = snapshot_frame(dataset)
        body = serve_taldau(server, dataset)
        settings = loopback_settings(server.base_url, tmp_path)
        http = HttpSource(settings, url_overrides={}, sleep=lambda _s: None)
        taldau = TaldauSource(http, server.base_url)
        source = RoutedSource(http, SnapshotSource(settings.snapshot_dir), taldau)
        if dataset.bns_element is not None:  # the file API is primary: ask Taldau directly
            source = source.taldau
        store = RawStore(settings.build_db)
        store.ensure_tables([dataset.id])
        outcome = releases.prepare(settings, dataset, source, store)
    finally:
        server.stop()
    assert isinstance(outcome, releases.Candidate)
    assert outcome.payload.source == "taldau" and outcome.landed_path.read_bytes() == body
    assert outcome.landed_path.suffix == ".json"
    got = outcome.frame[FACT_COLUMNS].sort_values(FACT_COLUMNS[:6]).reset_index(drop=True)
    want = expected[FACT_COLUMNS].sort_values(FACT_COLUMNS[:6]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    record = releases.accept(outcome, store)
    assert record.source == "taldau" and record.url.endswith("/ru/NewIndex/GetIndexTreeData")
    with store.connect() as con:
        ledger = con.execute(
            "select source, status from raw.releases where dataset_id = ?", [dataset.id]
        ).fetchall()
    assert ledger == [("taldau", "loaded")]


def test_probe_tells_a_changed_taldau_answer_for_exactly_that_dataset(tmp_path):
    """Taldau sends no validators: the probe hashes the release; an unchanged one is ignored."""
    server = BnsServer().start()
    try:
        for dataset in TALDAU_ROUTED:
            serve_taldau(server, dataset)
        settings = loopback_settings(server.base_url, tmp_path)
        http = HttpSource(settings, url_overrides={}, sleep=lambda _s: None)
        first = {d.id: probe(settings, d, None, http) for d in TALDAU_ROUTED}
        assert all(r.changed and r.how == "first sight" for r in first.values())
        employed = get("employed")
        frame = snapshot_frame(employed)
        revised = frame.assign(
            value=frame["value"].where(frame["year"] != frame["year"].max(), frame["value"] + 1)
        )
        serve_taldau(server, employed, revised)
        second = {d.id: probe(settings, d, first[d.id].known, http) for d in TALDAU_ROUTED}
    finally:
        server.stop()
    assert {i: (r.changed, r.how) for i, r in second.items()} == {
        d.id: (True, "new sha256") if d.id == "employed" else (False, "same sha256") for d in TALDAU_ROUTED
    }

"""Taldau's ``Api/GetIndexData`` (slices) route over a real loopback server, and the fallback between
routes: a dataset's release comes from the next declared route when the one before fails, and each
failure travels with the payload so that it is recorded.

The answers are built from the snapshot's own values in the slice shape ``../shared/DATA.md`` gives
(``tests.support.taldau.slices_answer``); the file API's JSON parser reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ingestion.catalog import get
from ingestion.errors import FetchError
from ingestion.parsing import parse_payload
from ingestion.releases import CELL_KEY
from ingestion.sources import HttpSource, RoutedSource, SnapshotSource
from tests.faults.http_faults import respond
from tests.support.bns_server import TALDAU_TREE_PATH, BnsServer
from tests.support.taldau import (
    loopback_settings,
    serve_taldau,
    serve_taldau_slices,
    slices_answer,
    slices_path,
    snapshot_frame,
)

INCOME = get("income_annual")
EMPLOYED = get("employed")


@pytest.fixture
def server():
    srv = BnsServer().start()
    yield srv
    srv.stop()


def routed(server: BnsServer, tmp_path: Path) -> RoutedSource:
    settings = loopback_settings(server.base_url, tmp_path, backoff_s=0.0)
    return RoutedSource(
        HttpSource(settings, url_overrides={}, sleep=lambda _s: None), SnapshotSource(settings.snapshot_dir)
    )


def cells(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[[*CELL_KEY, "value", "value_flag"]].astype({"value": "Float64"})
    return out.sort_values(CELL_KEY, na_position="first").reset_index(drop=True)


def test_routes_are_declared_file_then_tree_then_slices():
    assert [(r.kind, r.ref) for r in INCOME.routes] == [
        ("bns_file", 48510),
        ("taldau_tree", 704447),
        ("taldau_slices", 704447),
    ]
    assert [r.kind for r in EMPLOYED.routes] == ["taldau_tree", "taldau_slices"]
    assert slices_path(INCOME) == "/ru/Api/GetIndexData/704447?period=7&dics=67"


@pytest.mark.parametrize("dataset", [INCOME, EMPLOYED], ids=lambda d: d.id)
def test_slices_answer_parses_to_the_snapshot_values(dataset):
    route = dataset.taldau_slices_route
    frame = parse_payload(dataset, slices_answer(snapshot_frame(dataset), route.scale), "r", "a.json", route)
    expected = cells(snapshot_frame(dataset))
    assert len(frame) == len(expected) > 100
    pd.testing.assert_frame_equal(cells(frame), expected)


def test_x_is_confidential_and_an_empty_value_not_available():
    body = json.loads(slices_answer(snapshot_frame(EMPLOYED)))
    body[1]["periods"][0]["value"] = "x"
    body[1]["periods"][1]["value"] = ""
    route = EMPLOYED.taldau_slices_route
    frame = parse_payload(EMPLOYED, json.dumps(body, ensure_ascii=False).encode(), "r", "a.json", route)
    label = body[1]["termNames"][0]
    rows = frame[frame["region_label"] == label].sort_values("year").reset_index(drop=True)
    assert rows["value"].isna()[:2].all() and rows["value"].notna()[2:].all()
    assert list(rows["value_flag"][:2]) == ["confidential", "not_available"]


def test_the_tree_failing_the_slices_serve_and_the_failure_travels_along(server, tmp_path):
    body = serve_taldau_slices(server, EMPLOYED)  # the tree forms are not answered: 500
    payload = routed(server, tmp_path).fetch(EMPLOYED)
    assert payload.content == body and payload.source == "taldau"
    assert payload.route.kind == "taldau_slices" and payload.url.endswith(slices_path(EMPLOYED))
    (tree,) = payload.earlier
    assert tree.source == "taldau" and tree.url.endswith(TALDAU_TREE_PATH) and "HTTP 500" in tree.cause


def test_file_api_500_falls_back_to_the_tree(server, tmp_path):
    serve_taldau(server, INCOME)
    server.faults[INCOME.url_path] = respond(500)
    payload = routed(server, tmp_path).fetch(INCOME)
    assert payload.route.kind == "taldau_tree" and payload.source == "taldau"
    (file_api,) = payload.earlier
    assert (
        file_api.source == "http" and file_api.url.endswith(INCOME.url_path) and "HTTP 500" in file_api.cause
    )


def test_every_route_failing_raises_the_last_with_the_earlier_ones(server, tmp_path):
    server.set_taldau_slices(slices_path(INCOME), b"[]")
    with pytest.raises(
        FetchError, match=r"\[income_annual\].*GetIndexData/704447.*Taldau index 704447: empty"
    ) as err:
        routed(server, tmp_path).fetch(INCOME)
    assert err.value.content == b"[]" and err.value.source == "taldau"
    assert [e.source for e in err.value.earlier] == ["http", "taldau"]
    assert "HTTP 404" in err.value.earlier[0].cause and "HTTP 500" in err.value.earlier[1].cause

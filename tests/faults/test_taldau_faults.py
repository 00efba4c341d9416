"""Taldau faults: the employed-population index (702840, the dataset's live route) answered by the
loopback server with the snapshot's own values in the real ``GetIndexTreeData`` shape, one fault per test.

Each failing case asserts the guarantees of ``conftest.assert_fault_contained`` (clear error naming the
dataset, index and URL or the place in the answer; the bytes kept when a complete body arrived; a
``raw.releases`` row; nothing current, raw or published moved), then a clean rerun.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from ingestion.catalog import get
from ingestion.sources import HttpSource, RoutedSource, SnapshotSource
from ingestion.taldau_release import TreeAnswer, release_document
from tests.faults import http_faults as hf
from tests.faults.conftest import assert_clean_rerun, assert_fault_contained, before, error_text
from tests.support.bns_server import TALDAU_TREE_PATH
from tests.support.taldau import NATIONAL_NODE_ID, route_answers, serve_taldau, snapshot_frame

#: the tree route alone (its slices fallback off), so each fault is the tree's; the slices' faults and
#: the fallback are in ``test_taldau_slices_faults.py``
EMPLOYED = dataclasses.replace(get("employed"), taldau_slices=False)
ROUTE = EMPLOYED.taldau_route
ANSWERS = route_answers(EMPLOYED)  # year answers: the country node, then its regions
HTML = b"<!DOCTYPE html>\n<html><head><title>500</title></head><body>Technical works</body></html>\n"


@pytest.fixture
def taldau(http):
    """The healthy server answering the index's forms, and a routed source pointed at it."""
    serve_taldau(http.server, EMPLOYED)
    settings = dataclasses.replace(http.settings, taldau_base_url=http.server.base_url)
    http.routed = RoutedSource(
        HttpSource(settings, url_overrides={}, sleep=http.sleeps.append),
        SnapshotSource(settings.snapshot_dir),
    )
    return http


def refresh(warehouse, taldau):
    try:
        return warehouse.refresh(EMPLOYED, taldau.routed)
    except Exception as exc:  # an IngestionError, already recorded
        return exc


def check(
    warehouse, taldau, was, outcome, cause: str, landed: bytes | None = None, status: str = "failed"
) -> None:
    assert_fault_contained(
        warehouse, EMPLOYED, was, outcome, cause=cause, landed=landed, status=status, extension="json"
    )
    taldau.server.faults.clear()
    serve_taldau(taldau.server, EMPLOYED)
    assert_clean_rerun(warehouse, EMPLOYED, taldau.routed, expect=("loaded",))


def _serve_mutated(taldau, mutate) -> bytes:
    """Serve the answers with ``mutate(nodes, parent)`` applied to each; return the release landed."""
    answers = []
    for answer in ANSWERS:
        nodes = json.loads(answer.body)
        mutate(nodes, answer.parent)
        body = json.dumps(nodes, ensure_ascii=False, separators=(",", ":")).encode()
        answers.append(TreeAnswer(answer.period_id, answer.parent, body))
        taldau.server.set_taldau(ROUTE.ref, answer.period_id, body, answer.parent)
    return release_document(ROUTE.ref, answers)


def test_taldau_500_for_wrong_parameters_names_index_and_url(warehouse, taldau):
    taldau.server.faults[TALDAU_TREE_PATH] = hf.respond(500)
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    check(
        warehouse,
        taldau,
        was,
        outcome,
        r"fetch of .*/ru/NewIndex/GetIndexTreeData failed: Taldau index 702840: HTTP 500",
    )


def test_taldau_empty_list_is_a_failed_release(warehouse, taldau):
    taldau.server.set_taldau(ROUTE.ref, 7, b"[]")
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    check(warehouse, taldau, was, outcome, r"Taldau index 702840: empty answer", landed=b"[]")


def test_taldau_empty_expansion_names_the_parent_node(warehouse, taldau):
    taldau.server.set_taldau(ROUTE.ref, 7, b"[]", parent=NATIONAL_NODE_ID)
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    cause = r"Taldau index 702840: empty answer .*p_parent_id='741880'"
    check(warehouse, taldau, was, outcome, cause, landed=b"[]")


def test_taldau_html_page_is_not_data(warehouse, taldau):
    taldau.server.set_taldau(ROUTE.ref, 7, HTML)
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    check(warehouse, taldau, was, outcome, r"Taldau index 702840: HTML page instead of data", landed=HTML)


def test_taldau_node_with_an_unknown_region_is_never_dropped(warehouse, taldau):
    def rename(nodes, parent):
        if parent == NATIONAL_NODE_ID:
            nodes[0]["text"] = "Атлантида"

    body = _serve_mutated(taldau, rename)
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    check(warehouse, taldau, was, outcome, r"answer 1 .*node 0 text.*Атлантида", landed=body)


def test_taldau_value_key_with_text_names_the_key(warehouse, taldau):
    def text(nodes, parent):
        if parent == "":
            nodes[0]["y122020"] = "нет данных"

    body = _serve_mutated(taldau, text)
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    check(warehouse, taldau, was, outcome, r"answer 0 .*node 0 key 'y122020'.*нет данных", landed=body)


def test_taldau_changed_period_set_is_a_new_release_that_cannot_lose_a_year(warehouse, taldau):
    """A year vanishing from the answer (the period set changed under the same index) is a new release
    by its sha256, quarantined: it must not silently shrink the series."""
    body = _serve_mutated(taldau, lambda nodes, _parent: [n.pop("y122020", None) for n in nodes])
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, taldau)
    check(warehouse, taldau, was, outcome, "years_cover_previous_release", body, status="quarantined")


def test_taldau_new_year_in_the_period_set_is_loaded(warehouse, taldau):
    """The other change of the period set, a year added by a new release, is loaded as new cells.
    The added year repeats the last year's values: numbers this test makes, not BNS data."""
    frame = snapshot_frame(EMPLOYED)
    last = frame[frame["year"] == frame["year"].max()].assign(year=frame["year"].max() + 1)
    serve_taldau(taldau.server, EMPLOYED, pd.concat([frame, last], ignore_index=True))
    done = refresh(warehouse, taldau)
    assert done.status == "loaded", error_text(done)
    assert done.record.new_cells == len(last) and done.record.source == "taldau"
    assert done.record.revised_cells == 0 and done.record.landed_path.endswith(".json")

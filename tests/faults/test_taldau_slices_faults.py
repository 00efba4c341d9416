"""Faults of Taldau's ``Api/GetIndexData`` route, and the fallback between a dataset's live routes.

Slices faults: the employed-population index (702840) whose tree route is down (its forms answer 500),
so its release can only come from the slices route, answered by the loopback server with the
snapshot's own values in the slice shape; one fault per test, each asserting the guarantees of
``conftest.assert_fault_contained`` on the last attempt (the slices'), the tree's failure recorded
before it, then a clean rerun whose values equal the snapshot's (no cell new or revised).

Fallback: money income (file API element 48510, then Taldau 704447) with its file API failing; the
tree serves, both attempts are in ``raw.releases`` with their source and URL.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from ingestion.catalog import get
from ingestion.errors import IngestionError
from ingestion.landing import fingerprint
from ingestion.sources import HttpSource, RoutedSource, SnapshotSource
from tests.faults import http_faults as hf
from tests.faults.conftest import assert_fault_contained, before, error_text
from tests.support.bns_server import TALDAU_TREE_PATH
from tests.support.taldau import serve_taldau, serve_taldau_slices, slices_path

EMPLOYED = get("employed")
INCOME = get("income_annual")
SLICES = slices_path(EMPLOYED)
HTML = b"<!DOCTYPE html>\n<html><head><title>500</title></head><body>Technical works</body></html>\n"


@pytest.fixture
def routed(http):
    """A routed source over the loopback server, file API and Taldau alike (no URL mapping)."""
    settings = dataclasses.replace(http.settings, taldau_base_url=http.server.base_url)
    http.routed = RoutedSource(
        HttpSource(settings, url_overrides={}, sleep=http.sleeps.append),
        SnapshotSource(settings.snapshot_dir),
    )
    return http


def refresh(warehouse, routed, dataset=EMPLOYED):
    try:
        return warehouse.refresh(dataset, routed.routed)
    except IngestionError as exc:  # already recorded
        return exc


def assert_tree_failed_first(warehouse) -> None:
    tree, slices = warehouse.new_ledger_rows(EMPLOYED.id)[-2:]
    assert tree["status"] == "failed" and tree["source"] == "taldau"
    assert tree["url"].endswith(TALDAU_TREE_PATH) and "HTTP 500" in tree["error"]
    assert slices["url"].endswith(SLICES) and slices["source"] == "taldau"


def clean_rerun_equals_the_snapshot(warehouse, routed) -> None:
    routed.server.faults.clear()
    body = serve_taldau_slices(routed.server, EMPLOYED)
    done = refresh(warehouse, routed)
    assert not isinstance(done, IngestionError), done
    assert done.status == "loaded", error_text(done)
    assert done.record.release_id == fingerprint(body) and done.record.url.endswith(SLICES)
    assert done.record.revised_cells == 0 and done.record.new_cells == 0  # the snapshot's values


def contained(warehouse, routed, cause: str, landed: bytes | None) -> None:
    was = before(warehouse, EMPLOYED)
    outcome = refresh(warehouse, routed)
    assert_fault_contained(warehouse, EMPLOYED, was, outcome, cause=cause, landed=landed, extension="json")
    assert_tree_failed_first(warehouse)
    clean_rerun_equals_the_snapshot(warehouse, routed)


def test_slices_500_names_dataset_index_and_url(warehouse, routed):
    # nothing served for the path: the server answers 500 as Taldau does for wrong parameters
    contained(warehouse, routed, r"fetch of .*/ru/Api/GetIndexData/702840\?period=7&dics=67 failed: "
              r"Taldau index 702840: HTTP 500", None)  # fmt: skip


def test_slices_empty_list_is_a_failed_release(warehouse, routed):
    routed.server.set_taldau_slices(SLICES, b"[]")
    contained(warehouse, routed, r"GetIndexData/702840.*Taldau index 702840: empty answer", b"[]")


def test_slices_html_page_is_not_data(warehouse, routed):
    routed.server.faults[SLICES] = hf.respond(200, HTML, {"Content-Type": "text/html"})
    contained(warehouse, routed, r"GetIndexData/702840.*Taldau index 702840: HTML page instead of data", HTML)


def test_slices_unknown_region_is_never_dropped(warehouse, routed):
    body = json.loads(serve_taldau_slices(routed.server, EMPLOYED))
    body[3]["termNames"] = ["Атлантида"]
    damaged = json.dumps(body, ensure_ascii=False).encode()
    routed.server.set_taldau_slices(SLICES, damaged)
    contained(warehouse, routed, r"slice 3 termNames\[0\].*Атлантида", damaged)


def test_slices_x_value_is_confidential_not_invented(warehouse, routed):
    """``"x"`` where the current release has a number: read as a confidential cell (no value), so
    the release revises that one cell; it is never read as a number or dropped."""
    body = json.loads(serve_taldau_slices(routed.server, EMPLOYED))
    body[3]["periods"][-1]["value"] = "x"
    routed.server.set_taldau_slices(SLICES, json.dumps(body, ensure_ascii=False).encode())
    done = refresh(warehouse, routed)
    assert not isinstance(done, IngestionError), done
    assert_tree_failed_first(warehouse)
    frame = done.candidate.frame
    cell = frame[
        (frame["region_label"] == body[3]["termNames"][0])
        & (frame["year"] == int(body[3]["periods"][-1]["name"]))
    ]
    assert len(cell) == 1 and cell["value"].isna().all() and list(cell["value_flag"]) == ["confidential"]
    assert done.status == "loaded", error_text(done)
    assert done.record.revised_cells == 1 and done.record.new_cells == 0


@pytest.mark.parametrize(
    ("fault", "landed"),
    [(hf.respond(500), None), (hf.respond(200, HTML, {"Content-Type": "text/html"}), HTML)],
    ids=["http_500", "html_page"],
)
def test_file_api_failing_falls_back_to_taldau_and_both_attempts_are_recorded(
    warehouse, routed, fault, landed
):
    serve_taldau(routed.server, INCOME)
    routed.server.faults[INCOME.url_path] = fault
    done = refresh(warehouse, routed, INCOME)
    assert not isinstance(done, IngestionError), done
    assert done.status == "loaded", error_text(done)
    assert done.record.revised_cells == 0 and done.record.new_cells == 0  # the same facts by either route
    failed, served = warehouse.new_ledger_rows(INCOME.id)
    assert failed["status"] == "failed" and failed["source"] == "http"
    assert failed["url"].startswith(routed.server.base_url) and "[income_annual]" in failed["error"]
    assert ("HTTP 500" if landed is None else "HTML page") in failed["error"]
    if landed is None:
        assert failed["landed_path"] is None
    else:  # the refused attempt is landed too
        assert failed["landed_path"].endswith(f"{fingerprint(landed)}.csv")
    assert served["status"] == "loaded" and served["source"] == "taldau"
    assert served["url"].endswith(TALDAU_TREE_PATH) and served["landed_path"].endswith(".json")
    assert done.candidate.payload.route.kind == "taldau_tree" and len(done.candidate.payload.earlier) == 1

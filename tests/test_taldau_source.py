"""The Taldau source against a real loopback server answering the POST form like Taldau does.

The answer served is the real ``GetIndexTreeData`` example response (index 701189) byte for byte; the
source must post the form of the real request, land what arrives unchanged, and turn a 500, an empty
list or an HTML page into an error naming the dataset, the index and the URL.
"""

from __future__ import annotations

import dataclasses
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ingestion.catalog import get
from ingestion.errors import FetchError
from ingestion.parsing import parse_payload
from ingestion.settings import SNAPSHOT_DIR, Settings
from ingestion.sources import HttpSource, RoutedSource, SnapshotSource, TaldauSource
from tests.support.bns_server import TALDAU_TREE_PATH, BnsServer
from tests.support.taldau import loopback_settings

EXAMPLES = SNAPSHOT_DIR / "api-examples"
EXAMPLE = (EXAMPLES / "kz_taldau_GetIndexTreeData_example_response_701189.json").read_bytes()
REQUEST = json.loads((EXAMPLES / "kz_taldau_GetIndexTreeData_example_request_701189.json").read_text())
#: a Taldau-only dataset pointed at the example's index, so the real answer is what it receives
WAGES = dataclasses.replace(
    get("wages_nominal"), taldau_index=701189, frequency="annual", taldau_complete=True
)


@pytest.fixture
def server():
    srv = BnsServer().start()
    yield srv
    srv.stop()


def make_settings(server: BnsServer, tmp_path: Path) -> Settings:
    return loopback_settings(server.base_url, tmp_path, backoff_s=0.0, max_retries=2, read_timeout_s=2.0)


def make_taldau(server: BnsServer, tmp_path: Path) -> TaldauSource:
    http = HttpSource(make_settings(server, tmp_path), url_overrides={}, sleep=lambda _s: None)
    return TaldauSource(http, server.base_url)


def test_posts_the_real_form_and_returns_the_answer_byte_for_byte(server, tmp_path):
    server.set_taldau(701189, 7, EXAMPLE)
    payload = make_taldau(server, tmp_path).fetch(WAGES)
    assert payload.content == EXAMPLE
    assert payload.source == "taldau" and payload.route.kind == "taldau_tree" and payload.route.ref == 701189
    assert payload.url == server.base_url + TALDAU_TREE_PATH
    (form,) = server.forms
    assert set(form) == set(REQUEST["request_body"])  # the same fields as the real request
    assert form["p_index_id"] == "701189" and form["p_period_id"] == "7" and form["p_dicIds"] == "67"


def test_quarterly_dataset_asks_for_period_5(server, tmp_path):
    quarterly = dataclasses.replace(WAGES, frequency="quarterly")
    server.set_taldau(701189, 5, EXAMPLE)
    make_taldau(server, tmp_path).fetch(quarterly)
    assert server.forms[0]["p_period_id"] == "5"


def test_wrong_parameters_500_is_retried_then_names_dataset_index_and_url(server, tmp_path):
    server.set_taldau(701189, 5, EXAMPLE)  # only the quarterly answer exists: the annual one is a 500
    with pytest.raises(FetchError) as err:
        make_taldau(server, tmp_path).fetch(WAGES)
    message = str(err.value)
    assert "[wages_nominal]" in message and "Taldau index 701189" in message
    assert server.base_url + TALDAU_TREE_PATH in message and "HTTP 500" in message
    assert len(server.forms) == 3


def test_empty_list_is_an_error_not_an_empty_release(server, tmp_path):
    server.set_taldau(701189, 7, b"[]")
    with pytest.raises(FetchError, match=r"\[wages_nominal\].*Taldau index 701189: empty answer") as err:
        make_taldau(server, tmp_path).fetch(WAGES)
    assert err.value.content == b"[]"  # kept, so the refused answer is landed and recorded


def test_html_page_is_not_data(server, tmp_path):
    def html(handler: BaseHTTPRequestHandler) -> bool:
        body = b"<!DOCTYPE html><html><body>Error</body></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    server.faults[TALDAU_TREE_PATH] = html
    with pytest.raises(FetchError, match=r"Taldau index 701189: HTML page instead of data"):
        make_taldau(server, tmp_path).fetch(WAGES)


def test_a_json_object_is_not_a_list_of_nodes(server, tmp_path):
    server.set_taldau(701189, 7, b'{"error": "no data"}')
    with pytest.raises(FetchError, match="answer is a JSON dict, not a list of nodes"):
        make_taldau(server, tmp_path).fetch(WAGES)


def test_routed_source_prefers_the_file_api_then_taldau_then_the_snapshot(server, tmp_path):
    settings = make_settings(server, tmp_path)
    http = HttpSource(settings, url_overrides={}, sleep=lambda _s: None)
    routed = RoutedSource(http, SnapshotSource(settings.snapshot_dir))
    server.set_taldau(701189, 7, EXAMPLE)
    assert routed.fetch(WAGES).source == "taldau"
    assert routed.fetch(get("life_expectancy")).source == "snapshot"  # no live route known
    income = get("income_annual")  # element 48510 and Taldau 704447: the file API is primary
    server.set(income.url_path, "\ufeffNAM\tDAT\tPERIOD\tX\tLX\tVAL\n".encode(), "csv")
    payload = routed.fetch(income)
    assert payload.source == "http" and payload.route.kind == "bns_file" and payload.route.ref == 48510


def test_route_scale_brings_tenge_to_the_dataset_unit():
    route = dataclasses.replace(WAGES.taldau_route, scale=1e-6)
    frame = parse_payload(WAGES, EXAMPLE, "r1", "x.json", route)
    tenge = parse_payload(WAGES, EXAMPLE, "r1", "x.json", WAGES.taldau_route)
    by_label = dict(zip(tenge["period_label"], tenge["value"], strict=True))
    assert by_label["y122020"] == pytest.approx(6334668832923.03)
    scaled = dict(zip(frame["period_label"], frame["value"], strict=True))
    assert scaled["y122020"] == pytest.approx(6334668.83292303)
    assert len(frame) == 16  # 2010-2025, the real answer's years

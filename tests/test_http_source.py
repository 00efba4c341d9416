"""The HTTP source against a real loopback server in the live BNS API's shapes (302 + ETag).

Payloads here are small byte strings made by the tests themselves (not BNS data): the source only
moves bytes, it does not read them.
"""

from __future__ import annotations

import dataclasses
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ingestion.catalog import get
from ingestion.errors import FetchError
from ingestion.settings import Settings
from ingestion.sources import Conditional, HttpSource
from tests.support.bns_server import BnsServer

INCOME = get("income_annual")
ROUTE = INCOME.url_path
CSV_BYTES = "\ufeffNAM\tDAT\tPERIOD\tX\tLX\tVAL\n".encode()


@pytest.fixture
def server():
    srv = BnsServer().start()
    yield srv
    srv.stop()


def make_source(server: BnsServer, tmp_path: Path, **overrides) -> HttpSource:
    settings = dataclasses.replace(
        Settings(home=tmp_path),
        source="http",
        base_url=server.base_url,
        allowed_hosts=("127.0.0.1",),
        backoff_s=0.0,
        max_retries=2,
        read_timeout_s=2.0,
        **overrides,
    )
    return HttpSource(settings, url_overrides={}, sleep=lambda _s: None)


def test_follows_302_and_returns_etag(server, tmp_path):
    server.set(ROUTE, CSV_BYTES, "csv")
    payload = make_source(server, tmp_path).fetch(INCOME)
    assert payload.content == CSV_BYTES
    assert payload.etag and payload.last_modified
    assert payload.url.startswith(server.base_url + "/upload/")
    assert server.hits == [ROUTE, payload.url.removeprefix(server.base_url)]


def test_conditional_request_answers_not_modified(server, tmp_path):
    server.set(ROUTE, CSV_BYTES, "csv")
    source = make_source(server, tmp_path)
    first = source.fetch(INCOME)
    second = source.fetch(INCOME, Conditional(first.etag, first.last_modified))
    assert second.not_modified and second.content == b""


def test_redirect_to_a_host_not_allowed_is_refused(server, tmp_path):
    def evil(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(302)
        handler.send_header("Location", "http://example.org/steal")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    server.faults[ROUTE] = evil
    with pytest.raises(FetchError, match=r"\[income_annual\].*host 'example.org' is not in the allowed"):
        make_source(server, tmp_path).fetch(INCOME)


def test_server_error_is_retried_then_reported(server, tmp_path):
    def fail(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(503)
        handler.send_header("Retry-After", "1")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    server.faults[ROUTE] = fail
    with pytest.raises(FetchError, match=r"HTTP 503 \(gave up after 3 attempts\)"):
        make_source(server, tmp_path).fetch(INCOME)
    assert server.hits.count(ROUTE) == 3


def test_html_error_page_with_status_200_is_not_data(server, tmp_path):
    server.set(ROUTE, b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "csv")
    with pytest.raises(FetchError, match="HTML page instead of data"):
        make_source(server, tmp_path).fetch(INCOME)


def test_body_over_the_size_cap_is_refused(server, tmp_path):
    server.set(ROUTE, CSV_BYTES * 100, "csv")
    with pytest.raises(FetchError, match="exceeds the cap of 64"):
        make_source(server, tmp_path, max_bytes=64).fetch(INCOME)

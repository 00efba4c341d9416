"""HTTP faults: the real annual income release (``income_annual``, BNS element 48510) served by a
loopback server in the live file API's shapes (302 to ``/upload/<etag>.csv``), with one fault per test.

Each failing case asserts the five guarantees of ``conftest.assert_fault_contained`` (clear error,
bytes kept when a complete body arrived, ``raw.releases`` row, published files unchanged) and then a
clean rerun against the healthy server. Retries do not sleep: the source records the delays it would
have waited (backoff 0.25 s doubling; ``Retry-After`` honoured up to 60 s).
"""

from __future__ import annotations

import socket

import pytest

from ingestion.catalog import get
from tests.faults import http_faults as hf
from tests.faults.conftest import assert_fault_contained, before, tree_state
from tests.faults.damage import real, replace_once
from tests.support.bns_server import BnsServer

INCOME = get("income_annual")
ROUTE = INCOME.url_path
REAL = real("income_annual")
CSV = "text/csv; charset=utf-8"
KYZYLORDA_2006 = b"200612,KYZYLORDA REGION,0,14 602"
HTML = b"<!DOCTYPE html>\n<html><head><title>503</title></head><body>Technical works</body></html>\n"


@pytest.fixture
def served(http):
    """The healthy server: the real release at its BNS route."""
    http.server.set(ROUTE, REAL, "csv")
    return http


def check(warehouse, http, was, outcome, cause: str, landed: bytes | None = None) -> None:
    assert_fault_contained(warehouse, INCOME, was, outcome, cause=cause, landed=landed)
    assert http.rerun_clean(warehouse, INCOME).status == "unchanged"


# --- status codes -------------------------------------------------------------------------------


def test_http_404_is_reported_at_once_without_retries(warehouse, served):
    served.server.faults[ROUTE] = hf.respond(404)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    assert served.server.hits.count(ROUTE) == 1 and served.sleeps == []
    check(warehouse, served, was, outcome, r"fetch of .*/48510/csv/file/en/ failed: HTTP 404$")


def test_http_500_without_retry_after_is_retried_with_backoff(warehouse, served):
    served.server.faults[ROUTE] = hf.respond(500)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    assert served.server.hits.count(ROUTE) == 3 and served.sleeps == [0.25, 0.5]
    check(warehouse, served, was, outcome, r"HTTP 500 \(gave up after 3 attempts\)")


def test_http_503_with_retry_after_waits_as_asked(warehouse, served):
    served.server.faults[ROUTE] = hf.respond(503, headers={"Retry-After": "7"})
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    assert served.sleeps == [7.0, 7.0]
    check(warehouse, served, was, outcome, r"HTTP 503 \(gave up after 3 attempts\)")


def test_http_503_with_an_absurd_retry_after_waits_at_most_a_minute(warehouse, served):
    served.server.faults[ROUTE] = hf.respond(503, headers={"Retry-After": "86400"})
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    assert served.sleeps == [60.0, 60.0]
    check(warehouse, served, was, outcome, r"HTTP 503 \(gave up after 3 attempts\)")


def test_http_503_once_then_the_release_arrives(warehouse, served):
    served.server.faults[ROUTE] = hf.first(1, hf.respond(503))
    done = served.refresh(warehouse, INCOME)
    assert done.status == "unchanged", done  # the real release, already loaded
    assert served.sleeps == [0.25]
    assert [r["status"] for r in warehouse.new_ledger_rows(INCOME.id)] == ["unchanged"]
    assert tree_state(warehouse.published) == warehouse.published_before


# --- the connection -----------------------------------------------------------------------------


def test_read_timeout_before_the_first_byte(warehouse, served):
    served.server.faults[served.upload_path(ROUTE)] = hf.stall(served.release)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"ReadTimeout.*\(gave up after 3 attempts\)")


def test_read_timeout_in_the_middle_of_the_body(warehouse, served):
    served.server.faults[served.upload_path(ROUTE)] = hf.stall_mid_body(REAL, CSV, served.release)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"(read timeout|body interrupted) after \d+ bytes")


def test_connection_refused(warehouse, served):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME, base_url=f"http://127.0.0.1:{closed}")
    check(warehouse, served, was, outcome, r"ConnectionError.*\(gave up after 3 attempts\)")


def test_connection_reset_by_the_server(warehouse, served):
    served.server.faults[ROUTE] = hf.reset()
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"ConnectionError.*\(gave up after 3 attempts\)")


def test_truncated_body(warehouse, served):
    keep = len(REAL) // 2
    served.server.faults[served.upload_path(ROUTE)] = hf.truncated(REAL, CSV, keep)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    # An unfinished transfer is not a release: nothing partial is landed; the error says how much came.
    check(warehouse, served, was, outcome, rf"(truncated body: {keep} of {len(REAL)}|body interrupted after)")


# --- what the body is ---------------------------------------------------------------------------


def test_status_200_with_an_html_error_page(warehouse, served):
    # The server even claims text/csv: the body itself is sniffed.
    served.server.faults[served.upload_path(ROUTE)] = hf.respond(200, HTML, {"Content-Type": CSV})
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"HTML page instead of data", landed=HTML)


def test_empty_body(warehouse, served):
    served.server.faults[served.upload_path(ROUTE)] = hf.respond(200, b"", {"Content-Type": CSV})
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"empty body")


def test_wrong_content_type(warehouse, served):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    served.server.faults[served.upload_path(ROUTE)] = hf.respond(200, png, {"Content-Type": "image/png"})
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"unexpected content type 'image/png'", landed=png)


def test_body_over_the_size_cap_announced_by_content_length(warehouse, served):
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME, max_bytes=10_000)
    check(warehouse, served, was, outcome, rf"body of {len(REAL)} bytes exceeds the cap of 10000")


def test_body_over_the_size_cap_streamed_without_content_length(warehouse, served):
    served.server.faults[served.upload_path(ROUTE)] = hf.chunked(REAL, CSV)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME, max_bytes=10_000)
    check(warehouse, served, was, outcome, r"body exceeds the cap of 10000 bytes")


# --- redirects ----------------------------------------------------------------------------------


def test_redirect_loop(warehouse, served):
    served.server.faults[ROUTE] = hf.redirect("/upload/elsewhere.csv")
    served.server.faults["/upload/elsewhere.csv"] = hf.redirect(ROUTE)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"redirect loop at .*/48510/csv/file/en/")


def test_endless_chain_of_redirects(warehouse, served):
    served.server.faults[ROUTE] = hf.redirect("/hop/1")
    for n in range(1, 10):
        served.server.faults[f"/hop/{n}"] = hf.redirect(f"/hop/{n + 1}")
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    assert "/hop/6" not in served.server.hits  # stopped after 5 redirects
    check(warehouse, served, was, outcome, r"more than 5 redirects")


def test_redirect_to_a_host_not_allowed_is_never_contacted(warehouse, served):
    other = BnsServer().start()  # same machine, reached by a name that is not in the allowed hosts
    try:
        port = other.base_url.rsplit(":", 1)[1]
        served.server.faults[ROUTE] = hf.redirect(f"http://localhost:{port}/upload/x.csv")
        was = before(warehouse, INCOME)
        outcome = served.refresh(warehouse, INCOME)
        assert other.hits == []
    finally:
        other.stop()
    check(warehouse, served, was, outcome, r"host 'localhost' is not in the allowed hosts \['127.0.0.1'\]")


def test_redirect_to_plain_http_on_an_allowed_public_host_is_refused(warehouse, served):
    # stat.gov.kz is allowed, but only over TLS: the hop is refused before any connection is made
    # (there is no network here; a connection attempt would fail with a different message).
    served.server.faults[ROUTE] = hf.redirect("http://stat.gov.kz/upload/x.csv")
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME, allowed_hosts=("127.0.0.1", "stat.gov.kz"))
    check(warehouse, served, was, outcome, r"scheme 'http' refused: only https")


def test_redirect_without_a_location(warehouse, served):
    served.server.faults[ROUTE] = hf.respond(302)
    was = before(warehouse, INCOME)
    outcome = served.refresh(warehouse, INCOME)
    check(warehouse, served, was, outcome, r"HTTP 302 redirect without a Location header")


# --- a release that did not change --------------------------------------------------------------


def test_http_304_not_modified_is_a_no_op(warehouse, served):
    # Damage: one old cell revised (Kyzylorda 2006, "14 602" -> "14 650") so that a release arrives
    # over HTTP with an ETag; the next refresh asks If-None-Match and the server answers 304.
    revised = replace_once(REAL, KYZYLORDA_2006, KYZYLORDA_2006.replace(b"14 602", b"14 650"))
    served.server.set(ROUTE, revised, "csv")
    assert served.refresh(warehouse, INCOME).status == "loaded"
    rows = warehouse.raw_rows(INCOME.id)
    done = served.refresh(warehouse, INCOME)
    assert done.status == "unchanged"
    last = warehouse.new_ledger_rows(INCOME.id)[-1]
    assert last["status"] == "unchanged" and last["etag"] == served.server.routes[ROUTE].etag
    assert last["byte_size"] is None  # no body was sent
    assert warehouse.raw_rows(INCOME.id) == rows
    assert tree_state(warehouse.published) == warehouse.published_before

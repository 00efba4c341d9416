"""The release sensor against a loopback server serving the real snapshot files (302 + ETag), and
against every dataset's own live route (file API elements and Taldau answers)."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler

import dagster as dg
import pytest

from ingestion.catalog import CATALOG, get
from ingestion.settings import SNAPSHOT_DIR
from orchestration.automation import INGESTION_KEYS, bns_release_sensor, run_key_for
from tests.conftest import point_at
from tests.support.bns_server import BnsServer
from tests.support.taldau import serve_live_routes, serve_taldau, snapshot_frame


@pytest.fixture
def served(tmp_path, monkeypatch):
    server = BnsServer().start()
    mapping = {}
    for index, dataset in enumerate(CATALOG):
        route = dataset.url_path or f"/api/iblock/element/{900000 + index}/file/ru/"
        server.set(route, (SNAPSHOT_DIR / dataset.snapshot_file).read_bytes(), dataset.extension)
        mapping[dataset.id] = route
    urls = tmp_path / "urls.json"
    urls.write_text(json.dumps(mapping), encoding="utf-8")
    point_at(
        monkeypatch,
        tmp_path / "home",
        source="http",
        base_url=server.base_url,
        allowed_hosts="127.0.0.1",
        source_urls=str(urls),
        max_retries="0",
        read_timeout_s="0.5",
    )
    yield server, mapping
    server.stop()


def tick(cursor: str | None) -> dg.SensorResult:
    with dg.instance_for_test() as instance:
        return bns_release_sensor(dg.build_sensor_context(cursor=cursor, instance=instance))


def requested(result: dg.SensorResult) -> set[str]:
    keys = {key for request in result.run_requests for key in request.asset_selection}
    return {name for name, key in INGESTION_KEYS.items() if key in keys}


def test_first_tick_requests_every_dataset_then_an_unchanged_release_skips(served):
    first = tick(None)
    assert requested(first) == {d.id for d in CATALOG}
    assert len(first.run_requests) == 1 and first.run_requests[0].run_key.startswith("releases-")
    second = tick(first.cursor)
    assert not second.run_requests
    assert "no new release" in second.skip_reason.skip_message
    assert json.loads(second.cursor) == json.loads(first.cursor)


def test_a_changed_file_triggers_exactly_its_dataset_with_a_fingerprint_run_key(served):
    server, mapping = served
    first = tick(None)
    route = mapping["income_annual"]
    changed = server.routes[route].content.replace(b"14 602", b"14 603")  # a revised cell
    server.set(route, changed, "csv", last_modified=time.time())
    second = tick(first.cursor)
    assert requested(second) == {"income_annual"}
    fingerprint = json.loads(second.cursor)["income_annual"]["fingerprint"]
    assert second.run_requests[0].run_key == run_key_for({"income_annual": fingerprint})
    assert second.run_requests[0].tags["kzw/datasets"] == "income_annual"


@pytest.mark.parametrize("fault", ["http_500", "timeout"])
def test_a_server_fault_skips_with_a_reason_and_keeps_the_cursor(served, fault):
    server, mapping = served
    first = tick(None)
    route = mapping["population"]

    def broken(handler: BaseHTTPRequestHandler) -> bool:
        if fault == "timeout":
            time.sleep(1.5)
            return False
        handler.send_response(500)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    server.faults[route] = broken
    result = tick(first.cursor)
    assert not result.run_requests
    message = result.skip_reason.skip_message
    assert "[population]" in message and ("HTTP 500" in message or "Timeout" in message)
    assert json.loads(result.cursor)["population"] == json.loads(first.cursor)["population"]


@pytest.fixture
def live_routes(tmp_path, monkeypatch):
    """Every dataset on its own catalog route (file API element or Taldau index), no URL mapping."""
    server = BnsServer().start()
    served = serve_live_routes(server)
    monkeypatch.delenv("KZW_SOURCE_URLS", raising=False)
    point_at(
        monkeypatch,
        tmp_path / "home",
        source="http",
        base_url=server.base_url,
        taldau_url=server.base_url,
        allowed_hosts="127.0.0.1",
        max_retries="0",
        read_timeout_s="2",
    )
    yield server, served
    server.stop()


def test_a_changed_taldau_answer_triggers_exactly_its_dataset(live_routes):
    """Taldau sends no validators: the sensor hashes the release; an unchanged answer is ignored."""
    server, served = live_routes
    assert {d for d, route in served.items() if route == "taldau"} >= {"employed", "wages_nominal"}
    first = tick(None)
    assert requested(first) == {d.id for d in CATALOG}
    posts = len(server.forms)
    assert not tick(first.cursor).run_requests  # nothing changed: every Taldau answer hashed again
    assert len(server.forms) == 2 * posts
    wages = get("wages_nominal")
    frame = snapshot_frame(wages)
    quarter = (frame["period_type"] == "quarter") & (frame["year"] == frame["year"].max())
    serve_taldau(server, wages, frame.assign(value=frame["value"].mask(quarter, frame["value"] + 1)))
    second = tick(first.cursor)
    assert requested(second) == {"wages_nominal"}
    fingerprint = json.loads(second.cursor)["wages_nominal"]["fingerprint"]
    assert fingerprint != json.loads(first.cursor)["wages_nominal"]["fingerprint"]
    assert second.run_requests[0].run_key == run_key_for({"wages_nominal": fingerprint})


def test_a_loaded_but_unpublished_release_is_requested_once_nothing_changed_at_the_source(
    tmp_path, monkeypatch
):
    """Published = loaded: a release in raw.releases that the publication does not show (a refresh died
    after ingestion) makes the sensor request the downstream assets, naming why, once per state."""
    from publishing.publish import publish
    from tests.faults.test_revisions import _load

    home = tmp_path / "home"
    point_at(monkeypatch, home)
    from ingestion.raw_store import RawStore
    from ingestion.settings import Settings

    settings = Settings.from_env()
    store = RawStore(settings.build_db)
    store.ensure_tables(["income_annual"])
    _load(store, "a" * 64, [("KZ-10", "2020", 1.0, None)])
    publish(settings.build_db, settings.publish_dir)
    first = tick(None)  # every snapshot file is new to an empty cursor: a normal refresh request
    assert first.run_requests[0].run_key.startswith("releases-")
    assert "no new release" in tick(first.cursor).skip_reason.skip_message  # published = loaded

    _load(store, "b" * 64, [("KZ-10", "2020", 2.0, None)])  # loaded, then the refresh died
    stranded = tick(first.cursor)
    [request] = stranded.run_requests
    assert request.tags["kzw/reason"] == "loaded but not yet published: income_annual"
    assert request.run_key.startswith("stranded-releases-")
    assert not requested(stranded), "no dataset is fetched again: its release is already in raw"
    assert tick(first.cursor).run_requests[0].run_key == request.run_key  # same state, same key

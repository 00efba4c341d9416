"""The no-op release check over HTTP: ``refresh-if-changed`` probing every dataset on its live route.

The loopback server of the test suite (``tests/support``) serves every dataset on its own catalog route
with the snapshot's values: the file API elements (302 + ETag, so a probe is a conditional request
answered 304) and the Taldau indices (no validators: every answer of every level and period kind is
fetched and the release document hashed). A scratch warehouse is seeded with those releases (fetch,
land, parse, accept; no validation, no dbt: only ``raw.releases`` matters to the check), then
``python -m orchestration.cli refresh-if-changed`` runs in a new process a few times, as cron would.
What it must show: ``no new release``, exit 0, no ``raw.releases`` row added, under the 2 s budget.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from bench.refresh import time_refresh_if_changed

REPO = Path(__file__).resolve().parents[1]


def _seed(settings, served: dict[str, str]) -> None:
    """Load each dataset's release from its route into the scratch build database."""
    from ingestion import releases
    from ingestion.catalog import CATALOG
    from ingestion.raw_store import RawStore
    from ingestion.sources import source_for

    store = RawStore(settings.build_db)
    store.ensure_tables([d.id for d in CATALOG])
    source = source_for(settings)
    for dataset in CATALOG:
        outcome = releases.prepare(settings, dataset, source, store)
        if not isinstance(outcome, releases.Candidate) or outcome.payload.source != served[dataset.id]:
            raise RuntimeError(f"[{dataset.id}] was not loaded from its route {served[dataset.id]!r}")
        releases.accept(outcome, store)


def http_noop(root: Path, repeats: int) -> dict:
    """Time ``repeats`` no-op ``refresh-if-changed`` runs against the loopback server (see module doc)."""
    sys.path.insert(0, str(REPO))
    from ingestion.settings import Settings
    from tests.support.bns_server import BnsServer
    from tests.support.taldau import serve_live_routes

    server = BnsServer().start()
    try:
        served = serve_live_routes(server)
        home = root / "http-noop"
        settings = dataclasses.replace(
            Settings(home=home),
            source="http",
            base_url=server.base_url,
            taldau_base_url=server.base_url,
            allowed_hosts=("127.0.0.1",),
            max_retries=0,
        )
        _seed(settings, served)
        env = {
            **os.environ,
            "KZW_HOME": str(home),
            "KZW_BUILD_DB": str(settings.build_db),
            "KZW_SOURCE": "http",
            "KZW_BASE_URL": server.base_url,
            "KZW_TALDAU_URL": server.base_url,
            "KZW_ALLOWED_HOSTS": "127.0.0.1",
            "KZW_MAX_RETRIES": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("KZW_SOURCE_URLS", None)
        rows_before = _ledger_rows(settings.build_db)
        timings, outputs, loads, requests = [], [], [], []
        for _ in range(repeats):
            hits = len(server.hits)
            loads.append(os.getloadavg()[0])
            seconds, code, text = time_refresh_if_changed(env)
            timings.append(seconds)
            outputs.append((code, text))
            requests.append(len(server.hits) - hits)
        return {
            "seconds": timings,
            "load": loads,
            "exit_codes": [code for code, _ in outputs],
            "said_no_new_release": all(text.endswith("no new release") for _, text in outputs),
            "new_releases_rows": _ledger_rows(settings.build_db) - rows_before,
            "requests_per_run": requests,
            "routes": {r: sorted(d for d, dr in served.items() if dr == r) for r in set(served.values())},
            "output": outputs[-1][1] if outputs else "",
        }
    finally:
        server.stop()


def _ledger_rows(build_db: Path) -> int:
    import duckdb

    with duckdb.connect(str(build_db), read_only=True) as con:
        return con.execute("select count(*) from raw.releases").fetchone()[0]

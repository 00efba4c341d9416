"""The fault suite's baseline and its one shared assertion.

Every test starts from a copy of the session's warehouse (``pipeline_run``: the real snapshot fully
ingested, built by dbt and published) in its own temp dir, drives the one dataset it damages through
``ingestion.releases.refresh`` with the real ``expectations.validate``, then checks with
:func:`assert_fault_contained` the five things every fault must leave true:

1. a clear error that names the dataset and the cause;
2. the raw bytes kept (``landing/<dataset>/<sha256>.<ext>``) whenever any complete body arrived;
3. ``raw.releases`` records the failure (``failed`` or ``quarantined``, with the reason);
4. the published files byte-identical to before (and the current release and raw rows unchanged);
5. a clean rerun, the fault removed, succeeds (``loaded`` or ``unchanged``) — :func:`assert_clean_rerun`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from expectations import validate
from ingestion import releases
from ingestion.catalog import Dataset
from ingestion.errors import IngestionError
from ingestion.landing import fingerprint
from ingestion.raw_store import RawStore
from ingestion.settings import SNAPSHOT_DIR, Settings
from ingestion.sources import HttpSource, SnapshotSource, Source
from tests.support.bns_server import BnsServer


def tree_state(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones too): file -> sha256, symlink -> its target."""
    state: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            state[key] = "-> " + os.readlink(path)
        elif path.is_file():
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@dataclass
class Warehouse:
    """A private copy of the session warehouse, and what it looked like before the fault."""

    home: Path
    settings: Settings
    store: RawStore
    published_before: dict[str, str] = field(default_factory=dict)
    ledger_before: int = 0

    @property
    def published(self) -> Path:
        return self.settings.publish_dir

    def refresh(self, dataset: Dataset, source: Source, settings: Settings | None = None):
        return releases.refresh(settings or self.settings, dataset, source, self.store, validate)

    def snapshot_source(self, tmp_path: Path, dataset: Dataset, content: bytes) -> SnapshotSource:
        """A snapshot directory holding only ``dataset``'s file, with the given (damaged) bytes."""
        folder = tmp_path / "damaged-snapshot"
        target = folder / dataset.snapshot_file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return SnapshotSource(folder)

    def new_ledger_rows(self, dataset_id: str) -> list[dict]:
        """``raw.releases`` rows of ``dataset_id`` written since the copy was made (NULL -> None)."""
        frame = self.store.releases().iloc[self.ledger_before :]
        frame = frame.astype(object).where(frame.notna(), None)
        return [r for r in frame.to_dict("records") if r["dataset_id"] == dataset_id]

    def raw_rows(self, dataset_id: str) -> int:
        con = duckdb.connect(str(self.settings.build_db), read_only=True)
        try:
            return con.execute(f'select count(*) from raw."{dataset_id}"').fetchone()[0]
        finally:
            con.close()

    def landing_files(self, dataset_id: str) -> set[Path]:
        folder = self.settings.landing_dir / dataset_id
        return set(folder.iterdir()) if folder.exists() else set()


@pytest.fixture
def warehouse(pipeline_run, tmp_path: Path) -> Warehouse:
    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    settings = Settings(home=home)
    store = RawStore(settings.build_db)
    return Warehouse(
        home=home,
        settings=settings,
        store=store,
        published_before=tree_state(settings.publish_dir),
        ledger_before=len(store.releases()),
    )


@dataclass
class Before:
    """The dataset's state before the fault, for :func:`assert_fault_contained`."""

    current: str | None
    raw_rows: int
    landing: set[Path]


def before(wh: Warehouse, dataset: Dataset) -> Before:
    current = wh.store.current(dataset.id)
    return Before(
        current.release_id if current else None, wh.raw_rows(dataset.id), wh.landing_files(dataset.id)
    )


def error_text(outcome: IngestionError | releases.Refreshed) -> str:
    """The message an operator reads: the exception, or the quarantine report with its failing rows."""
    if isinstance(outcome, Exception):
        return str(outcome)
    report = outcome.report
    return " ".join([report.summary(), *(r.message for r in report.blocking_failures)])


def assert_fault_contained(
    wh: Warehouse,
    dataset: Dataset,
    was: Before,
    outcome: IngestionError | releases.Refreshed,
    *,
    cause: str,
    landed: bytes | None,
    status: str = "failed",
    extension: str | None = None,
) -> None:
    """The five guarantees of a contained fault (see the module docstring), asserted at once.

    ``cause`` is a regex that must match both the operator's message and the ledger's ``error``;
    ``landed`` the bytes that must be kept (``None``: no complete body arrived, nothing is landed),
    under ``extension`` (default: the dataset's; a Taldau answer is landed as ``json``).
    """
    # 1. a clear error naming dataset and cause
    text = error_text(outcome)
    assert f"[{dataset.id}]" in text, text
    assert re.search(cause, text), f"cause {cause!r} not in: {text}"
    if status == "quarantined":
        assert isinstance(outcome, releases.Refreshed) and outcome.status == "quarantined", outcome
    else:
        assert isinstance(outcome, IngestionError), outcome
    # 3. the releases table records it
    rows = wh.new_ledger_rows(dataset.id)
    assert rows, "nothing recorded in raw.releases"
    last = rows[-1]
    assert last["status"] == status, last
    assert f"[{dataset.id}]" in last["error"] and re.search(cause, last["error"]), last["error"]
    # 2. raw bytes kept where a complete body arrived, and nothing else written to landing
    new_files = wh.landing_files(dataset.id) - was.landing
    if landed is None:
        assert not new_files, f"landed although no body arrived: {new_files}"
        assert last["landed_path"] is None or Path(last["landed_path"]) in was.landing
    else:
        name = f"{fingerprint(landed)}.{extension or dataset.extension}"
        path = wh.settings.landing_dir / dataset.id / name
        assert path.read_bytes() == landed, "landed bytes differ from what arrived"
        assert last["landed_path"] == str(path) and last["release_id"] == fingerprint(landed)
        assert new_files <= {path}
    assert not list(wh.settings.landing_dir.rglob("*.part")), "a partial landing file was left"
    # 4. nothing downstream moved: current release, raw rows, published files
    current = wh.store.current(dataset.id)
    assert (current.release_id if current else None) == was.current
    assert wh.raw_rows(dataset.id) == was.raw_rows
    assert tree_state(wh.published) == wh.published_before, "published files changed"


def assert_clean_rerun(
    wh: Warehouse, dataset: Dataset, source: Source, settings: Settings | None = None, *, expect=None
) -> releases.Refreshed:
    """The fault removed, a rerun of the dataset succeeds and is recorded as such."""
    done = wh.refresh(dataset, source, settings)
    assert done.status in (expect or ("loaded", "unchanged")), error_text(done) if done.report else done
    assert wh.new_ledger_rows(dataset.id)[-1]["status"] == done.status
    return done


def snapshot_source() -> SnapshotSource:
    """The real, undamaged embedded snapshot."""
    return SnapshotSource(SNAPSHOT_DIR)


def refresh_damaged(wh: Warehouse, tmp_path: Path, dataset: Dataset, content: bytes):
    """Refresh ``dataset`` from a snapshot holding ``content``; an ingestion error is returned."""
    try:
        return wh.refresh(dataset, wh.snapshot_source(tmp_path, dataset, content))
    except IngestionError as exc:
        return exc


def fails_contained(
    wh: Warehouse,
    tmp_path: Path,
    dataset: Dataset,
    content: bytes,
    cause: str,
    status: str = "failed",
    clean: bytes | None = None,
):
    """A damaged payload is refused with the five guarantees; the real file then reruns clean.

    ``clean``: the undamaged payload when it is not the embedded snapshot file (it then loads as a
    new release); by default the real snapshot file, already current, reruns ``unchanged``.
    """
    was = before(wh, dataset)
    outcome = refresh_damaged(wh, tmp_path, dataset, content)
    assert_fault_contained(wh, dataset, was, outcome, cause=cause, landed=content, status=status)
    if clean is None:
        assert_clean_rerun(wh, dataset, snapshot_source(), expect=("unchanged",))
    else:
        assert_clean_rerun(wh, dataset, wh.snapshot_source(tmp_path, dataset, clean), expect=("loaded",))
    return outcome


# ---------------------------------------------------------------------------------------------
# HTTP: the loopback BNS server and an HttpSource that records its sleeps instead of sleeping


@dataclass
class Http:
    server: BnsServer
    settings: Settings
    sleeps: list[float]
    release: threading.Event  # set at teardown: lets stalled fault handlers finish

    def source(self, **overrides) -> HttpSource:
        settings = dataclasses.replace(self.settings, **overrides) if overrides else self.settings
        return HttpSource(settings, url_overrides={}, sleep=self.sleeps.append)

    def refresh(self, wh: Warehouse, dataset: Dataset, **overrides) -> IngestionError | releases.Refreshed:
        """One refresh of ``dataset`` over HTTP; an ingestion error is returned, not raised."""
        settings = dataclasses.replace(self.settings, **overrides) if overrides else self.settings
        try:
            return wh.refresh(dataset, self.source(**overrides), settings)
        except IngestionError as exc:
            return exc

    def rerun_clean(self, wh: Warehouse, dataset: Dataset) -> releases.Refreshed:
        """Faults removed, the real release served again: the rerun succeeds."""
        self.server.faults.clear()
        return assert_clean_rerun(wh, dataset, self.source(), self.settings)

    def upload_path(self, route: str) -> str:
        """The path the route's 302 points at (``/upload/<etag>.<ext>``)."""
        served = self.server.routes[route]
        return f"/upload/{served.etag.strip(chr(34))}.{served.ext}"


@pytest.fixture
def http(warehouse: Warehouse) -> Iterator[Http]:
    server = BnsServer().start()
    release = threading.Event()
    settings = dataclasses.replace(
        warehouse.settings,
        source="http",
        base_url=server.base_url,
        allowed_hosts=("127.0.0.1",),
        connect_timeout_s=1.0,
        read_timeout_s=0.5,
        max_retries=2,
        backoff_s=0.25,
    )
    yield Http(server, settings, [], release)
    release.set()
    server.stop()

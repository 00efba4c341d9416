"""The life of one release: fetch, land, parse, then accept or quarantine.

Validation is not done here (it belongs to ``expectations/``); the orchestration layer calls
``prepare``, validates the candidate's frame, then ``accept`` or ``quarantine``. Every outcome,
failures included, leaves a row in ``raw.releases`` and, where any bytes arrived, the landed file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from ingestion.catalog import Dataset, Route
from ingestion.errors import FetchError, IngestionError, ParseError
from ingestion.landing import land
from ingestion.parsing import parse_payload
from ingestion.raw_store import RawStore, ReleaseRecord
from ingestion.schema import conform_columns
from ingestion.settings import Settings
from ingestion.sources import Conditional, Payload, Source

#: An observation's identity within its dataset: the measure (series), the region and the period. Not
#: the published period label or the cell's location, which depend on the route that served the
#: release (``"2020"`` in a file, ``"y122020"`` in a Taldau answer): comparing on those would count
#: every cell as new after a route switch.
CELL_KEY = ["series", "region_code", "year", "period_type", "months", "quarter"]


@dataclass
class Candidate:
    """A new release, landed and parsed, waiting for validation."""

    dataset: Dataset
    payload: Payload
    release_id: str
    landed_path: Path
    frame: pd.DataFrame
    previous: pd.DataFrame | None

    def record(self, status: str, error: str | None = None, **counts: int | None) -> ReleaseRecord:
        return ReleaseRecord(
            dataset_id=self.dataset.id,
            release_id=self.release_id,
            source=self.payload.source,
            url=self.payload.url,
            status=status,
            etag=self.payload.etag,
            last_modified=self.payload.last_modified,
            byte_size=len(self.payload.content),
            landed_path=str(self.landed_path),
            error=error,
            row_count=len(self.frame),
            **counts,
        )


@dataclass(frozen=True)
class Unchanged:
    """The source still serves the release already loaded: nothing to do downstream."""

    dataset: Dataset
    release_id: str | None
    url: str


def prepare(settings: Settings, dataset: Dataset, source: Source, store: RawStore) -> Candidate | Unchanged:
    """Fetch and land a release; parse it unless it is the one already loaded.

    Raises an ``IngestionError`` (recorded as a failed release) when nothing usable arrived or the
    payload cannot be parsed.
    """
    current = store.current(dataset.id)
    conditional = Conditional(current.etag, current.last_modified) if current else None
    try:
        payload = source.fetch(dataset, conditional)
    except FetchError as exc:
        for failed in (*exc.earlier, exc):
            _record_failed_fetch(settings, dataset, failed, store)
        raise
    except IngestionError as exc:
        _record_failed_fetch(settings, dataset, exc, store)
        raise
    for failed in payload.earlier:  # routes tried before the one that served (fallback)
        _record_failed_fetch(settings, dataset, failed, store)
    if payload.not_modified:
        store.record(
            ReleaseRecord(
                dataset.id,
                current.release_id if current else None,
                payload.source,
                payload.url,
                "unchanged",
                etag=payload.etag,
                last_modified=payload.last_modified,
            )
        )
        return Unchanged(dataset, current.release_id if current else None, payload.url)
    extension = payload.route.extension if payload.route is not None else None
    release_id, landed_path = land(settings.landing_dir, dataset, payload.content, extension)
    if current is not None and current.release_id == release_id:
        store.record(
            ReleaseRecord(
                dataset.id,
                release_id,
                payload.source,
                payload.url,
                "unchanged",
                etag=payload.etag,
                last_modified=payload.last_modified,
                byte_size=len(payload.content),
                landed_path=str(landed_path),
            )
        )
        return Unchanged(dataset, release_id, payload.url)
    try:
        frame = _parse(dataset, payload.content, release_id, landed_path.name, payload.route)
    except IngestionError as exc:
        store.record(
            ReleaseRecord(
                dataset.id,
                release_id,
                payload.source,
                payload.url,
                "failed",
                etag=payload.etag,
                last_modified=payload.last_modified,
                byte_size=len(payload.content),
                landed_path=str(landed_path),
                error=str(exc),
            )
        )
        raise
    return Candidate(dataset, payload, release_id, landed_path, frame, store.current_rows(dataset.id))


def _record_failed_fetch(settings: Settings, dataset: Dataset, exc: IngestionError, store: RawStore) -> None:
    """A failed attempt in ``raw.releases`` with its route's source and URL; a complete body that was
    refused (HTML error page, wrong content type, empty list) is landed too."""
    refused = getattr(exc, "content", None)
    refused_id, refused_path = (
        land(settings.landing_dir, dataset, refused, getattr(exc, "extension", None))
        if refused
        else (None, None)
    )
    store.record(
        ReleaseRecord(
            dataset.id,
            refused_id,
            getattr(exc, "source", None) or _source_name(settings),
            getattr(exc, "url", None),
            "failed",
            byte_size=len(refused) if refused else None,
            landed_path=str(refused_path) if refused_path else None,
            error=str(exc),
        )
    )


def _parse(
    dataset: Dataset, content: bytes, release_id: str, file_name: str, route: Route | None = None
) -> pd.DataFrame:
    """``parse_payload``; a parser library choking on hostile bytes (zlib, XML, xlrd errors) is a
    ``ParseError`` naming the dataset too, so it is recorded like any other unreadable release."""
    try:
        return parse_payload(dataset, content, release_id, file_name, route)
    except IngestionError:
        raise
    except Exception as crash:
        raise ParseError(
            dataset.id, file_name, "file", f"unreadable payload ({type(crash).__name__}: {crash})"
        ) from crash


def revision_counts(frame: pd.DataFrame, previous: pd.DataFrame | None) -> tuple[int, int]:
    """(cells whose value changed against the current release, cells the current release lacked)."""
    if previous is None or previous.empty:
        return 0, len(frame)
    columns = [*CELL_KEY, "value"]
    merged = conform_columns(frame[columns]).merge(
        conform_columns(previous[columns]),
        on=CELL_KEY,
        how="left",
        suffixes=("", "_prev"),
        indicator=True,
    )
    new = int((merged["_merge"] == "left_only").sum())
    both = merged[merged["_merge"] == "both"]
    changed = both["value"].astype("Float64").ne(both["value_prev"].astype("Float64"))
    changed = changed.fillna(both["value"].isna() != both["value_prev"].isna())
    return int(changed.sum()), new


def accept(candidate: Candidate, store: RawStore) -> ReleaseRecord:
    """Make the candidate the current release of its dataset (rows appended, ledger updated)."""
    revised, new = revision_counts(candidate.frame, candidate.previous)
    record = candidate.record("loaded", revised_cells=revised, new_cells=new)
    store.commit(record, candidate.frame)
    return record


def quarantine(candidate: Candidate, store: RawStore, reason: str) -> ReleaseRecord:
    """Keep the bytes and the reason; the last good release stays current."""
    record = candidate.record("quarantined", error=reason)
    store.record(record)
    return record


def _source_name(settings: Settings) -> str:
    return settings.source


class Report(Protocol):
    """What ingestion needs from a validation report (``expectations.ValidationReport`` fits)."""

    @property
    def passed_blocking(self) -> bool: ...

    def summary(self) -> str: ...


Validator = Callable[[str, pd.DataFrame, "pd.DataFrame | None"], Report]


@dataclass(frozen=True)
class Refreshed:
    """The outcome of one dataset's refresh: ``unchanged``, ``loaded`` or ``quarantined``."""

    status: str
    dataset: Dataset
    release_id: str | None
    url: str
    candidate: Candidate | None = None
    record: ReleaseRecord | None = None
    report: Report | None = None


def refresh(
    settings: Settings, dataset: Dataset, source: Source, store: RawStore, validator: Validator
) -> Refreshed:
    """Fetch, land, parse and validate one release, then accept or quarantine it.

    Raises ``IngestionError`` (already recorded in ``raw.releases``) when nothing usable arrived or
    the payload could not be parsed; a release that fails a blocking expectation is quarantined and
    reported through the returned status, never appended.
    """
    outcome = prepare(settings, dataset, source, store)
    if isinstance(outcome, Unchanged):
        return Refreshed("unchanged", dataset, outcome.release_id, outcome.url)
    report = validator(dataset.id, outcome.frame, outcome.previous)
    if report.passed_blocking:
        record, status = accept(outcome, store), "loaded"
    else:
        record, status = quarantine(outcome, store, report.summary()), "quarantined"
    return Refreshed(status, dataset, outcome.release_id, outcome.payload.url, outcome, record, report)

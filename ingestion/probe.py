"""Cheap "is there a new release?" probes for the release sensor.

A probe never lands or parses anything: over the file API it makes a conditional request with the
validators remembered from the last probe (``If-None-Match`` / ``If-Modified-Since``) and only hashes a
body when the server sends one; Taldau sends no validators, so its answer is hashed every time; for the
snapshot it hashes the embedded file. The fingerprint it returns is what
the sensor keeps in its cursor and builds its run key from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.catalog import Dataset
from ingestion.landing import fingerprint
from ingestion.settings import Settings
from ingestion.sources import Conditional, HttpSource, RoutedSource, SnapshotSource


@dataclass(frozen=True)
class Known:
    """What the last probe saw: the content fingerprint and the HTTP validators, if any."""

    fingerprint: str
    etag: str | None = None
    last_modified: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"fingerprint": self.fingerprint, "etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_json(cls, data: dict) -> Known:
        return cls(data["fingerprint"], data.get("etag"), data.get("last_modified"))


@dataclass(frozen=True)
class ProbeResult:
    dataset_id: str
    changed: bool
    known: Known
    how: str  # "304 not modified" | "same sha256" | "new sha256" | "first sight"


def probe(
    settings: Settings, dataset: Dataset, known: Known | None, http: HttpSource | None = None
) -> ProbeResult:
    """Tell whether ``dataset`` has a release other than ``known``. Raises FetchError on failure."""
    routed = RoutedSource(http, SnapshotSource(settings.snapshot_dir)) if http is not None else None
    use_http = settings.source == "http" and routed is not None and routed.url_for(dataset) is not None
    if use_http:
        # Taldau sends no validators: its answer is fetched whole and compared by sha256 below.
        conditional = Conditional(known.etag, known.last_modified) if known else None
        payload = routed.fetch(dataset, conditional)
        if payload.not_modified and known is not None:
            return ProbeResult(dataset.id, False, known, "304 not modified")
        new = Known(fingerprint(payload.content), payload.etag, payload.last_modified)
    else:
        payload = SnapshotSource(settings.snapshot_dir).fetch(dataset)
        new = Known(fingerprint(payload.content))
    if known is None:
        return ProbeResult(dataset.id, True, new, "first sight")
    if new.fingerprint == known.fingerprint:
        return ProbeResult(dataset.id, False, new, "same sha256")
    return ProbeResult(dataset.id, True, new, "new sha256")

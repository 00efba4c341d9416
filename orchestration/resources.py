"""Run-scoped resources."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from ingestion.lock import RefreshLock, WarehouseBusy
from orchestration.project import settings


class WarehouseLock(dg.ConfigurableResource):
    """Holds the warehouse's refresh lock for the whole run (in-process executor: one process).

    A second refresh started while one runs fails at once with a message naming the holder; runs
    launched from the UI or the sensor are additionally queued one at a time by the run queue.
    """

    _lock: RefreshLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._lock = RefreshLock(settings().lock_path)
        try:
            self._lock.acquire()
        except WarehouseBusy as exc:
            raise dg.Failure(description=str(exc)) from exc

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()

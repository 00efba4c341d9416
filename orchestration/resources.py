"""Run-scoped resources."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import PrivateAttr

from ingestion.lock import RefreshLock, WarehouseBusy
from orchestration import recovery
from orchestration.project import settings


class WarehouseLock(dg.ConfigurableResource):
    """Holds the warehouse's refresh lock for the whole run (in-process executor: one process).

    A second refresh started while one runs fails at once with a message naming the holder; runs
    launched from the UI or the sensor are additionally queued one at a time by the run queue. Once it
    holds the lock the run claims its process in its tags (``orchestration.recovery``), marks failed
    the runs whose process died, and removes their debris: nothing else can be writing then.
    """

    _lock: RefreshLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        current = settings()
        self._lock = RefreshLock(current.lock_path)
        try:
            self._lock.acquire(run_id=context.run_id)
        except WarehouseBusy as exc:
            raise dg.Failure(description=str(exc)) from exc
        recovered = [f"the previous lock holder died holding it ({self._lock.dead_holder})"]
        recovered = recovered if self._lock.dead_holder else []
        if context.instance is not None and context.run_id:
            recovery.claim_run(context.instance, context.run_id, os.getpid())
            recovered += recovery.fail_dead_runs(context.instance, exclude=context.run_id)
        recovered += recovery.clean_debris(current.publish_dir, current.build_db)
        for line in recovered:
            if context.log is not None:
                context.log.warning(line)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()

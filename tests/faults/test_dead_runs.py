"""Dead runs are failed, never block: a real ``orchestration.cli run`` SIGKILLed mid-run.

The killed run stays STARTED in the Dagster instance (it never wrote its end event) until the next
command that opens the instance, here ``orchestration.cli init-instance`` as ``make ui`` runs it, marks
it FAILURE naming its dead process; nothing is left in progress for the run queue to wait behind. The
kernel freed the refresh lock, and the next holder learns who died holding it.
"""

from __future__ import annotations

import os

import dagster as dg

from ingestion.lock import RefreshLock
from orchestration.recovery import IN_PROGRESS, PID_TAG
from tests.faults.test_process_faults import kill_group, start, wait_for
from tests.faults.test_refusals import cli


def _runs(home, statuses=None) -> list[dg.DagsterRun]:
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    with dg.DagsterInstance.get() as instance:
        return list(instance.get_runs(filters=dg.RunsFilter(statuses=statuses) if statuses else None))


def test_a_sigkilled_run_is_marked_failed_and_frees_the_lock(tmp_path, monkeypatch):
    home = tmp_path / "home"
    log = tmp_path / "run.log"
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    proc = start(["-m", "orchestration.cli", "run"], home, log)
    try:
        wait_for(
            lambda: (
                (home / "dagster" / "dagster.yaml").exists()
                and any(PID_TAG in run.tags for run in _runs(home))
            ),
            proc,
            log,
            "the run to claim its process",
            every=0.5,
        )
    finally:
        kill_group(proc)
    [run] = _runs(home)
    assert run.status == dg.DagsterRunStatus.STARTED and run.tags[PID_TAG] == str(proc.pid)

    done = cli(home, "init-instance")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"recovered: run {run.run_id} (refresh_warehouse) marked failed" in done.stdout, done.stdout
    assert f"pid {proc.pid}" in done.stdout
    assert not _runs(home, IN_PROGRESS), "a run is still in progress for the queue to wait behind"
    [failed] = _runs(home)
    assert failed.status == dg.DagsterRunStatus.FAILURE
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    with dg.DagsterInstance.get() as instance:
        messages = [
            e.message for e in instance.all_logs(run.run_id) if e.dagster_event and e.is_dagster_event
        ]
    assert any("is gone: killed or crashed" in (m or "") for m in messages), messages[-5:]

    lock = RefreshLock(home / "refresh.lock")
    lock.acquire()  # the kernel released the dead run's flock
    try:
        assert lock.dead_holder and lock.dead_holder.startswith(f"pid {proc.pid} run {run.run_id}")
    finally:
        lock.release()

"""Dead runs are failed, never block; a crash's debris is removed by the next run.

A run killed by SIGKILL (or a machine going down) never writes its end event, so the Dagster instance
shows it STARTED forever and the run queue (one run at a time) may wait behind it. Dagster's own run
monitoring cannot tell whether such a run's process lives (the default run launcher has no health
check, and ``orchestration.cli run`` executes in its own process). So every run records its process
in its tags when it takes the warehouse lock (:func:`claim_run`: pid, host, the process's start time
so a reused pid is not mistaken for it), and :func:`fail_dead_runs` marks FAILURE, with the reason,
every in-progress run whose process is gone. It runs at the start of every CLI command that runs or
inits the instance, when a run takes the lock, and at every tick of the release sensor.

:func:`clean_debris` removes what an interrupted publish or build left behind (hidden staging
directories ``versions/.<version>-*``, the swap's temporaries, DuckDB spill directories); only call it
while holding the refresh lock, when no publish or build can be running.
"""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import dagster as dg

from ingestion.lock import pid_alive

PID_TAG = "kzw/pid"
HOST_TAG = "kzw/host"
STARTED_TAG = "kzw/process_start"
#: A run in progress that never claimed a process this long after it started is dead or stuck before
#: taking the lock (taking it is the first thing a run does: seconds).
UNCLAIMED_GRACE_S = 600.0
IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), if readable."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def claim_run(instance: dg.DagsterInstance, run_id: str, pid: int) -> None:
    """Record in the run's tags which process executes it."""
    instance.add_run_tags(
        run_id,
        {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), STARTED_TAG: process_start(pid) or ""},
    )


def _why_dead(run: dg.DagsterRun, started_at: float | None, now: float) -> str | None:
    """Why this in-progress run cannot be running any more, or None when it may be alive."""
    tags = run.tags
    if PID_TAG not in tags:
        if started_at is not None and now - started_at > UNCLAIMED_GRACE_S:
            return f"no process claimed it within {UNCLAIMED_GRACE_S:.0f} s of its start"
        return None
    if tags.get(HOST_TAG) != socket.gethostname():
        return None  # another machine's process: not ours to judge
    pid = int(tags[PID_TAG])
    if not pid_alive(pid):
        return f"its process (pid {pid} on {tags[HOST_TAG]}) is gone: killed or crashed"
    if tags.get(STARTED_TAG) and process_start(pid) != tags[STARTED_TAG]:
        return f"its process (pid {pid} on {tags[HOST_TAG]}) is gone; the pid now belongs to another process"
    return None


def fail_dead_runs(instance: dg.DagsterInstance, exclude: str | None = None) -> list[str]:
    """Mark FAILURE every in-progress run whose process is gone; one line per run so marked."""
    now = time.time()
    lines = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        if run.run_id == exclude:
            continue
        started_at = record.start_time or record.create_timestamp.timestamp()
        reason = _why_dead(run, started_at, now)
        if reason is None:
            continue
        message = f"run {run.run_id} ({run.job_name}) marked failed: {reason}"
        instance.report_run_failed(run, message + ". Marked by the warehouse's dead-run sweep.")
        lines.append(message)
    return lines


def clean_debris(publish_dir: Path, build_db: Path) -> list[str]:
    """Remove what a killed publish or build left; one line per removed path. Hold the lock."""
    candidates: list[Path] = []
    versions = publish_dir / "versions"
    if versions.is_dir():
        candidates += sorted(p for p in versions.iterdir() if p.name.startswith("."))
    candidates += [publish_dir / ".current.tmp", publish_dir / ".kz_inequality.duckdb.tmp"]
    candidates.append(build_db.with_name(build_db.name + ".tmp"))  # DuckDB's spill directory
    removed = []
    for path in candidates:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            continue
        removed.append(f"removed debris of an interrupted run: {path}")
    return removed

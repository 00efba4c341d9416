"""Clear on every refusal: one or two lines naming the cause and the remedy, a distinct exit code.

A refusal is not a bug, so the operator gets no traceback on the terminal: the full one goes to
``$KZW_HOME/logs/refusals.log`` (or the temp dir when ``$KZW_HOME`` itself is not writable). Where
datasets were about to be attempted, each gets a ``failed`` row in the ledger: written to
``raw.releases`` at once when possible, else queued (``ingestion.raw_store.queue_ledger_rows``) and
written by the next connection to the build database.

Exit codes (sysexits.h, one per cause):
"""

from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.lock import RefreshLock, WarehouseBusy
from ingestion.settings import SettingError, Settings

LOCK_HELD = 75  # EX_TEMPFAIL: another refresh runs; try again later
BUILD_DB_HELD = 69  # EX_UNAVAILABLE: another process has the build database open
HOME_UNWRITABLE = 77  # EX_NOPERM: $KZW_HOME cannot be written
DISK_FULL = 74  # EX_IOERR: no space left under $KZW_HOME
BAD_SETTING = 78  # EX_CONFIG: a KZW_* setting is out of range

__doc__ += "".join(
    f"\n- {code}: {name}"
    for name, code in [
        ("another refresh holds the lock", LOCK_HELD),
        ("the build database is held by another process", BUILD_DB_HELD),
        ("$KZW_HOME is not writable", HOME_UNWRITABLE),
        ("$KZW_HOME is full", DISK_FULL),
        ("a setting is out of range", BAD_SETTING),
    ]
)


@dataclass
class Refusal(Exception):
    """Why the command will not run, what to do, and its exit code."""

    code: int
    cause: str
    remedy: str
    datasets: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"refused: {self.cause}\n  what to do: {self.remedy}"


def build_db_holder(exc: duckdb.IOException) -> str | None:
    """The process DuckDB names as holding the file's lock ('... (PID 1234)'), or None."""
    match = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(exc))
    return f"pid {match.group(2)} ({match.group(1)})" if match else None


def build_db_refusal(
    settings: Settings, exc: duckdb.IOException, datasets: list[str], lock_held_by_us: bool = False
) -> Refusal:
    """The build database cannot be opened: by a refresh (it holds the lock; the file itself may be
    held by its dbt child) or by some other process (a BI tool, a shell)."""
    if not lock_held_by_us:
        lock = RefreshLock(settings.lock_path)
        try:
            lock.acquire()
        except WarehouseBusy as busy:
            return Refusal(
                LOCK_HELD,
                str(busy).split("; lock file")[0] + f"; it holds the build database {settings.build_db}",
                "wait for it to finish (Dagster UI: Runs), then run again",
                datasets,
            )
        lock.release(restore_previous=True)
    holder = build_db_holder(exc) or "another process"
    return Refusal(
        BUILD_DB_HELD,
        f"the build database {settings.build_db} is held by {holder}, which is not a refresh",
        "close that program (BI tools must open the published file, not the build file), then run again",
        datasets,
    )


def check_home(settings: Settings) -> None:
    """``$KZW_HOME`` must exist (or be creatable), be writable and have room."""
    probe = settings.home / f".write-probe-{os.getpid()}"
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _os_refusal(settings, exc) from exc
    finally:
        probe.unlink(missing_ok=True)


def _os_refusal(settings: Settings, exc: OSError) -> Refusal:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Refusal(
            DISK_FULL,
            f"no space left under $KZW_HOME ({settings.home}): {exc.strerror}",
            "free disk space there (old versions: published/versions/), then run again",
        )
    return Refusal(
        HOME_UNWRITABLE,
        f"$KZW_HOME ({settings.home}) is not writable: {exc.strerror} ({exc.filename})",
        "set KZW_HOME to a directory you can write, or fix its permissions",
    )


def take_lock_briefly(settings: Settings, datasets: list[str]) -> RefreshLock:
    """Hold the refresh lock (the caller releases it) or refuse naming the live holder."""
    lock = RefreshLock(settings.lock_path)
    try:
        lock.acquire()
    except WarehouseBusy as exc:
        raise Refusal(
            LOCK_HELD, str(exc).split("; lock file")[0], "wait for it to finish, then run again", datasets
        ) from exc
    return lock


def check_build_db(settings: Settings, datasets: list[str]) -> None:
    """Open the build database read-write for a moment: refuse when another process holds it.

    Call it holding the refresh lock: whoever holds the file then is not a refresh."""
    if not settings.build_db.exists():
        return
    try:
        duckdb.connect(str(settings.build_db)).close()
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise build_db_refusal(settings, exc, datasets, lock_held_by_us=True) from exc


def log_path(settings: Settings | None) -> Path:
    home = settings.home if settings is not None else os.environ.get("KZW_HOME")
    if home:
        folder = Path(home) / "logs"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder / "refusals.log"
        except OSError:
            pass
    return Path(tempfile.gettempdir()) / f"kzw-refusals-{os.getuid()}.log"


def record_attempts(settings: Settings, refusal: Refusal) -> None:
    """A ``failed`` ledger row for every dataset the refused command was about to attempt."""
    if not refusal.datasets:
        return
    from ingestion.raw_store import ReleaseRecord, record_or_queue

    rows = [
        ReleaseRecord(
            dataset_id=d,
            release_id=None,
            source=settings.source,
            url=None,
            status="failed",
            error=f"[{d}] refused before fetching: {refusal.cause}",
        )
        for d in refusal.datasets
    ]
    record_or_queue(settings.build_db, rows)


def guard(command: Callable[[], int]) -> int:
    """Run a CLI command; a refusal prints its two lines (stderr) and returns its exit code."""
    settings = None
    try:
        settings = Settings.from_env()
        return command()
    except SettingError as exc:
        refusal = Refusal(BAD_SETTING, str(exc), "fix or unset that variable, then run again")
        details = traceback.format_exc()
    except Refusal as exc:
        refusal, details = exc, traceback.format_exc()
    except OSError as exc:
        known = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        if settings is None or exc.errno not in known:
            raise
        refusal, details = _os_refusal(settings, exc), traceback.format_exc()
    return _report(settings, refusal, details)


def _report(settings: Settings | None, refusal: Refusal, details: str) -> int:
    log: Path | None = log_path(settings)
    try:
        with open(log_path(settings), "a", encoding="utf-8") as handle:
            handle.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} exit {refusal.code}\n{details}")
    except OSError:
        log = None
    if settings is not None:
        try:
            record_attempts(settings, refusal)
        except Exception as exc:  # the ledger is best effort here; the refusal itself must print
            print(f"  (could not record the attempt in the ledger: {exc})", file=sys.stderr)
    print(str(refusal) + (f"  [details: {log}]" if log else ""), file=sys.stderr)
    return refusal.code


def preflight(settings: Settings, datasets: list[str]) -> list[str]:
    """Before a run: refuse early and clearly (home, lock, build database), and clean a crash's debris.

    Returns one line per thing recovered (a dead lock holder, removed debris), for the summary.
    """
    from orchestration.recovery import clean_debris

    check_home(settings)
    lock = take_lock_briefly(settings, datasets)
    try:
        check_build_db(settings, datasets)
        lines = (
            [f"the previous refresh died holding the lock ({lock.dead_holder})"] if lock.dead_holder else []
        )
        return lines + clean_debris(settings.publish_dir, settings.build_db)
    finally:
        lock.release()

"""Clear on every refusal: the real CLI, refused for each cause, prints two lines and a distinct code.

Each refusal runs ``python -m orchestration.cli`` as a real process on a fresh temp ``$KZW_HOME``
(a refusal comes before any Dagster or dbt work, so no pipeline build is needed): the other process
holding the refresh lock or the build database is this test process. Checked every time: the exit
code, the cause and the remedy on stderr, no traceback on stdout or stderr, the traceback in the log
file, and a ``failed`` ledger row for every dataset the refused run was about to attempt.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.catalog import CATALOG
from ingestion.lock import RefreshLock
from ingestion.raw_store import RawStore
from ingestion.settings import REPO_ROOT
from orchestration import refusals

ALL = {dataset.id for dataset in CATALOG}


def cli(home: Path, *args: str, fsize: int | None = None, **env: str) -> subprocess.CompletedProcess:
    """The real CLI; ``fsize``: the largest file it may write (RLIMIT_FSIZE: a full disk's EFBIG)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KZW_")}
    environ.update(KZW_HOME=str(home), DAGSTER_HOME=str(home / "dagster"), KZW_SOURCE="snapshot", **env)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=None
        if fsize is None
        else lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize)),
    )


def assert_refused(done: subprocess.CompletedProcess, code: int, *phrases: str) -> None:
    text = done.stdout + done.stderr
    assert done.returncode == code, text
    assert "Traceback" not in text, text
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2 and lines[0].startswith("refused: "), text
    assert "what to do:" in lines[-1], text
    for phrase in phrases:
        assert phrase in done.stderr, text


def refused_ledger_rows(build_db: Path) -> dict[str, str]:
    frame = RawStore(build_db).releases()
    frame = frame[frame["error"].fillna("").str.contains("refused before fetching")]
    return dict(zip(frame["dataset_id"], frame["error"], strict=True))


def test_exit_codes_are_distinct():
    codes = [
        refusals.LOCK_HELD,
        refusals.BUILD_DB_HELD,
        refusals.HOME_UNWRITABLE,
        refusals.DISK_FULL,
        refusals.BAD_SETTING,
    ]
    assert len(set(codes)) == len(codes) and not {0, 1, 2} & set(codes)


def test_another_refresh_holds_the_lock(tmp_path):
    home = tmp_path / "home"
    lock = RefreshLock(home / "refresh.lock")
    lock.acquire(run_id="the-other-run")
    try:
        done = cli(home, "run")
    finally:
        lock.release()
    assert_refused(done, refusals.LOCK_HELD, f"pid {os.getpid()} run the-other-run", "alive")
    assert "Traceback (most recent call last)" in (home / "logs" / "refusals.log").read_text()
    rows = refused_ledger_rows(home / "build" / "warehouse.duckdb")
    assert set(rows) == ALL and all("another refresh is writing" in e for e in rows.values())


def test_the_build_database_held_by_another_process(tmp_path):
    home = tmp_path / "home"
    build_db = home / "build" / "warehouse.duckdb"
    RawStore(build_db).ensure_tables([])
    holder = duckdb.connect(str(build_db))  # e.g. a BI tool pointed at the build file
    try:
        probe = cli(home, "refresh-if-changed")
        run = cli(home, "run")
    finally:
        holder.close()
    for done in (probe, run):
        assert_refused(done, refusals.BUILD_DB_HELD, f"pid {os.getpid()}", "which is not a refresh")
        assert "a refresh is running" not in done.stderr
    # The run's attempts could not be written while the file was held: queued, written at the next
    # connection to the build database.
    rows = refused_ledger_rows(build_db)
    assert set(rows) == ALL and all("is held by pid" in e for e in rows.values())
    assert not list(build_db.parent.glob("*.pending-ledger.jsonl"))


def _unwritable_home(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        parent = tmp_path / "readonly"
        parent.mkdir()
        parent.chmod(0o555)
        return parent / "home"
    home = Path("/sys/kzw-refusal-test-home")  # root ignores modes; sysfs refuses new directories
    try:
        home.mkdir()
    except OSError:
        return home
    home.rmdir()
    pytest.skip("no unwritable directory available to root here")


def test_kzw_home_not_writable(tmp_path):
    home = _unwritable_home(tmp_path)
    done = cli(home, "run")
    assert_refused(done, refusals.HOME_UNWRITABLE, f"$KZW_HOME ({home}) is not writable", "KZW_HOME")


@pytest.mark.parametrize(
    ("value", "phrase"),
    [("-5", "KZW_MAX_RETRIES=-5 is out of range: an integer from 0 to 20"), ("abc", "is not an integer")],
)
def test_a_setting_out_of_range(tmp_path, value, phrase):
    home = tmp_path / "home"
    for command in ("run", "refresh-if-changed"):
        done = cli(home, command, KZW_MAX_RETRIES=value)
        assert_refused(done, refusals.BAD_SETTING, phrase)
    assert not (home / "build").exists(), "nothing was attempted"


def test_the_build_database_held_by_a_running_refresh_is_not_blamed_on_another_program(tmp_path):
    # A refresh holds the lock, and the build file is held (by its dbt child, here this process).
    home = tmp_path / "home"
    build_db = home / "build" / "warehouse.duckdb"
    RawStore(build_db).ensure_tables([])
    lock = RefreshLock(home / "refresh.lock")
    lock.acquire(run_id="the-running-refresh")
    holder = duckdb.connect(str(build_db))
    try:
        done = cli(home, "refresh-if-changed")
    finally:
        holder.close()
        lock.release()
    assert_refused(done, refusals.LOCK_HELD, "pid", "run the-running-refresh", "holds the build database")
    assert "not a refresh" not in done.stderr


def test_kzw_home_full(tmp_path):
    home = tmp_path / "home"
    done = cli(home, "run", fsize=1024)  # no file under $KZW_HOME may grow past 1 KiB
    assert_refused(done, refusals.DISK_FULL, f"no space left under $KZW_HOME ({home})", "free disk space")

"""Process faults: runs killed with SIGKILL, two refreshes at once, a full disk while publishing, and a
blocking check failure in one dataset, end to end through the real Dagster wiring.

Killed runs are real OS processes started in their own process group and killed as a group (the run
and its dbt child: a machine or container going down): ``python -m orchestration.cli run`` for the
refresh killed during the dbt build and for the refresh holding the lock; the publish step's own code
for the run killed while publishing (reaching publish through the CLI means rebuilding the whole dbt
project first, minutes). Reruns go through the real Dagster job, on the assets needed to show the
guarantee (``tests.faults.run_job``): on this 2-core machine a full rebuild costs ~4 minutes.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.catalog import get
from ingestion.lock import RefreshLock
from ingestion.settings import REPO_ROOT, SNAPSHOT_DIR
from tests.conftest import point_at, run_refresh
from tests.faults import damage as dmg
from tests.faults.conftest import assert_clean_rerun, snapshot_source, tree_state
from tests.faults.run_job import run as run_job

# the module (``publishing.publish`` the attribute is the re-exported function)
publish_module = importlib.import_module("publishing.publish")
INCOME = get("income_annual")
PUBLISH_STEP = "published__kz_inequality"
DBT_STEP = "kz_inequality_dbt"


# --- helpers ------------------------------------------------------------------------------------


def visible(state: dict[str, str]) -> dict[str, str]:
    """What a reader of the published dir sees: hidden temporaries (``.name``) left out."""
    return {k: v for k, v in state.items() if not any(part.startswith(".") for part in Path(k).parts)}


def assert_whole_version(published: Path) -> str:
    """``current`` names one complete version and the top-level DuckDB file is that version's."""
    current = published / "current"
    version = Path(os.readlink(current)).name
    assert (published / "versions" / version).is_dir() and not version.startswith(".")
    database = current / "kz_inequality.duckdb"
    assert (published / "kz_inequality.duckdb").read_bytes() == database.read_bytes()
    con = duckdb.connect(str(database), read_only=True)
    try:
        assert con.execute("select version from meta.publication").fetchone()[0] == version
        listed = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name <> 'meta'"
        )
        tables = {f"{schema}.{table}" for schema, table in listed.fetchall()}
    finally:
        con.close()
    assert {p.name.removesuffix(".parquet") for p in (current / "parquet").iterdir()} == tables
    return version


def run_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZW_")}
    env.update(
        KZW_HOME=str(home),
        KZW_BUILD_DB=str(home / "build" / "warehouse.duckdb"),
        KZW_SOURCE="snapshot",
        DAGSTER_HOME=str(home / "dagster"),
        PYTHONUNBUFFERED="1",
    )
    return env


def start(args: list[str], home: Path, log: Path) -> subprocess.Popen:
    """A run in its own process group (so the group, dbt included, can be killed at once)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO_ROOT,
            env=run_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for(
    condition, proc: subprocess.Popen, log: Path, what: str, every: float = 0.05, timeout: float = 600.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"run ended ({proc.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            kill_group(proc)
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(every)


class LogMatch:
    """True once ``pattern`` has appeared in the growing log (read incrementally)."""

    def __init__(self, log: Path, pattern: str) -> None:
        self.log, self.pattern, self.offset, self.tail = log, re.compile(pattern), 0, b""

    def __call__(self) -> bool:
        with self.log.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        self.offset += len(chunk)
        text = self.tail + chunk
        self.tail = text[-500:]
        return self.pattern.search(text.decode("utf-8", "replace")) is not None


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the run's whole process group and wait until every member is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _group_alive(proc.pid):
        if time.monotonic() > deadline:
            raise AssertionError("processes of the killed run are still alive")
        time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies, dead but not yet reaped, do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def lock_is_free(home: Path) -> bool:
    lock = RefreshLock(home / "refresh.lock")
    lock.acquire()  # raises WarehouseBusy if anyone holds it
    lock.release()
    return True


def run_messages(result) -> str:
    """Every event message and error message of a Dagster run, as one text."""
    parts = []
    for event in result.all_events:
        parts.append(event.message or "")
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            parts.append(error.message)
            error = error.cause
    return "\n".join(parts)


def steps(result, event_type: str) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == event_type}


# --- a blocking check in one dataset --------------------------------------------------------------


def test_blocking_check_failure_in_one_dataset_blocks_dbt_and_publish(warehouse, tmp_path, monkeypatch):
    # Damage: in a copy of the whole snapshot, every VAL of the income CSV multiplied by 1000.
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, snapshot)
    damaged = dmg.edit_csv_field(dmg.real("income_annual"), "VAL", lambda _n, v: dmg.times_1000(v))
    (snapshot / INCOME.snapshot_file).chmod(0o644)
    (snapshot / INCOME.snapshot_file).write_bytes(damaged)
    point_at(monkeypatch, warehouse.home, snapshot_dir=str(snapshot))

    result = run_refresh()

    assert not result.success
    failed_checks = [
        e.asset_check_key.name
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.asset_key.to_user_string() == "raw/income_annual"
    ]
    assert "release_is_well_formed" in failed_checks
    assert DBT_STEP not in steps(result, "STEP_START") and PUBLISH_STEP not in steps(result, "STEP_START")
    assert steps(result, "STEP_FAILURE") == {"raw__income_annual"}  # failed by its blocking check
    assert "blocking asset check failed" in run_messages(result)
    assert tree_state(warehouse.published) == warehouse.published_before
    last = warehouse.new_ledger_rows(INCOME.id)[-1]
    assert last["status"] == "quarantined" and "value_scale" in last["error"]
    assert Path(last["landed_path"]).read_bytes() == damaged
    # Clean rerun of the dataset, the real file back: the release already loaded is still current.
    assert_clean_rerun(warehouse, INCOME, snapshot_source(), expect=("unchanged",))


# --- a refresh in progress: a second one started meanwhile, then the first killed in dbt ---------


@dataclass
class Running:
    home: Path
    proc: subprocess.Popen
    log: Path
    published_before: dict[str, str]


@pytest.fixture(scope="module")
def running_refresh(pipeline_run, tmp_path_factory) -> Iterator[Running]:
    """ONE real refresh, ``python -m orchestration.cli run``, on a private copy of the warehouse.

    Shared by the two tests that need a refresh in progress (starting one costs ~20 s of imports):
    ``test_two_refreshes_started_at_once`` starts a second refresh while it holds the lock, then
    ``test_sigkill_during_the_dbt_build`` kills it once dbt is building. Either runs alone too.
    """
    root = tmp_path_factory.mktemp("running-refresh")
    home = root / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    (home / "refresh.lock").unlink(missing_ok=True)  # the copy's lock file names the old holder
    log = root / "refresh.log"
    proc = start(["-m", "orchestration.cli", "run"], home, log)
    yield Running(home, proc, log, tree_state(home / "published"))
    kill_group(proc)


def test_two_refreshes_started_at_once(running_refresh, monkeypatch):
    first = running_refresh
    lock_file = first.home / "refresh.lock"
    holder = f"pid {first.proc.pid} "
    wait_for(
        lambda: lock_file.exists() and lock_file.read_text().startswith(holder),
        first.proc,
        first.log,
        "the first refresh to take the warehouse lock",
    )
    # Freeze the first refresh where it is (it keeps its lock) so the second runs alone on 2 cores.
    os.killpg(first.proc.pid, signal.SIGSTOP)
    try:
        point_at(monkeypatch, first.home)
        second = run_refresh()
    finally:
        os.killpg(first.proc.pid, signal.SIGCONT)
    assert not second.success
    text = run_messages(second)
    assert "another refresh is writing the warehouse" in text and f"pid {first.proc.pid}" in text
    assert not steps(second, "STEP_START"), "the second refresh ran a step"
    assert first.proc.poll() is None and lock_file.read_text().startswith(holder), "the first was disturbed"
    assert tree_state(first.home / "published") == first.published_before
    # The rerun once the first refresh is gone: test_sigkill_during_the_dbt_build, below.


def test_sigkill_during_the_dbt_build(running_refresh, monkeypatch):
    run = running_refresh
    try:
        wait_for(LogMatch(run.log, r"\d+ of \d+ OK created"), run.proc, run.log, "dbt to have built a model")
    finally:
        kill_group(run.proc)
    log = run.log.read_text()
    assert f"{DBT_STEP} - STEP_START" in log and f"{PUBLISH_STEP} - STEP_START" not in log
    assert tree_state(run.home / "published") == run.published_before
    assert lock_is_free(run.home), "the kernel released the dead run's lock"

    point_at(monkeypatch, run.home)
    rerun = run_job(["staging/stg_bns__observations", "published/kz_inequality"])
    assert rerun.success, run_messages(rerun)[-3000:]
    version = assert_whole_version(run.home / "published")
    assert version not in str(run.published_before)


# --- SIGKILL during publish ---------------------------------------------------------------------


def test_sigkill_during_publish(warehouse, tmp_path, monkeypatch):
    home = warehouse.home
    versions = warehouse.published / "versions"
    old_version = assert_whole_version(warehouse.published)
    log = tmp_path / "killed.log"

    def writing_parquet() -> bool:
        return any(d.name.startswith(".") and any(d.glob("parquet/*.parquet")) for d in versions.iterdir())

    # The publish step's own code in its own process (a Dagster process would add ~20 s of imports
    # before it; atomicity is publish()'s alone). The rerun below goes through the Dagster asset.
    code = (
        "import sys; from publishing.publish import publish; "
        "publish(__import__('pathlib').Path(sys.argv[1]), __import__('pathlib').Path(sys.argv[2]))"
    )
    run = start(["-c", code, str(warehouse.settings.build_db), str(warehouse.published)], home, log)
    try:
        wait_for(writing_parquet, run, log, "publish to write the new version's Parquet files", every=0.005)
    finally:
        kill_group(run)

    # Never a mix: a reader sees the old version whole (the kill came before the swap) or, had the
    # run got that far, the new one whole; the half-written version is hidden (a '.' directory).
    after = tree_state(warehouse.published)
    if visible(after) != visible(warehouse.published_before):
        assert assert_whole_version(warehouse.published) != old_version
    else:
        assert assert_whole_version(warehouse.published) == old_version
    assert [d for d in versions.iterdir() if d.name.startswith(".")], "the killed staging dir is hidden"

    point_at(monkeypatch, home)
    rerun = run_job(["published/kz_inequality"])
    assert rerun.success, run_messages(rerun)[-3000:]
    assert assert_whole_version(warehouse.published) != old_version


# --- disk full while publishing -------------------------------------------------------------------


class _DiskFullConnection:
    """A DuckDB connection whose disk fills up at the given Parquet file."""

    def __init__(self, con, at: str) -> None:
        self._con, self._at = con, at

    def execute(self, sql: str, *args):
        if sql.startswith("copy ") and self._at in sql:
            raise duckdb.IOException(f"Could not write file: No space left on device ({self._at})")
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_disk_full_while_writing_the_new_version(warehouse, monkeypatch):
    connect = duckdb.connect
    monkeypatch.setattr(
        publish_module.duckdb,
        "connect",
        lambda *a, **k: _DiskFullConnection(connect(*a, **k), "fct_region_year"),
    )
    with pytest.raises(duckdb.IOException, match="No space left on device"):
        publish_module.publish(warehouse.settings.build_db, warehouse.published)
    assert tree_state(warehouse.published) == warehouse.published_before  # hidden files included
    monkeypatch.undo()
    publish_module.publish(warehouse.settings.build_db, warehouse.published)  # space freed: it works
    assert_whole_version(warehouse.published)


def test_disk_full_while_swapping_in_the_new_version(warehouse, monkeypatch):
    def copy_until_full(src, dst, **_kw):
        data = Path(src).read_bytes()
        Path(dst).write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(publish_module.shutil, "copyfile", copy_until_full)
    with pytest.raises(OSError, match="No space left on device"):
        publish_module.publish(warehouse.settings.build_db, warehouse.published)
    # No half-copied temporary holding the space, no unreferenced version left behind.
    assert tree_state(warehouse.published) == warehouse.published_before
    monkeypatch.undo()
    publish_module.publish(warehouse.settings.build_db, warehouse.published)
    assert_whole_version(warehouse.published)

"""Shared fixtures. The whole pipeline is built once per session, on the real snapshot, in a temp dir,
by the command ``make run`` runs (``python -m orchestration.cli run``).

Nothing here touches the user's warehouse (``KZW_HOME`` always points under pytest's tmp dir) or the
internet (HTTP tests use a loopback server).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# Import-time settings must never point at the real warehouse, even before a fixture runs.
os.environ["KZW_HOME"] = tempfile.mkdtemp(prefix="kzw-pytest-")


@dataclass
class StoredRun:
    """A run read back from the Dagster instance that recorded it (what tests ask of a run result)."""

    dagster_home: Path
    run_id: str

    def _instance(self):
        import dagster as dg

        return dg.DagsterInstance.from_config(str(self.dagster_home))

    @property
    def success(self) -> bool:
        import dagster as dg

        with self._instance() as instance:
            return instance.get_run_by_id(self.run_id).status == dg.DagsterRunStatus.SUCCESS

    def get_asset_check_evaluations(self) -> list:
        from orchestration.refresh import check_evaluations

        with self._instance() as instance:
            return check_evaluations(instance, self.run_id)


@dataclass
class PipelineRun:
    """One full refresh made as ``make run`` makes it: its run, its terminal output and where it wrote."""

    home: Path
    result: StoredRun
    #: what ``python -m orchestration.cli run`` printed (stdout and stderr), line by line
    output: list[str]
    #: seconds from starting the command to its first line of output
    first_line_s: float
    returncode: int

    @property
    def build_db(self) -> Path:
        return self.home / "build" / "warehouse.duckdb"

    @property
    def published_db(self) -> Path:
        return self.home / "published" / "kz_inequality.duckdb"


def point_at(monkeypatch: pytest.MonkeyPatch, home: Path, **extra: str) -> None:
    """Point every path of the pipeline at ``home`` (and set extra KZW_* variables)."""
    monkeypatch.setenv("KZW_HOME", str(home))
    monkeypatch.setenv("KZW_BUILD_DB", str(home / "build" / "warehouse.duckdb"))
    monkeypatch.setenv("KZW_SOURCE", extra.pop("source", "snapshot"))
    for key, value in extra.items():
        monkeypatch.setenv(f"KZW_{key.upper()}", value)


def run_refresh(selection: list | None = None):
    """Execute the refresh job in-process on an ephemeral Dagster instance.

    ``selection``: asset keys to materialize instead of the whole job (e.g. only the ingestion assets,
    when a test's guarantee is about ingestion and a dbt build would only cost time).
    """
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    return job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=selection
    )


def run_cli(home: Path, *args: str) -> tuple[list[str], float, int]:
    """``python -m orchestration.cli <args>`` as ``make run`` starts it (the venv's Python, repo root,
    ``KZW_HOME``/``DAGSTER_HOME`` as the Makefile derives them): output lines, seconds to the first
    line, exit status."""
    from ingestion.settings import REPO_ROOT

    env = {
        **os.environ,
        "KZW_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "KZW_BUILD_DB": str(home / "build" / "warehouse.duckdb"),
        "KZW_SOURCE": "snapshot",
    }
    started = time.perf_counter()
    first = None
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        for line in proc.stdout:
            first = first if first is not None else time.perf_counter() - started
            lines.append(line.rstrip("\n"))
    return lines, first if first is not None else float("inf"), proc.returncode


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    """The full refresh of the embedded snapshot, made by the command ``make run`` runs."""
    import dagster as dg

    home = tmp_path_factory.mktemp("kzw-session")
    output, first_line_s, returncode = run_cli(home, "run")
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="refresh_warehouse", tags={"kzw/trigger": "cli"}))
    assert len(runs) == 1, "\n".join(output)
    result = StoredRun(dagster_home=home / "dagster", run_id=runs[0].run_id)
    run = PipelineRun(home, result, output, first_line_s, returncode)
    assert returncode == 0 and result.success, "the session's full refresh failed:\n" + "\n".join(output)
    yield run


@pytest.fixture(scope="session")
def built_warehouse(pipeline_run: PipelineRun) -> Path:
    """Path of the build DuckDB file where the whole dbt project was built from the real snapshot."""
    return pipeline_run.build_db

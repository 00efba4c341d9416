"""Shared fixtures. The whole pipeline is built once per session, on the real snapshot, in a temp dir.

Nothing here touches the user's warehouse (``KZW_HOME`` always points under pytest's tmp dir) or the
internet (HTTP tests use a loopback server).
"""

from __future__ import annotations

import os
import tempfile
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
class PipelineRun:
    """One full refresh executed through Dagster: its result and where it wrote."""

    home: Path
    result: object

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


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    home = tmp_path_factory.mktemp("kzw-session")
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, home)
        result = run_refresh()
        run = PipelineRun(home=home, result=result)
    assert result.success, "the session's full refresh on the real snapshot failed"
    yield run


@pytest.fixture(scope="session")
def built_warehouse(pipeline_run: PipelineRun) -> Path:
    """Path of the build DuckDB file where the whole dbt project was built from the real snapshot."""
    return pipeline_run.build_db

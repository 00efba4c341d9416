"""Settings and the dbt project handle, shared by every piece of Dagster wiring.

The build database path is handed to dbt through ``KZW_BUILD_DB`` (read by ``profiles.yml``), so the
same settings object decides where ingestion, dbt and publish all write.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from ingestion.settings import DBT_PROJECT_DIR, Settings


def settings() -> Settings:
    """Current settings, exported to the environment for the dbt subprocess."""
    current = Settings.from_env()
    os.environ["KZW_BUILD_DB"] = str(current.build_db)
    return current


settings()


def _venv_dbt() -> str:
    """The dbt installed beside this Python. ``make ui`` and cron start Dagster without the venv on
    PATH, and dagster-dbt looks ``dbt`` up on PATH by default; PATH is only the fallback here."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


DBT_EXECUTABLE = _venv_dbt()


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer, parsing with :data:`DBT_EXECUTABLE` instead of the ``dbt`` on PATH."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
        # As the base class does: seeds re-parsed at run time, so their root path is this checkout's.
        self._invalidate_seeds_in_partial_parse(project)


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
preparer = VenvDbtPreparer()
preparer.prepare_if_dev(dbt_project)
if not dbt_project.manifest_path.exists():
    preparer.prepare(dbt_project)

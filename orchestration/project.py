"""Settings and the dbt project handle, shared by every piece of Dagster wiring.

The build database path is handed to dbt through ``KZW_BUILD_DB`` (read by ``profiles.yml``), so the
same settings object decides where ingestion, dbt and publish all write.
"""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from ingestion.settings import DBT_PROJECT_DIR, Settings


def settings() -> Settings:
    """Current settings, exported to the environment for the dbt subprocess."""
    current = Settings.from_env()
    os.environ["KZW_BUILD_DB"] = str(current.build_db)
    return current


settings()

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)

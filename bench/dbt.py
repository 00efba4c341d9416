"""How the harness calls dbt: the project's own executable, on the project, with a scratch target."""

from __future__ import annotations

import sys
from pathlib import Path

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (the project's .venv), else the one on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_command(command: str, target: Path, *options: str) -> list[str]:
    """``dbt <command> <options>`` on the project, writing artifacts and logs under ``target`` only."""
    return [
        dbt_executable(),
        command,
        *options,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
    ]

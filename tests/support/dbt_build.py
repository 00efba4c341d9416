"""Build the real dbt project on other data: the one helper for the few pytest cases that must run dbt
models on hand-made tables (the logic of single models is tested by dbt ``unit_tests:`` instead).

The hand-made tables stand in for the models upstream of the selection: each is created in the schema
and under the name the real project gives that model (``marts.fct_region_year``), so that ``ref()``
resolves to it unchanged. dbt then builds only the selected models of ``dbt_project/`` itself (no copy,
no switch in the project: the models read ``ref()`` as in production), in a temp DuckDB file, with the
project's vars and the overrides given. Tests run with ``--indirect-selection cautious``: only those
whose every parent is selected (a relationship test to an unbuilt dimension is left out).
``raw.measure_catalog`` is written from the catalog, as the ingestion does, because the facts and the
indicators take their measure columns from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.raw_store import write_measure_catalog
from ingestion.settings import DBT_PROJECT_DIR


@dataclass(frozen=True)
class DbtBuild:
    """A finished build: its DuckDB file, dbt's results by unique id, and its log."""

    database: Path
    results: dict[str, dict]
    output: str

    def status(self, name_prefix: str) -> str:
        """The status of the one node whose unique id starts with ``name_prefix`` (e.g. a test)."""
        matches = [r["status"] for uid, r in self.results.items() if uid.startswith(name_prefix)]
        if len(matches) != 1:
            raise AssertionError(f"{len(matches)} nodes match {name_prefix!r}: {sorted(self.results)}")
        return matches[0]


def _dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def load_tables(database: Path, tables: dict[str, Path | str]) -> None:
    """Create ``schema.table`` for each entry: a CSV file (``Path``) or a SQL query (``str``)."""
    con = duckdb.connect(str(database))
    try:
        con.execute("create schema if not exists raw")
        write_measure_catalog(con)
        for relation, source in tables.items():
            schema, name = relation.split(".")
            con.execute(f"create schema if not exists {schema}")
            if isinstance(source, Path):
                con.execute(
                    f"create or replace table {schema}.{name} as select * from read_csv(?, header = true)",
                    [str(source)],
                )
            else:
                con.execute(f"create or replace table {schema}.{name} as {source}")
    finally:
        con.close()


def start_build(
    work: Path, tables: dict[str, Path | str], select: str, variables: dict | None = None
) -> tuple[subprocess.Popen, Path]:
    """Load the tables into ``work/warehouse.duckdb`` and start ``dbt build --select select`` on the
    real project (a process, so that independent builds can run side by side)."""
    work.mkdir(parents=True, exist_ok=True)
    database = work / "warehouse.duckdb"
    load_tables(database, tables)
    env = {
        **os.environ,
        "KZW_BUILD_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    command = [
        _dbt_executable(), "build",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--select", select, "--indirect-selection", "cautious",
        "--vars", json.dumps(variables or {}),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=DBT_PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, database


def finish_build(work: Path, process: subprocess.Popen, database: Path, timeout: float = 900) -> DbtBuild:
    """Wait for a started build; fail with dbt's log when it failed."""
    output, _ = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise AssertionError(f"dbt build in {work} failed:\n{output[-6000:]}")
    run_results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))
    return DbtBuild(database, {r["unique_id"]: r for r in run_results["results"]}, output)


def build_on_tables(
    work: Path, tables: dict[str, Path | str], select: str, variables: dict | None = None
) -> DbtBuild:
    """Build the selected models of the real project on the given upstream tables (see the module)."""
    process, database = start_build(work, tables, select, variables)
    return finish_build(work, process, database)

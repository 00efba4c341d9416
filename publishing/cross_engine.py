"""Build the same dbt project on Apache Spark (local-mode pyspark session) from the DuckDB raw layer.

Why here: handing the raw layer to another engine is a publication of the build database (like
``publish``), and the cross-engine test (tests/test_cross_engine.py) and the benchmark
(bench/spark.py) must drive Spark exactly the same way, so the steps live in one plain library
module: no Dagster, and pyspark / dbt-spark (the optional ``spark`` extra) are only imported by dbt
when a Spark target runs.

The hand-off: ``export_raw_parquet`` copies every table of DuckDB schema ``raw`` (one per dataset plus
``releases``) to ``<dir>/<table>.parquet``; the dbt on-run-start hook ``register_raw_parquet`` (a no-op
on DuckDB) declares them as the Spark tables ``raw.<table>`` when ``KZW_RAW_PARQUET_DIR`` points at
that directory, so the models' ``source('raw', ...)`` resolve identically on both engines.

Everything Spark writes (spark-warehouse, Derby ``metastore_db``, ``derby.log``, dbt's target and
logs) goes under one workspace directory: never the repository tree nor the user's warehouse.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
RAW_SCHEMA = "raw"
MARTS_SCHEMA = "marts"
# What the Spark build runs: the seeds and every model (staging, intermediate, facts, inequality,
# indices, quality flags). Tests are left to the DuckDB build; the cross-engine comparison of every
# mart is the Spark build's check.
SPARK_BUILD_ARGS: tuple[str, ...] = ("build", "--resource-type", "seed", "--resource-type", "model")


def export_raw_parquet(build_db: Path, out_dir: Path) -> list[str]:
    """Write every table and view of the raw schema of ``build_db`` to ``out_dir/<table>.parquet``.

    The views (``current_releases``, ``current_observations``: the one definition of the current
    release, ingestion/raw_store.py) are written as their rows, so Spark reads the same cells.

    The build file is opened read-only, so this never blocks a reader and never changes the build.
    Returns the exported table names.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build_db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type in ('BASE TABLE', 'VIEW') order by table_name",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        for name in tables:
            # COPY takes neither its table nor its file as a parameter: both are quoted here.
            table = name.replace('"', '""')
            target = (out_dir / f"{name}.parquet").as_posix().replace("'", "''")
            con.execute(f"copy {RAW_SCHEMA}.\"{table}\" to '{target}' (format parquet)")
    return tables


@dataclass(frozen=True)
class SparkWorkspace:
    """Directories of one Spark build, all under ``root``."""

    root: Path

    @property
    def parquet_dir(self) -> Path:
        return self.root / "raw_parquet"

    @property
    def spark_home(self) -> Path:
        """spark-warehouse/, metastore_db/ and derby.log (profiles.yml reads KZW_SPARK_HOME)."""
        return self.root / "spark"

    @property
    def target_path(self) -> Path:
        return self.root / "dbt_target"

    @property
    def log_path(self) -> Path:
        return self.root / "dbt_logs"

    def env(self) -> dict[str, str]:
        return {"KZW_SPARK_HOME": str(self.spark_home), "KZW_RAW_PARQUET_DIR": str(self.parquet_dir)}


@contextmanager
def environ_overrides(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block (dbt and the Spark profile read them), then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(
    args: Sequence[str], *, target: str, target_path: Path, log_path: Path, env: dict[str, str] | None = None
) -> float:
    """Run one dbt command in this process (dbt's programmatic runner); return its wall time in seconds.

    In-process on purpose: with the Spark ``session`` method the SparkSession dbt creates stays alive
    afterwards, so the caller reads the built tables from the same JVM instead of starting another.
    Raises RuntimeError when dbt reports a failure.
    """
    from dbt.cli.main import dbtRunner

    cli_args = [
        "--quiet",
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
    ]
    started = time.perf_counter()
    with environ_overrides({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}):
        result = dbtRunner().invoke(cli_args)
    elapsed = time.perf_counter() - started
    if not result.success:
        failures = [
            f"{r.node.unique_id}: {str(r.message)[:600]}"
            for r in (getattr(result.result, "results", None) or [])
            if str(r.status) in {"error", "fail"}
        ]
        raise RuntimeError(f"dbt {' '.join(args)} --target {target} failed: {failures or result.exception}")
    return elapsed


def build_on_spark(
    build_db: Path, workspace: SparkWorkspace, args: Sequence[str] = SPARK_BUILD_ARGS
) -> float:
    """Export the raw layer of ``build_db`` and build the project on local-mode Spark; return dbt's wall time.

    The SparkSession stays open (``spark_session()`` returns it) so the caller can read the results.
    """
    export_raw_parquet(build_db, workspace.parquet_dir)
    workspace.spark_home.mkdir(parents=True, exist_ok=True)
    return run_dbt(
        args,
        target="spark",
        target_path=workspace.target_path,
        log_path=workspace.log_path,
        env=workspace.env(),
    )


def spark_session():
    """The SparkSession the Spark build created in this process (pyspark must be installed)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    # dbt ran the session in its worker threads (the active session is thread-local): take the
    # process-wide one, never start a new one with other settings.
    if SparkContext._active_spark_context is None:
        raise RuntimeError("no SparkSession in this process: run build_on_spark first")
    return SparkSession.builder.getOrCreate()


def mart_models(manifest_dir: Path) -> list[str]:
    """Names of the models in models/marts (fct_*, dim_*, mart_*), from dbt's manifest in ``manifest_dir``."""
    manifest = json.loads((manifest_dir / "manifest.json").read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    )


@dataclass
class TableComparison:
    """The row-by-row comparison of one table built by two engines."""

    table: str
    rows: int = 0
    values: int = 0
    max_rel_diff: float = 0.0
    mismatches: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.mismatches


def _is_measure(value: object) -> bool:
    return isinstance(value, float | Decimal) and not isinstance(value, bool)


def _sort_key(row: tuple, key_positions: list[int]) -> tuple:
    """Nulls first, then by value; the row's text as the last resort for equal keys."""
    return (*((row[i] is not None, row[i] if row[i] is not None else 0) for i in key_positions), repr(row))


def compare_tables(
    table: str,
    expected: tuple[list[str], list[tuple]],
    actual: tuple[list[str], list[tuple]],
    *,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
    column_noise: float = 1e-12,
    max_reported: int = 10,
) -> TableComparison:
    """Compare two results (column names, rows) of the same table built by two engines.

    Columns must match by name and order. Measures (float or decimal values on the expected side)
    must agree to ``rel_tol`` relative, except values within rounding noise of zero, where a relative
    difference means nothing: those must agree to max(``abs_tol``, ``column_noise`` x the largest
    magnitude in their column). A difference of two equal-looking aggregates (say 1.2e6 - 1.2e6) is
    1e-10 on one engine and 0.0 on another; the column's scale says how large that noise can be.
    Every other value (keys, strings, integers, booleans, dates) must be equal. Rows are matched by
    sorting both sides on the non-measure columns, so two engines' row orders do not matter.
    """
    result = TableComparison(table)
    columns, rows = expected
    other_columns, other_rows = actual
    if [c.lower() for c in columns] != [c.lower() for c in other_columns]:
        result.mismatches.append(f"columns differ: {columns} vs {other_columns}")
        return result
    if len(rows) != len(other_rows):
        result.mismatches.append(f"row count {len(rows)} vs {len(other_rows)}")
        return result
    measure_positions = {i for i in range(len(columns)) if any(_is_measure(row[i]) for row in rows)}
    key_positions = [i for i in range(len(columns)) if i not in measure_positions]
    rows = sorted(rows, key=lambda row: _sort_key(row, key_positions))
    other_rows = sorted(other_rows, key=lambda row: _sort_key(row, key_positions))
    result.rows = len(rows)
    floors = {i: max(abs_tol, column_noise * _column_scale(rows, other_rows, i)) for i in measure_positions}
    for row, other in zip(rows, other_rows, strict=True):
        for i, (a, b) in enumerate(zip(row, other, strict=True)):
            result.values += 1
            problem = _value_problem(a, b, i in measure_positions, rel_tol, floors.get(i, abs_tol), result)
            if problem and len(result.mismatches) < max_reported:
                keys = {columns[k]: row[k] for k in key_positions[:4]}
                result.mismatches.append(f"{columns[i]} at {keys}: {problem}")
            elif problem:
                result.mismatches.append("...")
                return result
    return result


def _column_scale(rows: list[tuple], other_rows: list[tuple], position: int) -> float:
    """The largest finite magnitude of a numeric column on either side (0.0 when there is none)."""
    magnitudes = [
        abs(float(row[position]))
        for row in (*rows, *other_rows)
        if isinstance(row[position], int | float | Decimal) and not isinstance(row[position], bool)
    ]
    return max((m for m in magnitudes if math.isfinite(m)), default=0.0)


def _value_problem(
    a: object, b: object, is_measure: bool, rel_tol: float, abs_tol: float, result: TableComparison
) -> str | None:
    if a is None or b is None:
        return None if a is None and b is None else f"{a!r} vs {b!r}"
    if is_measure or (isinstance(a, int | float | Decimal) and not isinstance(a, bool)):
        if isinstance(b, bool) or not isinstance(b, int | float | Decimal):
            return f"{a!r} vs {b!r}"
        x, y = float(a), float(b)
        if math.isnan(x) or math.isnan(y):
            return None if math.isnan(x) and math.isnan(y) else f"{x!r} vs {y!r}"
        scale = max(abs(x), abs(y))
        if scale > abs_tol:
            result.max_rel_diff = max(result.max_rel_diff, abs(x - y) / scale)
        return None if math.isclose(x, y, rel_tol=rel_tol, abs_tol=abs_tol) else f"{x!r} vs {y!r}"
    return None if a == b else f"{a!r} vs {b!r}"

"""Spark beside DuckDB: build time of the same dbt selection on both engines, from the same raw layer.

The lead wires this into bench/__main__.py and BENCHMARKS.md. The Spark side is exactly what the
cross-engine test runs (publishing.cross_engine): raw layer -> Parquet, dbt on a local-mode pyspark
session (dbt-spark, method session, local[2], in-memory catalog). The DuckDB side runs the same dbt
command on a scratch copy of the build file (the original is only read), in this process as well, so
both timings include dbt's parse and exclude Python start-up. Spark's includes its JVM start-up.
Needs the optional `spark` extra (make setup-dev installs it) and Java.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from publishing.cross_engine import (
    SPARK_BUILD_ARGS,
    SparkWorkspace,
    build_on_spark,
    environ_overrides,
    run_dbt,
)


def time_spark_vs_duckdb(build_db: Path, workdir: Path) -> dict:
    """Time ``dbt build`` of seeds + every model on DuckDB and on Spark, from ``build_db``'s raw layer.

    ``build_db`` is a DuckDB build file (its raw schema is what both engines read); it is copied,
    never written. Everything else goes under ``workdir``. Returns seconds per engine, the number of
    models built and the dbt selection.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    scratch_db = workdir / "duckdb" / "warehouse.duckdb"
    scratch_db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(build_db, scratch_db)
    with environ_overrides({"KZW_BUILD_DB": str(scratch_db), "KZW_SPARK_CATALOG": "in-memory"}):
        duckdb_s = run_dbt(
            SPARK_BUILD_ARGS,
            target="duckdb",
            target_path=workdir / "duckdb" / "dbt_target",
            log_path=workdir / "duckdb" / "dbt_logs",
        )
        workspace = SparkWorkspace(workdir / "spark")
        started = time.perf_counter()
        # the raw layer comes from the original file: this process's dbt-duckdb keeps the scratch copy open
        spark_s = build_on_spark(build_db, workspace)
        spark_with_export_s = time.perf_counter() - started
    manifest = json.loads((workspace.target_path / "manifest.json").read_text())
    models = sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "model")
    return {
        "duckdb_s": round(duckdb_s, 2),
        "spark_s": round(spark_s, 2),
        # plus the hand-off: the raw layer exported to Parquet
        "spark_with_export_s": round(spark_with_export_s, 2),
        "models": models,
        "selection": "dbt " + " ".join(SPARK_BUILD_ARGS) + " (4 seeds + every model; no data tests)",
    }

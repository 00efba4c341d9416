"""The same dbt project built on Apache Spark gives the same marts as on DuckDB (issue #10).

The session's DuckDB build (``built_warehouse``: the whole project from the real snapshot) hands its
raw layer to Spark as Parquet; the project is built again on a local-mode pyspark session (dbt-spark,
method ``session``, target ``spark``); then every model of models/marts (dim_*, fct_*, mart_*) is
compared row by row with the DuckDB build: same columns, same rows matched on their non-measure
columns, measures equal to 1e-9 relative (values that cancel to rounding noise: to 1e-12 of their
column's largest magnitude; publishing.cross_engine.compare_tables), everything else equal.

Cost control (2 cores): one Spark session for the whole test (dbt runs in this process, and the
comparison reads from the same JVM); ``dbt build`` of seeds and models only (the 570 data tests run on
DuckDB; this comparison is the Spark build's check); local[2], 2 shuffle partitions, in-memory catalog.
Everything Spark and dbt write goes to pytest's tmp dir.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import duckdb
import pytest

from publishing.cross_engine import (
    MARTS_SCHEMA,
    SparkWorkspace,
    TableComparison,
    build_on_spark,
    compare_tables,
    environ_overrides,
    mart_models,
    spark_session,
)

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="the optional `spark` extra (pyspark, dbt-spark) is not installed: make setup-dev installs it",
    ),
]


@pytest.fixture(scope="module")
def spark_build(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> SparkWorkspace:
    workspace = SparkWorkspace(tmp_path_factory.mktemp("spark-build"))
    with environ_overrides({"KZW_SPARK_CATALOG": "in-memory"}):
        started = time.perf_counter()
        dbt_seconds = build_on_spark(built_warehouse, workspace)
        total = time.perf_counter() - started
        print(f"\nSpark build: dbt {dbt_seconds:.1f} s, {total:.1f} s with the Parquet export")
    return workspace


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): "
    "fct_national_year's catalog-generated measure list fails Spark's SQL parser",
)
def test_every_mart_equals_duckdb(spark_build: SparkWorkspace, built_warehouse: Path) -> None:
    marts = mart_models(spark_build.target_path)
    assert {"dim_region", "fct_region_year", "mart_inequality", "mart_quality_flags"} <= set(marts)
    spark = spark_session()
    results: list[TableComparison] = []
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        for table in marts:
            cursor = con.execute(f"select * from {MARTS_SCHEMA}.{table}")
            expected = ([d[0] for d in cursor.description], cursor.fetchall())
            frame = spark.table(f"{MARTS_SCHEMA}.{table}")
            actual = (frame.columns, [tuple(row) for row in frame.collect()])
            results.append(compare_tables(table, expected, actual, rel_tol=1e-9))
    for r in results:
        print(f"{r.table:36s} rows={r.rows:6d} values={r.values:7d} max_rel_diff={r.max_rel_diff:.1e}")
    print(
        f"{len(results)} marts, {sum(r.rows for r in results)} rows, {sum(r.values for r in results)} values,"
        f" max relative difference {max(r.max_rel_diff for r in results):.1e}"
    )
    differences = {r.table: r.mismatches for r in results if not r.equal}
    assert not differences, f"Spark and DuckDB marts differ: {differences}"
    assert all(r.rows > 0 for r in results), [r.table for r in results if r.rows == 0]

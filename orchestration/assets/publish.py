"""The publish step: after every blocking check passed, swap in the BI copy of the marts."""

from datetime import timedelta

import dagster as dg

from orchestration.assets.dbt import kz_inequality_dbt
from orchestration.project import settings
from orchestration.resources import WarehouseLock
from publishing import publish


@dg.asset(
    key=dg.AssetKey(["published", "kz_inequality"]),
    group_name="published",
    kinds={"duckdb", "parquet"},
    owners=["team:data-engineering"],
    deps=[key for key in kz_inequality_dbt.keys if key.path[0] == "marts"],
    # The weekly safety net refreshes it; older than two weeks means refreshes are failing.
    freshness_policy=dg.FreshnessPolicy.time_window(
        fail_window=timedelta(days=14), warn_window=timedelta(days=8)
    ),
    description="Read-only DuckDB copy of the marts (plus one Parquet file per table) for BI tools, "
    "replaced atomically only after ingestion checks and dbt tests passed. Path: "
    "`$KZW_HOME/published/kz_inequality.duckdb`.",
)
def published_marts(context: dg.AssetExecutionContext, warehouse_lock: WarehouseLock) -> dg.MaterializeResult:
    current = settings()
    result = publish(current.build_db, current.publish_dir, run_id=context.run_id)
    table_lines = "\n".join(f"| {name} | {rows} |" for name, rows in result.tables.items())
    return dg.MaterializeResult(
        metadata={
            "version": result.version,
            "database": dg.MetadataValue.path(str(result.database)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "tables": dg.MetadataValue.md("| table | rows |\n|---|---|\n" + table_lines),
            "publish_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        }
    )

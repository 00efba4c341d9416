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
    kinds={"duckdb", "parquet", "csv", "excel"},
    owners=["team:data-engineering"],
    deps=[key for key in kz_inequality_dbt.keys if key.path[0] == "marts"],
    # The weekly safety net refreshes it; older than two weeks means refreshes are failing.
    freshness_policy=dg.FreshnessPolicy.time_window(
        fail_window=timedelta(days=14), warn_window=timedelta(days=8)
    ),
    description="Read-only DuckDB copy of the marts for BI tools, plus one Parquet and one CSV file per "
    "table, an XLSX workbook and a Frictionless datapackage.json, replaced atomically only after "
    "ingestion checks and dbt tests passed. Path: `$KZW_HOME/published/kz_inequality.duckdb`.",
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
            "csv_dir": dg.MetadataValue.path(str(result.csv_dir)),
            "workbook": dg.MetadataValue.path(str(result.workbook)),
            "datapackage": dg.MetadataValue.path(str(result.datapackage)),
            "tables": dg.MetadataValue.md("| table | rows |\n|---|---|\n" + table_lines),
            "publish_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        }
    )

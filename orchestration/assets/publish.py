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


@dg.asset_check(
    asset=published_marts,
    name="publication_verified",
    blocking=False,
    description="`python -m orchestration.cli verify` after every publish: landed files match their "
    "sha256 names and the ledger, the raw layer rebuilt from the landing zone equals the build "
    "database row for row, and the published DuckDB and Parquet files match meta.publication.",
)
def publication_verified(warehouse_lock: WarehouseLock) -> dg.AssetCheckResult:
    from publishing.verify import verify

    found = verify(settings())
    return dg.AssetCheckResult(
        passed=found.ok,
        metadata={
            "differences": dg.MetadataValue.md("\n".join(f"- {p}" for p in found.problems) or "none"),
            "notes": dg.MetadataValue.md("\n".join(f"- {n}" for n in found.notes) or "none"),
        },
    )


@dg.asset_check(
    asset=published_marts,
    name="no_published_value_retracted",
    blocking=False,
    description="Warns when a value published before is missing from this publication or became a "
    "not-available marker (meta.revisions, change = 'retracted'): a release may do that, never silently.",
)
def no_published_value_retracted() -> dg.AssetCheckResult:
    import duckdb

    con = duckdb.connect(str(settings().published_db), read_only=True)
    try:
        rows = con.execute(
            "select dataset_id, count(*) from meta.revisions where change = 'retracted' group by 1 order by 1"
        ).fetchall()
        kinds = dict(con.execute("select change, count(*) from meta.revisions group by 1").fetchall())
    finally:
        con.close()
    total = sum(count for _, count in rows)
    named = ", ".join(f"{dataset} ({count})" for dataset, count in rows)
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{total} published value(s) retracted: {named}" if total else "no value retracted",
        metadata={
            "retracted": total,
            "revised": kinds.get("revised", 0),
            "added": kinds.get("added", 0),
            "datasets": named or "none",
        },
    )

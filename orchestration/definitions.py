"""The Dagster code location: every asset, check, job and resource of the warehouse."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import dbt_resource, kz_inequality_dbt
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.publish import (
    no_published_value_retracted,
    publication_verified,
    published_marts,
)
from orchestration.assets.report import published_report
from orchestration.automation import bns_release_sensor, weekly_refresh
from orchestration.resources import WarehouseLock

refresh_job = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    description="Fetch every release, validate, rebuild the dbt project and publish.",
)

defs = dg.Definitions(
    assets=[*ingestion_assets, kz_inequality_dbt, published_marts, published_report],
    asset_checks=[publication_verified, no_published_value_retracted],
    jobs=[refresh_job],
    sensors=[bns_release_sensor],
    schedules=[weekly_refresh],
    resources={"dbt": dbt_resource, "warehouse_lock": WarehouseLock()},
    executor=dg.in_process_executor,
)

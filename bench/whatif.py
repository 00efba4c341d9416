"""What-if for the refresh: the same job with dbt tests NOT mapped to Dagster asset checks.

``python -m bench.whatif`` builds the project's definitions again (same ingestion assets, same dbt project,
same publish / report assets, same resources and executor) but with
``DagsterDbtTranslatorSettings(enable_asset_checks=False)``: ``dbt build`` still runs every test and a
failing test still fails the step (so publish stays gated), but the tests are not Dagster asset checks,
so the run writes no ``ASSET_CHECK_EVALUATION_PLANNED`` / ``ASSET_CHECK_EVALUATION`` event and no step
output per test. It measures how much of the refresh's overhead is Dagster event traffic. Nothing in the
project is changed; this module is only used by the benchmark.
"""

import os
import sys
import time

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets


def definitions() -> dg.Definitions:
    from orchestration import definitions as project
    from orchestration.assets import dbt as project_dbt

    translator = project_dbt.KzwDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_code_references=True, enable_asset_checks=False)
    )

    @dbt_assets(
        manifest=project_dbt.dbt_project.manifest_path,
        dagster_dbt_translator=translator,
        project=project_dbt.dbt_project,
        name="kz_inequality_dbt",
    )
    def kz_inequality_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        project_dbt.settings()
        yield from dbt.cli(["build"], context=context).stream()

    others = [
        asset
        for asset in project.defs.assets or []
        if isinstance(asset, dg.AssetsDefinition) and asset is not project_dbt.kz_inequality_dbt
    ]
    job = dg.define_asset_job("refresh_warehouse", selection=dg.AssetSelection.all())
    return dg.Definitions(
        assets=[*others, kz_inequality_dbt],
        jobs=[job],
        resources=dict(project.defs.resources or {}),
        executor=dg.in_process_executor,
    )


def main() -> int:
    from ingestion.settings import Settings
    from orchestration.cli import ensure_instance

    settings = Settings.from_env()
    ensure_instance(settings.dagster_home)
    started = time.perf_counter()
    defs = definitions()
    job = defs.resolve_job_def("refresh_warehouse")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    print("\n=== Kazakhstan regional-inequality warehouse: what-if refresh (dbt tests not asset checks) ===")
    print(f"run id          : {result.run_id}  ({'success' if result.success else 'FAILED'})")
    print(f"elapsed         : {time.perf_counter() - started:.1f} s")
    return 0 if result.success else 1


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    sys.exit(main())

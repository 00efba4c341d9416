"""The dbt project as Dagster assets: staging, intermediate and marts, with dbt tests as checks."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ingestion.catalog import CATALOG
from orchestration.project import DBT_EXECUTABLE, dbt_project, settings

LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}
#: Views the ingestion keeps over every raw table (ingestion/raw_store.py): a model reading them
#: depends on every dataset's ingestion asset instead, so lineage runs unbroken from each release.
RAW_VIEW_KEYS = {dg.AssetKey(["raw", "current_observations"]), dg.AssetKey(["raw", "current_releases"])}


class KzwDbtTranslator(DagsterDbtTranslator):
    """Groups dbt nodes by layer (their folder) and keys them by schema and name."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        for part in fqn[1:-1]:
            if part in LAYER_GROUPS:
                return LAYER_GROUPS[part]
        return super().get_group_name(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if not any(dep.asset_key in RAW_VIEW_KEYS for dep in spec.deps):
            return spec
        deps = [dep for dep in spec.deps if dep.asset_key not in RAW_VIEW_KEYS]
        deps += [dg.AssetDep(dg.AssetKey(["raw", dataset.id])) for dataset in CATALOG]
        return spec.replace_attributes(deps=deps)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            schema = dbt_resource_props.get("config", {}).get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)


translator = KzwDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_code_references=True, enable_asset_checks=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    name="kz_inequality_dbt",
)
def kz_inequality_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
    """``dbt build``: seeds, models and their tests, in dependency order."""
    settings()
    yield from dbt.cli(["build"], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)

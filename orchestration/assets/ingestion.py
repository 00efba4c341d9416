"""One Dagster asset per catalog dataset: fetch, land, parse, validate, then accept or quarantine.

All logic lives in ``ingestion`` and ``expectations``; this module only sequences the calls and turns
their outcomes into materialization metadata and asset-check results.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from expectations import validate
from ingestion import releases
from ingestion.catalog import CATALOG, Dataset
from ingestion.errors import IngestionError
from ingestion.raw_store import RawStore
from ingestion.sources import source_for
from orchestration.project import settings
from orchestration.resources import WarehouseLock

BLOCKING_CHECK = "release_is_well_formed"
WARNING_CHECK = "release_is_plausible"


def _asset_key(dataset: Dataset) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset.id])


def _preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    """A markdown table of the first rows, for the asset page in the UI."""
    columns = ["region_label", "region_code", "period_label", "series", "value", "unit"]
    head = frame[columns].head(rows).astype("string").fillna("")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += [
        "| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
        for row in head.itertuples(index=False)
    ]
    return dg.MetadataValue.md("\n".join(lines))


def _as_metadata(report: dict) -> dict[str, object]:
    """Nested report parts (failing rows, timings) become JSON metadata the UI can expand."""
    return {
        key: dg.MetadataValue.json(value) if isinstance(value, (dict, list)) else value
        for key, value in report.items()
    }


def build_ingestion_asset(dataset: Dataset) -> dg.AssetsDefinition:
    key = _asset_key(dataset)

    @dg.asset(
        key=key,
        group_name="ingestion",
        kinds={"python", "duckdb"},
        owners=["team:data-engineering"],
        description=(
            f"{dataset.title} ({dataset.unit}). Raw long rows of the current BNS release, landed "
            f"byte-for-byte and validated by Great Expectations. Snapshot file: "
            f"`{dataset.snapshot_file}`. Geography: {dataset.geography}. {dataset.notes}"
        ),
        check_specs=[
            dg.AssetCheckSpec(
                BLOCKING_CHECK,
                asset=key,
                blocking=True,
                description="Structural expectations: columns, known regions, one value per "
                "region-period, no unit change, no missing year. Failure quarantines the release.",
            ),
            dg.AssetCheckSpec(
                WARNING_CHECK,
                asset=key,
                description="Distributional expectations: plausible ranges, region coverage, "
                "year-over-year changes, share of confidential or missing cells.",
            ),
        ],
        metadata={"dataset_id": dataset.id, "unit": dataset.unit, "format": dataset.format},
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse_lock: WarehouseLock) -> Iterator:
        current = settings()
        store = RawStore(current.build_db)
        try:
            done = releases.refresh(current, dataset, source_for(current), store, validate)
        except IngestionError as exc:
            raise dg.Failure(description=str(exc), metadata={"dataset_id": dataset.id}) from exc
        if done.status == "unchanged":
            already = {"status": "release already validated"}
            yield dg.MaterializeResult(
                metadata={"status": "unchanged", "release_id": done.release_id or "", "source_url": done.url},
                check_results=[
                    dg.AssetCheckResult(check_name=BLOCKING_CHECK, passed=True, metadata=already),
                    dg.AssetCheckResult(check_name=WARNING_CHECK, passed=True, metadata=already),
                ],
            )
            return
        outcome, record, report = done.candidate, done.record, done.report
        status = done.status
        if status == "quarantined":
            context.log.error(
                f"[{dataset.id}] release {done.release_id[:12]} quarantined: {report.summary()}"
            )
        check_metadata = _as_metadata(report.to_metadata())
        yield dg.MaterializeResult(
            metadata={
                "status": status,
                "release_id": outcome.release_id,
                "source": outcome.payload.source,
                "route": _route_label(outcome.payload.route),
                "routes_failed_before": "; ".join(e.url for e in outcome.payload.earlier) or "none",
                "source_url": outcome.payload.url,
                "landed_path": str(outcome.landed_path),
                "row_count": dg.MetadataValue.int(len(outcome.frame)),
                "revised_cells": dg.MetadataValue.int(record.revised_cells or 0),
                "new_cells": dg.MetadataValue.int(record.new_cells or 0),
                "preview": _preview(outcome.frame),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=BLOCKING_CHECK,
                    passed=report.passed_blocking,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata=check_metadata,
                ),
                dg.AssetCheckResult(
                    check_name=WARNING_CHECK,
                    passed=report.passed_warnings,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata=check_metadata,
                ),
            ],
        )

    return _ingest


ingestion_assets = [build_ingestion_asset(dataset) for dataset in CATALOG]


def _route_label(route) -> str:
    """Which live route served the release (``taldau_tree 702972``), or the dataset's own layout."""
    return f"{route.kind} {route.ref}" if route is not None else "dataset layout (snapshot or mapped URL)"

"""The HTML report of the published marts, re-rendered after every publish (logic in ``reporting/``)."""

import dagster as dg

from orchestration.assets.publish import published_marts
from orchestration.project import settings


@dg.asset(
    key=dg.AssetKey(["published", "report"]),
    group_name="published",
    kinds={"html"},
    owners=["team:data-engineering"],
    deps=[published_marts],
    description="Static, self-contained HTML report (charts and a map, no network needed) rendered from "
    "the published DuckDB file, with one page per current region under `regions/`. Path: "
    "`$KZW_HOME/published/report.html`; `make report` renders it by hand.",
)
def published_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    # Imported here, not at module level: matplotlib would add ~1 s to every process that loads the
    # definitions (UI, sensor ticks, CLI), most of which never render a report (BENCHMARKS.md).
    from reporting import render_report

    current = settings()
    out = current.publish_dir / "report.html"
    result = render_report(current.published_db, out)
    if result.missing:
        context.log.warning(f"report sections not available in this build: {', '.join(result.missing)}")
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.url(out.as_uri()),
            "path": dg.MetadataValue.path(str(out)),
            "publication": result.version or "",
            "sections": len(result.sections),
            "sections_not_available": dg.MetadataValue.text(", ".join(result.missing) or "none"),
            "region_pages": len(result.region_pages),
            "size_kb": round(out.stat().st_size / 1024, 1),
        }
    )

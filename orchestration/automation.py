"""Keeping the warehouse current: a release sensor, a weekly safety-net schedule, freshness.

Both start STOPPED (safe on a laptop: nothing polls a government site unless asked); set
``KZW_AUTOMATION=on`` before ``make ui`` to have them running by default, or switch them on in the UI.
"""

import hashlib
import json
import os

import dagster as dg

from ingestion.catalog import CATALOG
from ingestion.errors import IngestionError
from ingestion.probe import Known, probe
from ingestion.sources import HttpSource
from orchestration.assets.dbt import kz_inequality_dbt
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.publish import published_marts
from orchestration.assets.report import published_report
from orchestration.project import settings
from orchestration.recovery import fail_dead_runs

REFRESH_JOB = "refresh_warehouse"
_DEFAULT_ON = os.environ.get("KZW_AUTOMATION", "off").lower() in ("1", "on", "true", "yes")
DEFAULT_STATUS = dg.DefaultSensorStatus.RUNNING if _DEFAULT_ON else dg.DefaultSensorStatus.STOPPED
SCHEDULE_STATUS = dg.DefaultScheduleStatus.RUNNING if _DEFAULT_ON else dg.DefaultScheduleStatus.STOPPED

DOWNSTREAM_KEYS = [*kz_inequality_dbt.keys, published_marts.key, published_report.key]
INGESTION_KEYS = {asset.key.path[-1]: asset.key for asset in ingestion_assets}


def run_key_for(changed: dict[str, str]) -> str:
    """The same set of releases always gives the same run key, so it never runs twice."""
    text = ",".join(f"{dataset}:{fp}" for dataset, fp in sorted(changed.items()))
    return "releases-" + hashlib.sha256(text.encode()).hexdigest()[:24]


@dg.sensor(
    name="bns_release_sensor",
    job_name=REFRESH_JOB,
    minimum_interval_seconds=int(os.environ.get("KZW_SENSOR_INTERVAL_S", "3600")),
    default_status=DEFAULT_STATUS,
    description="Polls every catalog dataset with a conditional request (or a hash of the snapshot "
    "file) and requests one refresh for the datasets whose release changed, keyed by their "
    "fingerprints. A network error is a logged skip and keeps the cursor.",
)
def bns_release_sensor(context: dg.SensorEvaluationContext):
    current = settings()
    for line in fail_dead_runs(context.instance):  # a dead STARTED run would hold the queue forever
        context.log.warning(line)
    cursor = json.loads(context.cursor) if context.cursor else {}
    http = HttpSource(current) if current.source == "http" else None
    next_cursor = dict(cursor)
    changed: dict[str, str] = {}
    errors: list[str] = []
    for dataset in CATALOG:
        known = Known.from_json(cursor[dataset.id]) if dataset.id in cursor else None
        try:
            result = probe(current, dataset, known, http)
        except IngestionError as exc:
            errors.append(str(exc))
            context.log.warning(f"release probe failed, skipped: {exc}")
            continue
        next_cursor[dataset.id] = result.known.to_json()
        if result.changed:
            changed[dataset.id] = result.known.fingerprint
    if not changed:
        stranded = _stranded_request(context, current)
        if stranded is not None:
            return dg.SensorResult(run_requests=[stranded], cursor=json.dumps(next_cursor, sort_keys=True))
        reason = "no new release" if not errors else f"no new release; {len(errors)} probe(s) failed: "
        return dg.SensorResult(
            skip_reason=dg.SkipReason(reason + "; ".join(errors)),
            cursor=json.dumps(next_cursor, sort_keys=True),
        )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key_for(changed),
                asset_selection=[INGESTION_KEYS[d] for d in sorted(changed)] + DOWNSTREAM_KEYS,
                tags={"kzw/trigger": "release_sensor", "kzw/datasets": ",".join(sorted(changed))},
            )
        ],
        cursor=json.dumps(next_cursor, sort_keys=True),
    )


weekly_refresh = dg.ScheduleDefinition(
    name="weekly_safety_net_refresh",
    job_name=REFRESH_JOB,
    cron_schedule=os.environ.get("KZW_SCHEDULE_CRON", "0 6 * * 1"),
    execution_timezone="Asia/Almaty",
    default_status=SCHEDULE_STATUS,
    description="Weekly full refresh in case the sensor missed a release (Mondays 06:00 Almaty).",
)


def _stranded_request(context: dg.SensorEvaluationContext, current) -> dg.RunRequest | None:
    """A downstream-only run when a loaded release is not published (a refresh died after ingestion).

    Skipped while a refresh is queued or running (it will publish). The run key names the stranded
    releases and the last finished refresh, so a failed attempt is retried at the next tick after it
    ended, and one stranded state never starts two runs.
    """
    import duckdb

    from publishing.state import loaded_releases, published_releases, unpublished

    try:
        loaded = loaded_releases(current.build_db)
    except duckdb.IOException:  # a refresh holds the build database: it will publish
        return None
    stranded = unpublished(loaded, published_releases(current.published_db))
    if not stranded:
        return None
    active = dg.RunsFilter(
        job_name=REFRESH_JOB,
        statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTED],
    )
    if context.instance.get_runs(filters=active, limit=1):
        return None
    last = context.instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    context.log.info(f"loaded but not yet published: {', '.join(stranded)}")
    key = run_key_for({d: loaded[d] for d in stranded}) + (last[0].run_id if last else "")
    reason = "loaded but not yet published: " + ",".join(stranded)
    return dg.RunRequest(
        run_key="stranded-" + key,
        asset_selection=DOWNSTREAM_KEYS,
        tags={"kzw/trigger": "release_sensor", "kzw/reason": reason},
    )

"""``python -m orchestration.cli run``: materialize every asset once and print what was built.

The run goes through the project's Dagster instance (``DAGSTER_HOME``), so it appears in the UI's run
history beside runs started by the sensor, the schedule or by hand. Exit status 1 when a blocking
check failed or any step failed.

``python -m orchestration.cli refresh-if-changed``: probe every dataset (``ingestion.probe``: a
conditional request over HTTP, the sha256 of the file for the snapshot) against the fingerprint of the
last release ``raw.releases`` holds for it (read-only), and compare the loaded releases with the ones
the publication records (``meta.publication.releases_json``); only when a dataset changed, or a loaded
release is not yet published (a refresh died after ingestion), run the refresh for the changed datasets
and everything downstream of ingestion. Otherwise it prints ``no new release`` and
exits 0 without importing Dagster, dbt or Great Expectations (so it is cheap enough for cron).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb

INSTANCE_YAML = """\
# Dagster instance of the Kazakhstan inequality warehouse (written by orchestration.cli).
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
run_monitoring:
  # Runs launched by the daemon (UI, sensor, schedule) that exceed this are failed, not left running;
  # runs whose process died are failed at once by orchestration.recovery (the default launcher has no
  # health check Dagster could use).
  enabled: true
  start_timeout_seconds: 600
  max_runtime_seconds: 7200
  poll_interval_seconds: 60
telemetry:
  enabled: false
"""


def ensure_instance(dagster_home: Path) -> None:
    """Create the instance directory and its config, and point ``DAGSTER_HOME`` at it."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)


def _check_counts(result) -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    failed_blocking: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        severity = evaluation.severity.value if evaluation.severity else "ERROR"
        if evaluation.passed:
            counts["passed"] += 1
        elif severity == "WARN":
            counts["warned"] += 1
        else:
            counts["failed"] += 1
            failed_blocking.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return counts, failed_blocking


def _published_rows(database: Path) -> list[tuple[str, int]]:
    if not database.exists():
        return []
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where schema_name not in ('meta') order by 1, 2"
        ).fetchall()
        return [
            (f"{s}.{t}", con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]) for s, t, _ in tables
        ]
    finally:
        con.close()


def run(changed: list[str] | None = None) -> int:
    """Refresh everything, or (``changed``) only those datasets' ingestion plus every non-ingestion asset."""
    from ingestion.settings import Settings
    from orchestration import refusals

    settings = Settings.from_env()
    recovered = refusals.preflight(settings, changed if changed is not None else _all_datasets())
    ensure_instance(settings.dagster_home)
    started = time.perf_counter()

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.recovery import fail_dead_runs

    job = defs.resolve_job_def("refresh_warehouse")
    selection, tags = None, None
    if changed is not None:
        # As the release sensor does: the changed datasets, then all of dbt (seeds included) and publish.
        wanted = (dg.AssetSelection.all() - dg.AssetSelection.groups("ingestion")) | dg.AssetSelection.assets(
            *[dg.AssetKey(["raw", dataset_id]) for dataset_id in changed]
        )
        selection = sorted(wanted.resolve(defs.resolve_asset_graph()), key=lambda key: key.to_user_string())
        tags = {"kzw/trigger": "refresh-if-changed", "kzw/datasets": ",".join(sorted(changed))}
    with dg.DagsterInstance.get() as instance:
        recovered += fail_dead_runs(instance)
        for line in recovered:
            print(f"recovered: {line}")
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=selection, tags=tags
        )
    elapsed = time.perf_counter() - started
    counts, failed_blocking = _check_counts(result)
    failed_steps = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]

    print("\n=== Kazakhstan regional-inequality warehouse: refresh summary ===")
    print(f"run id          : {result.run_id}  ({'success' if result.success else 'FAILED'})")
    print(f"source          : {settings.source}")
    print(
        f"checks          : {counts['passed']} passed, {counts['warned']} warned, {counts['failed']} failed"
    )
    for name in failed_blocking:
        print(f"  blocking check failed: {name}")
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity and evaluation.severity.value == "WARN":
            print(f"  warned: {evaluation.check_name}: {evaluation.description or ''}".rstrip(": "))
    for step in failed_steps:
        print(f"  step failed: {step}")
    rows = _published_rows(settings.published_db)
    if rows:
        print("published rows  :")
        for name, count in rows:
            print(f"  {name:<48} {count:>8}")
    print(f"published to    : {settings.published_db}")
    print(f"parquet         : {settings.publish_dir / 'current' / 'parquet'}")
    print(f"build database  : {settings.build_db} (private to the pipeline)")
    print(f"elapsed         : {elapsed:.1f} s")
    return 0 if result.success and not failed_blocking else 1


def last_seen_releases(build_db: Path) -> dict:
    """Dataset id -> ``Known`` fingerprint (+ HTTP validators) of its latest release in ``raw.releases``.

    The latest attempt that carried bytes counts (loaded, unchanged, quarantined or unparseable), so a
    release already refused is not refreshed again. Read-only: raises ``duckdb.IOException`` while a
    refresh holds the build database.
    """
    from ingestion.probe import Known

    if not build_db.exists():
        return {}
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        rows = con.execute(
            """
            select dataset_id, release_id, etag, last_modified from raw.releases
            where release_id is not null
            qualify row_number() over (partition by dataset_id order by fetched_at desc) = 1
            """
        ).fetchall()
    except duckdb.CatalogException:  # no raw.releases yet
        return {}
    finally:
        con.close()
    return {dataset_id: Known(release_id, etag, modified) for dataset_id, release_id, etag, modified in rows}


def refresh_if_changed() -> int:
    """Refresh only when a dataset has a release the warehouse has not seen (see the module docstring)."""
    from ingestion.catalog import CATALOG
    from ingestion.errors import IngestionError
    from ingestion.probe import probe
    from ingestion.settings import Settings
    from orchestration.refusals import build_db_refusal

    settings = Settings.from_env()
    try:
        known = last_seen_releases(settings.build_db)
    except duckdb.IOException as exc:
        raise build_db_refusal(settings, exc, datasets=[]) from exc  # nothing probed yet
    http = None
    if settings.source == "http":
        from ingestion.sources import HttpSource

        http = HttpSource(settings)
    changed: list[str] = []
    failed: list[str] = []
    for dataset in CATALOG:
        try:
            result = probe(settings, dataset, known.get(dataset.id), http)
        except IngestionError as exc:
            failed.append(str(exc))
            print(f"probe failed (skipped): {exc}")
            continue
        if result.changed:
            changed.append(dataset.id)
            print(f"new release: {dataset.id} ({result.how}, {result.known.fingerprint[:12]})")
    stranded = _not_yet_published(settings, exclude=changed)
    if stranded:
        print(f"loaded but not yet published: {', '.join(stranded)}")
    if not changed and not stranded:
        print("no new release" + (f" ({len(failed)} probe(s) failed)" if failed else ""))
        return 1 if failed else 0
    # Only the changed datasets are ingested again; a stranded release is already in raw, so dbt and
    # publish (always selected) bring the publication up to it.
    return run(changed)


def _not_yet_published(settings, exclude: list[str]) -> list[str]:
    """Datasets whose loaded release differs from the published one (a refresh died after ingestion)."""
    from publishing.state import loaded_releases, published_releases, unpublished

    loaded = loaded_releases(settings.build_db)
    return [d for d in unpublished(loaded, published_releases(settings.published_db)) if d not in exclude]


def _all_datasets() -> list[str]:
    from ingestion.catalog import CATALOG

    return [dataset.id for dataset in CATALOG]


def init_instance() -> int:
    """Create the instance (``make ui`` runs this first) and fail the runs whose process died."""
    from ingestion.settings import Settings

    ensure_instance(Settings.from_env().dagster_home)
    import dagster as dg

    from orchestration.recovery import fail_dead_runs

    with dg.DagsterInstance.get() as instance:
        for line in fail_dead_runs(instance):
            print(f"recovered: {line}")
    return 0


def verify_command() -> int:
    """``verify``: landing, raw and publication checked against each other (``publishing.verify``)."""
    from ingestion.settings import Settings
    from orchestration.refusals import build_db_refusal
    from publishing.verify import verify

    settings = Settings.from_env()
    try:
        found = verify(settings)
    except duckdb.IOException as exc:
        raise build_db_refusal(settings, exc, datasets=[]) from exc
    for note in found.notes:
        print(f"note   : {note}")
    for problem in found.problems:
        print(f"DIFFERS: {problem}")
    print("verify: OK" if found.ok else f"verify: {len(found.problems)} difference(s)")
    return 0 if found.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="materialize every asset once and print a summary")
    sub.add_parser(
        "refresh-if-changed",
        help="probe every dataset; refresh only the changed ones (+ downstream), else exit 0 at once",
    )
    sub.add_parser("init-instance", help="create the Dagster instance directory")
    sub.add_parser(
        "verify", help="check landed files, the raw layer and the publication; exit 1 on a difference"
    )
    args = parser.parse_args(argv)
    from orchestration.refusals import guard

    if args.command == "run":
        return guard(run)
    if args.command == "refresh-if-changed":
        return guard(refresh_if_changed)
    if args.command == "init-instance":
        return guard(init_instance)
    if args.command == "verify":
        return guard(verify_command)
    return 2


if __name__ == "__main__":
    sys.exit(main())

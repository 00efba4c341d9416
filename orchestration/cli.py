"""``python -m orchestration.cli run``: materialize every asset once and print what was built.

The refresh is a run of the job ``refresh_warehouse`` in the project's Dagster instance (``DAGSTER_HOME``)
with the code location's origin and the tag ``kzw/trigger=cli`` (``orchestration.refresh``), so the UI
lists it under Jobs, Overview and Runs beside runs started by the sensor, the schedule or by hand. The
terminal gets a few lines of progress and a summary naming every warned and failed check; the full
debug output goes to ``$KZW_HOME/logs/refresh-<UTC time>.log``. Exit status 1 when a blocking check
failed or any step failed.

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
import traceback
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


def _published_tables(database: Path) -> tuple[int, int]:
    """How many tables the published file holds, and their rows in all."""
    if not database.exists():
        return 0, 0
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name not in ('meta')"
        ).fetchall()
        rows = sum(con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables)
        return len(tables), rows
    finally:
        con.close()


def _execute(settings, changed: list[str] | None, say) -> tuple[str, bool, list, list[str]]:
    """Create the run of ``refresh_warehouse`` (with its origin, see ``orchestration.refresh``), execute
    it here with progress lines, and return its id, success, check outcomes and failed steps."""
    say("loading the code location (Dagster, dbt manifest)")
    import dagster as dg

    from orchestration.assets.dbt import kz_inequality_dbt
    from orchestration.definitions import defs
    from orchestration.progress import Progress
    from orchestration.recovery import fail_dead_runs
    from orchestration.refresh import (
        JOB_NAME,
        TRIGGER_TAG,
        check_descriptions,
        check_outcomes,
        create_refresh_run,
        execute,
    )

    selection, tags = None, {TRIGGER_TAG: "cli"}
    if changed is not None:
        # As the release sensor does: the changed datasets, then all of dbt (seeds included) and publish.
        wanted = (dg.AssetSelection.all() - dg.AssetSelection.groups("ingestion")) | dg.AssetSelection.assets(
            *[dg.AssetKey(["raw", dataset_id]) for dataset_id in changed]
        )
        selection = sorted(wanted.resolve(defs.resolve_asset_graph()), key=lambda key: key.to_user_string())
        tags = {TRIGGER_TAG: "refresh-if-changed", "kzw/datasets": ",".join(sorted(changed))}
    with dg.DagsterInstance.get() as instance:
        for line in fail_dead_runs(instance):
            say(f"recovered: {line}")
        job, dagster_run = create_refresh_run(instance, tags, selection)
        in_run = set(selection) if selection else set(kz_inequality_dbt.keys)
        dbt_keys = set(kz_inequality_dbt.keys) & in_run
        dbt_total = len(dbt_keys) + sum(1 for c in kz_inequality_dbt.check_keys if c.asset_key in dbt_keys)
        say(f"run {dagster_run.run_id} of job {JOB_NAME} ({TRIGGER_TAG}={tags[TRIGGER_TAG]})")
        progress = Progress(say, dbt_keys, dbt_total)
        for event in execute(job, dagster_run, instance):
            progress(event)
        status = instance.get_run_by_id(dagster_run.run_id).status
        outcomes = check_outcomes(instance, dagster_run.run_id, check_descriptions(defs))
    return dagster_run.run_id, status == dg.DagsterRunStatus.SUCCESS, outcomes, progress.failed_steps


def _summary(settings, run_id: str, success: bool, outcomes: list, failed_steps: list[str]) -> list[str]:
    passed = sum(o.passed for o in outcomes)
    warned = [o for o in outcomes if not o.passed and o.severity == "WARN"]
    failed = [o for o in outcomes if not o.passed and o.severity != "WARN"]
    lines = [
        "=== Kazakhstan regional-inequality warehouse: refresh summary ===",
        f"run id          : {run_id}  ({'success' if success else 'FAILED'})",
        f"source          : {settings.source}",
        f"checks          : {passed} passed, {len(warned)} warned, {len(failed)} failed",
    ]
    lines += [f"  failed  {o.label}: {o.reason}" for o in failed]
    lines += [f"  warned  {o.label}: {o.reason}" for o in warned]
    lines += [f"  step failed: {step}" for step in failed_steps]
    tables, rows = _published_tables(settings.published_db)
    lines.append(f"published to    : {settings.published_db} ({tables} tables, {rows:,} rows)")
    lines.append(f"parquet         : {settings.publish_dir / 'current' / 'parquet'}")
    report = settings.publish_dir / "report.html"
    lines.append(f"report          : {report if report.exists() else 'not rendered'}")
    lines.append(f"build database  : {settings.build_db} (private to the pipeline)")
    lines.append("run history     : make ui, then Jobs -> refresh_warehouse")
    return lines


def run(changed: list[str] | None = None) -> int:
    """Refresh everything, or (``changed``) only those datasets' ingestion plus every non-ingestion asset.

    The terminal gets progress lines and the summary; everything else goes to a log file under
    ``$KZW_HOME/logs/`` (``orchestration.progress``). Exit status 1 when a step or a blocking check failed.
    """
    from ingestion.settings import Settings
    from orchestration import refusals
    from orchestration.progress import first_line, output_to_file, printer

    started = time.perf_counter()
    settings = Settings.from_env()
    recovered = refusals.preflight(settings, changed if changed is not None else _all_datasets())
    log_path = settings.log_dir / time.strftime("refresh-%Y%m%dT%H%M%SZ.log", time.gmtime())
    print(f"refresh of the warehouse in {settings.home} (source: {settings.source})", flush=True)
    print(f"debug log: {log_path}", flush=True)
    ensure_instance(settings.dagster_home)
    with output_to_file(log_path) as terminal:
        say = printer(terminal, started)
        for line in recovered:
            say(f"recovered: {line}")
        try:
            run_id, success, outcomes, failed_steps = _execute(settings, changed, say)
        except Exception as exc:  # the traceback goes to the log; the terminal gets one line
            traceback.print_exc()
            say(f"refresh failed before it finished: {type(exc).__name__}: {first_line(str(exc))}")
            say(f"the traceback is in {log_path}")
            return 1
    lines = _summary(settings, run_id, success, outcomes, failed_steps)
    lines.append(f"debug log       : {log_path}")
    lines.append(f"elapsed         : {time.perf_counter() - started:.1f} s")
    print("\n".join(lines), flush=True)
    failed_blocking = [o for o in outcomes if not o.passed and o.severity != "WARN"]
    return 0 if success and not failed_blocking else 1


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

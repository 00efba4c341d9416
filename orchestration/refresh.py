"""A refresh from the command line, as a run of the code location's ``refresh_warehouse`` job.

Why not ``job.execute_in_process``: its run carries no origin, so the UI lists it under *Runs* but not
under *Jobs -> refresh_warehouse* nor in the *Overview* timeline, which select runs by the code
location's label. Here the run is created with the same remote origin the webserver gives the runs it
launches (the location ``workspace.yaml`` declares, the one ``make ui`` loads), then executed in this
process, so the refresh lock, the exit status and the summary stay with the command.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository
from dagster._core.events import DagsterEventType
from dagster._core.execution.api import execute_run_iterator
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.workspace.load import location_origins_from_yaml_paths

from ingestion.settings import REPO_ROOT

JOB_NAME = "refresh_warehouse"
WORKSPACE_FILE = REPO_ROOT / "workspace.yaml"
TRIGGER_TAG = "kzw/trigger"


def code_location() -> tuple[ReconstructableRepository, RemoteJobOrigin]:
    """The job's code pointer and the origin the UI knows it by (location name, repository name)."""
    (location_origin,) = location_origins_from_yaml_paths([str(WORKSPACE_FILE)])
    target = location_origin.loadable_target_origin
    repository = ReconstructableRepository.for_module(
        target.module_name, target.attribute, working_directory=str(REPO_ROOT)
    )
    name = repository.get_definition().name
    origin = RemoteRepositoryOrigin(code_location_origin=location_origin, repository_name=name)
    return repository, origin.get_job_origin(JOB_NAME)


def create_refresh_run(
    instance: dg.DagsterInstance,
    tags: Mapping[str, str],
    selection: Sequence[dg.AssetKey] | None = None,
    run_config: Mapping[str, object] | None = None,
) -> tuple[ReconstructableJob, DagsterRun]:
    """Create (not start) a run of ``refresh_warehouse`` with its job and remote origins, as
    ``dagster.execute_job`` does plus the remote origin it leaves out."""
    repository, remote_origin = code_location()
    job = repository.get_reconstructable_job(JOB_NAME)
    load_data = job.repository.get_definition().repository_load_data
    job = job.with_repository_load_data(load_data)
    run = instance.create_run_for_job(
        job_def=job.get_definition(),
        run_config=run_config,
        tags=dict(tags),
        asset_selection=frozenset(selection) if selection else None,
        job_code_origin=job.get_python_origin(),
        remote_job_origin=remote_origin,
        repository_load_data=load_data,
    )
    return job, run


def execute(job: ReconstructableJob, run: DagsterRun, instance: dg.DagsterInstance) -> Iterator:
    """Execute the run here (in-process executor), yielding its Dagster events as they happen."""
    yield from execute_run_iterator(job, run, instance)


@dataclass(frozen=True)
class CheckOutcome:
    """One asset-check evaluation of a run, with a one-line reason when it did not pass."""

    asset: str
    name: str
    passed: bool
    severity: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.asset}:{self.name}"


def check_descriptions(defs: dg.Definitions) -> dict[dg.AssetCheckKey, str]:
    """Each check's description (the dbt test's or the asset's check spec), first line only."""
    graph = defs.resolve_asset_graph()
    return {
        key: (graph.get_check_spec(key).description or "").strip().split("\n")[0]
        for key in graph.asset_check_keys
    }


def _reason(evaluation, description: str) -> str:
    """One line on why a check did not pass: what the check recorded (failed expectations of the GX
    report, failing rows of a dbt test), then what the check is about."""
    meta = {key: getattr(value, "value", value) for key, value in evaluation.metadata.items()}
    parts: list[str] = []
    failed = [*(meta.get("blocking_failed") or []), *(meta.get("warnings_failed") or [])]
    if failed:
        parts.append("expectations failed: " + ", ".join(failed))
    rows = meta.get("dagster_dbt/failed_row_count")
    if rows is not None:
        parts.append(f"{rows} failing row{'s' if rows != 1 else ''}")
    about = (evaluation.description or description).strip().split("\n")[0]
    if about:
        parts.append(about)
    return "; ".join(parts) or "failed (see the run in the UI)"


def check_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """Every asset-check evaluation the run stored, read back from the instance's event log."""
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    return [record.event_log_entry.dagster_event.asset_check_evaluation_data for record in records]


def check_outcomes(
    instance: dg.DagsterInstance, run_id: str, descriptions: Mapping[dg.AssetCheckKey, str]
) -> list[CheckOutcome]:
    """The run's check evaluations, each with its severity and (when not passed) a one-line reason."""
    return [
        CheckOutcome(
            asset=evaluation.asset_key.to_user_string(),
            name=evaluation.check_name,
            passed=evaluation.passed,
            severity=evaluation.severity.value if evaluation.severity else "ERROR",
            reason=""
            if evaluation.passed
            else _reason(
                evaluation,
                descriptions.get(dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name), ""),
            ),
        )
        for evaluation in check_evaluations(instance, run_id)
    ]

"""The run a command-line refresh creates (``orchestration.refresh``), without executing it.

The session build proves a full ``make run`` end to end (tests/test_webserver.py finds it under the
job over GraphQL); this checks the ``refresh-if-changed`` variant cheaply: a subset of the job, its
tags, and the code location label by which the UI lists a job's runs.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from orchestration.refresh import JOB_NAME, TRIGGER_TAG, code_location, create_refresh_run


def test_a_refresh_of_changed_datasets_is_a_tagged_subset_run_of_the_job_with_its_origin():
    selection = [dg.AssetKey(["raw", "income_annual"]), dg.AssetKey(["published", "kz_inequality"])]
    tags = {TRIGGER_TAG: "refresh-if-changed", "kzw/datasets": "income_annual"}
    with dg.DagsterInstance.ephemeral() as instance:
        _, run = create_refresh_run(instance, tags, selection)
        stored = instance.get_run_by_id(run.run_id)
        listed = instance.get_runs(dg.RunsFilter(job_name=JOB_NAME, tags={TRIGGER_TAG: "refresh-if-changed"}))
    assert [r.run_id for r in listed] == [run.run_id]
    assert stored.status == dg.DagsterRunStatus.NOT_STARTED
    assert stored.asset_selection == frozenset(selection)
    assert stored.tags["kzw/datasets"] == "income_annual"
    _, origin = code_location()
    assert stored.remote_job_origin == origin
    assert stored.job_code_origin is not None
    assert stored.tags_for_storage()[REPOSITORY_LABEL_TAG] == origin.repository_origin.get_label()
    assert origin.repository_origin.code_location_origin.location_name == "orchestration.definitions:defs"

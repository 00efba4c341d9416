"""The Dagster UI as users see it: a real webserver on a free loopback port, driven over GraphQL.

It reads the asset graph, launches a materialization of one ingestion asset (the real income file
from the embedded snapshot) and waits for the run to succeed with its two checks recorded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ingestion.settings import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gql(url: str, query: str, variables: dict | None = None) -> dict:
    response = requests.post(url, json={"query": query, "variables": variables or {}}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _plain_path() -> str:
    """PATH as a new user's shell has it: without the project's .venv/bin."""
    venv_bin = str(Path(sys.executable).parent)
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory):
    """The UI started exactly as ``make ui`` starts it: ``init-instance``, then ``dagster dev`` (webserver +
    daemon) on a free loopback port, with KZW_HOME in a temp dir and the venv NOT on PATH."""
    tmp_path = tmp_path_factory.mktemp("ui")
    home = tmp_path / "home"
    port = _free_port()
    env = {
        **os.environ,
        "PATH": _plain_path(),
        "KZW_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "KZW_BUILD_DB": str(home / "build" / "warehouse.duckdb"),
        "KZW_SOURCE": "snapshot",
    }
    venv_bin = Path(sys.executable).parent
    subprocess.run(
        [str(venv_bin / "python"), "-m", "orchestration.cli", "init-instance"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    log = open(tmp_path / "webserver.log", "wb")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [
            str(venv_bin / "dagster"),
            "dev",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workspace",
            "workspace.yaml",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(1)
        assert proc.poll() is None, (tmp_path / "webserver.log").read_text()
    else:
        pytest.fail("webserver did not start in 180 s")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    log.close()


LOCATION = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message }
    ... on RepositoryLocation { repositories { jobs { name } sensors { name } schedules { name }
      assetNodes { assetKey { path } groupName
        assetChecksOrError { ... on AssetChecks { checks { name } } } } } } } } } } }"""


def test_the_code_location_loads_without_the_venv_on_path(webserver):
    entries = _gql(webserver, LOCATION)["workspaceOrError"]["locationEntries"]
    assert len(entries) == 1
    location = entries[0]["locationOrLoadError"]
    assert location["__typename"] == "RepositoryLocation", location.get("message")
    assert entries[0]["loadStatus"] == "LOADED"
    (repo,) = location["repositories"]
    assert "refresh_warehouse" in {job["name"] for job in repo["jobs"]}
    assert {s["name"] for s in repo["sensors"]} == {"bns_release_sensor"}
    assert {s["name"] for s in repo["schedules"]} == {"weekly_safety_net_refresh"}
    groups = {n["groupName"] for n in repo["assetNodes"]}
    assert {"ingestion", "reference", "staging", "intermediate", "marts", "published"} <= groups
    keys = {"/".join(n["assetKey"]["path"]) for n in repo["assetNodes"]}
    assert {"raw/income_annual", "published/kz_inequality", "published/report"} <= keys
    checks = {c["name"] for n in repo["assetNodes"] for c in n["assetChecksOrError"].get("checks", [])}
    assert {"release_is_well_formed", "release_is_plausible"} <= checks
    assert len(checks) > 20  # the dbt tests, mapped as asset checks of the models they test


def test_launch_a_materialization_through_graphql_and_see_its_checks(webserver):
    nodes = _gql(webserver, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups = {tuple(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert groups[("raw", "income_annual")] == "ingestion"
    assert groups[("published", "kz_inequality")] == "published"
    assert {"staging", "marts", "reference"} <= set(groups.values())

    repo = _gql(
        webserver,
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }",
    )["repositoriesOrError"]["nodes"][0]
    launched = _gql(
        webserver,
        """mutation($p: ExecutionParams!) { launchPipelineExecution(executionParams: $p) {
             __typename ... on LaunchRunSuccess { run { runId } }
             ... on PythonError { message } ... on InvalidSubsetError { message } } }""",
        {
            "p": {
                "selector": {
                    "repositoryLocationName": repo["location"]["name"],
                    "repositoryName": repo["name"],
                    "pipelineName": "refresh_warehouse",
                    "assetSelection": [{"path": ["raw", "income_annual"]}],
                    "assetCheckSelection": [
                        {"assetKey": {"path": ["raw", "income_annual"]}, "name": name}
                        for name in ("release_is_well_formed", "release_is_plausible")
                    ],
                },
                "runConfigData": {},
                "mode": "default",
            }
        },
    )["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched.get("message")
    run_id = launched["run"]["runId"]

    status = None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = _gql(
            webserver, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id}
        )["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS"

    checks = _gql(
        webserver,
        """{ assetNodeOrError(assetKey: {path: ["raw", "income_annual"]}) { ... on AssetNode {
             assetChecksOrError { ... on AssetChecks { checks { name
               executionForLatestMaterialization { status runId } } } } } } }""",
    )["assetNodeOrError"]["assetChecksOrError"]["checks"]
    outcomes = {c["name"]: c["executionForLatestMaterialization"] for c in checks}
    assert outcomes["release_is_well_formed"] == {"status": "SUCCEEDED", "runId": run_id}
    assert outcomes["release_is_plausible"]["runId"] == run_id

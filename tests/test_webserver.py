"""The Dagster UI as users see it: a real webserver on a free loopback port, driven over GraphQL.

It reads the asset graph, launches a materialization of one ingestion asset (the real income file
from the embedded snapshot) and waits for the run to succeed with its two checks recorded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ingestion.settings import REPO_ROOT

INSTANCE = """\
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
telemetry:
  enabled: false
"""


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


@pytest.fixture
def webserver(tmp_path: Path):
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(INSTANCE, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "KZW_HOME": str(tmp_path / "home"),
        "KZW_BUILD_DB": str(tmp_path / "home" / "build" / "warehouse.duckdb"),
        "KZW_SOURCE": "snapshot",
    }
    log = open(tmp_path / "webserver.log", "wb")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workspace",
            str(REPO_ROOT / "workspace.yaml"),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
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
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


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

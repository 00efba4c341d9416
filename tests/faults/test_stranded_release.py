"""Published = loaded: a release stranded by a killed refresh is published by the next ``refresh-if-changed``.

A changed valid release (one income value revised) is ingested by ``python -m orchestration.cli
refresh-if-changed``, which is SIGKILLed (its whole process group) once dbt is building; then the
publish step's own code is SIGKILLed while writing the new version. Each time the publication still
shows the old release, and ``raw.releases`` the new one. The next ``refresh-if-changed`` probes
"unchanged" against ``raw.releases`` but sees the loaded release is not published, says so, and
publishes it.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys

import pytest

from ingestion.catalog import get
from ingestion.settings import REPO_ROOT, SNAPSHOT_DIR
from publishing.state import loaded_releases, published_releases, unpublished
from tests.conftest import point_at
from tests.faults import damage as dmg
from tests.faults.conftest import tree_state
from tests.faults.test_process_faults import (
    LogMatch,
    assert_whole_version,
    kill_group,
    run_env,
    start,
    wait_for,
)

INCOME = get("income_annual")


def _revise_first_value(value: str) -> str:
    digits = value.rstrip()
    last = digits[-1]
    return digits[:-1] + ("1" if last != "1" else "2")


@pytest.mark.xfail(
    strict=True,
    reason="known bug after the session-4 merges (closing note): the merged CLI writes its progress "
    "(the 'recovered:' lines) to the terminal's file descriptor, which redirect_stdout does not capture",
)
def test_a_release_stranded_by_kills_in_dbt_and_publish_is_published_next(warehouse, tmp_path, monkeypatch):
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, snapshot)
    revised = dmg.edit_csv_field(
        dmg.real(INCOME.id), "VAL", lambda n, v: _revise_first_value(v) if n == 2 and v.strip() else v
    )
    (snapshot / INCOME.snapshot_file).chmod(0o644)
    (snapshot / INCOME.snapshot_file).write_bytes(revised)
    settings = warehouse.settings
    old = published_releases(settings.published_db)
    assert old and old == loaded_releases(settings.build_db), "the baseline is fully published"
    old_version = assert_whole_version(warehouse.published)

    # 1. refresh-if-changed ingests the revision, then dies during the dbt build.
    log = tmp_path / "refresh.log"
    env = run_env(warehouse.home) | {"KZW_SNAPSHOT_DIR": str(snapshot)}
    logs = warehouse.home / "logs"
    earlier = set(logs.glob("refresh-*.log"))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "refresh-if-changed"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # The CLI prints progress only; dbt's lines go to the run's debug log under $KZW_HOME/logs/.
        wait_for(lambda: set(logs.glob("refresh-*.log")) - earlier, proc, log, "the refresh's debug log")
        (debug_log,) = set(logs.glob("refresh-*.log")) - earlier
        wait_for(LogMatch(debug_log, r"\d+ of \d+ OK created"), proc, log, "dbt to have built a model")
    finally:
        kill_group(proc)
    assert "new release: income_annual" in log.read_text()
    assert tree_state(warehouse.published) == warehouse.published_before
    assert unpublished(loaded_releases(settings.build_db), published_releases(settings.published_db)) == [
        INCOME.id
    ]

    # 2. A publish dies while writing the new version: still the old publication, still stranded.
    versions = warehouse.published / "versions"

    def writing_parquet() -> bool:
        return any(d.name.startswith(".") and any(d.glob("parquet/*.parquet")) for d in versions.iterdir())

    code = (
        "import sys; from pathlib import Path; from publishing.publish import publish; "
        "publish(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    killed = start(["-c", code, str(settings.build_db), str(warehouse.published)], warehouse.home, log)
    try:
        wait_for(writing_parquet, killed, log, "publish to write Parquet", every=0.005)
    finally:
        kill_group(killed)
    assert assert_whole_version(warehouse.published) == old_version
    assert published_releases(settings.published_db) == old
    staging = [d for d in versions.iterdir() if d.name.startswith(".")]
    assert staging, "the killed publish left its hidden staging directory"

    # 3. The next refresh-if-changed: nothing new at the source, but the loaded release gets published.
    point_at(monkeypatch, warehouse.home, snapshot_dir=str(snapshot))
    monkeypatch.setenv("DAGSTER_HOME", str(warehouse.home / "dagster"))
    from orchestration.cli import refresh_if_changed

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = refresh_if_changed()
    text = printed.getvalue()
    assert status == 0, text[-3000:]
    assert "loaded but not yet published: income_annual" in text and "new release:" not in text
    new = published_releases(settings.published_db)
    assert new == loaded_releases(settings.build_db) and new[INCOME.id] != old[INCOME.id]
    assert assert_whole_version(warehouse.published) != old_version
    # ... after cleaning what the kills left: the dead lock holder named, the staging debris removed.
    # the run's process is the one that executed it (a process of the killed group, not always proc itself)
    assert "marked failed: its process (pid " in text, "the killed run is failed, not STARTED"
    for path in staging:
        assert f"recovered: removed debris of an interrupted run: {path}" in text and not path.exists()
    assert not [d for d in versions.iterdir() if d.name.startswith(".")]

"""``python -m orchestration.cli verify`` passes on a fresh build and names each injected damage.

Each test damages a private copy of the session warehouse (``warehouse``) in one place: a landed file
altered, a raw row deleted, a Parquet file truncated, a stale staging directory left by a killed
publish; ``verify`` (the library, and once the real CLI process) must report exactly that.
"""

from __future__ import annotations

import subprocess

import duckdb

from publishing.verify import verify
from tests.faults.test_refusals import cli


def cli_verify(home) -> subprocess.CompletedProcess:
    return cli(home, "verify")


def test_verify_passes_on_a_fresh_build_and_the_cli_says_so(warehouse):
    done = cli_verify(warehouse.home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verify: OK" in done.stdout and "DIFFERS" not in done.stdout
    assert not (warehouse.home / "tmp").exists() or not any((warehouse.home / "tmp").iterdir())


def test_an_altered_landed_file(warehouse):
    landed = sorted(warehouse.settings.landing_dir.glob("income_annual/*"))[-1]
    landed.chmod(0o644)
    landed.write_bytes(landed.read_bytes() + b"\n")
    found = verify(warehouse.settings)
    assert any(p.startswith(f"landed file altered: {landed}") for p in found.problems), found.problems
    done = cli_verify(warehouse.home)
    assert done.returncode == 1 and f"DIFFERS: landed file altered: {landed}" in done.stdout, done.stdout


def test_a_deleted_raw_row(warehouse):
    con = duckdb.connect(str(warehouse.settings.build_db))
    try:
        release_id = con.execute(
            "select release_id from raw.current_releases where dataset_id = 'income_annual'"
        ).fetchone()[0]
        con.execute(
            "delete from raw.income_annual where rowid = "
            "(select min(rowid) from raw.income_annual where release_id = ?)",
            [release_id],
        )
    finally:
        con.close()
    found = verify(warehouse.settings)
    assert (
        found.problems
        == [
            p
            for p in found.problems
            if p.startswith(f"raw differs from its landed file: income_annual release {release_id[:12]}")
        ]
        and found.problems
    ), found.problems
    assert "1 row(s) of the file missing from raw, 0 row(s) in raw not in the file" in found.problems[0]


def test_a_truncated_parquet_file(warehouse):
    parquet = sorted((warehouse.published / "current" / "parquet").glob("*.parquet"))[0]
    parquet.chmod(0o644)
    parquet.write_bytes(parquet.read_bytes()[: parquet.stat().st_size // 2])
    found = verify(warehouse.settings, rebuild=False)
    assert found.problems and all(parquet.name in p for p in found.problems), found.problems
    assert "unreadable" in found.problems[0]


def test_a_ledger_row_deleted(warehouse):
    # The ledger row of a landed release gone: its raw batch can no longer be traced to a file.
    con = duckdb.connect(str(warehouse.settings.build_db))
    try:
        con.execute("delete from raw.releases where dataset_id = 'income_annual' and status = 'loaded'")
    finally:
        con.close()
    found = verify(warehouse.settings, rebuild=True)
    assert any(
        p.startswith("raw batch cannot be rebuilt (no landed file): income_annual") for p in found.problems
    )


def test_debris_of_a_killed_publish_is_reported(warehouse):
    stale = warehouse.published / "versions" / ".20990101T000000000000Z-abc"
    (stale / "parquet").mkdir(parents=True)
    found = verify(warehouse.settings, rebuild=False)
    assert found.ok, found.problems
    assert f"debris: interrupted publish {stale}" in found.notes

"""A dataset declared only in the catalog reaches the published facts (issue 15, item 1).

The toy entry lives in an extension module (``tests/support/toy_catalog.py``) named by the documented
extension point ``KZW_CATALOG_EXTENSIONS``; nothing in ``dbt_project/`` names it. The whole pipeline
(``python -m orchestration.cli run``: ingestion with its expectations, dbt build with its tests,
publish) runs in a subprocess on a temp home and a temp snapshot directory holding the real files plus
the toy one.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.catalog import load_catalog, measure_rows
from ingestion.settings import REPO_ROOT, SNAPSHOT_DIR
from tests.support.toy_catalog import TOY_FILE, TOY_UNIT

EXTENSION = "tests.support.toy_catalog"
MEASURE = "toy_volunteers_thousand"


def _write_toy_file(snapshot: Path) -> None:
    """The employed population's rows, every value doubled, renamed as the toy series."""
    source = SNAPSHOT_DIR / "bns" / "makenerzhan_EMPLOYED_BY_REGION.csv"
    target = snapshot / TOY_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        source.open(encoding="utf-8", newline="") as fin,
        target.open("w", encoding="utf-8", newline="") as fout,
    ):
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            if row["value"]:
                row["value"] = repr(2 * float(row["value"]))
            writer.writerow({**row, "variable": "TOY_VOLUNTEERS", "unit": TOY_UNIT})


def test_extension_entries_join_the_catalog_and_its_measures() -> None:
    catalog = load_catalog(EXTENSION)
    assert catalog[-1].id == "toy_volunteers"
    assert measure_rows(catalog)[-1][1:3] == (MEASURE, "toy_volunteers")
    with pytest.raises(ValueError, match="declared twice"):
        load_catalog(f"{EXTENSION},{EXTENSION}")


def test_a_dataset_declared_only_in_the_catalog_reaches_the_published_facts(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    for entry in SNAPSHOT_DIR.iterdir():
        (snapshot / entry.name).symlink_to(entry)
    _write_toy_file(snapshot)
    env = {
        **os.environ,
        "KZW_HOME": str(tmp_path / "home"),
        "KZW_SNAPSHOT_DIR": str(snapshot),
        "KZW_CATALOG_EXTENSIONS": EXTENSION,
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    published = tmp_path / "home" / "published" / "kz_inequality.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        regional = con.execute(
            f"select year, sum({MEASURE}), count({MEASURE}) from marts.fct_region_year "
            "where year = 2023 group by year"
        ).fetchone()
        national = con.execute(f"select {MEASURE} from marts.fct_national_year where year = 2023").fetchone()
        employed = con.execute(
            "select employed_thousand from marts.fct_national_year where year = 2023"
        ).fetchone()
    assert regional[2] == 20  # every unit of the 2022 map
    assert national[0] == pytest.approx(2 * employed[0], rel=1e-12)  # the toy file's national row
    assert regional[1] == pytest.approx(national[0], rel=1e-6)  # additive: the regions sum to it

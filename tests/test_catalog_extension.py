"""A dataset declared only in the catalog reaches the published facts and marts (issue 15, item 1).

The toy entry lives in an extension module (``tests/support/toy_catalog.py``) named by the documented
extension point ``KZW_CATALOG_EXTENSIONS``: its measure (with its column comment and plausible range),
its place among the inequality indicators and the rules of its Great Expectations suite are declared
there, and nothing in ``dbt_project/`` or ``expectations/`` names it. The whole pipeline
(``python -m orchestration.cli run``: ingestion with its GX suites, dbt build with its tests, publish)
runs in a subprocess on a temp home and a temp snapshot directory holding the real files plus the toy
one. A second, small subprocess shows that the toy's declared expectations are a real suite: the same
file with its values a thousand times too large is blocked.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from ingestion.catalog import MEASURE_COLUMNS, load_catalog, measure_rows
from ingestion.settings import REPO_ROOT, SNAPSHOT_DIR
from tests.support.toy_catalog import INDICATOR, MEASURE, TOY_FILE, TOY_UNIT

EXTENSION = "tests.support.toy_catalog"


def _write_toy_file(snapshot: Path, factor: float = 2.0) -> Path:
    """The employed population's rows, every value times ``factor``, renamed as the toy series."""
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
                row["value"] = repr(factor * float(row["value"]))
            writer.writerow({**row, "variable": "TOY_VOLUNTEERS", "unit": TOY_UNIT})
    return target


def _env(tmp_path: Path, snapshot: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KZW_HOME": str(tmp_path / "home"),
        "KZW_SNAPSHOT_DIR": str(snapshot),
        "KZW_CATALOG_EXTENSIONS": EXTENSION,
        "PYTHONPATH": str(REPO_ROOT),
    }


def test_extension_entries_join_the_catalog_and_its_measures() -> None:
    catalog = load_catalog(EXTENSION)
    assert catalog[-1].id == "toy_volunteers"
    row = dict(zip(MEASURE_COLUMNS, measure_rows(catalog)[-1], strict=True))
    assert (row["measure"], row["dataset_id"], row["aggregation"]) == (MEASURE, "toy_volunteers", "sum")
    assert (row["indicator"], row["indicator_scale"], row["indicator_per_capita"]) == (INDICATOR, 1e6, True)
    with pytest.raises(ValueError, match="declared twice"):
        load_catalog(f"{EXTENSION},{EXTENSION}")


def test_an_entry_without_expectations_is_refused(tmp_path: Path, monkeypatch) -> None:
    module = tmp_path / "bare_extension.py"
    module.write_text(
        "import dataclasses\nfrom tests.support.toy_catalog import DATASETS as TOY\n"
        "DATASETS = (dataclasses.replace(TOY[0], id='bare', expectations=None),)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="'bare' declares no expectations"):
        load_catalog("bare_extension")


def test_the_declared_expectations_are_a_real_suite(tmp_path: Path) -> None:
    """The toy file passes its suite as declared; the same file x1000 (a unit error) is blocked."""
    good = _write_toy_file(tmp_path / "good")
    bad = _write_toy_file(tmp_path / "bad", factor=2000.0)
    script = textwrap.dedent(
        f"""
        from ingestion.catalog import get
        from ingestion.parsing import parse_payload
        from expectations import validate
        toy = get("toy_volunteers")
        for path in ({str(good)!r}, {str(bad)!r}):
            frame = parse_payload(toy, open(path, "rb").read(), "r1", path)
            report = validate("toy_volunteers", frame)
            failed = sorted(o.name for o in report.results if not o.success and o.severity == "blocking")
            print(report.passed_blocking, failed)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=_env(tmp_path, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    good_line, bad_line = done.stdout.strip().splitlines()[-2:]
    assert good_line == "True []"
    assert bad_line == "False ['value_magnitude', 'value_scale']"  # a unit/scale error


def test_a_dataset_declared_only_in_the_catalog_reaches_the_published_facts_and_marts(
    tmp_path: Path,
) -> None:
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    for entry in SNAPSHOT_DIR.iterdir():
        (snapshot / entry.name).symlink_to(entry)
    _write_toy_file(snapshot)
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=REPO_ROOT,
        env=_env(tmp_path, snapshot),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    published = tmp_path / "home" / "published" / "kz_inequality.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        regional = con.execute(
            f"select sum({MEASURE}), count({MEASURE}) from marts.fct_region_year where year = 2023"
        ).fetchone()
        national, employed = con.execute(
            f"select {MEASURE}, employed_thousand from marts.fct_national_year where year = 2023"
        ).fetchone()
        comparable = con.execute(
            f"select count({MEASURE}) from marts.fct_region_year_comparable where year = 2023"
        ).fetchone()[0]
        comment = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            f"and table_name = 'fct_region_year' and column_name = '{MEASURE}'"
        ).fetchone()[0]
        gini = con.execute(
            "select value from marts.mart_inequality where indicator = ? and year = 2023 "
            "and geography = 'as_published' and measure = 'gini' and weighting = 'population_weighted' "
            "and variant = 'default'",
            [INDICATOR],
        ).fetchall()
        rows = con.execute(
            f"select {MEASURE} * 1e6 / population_avg, population_avg from marts.fct_region_year "
            f"where year = 2023 and {MEASURE} is not null order by 1"
        ).fetchall()
        levels = con.execute(
            "select count(*) from marts.mart_national_level where indicator = ? and year = 2023 "
            "and geography = 'as_published'",
            [INDICATOR],
        ).fetchone()[0]
    assert regional[1] == 20  # every unit of the 2022 map
    assert comparable == 16  # re-aggregated into the stable pre-2018 units
    assert national == pytest.approx(2 * employed, rel=1e-12)  # the toy file's national row
    assert regional[0] == pytest.approx(national, rel=1e-6)  # additive: the regions sum to it
    assert comment.startswith("Made-up volunteers") and "Geography: as published" in comment
    assert levels == 1
    # the marts' population-weighted Gini of the toy indicator = the Lorenz-curve closed form
    # (METHODS.md section 3) on the published facts
    assert len(rows) == 20 and len(gini) == 1
    total_p = sum(p for _, p in rows)
    total_py = sum(y * p for y, p in rows)
    lorenz, area = 0.0, 0.0
    for y, p in rows:
        previous, lorenz = lorenz, lorenz + y * p / total_py
        area += p / total_p * (lorenz + previous)
    assert gini[0][0] == pytest.approx(1.0 - area, rel=1e-9)

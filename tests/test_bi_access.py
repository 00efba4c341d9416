"""BI tools read the published file while the pipeline republishes it.

Reader processes (two plain ``duckdb`` ones, one SQLAlchemy + duckdb-engine one as Superset and
Metabase-style tools use, and the DuckDB CLI when it is installed) loop opening
``published/kz_inequality.duckdb`` read-only while the main process publishes a new version of it. Each
observation reads, in ONE connection, the publication version (``meta.publication``) and a fingerprint
of the data (row count and sum of money income per capita of ``marts.fct_region_year``).

The publish step is the only writer of the published files (dbt and ingestion write the private build
database), so the guarantee is exercised on that step alone, as the refresh runs it: a copy of the
session's build database gets one revised cell (one region-year's income per capita +100, as BNS revises
a release) and ``publishing.publish`` swaps the new version in while the readers read. The full
refresh path end to end is covered by tests/test_pipeline.py and the process faults in tests/faults.

Also here: the published file carries the dbt descriptions as comments, is written in a storage format
old DuckDB readers open, and every reader (and the Parquet copies) sees the same tables.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

FINGERPRINT_SQL = (
    "select p.version, f.n, f.income from meta.publication p, "
    "(select count(*) as n, sum(money_income_per_capita_kzt_month) as income from marts.fct_region_year) f"
)
INCOME = "money_income_per_capita_kzt_month"
REVISE_ONE_CELL_SQL = (
    f"update marts.fct_region_year set {INCOME} = {INCOME} + 100 "
    f"where rowid = (select min(rowid) from marts.fct_region_year where {INCOME} is not null)"
)
READER_DEADLINE_S = 1200
#: Pause between two observations of a reader: plenty of reads, without starving the refresh of CPU.
READER_PAUSE_S = 0.02


# --- the reader processes (this file run as a script) --------------------------------------------------


def _observe_duckdb(db: str) -> tuple:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(FINGERPRINT_SQL).fetchone()
    finally:
        con.close()


def _sqlalchemy_observer(db: str):
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    # NullPool: every observation opens the file anew, as a BI tool's new connection would. A pooled
    # connection keeps reading the publication it opened.
    engine = sa.create_engine(f"duckdb:///{db}", connect_args={"read_only": True}, poolclass=NullPool)

    def observe(_: str) -> tuple:
        with engine.connect() as con:
            return tuple(con.execute(sa.text(FINGERPRINT_SQL)).one())

    return observe


def _cli_observer(cli: str):
    def observe(db: str) -> tuple:
        done = subprocess.run(
            [cli, "-readonly", "-json", db, "-c", FINGERPRINT_SQL],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0 or done.stderr.strip():
            raise RuntimeError(f"duckdb CLI exit {done.returncode}: {done.stderr.strip()}")
        row = json.loads(done.stdout)[0]
        return row["version"], row["n"], row["income"]

    return observe


def reader_main(kind: str, db: str, stop_file: str, out_file: str) -> None:
    """Loop until ``stop_file`` exists: one JSON line per observation or error."""
    if kind == "duckdb":
        observe = _observe_duckdb
    elif kind == "sqlalchemy":
        observe = _sqlalchemy_observer(db)
    else:
        observe = _cli_observer(kind.removeprefix("cli:"))
    deadline = time.monotonic() + READER_DEADLINE_S
    with open(out_file, "w", encoding="utf-8") as out:
        while not Path(stop_file).exists() and time.monotonic() < deadline:
            try:
                version, n, income = observe(db)
                record = {"t": time.time(), "version": version, "fp": [int(n), round(float(income), 6)]}
            except Exception as exc:  # every error is a finding: the test fails on any
                record = {"t": time.time(), "error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(record) + "\n")
            out.flush()
            time.sleep(READER_PAUSE_S)


# --- the tests ----------------------------------------------------------------------------------------


def _fingerprint(db: Path) -> tuple[str, list]:
    version, n, income = _observe_duckdb(str(db))
    return version, [int(n), round(float(income), 6)]


def _observations(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _duckdb_cli() -> str | None:
    found = Path(sys.executable).with_name("duckdb")
    return str(found) if found.exists() else shutil.which("duckdb")


def test_readers_see_the_old_or_the_new_publication_never_a_mix_while_a_new_one_is_published(
    pipeline_run, tmp_path
):
    from publishing.publish import publish

    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    published = home / "published" / "kz_inequality.duckdb"
    old = _fingerprint(published)
    build_db = home / "build" / "warehouse.duckdb"
    with duckdb.connect(str(build_db)) as con:
        con.execute(REVISE_ONE_CELL_SQL)

    kinds = ["duckdb", "duckdb", "sqlalchemy"]
    if cli := _duckdb_cli():
        kinds.append(f"cli:{cli}")
    stop = tmp_path / "stop"
    outs = [tmp_path / f"reader-{i}.jsonl" for i in range(len(kinds))]
    readers = [
        subprocess.Popen([sys.executable, __file__, kind, str(published), str(stop), str(out)])
        for kind, out in zip(kinds, outs, strict=True)
    ]
    try:
        # Every reader has read the old publication before the new one is published.
        deadline = time.monotonic() + 120
        while not all(_observations(out) for out in outs):
            assert time.monotonic() < deadline, "a reader did not start"
            assert all(r.poll() is None for r in readers), "a reader died before the publish"
            time.sleep(0.2)

        started = time.monotonic()
        publish(build_db, home / "published", run_id="test-concurrent-readers")
        publish_seconds = time.monotonic() - started
        new = _fingerprint(published)

        # Keep reading until every reader has seen the new publication (bounded).
        deadline = time.monotonic() + 120
        while not all(any(o.get("version") == new[0] for o in _observations(out)) for out in outs):
            assert time.monotonic() < deadline, "a reader never saw the new publication"
            time.sleep(0.2)
    finally:
        stop.touch()
        for reader in readers:
            try:
                reader.wait(timeout=60)
            except subprocess.TimeoutExpired:
                reader.kill()
                reader.wait()

    assert new[0] != old[0]
    assert new[1][0] == old[1][0] and new[1][1] == pytest.approx(old[1][1] + 100), (old, new)
    assert all(r.returncode == 0 for r in readers)
    allowed = {(old[0], tuple(old[1])), (new[0], tuple(new[1]))}
    total = 0
    for kind, out in zip(kinds, outs, strict=True):
        seen = _observations(out)
        total += len(seen)
        errors = [o["error"] for o in seen if "error" in o]
        assert not errors, f"{kind} reader errors: {errors[:5]}"
        pairs = {(o["version"], tuple(o["fp"])) for o in seen}
        assert pairs <= allowed, f"{kind} reader saw a mix: {pairs - allowed}"
        assert pairs == allowed, f"{kind} reader did not see both publications: {pairs}"
        # Once a reader has seen the new publication it never sees the old one again.
        versions = [o["version"] for o in seen]
        assert old[0] not in versions[versions.index(new[0]) :], f"{kind} reader went back in time"
    print(f"\n{len(kinds)} readers, {total} observations around a {publish_seconds:.1f} s publish")


def _comments(db: Path, schemas: tuple[str, ...]) -> tuple[dict, dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables() "
            "where schema_name in (select unnest(?::varchar[]))",
            [list(schemas)],
        ).fetchall()
        columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name, comment from duckdb_columns() "
            "where schema_name in (select unnest(?::varchar[]))",
            [list(schemas)],
        ).fetchall()
    finally:
        con.close()
    return dict(tables), dict(columns)


def test_published_file_carries_the_dbt_descriptions_as_comments(pipeline_run):
    # dbt's persist_docs writes the model and column descriptions into the build database ...
    built_tables, built_columns = _comments(pipeline_run.build_db, ("marts",))
    tables, columns = _comments(pipeline_run.published_db, ("marts", "meta", "raw"))
    assert built_tables and all(built_tables[t] for t in ("marts.dim_region", "marts.fct_region_year"))
    # ... and the publish step carries every one of them into the published file.
    assert {t: c for t, c in tables.items() if t in built_tables} == built_tables
    assert {c: v for c, v in columns.items() if c in built_columns} == built_columns
    for table in ("marts.dim_region", "marts.fct_region_year", "marts.fct_national_year", "meta.publication"):
        assert tables[table], table
        assert [c for c, v in columns.items() if c.startswith(table + ".") and not v] == [], table
    assert tables["raw.releases"] and columns["raw.releases.status"]
    assert "population_avg" in columns["marts.fct_region_year.grp_per_capita_kzt"]


def test_published_file_opens_in_every_reader_tried_and_the_parquet_copies_match(pipeline_run):
    import pyarrow.parquet as pq
    import sqlalchemy as sa

    db = pipeline_run.published_db
    con = duckdb.connect(str(db), read_only=True)
    try:
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = 'kz_inequality'"
        ).fetchone()
        version, tables_json = con.execute("select version, tables_json from meta.publication").fetchone()
    finally:
        con.close()
    # Written in the v1.0.0 storage format, which every DuckDB >= 1.0 (and the drivers bundling it) opens.
    assert tags["storage_version"].startswith("v1.0.0")
    counts = json.loads(tables_json)
    assert "marts.fct_region_year" in counts and "marts.dim_region" in counts

    engine = sa.create_engine(f"duckdb:///{db}", connect_args={"read_only": True})
    try:
        with engine.connect() as sql:
            marts = sa.inspect(sql).get_table_names(schema="marts")
            rows = sql.execute(sa.text("select count(*) from marts.fct_region_year")).scalar_one()
    finally:
        engine.dispose()
    assert {name.split(".")[1] for name in counts if name.startswith("marts.")} == set(marts)
    assert rows == counts["marts.fct_region_year"]

    parquet = pipeline_run.home / "published" / "current" / "parquet"
    for name, count in counts.items():
        assert pq.read_metadata(parquet / f"{name}.parquet").num_rows == count, name

    if cli := _duckdb_cli():
        done = subprocess.run(
            [cli, "-readonly", "-csv", "-noheader", str(db), "-c", "select version from meta.publication"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and done.stdout.strip() == version, done.stderr


if __name__ == "__main__":
    reader_main(*sys.argv[1:5])

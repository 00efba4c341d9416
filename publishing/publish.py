"""Copy the published schemas out of the private build database, then swap them in atomically.

DuckDB allows one writer or many readers per file, never both, so BI tools must never open the build
file. Each publish writes a complete new version directory (DuckDB file, one Parquet and one CSV per
table, an XLSX workbook and a Frictionless ``datapackage.json``: publishing/open_data.py), fsyncs it,
then replaces the ``current`` symlink and the top-level DuckDB file with ``os.replace``:
a reader sees either the old or the new version, never a half-written one, and a failure at any point
before the swap leaves the published files exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from publishing import revisions
from publishing.open_data import WORKBOOK, measure_units, write_open_formats
from publishing.state import loaded_releases_of, published_releases

#: Schemas of the build database that BI tools see.
PUBLISHED_SCHEMAS = ("marts",)
#: Reference tables published beside the marts (schema, table).
PUBLISHED_EXTRA = (("raw", "releases"),)
KEEP_VERSIONS = 3
#: Storage format of the published file, pinned whatever DuckDB the pipeline runs: 'v1.0.0' opens in any
#: DuckDB from 1.0 on, so in the DuckDB that BI drivers bundle (duckdb-engine, JDBC for DBeaver and
#: Metabase, Evidence's Node bindings). Readers tried: README, "Query the marts".
STORAGE_VERSION = "v1.0.0"
#: Comments of the tables the publish step writes itself (dbt's persist_docs comments the marts).
OWN_COMMENTS = {
    ("meta", "publication"): (
        "One row: which publication this file is. Query it with the marts in the same connection to know "
        "which version you read.",
        {
            "version": "Publication version (UTC timestamp); the directory versions/<version>/ holds the "
            "same file and its Parquet copies.",
            "run_id": "Dagster run that published it.",
            "published_at": "When it was published.",
            "duckdb_version": "DuckDB version that wrote it (storage format: see the README).",
            "tables_json": "Published tables and their row counts (JSON).",
            "releases_json": "Dataset id -> release id (sha256 of the payload) of the loaded release each "
            "dataset's marts were built from (JSON); compare with raw.releases to know what is published.",
        },
    ),
    ("meta", "revisions"): revisions.COMMENTS,
    ("raw", "releases"): (
        "Every release the pipeline fetched, one row per fetch attempt: dataset, fingerprint, status and "
        "where its bytes are kept.",
        {
            "release_id": "sha256 of the payload bytes (the release fingerprint).",
            "dataset_id": "Catalog dataset id (ingestion/catalog.py).",
            "fetched_at": "When the payload was fetched.",
            "source": "'snapshot' (embedded files) or 'http' (BNS).",
            "url": "Where the payload came from.",
            "status": "'loaded' | 'unchanged' | 'failed' | 'quarantined'.",
            "row_count": "Observations parsed from the payload.",
            "revised_cells": "Observations whose value differs from the previous release.",
            "new_cells": "Observations absent from the previous release.",
        },
    ),
}


@dataclass
class PublishResult:
    version: str
    database: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)
    releases: dict[str, str] = field(default_factory=dict)
    #: change kind ('added', 'revised', 'retracted') -> values, against the previous publication
    revisions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: The open formats of the same version (publishing/open_data.py), set once it is current.
    csv_dir: Path | None = None
    workbook: Path | None = None
    datapackage: Path | None = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    wanted = list(PUBLISHED_SCHEMAS)
    rows = con.execute(
        """
        select schema_name, table_name, comment from duckdb_tables()
        where database_name = 'build' and schema_name in (select unnest(?::varchar[]))
        union all
        select schema_name, view_name, comment from duckdb_views()
        where database_name = 'build' and schema_name in (select unnest(?::varchar[]))
        order by 1, 2
        """,
        [wanted, wanted],
    ).fetchall()
    extra = [(s, t, None) for s, t in PUBLISHED_EXTRA]
    return [*rows, *extra]


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str | None) -> None:
    target = f'pub."{schema}"."{table}"'
    comment = comment or OWN_COMMENTS.get((schema, table), (None, {}))[0]
    if comment:
        con.execute(f"comment on table {target} is {_quote(comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'build' "
        "and schema_name = ? and table_name = ? and comment is not null",
        [schema, table],
    ).fetchall()
    own = OWN_COMMENTS.get((schema, table), (None, {}))[1]
    for column, text in {**own, **dict(columns)}.items():
        con.execute(f'comment on column {target}."{column}" is {_quote(text)}')


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(build_db: Path, publish_dir: Path, run_id: str | None = None) -> PublishResult:
    """Publish the build database's marts. Raises before the swap on any failure."""
    started = time.perf_counter()
    publish_dir.mkdir(parents=True, exist_ok=True)
    versions = publish_dir / "versions"
    versions.mkdir(exist_ok=True)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    previous = published_releases(publish_dir / "kz_inequality.duckdb")
    staging = Path(tempfile.mkdtemp(dir=versions, prefix=f".{version}-"))
    final = versions / version
    try:
        result = _write_version(build_db, staging, version, run_id, previous)
        os.replace(staging, final)
        _fsync_dir(versions)
        _swap(publish_dir, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        # A version that never became current (the swap failed, e.g. disk full) is not left behind
        # looking like a published one.
        if final.exists() and not _is_current(publish_dir, final):
            shutil.rmtree(final, ignore_errors=True)
        raise
    _prune(versions, keep=KEEP_VERSIONS)
    result.database = publish_dir / "kz_inequality.duckdb"
    result.parquet_dir = publish_dir / "current" / "parquet"
    result.csv_dir = publish_dir / "current" / "csv"
    result.workbook = publish_dir / "current" / WORKBOOK
    result.datapackage = publish_dir / "current" / "datapackage.json"
    result.seconds = time.perf_counter() - started
    return result


def _write_version(
    build_db: Path, target: Path, version: str, run_id: str | None, previous: dict[str, str] | None
) -> PublishResult:
    database = target / "kz_inequality.duckdb"
    parquet_dir = target / "parquet"
    parquet_dir.mkdir()
    result = PublishResult(version=version, database=database, parquet_dir=parquet_dir)
    con = duckdb.connect()
    try:
        con.execute(f"attach {_quote(str(build_db))} as build (read_only)")
        con.execute(f"attach {_quote(str(database))} as pub (storage_version {_quote(STORAGE_VERSION)})")
        for schema, table, comment in _tables(con):
            con.execute(f'create schema if not exists pub."{schema}"')
            con.execute(f'create table pub."{schema}"."{table}" as select * from build."{schema}"."{table}"')
            _copy_comments(con, schema, table, comment)
            result.tables[f"{schema}.{table}"] = con.execute(
                f'select count(*) from pub."{schema}"."{table}"'
            ).fetchone()[0]
            out = parquet_dir / f"{schema}.{table}.parquet"
            con.execute(f'copy pub."{schema}"."{table}" to {_quote(str(out))} (format parquet)')
        result.releases = loaded_releases_of(con, schema="build.raw")
        con.execute("create schema if not exists pub.meta")
        con.execute(
            "create table pub.meta.publication as select ?::varchar as version, "
            "?::varchar as run_id, now() as published_at, ?::varchar as duckdb_version, "
            "?::varchar as tables_json, ?::varchar as releases_json",
            [version, run_id, duckdb.__version__, json.dumps(result.tables), json.dumps(result.releases)],
        )
        _copy_comments(con, "meta", "publication", None)
        result.revisions = revisions.write_revisions(con, version, previous, result.releases)
        _copy_comments(con, "meta", "revisions", None)
        con.execute("detach pub")
        con.execute("detach build")
    finally:
        con.close()
    keys = [*result.tables, "meta.publication", "meta.revisions"]
    open_files = _write_open_formats(build_db, target, version, keys)
    for path in [database, *parquet_dir.iterdir(), *open_files]:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    return result


def _write_open_formats(build_db: Path, target: Path, version: str, keys: list[str]) -> list[Path]:
    """CSV, XLSX and datapackage.json of the finished DuckDB file, read back from it (open_data.py)."""
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")  # the workbook's times are UTC (Excel has no time zones)
        con.execute(f"attach {_quote(str(target / 'kz_inequality.duckdb'))} as pub (read_only)")
        con.execute(f"attach {_quote(str(build_db))} as build (read_only)")
        published_at = con.execute("select published_at from pub.meta.publication").fetchone()[0]
        units = measure_units(con, "build")
        return write_open_formats(con, "pub", keys, target, version, published_at.isoformat(), units)
    finally:
        con.close()


def _is_current(publish_dir: Path, version_dir: Path) -> bool:
    current = publish_dir / "current"
    return current.is_symlink() and current.resolve() == version_dir.resolve()


def _swap(publish_dir: Path, version_dir: Path) -> None:
    """Point ``current`` at the new version and replace the top-level DuckDB file, atomically each."""
    link_tmp = publish_dir / ".current.tmp"
    db_tmp = publish_dir / ".kz_inequality.duckdb.tmp"
    try:
        link_tmp.unlink(missing_ok=True)
        link_tmp.symlink_to(version_dir.relative_to(publish_dir))
        shutil.copyfile(version_dir / "kz_inequality.duckdb", db_tmp)
        with open(db_tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(db_tmp, 0o444)
        os.replace(link_tmp, publish_dir / "current")
        os.replace(db_tmp, publish_dir / "kz_inequality.duckdb")
        _fsync_dir(publish_dir)
    except BaseException:
        # No half-copied temporary file left holding the space of a full disk.
        link_tmp.unlink(missing_ok=True)
        db_tmp.unlink(missing_ok=True)
        raise


def _prune(versions: Path, keep: int) -> None:
    done = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in versions.glob(".*"):
        if stale.is_dir() and time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)

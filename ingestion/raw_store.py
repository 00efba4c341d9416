"""The raw schema of the build database: append-only observations and the releases ledger.

``raw.releases`` records every attempt (loaded, unchanged, failed, quarantined) with its reason;
``raw.<dataset_id>`` holds one row per release and observation. Staging reads only the latest release
whose status is ``loaded``, so a quarantined or failed release never reaches the marts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.schema import OBSERVATION_COLUMNS

_DUCK_TYPES = {"string": "varchar", "Int64": "integer", "Float64": "double"}

RELEASES_DDL = """
create table if not exists raw.releases (
    release_id varchar,
    dataset_id varchar not null,
    fetched_at timestamp not null,
    source varchar not null,
    url varchar,
    etag varchar,
    last_modified varchar,
    byte_size bigint,
    landed_path varchar,
    status varchar not null,
    error varchar,
    row_count bigint,
    revised_cells bigint,
    new_cells bigint
)
"""


@dataclass(frozen=True)
class ReleaseRecord:
    dataset_id: str
    release_id: str | None
    source: str
    url: str | None
    status: str  # "loaded" | "unchanged" | "failed" | "quarantined"
    etag: str | None = None
    last_modified: str | None = None
    byte_size: int | None = None
    landed_path: str | None = None
    error: str | None = None
    row_count: int | None = None
    revised_cells: int | None = None
    new_cells: int | None = None


@dataclass(frozen=True)
class CurrentRelease:
    release_id: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime


def observations_ddl(dataset_id: str) -> str:
    columns = ",\n    ".join(f"{name} {_DUCK_TYPES[dtype]}" for name, dtype in OBSERVATION_COLUMNS.items())
    return (
        f'create table if not exists raw."{dataset_id}" (\n    {columns},\n'
        "    loaded_at timestamp not null\n)"
    )


class RawStore:
    """Short-lived connections to the build database, so dbt can open it between steps."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.db_path))
        try:
            con.execute("create schema if not exists raw")
            con.execute(RELEASES_DDL)
            yield con
        finally:
            con.close()

    def ensure_tables(self, dataset_ids: list[str]) -> None:
        """Create every raw table up front, so dbt sources exist even before a first load."""
        with self.connect() as con:
            for dataset_id in dataset_ids:
                con.execute(observations_ddl(dataset_id))

    def current(self, dataset_id: str) -> CurrentRelease | None:
        with self.connect() as con:
            row = con.execute(
                """
                select release_id, etag, last_modified, fetched_at from raw.releases
                where dataset_id = ? and status = 'loaded'
                order by fetched_at desc limit 1
                """,
                [dataset_id],
            ).fetchone()
        return CurrentRelease(*row) if row else None

    def current_rows(self, dataset_id: str) -> pd.DataFrame | None:
        current = self.current(dataset_id)
        if current is None:
            return None
        with self.connect() as con:
            con.execute(observations_ddl(dataset_id))
            return con.execute(
                f'select * exclude (loaded_at) from raw."{dataset_id}" where release_id = ?',
                [current.release_id],
            ).df()

    def record(self, record: ReleaseRecord) -> None:
        with self.connect() as con:
            self._insert_record(con, record)

    def commit(self, record: ReleaseRecord, frame: pd.DataFrame) -> None:
        """Append the release's rows and mark it loaded, in one transaction."""
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        rows = frame.assign(loaded_at=loaded_at)
        with self.connect() as con:
            con.execute(observations_ddl(record.dataset_id))
            con.execute("begin transaction")
            try:
                con.register("incoming_rows", rows)
                con.execute(f'insert into raw."{record.dataset_id}" by name select * from incoming_rows')
                con.unregister("incoming_rows")
                self._insert_record(con, record)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise

    def releases(self, dataset_id: str | None = None) -> pd.DataFrame:
        with self.connect() as con:
            if dataset_id is None:
                return con.execute("select * from raw.releases order by fetched_at").df()
            return con.execute(
                "select * from raw.releases where dataset_id = ? order by fetched_at", [dataset_id]
            ).df()

    @staticmethod
    def _insert_record(con: duckdb.DuckDBPyConnection, r: ReleaseRecord) -> None:
        con.execute(
            "insert into raw.releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                r.release_id,
                r.dataset_id,
                datetime.now(UTC).replace(tzinfo=None),
                r.source,
                r.url,
                r.etag,
                r.last_modified,
                r.byte_size,
                r.landed_path,
                r.status,
                r.error,
                r.row_count,
                r.revised_cells,
                r.new_cells,
            ],
        )

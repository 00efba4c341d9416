"""The raw schema of the build database: append-only observations and the releases ledger.

``raw.releases`` records every attempt (loaded, unchanged, failed, quarantined) with its reason;
``raw.<dataset_id>`` holds one row per release and observation. Staging reads only the latest release
whose status is ``loaded``, so a quarantined or failed release never reaches the marts.

"The current release" is defined once, here, as two views of the raw schema that both Python
(:meth:`RawStore.current`, :meth:`RawStore.current_rows`) and dbt (sources ``current_releases`` and
``current_observations``) read:

- ``raw.current_releases``: per dataset, the latest ``loaded`` release and the latest batch of it. A
  release served again after a newer one (A, B, A) is appended a second time, so its cells exist in
  two batches; only the latest batch (``loaded_at``) is current, so no cell is ever counted twice.
- ``raw.current_observations``: the cells of that batch, every dataset in one long relation (the
  union of the raw tables present), which the one generic staging model reads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.catalog import MEASURE_COLUMNS, measure_rows
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


#: Every loaded batch: one row per (dataset, release, loaded_at), so a release loaded twice has two.
#: ``raw.releases`` rows are written in the transaction of their batch, which makes the ledger's
#: ``fetched_at`` order the batch order.
CURRENT_RELEASES_VIEW = """
create or replace view raw.current_releases as
with

loaded as (

    select
        dataset_id,
        release_id,
        fetched_at,
        row_number() over (
            partition by dataset_id order by fetched_at desc, release_id desc
        ) as recency
    from raw.releases
    where status = 'loaded'

),

batches as (

    select
        dataset_id,
        release_id,
        max(loaded_at) as loaded_at
    from raw.observations
    group by dataset_id, release_id

)

select
    loaded.dataset_id,
    loaded.release_id,
    loaded.fetched_at,
    batches.loaded_at
from loaded
left join batches
    on
        loaded.dataset_id = batches.dataset_id
        and loaded.release_id = batches.release_id
where loaded.recency = 1
"""

CURRENT_OBSERVATIONS_VIEW = """
create or replace view raw.current_observations as
select
    observations.*,
    current_releases.fetched_at as release_fetched_at
from raw.observations as observations
inner join raw.current_releases as current_releases
    on
        observations.dataset_id = current_releases.dataset_id
        and observations.release_id = current_releases.release_id
        and observations.loaded_at = current_releases.loaded_at
"""


def observations_ddl(dataset_id: str) -> str:
    columns = ",\n    ".join(f"{name} {_DUCK_TYPES[dtype]}" for name, dtype in OBSERVATION_COLUMNS.items())
    return (
        f'create table if not exists raw."{dataset_id}" (\n    {columns},\n'
        "    loaded_at timestamp not null\n)"
    )


def _observation_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The raw tables holding observation rows: every base table of the raw schema with the contract's
    columns (so a dataset added to the catalog joins the long relation by loading, with no list)."""
    required = [*OBSERVATION_COLUMNS, "loaded_at"]
    rows = con.execute(
        """
        select table_name from information_schema.columns
        where table_schema = 'raw' and table_name in (
            select table_name from information_schema.tables
            where table_schema = 'raw' and table_type = 'BASE TABLE'
        )
        group by table_name
        having count(*) filter (where column_name in (select unnest(?))) = ?
        order by table_name
        """,
        [required, len(required)],
    ).fetchall()
    return [name for (name,) in rows]


def observations_view(tables: list[str]) -> str:
    """``raw.observations``: every observation table in one long relation (typed even when empty)."""
    columns = ", ".join(
        f"cast(null as {_DUCK_TYPES[dtype]}) as {name}" for name, dtype in OBSERVATION_COLUMNS.items()
    )
    empty = f"select {columns}, cast(null as timestamp) as loaded_at where false"
    names = [*OBSERVATION_COLUMNS, "loaded_at"]
    selects = [empty] + [f'select {", ".join(names)} from raw."{table}"' for table in tables]
    return "create or replace view raw.observations as\n" + "\nunion all\n".join(selects)


MEASURE_CATALOG_DDL = """
create or replace table raw.measure_catalog (
    ordinal integer, measure varchar, dataset_id varchar, series varchar, raw_unit varchar,
    value_offset double, unit varchar, aggregation varchar, weight_measure varchar, description varchar,
    min_value double, max_value double, whole_number boolean, indicator varchar, indicator_unit varchar,
    indicator_scale double, indicator_per_capita boolean
)
"""


def write_measure_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """``raw.measure_catalog``: the catalog's measures as data (ingestion.catalog.measure_rows), so dbt
    derives the wide facts' columns and the additive / rate lists from the catalog, not from Jinja."""
    rows = measure_rows()
    columns = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'measure_catalog' order by ordinal_position"
    ).fetchall()
    if (
        tuple(name for (name,) in columns) == MEASURE_COLUMNS
        and con.execute(
            f"select {', '.join(MEASURE_COLUMNS)} from raw.measure_catalog order by ordinal"
        ).fetchall()
        == rows
    ):
        return
    con.execute(MEASURE_CATALOG_DDL)
    if rows:
        con.executemany(
            f"insert into raw.measure_catalog values ({', '.join('?' * len(MEASURE_COLUMNS))})", rows
        )


def refresh_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the long relation and the current-release views over the raw tables present, and
    the measure catalog."""
    write_measure_catalog(con)
    con.execute(observations_view(_observation_tables(con)))
    con.execute(CURRENT_RELEASES_VIEW)
    con.execute(CURRENT_OBSERVATIONS_VIEW)


def _pending_path(db_path: Path) -> Path:
    """Ledger rows that could not be written while another process held the build database."""
    return db_path.with_name(db_path.name + ".pending-ledger.jsonl")


def queue_ledger_rows(db_path: Path, records: list[ReleaseRecord]) -> Path:
    """Append rows to the pending ledger; the next :meth:`RawStore.connect` writes them."""
    pending = _pending_path(db_path)
    pending.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat()
    with open(pending, "a", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps({**dataclasses.asdict(record), "fetched_at": stamp}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return pending


def record_or_queue(db_path: Path, records: list[ReleaseRecord]) -> str:
    """Write ledger rows now, or queue them when the build database is held by another process."""
    try:
        store = RawStore(db_path)
        with store.connect() as con:
            for record in records:
                RawStore._insert_record(con, record)
        return "recorded"
    except duckdb.IOException:
        queue_ledger_rows(db_path, records)
        return "queued"


def _flush_pending(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    pending = _pending_path(db_path)
    if not pending.exists():
        return
    rows = [json.loads(line) for line in pending.read_text(encoding="utf-8").splitlines() if line.strip()]
    con.execute("begin transaction")
    for row in rows:
        stamp = datetime.fromisoformat(row.pop("fetched_at"))
        RawStore._insert_record(con, ReleaseRecord(**row), fetched_at=stamp)
    con.execute("commit")
    pending.unlink()


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
            refresh_views(con)
            _flush_pending(con, self.db_path)
            yield con
        finally:
            con.close()

    def ensure_tables(self, dataset_ids: list[str]) -> None:
        """Create every raw table up front, so dbt sources exist even before a first load."""
        with self.connect() as con:
            for dataset_id in dataset_ids:
                con.execute(observations_ddl(dataset_id))
            refresh_views(con)

    def current(self, dataset_id: str) -> CurrentRelease | None:
        with self.connect() as con:
            row = con.execute(
                """
                select releases.release_id, releases.etag, releases.last_modified, releases.fetched_at
                from raw.current_releases as current_releases
                inner join raw.releases as releases
                    on
                        current_releases.dataset_id = releases.dataset_id
                        and current_releases.release_id = releases.release_id
                        and current_releases.fetched_at = releases.fetched_at
                where current_releases.dataset_id = ? and releases.status = 'loaded'
                """,
                [dataset_id],
            ).fetchone()
        return CurrentRelease(*row) if row else None

    def current_rows(self, dataset_id: str) -> pd.DataFrame | None:
        """The cells of the current release (``raw.current_observations``), the rows dbt stages."""
        if self.current(dataset_id) is None:
            return None
        columns = ", ".join(OBSERVATION_COLUMNS)
        with self.connect() as con:
            return con.execute(
                f"select {columns} from raw.current_observations where dataset_id = ?",
                [dataset_id],
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
                refresh_views(con)
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
    def _insert_record(
        con: duckdb.DuckDBPyConnection, r: ReleaseRecord, fetched_at: datetime | None = None
    ) -> None:
        con.execute(
            "insert into raw.releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                r.release_id,
                r.dataset_id,
                fetched_at or datetime.now(UTC).replace(tzinfo=None),
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

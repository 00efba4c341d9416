"""Verify, do not trust: the landing zone, the raw layer and the publication checked against each other.

- every landed file's sha256 equals its name (``landing/<dataset>/<sha256>.<ext>``);
- every ``raw.releases`` row that carried bytes has its landed file;
- the raw layer rebuilt from the landing zone alone (each loaded batch's landed file parsed again
  into a scratch database) equals the build database's raw tables row for row;
- the published DuckDB file and its Parquet copies match ``meta.publication`` (tables, row counts,
  release ids) and the current version; the loaded releases are the published ones.

Each finding is one line naming what differs. Debris of an interrupted run (hidden staging
directories, temporaries) is reported as a note: the next run removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.catalog import CATALOG, Dataset, Route
from ingestion.parsing import parse_payload
from ingestion.schema import OBSERVATION_COLUMNS
from ingestion.settings import Settings
from publishing.publish import _quote
from publishing.state import loaded_releases_of, published_releases, unpublished


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _row(cursor: duckdb.DuckDBPyConnection) -> tuple:
    """The one row a query returns (a count, the publication row)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_landing(settings: Settings, con: duckdb.DuckDBPyConnection, out: Findings) -> None:
    """Landed files named by their content; every ledger row with bytes has its file."""
    if settings.landing_dir.is_dir():
        for path in sorted(settings.landing_dir.glob("*/*")):
            if path.name.startswith("."):
                out.notes.append(f"debris: partial landing file {path}")
                continue
            actual = _sha256(path)
            if actual != path.name.split(".")[0]:
                out.problems.append(f"landed file altered: {path} has sha256 {actual[:12]}…, not its name")
    rows = con.execute(
        "select dataset_id, release_id, landed_path, status from raw.releases "
        "where landed_path is not null order by fetched_at"
    ).fetchall()
    for dataset_id, release_id, landed_path, status in rows:
        if not Path(landed_path).is_file():
            out.problems.append(
                f"ledger row without its landed file: {dataset_id} release {str(release_id)[:12]}… "
                f"({status}) -> {landed_path} missing"
            )


def _route(dataset: Dataset, source: str, url: str | None) -> Route | None:
    """The route that served a release, as ``ingestion.sources`` chose it (source + URL)."""
    if source == "taldau":
        return dataset.taldau_route
    if source == "http" and dataset.bns_element is not None and url and str(dataset.bns_element) in url:
        return dataset.routes[0]
    return None


def check_raw_rebuild(con: duckdb.DuckDBPyConnection, out: Findings) -> None:
    """Parse every loaded batch's landed file again into the scratch database; compare row for row."""
    columns = ", ".join(OBSERVATION_COLUMNS)
    batches = con.execute(
        """
        select observations.dataset_id, observations.release_id, observations.loaded_at,
            any_value(releases.landed_path), any_value(releases.source), any_value(releases.url)
        from raw.observations as observations
        left join raw.releases as releases
            on observations.dataset_id = releases.dataset_id
            and observations.release_id = releases.release_id and releases.status = 'loaded'
        group by all order by 1, 3
        """
    ).fetchall()
    by_id = {dataset.id: dataset for dataset in CATALOG}
    for dataset_id, release_id, loaded_at, landed_path, source, url in batches:
        label = f"{dataset_id} release {release_id[:12]}… loaded {loaded_at}"
        dataset = by_id.get(dataset_id)
        if dataset is None or landed_path is None or not Path(landed_path).is_file():
            out.problems.append(f"raw batch cannot be rebuilt (no landed file): {label}")
            continue
        route = _route(dataset, source, url)
        frame = parse_payload(
            dataset, Path(landed_path).read_bytes(), release_id, Path(landed_path).name, route
        )
        con.register("parsed", frame)
        con.execute(f"create or replace table scratch.rebuilt as select {columns} from parsed")
        con.unregister("parsed")
        current = f'select {columns} from raw."{dataset_id}" where release_id = ? and loaded_at = ?'
        missing = _row(
            con.execute(
                f"select count(*) from (select * from scratch.rebuilt except all {current})",
                [release_id, loaded_at],
            )
        )[0]
        extra = _row(
            con.execute(
                f"select count(*) from ({current} except all select * from scratch.rebuilt)",
                [release_id, loaded_at],
            )
        )[0]
        if missing or extra:
            out.problems.append(
                f"raw differs from its landed file: {label}: {missing} row(s) of the file missing from raw, "
                f"{extra} row(s) in raw not in the file"
            )


def check_publication(settings: Settings, out: Findings) -> None:
    """The published file and Parquet copies match meta.publication and the current version."""
    db = settings.published_db
    current = settings.publish_dir / "current"
    if not db.exists():
        out.notes.append("nothing published yet")
        return
    if not current.is_symlink():
        out.problems.append(f"published: {current} is not a symlink to a version")
        return
    version_dir = current.resolve()
    if _sha256(db) != _sha256(version_dir / "kz_inequality.duckdb"):
        out.problems.append(f"published: {db} differs from the current version's file ({version_dir.name})")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        out.problems.append(f"published: {db} does not open: {exc}")
        return
    try:
        version, tables_json, releases_json = _row(
            con.execute("select version, tables_json, releases_json from meta.publication")
        )
        tables = json.loads(tables_json)
        if version != version_dir.name:
            out.problems.append(
                f"published: meta.publication says version {version}, current is {version_dir.name}"
            )
        present = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name <> 'meta'"
            ).fetchall()
        }
        for name in sorted(present ^ set(tables)):
            where = "in the file only" if name in present else "in meta.publication only"
            out.problems.append(f"published: table {name} {where}")
        for name, rows in sorted(tables.items()):
            schema, table = name.split(".", 1)
            if name in present:
                actual = _row(con.execute(f'select count(*) from "{schema}"."{table}"'))[0]
                if actual != rows:
                    out.problems.append(f"published: {name} has {actual} rows, meta.publication says {rows}")
            parquet = version_dir / "parquet" / f"{name}.parquet"
            try:
                actual = _row(con.execute("select count(*) from read_parquet(?)", [str(parquet)]))[0]
            except duckdb.Error as exc:
                out.problems.append(
                    f"published: Parquet {parquet.name} unreadable: {str(exc).splitlines()[0]}"
                )
                continue
            if actual != rows:
                out.problems.append(f"published: Parquet {parquet.name} has {actual} rows, not {rows}")
        releases = json.loads(releases_json or "{}")
        ledger = set(
            con.execute("select dataset_id, release_id from raw.releases where status = 'loaded'").fetchall()
        )
        for dataset_id, release_id in sorted(releases.items()):
            if (dataset_id, release_id) not in ledger:
                out.problems.append(
                    f"published: {dataset_id} release {release_id[:12]}… is not a loaded release"
                )
    finally:
        con.close()


def check_debris(settings: Settings, out: Findings) -> None:
    versions = settings.publish_dir / "versions"
    if versions.is_dir():
        out.notes += [f"debris: interrupted publish {p}" for p in sorted(versions.glob(".*"))]
    if (settings.home / "tmp").is_dir():
        out.notes += [f"debris: temporary database {p}" for p in sorted((settings.home / "tmp").iterdir())]


def verify(settings: Settings, rebuild: bool = True) -> Findings:
    """Every check above; raises ``duckdb.IOException`` while another process writes the build file.

    One connection: the build database attached read-only (and used as the default catalog), a
    scratch database under ``$KZW_HOME/tmp`` for the rebuilt raw layer, removed at the end (and by the
    next run's debris sweep if this process dies).
    """
    out = Findings()
    check_debris(settings, out)
    if settings.build_db.exists():
        scratch = settings.home / "tmp" / f"verify-{os.getpid()}.duckdb"
        scratch.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute(f"attach {_quote(str(settings.build_db))} as build (read_only)")
            con.execute(f"attach {_quote(str(scratch))} as scratch")
            con.execute("use build")
            check_landing(settings, con, out)
            if rebuild:
                check_raw_rebuild(con, out)
            stranded = unpublished(loaded_releases_of(con), published_releases(settings.published_db))
            if stranded and settings.published_db.exists():
                out.problems.append(f"loaded but not yet published: {', '.join(stranded)}")
        finally:
            con.close()
            scratch.unlink(missing_ok=True)
            scratch.with_name(scratch.name + ".wal").unlink(missing_ok=True)
    check_publication(settings, out)
    return out

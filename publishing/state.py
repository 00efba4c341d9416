"""Published = loaded: which releases the build database holds and which ones the publication shows.

A refresh killed after ingestion committed a new release (during ``dbt build`` or during publish)
leaves ``raw.releases`` ahead of the published file. Probing the source against ``raw.releases``
then says "no new release" forever. The publication therefore records the release id of every
dataset it was built from (``meta.publication.releases_json``), and the change detectors
(``refresh-if-changed``, the release sensor) compare the two maps here.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

#: The current loaded release of every dataset, as staging reads it: ``raw.current_releases``
#: (ingestion.raw_store, the one definition Python and dbt share).
LOADED_RELEASES_SQL = "select dataset_id, release_id from {schema}.current_releases order by dataset_id"


def loaded_releases_of(con: duckdb.DuckDBPyConnection, schema: str = "raw") -> dict[str, str]:
    """Dataset id -> release id of its current loaded release, read on an open connection."""
    try:
        rows = con.execute(LOADED_RELEASES_SQL.format(schema=schema)).fetchall()
    except duckdb.CatalogException:  # no raw.releases yet
        return {}
    return dict(rows)


def loaded_releases(build_db: Path) -> dict[str, str]:
    """Read-only; raises ``duckdb.IOException`` while a refresh holds the build database."""
    if not build_db.exists():
        return {}
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        return loaded_releases_of(con)
    finally:
        con.close()


def published_releases(published_db: Path) -> dict[str, str] | None:
    """Dataset id -> release id the publication was built from; None when nothing is published yet.

    A publication written before this column existed records no releases: every loaded dataset then
    counts as not yet published, so the next refresh brings the publication up to date once.
    """
    if not published_db.exists():
        return None
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        columns = {row[0] for row in con.execute("describe meta.publication").fetchall()}
        if "releases_json" not in columns:
            return {}
        text = con.execute("select releases_json from meta.publication").fetchone()[0]
    except duckdb.CatalogException:
        return {}
    finally:
        con.close()
    return json.loads(text) if text else {}


def unpublished(loaded: dict[str, str], published: dict[str, str] | None) -> list[str]:
    """Datasets whose current loaded release is not the one published (sorted)."""
    published = published or {}
    return sorted(d for d, release in loaded.items() if published.get(d) != release)

"""Revisions are visible, never silent: what each publication changed against the previous one.

For every dataset whose release differs from the one the previous publication was built from
(``meta.publication.releases_json``), the cells of the two releases (both kept in the append-only raw
layer) are compared on their key (series, region, period): a value ``added``, ``revised`` (both
present, different) or ``retracted`` (published before, now missing or a not-available marker).
The rows go to ``meta.revisions`` of the published file; the ``no_published_value_retracted`` check
warns with the count and datasets of retracted values.
"""

from __future__ import annotations

import duckdb

#: Comments of meta.revisions (publish copies them into the file).
COMMENTS = (
    "What this publication changed against the previous one, one row per changed value: added, "
    "revised, or retracted (published before, now missing or a not-available marker).",
    {
        "version": "Publication version that made the change.",
        "dataset_id": "Catalog dataset id.",
        "series": "Measure within the dataset.",
        "region_code": "Region code (KZ = national).",
        "period_label": "Period label as published.",
        "year": "Year of the period.",
        "change": "'added' | 'revised' | 'retracted'.",
        "old_value": "Value in the previous publication's release (NULL: not published).",
        "new_value": "Value in this publication's release (NULL: missing or a marker).",
        "new_value_flag": "Marker of the new cell ('not_available', 'confidential'), NULL if none or absent.",
        "old_release_id": "Release the previous publication was built from.",
        "new_release_id": "Release this publication is built from.",
    },
)

#: ``build`` is the attached build database, ``pub`` the publication being written; ``changed`` a
#: registered relation (dataset_id, old_release_id, new_release_id) of the datasets whose release moved.
REVISIONS_SQL = """
create table pub.meta.revisions as
with

batches as (

    select
        observations.*,
        max(observations.loaded_at) over (
            partition by observations.dataset_id, observations.release_id
        ) as latest_batch
    from build.raw.observations as observations
    inner join changed
        on
            observations.dataset_id = changed.dataset_id
            and observations.release_id in (changed.old_release_id, changed.new_release_id)

),

cells as (

    select
        batches.*,
        batches.release_id = changed.new_release_id as is_new
    from batches
    inner join changed on batches.dataset_id = changed.dataset_id
    where batches.loaded_at = batches.latest_batch

),

old_cells as (select * from cells where not is_new),

new_cells as (select * from cells where is_new),

compared as (

    select
        coalesce(new_cells.dataset_id, old_cells.dataset_id) as dataset_id,
        coalesce(new_cells.series, old_cells.series) as series,
        coalesce(new_cells.region_code, old_cells.region_code) as region_code,
        coalesce(new_cells.period_label, old_cells.period_label) as period_label,
        coalesce(new_cells.year, old_cells.year) as year,
        old_cells.value as old_value,
        new_cells.value as new_value,
        new_cells.value_flag as new_value_flag,
        case
            when old_cells.value is not null and new_cells.value is null then 'retracted'
            when old_cells.value is null and new_cells.value is not null then 'added'
            when old_cells.value <> new_cells.value then 'revised'
        end as change
    from old_cells
    full outer join new_cells
        on
            old_cells.dataset_id = new_cells.dataset_id
            and old_cells.series = new_cells.series
            and old_cells.region_code = new_cells.region_code
            and old_cells.period_label = new_cells.period_label

)

select
    ?::varchar as version,
    compared.dataset_id,
    compared.series,
    compared.region_code,
    compared.period_label,
    compared.year,
    compared.change,
    compared.old_value,
    compared.new_value,
    compared.new_value_flag,
    changed.old_release_id,
    changed.new_release_id
from compared
inner join changed on compared.dataset_id = changed.dataset_id
where compared.change is not null
order by compared.dataset_id, compared.series, compared.region_code, compared.year, compared.period_label
"""


EMPTY_REVISIONS_DDL = """
create table pub.meta.revisions (
    version varchar, dataset_id varchar, series varchar, region_code varchar, period_label varchar,
    year integer, change varchar, old_value double, new_value double, new_value_flag varchar,
    old_release_id varchar, new_release_id varchar
)
"""


def _has_raw_observations(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_views() where database_name = 'build' and schema_name = 'raw' "
            "and view_name = 'observations'"
        ).fetchone()[0]
        + con.execute(
            "select count(*) from duckdb_tables() where database_name = 'build' and schema_name = 'raw' "
            "and table_name = 'observations'"
        ).fetchone()[0]
    )


def write_revisions(
    con: duckdb.DuckDBPyConnection, version: str, previous: dict[str, str] | None, current: dict[str, str]
) -> dict[str, int]:
    """Create ``pub.meta.revisions``; return the count of rows per change kind.

    ``previous``: the previous publication's releases (None or empty: first publication, or one that
    did not record them: nothing to compare against, the table is empty).
    """
    if not _has_raw_observations(con):
        # A build without a raw layer (marts made elsewhere) has no releases to compare: an empty table.
        con.execute(EMPTY_REVISIONS_DDL)
        return {}
    moved = [
        (d, previous[d], r)
        for d, r in sorted(current.items())
        if previous and d in previous and previous[d] != r
    ]
    con.execute(
        "create temp table changed (dataset_id varchar, old_release_id varchar, new_release_id varchar)"
    )
    try:
        if moved:
            con.executemany("insert into changed values (?, ?, ?)", moved)
        con.execute(REVISIONS_SQL, [version])
    finally:
        con.execute("drop table changed")
    return dict(con.execute("select change, count(*) from pub.meta.revisions group by change").fetchall())

-- noqa: disable=LT02
-- (LT02 off: sqlfluff's jinja templater misplaces indents around jinja call blocks and macro-only jinja.)
{#-
    The current release of one dataset: the latest release whose status is 'loaded' in raw.releases.
    A failed, quarantined or unchanged attempt never becomes current. raw.<dataset> is append-only, so
    a release loaded twice (served again after a newer one) holds two batches: loaded_at picks the
    latest batch of the current release, so no cell is ever counted twice.
    Returns one row (release_id, fetched_at, loaded_at), or no row before the first load.
    first_row_per (macros/cross_engine.sql) is DuckDB's QUALIFY, spelled for Spark where needed.
-#}
{% macro current_release(dataset_id) -%}
    {% call first_row_per(
        [
            'releases.release_id',
            'releases.fetched_at',
            '(select max(batch.loaded_at) from ' ~ source('raw', dataset_id) ~ ' as batch'
            ~ ' where batch.release_id = releases.release_id) as loaded_at',
        ],
        partition_by=none,
        order_by='releases.fetched_at desc, releases.release_id desc',
    ) -%}
    from {{ source('raw', 'releases') }} as releases
    where
        releases.dataset_id = '{{ dataset_id }}'
        and releases.status = 'loaded'
    {%- endcall %}
{%- endmacro %}

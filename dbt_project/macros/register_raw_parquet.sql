{#-
    on-run-start hook: hand the raw layer to an engine that cannot read the DuckDB build file.
    On DuckDB (default) it does nothing: the raw schema is written there by the ingestion.
    On Spark, when KZW_RAW_PARQUET_DIR is set, it declares every table of source `raw` as a Spark table
    over <dir>/<table>.parquet (written by publishing.cross_engine.export_raw_parquet), so staging reads
    `raw.<table>` on either engine with the same sources.yml. Unset, the raw tables must already exist
    in the metastore (e.g. written there by a cluster-side ingestion). Dropping a table declared with a
    LOCATION never deletes its files.
-#}
{% macro register_raw_parquet() -%}
    {{ return(adapter.dispatch('register_raw_parquet')()) }}
{%- endmacro %}

{% macro default__register_raw_parquet() -%}
{%- endmacro %}

{% macro spark__register_raw_parquet() -%}
    {%- set parquet_dir = env_var('KZW_RAW_PARQUET_DIR', '') -%}
    {%- if execute and parquet_dir -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
            {%- do run_query('drop table if exists raw.' ~ node.identifier) -%}
            {%- do run_query(
                'create table raw.' ~ node.identifier ~ " using parquet location '"
                ~ parquet_dir ~ '/' ~ node.identifier ~ ".parquet'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

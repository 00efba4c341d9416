{#-
    The annual measures of the facts, read as data from raw.measure_catalog, which the ingestion writes
    from the catalog (ingestion/catalog.py: each Dataset's `measures`; columns documented in
    models/staging/_sources.yml). No list of measures or datasets lives in dbt.

    measure_catalog()   the relation (use in a from clause)
    measure_names()     measure names in catalog order: the wide facts' columns
    additive_measures() the measures with aggregation 'sum' (parts sum to the whole)

    The two lists are read with run_query when the node runs (dbt compiles a node just before running
    it, after the ingestion has written the table); while dbt only parses (execute false) they are
    empty, which is all parsing needs.
-#}
{% macro measure_catalog() -%}
    {{ source('raw', 'measure_catalog') }}
{%- endmacro %}

{% macro measure_names(aggregation=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select measure from {{ source('raw', 'measure_catalog') }}
        {% if aggregation is not none %}where aggregation = '{{ aggregation }}'{% endif %}
        order by ordinal
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{% macro additive_measures() -%}
    {{ return(measure_names('sum')) }}
{%- endmacro %}

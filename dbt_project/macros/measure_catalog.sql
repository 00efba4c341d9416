{#-
    The annual measures of the facts, read as data from raw.measure_catalog, which the ingestion writes
    from the catalog (ingestion/catalog.py: each Dataset's `measures`; columns documented in
    models/staging/_sources.yml). No list of measures or datasets lives in dbt.

    measure_catalog()          the relation (use in a from clause)
    measure_catalog_rows()     the rows as dicts, in catalog order (the wide facts' column order)
    measure_names()            measure names in catalog order: the wide facts' columns
    additive_measures()        the measures with aggregation 'sum' (parts sum to the whole)
    measure_columns()          the facts' select list of the measures (counts as bigint)
    measure_column_comments()  post-hook: each measure's catalog description as its column comment
    catalog_indicators()       the measures declared as regional indicators (int_indicators__long)

    The rows are read with run_query when the node runs (dbt compiles a node just before running it,
    after the ingestion has written the table); while dbt only parses (execute false) they are empty,
    which is all parsing needs.
-#}
{% macro measure_catalog() -%}
    {{ source('raw', 'measure_catalog') }}
{%- endmacro %}

{% macro measure_catalog_rows(aggregation=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {#- a unit test resolves no source: it reads the build's table itself (its measure columns) -#}
    {%- if model is defined and model.resource_type == 'unit_test' -%}
        {%- set relation = api.Relation.create(database=target.database, schema='raw', identifier='measure_catalog') -%}
    {%- else -%}
        {%- set relation = source('raw', 'measure_catalog') -%}
    {%- endif -%}
    {%- set query -%}
        select * from {{ relation }}
        {% if aggregation is not none %}where aggregation = '{{ aggregation }}'{% endif %}
        order by ordinal
    {%- endset -%}
    {%- set table = run_query(query) -%}
    {%- set rows = [] -%}
    {%- for row in table.rows -%}
        {%- set entry = {} -%}
        {%- for column in table.column_names -%}
            {%- do entry.update({column: row[column]}) -%}
        {%- endfor -%}
        {%- do rows.append(entry) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro measure_names(aggregation=none) -%}
    {{ return(measure_catalog_rows(aggregation) | map(attribute='measure') | list) }}
{%- endmacro %}

{% macro additive_measures() -%}
    {{ return(measure_names('sum')) }}
{%- endmacro %}

{#- One select-list line per measure, each followed by a comma: `measure` or `cast(measure as bigint)`. -#}
{% macro measure_columns() -%}
    {%- for m in measure_catalog_rows() %}
        {% if m.whole_number %}cast({{ m.measure }} as bigint){% else %}{{ m.measure }}{% endif %} as {{ m.measure }},
    {%- endfor %}
{%- endmacro %}

{#-
    Post-hook of the facts: the catalog description of each measure (plus `suffix`, the model's
    geography, and with split_method how split units are re-aggregated) as the comment of its column,
    which the publish step copies into the BI file. The measure columns are documented here rather
    than in the model YAML, which lists only the columns every build has.
-#}
{% macro measure_column_comments(suffix='', split_method=false) -%}
    {%- if execute -%}
        {%- set columns = {} -%}
        {%- for m in measure_catalog_rows() -%}
            {%- set method = '' -%}
            {%- if split_method -%}
                {%- set method = ' sum of parts.' if m.aggregation == 'sum'
                    else ' mean of the parts weighted by ' ~ m.weight_measure ~ '.' -%}
            {%- endif -%}
            {%- do columns.update({m.measure: {
                'name': m.measure, 'quote': false,
                'description': (m.description ~ ' ' ~ suffix ~ method) | trim}}) -%}
        {%- endfor -%}
        {%- do run_query(alter_column_comment(this, columns)) -%}
    {%- endif -%}
{%- endmacro %}

{#-
    The measures declared as regional indicators (Measure.indicator in the catalog), each as a dict
    indicator / unit / expression / definition: the measure times its scale, per person of `population`
    (average annual, published or derived) when per_capita (macros/indicator_catalog.sql adds the
    indicators derived in dbt).
-#}
{% macro catalog_indicators() -%}
    {%- set out = [] -%}
    {%- for m in measure_catalog_rows() if m.indicator is not none -%}
        {%- set scale = m.indicator_scale | float -%}
        {%- set factor = '' if scale == 1 else ' * ' ~ (scale | int if scale == scale | int else scale) -%}
        {%- set expression = m.measure ~ factor ~ (' / nullif(population, 0)' if m.indicator_per_capita else '') -%}
        {%- set how = 'the fact column ' ~ m.measure if expression == m.measure else expression -%}
        {%- do out.append({'indicator': m.indicator, 'unit': m.indicator_unit, 'expression': expression,
                           'definition': m.description ~ ' (' ~ how ~ ')'}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

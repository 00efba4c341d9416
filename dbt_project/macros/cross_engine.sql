-- noqa: disable=LT02
-- (LT02 off: sqlfluff's jinja templater misplaces indents around jinja call blocks and macro-only jinja.)
{#-
    SQL that DuckDB and Spark spell differently, one macro per construct (docs/scaling.md).
    default__ is DuckDB's SQL exactly as the models had it (so the DuckDB build does not change);
    spark__ is the Spark SQL 3.5 equivalent with the same result. Models call the macro by purpose.
-#}

{#- ------------------------------------------------------------------------------------------------
    First row per group: DuckDB's `qualify row_number() over (...) = 1` (Spark 3.5 has no QUALIFY).
    Use as a call block whose body is the query after the select list (from / joins / where):
        {% call first_row_per(['a.x', 'a.y as z'], 'a.x', 'a.y desc') %} from a where ... {% endcall %}
    select_columns: select-list items ('expr' or 'expr as alias'); on Spark the ranking happens in a
    subquery, and the outer select keeps the items' output names, so both engines return the same columns.
------------------------------------------------------------------------------------------------ -#}
{% macro first_row_per(select_columns, partition_by, order_by) -%}
    {{ return(adapter.dispatch('first_row_per')(select_columns, partition_by, order_by, caller())) }}
{%- endmacro %}

{% macro default__first_row_per(select_columns, partition_by, order_by, body) -%}
    select
        {{ select_columns | join(',\n        ') }}
    {{ body }}
    qualify row_number() over (
        {% if partition_by %}partition by {{ partition_by }}{% endif %}
        order by {{ order_by }}
    ) = 1
{%- endmacro %}

{% macro spark__first_row_per(select_columns, partition_by, order_by, body) -%}
    select
        {% for column in select_columns -%}
            {{ kzw_output_name(column) }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from (
        select
            {{ select_columns | join(',\n            ') }},
            row_number() over (
                {% if partition_by %}partition by {{ partition_by }}{% endif %}
                order by {{ order_by }}
            ) as kzw_row_number
        {{ body }}
    ) as ranked
    where kzw_row_number = 1
{%- endmacro %}

{#- The output name of a select-list item: its alias, else the column after the last dot. -#}
{% macro kzw_output_name(column) -%}
    {%- set parts = column.split(' as ') -%}
    {%- if parts | length > 1 -%}{{ parts[-1] | trim }}{%- else -%}{{ column.split('.')[-1] | trim }}{%- endif -%}
{%- endmacro %}

{#- ------------------------------------------------------------------------------------------------
    Sorted string aggregate: DuckDB's `string_agg([distinct] x, delimiter order by x)`.
    Spark: array_join(array_sort(collect_list|collect_set(x))). Both skip NULLs and sort strings by
    their bytes; an empty group gives NULL on both (array_join of an empty array would give '').
    filter: an optional boolean condition (DuckDB FILTER clause; Spark FILTER works on collect_*).
------------------------------------------------------------------------------------------------ -#}
{% macro sorted_string_agg(expression, delimiter, distinct=false, filter=none) -%}
    {{ return(adapter.dispatch('sorted_string_agg')(expression, delimiter, distinct, filter)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expression, delimiter, distinct, filter) -%}
    string_agg({% if distinct %}distinct {% endif %}{{ expression }}, {{ delimiter }} order by {{ expression }})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{% macro spark__sorted_string_agg(expression, delimiter, distinct, filter) -%}
    {%- set filter_clause = ' filter (where ' ~ filter ~ ')' if filter else '' -%}
    case
        when count({{ expression }}){{ filter_clause }} > 0
            then array_join(array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ expression }}){{ filter_clause }}), {{ delimiter }})
    end
{%- endmacro %}

{#- ------------------------------------------------------------------------------------------------
    dbt.listagg on Spark honours its order_by_clause (dbt-spark's own spark__listagg ignores it and
    returns '' for an empty group). Supports 'order by <expression> [asc|desc]': the values are
    collected as (key, value) structs, sorted by key, then by value for equal keys, and joined.
------------------------------------------------------------------------------------------------ -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause=none, limit_num=none) -%}
    {%- set ns = namespace(key=none, descending=false) -%}
    {%- if order_by_clause -%}
        {%- set key = order_by_clause | trim -%}
        {%- if key.lower().startswith('order by ') -%}{%- set key = key[9:] | trim -%}{%- endif -%}
        {%- if key.lower().endswith(' desc') -%}
            {%- set ns.descending = true -%}{%- set key = key[:-5] | trim -%}
        {%- elif key.lower().endswith(' asc') -%}
            {%- set key = key[:-4] | trim -%}
        {%- endif -%}
        {%- if ',' in key -%}
            {%- do exceptions.raise_compiler_error('spark__listagg: one order-by key only, got: ' ~ order_by_clause) -%}
        {%- endif -%}
        {%- set ns.key = key -%}
    {%- endif -%}
    {%- if ns.key is none -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- else -%}
        {%- set sorted = 'array_sort(collect_list(case when (' ~ measure ~ ') is not null then struct(' ~ ns.key
            ~ ' as sort_key, ' ~ measure ~ ' as sort_value) end))' -%}
        {%- if ns.descending -%}{%- set sorted = 'reverse(' ~ sorted ~ ')' -%}{%- endif -%}
        {%- set collected = 'transform(' ~ sorted ~ ', item -> item.sort_value)' -%}
    {%- endif -%}
    {%- if limit_num -%}{%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    case when count({{ measure }}) > 0 then array_join({{ collected }}, {{ delimiter_text }}) end
{%- endmacro %}

{#- ------------------------------------------------------------------------------------------------
    Recursive CTEs: Spark 3.5 has none. `with_recursive()` opens a model's CTE chain ('with recursive'
    on DuckDB, 'with' on Spark); region_descendants() is the one recursive CTE body of the project.
------------------------------------------------------------------------------------------------ -#}
{% macro with_recursive() -%}
    {{ return(adapter.dispatch('with_recursive')()) }}
{%- endmacro %}

{% macro default__with_recursive() -%}with recursive{%- endmacro %}

{% macro spark__with_recursive() -%}with{%- endmacro %}

{#- Every unit of every geography version and each unit split off it after the version's reference
    year, transitively (the unit itself included): columns geo_version, reference_year, region_code,
    descendant_code. cte_name is the CTE this body defines (DuckDB recurses on it). -#}
{% macro region_descendants(cte_name, version_units, lineage) -%}
    {{ return(adapter.dispatch('region_descendants')(cte_name, version_units, lineage)) }}
{%- endmacro %}

{% macro default__region_descendants(cte_name, version_units, lineage) -%}
    select
        geo_version,
        reference_year,
        region_code,
        region_code as descendant_code
    from {{ version_units }}

    union all

    select
        {{ cte_name }}.geo_version,
        {{ cte_name }}.reference_year,
        {{ cte_name }}.region_code,
        {{ lineage }}.child_region_code as descendant_code
    from {{ cte_name }}
    inner join {{ lineage }}
        on
            {{ cte_name }}.descendant_code = {{ lineage }}.parent_region_code
            and {{ cte_name }}.reference_year < {{ lineage }}.split_year
{%- endmacro %}

{#- Spark: the recursion unrolled to a fixed depth (a split of a split of a split; Kazakhstan's
    lineage is one level deep), plus one more level that fails the query if it finds any row, so a
    deeper lineage can never be truncated silently. -#}
{% macro spark__region_descendants(cte_name, version_units, lineage, max_depth=3) -%}
    {%- for depth in range(max_depth + 2) %}
    {% if not loop.first %}union all{% endif %}
    select
        units.geo_version,
        units.reference_year,
        units.region_code,
        {% if depth == 0 %}units.region_code{% else %}level_{{ depth }}.child_region_code{% endif %} as descendant_code
    from {{ version_units }} as units
    {%- for level in range(1, depth + 1) %}
    inner join {{ lineage }} as level_{{ level }}
        on
            {% if level == 1 %}units.region_code{% else %}level_{{ level - 1 }}.child_region_code{% endif %}
            = level_{{ level }}.parent_region_code
            and units.reference_year < level_{{ level }}.split_year
    {%- endfor %}
    {%- if depth == max_depth + 1 %}
    {#- the message names columns of both ends, so the optimizer cannot evaluate it before the join #}
    where raise_error(
        'region_boundary_lineage is deeper than {{ max_depth }} levels (raise max_depth): '
        || units.region_code || ' -> ' || level_{{ depth }}.child_region_code
    ) is null
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- ------------------------------------------------------------------------------------------------
    Spark spellings of helpers dispatched elsewhere (kept here so the files that define them stay
    engine-neutral): Spark has no `double precision` type name, and neither DuckDB's fmt-style
    format() nor its list functions.
------------------------------------------------------------------------------------------------ -#}

{#- format_number rounds half-even on the binary value and groups thousands with ',', as DuckDB's
    format('{:,.Nf}') does ('-0.0' for a small negative number on both). -#}
{% macro spark__quality_fmt(expression, decimals) -%}
    format_number({{ expression }}, {{ decimals }})
{%- endmacro %}

{% macro spark__quality_release_ids(expression, datasets) -%}
    nullif(array_join(array_sort(array_distinct(filter(
        split({{ expression }}, ';'),
        token -> split_part(token, ':', 1) in ('{{ datasets | join("', '") }}')
    ))), ';'), '')
{%- endmacro %}

{% macro spark__quality_release_ids_agg(expression, datasets) -%}
    {{ spark__quality_release_ids("concat_ws(';', collect_list(" ~ expression ~ "))", datasets) }}
{%- endmacro %}

{#- ------------------------------------------------------------------------------------------------
    An apostrophe inside a quoted string literal: '' in DuckDB (standard SQL); Spark reads 'a''b' as
    two adjacent literals ('ab'), so it needs a backslash escape. Write 'the region{{ apostrophe() }}s'.
------------------------------------------------------------------------------------------------ -#}
{% macro apostrophe() -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('apostrophe')()) }}
    {%- else -%}
        {{ return("''") }}
    {%- endif -%}
{%- endmacro %}

{% macro default__apostrophe() -%}''{%- endmacro %}

{% macro spark__apostrophe() -%}\'{%- endmacro %}

{#- ------------------------------------------------------------------------------------------------
    The share of a group's rows where a condition holds, as a double. DuckDB averages the decimal
    literals 1.0 / 0.0 into a double; Spark would keep avg(decimal) a decimal rounded to 5 places,
    so Spark averages double literals (1.0D) instead.
------------------------------------------------------------------------------------------------ -#}
{% macro share_where(condition) -%}
    {{ return(adapter.dispatch('share_where')(condition)) }}
{%- endmacro %}

{% macro default__share_where(condition) -%}
    avg(case when {{ condition }} then 1.0 else 0.0 end)
{%- endmacro %}

{% macro spark__share_where(condition) -%}
    avg(case when {{ condition }} then 1.0D else 0.0D end)
{%- endmacro %}


{#-
    The 8-byte floating-point type every measure, index and quality statistic is cast to. One
    mechanism for the whole project (dbt.type_float() is a 4-byte REAL on DuckDB, which would lose the
    1e-9 accuracy the tests demand); kzw_ineq_double, quality_double and indices_type_double return it.
    (The `adapter is defined` guard lets `sqlfluff lint` with the plain jinja templater render it.)
-#}
{% macro kzw_double() -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('kzw_double')()) }}
    {%- else -%}
        {{ return('double') }}
    {%- endif -%}
{%- endmacro %}

{% macro default__kzw_double() -%}double precision{%- endmacro %}

{% macro duckdb__kzw_double() -%}double{%- endmacro %}

{% macro spark__kzw_double() -%}double{%- endmacro %}

{% macro bigquery__kzw_double() -%}float64{%- endmacro %}

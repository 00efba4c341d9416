{#-
    Parameters and inputs of the anomaly flags (METHODS.md section 5.2, rules A1-A7; models/intermediate/quality,
    models/marts/quality/mart_quality_flags). Every threshold is a dbt var of the block "Quality flags" in
    dbt_project.yml; there is deliberately no second copy of the defaults here, so a missing var fails the
    compile instead of silently using another number.
-#}

{#- The value of a quality var (compile error when it is not set). -#}
{% macro quality_param(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none -%}
        {{ exceptions.raise_compiler_error("dbt var " ~ name ~ " (quality flags) is not set: see dbt_project.yml") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#-
    The per-capita indicators the national-level rules (A1, A2) and the dominance rule (A6) look at. Names
    follow int_indicators__long. regional / national: expression on a row of fct_region_year /
    fct_national_year; datasets: the catalog datasets the value is made of (source_release_ids keeps only
    these); label: plain words for the explanations.
-#}
{% macro quality_indicator_catalog() -%}
    {{ return([
        {'indicator': 'grp_per_capita_kzt', 'label': 'GRP per capita',
         'unit': 'KZT per person per year', 'short_unit': 'KZT a year',
         'regional': 'grp_per_capita_kzt', 'national': 'grp_per_capita_kzt',
         'datasets': ['grp_nominal', 'population_average']},
        {'indicator': 'grp_per_capita_published_kzt', 'label': 'GRP per capita as published by BNS',
         'unit': 'KZT per person per year', 'short_unit': 'KZT a year',
         'regional': 'grp_per_capita_thousand_kzt * 1000', 'national': 'grp_per_capita_thousand_kzt * 1000',
         'datasets': ['grp_per_capita', 'population_average']},
        {'indicator': 'grp_per_capita_usd', 'label': 'GRP per capita in US dollars as published by BNS',
         'unit': 'USD per person per year', 'short_unit': 'USD a year',
         'regional': 'grp_per_capita_usd', 'national': 'grp_per_capita_usd',
         'datasets': ['grp_per_capita', 'population_average']},
        {'indicator': 'money_income_per_capita_kzt_month', 'label': 'money income per capita',
         'unit': 'KZT per person per month', 'short_unit': 'KZT a month',
         'regional': 'money_income_per_capita_kzt_month', 'national': 'money_income_per_capita_kzt_month',
         'datasets': ['income_annual', 'population_average']},
    ]) }}
{%- endmacro %}

{#- The catalog entries of the indicators named in a list var (compile error on an unknown name). -#}
{% macro quality_indicators(names) -%}
    {%- set catalog = quality_indicator_catalog() -%}
    {%- set known = catalog | map(attribute='indicator') | list -%}
    {%- for name in names if name not in known -%}
        {{ exceptions.raise_compiler_error("unknown quality indicator " ~ name ~ "; known: " ~ known | join(', ')) }}
    {%- endfor -%}
    {{ return(catalog | selectattr('indicator', 'in', names) | list) }}
{%- endmacro %}

{#-
    A number as text for the explanations, with `decimals` decimals (DuckDB: thousands separators,
    1,617,312.5; other engines: plain cast of the rounded value).
    (The `adapter is defined` guard lets `sqlfluff lint` with the plain jinja templater render it.)
-#}
{% macro quality_fmt(expression, decimals=1) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('quality_fmt')(expression, decimals)) }}
    {%- else -%}
        {{ return(duckdb__quality_fmt(expression, decimals)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__quality_fmt(expression, decimals) -%}
    cast(round({{ expression }}, {{ decimals }}) as {{ quality_string() }})
{%- endmacro %}

{% macro duckdb__quality_fmt(expression, decimals) -%}
    format('{:,.{{ decimals }}f}', {{ expression }})
{%- endmacro %}

{#- A share as a percentage text: 0.1977 -> '19.8%'. -#}
{% macro quality_pct(expression, decimals=1) -%}
    {{ quality_fmt('100.0 * (' ~ expression ~ ')', decimals) }} || '%'
{%- endmacro %}

{#-
    Keep, of a ';'-separated list of 'dataset_id:release_id' tokens (the facts' source_release_ids), the
    tokens of the given datasets, sorted and distinct. DuckDB list functions; other engines: the list as is.
-#}
{% macro quality_release_ids(expression, datasets) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('quality_release_ids')(expression, datasets)) }}
    {%- else -%}
        {{ return(duckdb__quality_release_ids(expression, datasets)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__quality_release_ids(expression, datasets) -%}
    {{ expression }}
{%- endmacro %}

{% macro duckdb__quality_release_ids(expression, datasets) -%}
    nullif(array_to_string(list_sort(list_distinct(list_filter(
        string_split({{ expression }}, ';'),
        token -> split_part(token, ':', 1) in ('{{ datasets | join("', '") }}')
    ))), ';'), '')
{%- endmacro %}

{#-
    The same for a whole group of rows (aggregate): the distinct tokens of the given datasets over all
    rows. DuckDB only (string_split + list functions); other engines: string_agg of the lists.
-#}
{% macro quality_release_ids_agg(expression, datasets) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('quality_release_ids_agg')(expression, datasets)) }}
    {%- else -%}
        {{ return(duckdb__quality_release_ids_agg(expression, datasets)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__quality_release_ids_agg(expression, datasets) -%}
    string_agg(distinct {{ expression }}, ';')
{%- endmacro %}

{% macro duckdb__quality_release_ids_agg(expression, datasets) -%}
    {{ duckdb__quality_release_ids("string_agg(" ~ expression ~ ", ';')", datasets) }}
{%- endmacro %}

{#- 8-byte floating point (dbt.type_float() is a 4-byte REAL on DuckDB). -#}
{% macro quality_double() -%}
    {{ return(kzw_double()) }}
{%- endmacro %}

{% macro quality_string() -%}
    {%- if adapter is defined -%}
        {{ return(dbt.type_string()) }}
    {%- else -%}
        {{ return('varchar') }}
    {%- endif -%}
{%- endmacro %}

{#- An attribute of the indicator catalog (label, unit, short_unit) as a SQL case on an indicator column. -#}
{% macro quality_indicator_text(column, attribute) -%}
    case {{ column }}
    {%- for i in quality_indicator_catalog() %}
        when '{{ i.indicator }}' then '{{ i[attribute] }}'
    {%- endfor %}
    end
{%- endmacro %}

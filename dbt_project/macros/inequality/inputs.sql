{#-
    Inputs and settings of the inequality marts, all overridable with dbt vars (defaults live here,
    not in dbt_project.yml):

    kzw_ineq_input_relation      relation to read instead of ref('int_indicators__long'),
                                 e.g. 'fixtures.int_indicators__long' (used by the toy test)
    kzw_ineq_adjacency_relation  relation to read instead of ref('region_adjacency')
    kzw_ineq_invalid_row_policy  'exclude' (default, METHODS section 0: flag and exclude the row,
                                 count it in n_excluded) or 'null' (any excluded row makes the
                                 measure NULL with null_reason 'invalid_input_rows')
    kzw_ineq_atkinson_epsilons   inequality-aversion parameters (default [0.5, 1, 2])
    kzw_ineq_partitions          input columns holding group labels, one between/within
                                 decomposition each (default in dbt_project.yml:
                                 [macro_region, region_type])
    kzw_ineq_enclave_region_type region_type dropped by the "excluding enclave cities" Moran
                                 variant (default 'city': Astana KZ-71, Almaty KZ-75, Shymkent KZ-79)
    kzw_convergence_windows      window lengths for beta and sigma convergence (default [5, 10]), in
                                 years, or in the series' own time step when
                                 kzw_convergence_window_unit is 'steps' (default 'years', in
                                 dbt_project.yml); the whole period of each geo_version is always
                                 added unless kzw_convergence_whole_period is false
    kzw_convergence_min_regions  minimum regions for a beta regression (default 3: SE needs n - 2 > 0)
    kzw_sigma_trend_min_years    minimum years for the sigma trend regression (default 3)
    kzw_national_match_tolerance rule A1: published value "equals" a mean when within this relative
                                 tolerance (default 0.005)
    kzw_national_mismatch_tolerance  rule A1: relative gap above which it does not (default 0.02)

    The overrides are resolved at parse time, so a run with kzw_ineq_input_relation set has no
    dependency on int_indicators__long (select only the inequality marts in such a run).
-#}

{% macro kzw_ineq_input_relation() -%}
    {%- set override = var('kzw_ineq_input_relation', none) -%}
    {%- if override -%}{{ override }}{%- else -%}{{ ref('int_indicators__long') }}{%- endif -%}
{%- endmacro %}

{% macro kzw_ineq_adjacency_relation() -%}
    {%- set override = var('kzw_ineq_adjacency_relation', none) -%}
    {%- if override -%}{{ override }}{%- else -%}{{ ref('region_adjacency') }}{%- endif -%}
{%- endmacro %}

{% macro kzw_ineq_invalid_row_policy() -%}
    {%- set policy = var('kzw_ineq_invalid_row_policy') -%}
    {%- if policy not in ['exclude', 'null'] -%}
        {{ exceptions.raise_compiler_error("kzw_ineq_invalid_row_policy must be 'exclude' or 'null', got " ~ policy) }}
    {%- endif -%}
    {{ return(policy) }}
{%- endmacro %}

{% macro kzw_ineq_atkinson_epsilons() -%}
    {{ return(var('kzw_ineq_atkinson_epsilons')) }}
{%- endmacro %}

{#-
    The named partitions of the between/within decompositions: columns of the input relation that
    hold a group label per region (var kzw_ineq_partitions, default in dbt_project.yml:
    [macro_region, region_type]). Any number; each becomes a partition_name of
    mart_inequality_decomposition.
-#}
{% macro kzw_ineq_partitions() -%}
    {%- set partitions = var('kzw_ineq_partitions') -%}
    {%- if partitions is string or partitions | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "var kzw_ineq_partitions must be a non-empty list of column names, got " ~ partitions
        ) }}
    {%- endif -%}
    {{ return(partitions) }}
{%- endmacro %}

{#- The grain of one cross-section: one indicator in one year on one geography. -#}
{% macro kzw_ineq_key_columns() -%}
    {{ return(['geography', 'geo_version', 'indicator', 'unit', 'year']) }}
{%- endmacro %}

{#-
    The input rows, typed. published_national_value is carried for mart_national_level only.
-#}
{% macro kzw_ineq_observations() -%}
    select
        cast(geography as {{ dbt.type_string() }}) as geography,
        cast(geo_version as {{ dbt.type_string() }}) as geo_version,
        cast(indicator as {{ dbt.type_string() }}) as indicator,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(year as {{ dbt.type_int() }}) as year,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(region_type as {{ dbt.type_string() }}) as region_type,
    {%- set selected = kzw_ineq_key_columns() + ['region_code', 'region_type'] %}
    {%- for partition in kzw_ineq_partitions() if partition not in selected %}
        cast({{ partition }} as {{ dbt.type_string() }}) as {{ partition }},
    {%- endfor %}
        cast(value as {{ kzw_ineq_double() }}) as y,
        cast(population as {{ kzw_ineq_double() }}) as population,
        cast(published_national_value as {{ kzw_ineq_double() }}) as published_national_value
    from {{ kzw_ineq_input_relation() }}
{%- endmacro %}

{#-
    Why a row cannot enter a measure, NULL when it can (METHODS.md section 0: flag and exclude, never
    add an epsilon). domain 'non_negative' admits y >= 0, 'positive' only y > 0; the population-
    weighted form also needs a positive population.
-#}
{% macro kzw_ineq_exclusion_reason(y, population, weighting, domain) -%}
    case
        when {{ y }} is null then 'null_value'
        when {{ weighting }} = 'population_weighted' and {{ population }} is null then 'missing_population'
        when {{ weighting }} = 'population_weighted' and {{ population }} <= 0 then 'non_positive_population'
        when {{ domain }} = 'positive' and {{ y }} <= 0 then 'non_positive_value'
        when {{ domain }} = 'non_negative' and {{ y }} < 0 then 'negative_value'
    end
{%- endmacro %}

{#- Null-safe equality of the listed columns of two relations, for join conditions. -#}
{% macro kzw_ineq_join_on(left, right, columns) -%}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- do conditions.append(left ~ '.' ~ column ~ ' is not distinct from ' ~ right ~ '.' ~ column) -%}
    {%- endfor -%}
    {{ conditions | join('\n        and ') }}
{%- endmacro %}

{#- SQL boolean literal: true when var kzw_ineq_invalid_row_policy is 'null'. -#}
{% macro kzw_ineq_null_on_invalid_rows() -%}
    {{ 'true' if kzw_ineq_invalid_row_policy() == 'null' else 'false' }}
{%- endmacro %}

{#- "alias.column" for each column, comma-separated (a select list fragment without trailing comma). -#}
{% macro kzw_ineq_qualified_columns(alias, columns) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append(alias ~ '.' ~ column) -%}
    {%- endfor -%}
    {{ qualified | join(',\n        ') }}
{%- endmacro %}

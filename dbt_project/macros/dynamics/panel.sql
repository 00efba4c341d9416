{#-
    Inputs shared by the regional dynamics marts (models/marts/dynamics; docs/methodology_dynamics.md).

    The dynamics marts read the same published region panel as the inequality marts
    (kzw_ineq_observations(): int_indicators__long, or the relation named by var
    kzw_ineq_input_relation) and the same contiguity seed (kzw_ineq_adjacency_relation()), so
    a toy panel can be swapped in exactly as for the inequality marts.

    kzw_dynamics_indicators   indicators analysed (default GRP per capita and money income per
                              capita; dbt_project.yml)
-#}

{% macro kzw_dyn_indicators() -%}
    {{ return(var('kzw_dynamics_indicators')) }}
{%- endmacro %}

{#- SQL list literal of the analysed indicators, e.g. ('a', 'b'). -#}
{% macro kzw_dyn_indicator_list() -%}
    ({%- for indicator in kzw_dyn_indicators() -%}'{{ indicator }}'{{ ', ' if not loop.last }}{%- endfor -%})
{%- endmacro %}

{#-
    One row per geography, geo_version, indicator, year and region with a value: the panel of the
    analysed indicators. Rows with a NULL value are dropped here (no statistic can use them).
-#}
{% macro kzw_dyn_panel() -%}
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        region_code,
        region_type,
        macro_region,
        y,
        population
    from ({{ kzw_ineq_observations() }}) as observations
    where indicator in {{ kzw_dyn_indicator_list() }} and y is not null
{%- endmacro %}

{#-
    Ordered contiguity pairs (region_code, neighbour_code) between units of `units` that share the
    values of `partition` (a list of columns that includes geo_version), with both units' y. Both
    directions of a contiguity are returned (the seed is stored symmetric; duplicates and self-pairs
    are dropped).
-#}
{% macro kzw_dyn_neighbour_pairs(units, partition) -%}
    select
        {{ kzw_ineq_qualified_columns('unit_a', partition) }},
        unit_a.region_code,
        unit_b.region_code as neighbour_code,
        unit_a.y,
        unit_b.y as neighbour_y
    from {{ units }} as unit_a
    inner join ({{ kzw_dyn_adjacency() }}) as adjacency
        on
            unit_a.geo_version = adjacency.geo_version
            and unit_a.region_code = adjacency.region_a
    inner join {{ units }} as unit_b
        on
            {{ kzw_ineq_join_on('unit_a', 'unit_b', partition) }}
            and unit_b.region_code = adjacency.region_b
{%- endmacro %}

{#- The contiguity pairs (region_a, region_b, geo_version), distinct, without self-pairs. -#}
{% macro kzw_dyn_adjacency() -%}
    select distinct
        cast(region_a as {{ dbt.type_string() }}) as region_a,
        cast(region_b as {{ dbt.type_string() }}) as region_b,
        cast(geo_version as {{ dbt.type_string() }}) as geo_version
    from {{ kzw_ineq_adjacency_relation() }}
    where region_a <> region_b
{%- endmacro %}

{#- The city scopes of the spatial statistics, as in mart_spatial_autocorrelation. -#}
{% macro kzw_dyn_city_scoped(units) -%}
    select
        units.*,
        scopes.city_scope
    from {{ units }} as units
    cross join (values ('all_regions'), ('excluding_enclave_cities')) as scopes (city_scope)
    where not (
        scopes.city_scope = 'excluding_enclave_cities'
        and units.region_type = '{{ var('kzw_ineq_enclave_region_type') }}'
    )
{%- endmacro %}

{#-
    Every pair of years (start_year, end_year = start_year + lag) of one region within one
    geography and geo_version, for each lag of `lags`: the spans of the mobility marts. A region
    must have a value in both years; a span never crosses a boundary change because both ends
    share the geo_version (as_published) or lie on the stable comparable map.
-#}
{% macro kzw_dyn_spans(panel, lags) -%}
    select
        start_obs.geography,
        start_obs.geo_version,
        start_obs.indicator,
        start_obs.unit,
        lags.lag_years,
        start_obs.year as start_year,
        end_obs.year as end_year,
        start_obs.region_code,
        start_obs.macro_region,
        start_obs.y as y_start,
        end_obs.y as y_end
    from {{ panel }} as start_obs
    cross join (
        values {% for lag in lags %}({{ lag }}){{ ', ' if not loop.last }}{% endfor %}
    ) as lags (lag_years)
    inner join {{ panel }} as end_obs
        on
            start_obs.geography = end_obs.geography
            and start_obs.geo_version = end_obs.geo_version
            and start_obs.indicator = end_obs.indicator
            and start_obs.region_code = end_obs.region_code
            and end_obs.year = start_obs.year + lags.lag_years
{%- endmacro %}

{#-
    The q-quantile of an aggregate group with linear interpolation between order statistics
    (numpy.percentile's default, used by mapclassify.Quantiles). Spark's percentile() is the same
    definition.
-#}
{% macro kzw_dyn_quantile(x, q) -%}
    {{ return(adapter.dispatch('kzw_dyn_quantile', 'kz_inequality')(x, q)) }}
{%- endmacro %}

{% macro default__kzw_dyn_quantile(x, q) -%}
    quantile_cont({{ x }}, {{ q }})
{%- endmacro %}

{% macro spark__kzw_dyn_quantile(x, q) -%}
    percentile({{ x }}, {{ q }})
{%- endmacro %}

{#-
    The national level of a per-capita indicator three ways (METHODS.md sections 0 and 5.2):

        published      the published national row (published_national_value of the input)
        pop_weighted   mu_w = sum(y_r p_r) / sum(p_r) = total / total, the true national value
        arithmetic     mu_u = (1/n) sum y_r, the unweighted mean of regions (NOT the national value)

    A national aggregate over an incomplete set of regions is a wrong number, so mu_w is NULL when any
    region of the cross-section lacks a value or a positive population, and mu_u is NULL when any
    region lacks a value (null reasons say which).
-#}
{% macro kzw_ineq_national_level_stats(observations) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    select
        {{ key | join(',\n        ') }},
        count(*) as n_regions,
        count(y) as n_regions_with_value,
        count(case when population > 0 then 1 end) as n_regions_with_population,
        sum(case when y is not null and population > 0 then population end) as total_population,
        sum(case when y is not null and population > 0 then y * population end) as total_output,
        avg(y) as arithmetic_mean_raw,
        {{ kzw_ineq_div(
            'sum(case when y is not null and population > 0 then y * population end)',
            'sum(case when y is not null and population > 0 then population end)'
        ) }} as pop_weighted_mean_raw,
        min(published_national_value) as published_min,
        max(published_national_value) as published_max,
        {{ dbt.listagg(
            "case when y is null or population is null or population <= 0 then region_code end",
            "', '",
            "order by region_code"
        ) }} as incomplete_regions
    from {{ observations }}
    group by {{ key | join(', ') }}
{%- endmacro %}

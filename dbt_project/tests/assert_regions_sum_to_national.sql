-- An asset check of fct_region_year in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'fct_region_year'}}}) }}
-- For every year and additive measure, the regions of the as-published map (split years handled: the
-- units of the year's map, finer publications re-aggregated, successors listed beside South Kazakhstan
-- dropped) sum to the published national row within rounding (var kzw_national_sum_tolerance, relative).
-- Only measure-years where every unit of the year's map has a value are compared; incomplete ones are
-- reported by assert_additive_measures_complete.
{%- set additive = additive_measures() %}
with

regional as (

    select * from {{ ref('fct_region_year') }}

),

national as (

    select * from {{ ref('fct_national_year') }}

),

sums as (

    {% for m in additive -%}
        select
            year,
            '{{ m }}' as measure,
            count(*) as n_units,
            count({{ m }}) as n_values,
            sum({{ m }}) as regions_sum
        from regional
        group by year
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

national_long as (

    {% for m in additive -%}
        select
            year,
            '{{ m }}' as measure,
            cast({{ m }} as double) as national_value
        from national
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

compared as (

    select
        sums.year,
        sums.measure,
        sums.n_units,
        sums.n_values,
        sums.regions_sum,
        national_long.national_value,
        sums.regions_sum / national_long.national_value - 1 as relative_difference
    from sums
    inner join national_long
        on
            sums.year = national_long.year
            and sums.measure = national_long.measure
    where
        national_long.national_value is not null
        and sums.n_values = sums.n_units

)

select * from compared
where abs(relative_difference) > {{ var('kzw_national_sum_tolerance') }}

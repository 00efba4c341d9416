{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_region_year'}}}) }}
-- Warn (not fail) about measure-years where the national row is published but some unit of the year's
-- map has no value, so assert_regions_sum_to_national cannot compare them (e.g. a part not published).
{%- set additive = additive_measures() %}
with

regional as (

    select * from {{ ref('fct_region_year') }}

),

national as (

    select * from {{ ref('fct_national_year') }}

)

{% for m in additive -%}
    select
        regional.year,
        '{{ m }}' as measure,
        count(*) as n_units,
        count(regional.{{ m }}) as n_values,
        string_agg(regional.region_code, ',') filter (where regional.{{ m }} is null) as units_without_value
    from regional
    inner join national
        on regional.year = national.year
    where national.{{ m }} is not null
    group by regional.year
    having count(regional.{{ m }}) < count(*)
    {% if not loop.last %}
        union all
    {% endif -%}
{% endfor %}

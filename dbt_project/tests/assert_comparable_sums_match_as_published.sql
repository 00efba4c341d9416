-- An asset check of fct_region_year_comparable in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'fct_region_year_comparable'}}}) }}
-- Re-aggregation loses nothing: for every year and additive measure, the stable units sum to the same
-- total as the as-published units whenever both are complete.
-- depends_on: {{ ref('fct_region_year') }}, {{ ref('fct_region_year_comparable') }}
-- (the refs sit in a loop over the additive measures, which are read from raw.measure_catalog at run time)
{%- set additive = additive_measures() %}
with

totals as (

    {% for m in additive -%}
        select
            'as_published' as geography,
            year,
            '{{ m }}' as measure,
            count(*) = count({{ m }}) as is_complete,
            sum({{ m }}) as total
        from {{ ref('fct_region_year') }}
        group by year

        union all

        select
            'comparable' as geography,
            year,
            '{{ m }}' as measure,
            count(*) = count({{ m }}) as is_complete,
            sum({{ m }}) as total
        from {{ ref('fct_region_year_comparable') }}
        group by year
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

)

select
    as_published.year,
    as_published.measure,
    as_published.total as as_published_total,
    comparable.total as comparable_total
from totals as as_published
inner join totals as comparable
    on
        as_published.year = comparable.year
        and as_published.measure = comparable.measure
        and comparable.geography = 'comparable'
where
    as_published.geography = 'as_published'
    and as_published.is_complete
    and comparable.is_complete
    and abs(as_published.total - comparable.total) > 1e-6 * greatest(abs(as_published.total), 1)

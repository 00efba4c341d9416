-- Regional indicators in long form for the inequality marts: one row per geography x year x region x
-- indicator, regions only (no national row), with the average annual population of the same territory
-- and year and the published national value of the indicator-year.
--
-- grp_per_capita_kzt is COMPUTED: grp_mln_kzt * 1e6 / population_avg (KZT per person per year), so
-- that sum(value * population) / sum(population) is exactly national GRP / national population
-- (METHODS.md section 0) in both geographies. The figure BNS publishes is grp_per_capita_published_kzt.
{#- The indicators derived in dbt (wide facts' computed columns), then every measure the catalog
    declares as an indicator (Measure.indicator in ingestion/catalog.py; macros/measure_catalog.sql). -#}
{%- set indicators = [
    {'indicator': 'grp_per_capita_kzt', 'expression': 'grp_per_capita_kzt', 'unit': 'KZT per person per year'},
    {'indicator': 'physicians_per_10k', 'expression': 'physicians_per_10k', 'unit': 'physicians per 10,000 population'},
] + catalog_indicators() %}
with

regional as (

    select * from {{ ref('int_region_year__wide') }}

),

national as (

    select * from {{ ref('int_national_year__wide') }}

),

regional_long as (

    {% for i in indicators -%}
        select
            geography,
            geo_version,
            year,
            region_code,
            region_type,
            macro_region,
            '{{ i.indicator }}' as indicator,
            '{{ i.unit }}' as unit,
            cast({{ i.expression }} as double) as value,
            cast(population_avg as double) as population
        from regional
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

national_long as (

    {% for i in indicators -%}
        select
            year,
            '{{ i.indicator }}' as indicator,
            cast({{ i.expression }} as double) as published_national_value
        from national
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

final as (

    select
        regional_long.geography,
        regional_long.geo_version,
        cast(regional_long.year as integer) as year,
        regional_long.region_code,
        regional_long.region_type,
        regional_long.macro_region,
        regional_long.indicator,
        regional_long.unit,
        regional_long.value,
        regional_long.population,
        national_long.published_national_value
    from regional_long
    left join national_long
        on
            regional_long.year = national_long.year
            and regional_long.indicator = national_long.indicator
    where regional_long.value is not null

)

select * from final

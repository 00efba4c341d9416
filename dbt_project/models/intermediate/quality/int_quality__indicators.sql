-- The per-capita indicators of the national-level and dominance anomaly rules (A1, A2, A6; METHODS.md
-- section 5.2) in long form: one row per region x year x indicator in the geography of the year (as
-- published), with the average annual population of the same row and the published national value.
-- Indicators: the union of the vars quality_a1_indicators, quality_a2_indicators, quality_a6_indicators
-- (catalog in macros/quality/quality_params.sql). Rows with a NULL value are kept: completeness is judged
-- downstream (a national aggregate over an incomplete set of regions is never computed).
{%- set names = (quality_param('quality_a1_indicators') + quality_param('quality_a2_indicators')
    + quality_param('quality_a6_indicators')) | unique | list %}
{%- set indicators = quality_indicators(names) %}
with

regional as (

    select * from {{ ref('fct_region_year') }}

),

national as (

    select * from {{ ref('fct_national_year') }}

),

regional_long as (

    {% for i in indicators -%}
        select
            geo_version,
            region_code,
            region_name_en,
            '{{ i.indicator }}' as indicator,
            '{{ i.unit }}' as unit,
            cast(year as integer) as year,
            cast({{ i.regional }} as {{ quality_double() }}) as value,
            cast(population_avg as {{ quality_double() }}) as population,
            {{ quality_release_ids('source_release_ids', i.datasets) }} as source_release_ids
        from regional
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

national_long as (

    {% for i in indicators -%}
        select
            '{{ i.indicator }}' as indicator,
            cast(year as integer) as year,
            cast({{ i.national }} as {{ quality_double() }}) as published_national_value,
            {{ quality_release_ids('source_release_ids', i.datasets) }} as national_source_release_ids
        from national
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

final as (

    select
        'as_published' as geography,
        regional_long.geo_version,
        regional_long.indicator,
        regional_long.unit,
        regional_long.year,
        regional_long.region_code,
        regional_long.region_name_en,
        regional_long.value,
        regional_long.population,
        national_long.published_national_value,
        regional_long.source_release_ids,
        national_long.national_source_release_ids
    from regional_long
    left join national_long
        on
            regional_long.year = national_long.year
            and regional_long.indicator = national_long.indicator

)

select * from final

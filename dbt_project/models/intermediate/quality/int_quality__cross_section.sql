-- Cross-sectional statistics behind the anomaly rules A1 (national aggregation), A2 (masking gap) and A6
-- (single-region dominance), METHODS.md sections 3 and 5.2. One row per geography x indicator x year x
-- sample: all regions of the year (excluded_region_code NULL) and, for the indicators of the var
-- quality_a6_indicators, every leave-one-out sample (all regions but excluded_region_code) with the
-- relative fall of Theil T_w, Williamson V_w and the max/min ratio against the full sample.
-- Only complete cross-sections are kept: every region of the year has a positive value and a positive
-- average population (METHODS section 3: a national aggregate over part of the regions is a wrong number).
{%- set a6_indicators = quality_param('quality_a6_indicators') %}
{%- set key = ['geography', 'geo_version', 'indicator', 'unit', 'year'] %}
{%- set datasets = quality_indicator_catalog() | map(attribute='datasets') | sum(start=[]) | unique | list %}
with

observations as (

    select * from {{ ref('int_quality__indicators') }}

),

cross_sections as (

    select
        {{ key | join(',\n        ') }},
        count(*) as n_regions_expected,
        count(case when value > 0 and population > 0 then 1 end) as n_regions_valid,
        min(published_national_value) as published_min,
        max(published_national_value) as published_max,
        {{ quality_release_ids_agg('source_release_ids', datasets) }} as regional_source_release_ids,
        max(national_source_release_ids) as national_source_release_ids
    from observations
    group by {{ key | join(', ') }}

),

complete_cross_sections as (

    select
        *,
        case when published_min = published_max then published_min end as published_national_value
    from cross_sections
    where n_regions_valid = n_regions_expected

),

-- The indicators with leave-one-out samples (var quality_a6_indicators).
dominance_indicators as (

    {% for name in a6_indicators -%}
        select '{{ name }}' as indicator
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

valid as (

    select observations.*
    from observations
    inner join complete_cross_sections
        on
            observations.geography = complete_cross_sections.geography
            and observations.geo_version = complete_cross_sections.geo_version
            and observations.indicator = complete_cross_sections.indicator
            and observations.unit = complete_cross_sections.unit
            and observations.year = complete_cross_sections.year

),

samples as (

    select
        {{ key | join(',\n        ') }},
        cast(null as {{ quality_string() }}) as excluded_region_code,
        region_code,
        value as y,
        population as p
    from valid

    union all

    select
        {% for column in key -%}
            kept.{{ column }},
        {% endfor -%}
        excluded.region_code as excluded_region_code,
        kept.region_code,
        kept.value as y,
        kept.population as p
    from valid as kept
    inner join valid as excluded
        on
            kept.geography = excluded.geography
            and kept.geo_version = excluded.geo_version
            and kept.indicator = excluded.indicator
            and kept.unit = excluded.unit
            and kept.year = excluded.year
            and kept.region_code <> excluded.region_code
    where kept.indicator in (select dominance_indicators.indicator from dominance_indicators)

),

stats as (

    {{ quality_cross_section_stats('samples', key + ['excluded_region_code']) }}

),

full_sample as (

    select * from stats
    where excluded_region_code is null

),

final as (

    select
        {% for column in key -%}
            stats.{{ column }},
        {% endfor -%}
        stats.excluded_region_code,
        complete_cross_sections.n_regions_expected,
        stats.n_regions,
        stats.total_population,
        complete_cross_sections.published_national_value,
        stats.mu_u,
        stats.mu_w,
        stats.cv_u,
        stats.williamson_v_w,
        stats.theil_t_w,
        stats.gini_u,
        stats.gini_w,
        stats.y_max,
        stats.y_min,
        stats.max_min_ratio,
        stats.max_region_code,
        stats.min_region_code,
        {{ quality_relative_drop('full_sample.theil_t_w', 'stats.theil_t_w') }} as theil_t_w_drop,
        {{ quality_relative_drop('full_sample.williamson_v_w', 'stats.williamson_v_w') }} as williamson_v_w_drop,
        case
            when full_sample.max_min_ratio > 1
                then 1.0 - stats.max_min_ratio / full_sample.max_min_ratio
        end as max_min_ratio_drop,
        full_sample.theil_t_w as full_theil_t_w,
        full_sample.williamson_v_w as full_williamson_v_w,
        full_sample.max_min_ratio as full_max_min_ratio,
        complete_cross_sections.regional_source_release_ids,
        complete_cross_sections.national_source_release_ids
    from stats
    inner join complete_cross_sections
        on
            stats.geography = complete_cross_sections.geography
            and stats.geo_version = complete_cross_sections.geo_version
            and stats.indicator = complete_cross_sections.indicator
            and stats.unit = complete_cross_sections.unit
            and stats.year = complete_cross_sections.year
    inner join full_sample
        on
            stats.geography = full_sample.geography
            and stats.geo_version = full_sample.geo_version
            and stats.indicator = full_sample.indicator
            and stats.unit = full_sample.unit
            and stats.year = full_sample.year

)

select * from final

-- Cross-sectional inequality behind the anomaly rules A2 (masking gap: the unweighted and weighted
-- measures beside it) and A6 (single-region dominance), METHODS.md sections 3 and 5.2. One row per
-- geography x indicator x year x sample: all regions of the year (excluded_region_code NULL) and, for
-- the indicators of the var quality_a6_indicators, every leave-one-out sample (all regions but
-- excluded_region_code) with the relative fall of Theil T_w, Williamson V_w and the max/min ratio
-- against the full sample. The measures are those of the inequality marts, computed by the same macros
-- (macros/inequality: kzw_ineq_cross_section_stats, kzw_ineq_measure_rows) on the samples: no second
-- formula. The national levels of rule A1/A2 (mu_u, mu_w) are mart_national_level's.
-- Only complete cross-sections are kept: every region of the year has a positive value and a positive
-- average population (METHODS section 3: a national aggregate over part of the regions is a wrong number).
{%- set a6_indicators = quality_param('quality_a6_indicators') %}
{%- set key = ['geography', 'geo_version', 'indicator', 'unit', 'year'] %}
{%- set datasets = quality_indicator_catalog() | map(attribute='datasets') | sum(start=[]) | unique | list %}
{#- The macros measure one cross-section per (geography, geo_version, indicator, unit, year): a sample is
    told apart by its geo_version, 'map|excluded region' ('map|' for the full sample), split back below. -#}
{%- set sample_separator = '|' %}
with

observations as (

    select * from {{ ref('int_quality__indicators') }}

),

cross_sections as (

    select
        {{ key | join(',\n        ') }},
        count(*) as n_regions_expected,
        count(case when value > 0 and population > 0 then 1 end) as n_regions_valid,
        {{ quality_release_ids_agg('source_release_ids', datasets) }} as regional_source_release_ids,
        max(national_source_release_ids) as national_source_release_ids
    from observations
    group by {{ key | join(', ') }}

),

complete_cross_sections as (

    select *
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
        geography,
        geo_version,
        indicator,
        unit,
        year,
        cast(null as {{ quality_string() }}) as excluded_region_code,
        region_code,
        value as y,
        population
    from valid

    union all

    select
        kept.geography,
        kept.geo_version,
        kept.indicator,
        kept.unit,
        kept.year,
        excluded.region_code as excluded_region_code,
        kept.region_code,
        kept.value as y,
        kept.population
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

-- The samples in the input shape of the inequality macros (kzw_ineq_observations).
sample_observations as (

    select
        geography,
        geo_version || '{{ sample_separator }}' || coalesce(excluded_region_code, '') as geo_version,
        indicator,
        unit,
        year,
        region_code,
        cast(null as {{ quality_string() }}) as region_type,
        cast(null as {{ quality_string() }}) as macro_region,
        y,
        population,
        cast(null as {{ quality_double() }}) as published_national_value
    from samples

),

sample_stats as (
    {{ kzw_ineq_cross_section_stats('sample_observations') }}
),

sample_measures as (
    {{ kzw_ineq_measure_rows('sample_stats') }}
),

-- One row per sample: the measures the rules read, and the extremes (plain max/min) for the texts.
measures as (

    select
        geography,
        split_part(geo_version, '{{ sample_separator }}', 1) as geo_version,
        nullif(split_part(geo_version, '{{ sample_separator }}', 2), '') as excluded_region_code,
        indicator,
        unit,
        year,
        {% for m in [
            ('cv_u', 'cv', 'unweighted'),
            ('williamson_v_w', 'williamson', 'population_weighted'),
            ('theil_t_w', 'theil_t', 'population_weighted'),
            ('gini_u', 'gini', 'unweighted'),
            ('gini_w', 'gini', 'population_weighted'),
            ('max_min_ratio', 'max_min_ratio', 'unweighted'),
        ] -%}
            max(
                case
                    when
                        measure = '{{ m[1] }}' and weighting = '{{ m[2] }}' and variant = 'default'
                        and null_reason is null
                        then raw_value
                end
            ) as {{ m[0] }},
        {% endfor -%}
        max(n_regions) as n_regions
    from sample_measures
    group by geography, geo_version, indicator, unit, year

),

extremes as (

    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        excluded_region_code,
        sum(population) as total_population,
        max(y) as y_max,
        min(y) as y_min,
        min(case when rank_desc = 1 then region_code end) as max_region_code,
        min(case when rank_asc = 1 then region_code end) as min_region_code
    from (
        select
            *,
            row_number() over (
                partition by geography, geo_version, indicator, unit, year, excluded_region_code
                order by y desc, region_code asc
            ) as rank_desc,
            row_number() over (
                partition by geography, geo_version, indicator, unit, year, excluded_region_code
                order by y asc, region_code asc
            ) as rank_asc
        from samples
    ) as ranked
    group by geography, geo_version, indicator, unit, year, excluded_region_code

),

stats as (

    select
        measures.*,
        extremes.total_population,
        extremes.y_max,
        extremes.y_min,
        extremes.max_region_code,
        extremes.min_region_code
    from measures
    inner join extremes
        on
            measures.geography = extremes.geography
            and measures.geo_version = extremes.geo_version
            and measures.indicator = extremes.indicator
            and measures.unit = extremes.unit
            and measures.year = extremes.year
            and measures.excluded_region_code is not distinct from extremes.excluded_region_code

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

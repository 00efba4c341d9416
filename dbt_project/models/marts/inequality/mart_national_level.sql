{#-
    The national level of every indicator three ways, side by side, and the gaps between them
    (METHODS.md sections 0 and 5.2, rules A1 and A2).
    Grain: geography, geo_version, indicator, year.
-#}

{#- Rule A1's thresholds (dbt_project.yml); mart_quality_flags reports this model's verdict, not its own. -#}
{%- set match_tolerance = var('kzw_national_match_tolerance') -%}
{%- set mismatch_tolerance = var('kzw_national_mismatch_tolerance') -%}

with

observations as (
    {{ kzw_ineq_observations() }}
),

national_stats as (
    {{ kzw_ineq_national_level_stats('observations') }}
),

levels as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        n_regions,
        n_regions_with_value,
        n_regions_with_population,
        incomplete_regions,
        case when published_min = published_max then published_min end as published_national_value,
        case
            when published_max is null then 'no_published_value'
            when published_min <> published_max then 'inconsistent_published_value'
        end as published_null_reason,
        case when n_regions_with_value = n_regions then arithmetic_mean_raw end as arithmetic_mean,
        case when n_regions_with_value < n_regions then 'missing_values' end as arithmetic_mean_null_reason,
        case
            when n_regions_with_value = n_regions and n_regions_with_population = n_regions
                then pop_weighted_mean_raw
        end as pop_weighted_mean,
        case
            when n_regions_with_value < n_regions then 'missing_values'
            when n_regions_with_population < n_regions then 'missing_population'
        end as pop_weighted_mean_null_reason,
        case
            when n_regions_with_value = n_regions and n_regions_with_population = n_regions
                then total_population
        end as total_population
    from national_stats
),

gaps as (
    select
        *,
        arithmetic_mean - pop_weighted_mean as arithmetic_minus_pop_weighted,
        {{ kzw_ineq_div('arithmetic_mean', 'pop_weighted_mean') }} - 1.0 as masking_gap,
        published_national_value - pop_weighted_mean as published_minus_pop_weighted,
        {{ kzw_ineq_div('published_national_value', 'pop_weighted_mean') }} - 1.0 as published_vs_pop_weighted_rel,
        published_national_value - arithmetic_mean as published_minus_arithmetic,
        {{ kzw_ineq_div('published_national_value', 'arithmetic_mean') }} - 1.0 as published_vs_arithmetic_rel
    from levels
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        published_national_value,
        pop_weighted_mean,
        arithmetic_mean,
        total_population,
        arithmetic_minus_pop_weighted,
        masking_gap,
        published_minus_pop_weighted,
        published_vs_pop_weighted_rel,
        published_minus_arithmetic,
        published_vs_arithmetic_rel,
        case
            when published_vs_pop_weighted_rel is null or published_vs_arithmetic_rel is null then null
            when
                abs(published_vs_arithmetic_rel) < {{ match_tolerance }}
                and abs(published_vs_pop_weighted_rel) > {{ mismatch_tolerance }}
                then 'NATIONAL_IS_ARITHMETIC_MEAN'
            when abs(published_vs_pop_weighted_rel) > {{ mismatch_tolerance }} then 'NATIONAL_MISMATCH'
            else 'OK'
        end as published_aggregation_check,
        n_regions,
        n_regions_with_value,
        n_regions_with_population,
        incomplete_regions,
        published_null_reason,
        pop_weighted_mean_null_reason,
        arithmetic_mean_null_reason
    from gaps
)

select * from final

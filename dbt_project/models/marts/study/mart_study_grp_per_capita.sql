{#-
    The seed study's figure (Rodriguez-Pose & Bartalucci for the ADB, 2021: GRP per capita by region,
    with "country values calculated as the arithmetic average of regional values"), rebuilt from the
    facts: every region's GRP per capita and, beside it, the country value three ways (the study's
    arithmetic mean, the population-weighted mean = the true national value, the published national
    figure). Grain: year, region_code (as-published map of the year). The national levels are read from
    mart_national_level (rule A2 lives there), not recomputed.
-#}

with

regions as (
    select
        year,
        region_code,
        region_name_en,
        geo_version,
        grp_per_capita_kzt,
        grp_per_capita_thousand_kzt * 1000.0 as grp_per_capita_published_kzt,
        population,
        population_method
    from {{ ref('fct_region_year') }}
    where year >= {{ var('kzw_study_first_year') }} and grp_per_capita_kzt is not null
),

country as (
    select
        year,
        arithmetic_mean as country_arithmetic_mean_kzt,
        pop_weighted_mean as country_pop_weighted_mean_kzt,
        masking_gap
    from {{ ref('mart_national_level') }}
    where geography = 'as_published' and indicator = 'grp_per_capita_kzt'
),

published as (
    select
        year,
        grp_per_capita_thousand_kzt * 1000.0 as country_published_kzt,
        population_method as country_population_method
    from {{ ref('fct_national_year') }}
),

year_methods as (
    select
        year,
        case
            when min(population_method) = max(population_method) then min(population_method)
            else 'mixed'
        end as year_population_method
    from regions
    group by year
),

final as (
    select
        regions.year,
        regions.region_code,
        regions.region_name_en,
        regions.geo_version,
        regions.grp_per_capita_kzt,
        regions.grp_per_capita_published_kzt,
        regions.population,
        regions.population_method,
        country.country_arithmetic_mean_kzt,
        country.country_pop_weighted_mean_kzt,
        published.country_published_kzt,
        country.masking_gap,
        year_methods.year_population_method,
        published.country_population_method
    from regions
    inner join year_methods on regions.year = year_methods.year
    left join country on regions.year = country.year
    left join published on regions.year = published.year
)

select * from final

-- Inputs of the Development Trap Index (METHODS.md section 1): one row per geography x unit x year.
-- geography 'as_published': the units of the map in force in the year (fct_region_year);
-- 'comparable': the 16 stable pre-2018 units (fct_region_year_comparable);
-- 'national': the published national row (fct_national_year), the benchmark b2 (total over total).
with

as_published as (

    select
        'as_published' as geography,
        region_code as unit_code,
        region_name_en as unit_name_en,
        geo_version,
        territory_key,
        cast(year as integer) as year,
        grp_mln_kzt,
        grp_real_growth_pct,
        population_avg,
        employed_thousand
    from {{ ref('fct_region_year') }}

),

comparable as (

    select
        'comparable' as geography,
        comparable_region_code as unit_code,
        comparable_region_name_en as unit_name_en,
        geo_version,
        territory_key,
        cast(year as integer) as year,
        grp_mln_kzt,
        grp_real_growth_pct,
        population_avg,
        employed_thousand
    from {{ ref('fct_region_year_comparable') }}

),

national as (

    select
        'national' as geography,
        'KZ' as unit_code,
        'Kazakhstan' as unit_name_en,
        'national' as geo_version,
        'KZ' as territory_key,
        cast(year as integer) as year,
        grp_mln_kzt,
        grp_real_growth_pct,
        population_avg,
        employed_thousand
    from {{ ref('fct_national_year') }}

),

unioned as (

    select * from as_published
    union all
    select * from comparable
    union all
    select * from national

)

select * from unioned

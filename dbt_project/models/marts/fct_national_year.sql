-- The published national row (Республика Казахстан, region_code 'KZ') of every measure, one row per
-- year; kept out of fct_region_year so that summing that table never counts the country twice.
with

national as (

    select * from {{ ref('int_national_year__wide') }}

),

final as (

    select
        cast(year as integer) as year,
        'KZ' as region_code,
        grp_mln_kzt,
        grp_real_growth_pct,
        mining_gva_mln_kzt,
        cast(population_jan1 as bigint) as population_jan1,
        population_avg,
        population,
        population_method,
        grp_per_capita_thousand_kzt,
        grp_per_capita_usd,
        grp_per_capita_kzt,
        money_income_per_capita_kzt_month,
        avg_nominal_wage_thousand_kzt,
        poverty_share_pct,
        labour_force_thousand,
        employed_thousand,
        unemployed_thousand,
        unemployment_rate_pct,
        life_expectancy_years,
        cast(physicians as bigint) as physicians,
        physicians_per_10k,
        investment_mln_kzt,
        investment_per_capita_kzt,
        urban_share_pct,
        population_urban_jan1,
        population_rural_jan1,
        general_schools,
        schools_per_10k,
        buses,
        buses_per_10k,
        rnd_expenditure_thousand_kzt,
        rnd_per_capita_kzt,
        source_release_ids
    from national
    where year >= {{ var('kzw_first_year') }}

)

select * from final

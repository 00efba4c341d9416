-- Annual regional facts on the 16 stable pre-2018 units (comparable_region_code), one row per unit x
-- year over the whole period. Units split in 2018 or 2022 are re-aggregated from their parts: sums for
-- additive measures, weighted means for per-capita and rate measures (weights per column description).
with

wide as (

    select * from {{ ref('int_region_year__wide') }}
    where geography = 'comparable'

),

final as (

    select
        cast(year as integer) as year,
        region_code as comparable_region_code,
        region_name_en as comparable_region_name_en,
        region_type,
        macro_region,
        geo_version,
        territory_key,
        n_base_units,
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
        {{ log_growth('grp_mln_kzt') }} as grp_nominal_log_growth,
        {{ log_growth('population_avg') }} as population_avg_log_growth,
        reaggregated_measures,
        source_release_ids
    from wide

)

select * from final

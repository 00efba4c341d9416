-- Annual regional facts in the geography of the year (as published): one row per region x year.
-- The units are those of the administrative map in force in the year (geo_version); a table that
-- publishes a newer, finer map for the year (GRP 2021 with Abai/Zhetisu/Ulytau, population and life
-- expectancy 2017 with Shymkent, labour 2010-2017 with Turkestan/Shymkent) is re-aggregated into it
-- (listed in reaggregated_measures); a coarser one would leave the value NULL. National row: fct_national_year.
with

wide as (

    select * from {{ ref('int_region_year__wide') }}
    where geography = 'as_published'

),

final as (

    select
        cast(year as integer) as year,
        region_code,
        region_name_en,
        region_type,
        macro_region,
        geo_version,
        territory_key,
        comparable_region_code,
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

-- Investment in fixed capital by region and year (as published geography) beside GRP and money income,
-- each per capita and as a ratio to the national value: the claim that investment flows to the
-- extractive regions while their residents' incomes stay ordinary, as data (issue 16, item 2).
-- Per capita is the facts' investment_per_capita_kzt: over the average annual population, published
-- (2009 on) or derived from two 1 January stocks (int_population__annual; population_method says which).
{%- set extractive = var('investment_extractive_regions') %}
with

regional as (

    select * from {{ ref('fct_region_year') }}
    where investment_mln_kzt is not null

),

national as (

    select * from {{ ref('fct_national_year') }}

),

national_values as (

    select
        year,
        investment_mln_kzt as national_investment_mln_kzt,
        investment_per_capita_kzt as national_investment_per_capita_kzt,
        grp_mln_kzt as national_grp_mln_kzt,
        grp_per_capita_kzt as national_grp_per_capita_kzt,
        money_income_per_capita_kzt_month as national_income_per_capita_kzt_month
    from national

),

per_capita as (

    select
        regional.year,
        regional.geo_version,
        regional.region_code,
        regional.region_name_en,
        regional.region_type,
        regional.region_code in (
            {%- for code in extractive %}
                '{{ code }}'{{ "," if not loop.last }}
            {%- endfor %}
        ) as is_extractive,
        regional.investment_mln_kzt,
        regional.population_method,
        regional.population,
        regional.investment_per_capita_kzt,
        regional.grp_mln_kzt,
        regional.grp_per_capita_kzt,
        regional.money_income_per_capita_kzt_month,
        national_values.national_investment_mln_kzt,
        national_values.national_investment_per_capita_kzt,
        national_values.national_grp_per_capita_kzt,
        national_values.national_income_per_capita_kzt_month
    from regional
    left join national_values
        on regional.year = national_values.year

),

ratios as (

    select
        *,
        investment_mln_kzt / nullif(national_investment_mln_kzt, 0) as investment_share_of_national,
        investment_mln_kzt / nullif(grp_mln_kzt, 0) as investment_to_grp,
        investment_per_capita_kzt / nullif(national_investment_per_capita_kzt, 0) as investment_pc_to_national,
        grp_per_capita_kzt / nullif(national_grp_per_capita_kzt, 0) as grp_pc_to_national,
        money_income_per_capita_kzt_month
        / nullif(national_income_per_capita_kzt_month, 0) as income_pc_to_national,
        rank() over (partition by year order by investment_mln_kzt desc) as investment_rank
    from per_capita

),

relative as (

    select
        *,
        income_pc_to_national / nullif(grp_pc_to_national, 0) as income_to_grp_relative,
        investment_pc_to_national >= {{ var('investment_flag_investment_ratio_min') }}
        and grp_pc_to_national >= {{ var('investment_flag_grp_ratio_min') }} as is_investment_and_grp_far_above
    from ratios

),

-- three-valued logic: a flag is false when any of its conditions is known to be false, NULL only when
-- it cannot be decided (a missing input in a condition that is not already false)
final as (

    select
        *,
        is_investment_and_grp_far_above
        and income_pc_to_national < {{ var('investment_flag_income_ratio_max') }} as flag_investment_without_income,
        is_investment_and_grp_far_above
        and income_to_grp_relative
        <= {{ var('investment_flag_income_to_grp_relative_max') }} as flag_investment_income_gap
    from relative

)

select * from final

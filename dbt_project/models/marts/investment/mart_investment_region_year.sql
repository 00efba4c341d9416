-- Investment in fixed capital by region and year (as published geography) beside GRP and money income,
-- each per capita and as a ratio to the national value: the claim that investment flows to the
-- extractive regions while their residents' incomes stay ordinary, as data (issue 16, item 2).
-- Per capita uses the average annual population where published (2009 on) and, for 2003-2008, the
-- midpoint of the 1 January stocks of the year and the next (population_basis says which).
{%- set extractive = var('investment_extractive_regions') %}
with

regional as (

    select * from {{ ref('fct_region_year') }}
    where investment_mln_kzt is not null

),

national as (

    select * from {{ ref('fct_national_year') }}

),

regional_next as (

    select
        year - 1 as year,
        region_code,
        geo_version,
        population_jan1 as next_population_jan1
    from {{ ref('fct_region_year') }}

),

national_next as (

    select
        year - 1 as year,
        population_jan1 as next_population_jan1
    from national

),

regional_population as (

    select
        regional.*,
        case
            when regional.population_avg is not null then 'average_annual'
            when regional_next.next_population_jan1 is not null then 'jan1_midpoint'
        end as population_basis,
        coalesce(
            regional.population_avg,
            (regional.population_jan1 + regional_next.next_population_jan1) / 2.0
        ) as population_for_per_capita
    from regional
    left join regional_next
        on
            regional.year = regional_next.year
            and regional.region_code = regional_next.region_code
            and regional.geo_version = regional_next.geo_version

),

national_values as (

    select
        national.year,
        national.investment_mln_kzt as national_investment_mln_kzt,
        national.grp_mln_kzt as national_grp_mln_kzt,
        national.grp_per_capita_kzt as national_grp_per_capita_kzt,
        national.money_income_per_capita_kzt_month as national_income_per_capita_kzt_month,
        national.investment_mln_kzt * 1e6 / nullif(
            coalesce(
                national.population_avg,
                (national.population_jan1 + national_next.next_population_jan1) / 2.0
            ),
            0
        ) as national_investment_per_capita_kzt
    from national
    left join national_next
        on national.year = national_next.year

),

per_capita as (

    select
        regional_population.year,
        regional_population.geo_version,
        regional_population.region_code,
        regional_population.region_name_en,
        regional_population.region_type,
        regional_population.region_code in (
            {%- for code in extractive %}
                '{{ code }}'{{ "," if not loop.last }}
            {%- endfor %}
        ) as is_extractive,
        regional_population.investment_mln_kzt,
        regional_population.population_basis,
        regional_population.population_for_per_capita,
        regional_population.investment_mln_kzt * 1e6
        / nullif(regional_population.population_for_per_capita, 0) as investment_per_capita_kzt,
        regional_population.grp_mln_kzt,
        regional_population.grp_per_capita_kzt,
        regional_population.money_income_per_capita_kzt_month,
        national_values.national_investment_mln_kzt,
        national_values.national_investment_per_capita_kzt,
        national_values.national_grp_per_capita_kzt,
        national_values.national_income_per_capita_kzt_month
    from regional_population
    left join national_values
        on regional_population.year = national_values.year

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

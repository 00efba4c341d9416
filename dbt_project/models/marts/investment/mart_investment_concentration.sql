-- How concentrated investment in fixed capital is, per year (as published geography): the share going
-- to the six extractive regions and to the k largest recipients, the Herfindahl-Hirschman index of
-- regional shares, the Gini and Theil T of investment per capita (from mart_inequality: one home per
-- formula), national investment relative to GRP, and the correlation across regions of investment per
-- capita with GRP per capita and with money income per capita (issue 16, item 2).
{%- set top_k = var('investment_top_k') %}
with

regions as (

    select * from {{ ref('mart_investment_region_year') }}

),

inequality as (

    select * from {{ ref('mart_inequality') }}
    where
        geography = 'as_published'
        and indicator = 'investment_per_capita_kzt'
        and variant = 'default'
        and measure in ('gini', 'theil_t')

),

shares as (

    select
        year,
        geo_version,
        region_code,
        is_extractive,
        investment_mln_kzt,
        population,
        investment_per_capita_kzt,
        grp_per_capita_kzt,
        money_income_per_capita_kzt_month,
        investment_mln_kzt / sum(investment_mln_kzt) over (partition by year) as share,
        row_number() over (partition by year order by investment_mln_kzt desc, region_code asc) as size_rank
    from regions

),

by_year as (

    select
        year,
        geo_version,
        count(*) as n_regions,
        sum(investment_mln_kzt) as regions_sum_investment_mln_kzt,
        sum(case when is_extractive then share else 0 end) as extractive_share,
        sum(case when is_extractive then 1 else 0 end) as extractive_n_regions,
        sum(case when is_extractive then population else 0 end)
        / sum(population) as extractive_population_share,
        {%- for k in top_k %}
            sum(case when size_rank <= {{ k }} then share else 0 end) as top{{ k }}_share,
        {%- endfor %}
        sum(share * share) as hhi,
        corr(investment_per_capita_kzt, grp_per_capita_kzt) as corr_investment_grp_pc,
        corr(investment_per_capita_kzt, money_income_per_capita_kzt_month) as corr_investment_income_pc,
        count(investment_per_capita_kzt * grp_per_capita_kzt) as n_regions_corr_grp,
        count(investment_per_capita_kzt * money_income_per_capita_kzt_month) as n_regions_corr_income
    from shares
    group by year, geo_version

),

national as (

    select distinct
        year,
        national_investment_mln_kzt,
        national_investment_per_capita_kzt
    from regions

),

national_grp as (

    select
        year,
        grp_mln_kzt
    from {{ ref('fct_national_year') }}

),

inequality_wide as (

    select
        year,
        max(case when measure = 'gini' and weighting = 'unweighted' then value end) as gini_pc_unweighted,
        max(case when measure = 'gini' and weighting = 'population_weighted' then value end)
            as gini_pc_population_weighted,
        max(case when measure = 'theil_t' and weighting = 'unweighted' then value end) as theil_t_pc_unweighted,
        max(case when measure = 'theil_t' and weighting = 'population_weighted' then value end)
            as theil_t_pc_population_weighted
    from inequality
    group by year

),

final as (

    select
        by_year.year,
        by_year.geo_version,
        by_year.n_regions,
        national.national_investment_mln_kzt,
        by_year.regions_sum_investment_mln_kzt,
        by_year.regions_sum_investment_mln_kzt - national.national_investment_mln_kzt as regions_minus_national_mln_kzt,
        national.national_investment_per_capita_kzt,
        national.national_investment_mln_kzt / nullif(national_grp.grp_mln_kzt, 0) as national_investment_to_grp,
        by_year.extractive_n_regions,
        by_year.extractive_share,
        by_year.extractive_population_share,
        by_year.extractive_share
        / nullif(by_year.extractive_population_share, 0) as extractive_share_to_population_share,
        {%- for k in top_k %}
            by_year.top{{ k }}_share,
        {%- endfor %}
        by_year.hhi,
        1.0 / nullif(by_year.hhi, 0) as hhi_equivalent_regions,
        inequality_wide.gini_pc_unweighted,
        inequality_wide.gini_pc_population_weighted,
        inequality_wide.theil_t_pc_unweighted,
        inequality_wide.theil_t_pc_population_weighted,
        by_year.corr_investment_grp_pc,
        by_year.n_regions_corr_grp,
        by_year.corr_investment_income_pc,
        by_year.n_regions_corr_income
    from by_year
    left join national
        on by_year.year = national.year
    left join national_grp
        on by_year.year = national_grp.year
    left join inequality_wide
        on by_year.year = inequality_wide.year

)

select * from final

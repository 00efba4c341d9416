-- GRP versus resident income per region and year, the statistics behind the anomaly rules A3
-- (HIGH_GRP_LOW_INCOME), A4 (RANK_DIVERGENCE) and A5 (RESOURCE_ENCLAVE), METHODS.md section 5.2.
-- Geography of the year (as published). Only complete years are kept: every region has a positive GRP
-- per capita, money income per capita and average population, so the national ratio, the quartiles
-- and the ranks are over the whole country.
--   R_r      = GRP per capita (KZT a year) / money income per capita (KZT a month x 12)
--   R_nat    = sum_r GRP_r / sum_r (income_r x 12 x pop_r)  (total / total of both, METHODS section 0)
--   RR_r     = R_r / R_nat
--   fence    = Q3 + k IQR of R across the regions of the year (Tukey; k = var quality_a3_tukey_k)
--   ranks    = 1 = highest; rank_gap = income rank - GRP rank (positive: the region ranks higher by GRP)
--   spearman = Pearson correlation of the average ranks (ties share the mean rank)
--   mining   = mining and quarrying (section B) GVA / GRP, both mln KZT at current prices
with

regional as (

    select * from {{ ref('fct_region_year') }}

),

observations as (

    select
        'as_published' as geography,
        geo_version,
        cast(year as integer) as year,
        region_code,
        region_name_en,
        cast(grp_per_capita_kzt as {{ quality_double() }}) as grp_per_capita_kzt,
        cast(money_income_per_capita_kzt_month as {{ quality_double() }}) * 12 as income_per_capita_kzt_year,
        cast(population_avg as {{ quality_double() }}) as population,
        cast(grp_mln_kzt as {{ quality_double() }}) as grp_mln_kzt,
        cast(mining_gva_mln_kzt as {{ quality_double() }}) as mining_gva_mln_kzt,
        source_release_ids
    from regional

),

year_counts as (

    select
        geo_version,
        year,
        count(*) as n_regions,
        count(
            case when grp_per_capita_kzt > 0 and income_per_capita_kzt_year > 0 and population > 0 then 1 end
        ) as n_regions_valid
    from observations
    group by geo_version, year

),

valid as (

    select
        observations.*,
        observations.grp_per_capita_kzt / observations.income_per_capita_kzt_year as grp_to_income_ratio
    from observations
    inner join year_counts
        on
            observations.geo_version = year_counts.geo_version
            and observations.year = year_counts.year
    where year_counts.n_regions_valid = year_counts.n_regions

),

year_stats as (

    select
        geo_version,
        year,
        count(*) as n_regions,
        sum(grp_per_capita_kzt * population) / sum(income_per_capita_kzt_year * population)
            as national_grp_to_income_ratio,
        percentile_cont(0.25) within group (order by grp_to_income_ratio) as ratio_q1,
        percentile_cont(0.75) within group (order by grp_to_income_ratio) as ratio_q3
    from valid
    group by geo_version, year

),

ranked as (

    select
        *,
        rank() over (partition by geo_version, year order by grp_per_capita_kzt desc) as grp_rank,
        rank() over (partition by geo_version, year order by income_per_capita_kzt_year desc) as income_rank,
        rank() over (partition by geo_version, year order by grp_per_capita_kzt)
        + (count(*) over (partition by geo_version, year, grp_per_capita_kzt) - 1) / 2.0 as grp_mean_rank,
        rank() over (partition by geo_version, year order by income_per_capita_kzt_year)
        + (count(*) over (partition by geo_version, year, income_per_capita_kzt_year) - 1) / 2.0
            as income_mean_rank
    from valid

),

spearman as (

    select
        geo_version,
        year,
        case
            when var_pop(grp_mean_rank) > 0 and var_pop(income_mean_rank) > 0
                then corr(grp_mean_rank, income_mean_rank)
        end as spearman_rho
    from ranked
    group by geo_version, year

),

final as (

    select
        ranked.geography,
        ranked.geo_version,
        ranked.year,
        ranked.region_code,
        ranked.region_name_en,
        year_stats.n_regions,
        ranked.grp_per_capita_kzt,
        ranked.income_per_capita_kzt_year,
        ranked.population,
        ranked.grp_to_income_ratio,
        year_stats.national_grp_to_income_ratio,
        ranked.grp_to_income_ratio / year_stats.national_grp_to_income_ratio as relative_ratio,
        year_stats.ratio_q1,
        year_stats.ratio_q3,
        year_stats.ratio_q3
        + {{ quality_param('quality_a3_tukey_k') }} * (year_stats.ratio_q3 - year_stats.ratio_q1) as tukey_fence,
        cast(ranked.grp_rank as integer) as grp_rank,
        cast(ranked.income_rank as integer) as income_rank,
        cast(ranked.income_rank - ranked.grp_rank as integer) as rank_gap,
        spearman.spearman_rho,
        ranked.mining_gva_mln_kzt,
        ranked.grp_mln_kzt,
        case when ranked.grp_mln_kzt > 0 then ranked.mining_gva_mln_kzt / ranked.grp_mln_kzt end
            as mining_share_of_grp,
        {{ quality_release_ids('ranked.source_release_ids', ['grp_nominal', 'population_average', 'income_annual']) }}
            as source_release_ids,
        {{ quality_release_ids('ranked.source_release_ids', ['grp_nominal', 'gva_by_section']) }}
            as mining_source_release_ids
    from ranked
    inner join year_stats
        on
            ranked.geo_version = year_stats.geo_version
            and ranked.year = year_stats.year
    inner join spearman
        on
            ranked.geo_version = spearman.geo_version
            and ranked.year = spearman.year

)

select * from final

-- Real GRP chained from the physical volume index and the log levels of the three DTI variables
-- (METHODS.md sections 0 and 1.2), one row per geography x unit x year.
--
-- Link of year t (real log growth from t-1 to t on the unit's territory):
--   'volume_index': ln(1 + grp_real_growth_pct / 100) (BNS physical volume index of GRP);
--   'nominal_deflated_by_national_grp_deflator' (fallback, only where the index is missing):
--       ln(GRP_t / GRP_t-1) - [ln(GRP_N,t / GRP_N,t-1) - ln(1 + VI_N,t / 100)] (national implicit deflator);
--   NULL when year t-1 is missing, the territory changed (boundary change) or neither route exists.
-- A NULL link starts a new chain segment: ln_real_index = sum of links since the segment start (0 there),
-- so growth is only ever taken between two years of one segment (never across a boundary change).
-- Log levels (the constant base-year level cancels in every growth rate):
--   ln_y = ln real GRP index - ln population_avg (real GRP per capita)
--   ln_p = ln real GRP index - ln employed persons (real GRP per employed)
--   ln_e = ln employed persons - ln population_avg (employment rate, total population denominator)
with

inputs as (

    select * from {{ ref('int_dti__inputs') }}

),

national as (

    select
        year,
        grp_mln_kzt as national_grp_mln_kzt,
        grp_real_growth_pct as national_grp_real_growth_pct
    from inputs
    where geography = 'national'

),

with_previous as (

    select
        inputs.*,
        lag(inputs.year) over (
            partition by inputs.geography, inputs.unit_code order by inputs.year
        ) as previous_year,
        lag(inputs.territory_key) over (
            partition by inputs.geography, inputs.unit_code order by inputs.year
        ) as previous_territory_key,
        lag(inputs.grp_mln_kzt) over (
            partition by inputs.geography, inputs.unit_code order by inputs.year
        ) as previous_grp_mln_kzt
    from inputs

),

with_national as (

    select
        with_previous.*,
        national_now.national_grp_mln_kzt,
        national_now.national_grp_real_growth_pct,
        national_before.national_grp_mln_kzt as national_previous_grp_mln_kzt,
        coalesce(
            with_previous.previous_year = with_previous.year - 1
            and with_previous.previous_territory_key = with_previous.territory_key,
            false
        ) as continues_territory
    from with_previous
    left join national as national_now
        on with_previous.year = national_now.year
    left join national as national_before
        on with_previous.year - 1 = national_before.year

),

links as (

    select
        *,
        case
            when not continues_territory then null
            when grp_real_growth_pct > -100 then 'volume_index'
            when
                geography != 'national'
                and grp_mln_kzt > 0
                and previous_grp_mln_kzt > 0
                and national_grp_mln_kzt > 0
                and national_previous_grp_mln_kzt > 0
                and national_grp_real_growth_pct > -100
                then 'nominal_deflated_by_national_grp_deflator'
        end as real_link_method
    from with_national

),

link_values as (

    select
        *,
        case
            when real_link_method = 'volume_index'
                then ln(1 + grp_real_growth_pct / 100.0)
            when real_link_method = 'nominal_deflated_by_national_grp_deflator'
                then
                    ln(grp_mln_kzt / previous_grp_mln_kzt)
                    - (
                        ln(national_grp_mln_kzt / national_previous_grp_mln_kzt)
                        - ln(1 + national_grp_real_growth_pct / 100.0)
                    )
        end as real_link_log
    from links

),

segments as (

    select
        *,
        sum(case when continues_territory then 0 else 1 end) over (
            partition by geography, unit_code order by year rows between unbounded preceding and current row
        ) as territory_segment,
        sum(case when real_link_log is null then 1 else 0 end) over (
            partition by geography, unit_code order by year rows between unbounded preceding and current row
        ) as real_chain_segment,
        sum(case when real_link_method = 'nominal_deflated_by_national_grp_deflator' then 1 else 0 end) over (
            partition by geography, unit_code order by year rows between unbounded preceding and current row
        ) as cumulative_deflated_links
    from link_values

),

chained as (

    select
        *,
        sum(coalesce(real_link_log, 0)) over (
            partition by geography, unit_code, real_chain_segment
            order by year rows between unbounded preceding and current row
        ) as ln_real_grp_index,
        min(year) over (
            partition by geography, unit_code, real_chain_segment
        ) as real_base_year,
        min(year) over (
            partition by geography, unit_code, territory_segment
        ) as territory_segment_start_year
    from segments

),

base_levels as (

    select
        geography,
        unit_code,
        real_chain_segment,
        grp_mln_kzt as base_grp_mln_kzt
    from chained
    where year = real_base_year

),

final as (

    select
        chained.geography,
        chained.unit_code,
        chained.unit_name_en,
        chained.geo_version,
        chained.territory_key,
        chained.year,
        chained.grp_mln_kzt,
        chained.grp_real_growth_pct,
        chained.population_avg,
        chained.employed_thousand,
        chained.territory_segment,
        chained.territory_segment_start_year,
        chained.real_chain_segment,
        chained.real_base_year,
        chained.real_link_method,
        chained.real_link_log,
        chained.cumulative_deflated_links,
        chained.ln_real_grp_index,
        exp(chained.ln_real_grp_index) as real_grp_index,
        base_levels.base_grp_mln_kzt * exp(chained.ln_real_grp_index) as grp_real_mln_kzt_base_year_prices,
        case
            when chained.population_avg > 0 then chained.ln_real_grp_index - ln(chained.population_avg)
        end as ln_y,
        case
            when chained.employed_thousand > 0 then chained.ln_real_grp_index - ln(chained.employed_thousand * 1000.0)
        end as ln_p,
        case
            when chained.employed_thousand > 0 and chained.population_avg > 0
                then ln(chained.employed_thousand * 1000.0) - ln(chained.population_avg)
        end as ln_e
    from chained
    left join base_levels
        on
            chained.geography = base_levels.geography
            and chained.unit_code = base_levels.unit_code
            and chained.real_chain_segment = base_levels.real_chain_segment

)

select * from final

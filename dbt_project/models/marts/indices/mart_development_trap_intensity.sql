{%- set m = indices_param('dti_intensity_window_years') -%}
{%- set min_years = indices_param('dti_intensity_min_years') -%}
{%- set persistence_threshold = indices_param('dti_at_risk_persistence') -%}
{%- set trap_flag = indices_param('dti_at_risk_trap_flag') -%}
-- Development-trap intensity per geography x region x territory x window (METHODS.md 1.4 item 3):
-- the last M scored years (M = dti_intensity_window_years) and the whole scored period of the territory.
--   dti_share        = mean over the window of dt_share          (composite intensity)
--   dti_gap          = mean over the window of dt_gap            (magnitude intensity, log points / year)
--   dti_persist_dtX  = share of the scored years with dtX = 1    (persistence intensity)
-- Means are over the years where the score is not NULL; n_years_* give each denominator and a value needs
-- at least dti_intensity_min_years scored years.
with

dti as (

    select * from {{ ref('mart_development_trap') }}

),

bounds as (

    select
        geography,
        region_code,
        region_name_en,
        territory_key,
        min(year) as first_scored_year,
        max(year) as last_scored_year
    from dti
    where n_comparisons > 0
    group by geography, region_code, region_name_en, territory_key

),

windows as (

    select
        *,
        'full_period' as window_label,
        first_scored_year as window_start_year,
        last_scored_year as window_end_year
    from bounds
    union all
    select
        *,
        'last_{{ m }}_years' as window_label,
        case
            when last_scored_year - {{ m - 1 }} > first_scored_year then last_scored_year - {{ m - 1 }}
            else first_scored_year
        end as window_start_year,
        last_scored_year as window_end_year
    from bounds

),

aggregated as (

    select
        windows.geography,
        windows.region_code,
        windows.region_name_en,
        windows.territory_key,
        windows.window_label,
        windows.window_start_year,
        windows.window_end_year,
        count(*) as n_years_in_window,
        count(dti.dt_share) as n_years_share_scored,
        sum(case when dti.dimensions_used = 'Y,P,E' then 1 else 0 end) as n_years_all_dimensions,
        avg(dti.dt_share) as dti_share_mean,
        avg(dti.dt_gap) as dti_gap_mean,
        count(dti.dt1) as n_years_dt1_scored,
        avg(dti.dt1) as dt1_mean,
        count(dti.dt2) as n_years_dt2_scored,
        avg(dti.dt2) as dt2_mean,
        sum(dti.dt2) as n_years_dt2_trapped,
        sum(dti.dt1) as n_years_dt1_trapped
    from windows
    inner join dti
        on
            windows.geography = dti.geography
            and windows.region_code = dti.region_code
            and windows.territory_key = dti.territory_key
            and dti.year between windows.window_start_year and windows.window_end_year
    group by
        windows.geography,
        windows.region_code,
        windows.region_name_en,
        windows.territory_key,
        windows.window_label,
        windows.window_start_year,
        windows.window_end_year

),

final as (

    select
        aggregated.geography,
        aggregated.region_code,
        aggregated.region_name_en,
        aggregated.territory_key,
        aggregated.window_label,
        aggregated.window_start_year,
        aggregated.window_end_year,
        aggregated.n_years_in_window,
        aggregated.n_years_share_scored,
        aggregated.n_years_all_dimensions,
        case when aggregated.n_years_share_scored >= {{ min_years }} then aggregated.dti_share_mean end as dti_share,
        case when aggregated.n_years_share_scored >= {{ min_years }} then aggregated.dti_gap_mean end as dti_gap,
        aggregated.n_years_dt1_scored,
        aggregated.n_years_dt1_trapped,
        case when aggregated.n_years_dt1_scored >= {{ min_years }} then aggregated.dt1_mean end as dti_persist_dt1,
        aggregated.n_years_dt2_scored,
        aggregated.n_years_dt2_trapped,
        case when aggregated.n_years_dt2_scored >= {{ min_years }} then aggregated.dt2_mean end as dti_persist_dt2,
        case
            when aggregated.n_years_{{ trap_flag }}_scored < {{ min_years }} then null
            when aggregated.{{ trap_flag }}_mean >= {{ persistence_threshold }} - 1e-9 then 1
            else 0
        end as persistent_trap,
        latest.dt_share as latest_dt_share,
        latest.dt2 as latest_dt2,
        latest.at_risk as latest_at_risk,
        latest.at_risk_basis as latest_at_risk_basis,
        {{ indices_labels([
            ["aggregated.window_end_year - aggregated.window_start_year + 1 < " ~ m ~ " and aggregated.window_label != 'full_period'",
                "'window shorter than " ~ m ~ " years: the territory has scores from ' || " ~ indices_year_text('aggregated.window_start_year') ~ " || ' only'"],
            ["aggregated.n_years_share_scored < " ~ min_years,
                "'fewer than " ~ min_years ~ " years with dt_share: dti_share and dti_gap not computed'"],
            ["aggregated.n_years_dt1_scored < " ~ min_years,
                "'fewer than " ~ min_years ~ " years with dt1: dti_persist_dt1 not computed'"],
            ["aggregated.n_years_dt2_scored < " ~ min_years,
                "'fewer than " ~ min_years ~ " years with dt2: dti_persist_dt2 not computed'"],
        ]) }} as note
    from aggregated
    left join dti as latest
        on
            aggregated.geography = latest.geography
            and aggregated.region_code = latest.region_code
            and aggregated.territory_key = latest.territory_key
            and aggregated.window_end_year = latest.year

)

select * from final

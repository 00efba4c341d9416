{%- set h = indices_param('dti_growth_window_years') -%}
{%- set l = indices_param('dti_own_past_window_years') -%}
{%- set min_own = indices_param('dti_own_past_min_years') -%}
-- Growth and own-past benchmark of the three DTI variables (METHODS.md 1.2-1.3), one row per
-- geography x unit x year (the national rows give the national benchmark b2).
--   g1_k(t)  = ln X_k(t) - ln X_k(t-1)                                 annual log growth
--   g_k(t)   = (ln X_k(t) - ln X_k(t-h)) / h                           h = dti_growth_window_years
--   own_k(t) = mean of g1_k(s), s = t-h-L+1 .. t-h (the L years that end where the current window starts;
--              L = dti_own_past_window_years), over the years where g1_k exists, NULL unless at least
--              dti_own_past_min_years of them exist. With no gap this is (ln X(t-h) - ln X(t-h-L)) / L.
-- Y and P need both ends in one real chain segment, E in one territory segment, and the own-past window
-- stays inside the territory segment: no growth rate and no window crosses a boundary change.
with

levels as (

    select * from {{ ref('int_dti__levels') }}

),

joined as (

    select
        cur.*,
        cur.year - {{ h }} as window_start_year,
        cur.year - {{ h }} - {{ l }} + 1 as own_past_first_year,
        cur.year - {{ h }} as own_past_last_year,
        win.population_avg as population_avg_window_start,
        win.employed_thousand as employed_thousand_window_start,
        coalesce(cur.real_chain_segment = win.real_chain_segment, false) as growth_window_in_chain,
        coalesce(cur.territory_segment = win.territory_segment, false) as growth_window_in_territory,
        cur.cumulative_deflated_links - win.cumulative_deflated_links as deflated_links_window,
        win.ln_y as ln_y_window_start,
        win.ln_p as ln_p_window_start,
        win.ln_e as ln_e_window_start,
        case when cur.real_chain_segment = prev.real_chain_segment then cur.ln_y - prev.ln_y end as g1_y,
        case when cur.real_chain_segment = prev.real_chain_segment then cur.ln_p - prev.ln_p end as g1_p,
        case when cur.territory_segment = prev.territory_segment then cur.ln_e - prev.ln_e end as g1_e
    from levels as cur
    left join levels as win
        on
            cur.geography = win.geography
            and cur.unit_code = win.unit_code
            and cur.year - {{ h }} = win.year
    left join levels as prev
        on
            cur.geography = prev.geography
            and cur.unit_code = prev.unit_code
            and cur.year - 1 = prev.year

),

own_window as (

    select
        *,
        avg(g1_y) over own_past as own_y_mean,
        avg(g1_p) over own_past as own_p_mean,
        avg(g1_e) over own_past as own_e_mean,
        count(g1_y) over own_past as own_y_years,
        count(g1_p) over own_past as own_p_years,
        count(g1_e) over own_past as own_e_years,
        count(case when g1_y is not null or g1_p is not null then real_link_method end) over own_past
            as own_real_links,
        sum(
            case
                when
                    (g1_y is not null or g1_p is not null)
                    and real_link_method = 'nominal_deflated_by_national_grp_deflator'
                    then 1
                else 0
            end
        ) over own_past as own_deflated_links
    from joined
    window own_past as (
        partition by geography, unit_code, territory_segment
        order by year
        range between {{ h + l - 1 }} preceding and {{ h }} preceding
    )

),

growth as (

    select
        *,
        case when growth_window_in_chain then (ln_y - ln_y_window_start) / {{ h }} end as g_y,
        case when growth_window_in_chain then (ln_p - ln_p_window_start) / {{ h }} end as g_p,
        case when growth_window_in_territory then (ln_e - ln_e_window_start) / {{ h }} end as g_e,
        case when own_y_years >= {{ min_own }} then own_y_mean end as own_y,
        case when own_p_years >= {{ min_own }} then own_p_mean end as own_p,
        case when own_e_years >= {{ min_own }} then own_e_mean end as own_e
    from own_window

),

final as (

    select
        geography,
        unit_code,
        unit_name_en,
        geo_version,
        territory_key,
        year,
        {{ h }} as growth_window_years,
        {{ l }} as own_past_window_years,
        window_start_year,
        own_past_first_year,
        own_past_last_year,
        territory_segment_start_year,
        real_base_year,
        population_avg,
        population_avg_window_start,
        employed_thousand,
        employed_thousand_window_start,
        grp_real_growth_pct,
        real_link_method,
        real_grp_index,
        grp_real_mln_kzt_base_year_prices,
        ln_y,
        ln_p,
        ln_e,
        g1_y,
        g1_p,
        g1_e,
        g_y,
        g_p,
        g_e,
        own_y,
        own_p,
        own_e,
        own_y_years,
        own_p_years,
        own_e_years,
        case
            when not growth_window_in_chain then null
            when deflated_links_window = 0 then 'volume_index'
            when deflated_links_window = {{ h }} then 'nominal_deflated_by_national_grp_deflator'
            else 'mixed: volume_index and nominal_deflated_by_national_grp_deflator'
        end as real_growth_method,
        case
            when own_real_links = 0 then null
            when own_deflated_links = 0 then 'volume_index'
            when own_deflated_links = own_real_links then 'nominal_deflated_by_national_grp_deflator'
            else 'mixed: volume_index and nominal_deflated_by_national_grp_deflator'
        end as own_past_real_growth_method,
        case when growth_window_in_chain then deflated_links_window end as deflated_links_in_growth_window,
        case when own_real_links > 0 then own_deflated_links end as deflated_links_in_own_window
    from growth

)

select * from final

{%- set min_dims = indices_param('dti_min_dims') -%}
{%- set m = indices_param('dti_intensity_window_years') -%}
{%- set min_years = indices_param('dti_intensity_min_years') -%}
{%- set share_threshold = indices_param('dti_at_risk_share') -%}
{%- set persistence_threshold = indices_param('dti_at_risk_persistence') -%}
{%- set trap_flag = indices_param('dti_at_risk_trap_flag') -%}
{%- set min_comparisons = indices_param('dti_at_risk_min_comparisons') -%}
{%- set min_own = indices_param('dti_own_past_min_years') -%}
{%- if trap_flag not in ['dt1', 'dt2'] -%}
    {{ exceptions.raise_compiler_error("dti_at_risk_trap_flag must be 'dt1' or 'dt2', got " ~ trap_flag) }}
{%- endif -%}
-- Development Trap Index per geography x region x year (METHODS.md section 1; docs/methodology_indices.md).
-- Pivots int_dti__comparisons (3 dimensions x 2 benchmarks) into the share score, the gap score, the nested
-- trap flags and the rolling persistence / at-risk flag. Scores are over the non-NULL comparisons only and
-- n_comparisons is the denominator; score_note says why any comparison is missing.
with

growth as (

    select * from {{ ref('int_dti__growth') }}

),

comparisons as (

    select * from {{ ref('int_dti__comparisons') }}

),

national as (

    select
        year,
        g_y as national_g_y,
        g_p as national_g_p,
        g_e as national_g_e
    from growth
    where geography = 'national'

),

scored as (

    select
        geography,
        unit_code,
        year,
        {%- for dim in ['y', 'p', 'e'] %}
            {%- for bench in ['own', 'national'] %}
                max(case when dimension = '{{ dim | upper }}' and benchmark = '{{ bench }}' then underperforms end)
                    as d_{{ dim }}_{{ bench }},
            {%- endfor %}
        {%- endfor %}
        sum(case when underperforms is not null and weight > 0 then 1 else 0 end) as n_comparisons,
        sum(case when weight > 0 then underperforms end) as n_underperforming,
        sum(case when underperforms is not null then weight end) as weight_scored,
        sum(weight * underperforms) as weighted_underperforming,
        sum(weight * gap) as weighted_gap,
        sum(case when benchmark = 'own' and underperforms is not null then 1 else 0 end) as n_dims_own,
        sum(case when benchmark = 'own' then underperforms else 0 end) as n_under_own,
        sum(case when benchmark = 'national' and underperforms is not null then 1 else 0 end) as n_dims_national,
        sum(case when benchmark = 'national' then underperforms else 0 end) as n_under_national
    from comparisons
    group by geography, unit_code, year

),

flags as (

    select
        scored.*,
        case
            when scored.weight_scored > 0 then scored.weighted_underperforming / scored.weight_scored
        end as dt_share,
        case
            when scored.weight_scored > 0 then scored.weighted_gap / scored.weight_scored
        end as dt_gap,
        -- three-valued: 1 when at least min_dims dimensions underperform, 0 when that can no longer be
        -- reached even if every missing dimension underperformed, NULL when the missing ones decide
        case
            when scored.n_under_own >= {{ min_dims }} then 1
            when scored.n_under_own + (3 - scored.n_dims_own) < {{ min_dims }} then 0
        end as dt1,
        case
            when scored.n_under_national >= {{ min_dims }} then 1
            when scored.n_under_national + (3 - scored.n_dims_national) < {{ min_dims }} then 0
        end as dt_national_flag
    from scored

),

nested as (

    select
        *,
        case
            when dt1 = 0 or dt_national_flag = 0 then 0
            when dt1 = 1 and dt_national_flag = 1 then 1
        end as dt2
    from flags

),

joined as (

    select
        growth.geography,
        growth.unit_code as region_code,
        growth.unit_name_en as region_name_en,
        growth.geo_version,
        growth.territory_key,
        growth.year,
        growth.growth_window_years,
        growth.own_past_window_years,
        growth.window_start_year,
        growth.own_past_first_year,
        growth.own_past_last_year,
        growth.territory_segment_start_year,
        growth.real_base_year,
        growth.population_avg,
        growth.population_avg_window_start,
        growth.employed_thousand,
        growth.employed_thousand_window_start,
        growth.real_growth_method,
        growth.own_past_real_growth_method,
        growth.deflated_links_in_growth_window,
        growth.deflated_links_in_own_window,
        growth.g_y,
        growth.g_p,
        growth.g_e,
        growth.g_y - growth.g_p - growth.g_e as identity_residual,
        growth.own_y,
        growth.own_p,
        growth.own_e,
        growth.own_y_years,
        growth.own_p_years,
        growth.own_e_years,
        national.national_g_y,
        national.national_g_p,
        national.national_g_e,
        nested.d_y_own,
        nested.d_y_national,
        nested.d_p_own,
        nested.d_p_national,
        nested.d_e_own,
        nested.d_e_national,
        nested.n_comparisons,
        nested.n_underperforming,
        nested.dt_share,
        nested.dt_gap,
        nested.n_dims_own,
        nested.n_under_own,
        nested.n_dims_national,
        nested.n_under_national,
        nested.dt1,
        nested.dt_national_flag,
        nested.dt2
    from growth
    inner join nested
        on
            growth.geography = nested.geography
            and growth.unit_code = nested.unit_code
            and growth.year = nested.year
    left join national
        on growth.year = national.year

),

rolling as (

    select
        *,
        count({{ trap_flag }}) over rolling_window as n_years_trap_scored,
        avg({{ trap_flag }}) over rolling_window as trap_share_rolling,
        count(dt_share) over rolling_window as n_years_share_scored,
        avg(dt_share) over rolling_window as dt_share_rolling
    from joined
    window rolling_window as (
        partition by geography, region_code, territory_key
        order by year
        range between {{ m - 1 }} preceding and current row
    )

),

risk as (

    select
        *,
        case when n_years_trap_scored >= {{ min_years }} then trap_share_rolling end as dti_persist,
        case when n_years_share_scored >= {{ min_years }} then dt_share_rolling end as dti_share_rolling
    from rolling

),

final as (

    select
        geography,
        region_code,
        region_name_en,
        geo_version,
        territory_key,
        year,
        growth_window_years,
        own_past_window_years,
        'own,national' as benchmark_set,
        'average annual total population' as employment_rate_denominator,
        real_growth_method,
        own_past_real_growth_method,
        deflated_links_in_growth_window,
        deflated_links_in_own_window,
        g_y,
        g_p,
        g_e,
        identity_residual,
        own_y,
        own_p,
        own_e,
        own_y_years,
        own_p_years,
        own_e_years,
        national_g_y,
        national_g_p,
        national_g_e,
        d_y_own,
        d_y_national,
        d_p_own,
        d_p_national,
        d_e_own,
        d_e_national,
        n_comparisons,
        6 as n_comparisons_possible,
        n_underperforming,
        {{ indices_labels([
            ["d_y_own is not null or d_y_national is not null", "'Y'"],
            ["d_p_own is not null or d_p_national is not null", "'P'"],
            ["d_e_own is not null or d_e_national is not null", "'E'"],
        ], sep=',') }} as dimensions_used,
        dt_share,
        dt_gap,
        n_dims_own,
        n_under_own,
        n_dims_national,
        n_under_national,
        dt1,
        dt_national_flag,
        dt2,
        '{{ trap_flag }}' as persistence_flag,
        {{ m }} as persistence_window_years,
        n_years_trap_scored,
        dti_persist,
        n_years_share_scored,
        dti_share_rolling,
        case
            when
                (n_comparisons >= {{ min_comparisons }} and dt_share >= {{ share_threshold }} - 1e-9)
                or dti_persist >= {{ persistence_threshold }} - 1e-9
                then 1
            when (dt_share is null or n_comparisons < {{ min_comparisons }}) and dti_persist is null then null
            else 0
        end as at_risk,
        {{ indices_labels([
            ["n_comparisons >= " ~ min_comparisons ~ " and dt_share >= " ~ share_threshold ~ " - 1e-9", "'dt_share >= " ~ (share_threshold | round(4)) ~ " in the year'"],
            ["dti_persist >= " ~ persistence_threshold ~ " - 1e-9", "'" ~ trap_flag ~ " in >= " ~ persistence_threshold ~ " of the scored years of the last " ~ m ~ "'"],
            ["dt_share is null or n_comparisons < " ~ min_comparisons, "'share criterion not evaluable (fewer than " ~ min_comparisons ~ " comparisons)'"],
            ["dti_persist is null", "'persistence not evaluable (fewer than " ~ min_years ~ " scored " ~ trap_flag ~ " years in the last " ~ m ~ ")'"],
            ["n_comparisons >= " ~ min_comparisons ~ " and dt_share < " ~ share_threshold ~ " - 1e-9 and dti_persist < " ~ persistence_threshold ~ " - 1e-9", "'neither criterion met'"],
        ]) }} as at_risk_basis,
        {{ indices_labels([
            ["population_avg is null or population_avg_window_start is null",
                "'no average population in " ~ "' || " ~ indices_year_text('year') ~ " || ' or ' || " ~ indices_year_text('window_start_year') ~ " || ' (series starts 2009): Y and E not computed'"],
            ["employed_thousand is null or employed_thousand_window_start is null",
                "'no LFS employment in ' || " ~ indices_year_text('year') ~ " || ' or ' || " ~ indices_year_text('window_start_year') ~ " || ': P and E not computed'"],
            ["territory_segment_start_year > window_start_year",
                "'territory series starts in ' || " ~ indices_year_text('territory_segment_start_year') ~ " || ' (boundary change or first year): no growth across it'"],
            ["territory_segment_start_year <= window_start_year and real_growth_method is null",
                "'no real GRP link in the growth window (no volume index and no nominal GRP for the deflator fallback): Y and P not computed'"],
            ["(g_y is not null and own_y is null) or (g_p is not null and own_p is null) or (g_e is not null and own_e is null)",
                "'own-past benchmark needs " ~ min_own ~ " annual growth rates in ' || " ~ indices_year_text('own_past_first_year') ~ " || '-' || " ~ indices_year_text('own_past_last_year') ~ " || ' within the territory series (from ' || " ~ indices_year_text('territory_segment_start_year') ~ " || ')'"],
            ["(g_y is not null and national_g_y is null) or (g_p is not null and national_g_p is null) or (g_e is not null and national_g_e is null)",
                "'national benchmark missing for a computed dimension'"],
            ["(real_growth_method != 'volume_index' and (g_y is not null or g_p is not null)) or (own_past_real_growth_method != 'volume_index' and (own_y is not null or own_p is not null))",
                "'real growth partly from nominal GRP deflated by the national GRP deflator (no volume index)'"],
        ]) }} as score_note
    from risk

),

scored_years as (

    select distinct
        geography,
        year
    from final
    where n_comparisons > 0

)

select final.*
from final
inner join scored_years
    on
        final.geography = scored_years.geography
        and final.year = scored_years.year

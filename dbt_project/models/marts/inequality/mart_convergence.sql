{#-
    Beta convergence (cross-section regression of average annual log growth on the initial log level)
    and the sigma-convergence trend (OLS of sigma_t on t) over fixed-length windows
    (var kzw_convergence_windows, default [5, 10]) and the whole period of each series.
    Grain: geography, geo_version, indicator, analysis, weighting, window_type, start_year, end_year.
    A series is one (geography, geo_version, indicator), so no window crosses a boundary change.
-#}

{%- set series_columns = ['geography', 'geo_version', 'indicator', 'unit'] -%}
{%- set window_columns = series_columns + ['window_type', 'window_length_years', 'start_year', 'end_year'] -%}
{%- set beta_part = window_columns + ['weighting'] -%}
{%- set min_regions = var('kzw_convergence_min_regions') -%}
{%- set min_years = var('kzw_sigma_trend_min_years') -%}

with

observations as (
    {{ kzw_ineq_observations() }}
),

series_years as (
    select distinct
        {{ series_columns | join(', ') }},
        year
    from observations
    where y is not null
),

beta_windows as (
    {{ kzw_ineq_convergence_windows('series_years', series_columns) }}
),

beta_pairs as (
    {{ kzw_ineq_beta_pairs('observations', 'beta_windows', series_columns) }}
),

beta_valid as (
    select * from beta_pairs
    where invalid_reason is null
),

beta_fit as (
    {{ kzw_ineq_regression('beta_valid', beta_part) }}
),

beta_summary as (
    select
        {{ beta_part | join(', ') }},
        count(case when invalid_reason is null then 1 end) as n_valid,
        count(case when invalid_reason is not null then 1 end) as n_excluded,
        count(case when invalid_reason = 'missing_population' then 1 end) as n_missing_population,
        count(case when invalid_reason = 'non_positive_value' then 1 end) as n_out_of_domain,
        {{ dbt.listagg(
            "case when invalid_reason is not null then " ~ dbt.concat(["region_code", "':'", "invalid_reason"]) ~ " end",
            "'; '",
            "order by region_code"
        ) }} as excluded_regions
    from beta_pairs
    group by {{ beta_part | join(', ') }}
),

beta_joined as (
    select
        beta_summary.*,
        beta_fit.slope,
        beta_fit.intercept,
        beta_fit.se_slope,
        beta_fit.t_stat,
        beta_fit.r_squared,
        beta_fit.sxx,
        case
            when beta_summary.n_valid < {{ min_regions }} and beta_summary.n_missing_population > 0
                then 'missing_population'
            when beta_summary.n_valid < {{ min_regions }} and beta_summary.n_out_of_domain > 0
                then 'non_positive_values'
            when beta_summary.n_valid < {{ min_regions }} then 'too_few_regions'
            when beta_fit.sxx is null or beta_fit.sxx <= 0 then 'no_variation_in_initial_level'
            when {{ kzw_ineq_null_on_invalid_rows() }} and beta_summary.n_excluded > 0 then 'invalid_input_rows'
        end as null_reason
    from beta_summary
    left join beta_fit
        on {{ kzw_ineq_join_on('beta_summary', 'beta_fit', beta_part) }}
),

beta as (
    select
        {{ series_columns | join(', ') }},
        'beta' as analysis,
        weighting,
        window_type,
        window_length_years,
        start_year,
        end_year,
        case when null_reason is null then slope end as slope,
        case when null_reason is null then intercept end as intercept,
        case when null_reason is null then se_slope end as se_slope,
        case when null_reason is null then t_stat end as t_stat,
        case when null_reason is null then r_squared end as r_squared,
        case
            when null_reason is null then {{ kzw_ineq_convergence_speed('slope', 'window_length_years') }}
        end as convergence_speed_lambda,
        case
            when null_reason is null
                then {{ kzw_ineq_div('ln(2.0)', kzw_ineq_convergence_speed('slope', 'window_length_years')) }}
        end as half_life_years,
        case
            when null_reason is null and slope < 0 then ln(2.0) / (-slope)
        end as half_life_approx_years,
        case
            when null_reason is not null then null
            when slope >= 0 then 'no_convergence_beta_not_negative'
            when 1.0 + slope * window_length_years <= 0 then 'one_plus_beta_t_not_positive'
        end as speed_null_reason,
        case when null_reason is null then slope < 0 end as is_converging,
        cast(null as {{ kzw_ineq_double() }}) as sigma_start,
        cast(null as {{ kzw_ineq_double() }}) as sigma_end,
        cast(null as {{ kzw_ineq_double() }}) as sigma_change,
        n_valid as n_observations,
        n_excluded,
        excluded_regions,
        null_reason,
        case
            when weighting = 'unweighted'
                then
                    'OLS: g_r = (ln y_r,t1 - ln y_r,t0) / T = alpha + beta ln y_r,t0 + e, T = t1 - t0; '
                    || 'SE = sqrt(SSR / (n - 2) / Sxx)'
            else
                'WLS with the population in t0 as weights v: g_r = (ln y_r,t1 - ln y_r,t0) / T '
                || '= alpha + beta ln y_r,t0 + e; SE = sqrt(sum v e^2 / (n - 2) / sum v (x - x_bar)^2)'
        end
        || '; lambda = -ln(1 + beta T) / T; half-life = ln 2 / lambda; approximation ln 2 / (-beta)'
            as formula
    from beta_joined
),

sigma_series as (
    select
        {{ series_columns | join(', ') }},
        weighting,
        year,
        value as sigma
    from {{ ref('mart_inequality') }}
    where
        measure = 'sigma_log'
        and variant = 'default'
        and value is not null
),

sigma_years as (
    select distinct
        {{ series_columns | join(', ') }},
        weighting,
        year
    from sigma_series
),

sigma_windows as (
    {{ kzw_ineq_convergence_windows('sigma_years', series_columns + ['weighting']) }}
),

sigma_points as (
    select
        {{ kzw_ineq_qualified_columns('sigma_windows', window_columns + ['weighting']) }},
        cast(sigma_series.year - sigma_windows.start_year as {{ kzw_ineq_double() }}) as x,
        sigma_series.sigma as y,
        1.0 as v,
        case when sigma_series.year = sigma_windows.start_year then sigma_series.sigma end as sigma_at_start,
        case when sigma_series.year = sigma_windows.end_year then sigma_series.sigma end as sigma_at_end
    from sigma_windows
    inner join sigma_series
        on
            {{ kzw_ineq_join_on('sigma_windows', 'sigma_series', series_columns + ['weighting']) }}
            and sigma_series.year between sigma_windows.start_year and sigma_windows.end_year
),

sigma_fit as (
    {{ kzw_ineq_regression('sigma_points', beta_part) }}
),

sigma_endpoints as (
    select
        {{ beta_part | join(', ') }},
        max(sigma_at_start) as sigma_start,
        max(sigma_at_end) as sigma_end
    from sigma_points
    group by {{ beta_part | join(', ') }}
),

sigma as (
    select
        {{ kzw_ineq_qualified_columns('sigma_fit', series_columns) }},
        'sigma_trend' as analysis,
        sigma_fit.weighting,
        sigma_fit.window_type,
        sigma_fit.window_length_years,
        sigma_fit.start_year,
        sigma_fit.end_year,
        case when sigma_fit.n >= {{ min_years }} then sigma_fit.slope end as slope,
        case when sigma_fit.n >= {{ min_years }} then sigma_fit.intercept end as intercept,
        case when sigma_fit.n >= {{ min_years }} then sigma_fit.se_slope end as se_slope,
        case when sigma_fit.n >= {{ min_years }} then sigma_fit.t_stat end as t_stat,
        case when sigma_fit.n >= {{ min_years }} then sigma_fit.r_squared end as r_squared,
        cast(null as {{ kzw_ineq_double() }}) as convergence_speed_lambda,
        cast(null as {{ kzw_ineq_double() }}) as half_life_years,
        cast(null as {{ kzw_ineq_double() }}) as half_life_approx_years,
        cast(null as {{ dbt.type_string() }}) as speed_null_reason,
        sigma_endpoints.sigma_end < sigma_endpoints.sigma_start as is_converging,
        sigma_endpoints.sigma_start,
        sigma_endpoints.sigma_end,
        sigma_endpoints.sigma_end - sigma_endpoints.sigma_start as sigma_change,
        sigma_fit.n as n_observations,
        cast(0 as {{ dbt.type_bigint() }}) as n_excluded,
        cast(null as {{ dbt.type_string() }}) as excluded_regions,
        case when sigma_fit.n < {{ min_years }} then 'too_few_years' end as null_reason,
        'OLS of sigma_t (mart_inequality sigma_log, variant default, same weighting) on t - t0 '
        || 'over the window: slope = sigma change per year (negative = sigma convergence), '
        || 'intercept = fitted sigma in t0; is_converging = sigma_t1 < sigma_t0' as formula
    from sigma_fit
    inner join sigma_endpoints
        on {{ kzw_ineq_join_on('sigma_fit', 'sigma_endpoints', beta_part) }}
),

final as (
    select * from beta
    union all
    select * from sigma
)

select * from final

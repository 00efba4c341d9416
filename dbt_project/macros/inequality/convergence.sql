{#-
    Beta and sigma convergence (METHODS.md section 3; Barro & Sala-i-Martin 1992).

    Windows never cross a boundary change: a series is one (geography, geo_version, indicator), so
    a window starts and ends inside one geo_version (on the 'comparable' geography the stable
    comparable_pre2018 units cover the whole period).
-#}

{% macro kzw_ineq_convergence_window_lengths() -%}
    {{ return(var('kzw_convergence_windows')) }}
{%- endmacro %}

{#-
    Windows of a set of series years (relation with series_columns + year):
    - 'fixed_length': every (t0, t0 + L * step) with both years present, L in var
      kzw_convergence_windows. The step is 1 year when var kzw_convergence_window_unit is 'years'
      (the default: L in years), or the series' own time step when it is 'steps' (the smallest gap
      between two consecutive years of the series: 10 on decennial data, so [5, 10] are 50 and 100
      years). window_length_years is L * step.
    - 'whole_period': (first year, last year) of the series, unless var
      kzw_convergence_whole_period is false.
-#}
{% macro kzw_ineq_convergence_windows(series_years, series_columns) -%}
    {% set series = series_columns | join(", ") %}
    {% set whole_period = var('kzw_convergence_whole_period') %}
    {% set unit = var('kzw_convergence_window_unit') %}
    {% if unit not in ['years', 'steps'] %}
        {{ exceptions.raise_compiler_error("kzw_convergence_window_unit must be 'years' or 'steps', got " ~ unit) }}
    {% endif %}
    {% set step = '1' if unit == 'years' else 'steps.time_step' %}
    {% if whole_period %}
        select
            {{ series }},
            'whole_period' as window_type,
            max(year) - min(year) as window_length_years,
            min(year) as start_year,
            max(year) as end_year
        from {{ series_years }}
        group by {{ series }}
        having max(year) > min(year)
    {% endif %}
    {% for window_length in kzw_ineq_convergence_window_lengths() %}
        {% if whole_period or not loop.first %}
            union all
        {% endif %}
        select
            {{ kzw_ineq_qualified_columns('start_years', series_columns) }},
            'fixed_length' as window_type,
            {{ window_length | int }} * {{ step }} as window_length_years,
            start_years.year as start_year,
            end_years.year as end_year
        from {{ series_years }} as start_years
        {%- if step != '1' %}
        inner join ({{ kzw_ineq_series_time_steps(series_years, series_columns) }}) as steps
            on {{ kzw_ineq_join_on('start_years', 'steps', series_columns) }}
        {%- endif %}
        inner join {{ series_years }} as end_years
            on
                {{ kzw_ineq_join_on('start_years', 'end_years', series_columns) }}
                and end_years.year = start_years.year + {{ window_length | int }} * {{ step }}
    {% endfor %}
{%- endmacro %}


{#- The time step of each series: the smallest gap between two of its consecutive years. -#}
{% macro kzw_ineq_series_time_steps(series_years, series_columns) -%}
    {%- set series = series_columns | join(", ") -%}
    select
        {{ series }},
        min(year - previous_year) as time_step
    from (
        select
            {{ series }},
            year,
            lag(year) over (partition by {{ series }} order by year) as previous_year
        from {{ series_years }}
    ) as ordered_years
    where previous_year is not null
    group by {{ series }}
{%- endmacro %}


{#-
    One row per window x weighting x region with the beta-regression variables:
        x = ln y_{r,t0}, g = (ln y_{r,t1} - ln y_{r,t0}) / T, T = t1 - t0,
        v = 1 (OLS) or the region's population in t0 (WLS),
    and invalid_reason for rows that cannot enter (missing or non-positive y at either end,
    missing population in t0 for the weighted fit).
-#}
{% macro kzw_ineq_beta_pairs(observations, windows, series_columns) -%}
    {%- set window_columns = series_columns + ['window_type', 'window_length_years', 'start_year', 'end_year'] -%}
    with

    window_regions as (
        select distinct
            {{ kzw_ineq_qualified_columns('windows', window_columns) }},
            obs.region_code
        from {{ windows }} as windows
        inner join {{ observations }} as obs
            on
                {{ kzw_ineq_join_on('windows', 'obs', series_columns) }}
                and obs.year in (windows.start_year, windows.end_year)
    ),

    endpoints as (
        select
            window_regions.*,
            start_obs.y as y_start,
            end_obs.y as y_end,
            start_obs.population as population_start
        from window_regions
        left join {{ observations }} as start_obs
            on
                {{ kzw_ineq_join_on('window_regions', 'start_obs', series_columns) }}
                and start_obs.year = window_regions.start_year
                and start_obs.region_code = window_regions.region_code
        left join {{ observations }} as end_obs
            on
                {{ kzw_ineq_join_on('window_regions', 'end_obs', series_columns) }}
                and end_obs.year = window_regions.end_year
                and end_obs.region_code = window_regions.region_code
    )

    select
        endpoints.*,
        weightings.weighting,
        {{ kzw_ineq_ln('y_start') }} as x,
        ({{ kzw_ineq_ln('y_end') }} - {{ kzw_ineq_ln('y_start') }}) / (end_year - start_year) as y,
        case when weightings.weighting = 'unweighted' then 1.0 else population_start end as v,
        case
            when y_start is null then 'missing_start_value'
            when y_end is null then 'missing_end_value'
            when y_start <= 0 or y_end <= 0 then 'non_positive_value'
            when weightings.weighting = 'population_weighted' and (population_start is null or population_start <= 0)
                then 'missing_population'
        end as invalid_reason
    from endpoints
    cross join (values ('unweighted'), ('population_weighted')) as weightings (weighting)
{%- endmacro %}


{#- Implied speed of convergence lambda = -ln(1 + beta T) / T, valid for beta < 0 and 1 + beta T > 0. -#}
{% macro kzw_ineq_convergence_speed(beta, window_years) -%}
    (case
        when ({{ beta }}) < 0 and 1.0 + ({{ beta }}) * ({{ window_years }}) > 0
            then -{{ kzw_ineq_ln('1.0 + (' ~ beta ~ ') * (' ~ window_years ~ ')') }} / ({{ window_years }})
    end)
{%- endmacro %}

{#-
    Simple (weighted) least squares of y on x within each partition, two-pass (centred sums, so no
    sum-of-squares cancellation), for OLS (weight 1) and WLS (weight v > 0, any scale):

        x_bar = sum v x / sum v, y_bar = sum v y / sum v
        Sxx = sum v (x - x_bar)^2, Syy = sum v (y - y_bar)^2, Sxy = sum v (x - x_bar)(y - y_bar)
        slope = Sxy / Sxx, intercept = y_bar - slope x_bar
        SSR = Syy - Sxy^2 / Sxx (clipped at 0), SE(slope) = sqrt(SSR / (n - 2) / Sxx)
        t = slope / SE, R^2 = Sxy^2 / (Sxx Syy)

    With v = 1 these equal DuckDB's regr_slope, regr_intercept, regr_r2, regr_sxx, regr_syy, regr_sxy
    (METHODS.md section 3); SE and t are scale-invariant in v, so population counts can be used as
    WLS weights directly. SE needs n >= 3; slope needs Sxx > 0; R^2 needs Syy > 0.

    relation must hold the columns in part_columns and x, y, v (already valid: non-NULL, v > 0).
    Returns one row per partition that has at least one row.
-#}
{% macro kzw_ineq_regression(relation, part_columns) -%}
    {%- set part = part_columns | join(', ') -%}
    with

    centred as (
        select
            {{ part }},
            x,
            y,
            v,
            sum(v * x) over (partition by {{ part }}) / sum(v) over (partition by {{ part }}) as x_bar,
            sum(v * y) over (partition by {{ part }}) / sum(v) over (partition by {{ part }}) as y_bar
        from {{ relation }}
    ),

    sums as (
        select
            {{ part }},
            count(*) as n,
            max(x_bar) as x_bar,
            max(y_bar) as y_bar,
            sum(v * (x - x_bar) * (x - x_bar)) as sxx,
            sum(v * (y - y_bar) * (y - y_bar)) as syy,
            sum(v * (x - x_bar) * (y - y_bar)) as sxy
        from centred
        group by {{ part }}
    ),

    fitted as (
        select
            *,
            case when sxx > 0 then sxy / sxx end as slope,
            case when sxx > 0 then greatest(syy - sxy * sxy / sxx, 0.0) end as ssr
        from sums
    ),

    inference as (
        select
            *,
            y_bar - slope * x_bar as intercept,
            case
                when n > 2 and sxx > 0 then {{ kzw_ineq_sqrt('ssr / (n - 2.0) / sxx') }}
            end as se_slope,
            case when sxx > 0 and syy > 0 then sxy * sxy / (sxx * syy) end as r_squared
        from fitted
    )

    select
        *,
        {{ kzw_ineq_div('slope', 'se_slope') }} as t_stat
    from inference
{%- endmacro %}

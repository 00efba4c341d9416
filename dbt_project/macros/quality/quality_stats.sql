{#-
    Cross-sectional statistics of one per-capita indicator for the anomaly rules A1, A2 and A6 (METHODS.md
    sections 3 and 5.2), one row per sample (the key columns). samples: a relation with the key columns and
    region_code, y (value, > 0) and p (average annual population, > 0), one row per region of the sample;
    the caller removes invalid rows. With w_r = p_r / sum p:

        mu_u            (1/n) sum y_r                          arithmetic mean of regions (NOT the national value)
        mu_w            sum p_r y_r / sum p_r                  total / total, the national value
        cv_u            stddev_pop(y) / mu_u                   unweighted coefficient of variation (ddof = 0)
        williamson_v_w  sqrt(sum w_r (y_r - mu_w)^2) / mu_w    Williamson (1965), centred on mu_w
        theil_t_w       sum w_r (y_r / mu_w) ln(y_r / mu_w)    population-weighted Theil T (GE(1))
        gini_u          1 - sum_k (1/n)(L_k + L_(k-1))          L: cumulative share of y, regions sorted by y
        gini_w          1 - sum_k w_k (L_k + L_(k-1))           L: cumulative share of p*y (Lorenz trapezoid)
        max_min_ratio   max y / min y

    All measures are exactly 0 when every y of the sample is equal (no rounding residue), so a relative
    change of a measure is never computed on a residue.
-#}
{% macro quality_cross_section_stats(samples, key_columns) -%}
    {%- set key = key_columns | join(', ') -%}
    with

    windowed as (
        select
            {{ key }},
            region_code,
            y,
            p,
            count(*) over (partition by {{ key }}) as n_regions,
            sum(y) over (partition by {{ key }}) as sum_y,
            sum(p) over (partition by {{ key }}) as sum_p,
            sum(p * y) over (partition by {{ key }}) as sum_py,
            sum(y) over (
                partition by {{ key }}
                order by y, region_code
                rows between unbounded preceding and current row
            ) as cumulative_y,
            sum(p * y) over (
                partition by {{ key }}
                order by y, region_code
                rows between unbounded preceding and current row
            ) as cumulative_py,
            row_number() over (partition by {{ key }} order by y desc, region_code) as rank_desc,
            row_number() over (partition by {{ key }} order by y asc, region_code) as rank_asc
        from {{ samples }}
    ),

    weighted as (
        select
            *,
            sum_y / n_regions as mu_u,
            sum_py / sum_p as mu_w,
            p / sum_p as w
        from windowed
    ),

    aggregated as (
        select
            {{ key }},
            max(n_regions) as n_regions,
            max(sum_p) as total_population,
            max(mu_u) as mu_u,
            max(mu_w) as mu_w,
            max(y) as y_max,
            min(y) as y_min,
            max(case when rank_desc = 1 then region_code end) as max_region_code,
            max(case when rank_asc = 1 then region_code end) as min_region_code,
            stddev_pop(y) / max(mu_u) as cv_u_raw,
            sqrt(sum(w * (y - mu_w) * (y - mu_w))) / max(mu_w) as williamson_v_w_raw,
            sum(w * (y / mu_w) * ln(y / mu_w)) as theil_t_w_raw,
            1.0 - sum((2.0 * cumulative_y - y) / sum_y) / max(n_regions) as gini_u_raw,
            1.0 - sum(w * (2.0 * cumulative_py - p * y) / sum_py) as gini_w_raw
        from weighted
        group by {{ key }}
    )

    select
        {{ key }},
        n_regions,
        total_population,
        mu_u,
        mu_w,
        y_max,
        y_min,
        max_region_code,
        min_region_code,
        y_max / y_min as max_min_ratio,
        case when y_max > y_min then cv_u_raw else 0.0 end as cv_u,
        case when y_max > y_min then williamson_v_w_raw else 0.0 end as williamson_v_w,
        case when y_max > y_min then theil_t_w_raw else 0.0 end as theil_t_w,
        case when y_max > y_min then gini_u_raw else 0.0 end as gini_u,
        case when y_max > y_min then gini_w_raw else 0.0 end as gini_w
    from aggregated
{%- endmacro %}

{#-
    Relative fall of a measure when a region is left out: 1 - leave_one_out / full. NULL when the full
    measure is 0 (no inequality to dominate) or NULL. Positive = the measure falls without the region.
-#}
{% macro quality_relative_drop(full, leave_one_out) -%}
    case when {{ full }} > 0 then 1.0 - {{ leave_one_out }} / {{ full }} end
{%- endmacro %}

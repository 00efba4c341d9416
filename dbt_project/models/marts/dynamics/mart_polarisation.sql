{#-
    Wolfson bipolarisation index per indicator and year, unweighted (= inequality.wolfson 1.1.2) and
    population-weighted (the same construction on the population Lorenz curve):

        W = (2 (1/2 - L(1/2)) - G) mu / m

    Regions sorted by y (ties by region_code), p_k = 1 (unweighted) or population_k (weighted),
    P_k = cumulative share of p, L_k = cumulative share of p y (the Lorenz curve through (P_k, L_k),
    starting at (0, 0)). L(1/2): linear interpolation on the segment with P_(k-1) < 1/2 <= P_k,
    = (sum_(i<k) p_i y_i + (P/2 - sum_(i<k) p_i) y_k) / sum p y (numpy.interp of PySAL).
    G = 1 - sum_k (p_k / P) (L_k + L_(k-1)) (Lorenz trapezoid, = mart_inequality's Gini).
    mu = sum p y / sum p. m = the (weighted) median: y_k of the segment where the cumulative
    population first reaches half, the mean of y_k and y_(k+1) when it reaches exactly half
    (= numpy.median when all p are equal).
-#}

{%- set part = ['geography', 'geo_version', 'indicator', 'year', 'weighting'] -%}
{%- set part_sql = part | join(', ') -%}

with

panel as (
    {{ kzw_dyn_panel() }}
),

units as (
    select
        panel.*,
        weightings.weighting,
        case
            when weightings.weighting = 'unweighted' then 1.0 else panel.population
        end as p
    from panel
    cross join (values ('unweighted'), ('population_weighted')) as weightings (weighting)
    where weightings.weighting = 'unweighted' or panel.population > 0
),

cumulated as (
    select
        *,
        sum(p) over (partition by {{ part_sql }}) as total_p,
        sum(p * y) over (partition by {{ part_sql }}) as total_py,
        sum(p) over (
            partition by {{ part_sql }} order by y, region_code rows between unbounded preceding and current row
        ) as cum_p,
        sum(p * y) over (
            partition by {{ part_sql }} order by y, region_code rows between unbounded preceding and current row
        ) as cum_py,
        lead(y) over (partition by {{ part_sql }} order by y, region_code) as next_y,
        count(*) over (partition by {{ part_sql }}) as n_units,
        min(y) over (partition by {{ part_sql }}) as y_min
    from units
),

segments as (
    select
        *,
        cum_p - p as prev_p,
        cum_py - p * y as prev_py
    from cumulated
),

summary as (
    select
        {{ part_sql }},
        max(unit) as unit,
        max(n_units) as n_units,
        max(total_p) as total_p,
        max(total_py) as total_py,
        max(y_min) as y_min,
        1.0 - sum(p / total_p * (cum_py + prev_py) / total_py) as gini,
        max(
            case
                when 2.0 * prev_p < total_p and 2.0 * cum_p >= total_p
                    then (prev_py + (0.5 * total_p - prev_p) * y) / total_py
            end
        ) as lorenz_at_half,
        max(
            case
                when 2.0 * prev_p < total_p and 2.0 * cum_p = total_p then (y + next_y) / 2.0
                when 2.0 * prev_p < total_p and 2.0 * cum_p > total_p then y
            end
        ) as median
    from segments
    group by {{ part_sql }}
),

flagged as (
    select
        *,
        total_py / total_p as mean,
        case
            when n_units < 2 then 'too_few_units'
            when y_min < 0 then 'negative_value'
            when total_py <= 0 then 'non_positive_mean'
            when median <= 0 then 'non_positive_median'
        end as null_reason
    from summary
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        weighting,
        case
            when null_reason is null then (2.0 * (0.5 - lorenz_at_half) - gini) * mean / median
        end as wolfson,
        case when null_reason is null then gini end as gini,
        case when null_reason is null then lorenz_at_half end as lorenz_at_half,
        mean,
        median,
        n_units,
        null_reason,
        'W = (2 (1/2 - L(1/2)) - G) mu / m'
        || case
            when weighting = 'unweighted' then ' (= inequality.wolfson)'
            else '; Lorenz curve, G, mu and m weighted by average population'
        end as formula
    from flagged
)

select * from final

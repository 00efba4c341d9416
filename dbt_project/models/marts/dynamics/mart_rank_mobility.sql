{#-
    Rank mobility of the regions between two years (lags var kzw_rank_mobility_lags, default 1, 5
    and 10 years), within one geography and geo_version (giddy.rank 2.3.6):

        Kendall's tau_b over all pairs i < j of the n regions with values in both years:
            S = sum sign(x_i - x_j) sign(y_i - y_j), tau = S / sqrt(n_x n_y),
            n_x (n_y) = pairs not tied in x (y)                         (= giddy Tau.tau)
        z = tau / sqrt((4n + 10) / (9 n (n - 1))), p two-tailed normal   (giddy Tau.tau_p)
        spatial tau: the same over contiguous pairs only (binary W)      (= giddy SpatialTau)
        Theta = sum_g |sum_(i in g) (r_i,end - r_i,start)| / sum_i |r_i,end - r_i,start|, ranks
            (average for ties) among the n regions, g the macro-regions (= giddy Theta.theta)
-#}

{%- set lags = var('kzw_rank_mobility_lags', [1, 5, 10]) -%}
{%- set part = ['geography', 'geo_version', 'indicator', 'lag_years', 'start_year', 'end_year'] -%}
{%- set part_sql = part | join(', ') -%}

with

panel as (
    {{ kzw_dyn_panel() }}
),

spans as (
    {{ kzw_dyn_spans('panel', lags) }}
),

adjacency as (
    {{ kzw_dyn_adjacency() }}
),

pair_signs as (
    select
        {{ kzw_ineq_qualified_columns('unit_a', part) }},
        sign(unit_a.y_start - unit_b.y_start) * sign(unit_a.y_end - unit_b.y_end) as concordance,
        sign(unit_a.y_start - unit_b.y_start) <> 0 as untied_start,
        sign(unit_a.y_end - unit_b.y_end) <> 0 as untied_end,
        adjacency.region_a is not null as is_neighbour
    from spans as unit_a
    inner join spans as unit_b
        on
            {{ kzw_ineq_join_on('unit_a', 'unit_b', part) }}
            and unit_a.region_code < unit_b.region_code
    left join adjacency
        on
            unit_a.geo_version = adjacency.geo_version
            and unit_a.region_code = adjacency.region_a
            and unit_b.region_code = adjacency.region_b
),

pair_summary as (
    select
        {{ part_sql }},
        sum(concordance) as s_all,
        count(case when concordance > 0 then 1 end) as concordant,
        count(case when concordance < 0 then 1 end) as discordant,
        count(case when untied_start then 1 end) as untied_start,
        count(case when untied_end then 1 end) as untied_end,
        count(case when is_neighbour then 1 end) as n_neighbour_pairs,
        sum(case when is_neighbour then concordance else 0 end) as s_spatial,
        count(case when is_neighbour and concordance > 0 then 1 end) as concordant_spatial,
        count(case when is_neighbour and concordance < 0 then 1 end) as discordant_spatial,
        count(case when is_neighbour and untied_start then 1 end) as untied_start_spatial,
        count(case when is_neighbour and untied_end then 1 end) as untied_end_spatial
    from pair_signs
    group by {{ part_sql }}
),

ranked as (
    select
        *,
        rank() over (partition by {{ part_sql }} order by y_start)
        + (count(*) over (partition by {{ part_sql }}, y_start) - 1) / cast(2 as {{ kzw_ineq_double() }}) as rank_start,
        rank() over (partition by {{ part_sql }} order by y_end)
        + (count(*) over (partition by {{ part_sql }}, y_end) - 1) / cast(2 as {{ kzw_ineq_double() }}) as rank_end,
        count(*) over (partition by {{ part_sql }}) as n_units
    from spans
),

macro_region_moves as (
    select
        {{ part_sql }},
        macro_region,
        max(unit) as unit,
        max(n_units) as n_units,
        sum(rank_end - rank_start) as net_move,
        sum(abs(rank_end - rank_start)) as gross_move
    from ranked
    group by {{ part_sql }}, macro_region
),

theta as (
    select
        {{ part_sql }},
        max(unit) as unit,
        max(n_units) as n_units,
        count(*) as n_macro_regions,
        sum(abs(net_move)) as within_group_net_move,
        sum(gross_move) as rank_change_total
    from macro_region_moves
    group by {{ part_sql }}
),

statistics as (
    select
        theta.*,
        pair_summary.concordant,
        pair_summary.discordant,
        pair_summary.n_neighbour_pairs,
        pair_summary.concordant_spatial,
        pair_summary.discordant_spatial,
        {{ kzw_ineq_div(
            'pair_summary.s_all', kzw_ineq_sqrt('cast(pair_summary.untied_start as ' ~ kzw_ineq_double() ~ ') * pair_summary.untied_end')
        ) }} as tau,
        {{ kzw_ineq_div(
            'pair_summary.s_spatial',
            kzw_ineq_sqrt('cast(pair_summary.untied_start_spatial as ' ~ kzw_ineq_double() ~ ') * pair_summary.untied_end_spatial')
        ) }} as tau_spatial,
        {{ kzw_ineq_div('theta.within_group_net_move', 'theta.rank_change_total') }} as theta
    from theta
    left join pair_summary
        on
            {{ kzw_ineq_join_on('theta', 'pair_summary', part) }}
),

tests as (
    select
        *,
        tau / sqrt((4.0 * n + 10.0) / (9.0 * n * (n - 1.0))) as tau_z
    from (
        select
            *,
            cast(n_units as {{ kzw_ineq_double() }}) as n
        from statistics
    ) as sized
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        lag_years,
        start_year,
        end_year,
        n_units,
        tau,
        tau_z,
        {{ kzw_ineq_two_tailed_p('tau_z') }} as tau_p,
        concordant,
        discordant,
        tau_spatial,
        n_neighbour_pairs,
        concordant_spatial,
        discordant_spatial,
        theta,
        rank_change_total,
        n_macro_regions,
        case
            when n_units < 2 then 'too_few_units'
            when tau is null then 'all_tied'
        end as null_reason
    from tests
)

select * from final

{#-
    Spatial decomposition of the Gini (Rey & Smith 2013; inequality.gini.Gini_Spatial 1.1.2) per
    indicator, year and geography, with binary contiguity of the matching geo_version, with and
    without the enclave cities:

        G = sum_i sum_j |y_i - y_j| / (2 n^2 mu) = (SAD_neighbours + SAD_non_neighbours) / (2 n^2 mu)

    SAD over ordered pairs (each unordered pair twice, as Gini_Spatial's wg); the non-neighbour
    share wcg / (2 n^2 mu) and Gini_Spatial's polarization = (wcg / wg) (pairs_nb / pairs_non_nb).
-#}

{%- set part = ['geography', 'geo_version', 'indicator', 'year', 'city_scope'] -%}
{%- set part_sql = part | join(', ') -%}

with

panel as (
    {{ kzw_dyn_panel() }}
),

scoped as (
    {{ kzw_dyn_city_scoped('panel') }}
),

neighbours as (
    {{ kzw_dyn_neighbour_pairs('scoped', part) }}
),

unit_summary as (
    select
        {{ part_sql }},
        max(unit) as unit,
        count(*) as n_units,
        sum(y) as sum_y,
        min(y) as y_min
    from scoped
    group by {{ part_sql }}
),

pair_deviations as (
    select
        {{ kzw_ineq_qualified_columns('unit_a', part) }},
        abs(unit_a.y - unit_b.y) as abs_deviation,
        neighbours.region_code is not null as is_neighbour
    from scoped as unit_a
    inner join scoped as unit_b
        on
            {{ kzw_ineq_join_on('unit_a', 'unit_b', part) }}
            and unit_a.region_code <> unit_b.region_code
    left join neighbours
        on
            {{ kzw_ineq_join_on('unit_a', 'neighbours', part) }}
            and unit_a.region_code = neighbours.region_code
            and unit_b.region_code = neighbours.neighbour_code
),

pair_summary as (
    select
        {{ part_sql }},
        sum(abs_deviation) as sad_total,
        sum(case when is_neighbour then abs_deviation else 0.0 end) as sad_neighbours,
        count(case when is_neighbour then 1 end) / 2 as n_neighbour_pairs,
        count(case when not is_neighbour then 1 end) / 2 as n_non_neighbour_pairs
    from pair_deviations
    group by {{ part_sql }}
),

flagged as (
    select
        unit_summary.*,
        pair_summary.sad_total,
        pair_summary.sad_neighbours,
        pair_summary.sad_total - pair_summary.sad_neighbours as sad_non_neighbours,
        coalesce(pair_summary.n_neighbour_pairs, 0) as n_neighbour_pairs,
        coalesce(pair_summary.n_non_neighbour_pairs, 0) as n_non_neighbour_pairs,
        2.0 * unit_summary.sum_y * unit_summary.n_units as denominator,
        case
            when unit_summary.n_units < 2 then 'too_few_units'
            when unit_summary.y_min < 0 then 'negative_value'
            when unit_summary.sum_y <= 0 then 'non_positive_mean'
        end as null_reason
    from unit_summary
    left join pair_summary
        on
            {{ kzw_ineq_join_on('unit_summary', 'pair_summary', part) }}
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        city_scope,
        case when null_reason is null then sad_total / denominator end as gini,
        case when null_reason is null then sad_neighbours / denominator end as gini_neighbours,
        case when null_reason is null then sad_non_neighbours / denominator end as gini_non_neighbours,
        case
            when null_reason is null then {{ kzw_ineq_div('sad_non_neighbours', 'sad_total') }}
        end as non_neighbour_share,
        case
            when null_reason is null and n_neighbour_pairs > 0 and n_non_neighbour_pairs > 0
                then {{ kzw_ineq_div(
                    'sad_non_neighbours * n_neighbour_pairs', 'sad_neighbours * n_non_neighbour_pairs'
                ) }}
        end as polarisation,
        sad_total,
        sad_neighbours,
        sad_non_neighbours,
        n_units,
        n_neighbour_pairs,
        n_non_neighbour_pairs,
        null_reason
    from flagged
)

select * from final

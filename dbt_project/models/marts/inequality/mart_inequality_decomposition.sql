{#-
    Exact between/within decomposition of Theil T and Theil L by macro-region and by
    cities-vs-oblasts, unweighted and population-weighted.
    Grain: geography, geo_version, indicator, year, measure, weighting, partition_name, component,
    group_value. The arithmetic lives in macros/inequality/decomposition.sql (METHODS.md section 3).
-#}

with

observations as (
    {{ kzw_ineq_observations() }}
),

decomposition_stats as (
    {{ kzw_ineq_theil_decomposition_stats('observations') }}
),

decomposition_rows as (
    {{ kzw_ineq_decomposition_rows('decomposition_stats') }}
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        measure,
        weighting,
        partition_name,
        component,
        group_value,
        case
            when null_reason is not null then null
            when all_values_equal then 0.0
            else raw_value
        end as value,
        case
            when null_reason is not null or all_values_equal then null
            else {{ kzw_ineq_div('raw_value', 'total_value') }}
        end as share_of_total,
        case
            when null_reason is not null then null
            when all_values_equal then 0.0
            else group_index
        end as group_index,
        case when null_reason is null then group_weight end as group_weight,
        case when null_reason is null then group_population_share end as group_population_share,
        case when null_reason is null then group_output_share end as group_output_share,
        group_n_regions,
        case when null_reason is null then decomposition_residual end as decomposition_residual,
        n_regions,
        n_groups,
        n_excluded,
        excluded_regions,
        null_reason,
        formula
    from decomposition_rows
)

select * from final

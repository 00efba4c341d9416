{#-
    Regional inequality of every indicator, year and geography, long format.
    Grain: geography, geo_version, indicator, year, measure, weighting, variant.
    The measures are defined once in macros/inequality/cross_section.sql (METHODS.md section 3).
-#}

with

observations as (
    {{ kzw_ineq_observations() }}
),

cross_section_stats as (
    {{ kzw_ineq_cross_section_stats('observations') }}
),

measure_rows as (
    {{ kzw_ineq_measure_rows('cross_section_stats') }}
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
        variant,
        case when null_reason is null then raw_value end as value,
        value_unit,
        value_domain,
        n_regions,
        n_excluded,
        excluded_regions,
        null_reason,
        detail,
        formula
    from measure_rows
)

select * from final

{#- Each catalog measure's column comment: its catalog description and this model's geography. -#}
{{ config(post_hook="{{ measure_column_comments(
    'Geography: comparable (stable pre-2018 unit); method for split units:', split_method=true
) }}") }}
-- Annual regional facts on the 16 stable pre-2018 units (comparable_region_code), one row per unit x
-- year over the whole period. Units split in 2018 or 2022 are re-aggregated from their parts: sums for
-- additive measures, weighted means for per-capita and rate measures (weights per column description).
with

wide as (

    select * from {{ ref('int_region_year__wide') }}
    where geography = 'comparable'

),

final as (

    select
        cast(year as integer) as year,
        region_code as comparable_region_code,
        region_name_en as comparable_region_name_en,
        region_type,
        macro_region,
        geo_version,
        territory_key,
        n_base_units,
        -- the measures of the catalog (raw.measure_catalog), then those derived here
        {{ measure_columns() }}
        population,
        population_method,
        grp_per_capita_kzt,
        physicians_per_10k,
        investment_per_capita_kzt,
        schools_per_10k,
        buses_per_10k,
        rnd_per_capita_kzt,
        {{ log_growth('grp_mln_kzt') }} as grp_nominal_log_growth,
        {{ log_growth('population_avg') }} as population_avg_log_growth,
        reaggregated_measures,
        source_release_ids
    from wide

)

select * from final

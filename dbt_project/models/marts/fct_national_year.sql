{#- Each catalog measure's column comment: its catalog description and this model's geography. -#}
{{ config(post_hook="{{ measure_column_comments(
    'Geography: the whole country, the published national row (Республика Казахстан).'
) }}") }}
-- The published national row (Республика Казахстан, region_code 'KZ') of every measure, one row per
-- year; kept out of fct_region_year so that summing that table never counts the country twice.
with

national as (

    select * from {{ ref('int_national_year__wide') }}

),

final as (

    select
        cast(year as integer) as year,
        'KZ' as region_code,
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
        source_release_ids
    from national
    where year >= {{ var('kzw_first_year') }}

)

select * from final

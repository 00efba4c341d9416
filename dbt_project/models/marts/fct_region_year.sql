{#- Each catalog measure's column comment: its catalog description and this model's geography. -#}
{{ config(post_hook="{{ measure_column_comments(
    'Geography: as published, units of geo_version; parts of a finer publication are re-aggregated'
    ~ ' (see reaggregated_measures).'
) }}") }}
-- Annual regional facts in the geography of the year (as published): one row per region x year.
-- The units are those of the administrative map in force in the year (geo_version); a table that
-- publishes a newer, finer map for the year (GRP 2021 with Abai/Zhetisu/Ulytau, population and life
-- expectancy 2017 with Shymkent, labour 2010-2017 with Turkestan/Shymkent) is re-aggregated into it
-- (listed in reaggregated_measures); a coarser one would leave the value NULL. National row: fct_national_year.
with

wide as (

    select * from {{ ref('int_region_year__wide') }}
    where geography = 'as_published'

),

final as (

    select
        cast(year as integer) as year,
        region_code,
        region_name_en,
        region_type,
        macro_region,
        geo_version,
        territory_key,
        comparable_region_code,
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

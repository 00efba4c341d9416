-- The geography each table publishes, per measure and year: which units it lists, which version of
-- the map that is, and which traps were fixed (South Kazakhstan under the Turkestan label, successors
-- listed beside South Kazakhstan). This is the evidence for the geo_version of every fact value.
with

observations as (

    select * from {{ ref('int_observations__annual') }}
    where not is_national

),

final as (

    select
        measure,
        any_value(dataset_id) as dataset_id,
        year,
        any_value(published_geo_version) as published_geo_version,
        any_value(calendar_geo_version) as calendar_geo_version,
        any_value(published_geo_version) <> any_value(calendar_geo_version) as differs_from_calendar,
        count(*) filter (where not is_superseded) as n_units_published,
        any_value(n_units_not_published) as n_units_not_published,
        {{ sorted_string_agg('region_code', "','", filter='not is_superseded') }} as units_published,
        {{ sorted_string_agg('published_region_code', "','", filter='is_superseded') }} as units_superseded,
        count(*) filter (where recode_reason is not null) as n_units_recoded
    from observations
    group by measure, year

)

select * from final

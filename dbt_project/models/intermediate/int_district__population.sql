-- Population by district and city administration on 1 January 2023 (BNS bulletin 18, sheet 02), one row
-- per unit, with its parent region's totals. The raw layer has one shape for every dataset, so a unit
-- travels in `series` as '<measure>|<unit kind>|<centre or other>|<label>' (ingestion.parsers.bns_district);
-- this model splits it again. Values in persons; '-' (none) is NULL with value_flag 'not_available'.
with

observations as (

    select * from {{ ref('stg_bns__observations') }}
    where dataset_id = 'population_by_district'

),

units as (

    select
        region_code,
        year,
        release_id,
        split_part(series, '|', 1) as measure,
        split_part(series, '|', 2) as unit_kind,
        split_part(series, '|', 3) = 'centre' as is_admin_centre,
        split_part(series, '|', 4) as unit_label,
        value,
        source_location
    from observations
    where series like '%|%'

),

regions as (

    select
        region_code,
        max(case when series = 'total' then value end) as region_total,
        max(case when series = 'urban' then value end) as region_urban
    from observations
    where series not like '%|%' and region_code <> 'KZ'
    group by region_code

),

final as (

    select
        units.region_code,
        cast(units.year as integer) as year,
        units.unit_label,
        units.unit_kind,
        units.is_admin_centre,
        max(case when units.measure = 'total' then units.value end) as population,
        max(case when units.measure = 'urban' then units.value end) as population_urban,
        max(case when units.measure = 'rural' then units.value end) as population_rural,
        max(case when units.measure = 'total' then units.source_location end) as source_location,
        any_value(regions.region_total) as region_population,
        any_value(regions.region_urban) as region_population_urban,
        any_value(units.release_id) as release_id
    from units
    inner join regions
        on units.region_code = regions.region_code
    group by
        units.region_code,
        units.year,
        units.unit_label,
        units.unit_kind,
        units.is_admin_centre

)

select * from final

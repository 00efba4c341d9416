-- An asset check of region_adjacency in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'region_adjacency'}}}) }}
-- The adjacency of every geo_version uses exactly the units of that geography (int_region__composition)
-- and every unit has at least one neighbour (Kazakhstan has no islands).
with

units as (

    select distinct
        geo_version,
        region_code
    from {{ ref('int_region__composition') }}

),

adjacency_units as (

    select distinct
        geo_version,
        region_a as region_code
    from {{ ref('region_adjacency') }}

)

select
    coalesce(units.geo_version, adjacency_units.geo_version) as geo_version,
    coalesce(units.region_code, adjacency_units.region_code) as region_code,
    case
        when adjacency_units.region_code is null then 'unit without neighbour'
        else 'adjacency unit not in the geography'
    end as problem
from units
full outer join adjacency_units
    on
        units.geo_version = adjacency_units.geo_version
        and units.region_code = adjacency_units.region_code
where units.region_code is null or adjacency_units.region_code is null

-- An asset check of int_observations__annual in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'int_observations__annual'}}}) }}
-- In every measure-year the units used (after dropping successors listed beside South Kazakhstan) form
-- a partition: no 2022 unit is covered by two published units. Guards the double-counting trap.
with

observations as (

    select * from {{ ref('int_observations__annual') }}
    where not is_national and not is_superseded

),

bases as (

    select distinct
        territory_key,
        base_region_code
    from {{ ref('int_region__composition') }}

)

select
    observations.measure,
    observations.year,
    bases.base_region_code,
    count(*) as n_covering_units,
    string_agg(observations.region_code, ',') as covering_units
from observations
inner join bases
    on observations.territory_key = bases.territory_key
group by observations.measure, observations.year, bases.base_region_code
having count(*) > 1

-- An asset check of fct_region_year_comparable in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'fct_region_year_comparable'}}}) }}
-- The comparable geography has exactly one row per stable unit (the 16 comparable_region_codes of the
-- pre-2018 map) and year, for every year of the as-published facts.
with

units as (

    select distinct comparable_region_code
    from {{ ref('dim_region') }}
    where region_type <> 'country'

),

years as (

    select distinct year from {{ ref('fct_region_year') }}

),

expected as (

    select
        years.year,
        units.comparable_region_code
    from years
    cross join units

),

actual as (

    select
        year,
        comparable_region_code,
        count(*) as n_rows
    from {{ ref('fct_region_year_comparable') }}
    group by year, comparable_region_code

),

unit_count as (

    select count(*) as n_units from units

)

select
    coalesce(expected.year, actual.year) as year,
    coalesce(expected.comparable_region_code, actual.comparable_region_code) as comparable_region_code,
    coalesce(actual.n_rows, 0) as n_rows,
    'expected exactly one row' as problem
from expected
full outer join actual
    on
        expected.year = actual.year
        and expected.comparable_region_code = actual.comparable_region_code
where coalesce(actual.n_rows, 0) <> 1

union all

select
    null as year,
    null as comparable_region_code,
    n_units as n_rows,
    'expected 16 stable units' as problem
from unit_count
where n_units <> 16

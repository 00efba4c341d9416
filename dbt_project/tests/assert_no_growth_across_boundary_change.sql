-- An asset check of fct_region_year in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'fct_region_year'}}}) }}
-- No growth rate is computed across a boundary change: every non-NULL growth value of the facts has a
-- row for the previous year with the same territory (territory_key). Also, the comparable units never
-- change territory.
with

as_published as (

    select
        'fct_region_year' as model,
        region_code,
        year,
        territory_key,
        grp_nominal_log_growth,
        population_avg_log_growth
    from {{ ref('fct_region_year') }}

),

comparable as (

    select
        'fct_region_year_comparable' as model,
        comparable_region_code as region_code,
        year,
        territory_key,
        grp_nominal_log_growth,
        population_avg_log_growth
    from {{ ref('fct_region_year_comparable') }}

),

unioned as (

    select * from as_published
    union all
    select * from comparable

),

with_previous as (

    select
        current_year.*,
        previous_year.territory_key as previous_territory_key
    from unioned as current_year
    left join unioned as previous_year
        on
            current_year.model = previous_year.model
            and current_year.region_code = previous_year.region_code
            and current_year.year = previous_year.year + 1

),

growth_across_change as (

    select
        model,
        region_code,
        year,
        territory_key,
        previous_territory_key,
        'growth without a previous year of the same territory' as problem
    from with_previous
    where
        (grp_nominal_log_growth is not null or population_avg_log_growth is not null)
        and previous_territory_key is distinct from territory_key

),

unstable_comparable as (

    select
        model,
        region_code,
        null as year,
        min(territory_key) as territory_key,
        max(territory_key) as previous_territory_key,
        'comparable unit changes territory' as problem
    from comparable
    group by model, region_code
    having count(distinct territory_key) > 1

)

select * from growth_across_change
union all
select * from unstable_comparable

-- The population denominator of every per-capita measure, one row per territory (or the country) and
-- year: the average annual population BNS publishes where it exists (from 2009), otherwise the mean of
-- the 1 January populations of t and t + 1 (the standard approximation of the average of a year), each
-- value labelled with its method. Why: the average series starts in 2009 while 1 January runs from
-- 2000, so per-capita measures and the population-weighted inequality can start in 2000. Nothing is
-- extrapolated: a year without both 1 January values and no published average has no population.
with

territory_measures as (

    select
        false as is_national,
        territory_key,
        year,
        measure,
        value
    from {{ ref('int_measures__by_territory') }}
    where measure in ('population_avg', 'population_jan1')

),

national_measures as (

    select
        true as is_national,
        cast(null as {{ dbt.type_string() }}) as territory_key,
        year,
        measure,
        max(value) as value
    from {{ ref('int_observations__annual') }}
    where is_national and measure in ('population_avg', 'population_jan1')
    group by year, measure

),

measures as (

    select * from territory_measures
    union all
    select * from national_measures

),

by_year as (

    select
        is_national,
        territory_key,
        year,
        max(case when measure = 'population_avg' then value end) as population_avg_published,
        max(case when measure = 'population_jan1' then value end) as population_jan1
    from measures
    group by is_national, territory_key, year

),

with_next_jan1 as (

    select
        this_year.*,
        next_year.population_jan1 as population_jan1_next
    from by_year as this_year
    left join by_year as next_year
        on
            this_year.is_national = next_year.is_national
            and this_year.territory_key is not distinct from next_year.territory_key
            and next_year.year = this_year.year + 1

),

final as (

    select
        is_national,
        territory_key,
        year,
        population_avg_published,
        population_jan1,
        population_jan1_next,
        coalesce(
            population_avg_published,
            (population_jan1 + population_jan1_next) / 2.0
        ) as population,
        case
            when population_avg_published is not null then 'published'
            when population_jan1 is not null and population_jan1_next is not null then 'derived_mean_1jan'
        end as population_method
    from with_next_jan1

)

select * from final

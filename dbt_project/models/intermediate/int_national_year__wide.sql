-- The published national row ('KZ', Республика Казахстан) of every measure, one row per year.
{%- set measures = measure_names() %}
with

national as (

    select * from {{ ref('int_observations__annual') }}
    where is_national

),

population as (

    select * from {{ ref('int_population__annual') }}
    where is_national

),

pivoted as (

    select
        year,
        {%- for measure in measures %}
            max(value) filter (where measure = '{{ measure }}') as {{ measure }},
        {%- endfor %}
        {{ sorted_string_agg("dataset_id || ':' || release_id", "';'", distinct=true) }} as source_release_ids
    from national
    group by year

),

-- per-capita measures divide by int_population__annual.population (published or derived, see there)
derived as (

    select
        pivoted.*,
        population.population,
        population.population_method,
        pivoted.grp_mln_kzt * 1e6 / nullif(population.population, 0) as grp_per_capita_kzt,
        pivoted.physicians * 1e4 / nullif(population.population, 0) as physicians_per_10k,
        pivoted.investment_mln_kzt * 1e6 / nullif(population.population, 0) as investment_per_capita_kzt,
        pivoted.general_schools * 1e4 / nullif(population.population, 0) as schools_per_10k,
        pivoted.buses * 1e4 / nullif(population.population, 0) as buses_per_10k,
        pivoted.rnd_expenditure_thousand_kzt * 1e3 / nullif(population.population, 0) as rnd_per_capita_kzt
    from pivoted
    left join population
        on pivoted.year = population.year

)

select * from derived

-- One row per geography x region x year with every measure as a column: the common body of
-- fct_region_year (geography 'as_published': the units of the map in force in the year) and
-- fct_region_year_comparable (geography 'comparable': the 16 stable pre-2018 units), and the input
-- of int_indicators__long.
{%- set measures = measure_names() %}
with

measures as (

    select * from {{ ref('int_measures__by_territory') }}

),

units as (

    select distinct
        geo_version,
        region_code,
        territory_key,
        n_base_units,
        region_name_en,
        region_type,
        macro_region,
        comparable_region_code
    from {{ ref('int_region__composition') }}

),

population as (

    select * from {{ ref('int_population__annual') }}
    where not is_national

),

years as (

    select distinct year
    from {{ ref('int_observations__annual') }}

),

grid as (

    select
        'as_published' as geography,
        units.geo_version,
        years.year,
        units.region_code,
        units.territory_key,
        units.n_base_units,
        units.region_name_en,
        units.region_type,
        units.macro_region,
        units.comparable_region_code
    from years
    inner join units
        on units.geo_version = {{ geo_version_for_year('years.year') }}

    union all

    select
        'comparable' as geography,
        units.geo_version,
        years.year,
        units.region_code,
        units.territory_key,
        units.n_base_units,
        units.region_name_en,
        units.region_type,
        units.macro_region,
        units.comparable_region_code
    from years
    inner join units
        on units.geo_version = 'comparable_pre2018'

),

joined as (

    select
        grid.*,
        measures.measure,
        measures.value,
        measures.aggregation_method,
        measures.dataset_id,
        measures.release_id
    from grid
    left join measures
        on
            grid.year = measures.year
            and grid.territory_key = measures.territory_key

),

pivoted as (

    select
        geography,
        geo_version,
        year,
        region_code,
        territory_key,
        n_base_units,
        region_name_en,
        region_type,
        macro_region,
        comparable_region_code,
        {%- for measure in measures %}
            max(value) filter (where measure = '{{ measure }}') as {{ measure }},
        {%- endfor %}
        {{ sorted_string_agg('measure', "','", filter="aggregation_method <> 'published'") }} as reaggregated_measures,
        {{ sorted_string_agg("dataset_id || ':' || release_id", "';'", distinct=true) }} as source_release_ids
    from joined
    group by
        geography,
        geo_version,
        year,
        region_code,
        territory_key,
        n_base_units,
        region_name_en,
        region_type,
        macro_region,
        comparable_region_code

),

-- per-capita measures divide by int_population__annual.population: the published average, or the
-- mean of two 1 January values where none is published (population_method says which)
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
        on
            pivoted.territory_key = population.territory_key
            and pivoted.year = population.year

)

select * from derived

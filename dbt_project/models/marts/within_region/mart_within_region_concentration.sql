-- Inside the regions, 1 January 2023: how concentrated each region's population is across its districts
-- and city administrations (BNS bulletin 18). This is POPULATION CONCENTRATION, not income inequality:
-- the share of the largest unit and of the administrative centre, the Gini and Theil T of unit
-- populations (unweighted across units, PySAL conventions, METHODS.md section 3) and the urban share.
with

units as (

    select * from {{ ref('int_district__population') }}
    where population > 0

),

ranked as (

    select
        *,
        row_number() over (partition by region_code order by population asc, unit_label asc) as size_rank,
        row_number() over (partition by region_code order by population desc, unit_label asc) as largest_rank,
        count(*) over (partition by region_code) as n_units,
        sum(population) over (partition by region_code) as units_population,
        avg(population) over (partition by region_code) as mean_population
    from units

),

by_region as (

    select
        region_code,
        year,
        any_value(n_units) as n_units,
        any_value(region_population) as region_population,
        any_value(units_population) as units_population,
        any_value(region_population_urban) as region_population_urban,
        max(case when largest_rank = 1 then unit_label end) as largest_unit_label,
        max(case when largest_rank = 1 then population end) as largest_unit_population,
        max(case when is_admin_centre then unit_label end) as admin_centre_label,
        max(case when is_admin_centre then population end) as admin_centre_population,
        -- Gini = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n, i = rank ascending (METHODS.md section 3)
        2.0 * sum(size_rank * population) / (any_value(n_units) * sum(population))
        - (any_value(n_units) + 1.0) / any_value(n_units) as gini_unit_population,
        -- Theil T = (1/n) sum (x / mean) ln(x / mean)
        avg((population / mean_population) * ln(population / mean_population)) as theil_t_unit_population,
        any_value(release_id) as release_id
    from ranked
    group by region_code, year

),

final as (

    select
        by_region.region_code,
        dim_region.region_name_en,
        dim_region.region_type,
        by_region.year,
        'population concentration (not income inequality)' as measure_kind,
        by_region.n_units,
        by_region.region_population,
        by_region.units_population - by_region.region_population as units_minus_region_population,
        by_region.largest_unit_label,
        by_region.largest_unit_population / by_region.region_population as largest_unit_share,
        by_region.admin_centre_label,
        by_region.admin_centre_population / by_region.region_population as admin_centre_share,
        by_region.gini_unit_population,
        by_region.theil_t_unit_population,
        100.0 * by_region.region_population_urban / by_region.region_population as urban_share_pct,
        'population_by_district:' || by_region.release_id as source_release_id
    from by_region
    left join {{ ref('dim_region') }} as dim_region
        on by_region.region_code = dim_region.region_code

)

select * from final

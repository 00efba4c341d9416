{%- set w = indices_param('dti_weights') -%}
-- The DTI comparisons, long: one row per geography x region x year x dimension (Y, P, E) x benchmark
-- (own past b1, national b2); METHODS.md 1.3-1.4. The supra-national benchmark b3 is not available for
-- Kazakhstan in this warehouse, so benchmark_set = {own, national} (METHODS 1.3: drop b3, renormalise).
--   underperforms = 1 if region growth < benchmark growth (strict; a tie is 0), NULL if either is NULL
--   gap           = max(0, benchmark growth - region growth), log points per year, NULL likewise
--   weight        = omega_{k,b} (var dti_weights)
-- The national benchmark is the published national row (total over total), never a mean of regions.
with

growth as (

    select * from {{ ref('int_dti__growth') }}

),

regions as (

    select * from growth
    where geography != 'national'

),

national as (

    select
        year,
        g_y as national_g_y,
        g_p as national_g_p,
        g_e as national_g_e
    from growth
    where geography = 'national'

),

comparison_catalog as (

    select
        comparison_catalog_values.dimension,
        comparison_catalog_values.benchmark,
        comparison_catalog_values.comparison_order,
        comparison_catalog_values.weight
    from (
        values
        ('Y', 'own', 1, {{ w['y_own'] }}),
        ('Y', 'national', 2, {{ w['y_national'] }}),
        ('P', 'own', 3, {{ w['p_own'] }}),
        ('P', 'national', 4, {{ w['p_national'] }}),
        ('E', 'own', 5, {{ w['e_own'] }}),
        ('E', 'national', 6, {{ w['e_national'] }})
    ) as comparison_catalog_values (dimension, benchmark, comparison_order, weight)

),

paired as (

    select
        regions.geography,
        regions.unit_code,
        regions.year,
        comparison_catalog.dimension,
        comparison_catalog.benchmark,
        comparison_catalog.comparison_order,
        cast(comparison_catalog.weight as {{ indices_type_double() }}) as weight,
        case comparison_catalog.dimension
            when 'Y' then regions.g_y
            when 'P' then regions.g_p
            when 'E' then regions.g_e
        end as region_growth,
        case
            when comparison_catalog.benchmark = 'own'
                then
                    case comparison_catalog.dimension
                        when 'Y' then regions.own_y
                        when 'P' then regions.own_p
                        when 'E' then regions.own_e
                    end
            else
                case comparison_catalog.dimension
                    when 'Y' then national.national_g_y
                    when 'P' then national.national_g_p
                    when 'E' then national.national_g_e
                end
        end as benchmark_growth
    from regions
    cross join comparison_catalog
    left join national
        on regions.year = national.year

),

final as (

    select
        *,
        case
            when region_growth is null or benchmark_growth is null then null
            when region_growth < benchmark_growth then 1
            else 0
        end as underperforms,
        case
            when region_growth is null or benchmark_growth is null then null
            when benchmark_growth > region_growth then benchmark_growth - region_growth
            else 0
        end as gap
    from paired

)

select * from final

-- Which 2022 units ("base units") every unit of every geography covers.
-- One row per geography version x unit x base unit. The territory_key (sorted base units joined by '+')
-- identifies a territory across versions: 'KZ-10+KZ-63' is East Kazakhstan before 2022 whatever the
-- label, 'KZ-63' is East Kazakhstan from 2022. Growth is allowed only between equal territory keys.
{{ with_recursive() }}

regions as (

    select * from {{ ref('regions') }}
    where region_type <> 'country'

),

lineage as (

    select * from {{ ref('region_boundary_lineage') }}

),

geo_versions as (

    select * from {{ geo_versions_values() }}

),

latest_version as (

    select max(reference_year) as reference_year from geo_versions

),

base_units as (

    select regions.region_code
    from regions
    cross join latest_version
    where
        coalesce(regions.valid_from_year, 0) <= latest_version.reference_year
        and coalesce(regions.valid_to_year, 9999) >= latest_version.reference_year

),

version_units as (

    select
        geo_versions.geo_version,
        geo_versions.reference_year,
        regions.region_code
    from geo_versions
    inner join regions
        on
            coalesce(regions.valid_from_year, 0) <= geo_versions.reference_year
            and coalesce(regions.valid_to_year, 9999) >= geo_versions.reference_year

),

-- a unit covers itself and every unit split off it after the version's reference year
descendants as (

    {{ region_descendants('descendants', 'version_units', 'lineage') }}

),

as_published as (

    select distinct
        descendants.geo_version,
        descendants.region_code,
        descendants.descendant_code as base_region_code
    from descendants
    inner join base_units
        on descendants.descendant_code = base_units.region_code

),

comparable as (

    select
        'comparable_pre2018' as geo_version,
        regions.comparable_region_code as region_code,
        base_units.region_code as base_region_code
    from base_units
    inner join regions
        on base_units.region_code = regions.region_code

),

unioned as (

    select * from as_published
    union all
    select * from comparable

),

-- attributes of a comparable unit: those of the pre2018 unit that maps to it
unit_attributes as (

    select
        region_code as unit_code,
        region_code as attribute_code
    from regions

    union all

    select distinct
        regions.comparable_region_code as unit_code,
        regions.region_code as attribute_code
    from regions
    inner join version_units
        on
            regions.region_code = version_units.region_code
            and version_units.geo_version = 'pre2018'
    where regions.comparable_region_code <> regions.region_code

),

territories as (

    select
        geo_version,
        region_code,
        {{ sorted_string_agg('base_region_code', "'+'") }} as territory_key,
        count(*) as n_base_units
    from unioned
    group by geo_version, region_code

),

final as (

    select
        unioned.geo_version,
        unioned.region_code,
        unioned.base_region_code,
        territories.territory_key,
        territories.n_base_units,
        case
            when unioned.geo_version = 'comparable_pre2018' then regions.comparable_region_name_en
            else regions.name_en
        end as region_name_en,
        regions.region_type,
        regions.macro_region,
        regions.comparable_region_code
    from unioned
    inner join territories
        on
            unioned.geo_version = territories.geo_version
            and unioned.region_code = territories.region_code
    inner join unit_attributes
        on unioned.region_code = unit_attributes.unit_code
    inner join regions
        on unit_attributes.attribute_code = regions.region_code

)

select * from final

-- Regions of Kazakhstan: the national row, the 20 current units, South Kazakhstan (before 2018), with
-- the stable comparable unit each belongs to and the split it came from.
with

regions as (

    select * from {{ ref('regions') }}

),

lineage as (

    select * from {{ ref('region_boundary_lineage') }}

),

final as (

    select
        regions.region_code,
        regions.iso_3166_2,
        regions.kato_prefix,
        regions.name_en as region_name_en,
        regions.name_ru as region_name_ru,
        regions.name_kk as region_name_kk,
        regions.region_type,
        regions.macro_region,
        regions.region_code in (
            {%- for code in var('investment_extractive_regions') %}
                '{{ code }}'{{ "," if not loop.last }}
            {%- endfor %}
        ) as is_extractive,
        cast(regions.valid_from_year as integer) as valid_from_year,
        cast(regions.valid_to_year as integer) as valid_to_year,
        regions.valid_to_year is null as is_current,
        regions.comparable_region_code,
        regions.comparable_region_name_en,
        regions.comparable_region_code <> regions.region_code as is_in_split_comparable_unit,
        lineage.parent_region_code as split_from_region_code,
        cast(lineage.split_year as integer) as split_year
    from regions
    left join lineage
        on regions.region_code = lineage.child_region_code

)

select * from final

-- Annual observations of the fact measures on the units each table publishes, with the label and
-- double-counting traps fixed and the geography version of every measure-year detected.
-- noqa: disable=LT02
-- (LT02 off: sqlfluff's jinja templater misplaces indents around jinja call blocks and macro-only jinja.)
with

staged as (

    select
        dataset_id,
        release_id,
        series,
        region_code,
        region_label,
        year,
        value,
        unit,
        source_location
    from {{ ref('stg_bns__observations') }}
    where is_annual and value is not null

),

measure_catalog as (

    select * from {{ measure_catalog() }}

),

composition as (

    select * from {{ ref('int_region__composition') }}

),

geo_versions as (

    select * from {{ geo_versions_values() }}

),

south_kazakhstan_split as (

    select min(split_year) as split_year
    from {{ ref('region_boundary_lineage') }}
    where parent_region_code = 'KZ-YKO'

),

measured as (

    select
        measure_catalog.measure,
        staged.dataset_id,
        staged.release_id,
        staged.series,
        staged.region_code as published_region_code,
        staged.region_label,
        staged.year,
        staged.value + measure_catalog.value_offset as value,
        measure_catalog.unit,
        staged.source_location
    from staged
    inner join measure_catalog
        on
            staged.dataset_id = measure_catalog.dataset_id
            and (measure_catalog.series is null or staged.series = measure_catalog.series)
            and staged.unit = measure_catalog.raw_unit
    where staged.year >= {{ var('kzw_first_year') }}

),

presence as (

    select
        measure,
        year,
        bool_or(published_region_code = 'KZ-YKO') as has_south_kazakhstan,
        bool_or(published_region_code = 'KZ-61') as has_turkestan,
        bool_or(published_region_code = 'KZ-79') as has_shymkent
    from measured
    group by measure, year

),

-- Before 2018 a 'Туркестанская' row of a table without South Kazakhstan and without Shymkent is South
-- Kazakhstan under its later name (population 2000-2016, physicians 2003-2017, life expectancy
-- 1999-2016 say so in footnotes). South Kazakhstan listed together with Turkestan and Shymkent (GRP
-- 2011-2017: back-estimates on 2018 boundaries) keeps South Kazakhstan, the unit of the time; the
-- successors are marked superseded so that regions sum to the national row.
recoded as (

    select
        measured.*,
        case
            when
                measured.published_region_code = 'KZ-61'
                and measured.year < south_kazakhstan_split.split_year
                and not presence.has_south_kazakhstan
                and not presence.has_shymkent
                then 'KZ-YKO'
            else measured.published_region_code
        end as region_code,
        case
            when
                measured.published_region_code = 'KZ-61'
                and measured.year < south_kazakhstan_split.split_year
                and not presence.has_south_kazakhstan
                and not presence.has_shymkent
                then 'Turkestan label before 2018 without South Kazakhstan or Shymkent: South Kazakhstan'
        end as recode_reason,
        coalesce(
            (
                measured.year < south_kazakhstan_split.split_year
                and presence.has_south_kazakhstan
                and measured.published_region_code in ('KZ-61', 'KZ-79')
            )
            or (
                measured.year >= south_kazakhstan_split.split_year
                and (presence.has_turkestan or presence.has_shymkent)
                and measured.published_region_code = 'KZ-YKO'
            ),
            false
        ) as is_superseded
    from measured
    inner join presence
        on
            measured.measure = presence.measure
            and measured.year = presence.year
    cross join south_kazakhstan_split

),

published_units as (

    select distinct
        measure,
        year,
        region_code
    from recoded
    where not is_superseded and region_code <> 'KZ'

),

version_units as (

    select
        composition.geo_version,
        geo_versions.version_order,
        composition.region_code
    from composition
    inner join geo_versions
        on composition.geo_version = geo_versions.geo_version
    group by composition.geo_version, geo_versions.version_order, composition.region_code

),

version_sizes as (

    select
        geo_version,
        version_order,
        count(*) as n_version_units
    from version_units
    group by geo_version, version_order

),

measure_years as (

    select
        measure,
        year,
        count(*) as n_published_units
    from published_units
    group by measure, year

),

-- the published geography of a measure-year: a version that has every published unit, the one that
-- leaves the fewest of its units unpublished, then the one nearest the calendar year's version
version_fit as (

    select
        measure_years.measure,
        measure_years.year,
        version_sizes.geo_version,
        version_sizes.version_order,
        measure_years.n_published_units,
        version_sizes.n_version_units,
        count(version_units.region_code) as n_published_in_version
    from measure_years
    cross join version_sizes
    inner join published_units
        on
            measure_years.measure = published_units.measure
            and measure_years.year = published_units.year
    left join version_units
        on
            version_sizes.geo_version = version_units.geo_version
            and published_units.region_code = version_units.region_code
    group by
        measure_years.measure,
        measure_years.year,
        version_sizes.geo_version,
        version_sizes.version_order,
        measure_years.n_published_units,
        version_sizes.n_version_units

),

published_geography as (

    {%- set published_columns = [
        'version_fit.measure',
        'version_fit.year',
        'version_fit.geo_version as published_geo_version',
        'version_fit.n_version_units - version_fit.n_published_in_version as n_units_not_published',
    ] %}
    {%- set published_order = 'version_fit.n_version_units - version_fit.n_published_in_version,'
        ~ ' abs(version_fit.version_order - calendar.version_order)' %}
    {% call first_row_per(published_columns, 'version_fit.measure, version_fit.year', published_order) %}
    from version_fit
    inner join geo_versions as calendar
        on version_fit.year between calendar.first_year and calendar.last_year
    where version_fit.n_published_in_version = version_fit.n_published_units
    {% endcall %}

),

unit_territories as (

    select distinct
        geo_version,
        region_code,
        territory_key,
        n_base_units
    from composition

),

final as (

    select
        recoded.measure,
        recoded.dataset_id,
        recoded.release_id,
        recoded.series,
        recoded.year,
        recoded.region_code,
        recoded.published_region_code,
        recoded.region_label,
        recoded.region_code = 'KZ' as is_national,
        recoded.is_superseded,
        recoded.recode_reason,
        recoded.value,
        recoded.unit,
        published_geography.published_geo_version,
        {{ geo_version_for_year('recoded.year') }} as calendar_geo_version,
        published_geography.n_units_not_published,
        case when recoded.region_code = 'KZ' then 'KZ' else unit_territories.territory_key end as territory_key,
        case when recoded.region_code = 'KZ' then null else unit_territories.n_base_units end as n_base_units,
        recoded.source_location
    from recoded
    left join published_geography
        on
            recoded.measure = published_geography.measure
            and recoded.year = published_geography.year
    left join unit_territories
        on
            published_geography.published_geo_version = unit_territories.geo_version
            and recoded.region_code = unit_territories.region_code

)

select * from final

-- The cells of the current release of every catalog dataset, one row per published cell, with
-- trimmed labels, typed columns and is_annual. One generic model over the long relation
-- raw.current_observations (ingestion/raw_store.py: "the current release", defined once and read by the
-- Python ingestion too), so a dataset added to the catalog is staged with no new model or YAML.
with

source as (

    select * from {{ source('raw', 'current_observations') }}

),

renamed as (

    select
        source.dataset_id,
        source.release_id,
        source.release_fetched_at,
        source.loaded_at,
        source.source_file,
        source.location as source_location,
        source.series,
        source.region_label,
        source.region_code,
        source.period_label,
        source.year,
        source.period_type,
        source.months,
        source.quarter,
        source.value,
        source.value_flag,
        source.unit
    from source

),

cleaned as (

    select
        dataset_id,
        release_id,
        release_fetched_at,
        loaded_at,
        source_file,
        source_location,
        trim(series) as series,
        region_label,
        upper(trim(region_code)) as region_code,
        trim(period_label) as period_label,
        cast(year as integer) as year,
        lower(trim(period_type)) as period_type,
        cast(months as integer) as months,
        cast(quarter as integer) as quarter,
        cast(value as double) as value,
        value_flag,
        trim(unit) as unit,
        coalesce(lower(trim(period_type)) = 'annual' and months = 12, false) as is_annual
    from renamed

)

select * from cleaned

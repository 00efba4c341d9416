-- Labour force (LFS) (labour_force).
-- The cells of the current release only, one row per published cell.
with

source as (

    select * from {{ source('raw', 'labour_force') }}

),

current_release as (

    {{ current_release('labour_force') }}

),

renamed as (

    select
        source.dataset_id,
        source.release_id,
        current_release.fetched_at as release_fetched_at,
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
    inner join current_release
        on
            source.release_id = current_release.release_id
            and source.loaded_at = current_release.loaded_at

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

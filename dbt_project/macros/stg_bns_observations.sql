{#-
    The staging body shared by the 16 stg_bns__<dataset> models: the cells of the current release of one
    dataset (macros/current_release.sql), one row per published cell, with trimmed labels, typed
    columns and is_annual. One macro, so a fix to the cleaning reaches every dataset at once.
-#}
{% macro stg_bns_observations(dataset_id) -%}
with

source as (

    select * from {{ source('raw', dataset_id) }}

),

current_release as (

    {{ current_release(dataset_id) }}

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
{%- endmacro %}

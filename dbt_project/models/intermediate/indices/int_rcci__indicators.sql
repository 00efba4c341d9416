{%- set k = indices_param('rcci_smoothing_years') -%}
-- RCCI indicators, long: one row per region x year x indicator of rcci_indicator_catalog (macros/indices),
-- as published geography (the units of the map of the year: the index is a cross-section per year).
-- Panel: the region-years with an average annual population (every per-capita indicator and the
-- population weights need it; METHODS.md section 0), i.e. 2009 onwards on the snapshot.
-- Time smoothing (METHODS 2.2 step 1): value = mean of the raw values of the last k years of the same
-- territory (k = rcci_smoothing_years; k = 1, the default, is no smoothing).
with

facts as (

    select * from {{ ref('fct_region_year') }}
    where population_avg is not null

),

raw_long as (

    {%- for ind in rcci_indicator_catalog() %}
        select
            cast(year as integer) as year,
            region_code,
            territory_key,
            '{{ ind.id }}' as indicator_id,
            cast({{ ind.expression }} as {{ indices_type_double() }}) as raw_value
        from facts
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

smoothed as (

    select
        cur.year,
        cur.region_code,
        cur.territory_key,
        cur.indicator_id,
        cur.raw_value,
        avg(past.raw_value) as value,
        count(past.raw_value) as n_years_averaged
    from raw_long as cur
    left join raw_long as past
        on
            cur.region_code = past.region_code
            and cur.territory_key = past.territory_key
            and cur.indicator_id = past.indicator_id
            and past.year between cur.year - {{ k - 1 }} and cur.year
    group by cur.year, cur.region_code, cur.territory_key, cur.indicator_id, cur.raw_value

),

catalog as (

    select
        catalog_values.indicator_id,
        catalog_values.sub_index,
        catalog_values.pillar,
        catalog_values.direction,
        catalog_values.transform_rule,
        catalog_values.scored,
        catalog_values.unit
    from (
        values
        {%- for ind in rcci_indicator_catalog() %}
            (
                '{{ ind.id }}', '{{ ind.sub_index }}', '{{ ind.pillar }}', {{ ind.direction }},
                '{{ ind.transform_rule }}', {{ 'true' if ind.scored else 'false' }}, '{{ ind.unit }}'
            ){{ "," if not loop.last }}
        {%- endfor %}
    ) as catalog_values (indicator_id, sub_index, pillar, direction, transform_rule, scored, unit)

),

final as (

    select
        smoothed.year,
        smoothed.region_code,
        smoothed.territory_key,
        catalog.sub_index,
        catalog.pillar,
        smoothed.indicator_id,
        catalog.direction,
        catalog.transform_rule,
        catalog.scored,
        catalog.unit,
        smoothed.raw_value,
        case when smoothed.raw_value is not null then smoothed.value end as value,
        smoothed.n_years_averaged,
        {{ k }} as smoothing_years
    from smoothed
    inner join catalog
        on smoothed.indicator_id = catalog.indicator_id

)

select * from final

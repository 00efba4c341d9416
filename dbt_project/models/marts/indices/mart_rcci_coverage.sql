-- Coverage of the Regional Competitiveness and Cohesion Index: one row per year x pillar x indicator of the
-- RCI structure (METHODS.md 2.1, 2.3) and the cohesion block. Pillars without data in the warehouse are
-- listed as 'absent' (or 'dropped') with the reason, never invented; each indicator says whether it was
-- used in the year, how many regions had it, its skewness and the transform applied (METHODS 2.2 step 3).
with

indicators as (

    select * from {{ ref('int_rcci__indicators') }}

),

standardised as (

    select * from {{ ref('int_rcci__standardised') }}

),

panel_years as (

    select
        year,
        count(distinct region_code) as n_regions_in_year
    from indicators
    group by year

),

pillar_catalog as (

    select
        pillar_catalog_values.sub_index,
        pillar_catalog_values.pillar,
        pillar_catalog_values.pillar_order,
        pillar_catalog_values.pillar_status,
        pillar_catalog_values.pillar_reason
    from (
        values
        {%- for p in rcci_pillar_catalog() %}
            (
                '{{ p.sub_index }}',
                '{{ p.pillar }}',
                {{ p.pillar_order }},
                '{{ p.status }}',
                '{{ p.reason | replace("'", "''") }}'
            ){{ "," if not loop.last }}
        {%- endfor %}
    ) as pillar_catalog_values (sub_index, pillar, pillar_order, pillar_status, pillar_reason)

),

indicator_catalog as (

    select
        indicator_catalog_values.indicator_id,
        indicator_catalog_values.pillar,
        indicator_catalog_values.indicator_order,
        indicator_catalog_values.direction,
        indicator_catalog_values.transform_rule,
        indicator_catalog_values.scored,
        indicator_catalog_values.unit,
        indicator_catalog_values.definition
    from (
        values
        {%- for i in rcci_indicator_catalog() %}
            (
                '{{ i.id }}', '{{ i.pillar }}', {{ loop.index }}, {{ i.direction }}, '{{ i.transform_rule }}',
                {{ 'true' if i.scored else 'false' }}, '{{ i.unit }}', '{{ i.definition | replace("'", "''") }}'
            ){{ "," if not loop.last }}
        {%- endfor %}
    ) as indicator_catalog_values (
        indicator_id, pillar, indicator_order, direction, transform_rule, scored, unit, definition
    )

),

indicator_years as (

    select
        indicator_id,
        year,
        count(value) as n_regions_with_value
    from indicators
    group by indicator_id, year

),

indicator_span as (

    select
        indicator_id,
        min(case when n_regions_with_value > 0 then year end) as first_year_with_data,
        max(case when n_regions_with_value > 0 then year end) as last_year_with_data
    from indicator_years
    group by indicator_id

),

indicator_stats as (

    select
        indicator_id,
        year,
        max(skewness) as skewness,
        max(share_years_skewed) as share_years_skewed,
        max(transform_applied) as transform_applied,
        max(raw_mean) as raw_mean,
        max(raw_min) as raw_min,
        max(raw_max) as raw_max,
        sum(case when z_clipped then 1 else 0 end) as n_z_clipped
    from standardised
    where value is not null
    group by indicator_id, year

),

indicator_rows as (

    select
        panel_years.year,
        pillar_catalog.sub_index,
        pillar_catalog.pillar,
        pillar_catalog.pillar_order,
        pillar_catalog.pillar_status,
        indicator_catalog.indicator_id,
        indicator_catalog.indicator_order,
        indicator_catalog.definition as indicator_definition,
        indicator_catalog.unit,
        indicator_catalog.direction,
        indicator_catalog.transform_rule,
        indicator_catalog.scored,
        case
            when not indicator_catalog.scored then 'held_not_scored'
            when coalesce(indicator_years.n_regions_with_value, 0) > 0 then 'used'
            else 'no_data_in_year'
        end as status,
        coalesce(indicator_years.n_regions_with_value, 0) as n_regions_with_value,
        panel_years.n_regions_in_year,
        indicator_stats.skewness,
        indicator_stats.share_years_skewed,
        indicator_stats.transform_applied,
        indicator_stats.raw_mean,
        indicator_stats.raw_min,
        indicator_stats.raw_max,
        indicator_stats.n_z_clipped,
        case
            when not indicator_catalog.scored then indicator_catalog.definition
            when coalesce(indicator_years.n_regions_with_value, 0) = 0
                then
                    'No value in the facts for this year; the series covers '
                    || coalesce({{ indices_year_text('indicator_span.first_year_with_data') }}, '?')
                    || '-'
                    || coalesce({{ indices_year_text('indicator_span.last_year_with_data') }}, '?')
                    || '.'
            when indicator_years.n_regions_with_value < panel_years.n_regions_in_year
                then 'Missing for some regions in this year: those regions score the pillar on the other indicators.'
        end as reason
    from panel_years
    cross join indicator_catalog
    inner join pillar_catalog
        on indicator_catalog.pillar = pillar_catalog.pillar
    left join indicator_years
        on
            indicator_catalog.indicator_id = indicator_years.indicator_id
            and panel_years.year = indicator_years.year
    left join indicator_span
        on indicator_catalog.indicator_id = indicator_span.indicator_id
    left join indicator_stats
        on
            indicator_catalog.indicator_id = indicator_stats.indicator_id
            and panel_years.year = indicator_stats.year

),

pillar_rows as (

    select
        panel_years.year,
        pillar_catalog.sub_index,
        pillar_catalog.pillar,
        pillar_catalog.pillar_order,
        pillar_catalog.pillar_status,
        cast(null as {{ indices_type_string() }}) as indicator_id,
        cast(null as integer) as indicator_order,
        cast(null as {{ indices_type_string() }}) as indicator_definition,
        cast(null as {{ indices_type_string() }}) as unit,
        cast(null as integer) as direction,
        cast(null as {{ indices_type_string() }}) as transform_rule,
        false as scored,
        pillar_catalog.pillar_status as status,
        0 as n_regions_with_value,
        panel_years.n_regions_in_year,
        cast(null as {{ indices_type_double() }}) as skewness,
        cast(null as {{ indices_type_double() }}) as share_years_skewed,
        cast(null as {{ indices_type_string() }}) as transform_applied,
        cast(null as {{ indices_type_double() }}) as raw_mean,
        cast(null as {{ indices_type_double() }}) as raw_min,
        cast(null as {{ indices_type_double() }}) as raw_max,
        cast(null as integer) as n_z_clipped,
        pillar_catalog.pillar_reason as reason
    from panel_years
    cross join pillar_catalog
    where pillar_catalog.pillar_status != 'covered'

),

final as (

    select * from indicator_rows
    union all
    select * from pillar_rows

)

select
    final.*,
    pillar_catalog.pillar_reason
from final
inner join pillar_catalog
    on final.pillar = pillar_catalog.pillar

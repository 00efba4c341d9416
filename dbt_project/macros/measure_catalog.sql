{#-
    The annual measures of the facts: where each comes from and how it re-aggregates.

    measure           column name in the facts
    dataset_id        catalog dataset (staging model stg_bns__<dataset_id>)
    series            series within the dataset (none: the dataset's only series)
    raw_unit          only cells in this unit are used (drops the 1990-1992 mln roubles of GRP)
    value_offset      added to the published value (volume index, % of previous year -> growth %)
    unit              unit of the measure after the offset
    aggregation       'sum' (additive) | 'weighted_mean'
    weight_measure    for weighted means: the additive measure whose value on each part weighs it.
                      grp_real_growth_pct is weighted by grp_mln_kzt deflated by the part's own volume
                      index (GRP of year t at prices of t-1), which makes the weighted mean of the parts'
                      indices the exact volume index of their sum.
-#}
{% macro measure_catalog_rows() -%}
    {{ return([
        {'measure': 'grp_mln_kzt', 'dataset_id': 'grp_nominal', 'series': 'total', 'raw_unit': 'mln KZT', 'value_offset': 0, 'unit': 'mln KZT', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'grp_real_growth_pct', 'dataset_id': 'grp_volume_index', 'series': none, 'raw_unit': '% of previous year', 'value_offset': -100, 'unit': '% change on previous year (volume)', 'aggregation': 'weighted_mean', 'weight_measure': 'grp_mln_kzt'},
        {'measure': 'mining_gva_mln_kzt', 'dataset_id': 'gva_by_section', 'series': 'B', 'raw_unit': 'mln KZT', 'value_offset': 0, 'unit': 'mln KZT', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'population_jan1', 'dataset_id': 'population', 'series': 'total', 'raw_unit': 'persons', 'value_offset': 0, 'unit': 'persons', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'population_avg', 'dataset_id': 'population_average', 'series': none, 'raw_unit': 'persons', 'value_offset': 0, 'unit': 'persons', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'grp_per_capita_thousand_kzt', 'dataset_id': 'grp_per_capita', 'series': 'kzt_thousand', 'raw_unit': 'thousand KZT', 'value_offset': 0, 'unit': 'thousand KZT per person per year', 'aggregation': 'weighted_mean', 'weight_measure': 'population_avg'},
        {'measure': 'grp_per_capita_usd', 'dataset_id': 'grp_per_capita', 'series': 'usd', 'raw_unit': 'USD', 'value_offset': 0, 'unit': 'USD per person per year', 'aggregation': 'weighted_mean', 'weight_measure': 'population_avg'},
        {'measure': 'money_income_per_capita_kzt_month', 'dataset_id': 'income_annual', 'series': none, 'raw_unit': 'KZT per month', 'value_offset': 0, 'unit': 'KZT per person per month', 'aggregation': 'weighted_mean', 'weight_measure': 'population_avg'},
        {'measure': 'avg_nominal_wage_thousand_kzt', 'dataset_id': 'wages_nominal', 'series': none, 'raw_unit': 'thousand KZT', 'value_offset': 0, 'unit': 'thousand KZT per employee per month', 'aggregation': 'weighted_mean', 'weight_measure': 'employed_thousand'},
        {'measure': 'poverty_share_pct', 'dataset_id': 'poverty_share', 'series': none, 'raw_unit': '%', 'value_offset': 0, 'unit': '% of population', 'aggregation': 'weighted_mean', 'weight_measure': 'population_avg'},
        {'measure': 'labour_force_thousand', 'dataset_id': 'labour_force', 'series': none, 'raw_unit': 'thousand persons', 'value_offset': 0, 'unit': 'thousand persons', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'employed_thousand', 'dataset_id': 'employed', 'series': none, 'raw_unit': 'thousand persons', 'value_offset': 0, 'unit': 'thousand persons', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'unemployed_thousand', 'dataset_id': 'unemployed', 'series': none, 'raw_unit': 'thousand persons', 'value_offset': 0, 'unit': 'thousand persons', 'aggregation': 'sum', 'weight_measure': none},
        {'measure': 'unemployment_rate_pct', 'dataset_id': 'unemployment_rate', 'series': none, 'raw_unit': '%', 'value_offset': 0, 'unit': '% of labour force', 'aggregation': 'weighted_mean', 'weight_measure': 'labour_force_thousand'},
        {'measure': 'life_expectancy_years', 'dataset_id': 'life_expectancy', 'series': 'total', 'raw_unit': 'years', 'value_offset': 0, 'unit': 'years', 'aggregation': 'weighted_mean', 'weight_measure': 'population_avg'},
        {'measure': 'physicians', 'dataset_id': 'physicians', 'series': none, 'raw_unit': 'persons', 'value_offset': 0, 'unit': 'persons (end of year)', 'aggregation': 'sum', 'weight_measure': none},
    ]) }}
{%- endmacro %}

{% macro sql_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is number -%}{{ value }}
    {%- else -%}'{{ value }}'
    {%- endif -%}
{%- endmacro %}

{#- The catalog as a relation (use in a from clause). -#}
{% macro measure_catalog() -%}
    (
        values
    {%- for m in measure_catalog_rows() %}
            (
                {{ sql_literal(m.measure) }}, {{ sql_literal(m.dataset_id) }}, {{ sql_literal(m.series) }},
                {{ sql_literal(m.raw_unit) }}, cast({{ m.value_offset }} as double), {{ sql_literal(m.unit) }},
                {{ sql_literal(m.aggregation) }}, cast({{ sql_literal(m.weight_measure) }} as {{ dbt.type_string() }})
            ){{ "," if not loop.last }}
    {%- endfor %}
    ) as measure_catalog (
        measure, dataset_id, series, raw_unit, value_offset, unit, aggregation, weight_measure
    )
{%- endmacro %}

{#- Measure names in catalog order. -#}
{% macro measure_names() -%}
    {{ return(measure_catalog_rows() | map(attribute='measure') | list) }}
{%- endmacro %}

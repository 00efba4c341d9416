{#-
    The indicators of the inequality and dynamics marts: the `indicator` codes of int_indicators__long
    and of every mart built on it (mart_inequality, mart_convergence, mart_national_level, ...): the
    indicators derived in dbt (computed columns of the wide facts), then every measure the ingestion
    catalog declares as an indicator (Measure.indicator in ingestion/catalog.py: catalog_indicators()).

    indicator   the code in the marts. Where the value is a fact column unchanged, the code IS that
                column's name (one vocabulary); where it is derived (a scale or a ratio), it has its own
                name and dim_indicator publishes the expression.
    expression  SQL on int_region_year__wide / int_national_year__wide (the columns of the facts)
    unit        unit of the value
    definition  plain words

    grp_per_capita_kzt is COMPUTED: grp_mln_kzt * 1e6 / population (KZT per person per year), so
    that sum(value * population) / sum(population) is exactly national GRP / national population
    (METHODS.md section 0) in both geographies. The figure BNS publishes is grp_per_capita_published_kzt.
-#}
{% macro inequality_indicator_catalog() -%}
    {%- set derived = [
        {'indicator': 'grp_per_capita_kzt', 'expression': 'grp_per_capita_kzt', 'unit': 'KZT per person per year',
         'definition': 'GRP per capita computed here: grp_mln_kzt * 1e6 / population (average annual population, published or derived: population_method; the fact column grp_per_capita_kzt).'},
        {'indicator': 'physicians_per_10k', 'expression': 'physicians_per_10k', 'unit': 'physicians per 10,000 population',
         'definition': 'Physicians of all specialties per 10,000 of population (the fact column physicians_per_10k).'},
        {'indicator': 'investment_per_capita_kzt', 'expression': 'investment_per_capita_kzt', 'unit': 'KZT per person per year',
         'definition': 'Investment in fixed capital per capita: investment_mln_kzt * 1e6 / population (the fact column investment_per_capita_kzt).'},
    ] -%}
    {{ return(derived + catalog_indicators()) }}
{%- endmacro %}

{#-
    The indicators of the inequality and dynamics marts: the `indicator` codes of int_indicators__long
    and of every mart built on it (mart_inequality, mart_convergence, mart_national_level, ...).

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
    {{ return([
        {'indicator': 'grp_per_capita_kzt', 'expression': 'grp_per_capita_kzt', 'unit': 'KZT per person per year',
         'definition': 'GRP per capita computed here: grp_mln_kzt * 1e6 / population (average annual population, published or derived: population_method; the fact column grp_per_capita_kzt).'},
        {'indicator': 'grp_per_capita_published_kzt', 'expression': 'grp_per_capita_thousand_kzt * 1000', 'unit': 'KZT per person per year',
         'definition': 'GRP per capita as published by BNS, in KZT: the fact column grp_per_capita_thousand_kzt (thousand KZT) x 1000.'},
        {'indicator': 'grp_per_capita_usd', 'expression': 'grp_per_capita_usd', 'unit': 'USD per person per year',
         'definition': 'GRP per capita in US dollars as published by BNS (the fact column grp_per_capita_usd).'},
        {'indicator': 'money_income_per_capita_kzt_month', 'expression': 'money_income_per_capita_kzt_month', 'unit': 'KZT per person per month',
         'definition': 'Average per-capita nominal money income, per MONTH (the fact column money_income_per_capita_kzt_month).'},
        {'indicator': 'avg_nominal_wage_kzt', 'expression': 'avg_nominal_wage_thousand_kzt * 1000', 'unit': 'KZT per employee per month',
         'definition': 'Average monthly nominal wage in KZT: the fact column avg_nominal_wage_thousand_kzt (thousand KZT) x 1000.'},
        {'indicator': 'mining_gva_per_capita_kzt', 'expression': 'mining_gva_mln_kzt * 1e6 / nullif(population, 0)', 'unit': 'KZT per person per year',
         'definition': 'Mining (section B) gross value added per capita: mining_gva_mln_kzt * 1e6 / population (average annual population, published or derived: population_method).'},
        {'indicator': 'physicians_per_10k', 'expression': 'physicians_per_10k', 'unit': 'physicians per 10,000 population',
         'definition': 'Physicians of all specialties per 10,000 average population (the fact column physicians_per_10k).'},
        {'indicator': 'unemployment_rate_pct', 'expression': 'unemployment_rate_pct', 'unit': '% of labour force',
         'definition': 'LFS unemployment rate (the fact column unemployment_rate_pct).'},
        {'indicator': 'poverty_share_pct', 'expression': 'poverty_share_pct', 'unit': '% of population below the subsistence minimum',
         'definition': 'Share of the population below the subsistence minimum (the fact column poverty_share_pct).'},
        {'indicator': 'life_expectancy_years', 'expression': 'life_expectancy_years', 'unit': 'years at birth',
         'definition': 'Life expectancy at birth, both sexes (the fact column life_expectancy_years).'},
        {'indicator': 'investment_per_capita_kzt', 'expression': 'investment_per_capita_kzt', 'unit': 'KZT per person per year',
         'definition': 'Investment in fixed capital per capita: investment_mln_kzt * 1e6 / population (the fact column investment_per_capita_kzt).'},
    ]) }}
{%- endmacro %}

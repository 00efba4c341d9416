{#-
    Regional Competitiveness and Cohesion Index (RCCI): the pillar map (METHODS.md section 2.1 and 2.3).

    rcci_pillar_catalog: every pillar of the EU RCI structure plus the cohesion block, with its status in
    this warehouse:
      covered  - at least one indicator of the pillar is in the facts and is scored;
      absent   - no regional series of the pillar is in the facts (named, never invented);
      dropped  - measured at country level only (constant within Kazakhstan, a z-score is undefined).

    rcci_indicator_catalog: the indicators the facts hold, mapped to a pillar.
      id              indicator id (column suffix in the marts)
      expression      SQL on fct_region_year (as published geography) giving the raw value
      unit            unit of the raw value
      direction       +1 more is better, -1 more is worse (orientation, METHODS 2.2 step 2)
      transform_rule  'skew_rule': ln(x) if |skewness| > rcci_skew_threshold and min(x) > 0 (project rule,
                      METHODS 2.2 step 3); 'ln': always ln(x) (the pillar is defined on the log: ln GRP,
                      ln population, METHODS 2.3 market size)
      scored          false: held by the facts but not scored (reason given)
-#}
{% macro rcci_pillar_catalog() -%}
    {{ return([
        {'sub_index': 'basic', 'pillar': 'institutions', 'pillar_order': 1, 'status': 'absent',
         'reason': 'No regional governance, quality-of-government or security series in the facts. The one-year odk cross-section (crime, clearance rate, about 2022-23) is in the snapshot but not ingested.'},
        {'sub_index': 'basic', 'pillar': 'macroeconomic_stability', 'pillar_order': 2, 'status': 'dropped',
         'reason': 'Measured at country level only in RCI 2016/2019 (constant within a country), so a regional z-score is undefined (METHODS 2.3).'},
        {'sub_index': 'basic', 'pillar': 'infrastructure', 'pillar_order': 3, 'status': 'covered', 'composite': false,
         'reason': 'Buses in stock per 10,000 persons (2009-2020; from 2021 the regional stock follows vehicle registration and is left out). Scored as a pillar, outside the composite: its years do not span the panel. No road, rail, air or utility-network series.'},
        {'sub_index': 'basic', 'pillar': 'health', 'pillar_order': 4, 'status': 'covered',
         'reason': 'Life expectancy at birth and physicians per 10,000 (infant mortality is not in the snapshot).'},
        {'sub_index': 'basic', 'pillar': 'basic_education', 'pillar_order': 5, 'status': 'covered', 'composite': false,
         'reason': 'General schools per 10,000 persons (2009-2022; no pupil or child counts in the snapshot, so access per resident, not quality). Scored as a pillar, outside the composite. No UNT (ENT) scores or school-condition series.'},
        {'sub_index': 'efficiency', 'pillar': 'higher_education_training', 'pillar_order': 6, 'status': 'absent',
         'reason': 'No tertiary-attainment or student series in the facts. The odk cross-section (higher/postgraduate education shares, one year) is not ingested.'},
        {'sub_index': 'efficiency', 'pillar': 'labour_market', 'pillar_order': 7, 'status': 'covered',
         'reason': 'Employment rate (LFS employed / average population). The unemployment rate is scored in the cohesion block, not here, so that it is not counted twice in the combined index; NEET and informality are not in the snapshot.'},
        {'sub_index': 'efficiency', 'pillar': 'market_size', 'pillar_order': 8, 'status': 'covered',
         'reason': 'ln GRP (current prices, within-year cross-section) and ln average population.'},
        {'sub_index': 'innovation', 'pillar': 'technological_readiness', 'pillar_order': 9, 'status': 'absent',
         'reason': 'No household-internet or enterprise-ICT series in the snapshot.'},
        {'sub_index': 'innovation', 'pillar': 'business_sophistication', 'pillar_order': 10, 'status': 'covered', 'composite': false,
         'reason': 'Investment in fixed capital per capita (2009-2025), a proxy named by issue 16: it also measures extraction (see mart_investment_concentration). Scored as a pillar, outside the composite. No manufacturing value added or SME share.'},
        {'sub_index': 'innovation', 'pillar': 'innovation', 'pillar_order': 11, 'status': 'covered', 'composite': false,
         'reason': 'Internal R&D expenditure per capita, 2022 ONLY (BNS R&D bulletin, one year): scored in 2022 and marked so. Outside the composite. The innovation-activity bulletin is not ingested.'},
        {'sub_index': 'cohesion', 'pillar': 'cohesion', 'pillar_order': 12, 'status': 'covered',
         'reason': 'GRP-to-household-income ratio (METHODS 5.2 A3) and unemployment rate. Poverty share and average wage are held for 2020 only and are not scored (see their rows).'},
    ]) }}
{%- endmacro %}

{% macro rcci_indicator_catalog() -%}
    {{ return([
        {'id': 'life_expectancy', 'sub_index': 'basic', 'pillar': 'health', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true,
         'expression': 'life_expectancy_years', 'unit': 'years',
         'definition': 'Life expectancy at birth, both sexes (life_expectancy_years).'},
        {'id': 'physicians_per_10k', 'sub_index': 'basic', 'pillar': 'health', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true,
         'expression': 'physicians_per_10k', 'unit': 'physicians per 10,000 persons',
         'definition': 'Physicians of all specialties per 10,000 average population (physicians_per_10k).'},
        {'id': 'employment_rate', 'sub_index': 'efficiency', 'pillar': 'labour_market', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true,
         'expression': 'case when population_avg > 0 then 100.0 * employed_thousand * 1000 / population_avg end', 'unit': '% of average total population',
         'definition': 'LFS employed persons per 100 of the average annual total population (employed_thousand * 1000 / population_avg; no working-age population in the facts).'},
        {'id': 'grp_total', 'sub_index': 'efficiency', 'pillar': 'market_size', 'direction': 1, 'transform_rule': 'ln', 'scored': true,
         'expression': 'grp_mln_kzt', 'unit': 'mln KZT (current prices); scored as ln',
         'definition': 'Gross regional product at current prices (grp_mln_kzt), log-transformed; nominal is adequate because z-scores are taken within one year.'},
        {'id': 'population_total', 'sub_index': 'efficiency', 'pillar': 'market_size', 'direction': 1, 'transform_rule': 'ln', 'scored': true,
         'expression': 'population_avg', 'unit': 'persons; scored as ln',
         'definition': 'Average annual population (population_avg), log-transformed.'},
        {'id': 'grp_to_income_ratio', 'sub_index': 'cohesion', 'pillar': 'cohesion', 'direction': -1, 'transform_rule': 'skew_rule', 'scored': true,
         'expression': 'case when population_avg > 0 and money_income_per_capita_kzt_month > 0 then (grp_mln_kzt * 1000000.0 / population_avg) / (12 * money_income_per_capita_kzt_month) end',
         'unit': 'ratio (annual GRP per capita / annual money income per capita)',
         'definition': 'GRP per capita (grp_mln_kzt * 1e6 / population_avg, KZT per year) divided by 12 x money income per capita (KZT per month): how far value produced in the region exceeds what its residents receive (METHODS 5.2 A3).'},
        {'id': 'unemployment_rate', 'sub_index': 'cohesion', 'pillar': 'cohesion', 'direction': -1, 'transform_rule': 'skew_rule', 'scored': true,
         'expression': 'unemployment_rate_pct', 'unit': '% of labour force',
         'definition': 'LFS unemployment rate (unemployment_rate_pct).'},
        {'id': 'buses_per_10k', 'sub_index': 'basic', 'pillar': 'infrastructure', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true, 'composite': false,
         'expression': 'buses_per_10k', 'unit': 'buses per 10,000 persons',
         'definition': 'Buses in stock per 10,000 average population (buses_per_10k), 2009-2020.'},
        {'id': 'schools_per_10k', 'sub_index': 'basic', 'pillar': 'basic_education', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true, 'composite': false,
         'expression': 'schools_per_10k', 'unit': 'schools per 10,000 persons',
         'definition': 'General schools per 10,000 average population (schools_per_10k), 2009-2022: access, not quality.'},
        {'id': 'investment_per_capita', 'sub_index': 'innovation', 'pillar': 'business_sophistication', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true, 'composite': false,
         'expression': 'investment_per_capita_kzt', 'unit': 'KZT per person per year',
         'definition': 'Investment in fixed capital per capita (investment_per_capita_kzt), 2009-2025.'},
        {'id': 'rnd_per_capita', 'sub_index': 'innovation', 'pillar': 'innovation', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': true, 'composite': false,
         'expression': 'rnd_per_capita_kzt', 'unit': 'KZT per person per year',
         'definition': 'Internal R&D expenditure per capita (rnd_per_capita_kzt), 2022 only.'},
        {'id': 'poverty_share', 'sub_index': 'cohesion', 'pillar': 'cohesion', 'direction': -1, 'transform_rule': 'skew_rule', 'scored': false,
         'expression': 'poverty_share_pct', 'unit': '% of population',
         'definition': 'Share of the population below the subsistence minimum (poverty_share_pct). Held for 2020 only: scoring it would change the composition of the cohesion score in that one year, so it is not scored.'},
        {'id': 'avg_nominal_wage', 'sub_index': 'cohesion', 'pillar': 'cohesion', 'direction': 1, 'transform_rule': 'skew_rule', 'scored': false,
         'expression': 'avg_nominal_wage_thousand_kzt', 'unit': 'thousand KZT per month',
         'definition': 'Average monthly nominal wage (avg_nominal_wage_thousand_kzt). Held for 2020 only and not a METHODS 2.3 indicator: not scored.'},
    ]) }}
{%- endmacro %}

{#- The pillars of a sub-index that enter the composite index (covered, composite not false), in
    catalogue order. A pillar scored outside the composite ('composite': false) is published as a pillar
    z-score and in mart_rcci_coverage, but a composite that needs every pillar would otherwise be NULL in
    every year that pillar lacks (buses end in 2020, R&D is 2022 only). -#}
{% macro rcci_covered_pillars(sub_index) -%}
    {%- set pillars = [] -%}
    {%- for p in rcci_pillar_catalog()
        if p.sub_index == sub_index and p.status == 'covered' and p.get('composite', true) -%}
        {%- do pillars.append(p.pillar) -%}
    {%- endfor -%}
    {{ return(pillars) }}
{%- endmacro %}

{#- Every covered pillar of a sub-index, in the composite or not (the pillar z-scores published). -#}
{% macro rcci_scored_pillars(sub_index) -%}
    {%- set pillars = [] -%}
    {%- for p in rcci_pillar_catalog() if p.sub_index == sub_index and p.status == 'covered' -%}
        {%- do pillars.append(p.pillar) -%}
    {%- endfor -%}
    {{ return(pillars) }}
{%- endmacro %}

{#- SQL condition on indicator_id: true for every indicator except the scored ones outside the composite
    (the robustness and reliability marts keep to the composite's indicators). -#}
{% macro rcci_in_composite_condition(column='indicator_id') -%}
    {%- set ids = [] -%}
    {%- for i in rcci_indicator_catalog() if i.scored and not i.get('composite', true) -%}
        {%- do ids.append("'" ~ i.id ~ "'") -%}
    {%- endfor -%}
    {%- if ids -%}{{ column }} not in ({{ ids | join(', ') }}){%- else -%}true{%- endif -%}
{%- endmacro %}

{#- The scored indicators (catalogue entries with scored = true). -#}
{% macro rcci_scored_indicators() -%}
    {%- set indicators = [] -%}
    {%- for i in rcci_indicator_catalog() if i.scored -%}
        {%- do indicators.append(i) -%}
    {%- endfor -%}
    {{ return(indicators) }}
{%- endmacro %}

{#-
    Development stage (1-5) of a percentage-of-national column, by the rows of rcci_stage_weights:
    lower_pct <= pct < upper_pct (none = open end).
-#}
{% macro rcci_stage_case(stage_table, pct_column) -%}
    {%- set whens = [] -%}
    {%- for st in stage_table -%}
        {%- set lower = "true" if st.lower_pct is none else pct_column ~ " >= " ~ st.lower_pct -%}
        {%- set upper = "true" if st.upper_pct is none else pct_column ~ " < " ~ st.upper_pct -%}
        {%- do whens.append("when " ~ lower ~ " and " ~ upper ~ " then " ~ st.stage) -%}
    {%- endfor -%}
    case when {{ pct_column }} is null then null {{ whens | join(' ') }} end
{%- endmacro %}

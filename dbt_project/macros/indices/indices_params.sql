{#-
    Parameters of the Development Trap Index (DTI) and of the Regional Competitiveness and Cohesion
    Index (RCCI): METHODS.md sections 1 and 2, docs/methodology_indices.md. Every parameter is a dbt var
    (dbt_project.yml, block "indices"); the defaults below are used when the var is not set, and equal
    the values of that block.
-#}
{% macro indices_param_defaults() -%}
    {{ return({
        'dti_growth_window_years': 1,
        'dti_own_past_window_years': 5,
        'dti_own_past_min_years': 3,
        'dti_min_dims': 2,
        'dti_at_risk_min_comparisons': 2,
        'dti_intensity_window_years': 5,
        'dti_intensity_min_years': 3,
        'dti_at_risk_share': 0.6666666666666666,
        'dti_at_risk_persistence': 0.6,
        'dti_at_risk_trap_flag': 'dt2',
        'dti_weights': {'y_own': 1, 'y_national': 1, 'p_own': 1, 'p_national': 1, 'e_own': 1, 'e_national': 1},
        'rcci_smoothing_years': 1,
        'rcci_skew_threshold': 1,
        'rcci_skew_decision': 'panel',
        'rcci_z_clip': 3,
        'rcci_min_indicator_share': 0.5,
        'rcci_stage_basis': 'income',
        'rcci_stage_weights': [
            {'stage': 1, 'lower_pct': none, 'upper_pct': 50, 'basic': 0.35, 'efficiency': 0.50, 'innovation': 0.15},
            {'stage': 2, 'lower_pct': 50, 'upper_pct': 75, 'basic': 0.30, 'efficiency': 0.50, 'innovation': 0.20},
            {'stage': 3, 'lower_pct': 75, 'upper_pct': 90, 'basic': 0.25, 'efficiency': 0.50, 'innovation': 0.25},
            {'stage': 4, 'lower_pct': 90, 'upper_pct': 110, 'basic': 0.20, 'efficiency': 0.50, 'innovation': 0.30},
            {'stage': 5, 'lower_pct': 110, 'upper_pct': none, 'basic': 0.15, 'efficiency': 0.50, 'innovation': 0.35},
        ],
        'rcci_cohesion_weight': 0.5,
        'rcci_positive_scale_offset': 100,
        'rcci_positive_scale_factor': 10,
    }) }}
{%- endmacro %}

{#- The value of an index parameter: the dbt var if set, else the default above. -#}
{% macro indices_param(name) -%}
    {%- set defaults = indices_param_defaults() -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown index parameter: " ~ name) }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}

{#-
    The relation an index model reads. Normally ref(name) (the facts); when the var
    indices_fixture_schema is set (tests/test_indices.py), the table of that name in that schema, so the
    index models can be built on hand-checkable fixture tables without the rest of the project.
-#}
{% macro indices_source(name) -%}
    {%- set fixture_schema = var('indices_fixture_schema', none) -%}
    {%- if fixture_schema -%}
        {{ api.Relation.create(database=target.database, schema=fixture_schema, identifier=name) }}
    {%- else -%}
        {{ ref(name) }}
    {%- endif -%}
{%- endmacro %}

{#-
    A text of the labels whose condition is true, joined by sep ('; ' by default), NULL when none is
    (portable: only case, || and substr). pairs: list of [sql_condition, sql_text_expression].
-#}
{% macro indices_labels(pairs, sep='; ') -%}
    {%- set pieces = [] -%}
    {%- for pair in pairs -%}
        {%- do pieces.append("coalesce(case when " ~ pair[0] ~ " then '" ~ sep ~ "' || " ~ pair[1] ~ " end, '')") -%}
    {%- endfor -%}
    nullif(substr({{ pieces | join(' || ') }}, {{ sep | length + 1 }}), '')
{%- endmacro %}

{#- A year (integer) as text, for notes. -#}
{% macro indices_year_text(expression) -%}
    cast({{ expression }} as {{ indices_type_string() }})
{%- endmacro %}

{#-
    Portable types. dbt.type_float() is 'float' on DuckDB, which is 32-bit there (FLOAT4) and loses the
    precision the index identities are tested to (1e-9), so the double is kzw_double (macros/cross_engine.sql).
    (The `adapter is defined` guard lets `sqlfluff lint` with the plain jinja templater render them.)
-#}
{% macro indices_type_double() -%}
    {{ return(kzw_double()) }}
{%- endmacro %}

{% macro indices_type_string() -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('indices_type_string')()) }}
    {%- else -%}
        {{ return('varchar') }}
    {%- endif -%}
{%- endmacro %}

{% macro default__indices_type_string() -%}varchar{%- endmacro %}

{% macro spark__indices_type_string() -%}string{%- endmacro %}

{% macro bigquery__indices_type_string() -%}string{%- endmacro %}

{#-
    Parameters of the Development Trap Index (DTI) and of the Regional Competitiveness and Cohesion
    Index (RCCI): METHODS.md sections 1 and 2, docs/methodology_indices.md. Every parameter is a dbt var
    whose value (the default) is set once, in dbt_project.yml (block "Indices"); there is no second copy
    here, so a missing var fails the compile instead of silently using another number.
-#}
{#- The value of an index parameter (compile error when the var is not set: see dbt_project.yml). -#}
{% macro indices_param(name) -%}
    {#- has_var, not a none test: rcci_z_clip may be set to null (no clip) -#}
    {%- if not var.has_var(name) -%}
        {{ exceptions.raise_compiler_error("dbt var " ~ name ~ " (indices) is not set: see dbt_project.yml") }}
    {%- endif -%}
    {{ return(var(name)) }}
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

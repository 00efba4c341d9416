{#-
    Geography versions of the warehouse (var kzw_geo_versions in dbt_project.yml): the administrative
    map in force in a calendar year. reference_year is the year whose units define the version.
-#}
{% macro geo_versions_values() -%}
    {%- set versions = var('kzw_geo_versions') -%}
    (
        values
    {%- for v in versions %}
            ('{{ v.geo_version }}', {{ v.first_year }}, {{ v.last_year }}, {{ v.reference_year }}, {{ loop.index }}){{ "," if not loop.last }}
    {%- endfor %}
    ) as geo_versions (geo_version, first_year, last_year, reference_year, version_order)
{%- endmacro %}

{#- The geography version in force in a year (SQL expression). -#}
{% macro geo_version_for_year(year_expression) -%}
    case
    {%- for v in var('kzw_geo_versions') %}
        when {{ year_expression }} between {{ v.first_year }} and {{ v.last_year }} then '{{ v.geo_version }}'
    {%- endfor %}
    end
{%- endmacro %}

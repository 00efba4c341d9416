-- Every indicator code of the marts, with the fact column(s) it is computed from: the mapping that keeps
-- one vocabulary between the facts and the long marts. Built from the two catalogs the marts themselves
-- use (macros/indicator_catalog.sql, macros/indices/rcci_catalog.sql), so it cannot drift from them.
{%- set families = [
    {'family': 'inequality', 'catalog': inequality_indicator_catalog(), 'code': 'indicator'},
    {'family': 'rcci', 'catalog': rcci_indicator_catalog(), 'code': 'id'},
] %}
with

catalog as (

    {% for f in families -%}
        {%- for i in f.catalog %}
            select
                '{{ i[f.code] }}' as indicator,
                '{{ f.family }}' as indicator_family,
                '{{ i.expression }}' as fact_expression,
                {{ 'false' if ' ' in i.expression else 'true' }} as is_fact_column,  -- a bare column name
                '{{ i.unit }}' as unit,
                '{{ i.definition | replace("'", apostrophe()) }}' as definition
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        indicator,
        indicator_family,
        fact_expression,
        is_fact_column,
        fact_expression = indicator as is_fact_column_name,
        unit,
        definition
    from catalog

)

select * from final

{#-
    Every measure column of a fact model within the plausible range its catalog entry declares
    (Measure.min_value / max_value in ingestion/catalog.py, read from raw.measure_catalog): one row per
    value outside it. national=true: only the weighted-mean measures (rates, per-capita values), whose
    national value is on the regions' scale; a national total is not.
-#}
{% test measure_ranges(model, national=false) %}
{%- set checks = [] %}
{%- for m in measure_catalog_rows() %}
    {%- if (m.min_value is not none or m.max_value is not none)
        and (not national or m.aggregation == 'weighted_mean') %}
        {%- do checks.append(m) %}
    {%- endif %}
{%- endfor %}
{%- if checks %}
    {%- for m in checks %}
        select
            '{{ m.measure }}' as measure,
            cast({{ m.measure }} as double) as value
        from {{ model }}
        where
            {%- if m.min_value is not none %} {{ m.measure }} < {{ m.min_value }}{% endif %}
            {%- if m.min_value is not none and m.max_value is not none %} or{% endif %}
            {%- if m.max_value is not none %} {{ m.measure }} > {{ m.max_value }}{% endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- else %}
    select
        cast(null as varchar) as measure,
        cast(null as double) as value
    where false
{%- endif %}
{% endtest %}

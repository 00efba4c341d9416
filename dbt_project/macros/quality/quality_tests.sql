{#-
    The flags one anomaly rule raised (mart_quality_flags rows of rule_id). Used with severity warn, one
    test per rule: dagster-dbt shows each as a warn-level asset check of marts/mart_quality_flags, named
    after the rule, that warns when the rule fired and never fails the build.
-#}
{% test quality_rule_fired(model, rule_id) %}
select *
from {{ model }}
where rule_id = '{{ rule_id }}'
{% endtest %}

{#-
    The flags one anomaly rule raised under one rule_name (mart_quality_flags rows of rule_id and
    rule_name). Used with severity warn, one test per rule_name: dagster-dbt shows each as a warn-level
    asset check of marts/mart_quality_flags named quality_<rule_id>_<rule_name> in lower case (one
    vocabulary with the flags' rule_name), that warns when the rule fired and never fails the build.
-#}
{% test quality_rule_fired(model, rule_id, rule_name) %}
select *
from {{ model }}
where rule_id = '{{ rule_id }}' and rule_name = '{{ rule_name }}'
{% endtest %}

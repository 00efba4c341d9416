{#-
    The cross-sectional measures of the anomaly rules (Gini, Theil, Williamson, CV, max/min) are those of
    the inequality marts (macros/inequality; int_quality__cross_section calls them): none is written here.
-#}

{#-
    Relative fall of a measure when a region is left out: 1 - leave_one_out / full. NULL when the full
    measure is 0 (no inequality to dominate) or NULL. Positive = the measure falls without the region.
-#}
{% macro quality_relative_drop(full, leave_one_out) -%}
    case when {{ full }} > 0 then 1.0 - {{ leave_one_out }} / {{ full }} end
{%- endmacro %}

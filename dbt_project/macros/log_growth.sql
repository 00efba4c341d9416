{#-
    Log growth ln(x_t) - ln(x_{t-1}) of a column over consecutive years of one territory.
    Returns NULL when the previous year is missing, when either value is not positive, or when the
    territory (territory_key: the sorted list of 2022 units the row covers) differs between the two
    years, so a growth rate is never computed across a boundary change (METHODS.md section 0).
    Needs columns year and territory_key in the relation, and a window partition (region_code).
-#}
{% macro log_growth(value_column, partition_by='region_code') -%}
    case
        when
            lag(year) over (partition by {{ partition_by }} order by year) = year - 1
            and lag(territory_key) over (partition by {{ partition_by }} order by year) = territory_key
            and {{ value_column }} > 0
            and lag({{ value_column }}) over (partition by {{ partition_by }} order by year) > 0
            then ln({{ value_column }}) - ln(lag({{ value_column }}) over (partition by {{ partition_by }} order by year))
    end
{%- endmacro %}

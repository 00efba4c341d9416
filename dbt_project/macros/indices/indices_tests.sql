{#-
    Generic data tests of the index marts (owned by models/marts/indices).
-#}

{#- Groups where sum(column_name) differs from the group's target column by more than tolerance
    (e.g. indicator contributions that must add up to the composite score). Groups whose target is NULL
    must have no non-NULL contribution. -#}
{% test indices_group_sum_matches(model, column_name, group_by, target, tolerance=1e-9) %}
with grouped as (
    select
        {{ group_by | join(', ') }},
        sum({{ column_name }}) as summed,
        count({{ column_name }}) as n_parts,
        max({{ target }}) as target_value,
        count({{ target }}) as n_target
    from {{ model }}
    group by {{ group_by | join(', ') }}
)
select *
from grouped
where
    (n_target > 0 and (n_parts = 0 or abs(summed - target_value) > {{ tolerance }}))
    or (n_target = 0 and n_parts > 0)
{% endtest %}

{#- Years where the weight-weighted mean of column_name over the non-NULL rows is not `expected`. -#}
{% test indices_weighted_mean_is(model, column_name, weight, expected, group_by=['year'], tolerance=1e-6) %}
with grouped as (
    select
        {{ group_by | join(', ') }},
        sum({{ weight }} * {{ column_name }}) / sum({{ weight }}) as weighted_mean
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ group_by | join(', ') }}
)
select *
from grouped
where abs(weighted_mean - {{ expected }}) > {{ tolerance }}
{% endtest %}

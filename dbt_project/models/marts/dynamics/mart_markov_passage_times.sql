{#-
    Mean first passage times of every transition matrix of mart_markov_transitions: the expected
    number of years for a region in class i to reach class j for the first time (i = j: the mean
    recurrence time 1 / pi_i), M_ij = (delta_ij - Z_ij + Z_jj) / pi_j with the fundamental matrix
    Z = (I - P + 1 pi)^(-1) (Kemeny & Snell 1976), computed by doubling (macros/dynamics/markov.sql).
-#}

{%- set keys = kzw_dyn_markov_keys() -%}

with

{{ kzw_dyn_markov_chains(passage_times=true) }}

final as (
    {%- for name, k in kzw_dyn_markov_classifications().items() %}
    {%- set outer_last = loop.last %}
    {%- for i in range(1, k + 1) %}
    {%- set row_last = loop.last %}
    {%- for j in range(1, k + 1) %}
    select
        {{ keys | join(', ') }},
        {{ i }} as from_class,
        {{ j }} as to_class,
        case when null_reason is null then m_{{ i }}_{{ j }} end as mean_first_passage_time,
        null_reason
    from {{ name }}_passage
    {{ 'union all' if not (loop.last and row_last and outer_last) }}
    {%- endfor %}
    {%- endfor %}
    {%- endfor %}
)

select * from final

{#-
    Ergodic (steady-state) distribution of every transition matrix of mart_markov_transitions:
    pi = pi P, the long-run share of regions in each class if the transition probabilities of the
    period held for ever. Computed by 2^N-th powers of P (macros/dynamics/markov.sql).
-#}

{%- set keys = kzw_dyn_markov_keys() -%}

with

{{ kzw_dyn_markov_chains(passage_times=false) }}

unpivoted as (
    {%- for name, k in kzw_dyn_markov_classifications().items() %}
    {%- set outer_last = loop.last %}
    {%- for j in range(1, k + 1) %}
    select
        {{ keys | join(', ') }},
        {{ j }} as class,
        case when null_reason is null then pi_{{ j }} end as steady_state,
        case when null_reason is null then 1.0 / pi_{{ j }} end as mean_recurrence_time,
        null_reason
    from {{ name }}_stationary
    {{ 'union all' if not (loop.last and outer_last) }}
    {%- endfor %}
    {%- endfor %}
),

final as (
    select
        unpivoted.*,
        observed.n_from
    from unpivoted
    left join (
        select distinct
            {{ keys | join(', ') }},
            from_class,
            n_from
        from {{ ref('mart_markov_transitions') }}
    ) as observed
        on
            {{ kzw_ineq_join_on('unpivoted', 'observed', keys) }}
            and unpivoted.class = observed.from_class
)

select * from final

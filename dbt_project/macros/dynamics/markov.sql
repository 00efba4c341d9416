{#-
    Long-run quantities of k-state Markov transition matrices, without a linear-algebra library:
    a fixed number of doubling steps (var kzw_markov_doublings, default 20) on matrices held in
    one wide row (columns <prefix>_<i>_<j>, i, j = 1..k), so every step is one projection of the
    previous one (no self-join of a CTE, which engines that inline CTEs would expand 2^steps times).

    `matrices` must have the columns of `keys` and p_<i>_<j> (row-stochastic probabilities).

    1. Steady state: P^(2^N) by N squarings, each followed by dividing every row by its sum (without
       it the rounding error of the unit eigenvalue compounds over 2^N powers: 1e-7 after 2^30);
       pi_j = its first row (all rows agree for an ergodic chain: |lambda_2|^(2^N) with N = 20 is
       below 1e-13 for any |lambda_2| <= 1 - 3e-5).
    2. Fundamental matrix Z = (I - P + A)^(-1) = sum_(n >= 0) (P - A)^n, A = 1 pi (Kemeny & Snell
       1976), by doubling: S <- S + B S, B <- B B (after N steps S sums 2^N terms).
    3. Mean first passage times M_ij = (delta_ij - Z_ij + Z_jj) / pi_j (M_ii = 1 / pi_i, the mean
       recurrence time) = giddy.ergodic.mfpt for an ergodic chain.

    null_reason: empty_class (a class never left in the period: its row has no transitions),
    not_converged (passage times only: (P - 1 pi)^(2^N) still above 1e-12, raise the var),
    no_unique_limit (rows of P^(2^N) differ by more than 1e-9: several recurrent classes or a
    periodic chain), transient_class (some pi_j is 0: the chain is not irreducible). Only
    irreducible, aperiodic chains get a steady state and passage times.
-#}

{% macro kzw_dyn_matmul(left, right, k, out) -%}
    {%- for i in range(1, k + 1) -%}
        {%- for j in range(1, k + 1) %}
        {% for l in range(1, k + 1) -%}
            {{ left }}_{{ i }}_{{ l }} * {{ right }}_{{ l }}_{{ j }}{{ ' + ' if not loop.last }}
        {%- endfor %} as {{ out }}_{{ i }}_{{ j }}{{ ',' if not (loop.last and i == k) }}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}

{#- CTEs <prefix>_power_0..N and <prefix>_stationary (the columns of `matrices`, pi_<j>, null_reason). -#}
{% macro kzw_dyn_markov_stationary(prefix, matrices, keys, k) -%}
    {%- set steps = var('kzw_markov_doublings', 20) | int -%}
    {%- set key_sql = keys | join(', ') -%}
    {{ prefix }}_power_0 as (
        select
            {{ key_sql }},
            {% for i in range(1, k + 1) -%}
                {%- for j in range(1, k + 1) -%}
                    p_{{ i }}_{{ j }} as a_{{ i }}_{{ j }}{{ ', ' if not (loop.last and i == k) }}
                {%- endfor %}
            {% endfor %}
        from {{ matrices }}
    ),
    {%- for step in range(1, steps + 1) %}

    {{ prefix }}_square_{{ step }} as (
        select
            {{ key_sql }},
            {{- kzw_dyn_matmul('a', 'a', k, 'a') }}
        from {{ prefix }}_power_{{ step - 1 }}
    ),

    {{ prefix }}_power_{{ step }} as (
        select
            {{ key_sql }},
            {% for i in range(1, k + 1) -%}
                {%- for j in range(1, k + 1) -%}
                    a_{{ i }}_{{ j }} / ({% for l in range(1, k + 1) %}a_{{ i }}_{{ l }}{{ ' + ' if not loop.last }}{% endfor %})
                    as a_{{ i }}_{{ j }}{{ ', ' if not (loop.last and i == k) }}
                {%- endfor %}
            {% endfor %}
        from {{ prefix }}_square_{{ step }}
    ),
    {%- endfor %}

    {{ prefix }}_limit_candidates as (
        select
            matrices.*,
            {% for j in range(1, k + 1) -%}
                limit_power.a_1_{{ j }} / ({% for l in range(1, k + 1) %}limit_power.a_1_{{ l }}{{ ' + ' if not loop.last }}{% endfor %}) as pi_{{ j }},
            {% endfor -%}
            greatest(
                {%- for i in range(2, k + 1) -%}
                    {%- for j in range(1, k + 1) -%}
                        abs(limit_power.a_{{ i }}_{{ j }} - limit_power.a_1_{{ j }}){{ ', ' if not (loop.last and i == k) }}
                    {%- endfor -%}
                {%- endfor -%}
            ) as limit_row_spread,
            least(
                {%- for i in range(1, k + 1) -%}
                    p_{{ i }}_1{% for j in range(2, k + 1) %} + p_{{ i }}_{{ j }}{% endfor %}{{ ', ' if not loop.last }}
                {%- endfor -%}
            ) as min_row_sum,
            least({% for j in range(1, k + 1) %}limit_power.a_1_{{ j }}{{ ', ' if not loop.last }}{% endfor %}) as min_pi
        from {{ matrices }} as matrices
        inner join {{ prefix }}_power_{{ steps }} as limit_power
            on
                {{ kzw_ineq_join_on('matrices', 'limit_power', keys) }}
    ),

    {{ prefix }}_stationary as (
        select
            *,
            case
                when min_row_sum <= 0 then 'empty_class'
                when limit_row_spread > 1e-9 then 'no_unique_limit'
                when min_pi <= 1e-12 then 'transient_class'
            end as null_reason
        from {{ prefix }}_limit_candidates
    )
{%- endmacro %}

{#- After kzw_dyn_markov_stationary: CTEs <prefix>_doubling_0..N and <prefix>_passage (stationary.*, m_<i>_<j>). -#}
{% macro kzw_dyn_markov_passage_times(prefix, keys, k) -%}
    {%- set steps = var('kzw_markov_doublings', 20) | int -%}
    {%- set key_sql = keys | join(', ') -%}

    {{ prefix }}_doubling_0 as (
        select
            {{ key_sql }},
            {% for i in range(1, k + 1) -%}
                {%- for j in range(1, k + 1) -%}
                    {{ 1.0 if i == j else 0.0 }} as s_{{ i }}_{{ j }},
                    p_{{ i }}_{{ j }} - pi_{{ j }} as b_{{ i }}_{{ j }}{{ ', ' if not (loop.last and i == k) }}
                {%- endfor %}
            {% endfor %}
        from {{ prefix }}_stationary
    ),
    {%- for step in range(1, steps + 1) %}

    {{ prefix }}_doubling_{{ step }} as (
        select
            {{ key_sql }},
            {% for i in range(1, k + 1) -%}
                {%- for j in range(1, k + 1) -%}
                    s_{{ i }}_{{ j }} + {% for l in range(1, k + 1) -%}
                        b_{{ i }}_{{ l }} * s_{{ l }}_{{ j }}{{ ' + ' if not loop.last }}
                    {%- endfor %} as s_{{ i }}_{{ j }},
                {% endfor -%}
            {%- endfor -%}
            {{- kzw_dyn_matmul('b', 'b', k, 'b') }}
        from {{ prefix }}_doubling_{{ step - 1 }}
    ),
    {%- endfor %}

    {{ prefix }}_passage as (
        select
            {%- for key in keys %}
            stationary.{{ key }},
            {%- endfor %}
            coalesce(
                stationary.null_reason,
                case
                    when greatest(
                        {%- for i in range(1, k + 1) -%}
                            {%- for j in range(1, k + 1) -%}
                                abs(fundamental.b_{{ i }}_{{ j }}){{ ', ' if not (loop.last and i == k) }}
                            {%- endfor -%}
                        {%- endfor -%}
                    ) > 1e-12 then 'not_converged'
                end
            ) as null_reason,
            {% for i in range(1, k + 1) -%}
                {%- for j in range(1, k + 1) -%}
                    (
                        {{ 1.0 if i == j else 0.0 }} - fundamental.s_{{ i }}_{{ j }} + fundamental.s_{{ j }}_{{ j }}
                    ) / nullif(stationary.pi_{{ j }}, 0) as m_{{ i }}_{{ j }}{{ ',' if not (loop.last and i == k) }}
                {% endfor -%}
            {%- endfor %}
        from {{ prefix }}_stationary as stationary
        inner join {{ prefix }}_doubling_{{ steps }} as fundamental
            on
                {{ kzw_ineq_join_on('stationary', 'fundamental', keys) }}
    )
{%- endmacro %}

{#-
    The Markov classifications: name -> number of classes k, from the vars
    kzw_markov_relative_bounds (upper bounds of the classes of y / national value, default
    [0.75, 1.0, 1.5]: k = 4) and kzw_markov_quantile_classes (default 5).
-#}
{% macro kzw_dyn_markov_classifications() -%}
    {%- set bounds = var('kzw_markov_relative_bounds', [0.75, 1.0, 1.5]) -%}
    {{ return({
        'relative_national': bounds | length + 1,
        'quintile': var('kzw_markov_quantile_classes', 5) | int,
    }) }}
{%- endmacro %}

{#- Matrix keys of the Markov marts. -#}
{% macro kzw_dyn_markov_keys() -%}
    {{ return(['geography', 'indicator', 'classification', 'period', 'conditioning', 'neighbour_class']) }}
{%- endmacro %}

{#- One wide row per matrix of `classification` (p_<i>_<j>) from mart_markov_transitions. -#}
{% macro kzw_dyn_markov_wide(classification, k) -%}
    select
        {{ kzw_dyn_markov_keys() | join(', ') }},
        {% for i in range(1, k + 1) -%}
            {%- for j in range(1, k + 1) -%}
                coalesce(max(case when from_class = {{ i }} and to_class = {{ j }} then probability end), 0.0)
                as p_{{ i }}_{{ j }}{{ ',' if not (loop.last and i == k) }}
            {% endfor -%}
        {%- endfor %}
    from {{ ref('mart_markov_transitions') }}
    where classification = '{{ classification }}'
    group by {{ kzw_dyn_markov_keys() | join(', ') }}
{%- endmacro %}

{#-
    Class 1..len(bounds) + 1 of x for ascending upper bounds (inclusive, as mapclassify): 1 plus the
    number of bounds that x exceeds; NULL when x is NULL.
-#}
{% macro kzw_dyn_class_of(x, bounds) -%}
    case
        when {{ x }} is not null then 1
            {%- for bound in bounds %}
            + case when {{ x }} > {{ bound }} then 1 else 0 end
            {%- endfor %}
    end
{%- endmacro %}

{#-
    For each classification: CTEs <classification>_matrices (wide P), the stationary chain and,
    with passage_times, the fundamental-matrix chain; each block ends with a comma.
-#}
{% macro kzw_dyn_markov_chains(passage_times=false) -%}
    {%- for name, k in kzw_dyn_markov_classifications().items() %}
    {{ name }}_matrices as (
        {{ kzw_dyn_markov_wide(name, k) }}
    ),

    {{ kzw_dyn_markov_stationary(name, name ~ '_matrices', kzw_dyn_markov_keys(), k) }},
    {%- if passage_times %}

    {{ kzw_dyn_markov_passage_times(name, kzw_dyn_markov_keys(), k) }},
    {%- endif %}
    {% endfor %}
{%- endmacro %}

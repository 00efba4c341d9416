{#-
    Exact between/within decomposition of Theil T (GE(1)) and Theil L (GE(0)) (METHODS.md section 3,
    Shorrocks 1980), for a general weight basis p (1 = unweighted, population = weighted):

        w_i = p_i / sum p (population share), s_i = p_i y_i / sum p y (output share),
        pi_g = sum_{i in g} w_i, s_g = sum_{i in g} s_i

        T = sum s_i ln(s_i / w_i)
          = sum_g s_g ln(s_g / pi_g)                               (between)
          + sum_g s_g T_g, T_g = sum_{i in g} (s_i/s_g) ln((s_i/s_g) / (w_i/pi_g))   (within)
        L = sum w_i ln(w_i / s_i)
          = sum_g pi_g ln(pi_g / s_g)                              (between)
          + sum_g pi_g L_g, L_g = sum_{i in g} (w_i/pi_g) ln((w_i/pi_g) / (s_i/s_g)) (within)

    With p = 1 the T decomposition is PySAL TheilD (bg, wg = T - bg). Between and within are computed
    independently (within is not T - between), so decomposition_residual = total - between - within
    audits the identity (it is ~1e-17). A single-region group has T_g = L_g = 0.

    Partitions: every column named in var kzw_ineq_partitions (any number; default 'macro_region'
    (West/North/Central/East/South) and 'region_type' (cities of republican significance vs oblasts)). Only regions with y > 0 (and, weighted, population > 0)
    enter; a region without a group label makes the whole decomposition NULL ('missing_group_label').
-#}
{% macro kzw_ineq_theil_decomposition_stats(observations) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    {%- set part = (key + ['weighting', 'partition_name']) | join(', ') -%}
    {%- set valid_part = part ~ ', is_valid' -%}
    {%- set group_part = valid_part ~ ', group_value' -%}
    with

    {#- One copy of the rows per named partition (var kzw_ineq_partitions), its label as group_value. #}
    partition_labels as (
    {%- for partition in kzw_ineq_partitions() %}
        {%- if not loop.first %}
        union all
        {%- endif %}
        select
            obs.*,
            '{{ partition }}' as partition_name,
            obs.{{ partition }} as group_value
        from {{ observations }} as obs
    {%- endfor %}
    ),

    partitioned_observations as (
        select
            {{ key | join(',\n            ') }},
            obs.region_code,
            obs.y,
            weightings.weighting,
            obs.partition_name,
            obs.group_value,
            case
                when weightings.weighting = 'unweighted' then 1.0
                else obs.population
            end as weight_basis,
            {{ kzw_ineq_exclusion_reason('obs.y', 'obs.population', 'weightings.weighting', "'positive'") }}
                as invalid_reason
        from partition_labels as obs
        cross join (values ('unweighted'), ('population_weighted')) as weightings (weighting)
    ),

    flagged as (
        select
            *,
            invalid_reason is null as is_valid
        from partitioned_observations
    ),

    shares as (
        select
            *,
            weight_basis / sum(weight_basis) over (partition by {{ valid_part }}) as w,
            weight_basis * y / sum(weight_basis * y) over (partition by {{ valid_part }}) as s,
            sum(weight_basis) over (partition by {{ group_part }})
            / sum(weight_basis) over (partition by {{ valid_part }}) as pi_g,
            sum(weight_basis * y) over (partition by {{ group_part }})
            / sum(weight_basis * y) over (partition by {{ valid_part }}) as s_g
        from flagged
    ),

    region_terms as (
        select
            *,
            s * {{ kzw_ineq_ln('s / w') }} as t_total_term,
            s * {{ kzw_ineq_ln('(s / s_g) / (w / pi_g)') }} as t_within_term,
            w * {{ kzw_ineq_ln('w / s') }} as l_total_term,
            w * {{ kzw_ineq_ln('(w / pi_g) / (s / s_g)') }} as l_within_term
        from shares
    ),

    group_terms as (
        select
            {{ group_part }},
            count(*) as group_n_regions,
            max(pi_g) as pi_g,
            max(s_g) as s_g,
            sum(t_total_term) as t_total_part,
            sum(t_within_term) as t_within_contribution,
            sum(l_total_term) as l_total_part,
            sum(l_within_term) as l_within_contribution
        from region_terms
        group by {{ group_part }}
    ),

    part_terms as (
        select
            {{ valid_part }},
            count(*) as n_groups,
            coalesce(sum(case when group_value is null then group_n_regions end), 0) as n_missing_group,
            sum(t_total_part) as t_total,
            sum(s_g * {{ kzw_ineq_ln('s_g / pi_g') }}) as t_between,
            sum(t_within_contribution) as t_within,
            sum(l_total_part) as l_total,
            sum(pi_g * {{ kzw_ineq_ln('pi_g / s_g') }}) as l_between,
            sum(l_within_contribution) as l_within
        from group_terms
        group by {{ valid_part }}
    ),

    part_summary as (
        select
            {{ part }},
            count(*) as n_input,
            count(case when is_valid then 1 end) as n_valid,
            count(case when not is_valid then 1 end) as n_excluded,
            count(case when invalid_reason in ('missing_population', 'non_positive_population') then 1 end)
                as n_missing_population,
            count(case when invalid_reason = 'non_positive_value' then 1 end) as n_out_of_domain,
            max(case when is_valid then y end) as y_max,
            min(case when is_valid then y end) as y_min,
            {{ dbt.listagg(
                "case when not is_valid then " ~ dbt.concat(["region_code", "':'", "invalid_reason"]) ~ " end",
                "'; '",
                "order by region_code"
            ) }} as excluded_regions
        from flagged
        group by {{ part }}
    ),

    parts as (
        select
            part_summary.*,
            part_terms.n_groups,
            part_terms.n_missing_group,
            part_terms.t_total,
            part_terms.t_between,
            part_terms.t_within,
            part_terms.l_total,
            part_terms.l_between,
            part_terms.l_within,
            case
                when part_summary.n_valid < 2 and part_summary.n_missing_population > 0 then 'missing_population'
                when part_summary.n_valid < 2 and part_summary.n_out_of_domain > 0 then 'non_positive_values'
                when part_summary.n_valid < 2 then 'too_few_regions'
                when part_terms.n_missing_group > 0 then 'missing_group_label'
                when {{ kzw_ineq_null_on_invalid_rows() }} and part_summary.n_excluded > 0
                    then 'invalid_input_rows'
            end as null_reason
        from part_summary
        left join part_terms
            on
                {{ kzw_ineq_join_on('part_summary', 'part_terms', key + ['weighting', 'partition_name']) }}
                and part_terms.is_valid
    )

    select
        parts.*,
        cast(null as {{ dbt.type_string() }}) as group_value,
        cast(null as {{ dbt.type_int() }}) as group_n_regions,
        cast(null as {{ kzw_ineq_double() }}) as pi_g,
        cast(null as {{ kzw_ineq_double() }}) as s_g,
        cast(null as {{ kzw_ineq_double() }}) as t_within_contribution,
        cast(null as {{ kzw_ineq_double() }}) as l_within_contribution,
        'aggregate' as row_kind
    from parts

    union all

    select
        parts.*,
        group_terms.group_value,
        group_terms.group_n_regions,
        group_terms.pi_g,
        group_terms.s_g,
        group_terms.t_within_contribution,
        group_terms.l_within_contribution,
        'group' as row_kind
    from parts
    inner join group_terms
        on
            {{ kzw_ineq_join_on('parts', 'group_terms', key + ['weighting', 'partition_name']) }}
            and group_terms.is_valid
    where parts.null_reason is null
{%- endmacro %}


{#- Unpivots kzw_ineq_theil_decomposition_stats into mart_inequality_decomposition rows. -#}
{% macro kzw_ineq_decomposition_rows(stats) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    {%- set measures = [
        {
            'measure': 'theil_t', 'prefix': 't', 'group_weight': 's_g',
            'total': 'T = sum s_i ln(s_i / w_i), s = output share, w = population share (1/n unweighted)',
            'between': 'T_between = sum_g s_g ln(s_g / pi_g), s_g = output share, pi_g = population share of group g (unweighted: = PySAL TheilD bg)',
            'within': 'T_within = sum_g s_g T_g, T_g = Theil T inside group g (output-share weights; unweighted: = PySAL TheilD wg)',
            'group': 's_g T_g: contribution of group g to T_within (group_index = T_g, group_weight = s_g)',
        },
        {
            'measure': 'theil_l', 'prefix': 'l', 'group_weight': 'pi_g',
            'total': 'L = sum w_i ln(w_i / s_i), s = output share, w = population share (1/n unweighted)',
            'between': 'L_between = sum_g pi_g ln(pi_g / s_g), pi_g = population share, s_g = output share of group g',
            'within': 'L_within = sum_g pi_g L_g, L_g = Theil L inside group g (population-share weights)',
            'group': 'pi_g L_g: contribution of group g to L_within (group_index = L_g, group_weight = pi_g)',
        },
    ] -%}
    {% for m in measures %}
    {% for component in ['total', 'between', 'within', 'within_group'] %}
    select
        {{ key | join(',\n        ') }},
        '{{ m.measure }}' as measure,
        weighting,
        partition_name,
        '{{ component }}' as component,
        {% if component == 'within_group' %}
        group_value,
        {{ m.prefix }}_within_contribution as raw_value,
        {{ kzw_ineq_div(m.prefix ~ '_within_contribution', m.group_weight) }} as group_index,
        {{ m.group_weight }} as group_weight,
        pi_g as group_population_share,
        s_g as group_output_share,
        group_n_regions,
        {% else %}
        'all' as group_value,
        {{ m.prefix }}_{{ component }} as raw_value,
        cast(null as {{ kzw_ineq_double() }}) as group_index,
        cast(null as {{ kzw_ineq_double() }}) as group_weight,
        cast(null as {{ kzw_ineq_double() }}) as group_population_share,
        cast(null as {{ kzw_ineq_double() }}) as group_output_share,
        cast(null as {{ dbt.type_int() }}) as group_n_regions,
        {% endif %}
        {{ m.prefix }}_total as total_value,
        {{ m.prefix }}_total - {{ m.prefix }}_between - {{ m.prefix }}_within as decomposition_residual,
        y_max = y_min as all_values_equal,
        n_valid as n_regions,
        n_groups,
        n_excluded,
        excluded_regions,
        null_reason,
        '{{ m[component if component != "within_group" else "group"] | replace("'", "''") }}' as formula
    from {{ stats }}
    where row_kind = '{{ "group" if component == "within_group" else "aggregate" }}'
    {% if not (loop.last and m.measure == 'theil_l') %}union all{% endif %}
    {% endfor %}
    {% endfor %}
{%- endmacro %}

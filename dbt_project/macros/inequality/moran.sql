{#-
    Global Moran's I with analytical inference (METHODS.md section 3; Moran 1950, Cliff & Ord 1981;
    conventions of esda.Moran 2.9.0):

        I = (n / S0) sum_i sum_j w_ij z_i z_j / sum_i z_i^2,   z = x - mean(x) (unweighted mean)
        E[I] = -1 / (n - 1)
        S0 = sum w_ij, S1 = 1/2 sum_i sum_j (w_ij + w_ji)^2, S2 = sum_i (w_i. + w_.i)^2
        Var_norm = (n^2 S1 - n S2 + 3 S0^2) / ((n^2 - 1) S0^2) - E[I]^2
        Var_rand = (A - B) / ((n - 1)(n - 2)(n - 3) S0^2) - E[I]^2 (needs n >= 4), with
            k = (sum z^4 / n) / (sum z^2 / n)^2,
            A = n ((n^2 - 3n + 3) S1 - n S2 + 3 S0^2), B = k ((n^2 - n) S1 - 2n S2 + 6 S0^2)
        z = (I - E[I]) / sqrt(Var), p = 2 (1 - Phi(|z|)) (two-tailed, kzw_ineq_two_tailed_p)

    Weights: the contiguity pairs of region_adjacency for the matching geo_version, restricted to
    the units present; 'binary' w_ij = 1, 'row_standardised' w_ij = 1 / deg_i (esda
    transformation 'r'). x is y ('level') or ln y ('log'); city_scope 'excluding_enclave_cities'
    drops region_type = var('kzw_ineq_enclave_region_type') before building W.
    A unit with no neighbour among the units present (deg = 0) is excluded and listed
    ('region:no_neighbours'); the adjacency need not be symmetric for S1/S2 to be right.
    No permutation inference: a pseudo p-value depends on the random number generator and is not
    reproducible across engines (see the mart's YAML).
-#}
{% macro kzw_ineq_moran_stats(observations, adjacency) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    {%- set part = (key + ['transform', 'city_scope']) | join(', ') -%}
    {%- set enclave_type = var('kzw_ineq_enclave_region_type') -%}
    with

    candidate_units as (
        select
            {{ key | join(',\n            ') }},
            obs.region_code,
            obs.y,
            transforms.transform,
            scopes.city_scope,
            case when transforms.transform = 'log' then {{ kzw_ineq_ln('obs.y') }} else obs.y end as x,
            case
                when scopes.city_scope = 'excluding_enclave_cities' and obs.region_type = '{{ enclave_type }}'
                    then 'enclave_city_dropped'
                when obs.y is null then 'null_value'
                when transforms.transform = 'log' and obs.y <= 0 then 'non_positive_value'
            end as invalid_reason
        from {{ observations }} as obs
        cross join (values ('level'), ('log')) as transforms (transform)
        cross join (values ('all_regions'), ('excluding_enclave_cities')) as scopes (city_scope)
    ),

    adjacency_pairs as (
        select distinct
            cast(region_a as {{ dbt.type_string() }}) as region_a,
            cast(region_b as {{ dbt.type_string() }}) as region_b,
            cast(geo_version as {{ dbt.type_string() }}) as geo_version
        from {{ adjacency }}
        where region_a <> region_b
    ),

    candidate_edges as (
        select
            {{ kzw_ineq_qualified_columns('unit_a', key + ['transform', 'city_scope']) }},
            unit_a.region_code as region_a,
            unit_b.region_code as region_b
        from candidate_units as unit_a
        inner join adjacency_pairs
            on
                unit_a.geo_version = adjacency_pairs.geo_version
                and unit_a.region_code = adjacency_pairs.region_a
        inner join candidate_units as unit_b
            on
                {{ kzw_ineq_join_on('unit_a', 'unit_b', key + ['transform', 'city_scope']) }}
                and unit_b.region_code = adjacency_pairs.region_b
        where unit_a.invalid_reason is null and unit_b.invalid_reason is null
    ),

    degrees as (
        select
            {{ part }},
            region_a as region_code,
            count(*) as out_degree
        from candidate_edges
        group by {{ part }}, region_a
    ),

    in_degrees as (
        select
            {{ part }},
            region_b as region_code,
            count(*) as in_degree
        from candidate_edges
        group by {{ part }}, region_b
    ),

    units as (
        select
            candidate_units.*,
            coalesce(degrees.out_degree, 0) as out_degree,
            coalesce(
                candidate_units.invalid_reason,
                case
                    when coalesce(degrees.out_degree, 0) = 0 and coalesce(in_degrees.in_degree, 0) = 0
                        then 'no_neighbours'
                end
            ) as exclusion_reason
        from candidate_units
        left join degrees
            on
                {{ kzw_ineq_join_on('candidate_units', 'degrees', key + ['transform', 'city_scope', 'region_code']) }}
        left join in_degrees
            on
                {{ kzw_ineq_join_on('candidate_units', 'in_degrees', key + ['transform', 'city_scope', 'region_code']) }}
    ),

    included_units as (
        select
            *,
            x - avg(x) over (partition by {{ part }}) as z
        from units
        where exclusion_reason is null
    ),

    unit_summary as (
        select
            {{ part }},
            count(*) as n_input,
            count(case when exclusion_reason is null then 1 end) as n_units,
            count(case when exclusion_reason is not null then 1 end) as n_excluded,
            count(case when exclusion_reason = 'no_neighbours' then 1 end) as n_isolates,
            count(case when exclusion_reason in ('null_value', 'non_positive_value') then 1 end) as n_invalid_values,
            max(case when exclusion_reason is null then x end) as x_max,
            min(case when exclusion_reason is null then x end) as x_min,
            {{ dbt.listagg(
                "case when exclusion_reason is not null then " ~ dbt.concat(["region_code", "':'", "exclusion_reason"]) ~ " end",
                "'; '",
                "order by region_code"
            ) }} as excluded_regions
        from units
        group by {{ part }}
    ),

    z_moments as (
        select
            {{ part }},
            sum(z * z) as sum_z2,
            sum(z * z * z * z) as sum_z4
        from included_units
        group by {{ part }}
    ),

    styled_edges as (
        select
            candidate_edges.*,
            styles.weights_style,
            case
                when styles.weights_style = 'binary' then 1.0
                else 1.0 / degrees.out_degree
            end as w
        from candidate_edges
        inner join degrees
            on
                {{ kzw_ineq_join_on('candidate_edges', 'degrees', key + ['transform', 'city_scope']) }}
                and candidate_edges.region_a = degrees.region_code
        cross join (values ('row_standardised'), ('binary')) as styles (weights_style)
    ),

    cross_products as (
        select
            {{ kzw_ineq_qualified_columns('styled_edges', key + ['transform', 'city_scope']) }},
            styled_edges.weights_style,
            sum(styled_edges.w) as s0,
            sum(styled_edges.w * z_a.z * z_b.z) as sum_wzz
        from styled_edges
        inner join included_units as z_a
            on
                {{ kzw_ineq_join_on('styled_edges', 'z_a', key + ['transform', 'city_scope']) }}
                and styled_edges.region_a = z_a.region_code
        inner join included_units as z_b
            on
                {{ kzw_ineq_join_on('styled_edges', 'z_b', key + ['transform', 'city_scope']) }}
                and styled_edges.region_b = z_b.region_code
        group by
            {{ kzw_ineq_qualified_columns('styled_edges', key + ['transform', 'city_scope', 'weights_style']) }}
    ),

    ordered_pairs as (
        select {{ part }}, weights_style, region_a, region_b from styled_edges
        union
        select {{ part }}, weights_style, region_b as region_a, region_a as region_b from styled_edges
    ),

    pair_weights as (
        select
            {{ kzw_ineq_qualified_columns('ordered_pairs', key + ['transform', 'city_scope']) }},
            ordered_pairs.weights_style,
            coalesce(forward.w, 0.0) + coalesce(backward.w, 0.0) as w_sym
        from ordered_pairs
        left join styled_edges as forward
            on
                {{ kzw_ineq_join_on('ordered_pairs', 'forward', key + ['transform', 'city_scope', 'weights_style', 'region_a', 'region_b']) }}
        left join styled_edges as backward
            on
                {{ kzw_ineq_join_on('ordered_pairs', 'backward', key + ['transform', 'city_scope', 'weights_style']) }}
                and ordered_pairs.region_a = backward.region_b
                and ordered_pairs.region_b = backward.region_a
    ),

    s1_terms as (
        select
            {{ part }},
            weights_style,
            0.5 * sum(w_sym * w_sym) as s1
        from pair_weights
        group by {{ part }}, weights_style
    ),

    margins as (
        select {{ part }}, weights_style, region_a as region_code, w from styled_edges
        union all
        select {{ part }}, weights_style, region_b as region_code, w from styled_edges
    ),

    s2_terms as (
        select
            {{ part }},
            weights_style,
            sum(margin * margin) as s2
        from (
            select
                {{ part }},
                weights_style,
                region_code,
                sum(w) as margin
            from margins
            group by {{ part }}, weights_style, region_code
        ) as unit_margins
        group by {{ part }}, weights_style
    ),

    styled_summary as (
        select
            unit_summary.*,
            styles.weights_style
        from unit_summary
        cross join (values ('row_standardised'), ('binary')) as styles (weights_style)
    )

    select
        styled_summary.*,
        z_moments.sum_z2,
        z_moments.sum_z4,
        cross_products.s0,
        cross_products.sum_wzz,
        s1_terms.s1,
        s2_terms.s2
    from styled_summary
    left join z_moments
        on
            {{ kzw_ineq_join_on('styled_summary', 'z_moments', key + ['transform', 'city_scope']) }}
    left join cross_products
        on
            {{ kzw_ineq_join_on('styled_summary', 'cross_products', key + ['transform', 'city_scope', 'weights_style']) }}
    left join s1_terms
        on
            {{ kzw_ineq_join_on('styled_summary', 's1_terms', key + ['transform', 'city_scope', 'weights_style']) }}
    left join s2_terms
        on
            {{ kzw_ineq_join_on('styled_summary', 's2_terms', key + ['transform', 'city_scope', 'weights_style']) }}
{%- endmacro %}


{#- Variance of I under the normality assumption. -#}
{% macro kzw_ineq_moran_variance_normality(n, s0, s1, s2) -%}
    (
        ({{ n }} * {{ n }} * {{ s1 }} - {{ n }} * {{ s2 }} + 3.0 * {{ s0 }} * {{ s0 }})
        / (({{ n }} * {{ n }} - 1.0) * {{ s0 }} * {{ s0 }})
        - 1.0 / (({{ n }} - 1.0) * ({{ n }} - 1.0))
    )
{%- endmacro %}


{#- Variance of I under randomisation (esda VI_rand); k is the sample kurtosis sum(z^4)/n / (sum(z^2)/n)^2. -#}
{% macro kzw_ineq_moran_variance_randomisation(n, s0, s1, s2, k) -%}
    (
        (
            {{ n }} * (({{ n }} * {{ n }} - 3.0 * {{ n }} + 3.0) * {{ s1 }} - {{ n }} * {{ s2 }} + 3.0 * {{ s0 }} * {{ s0 }})
            - {{ k }} * (({{ n }} * {{ n }} - {{ n }}) * {{ s1 }} - 2.0 * {{ n }} * {{ s2 }} + 6.0 * {{ s0 }} * {{ s0 }})
        )
        / (({{ n }} - 1.0) * ({{ n }} - 2.0) * ({{ n }} - 3.0) * {{ s0 }} * {{ s0 }})
        - 1.0 / (({{ n }} - 1.0) * ({{ n }} - 1.0))
    )
{%- endmacro %}

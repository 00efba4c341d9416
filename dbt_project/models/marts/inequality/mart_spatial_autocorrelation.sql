{#-
    Global Moran's I of every indicator, year and geography, with the contiguity of the matching
    geo_version: on levels and logs, row-standardised and binary weights, with and without the
    three enclave cities. Grain: geography, geo_version, indicator, year, transform, weights_style,
    city_scope. The arithmetic lives in macros/inequality/moran.sql (METHODS.md section 3).
-#}

with

observations as (
    {{ kzw_ineq_observations() }}
),

moran_stats as (
    {{ kzw_ineq_moran_stats('observations', kzw_ineq_adjacency_relation()) }}
),

flagged as (
    select
        *,
        case
            when n_units < 2 and n_isolates >= 2 then 'no_adjacency'
            when n_units < 2 then 'too_few_units'
            when x_max = x_min then 'zero_variance'
            when s0 is null or s0 <= 0 then 'no_adjacency'
            when {{ kzw_ineq_null_on_invalid_rows() }} and n_invalid_values > 0 then 'invalid_input_rows'
        end as null_reason,
        cast(n_units as {{ kzw_ineq_double() }}) as n
    from moran_stats
),

moments as (
    select
        *,
        case when null_reason is null then n / s0 * sum_wzz / sum_z2 end as moran_i,
        case when null_reason is null then -1.0 / (n - 1.0) end as expected_i,
        case
            when null_reason is null then {{ kzw_ineq_moran_variance_normality('n', 's0', 's1', 's2') }}
        end as variance_normality,
        case
            when null_reason is null and n >= 4
                then {{ kzw_ineq_moran_variance_randomisation(
                    'n', 's0', 's1', 's2', '(sum_z4 / n) / ((sum_z2 / n) * (sum_z2 / n))'
                ) }}
        end as variance_randomisation
    from flagged
),

inference as (
    select
        *,
        {{ kzw_ineq_div('moran_i - expected_i', kzw_ineq_sqrt('variance_normality')) }} as z_normality,
        case
            when variance_randomisation > 0
                then (moran_i - expected_i) / sqrt(variance_randomisation)
        end as z_randomisation
    from moments
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        transform,
        weights_style,
        city_scope,
        moran_i,
        expected_i,
        variance_normality,
        z_normality,
        {{ kzw_ineq_two_tailed_p('z_normality') }} as p_normality,
        variance_randomisation,
        z_randomisation,
        {{ kzw_ineq_two_tailed_p('z_randomisation') }} as p_randomisation,
        n_units,
        n_excluded,
        n_isolates,
        excluded_regions,
        s0,
        s1,
        s2,
        null_reason,
        case
            when null_reason is not null then null
            when n_units < 4 then 'too_few_units_for_randomisation'
            when variance_randomisation is null or variance_randomisation <= 0
                then 'non_positive_randomisation_variance'
        end as randomisation_null_reason,
        'I = (n / S0) sum_ij w_ij z_i z_j / sum z_i^2, z = x - mean(x), x = '
        || case when transform = 'log' then 'ln y' else 'y' end
        || case
            when weights_style = 'row_standardised'
                then '; w_ij = 1 / deg_i for contiguous i, j (S0 = n)'
            else '; w_ij = 1 for contiguous i, j (S0 = number of ordered pairs)'
        end
        || '; E[I] = -1 / (n - 1); z = (I - E[I]) / sqrt(Var); p two-tailed normal '
        || '(= esda.Moran I, EI, VI_norm, z_norm, p_norm, VI_rand, z_rand, p_rand)'
            as formula
    from inference
)

select * from final

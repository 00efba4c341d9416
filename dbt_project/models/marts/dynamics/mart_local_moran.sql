{#-
    Local Moran's I (LISA; Anselin 1995) per region and year of GRP per capita and money income per
    capita, with row-standardised contiguity weights of the matching geo_version, with and without
    the enclave cities. Conventions of esda.Moran_Local 2.9.0 (transformation 'r'):

        z_i  = (y_i - mean y) / sd_pop(y) over the n units in W
        lag_i = sum_j w_ij z_j, w_ij = 1 / deg_i
        I_i  = (n - 1) z_i lag_i / sum_k z_k^2
        E[I_i] = -w_i. / (n - 1) = -1 / (n - 1)
        Var[I_i] = w_i(2) (n - b2) / (n - 1) + (w_i.^2 - w_i(2)) (2 b2 - n) / ((n - 1)(n - 2))
                   - E[I_i]^2,  w_i(2) = sum_j w_ij^2 = 1 / deg_i, b2 = n sum z^4 / (sum z^2)^2
        z_i^I = (I_i - E[I_i]) / sqrt(Var[I_i]); p two-tailed normal (analytical, not permutation)

    Units without a neighbour among the units present are left out (no row), as in the global mart.
-#}

{%- set part = ['geography', 'geo_version', 'indicator', 'year', 'city_scope'] -%}
{%- set alpha = var('kzw_lisa_significance', 0.05) -%}

with

panel as (
    {{ kzw_dyn_panel() }}
),

scoped as (
    {{ kzw_dyn_city_scoped('panel') }}
),

pairs as (
    {{ kzw_dyn_neighbour_pairs('scoped', part) }}
),

degrees as (
    select
        {{ part | join(', ') }},
        region_code,
        count(*) as n_neighbours
    from pairs
    group by {{ part | join(', ') }}, region_code
),

units as (
    select
        scoped.*,
        degrees.n_neighbours
    from scoped
    inner join degrees
        on
            {{ kzw_ineq_join_on('scoped', 'degrees', part + ['region_code']) }}
),

deviations as (
    select
        *,
        y - avg(y) over (partition by {{ part | join(', ') }}) as d,
        count(*) over (partition by {{ part | join(', ') }}) as n_units
    from units
),

moments as (
    select
        *,
        sum(d * d) over (partition by {{ part | join(', ') }}) as sum_d2,
        sum(d * d * d * d) over (partition by {{ part | join(', ') }}) as sum_d4
    from deviations
),

standardised as (
    select
        *,
        case when sum_d2 > 0 then d / sqrt(sum_d2 / n_units) end as z,
        case when sum_d2 > 0 then n_units * sum_d4 / (sum_d2 * sum_d2) end as kurtosis_b2
    from moments
),

lags as (
    select
        {{ kzw_ineq_qualified_columns('pairs', part) }},
        pairs.region_code,
        sum(neighbour.z) / count(*) as spatial_lag
    from pairs
    inner join standardised as neighbour
        on
            {{ kzw_ineq_join_on('pairs', 'neighbour', part) }}
            and pairs.neighbour_code = neighbour.region_code
    group by {{ kzw_ineq_qualified_columns('pairs', part + ['region_code']) }}
),

statistics as (
    select
        standardised.*,
        lags.spatial_lag,
        case
            when standardised.sum_d2 = 0 or standardised.sum_d2 is null then 'zero_variance'
            when standardised.n_units < 3 then 'too_few_units'
        end as null_reason,
        cast(standardised.n_units as {{ kzw_ineq_double() }}) as n,
        1.0 / cast(standardised.n_neighbours as {{ kzw_ineq_double() }}) as w_sq
    from standardised
    inner join lags
        on
            {{ kzw_ineq_join_on('standardised', 'lags', part + ['region_code']) }}
),

local_i as (
    select
        *,
        case when null_reason is null then (n - 1.0) * z * spatial_lag / n end as local_moran_i,
        case when null_reason is null then -1.0 / (n - 1.0) end as expected_i,
        case
            when null_reason is null
                then
                    w_sq * (n - kurtosis_b2) / (n - 1.0)
                    + (1.0 - w_sq) * (2.0 * kurtosis_b2 - n) / ((n - 1.0) * (n - 2.0))
                    - 1.0 / ((n - 1.0) * (n - 1.0))
        end as variance_i
    from statistics
),

inference as (
    select
        *,
        case
            when variance_i > 0 then (local_moran_i - expected_i) / sqrt(variance_i)
        end as z_score,
        case
            when null_reason is not null then null
            when z > 0 and spatial_lag > 0 then 'HH'
            when z <= 0 and spatial_lag > 0 then 'LH'
            when z <= 0 and spatial_lag <= 0 then 'LL'
            else 'HL'
        end as quadrant
    from local_i
),

final as (
    select
        geography,
        geo_version,
        indicator,
        unit,
        year,
        city_scope,
        region_code,
        region_type,
        y,
        z,
        spatial_lag,
        local_moran_i,
        expected_i,
        variance_i,
        z_score,
        {{ kzw_ineq_two_tailed_p('z_score') }} as p_value,
        quadrant,
        case
            when quadrant is null then null
            when {{ kzw_ineq_two_tailed_p('z_score') }} < {{ alpha }} then quadrant
            else 'not_significant'
        end as cluster,
        n_neighbours,
        n_units,
        null_reason
    from inference
)

select * from final

{#-
    Markov transition counts and probabilities between income classes (Quah 1993; Rey 2001;
    giddy.markov.Markov and Spatial_Markov 2.3.6), for each dynamics indicator and geography.

    Classes (upper bounds inclusive, as mapclassify.UserDefined / Quantiles):
      relative_national  r = y / national value, national value = sum pop y / sum pop of the year
                         (all regions of the year need a population); class j when
                         b_(j-1) < r <= b_j for the bounds of var kzw_markov_relative_bounds
      quintile           per year: class j when Q((j-1)/q) < y <= Q(j/q), Q the linear-interpolated
                         quantile of the year's regions (numpy / mapclassify.Quantiles), q = var
                         kzw_markov_quantile_classes
    A transition is (class in t, class in t + 1) of one region within one geography and geo_version
    (never across a boundary change), pooled over the geo_versions of the geography, over the whole
    panel (period 'all') and per decade of t. Spatial Markov (conditioning 'neighbour_class'):
    the same transitions split by the class in t of the region's spatial lag (mean of the
    contiguous regions' r, resp. the year's quantile class of the mean of their y).
-#}

{%- set bounds = var('kzw_markov_relative_bounds', [0.75, 1.0, 1.5]) -%}
{%- set classifications = kzw_dyn_markov_classifications() -%}
{%- set q = classifications['quintile'] -%}
{%- set quintile_y_bounds = [] -%}
{%- set quintile_lag_bounds = [] -%}
{%- set quantile_columns = [] -%}
{%- for j in range(1, q) -%}
    {%- do quantile_columns.append(kzw_dyn_quantile('y', j / q) ~ ' as y_bound_' ~ j) -%}
    {%- do quantile_columns.append(kzw_dyn_quantile('lag_y', j / q) ~ ' as lag_bound_' ~ j) -%}
    {%- do quintile_y_bounds.append('quantile_bounds.y_bound_' ~ j) -%}
    {%- do quintile_lag_bounds.append('quantile_bounds.lag_bound_' ~ j) -%}
{%- endfor -%}
{%- set part = ['geography', 'geo_version', 'indicator', 'year'] -%}
{%- set part_sql = part | join(', ') -%}

with

panel as (
    {{ kzw_dyn_panel() }}
),

national as (
    select
        {{ part_sql }},
        sum(population * y) / nullif(sum(population), 0) as national_value,
        count(*) as n_regions,
        count(population) as n_with_population
    from panel
    group by {{ part_sql }}
),

relative as (
    select
        panel.*,
        case
            when national.n_with_population = national.n_regions and national.national_value > 0
                then panel.y / national.national_value
        end as ratio
    from panel
    inner join national
        on
            {{ kzw_ineq_join_on('panel', 'national', part) }}
),

pairs as (
    {{ kzw_dyn_neighbour_pairs('relative', part) }}
),

lags as (
    select
        {{ kzw_ineq_qualified_columns('pairs', part) }},
        pairs.region_code,
        avg(pairs.neighbour_y) as lag_y,
        case when count(neighbour.ratio) = count(*) then avg(neighbour.ratio) end as lag_ratio
    from pairs
    inner join relative as neighbour
        on
            {{ kzw_ineq_join_on('pairs', 'neighbour', part) }}
            and pairs.neighbour_code = neighbour.region_code
    group by {{ kzw_ineq_qualified_columns('pairs', part + ['region_code']) }}
),

units as (
    select
        relative.*,
        lags.lag_y,
        lags.lag_ratio
    from relative
    left join lags
        on
            {{ kzw_ineq_join_on('relative', 'lags', part + ['region_code']) }}
),

quantile_bounds as (
    select
        {{ part_sql }},
        {{ quantile_columns | join(',\n        ') }}
    from units
    group by {{ part_sql }}
),

classified as (
    select
        {{ kzw_ineq_qualified_columns('units', part) }},
        units.region_code,
        'relative_national' as classification,
        {{ kzw_dyn_class_of('units.ratio', bounds) }} as class,
        {{ kzw_dyn_class_of('units.lag_ratio', bounds) }} as neighbour_class
    from units
    where units.ratio is not null
    union all
    select
        {{ kzw_ineq_qualified_columns('units', part) }},
        units.region_code,
        'quintile' as classification,
        {{ kzw_dyn_class_of('units.y', quintile_y_bounds) }} as class,
        {{ kzw_dyn_class_of('units.lag_y', quintile_lag_bounds) }} as neighbour_class
    from units
    inner join quantile_bounds
        on
            {{ kzw_ineq_join_on('units', 'quantile_bounds', part) }}
),

transitions as (
    select
        origin.geography,
        origin.indicator,
        origin.classification,
        origin.year as start_year,
        origin.class as from_class,
        destination.class as to_class,
        origin.neighbour_class as start_neighbour_class
    from classified as origin
    inner join classified as destination
        on
            origin.geography = destination.geography
            and origin.geo_version = destination.geo_version
            and origin.indicator = destination.indicator
            and origin.classification = destination.classification
            and origin.region_code = destination.region_code
            and destination.year = origin.year + 1
),

decades as (
    select
        *,
        cast(floor(start_year / 10.0) * 10 as {{ dbt.type_int() }}) as decade_start
    from transitions
),

periods as (
    select
        *,
        'all' as period
    from decades
    union all
    select
        *,
        cast(decade_start as {{ dbt.type_string() }}) || '-' || cast(decade_start + 9 as {{ dbt.type_string() }})
            as period
    from decades
),

conditioned as (
    select
        geography,
        indicator,
        classification,
        period,
        'none' as conditioning,
        cast(null as {{ dbt.type_int() }}) as neighbour_class,
        from_class,
        to_class
    from periods
    union all
    select
        geography,
        indicator,
        classification,
        period,
        'neighbour_class' as conditioning,
        start_neighbour_class as neighbour_class,
        from_class,
        to_class
    from periods
    where start_neighbour_class is not null
),

counts as (
    select
        {{ kzw_dyn_markov_keys() | join(', ') }},
        from_class,
        to_class,
        count(*) as n_transitions
    from conditioned
    group by {{ kzw_dyn_markov_keys() | join(', ') }}, from_class, to_class
),

row_totals as (
    select
        *,
        sum(n_transitions) over (
            partition by {{ kzw_dyn_markov_keys() | join(', ') }}, from_class
        ) as n_from
    from counts
),

final as (
    select
        *,
        cast(n_transitions as {{ kzw_ineq_double() }}) / n_from as probability
    from row_totals
)

select * from final

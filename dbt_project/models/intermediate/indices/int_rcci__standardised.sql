{%- set skew_threshold = indices_param('rcci_skew_threshold') -%}
{%- set clip = indices_param('rcci_z_clip') -%}
{%- set decision = indices_param('rcci_skew_decision') -%}
{%- if decision not in ['panel', 'year'] -%}
    {{ exceptions.raise_compiler_error("rcci_skew_decision must be 'panel' or 'year', got " ~ decision) }}
{%- endif -%}
-- RCCI indicator standardisation (METHODS.md 2.2 steps 2-4), one row per region x year x scored indicator.
--   skewness   adjusted Fisher-Pearson G1 = g1 * sqrt(n (n - 1)) / (n - 2), g1 = m3 / m2^1.5 (population
--              moments across the regions of the year holding the indicator; = Excel SKEW, scipy
--              skew(bias=False)); n >= 3
--   transform  'ln' if transform_rule = 'ln' (market size); otherwise the project skew rule (METHODS 2.2
--              step 3): ln when |G1| > rcci_skew_threshold and min(x) > 0, decided once per indicator over
--              the panel (rcci_skew_decision = 'panel', default: ln in every year when the rule holds in at
--              least half of the years and min(x) > 0 in all, so that a pillar's transform does not flip
--              from year to year) or per year ('year'); else 'none'
--   z          (x' - mean(x')) / stddev_pop(x') across the regions of the year (unweighted, ddof = 0)
--   z_oriented direction * z (more is better after orientation; orientation after the log so that ln
--              applies to the positive raw values, |G1| is unchanged by the sign)
--   z_final    z_oriented clipped to [-rcci_z_clip, +rcci_z_clip] (none: no clipping)
with

indicators as (

    select * from {{ ref('int_rcci__indicators') }}
    where scored

),

centred as (

    select
        *,
        value - avg(value) over (partition by year, indicator_id) as deviation
    from indicators
    where value is not null

),

moments as (

    select
        year,
        indicator_id,
        count(*) as n_regions,
        avg(value) as raw_mean,
        min(value) as raw_min,
        max(value) as raw_max,
        avg(deviation * deviation) as m2,
        avg(deviation * deviation * deviation) as m3
    from centred
    group by year, indicator_id

),

skewness as (

    select
        *,
        case
            when n_regions >= 3 and m2 > 0
                then m3 / power(m2, 1.5) * sqrt(n_regions * (n_regions - 1.0)) / (n_regions - 2.0)
        end as skewness
    from moments

),

panel_decision as (

    select
        indicator_id,
        {{ share_where('abs(skewness) > ' ~ skew_threshold) }} as share_years_skewed,
        min(raw_min) as panel_min
    from skewness
    where skewness is not null
    group by indicator_id

),

decided as (

    select
        indicators.*,
        skewness.n_regions,
        skewness.raw_mean,
        skewness.raw_min,
        skewness.raw_max,
        skewness.skewness,
        panel_decision.share_years_skewed,
        case
            when indicators.transform_rule = 'ln' then 'ln'
            {%- if decision == 'panel' %}
                when panel_decision.share_years_skewed >= 0.5 and panel_decision.panel_min > 0 then 'ln'
            {%- else %}
                when abs(skewness.skewness) > {{ skew_threshold }} and skewness.raw_min > 0 then 'ln'
            {%- endif %}
            else 'none'
        end as transform_applied,
        '{{ decision }}' as skew_decision
    from indicators
    left join skewness
        on
            indicators.year = skewness.year
            and indicators.indicator_id = skewness.indicator_id
    left join panel_decision
        on indicators.indicator_id = panel_decision.indicator_id

),

transformed as (

    select
        *,
        case
            when transform_applied = 'ln' and value > 0 then ln(value)
            when transform_applied = 'none' then value
        end as transformed_value
    from decided

),

standardised as (

    select
        *,
        avg(transformed_value) over (partition by year, indicator_id) as transformed_mean,
        stddev_pop(transformed_value) over (partition by year, indicator_id) as transformed_sd
    from transformed

),

oriented as (

    select
        *,
        (transformed_value - transformed_mean) / nullif(transformed_sd, 0) as z,
        direction * (transformed_value - transformed_mean) / nullif(transformed_sd, 0) as z_oriented
    from standardised

),

final as (

    select
        year,
        region_code,
        territory_key,
        sub_index,
        pillar,
        indicator_id,
        direction,
        unit,
        transform_rule,
        raw_value,
        value,
        n_years_averaged,
        smoothing_years,
        n_regions,
        raw_mean,
        raw_min,
        raw_max,
        skewness,
        share_years_skewed,
        skew_decision,
        transform_applied,
        transformed_value,
        transformed_mean,
        transformed_sd,
        z,
        z_oriented,
        {%- if clip is none %}
            z_oriented as z_final,
            false as z_clipped
        {%- else %}
            case
                when z_oriented > {{ clip }} then {{ clip }}
                when z_oriented < -{{ clip }} then -{{ clip }}
                else z_oriented
            end as z_final,
            coalesce(abs(z_oriented) > {{ clip }}, false) as z_clipped
        {%- endif %}
    from oriented

)

select * from final

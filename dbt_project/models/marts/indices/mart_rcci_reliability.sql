{#-
    Cronbach's alpha of each RCCI pillar with two or more indicators, per year (METHODS.md 2.2 step 8):
        alpha = k / (k - 1) (1 - sum_i Var(z_i) / Var(sum_i z_i))
    over the regions with every indicator of the pillar (listwise), z = the headline's oriented,
    clipped z-scores (int_rcci__standardised.z_final), population variances (the ratio does not depend
    on the ddof).
-#}

with

indicators as (
    select
        year,
        region_code,
        pillar,
        indicator_id,
        z_final,
        count(*) over (partition by year, region_code, pillar) as n_indicators,
        count(z_final) over (partition by year, region_code, pillar) as n_present
    from {{ ref('int_rcci__standardised') }}
),

complete as (
    select *
    from indicators
    where n_indicators >= 2 and n_present = n_indicators
),

item_variances as (
    select
        year,
        pillar,
        indicator_id,
        var_pop(z_final) as item_variance
    from complete
    group by year, pillar, indicator_id
),

totals as (
    select
        year,
        pillar,
        region_code,
        sum(z_final) as total
    from complete
    group by year, pillar, region_code
),

total_variances as (
    select
        year,
        pillar,
        var_pop(total) as total_variance,
        count(*) as n_regions
    from totals
    group by year, pillar
),

summed as (
    select
        year,
        pillar,
        count(*) as n_indicators,
        sum(item_variance) as sum_item_variance
    from item_variances
    group by year, pillar
),

final as (
    select
        summed.year,
        summed.pillar,
        summed.n_indicators,
        total_variances.n_regions,
        case
            when total_variances.n_regions >= 2
                then
                    summed.n_indicators * (total_variances.total_variance - summed.sum_item_variance)
                    / nullif((summed.n_indicators - 1.0) * total_variances.total_variance, 0)
        end as cronbach_alpha
    from summed
    inner join total_variances
        on
            summed.year = total_variances.year
            and summed.pillar = total_variances.pillar
)

select * from final

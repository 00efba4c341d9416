{#-
    Robustness of the RCCI ranking (METHODS.md 2.2 step 8; docs/methodology_indices.md): the index is
    recomputed from the indicators of int_rcci__standardised under a deterministic grid of 40 variants

        normalisation  z_score (headline: z clipped, int_rcci__standardised.z_final)
                       | min_max ((x - min) / (max - min) of the oriented transformed value, per year)
        weights        stage (headline: mart_competitiveness_cohesion.w_*_used) | equal (0.5 / 0.5)
        aggregation    arithmetic (headline) | geometric (weighted geometric means at every level, on
                       the positive score offset + factor z (vars rcci_positive_scale_offset, _factor),
                       resp. 1 + 99 m for min-max)
        left_out       none (headline) | one pillar left out (health, labour_market, market_size,
                       cohesion); a sub-index left without pillars drops out and the weights are
                       renormalised over the rest

    with the headline's aggregation rules (pillar: at least rcci_min_indicator_share of its indicators;
    sub-index: all its pillars; rcci = (1 - lambda) competitiveness + lambda cohesion). Per region and
    year: the headline rank (= mart_competitiveness_cohesion.rcci_rank) and the min, max and median rank
    over the variants that score the region. Rank 1 = best; ties share the lower rank.
-#}

{%- set min_share = indices_param('rcci_min_indicator_share') -%}
{%- set offset = indices_param('rcci_positive_scale_offset') -%}
{%- set factor = indices_param('rcci_positive_scale_factor') -%}
{%- set variant = ['normalisation', 'weighting', 'aggregation', 'left_out'] -%}
{%- set variant_sql = variant | join(', ') -%}

with

indicators as (
    select
        year,
        region_code,
        sub_index,
        pillar,
        indicator_id,
        direction * transformed_value as oriented_value,
        z_final,
        count(*) over (partition by year, region_code, pillar) as n_pillar_indicators
    from {{ ref('int_rcci__standardised') }}
),

grid as (
    select
        normalisations.normalisation,
        aggregations.aggregation,
        left_outs.left_out
    from (values ('z_score'), ('min_max')) as normalisations (normalisation)
    cross join (values ('arithmetic'), ('geometric')) as aggregations (aggregation)
    cross join (
        values ('none'), ('health'), ('labour_market'), ('market_size'), ('cohesion')
    ) as left_outs (left_out)
),

min_max as (
    select
        *,
        (oriented_value - min(oriented_value) over (partition by year, indicator_id))
        / nullif(
            max(oriented_value) over (partition by year, indicator_id)
            - min(oriented_value) over (partition by year, indicator_id),
            0
        ) as min_max_value
    from indicators
),

scores as (
    select
        min_max.year,
        min_max.region_code,
        min_max.sub_index,
        min_max.pillar,
        min_max.n_pillar_indicators,
        grid.normalisation,
        grid.aggregation,
        grid.left_out,
        case
            when grid.normalisation = 'z_score' and grid.aggregation = 'arithmetic' then min_max.z_final
            when grid.normalisation = 'z_score' then ln({{ offset }} + {{ factor }} * min_max.z_final)
            when grid.aggregation = 'arithmetic' then min_max.min_max_value
            else ln(1.0 + 99.0 * min_max.min_max_value)
        end as score
    from min_max
    cross join grid
    where min_max.pillar <> grid.left_out
),

pillars as (
    select
        year,
        region_code,
        normalisation,
        aggregation,
        left_out,
        sub_index,
        pillar,
        case
            when count(score) >= {{ min_share }} * max(n_pillar_indicators) then avg(score)
        end as pillar_score
    from scores
    group by year, region_code, normalisation, aggregation, left_out, sub_index, pillar
),

sub_indices as (
    select
        year,
        region_code,
        normalisation,
        aggregation,
        left_out,
        sub_index,
        case when count(pillar_score) = count(*) then avg(pillar_score) end as sub_score
    from pillars
    group by year, region_code, normalisation, aggregation, left_out, sub_index
),

sub_wide as (
    select
        year,
        region_code,
        normalisation,
        aggregation,
        left_out,
        count(case when sub_index = 'basic' then 1 end) as has_basic,
        max(case when sub_index = 'basic' then sub_score end) as basic,
        max(case when sub_index = 'efficiency' then sub_score end) as efficiency,
        count(case when sub_index = 'cohesion' then 1 end) as has_cohesion,
        max(case when sub_index = 'cohesion' then sub_score end) as cohesion
    from sub_indices
    group by year, region_code, normalisation, aggregation, left_out
),

weighted as (
    select
        sub_wide.*,
        weightings.weighting,
        case
            when weightings.weighting = 'stage' then headline.w_basic_used else 0.5
        end as w_basic,
        case
            when weightings.weighting = 'stage' then headline.w_efficiency_used else 0.5
        end as w_efficiency,
        headline.cohesion_weight
    from sub_wide
    inner join {{ ref('mart_competitiveness_cohesion') }} as headline
        on
            sub_wide.year = headline.year
            and sub_wide.region_code = headline.region_code
    cross join (values ('stage'), ('equal')) as weightings (weighting)
),

composites as (
    select
        *,
        case
            when has_basic = 0 then efficiency
            else (w_basic * basic + w_efficiency * efficiency) / (w_basic + w_efficiency)
        end as competitiveness
    from weighted
),

variant_scores as (
    select
        *,
        case
            when has_cohesion = 0 then competitiveness
            else (1 - cohesion_weight) * competitiveness + cohesion_weight * cohesion
        end as composite
    from composites
),

variant_ranks as (
    select
        *,
        case
            when composite is not null
                then rank() over (partition by year, {{ variant_sql }} order by composite desc nulls last)
        end as variant_rank
    from variant_scores
),

ordered_ranks as (
    select
        year,
        region_code,
        variant_rank,
        row_number() over (partition by year, region_code order by variant_rank) as rank_position,
        count(variant_rank) over (partition by year, region_code) as n_ranked
    from variant_ranks
    where variant_rank is not null
),

medians as (
    select
        year,
        region_code,
        avg(variant_rank) as median_rank
    from ordered_ranks
    where rank_position * 2 in (n_ranked, n_ranked + 1, n_ranked + 2)
    group by year, region_code
),

summary as (
    select
        year,
        region_code,
        max(
            case
                when
                    normalisation = 'z_score' and weighting = 'stage'
                    and aggregation = 'arithmetic' and left_out = 'none'
                    then variant_rank
            end
        ) as headline_rank,
        min(variant_rank) as min_rank,
        max(variant_rank) as max_rank,
        count(variant_rank) as n_variants_scored,
        count(*) as n_variants
    from variant_ranks
    group by year, region_code
),

final as (
    select
        headline.year,
        headline.region_code,
        headline.region_name_en,
        headline.geo_version,
        summary.headline_rank,
        summary.min_rank,
        summary.max_rank,
        medians.median_rank,
        summary.max_rank - summary.min_rank as rank_range,
        summary.n_variants_scored,
        summary.n_variants,
        count(summary.headline_rank) over (partition by headline.year) as n_regions_ranked
    from {{ ref('mart_competitiveness_cohesion') }} as headline
    left join summary
        on
            headline.year = summary.year
            and headline.region_code = summary.region_code
    left join medians
        on
            headline.year = medians.year
            and headline.region_code = medians.region_code
)

select * from final

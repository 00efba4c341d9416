{%- set min_share = indices_param('rcci_min_indicator_share') -%}
{%- set stage_basis = indices_param('rcci_stage_basis') -%}
{%- set stage_table = indices_param('rcci_stage_weights') -%}
{%- set lam = indices_param('rcci_cohesion_weight') -%}
{%- set offset = indices_param('rcci_positive_scale_offset') -%}
{%- set factor = indices_param('rcci_positive_scale_factor') -%}
{%- set basis_columns = {
    'income': 'income_pct_of_national',
    'non_mining_grp': 'non_mining_grp_pc_pct_of_national',
    'grp': 'grp_pc_pct_of_national',
} -%}
{%- if stage_basis not in basis_columns -%}
    {{ exceptions.raise_compiler_error("rcci_stage_basis must be one of income, non_mining_grp, grp") }}
{%- endif -%}
{%- set subs = rcci_competitiveness_subs() -%}
-- Regional Competitiveness and Cohesion Index per region x year (METHODS.md section 2;
-- docs/methodology_indices.md). As published geography (the units of the map of the year), years with an
-- average annual population. Pillar = mean of its indicators' final z (int_rcci__standardised) when at
-- least rcci_min_indicator_share of them are present; sub-index = mean of its covered pillars, all
-- required; competitiveness = stage-weighted sum of the covered sub-indices (weights renormalised over
-- them; the innovation sub-index has no data: mart_rcci_coverage); cohesion = the cohesion pillar;
-- rcci = (1 - lambda) competitiveness + lambda cohesion. Two presentation scales: 0-100 min-max over the
-- pooled panel, and national = 100 (population-weighted mean of the regions of the year).
-- The column lists are generated from the catalogue by macros/indices/rcci_columns.sql.
with

facts as (

    select
        cast(year as integer) as year,
        region_code,
        region_name_en,
        geo_version,
        territory_key,
        population_avg,
        money_income_per_capita_kzt_month,
        grp_mln_kzt,
        mining_gva_mln_kzt
    from {{ ref('fct_region_year') }}
    where population_avg is not null

),

z as (

    select * from {{ ref('int_rcci__standardised') }}

),

indicator_wide as (

    select
        year,
        region_code,
        {{ rcci_indicator_pivot() }}
    from z
    group by year, region_code

),

pillar_inputs as (

    select
        facts.*,
        {{ rcci_indicator_columns('indicator_wide') }},
        {{ rcci_pillar_inputs('indicator_wide') }}
    from facts
    left join indicator_wide
        on
            facts.year = indicator_wide.year
            and facts.region_code = indicator_wide.region_code

),

pillars as (

    select
        *,
        {{ rcci_pillar_scores(min_share) }}
    from pillar_inputs

),

sub_indices as (

    select
        *,
        {{ rcci_subindex_scores(subs + ['cohesion']) }}
    from pillars

),

national_means as (

    select
        *,
        sum(money_income_per_capita_kzt_month * population_avg) over (partition by year)
        / nullif(
            sum(case when money_income_per_capita_kzt_month is not null then population_avg end)
                over (partition by year),
            0
        ) as national_income_per_capita_kzt_month,
        1000000.0 * sum(grp_mln_kzt) over (partition by year)
        / nullif(sum(case when grp_mln_kzt is not null then population_avg end) over (partition by year), 0)
            as national_grp_per_capita_kzt,
        1000000.0 * sum(grp_mln_kzt - mining_gva_mln_kzt) over (partition by year)
        / nullif(
            sum(case when grp_mln_kzt is not null and mining_gva_mln_kzt is not null then population_avg end)
                over (partition by year),
            0
        ) as national_non_mining_grp_per_capita_kzt
    from sub_indices

),

stage_bases as (

    select
        *,
        100.0 * money_income_per_capita_kzt_month / national_income_per_capita_kzt_month
            as income_pct_of_national,
        100.0 * (1000000.0 * grp_mln_kzt / population_avg) / national_grp_per_capita_kzt
            as grp_pc_pct_of_national,
        100.0 * (1000000.0 * (grp_mln_kzt - mining_gva_mln_kzt) / population_avg)
        / national_non_mining_grp_per_capita_kzt as non_mining_grp_pc_pct_of_national
    from national_means

),

stages as (

    select
        *,
        {{ rcci_stage_case(stage_table, 'income_pct_of_national') }} as stage_by_income,
        {{ rcci_stage_case(stage_table, 'grp_pc_pct_of_national') }} as stage_by_grp,
        {{ rcci_stage_case(stage_table, 'non_mining_grp_pc_pct_of_national') }} as stage_by_non_mining_grp,
        {{ rcci_stage_case(stage_table, basis_columns[stage_basis]) }} as development_stage
    from stage_bases

),

weights as (

    select
        *,
        {{ rcci_stage_weight_columns(stage_table, 'development_stage') }}
    from stages

),

composite as (

    select
        *,
        {{ rcci_competitiveness(subs) }},
        cohesion_subindex as cohesion_z
    from weights

),

combined as (

    select
        *,
        case
            when competitiveness_z is not null and cohesion_z is not null
                then (1 - {{ lam }}) * competitiveness_z + {{ lam }} * cohesion_z
        end as rcci_z
    from composite

),

scaled as (

    select
        *,
        {{ rcci_scales('competitiveness', offset, factor) }},
        {{ rcci_scales('cohesion', offset, factor) }},
        {{ rcci_scales('rcci', offset, factor) }}
    from combined

),

final as (

    select
        year,
        region_code,
        region_name_en,
        geo_version,
        territory_key,
        population_avg,
        {{ rcci_indicator_columns() }},
        {{ rcci_pillar_output_columns() }},
        {{ rcci_subindex_output_columns(subs, '{}_subindex') }},
        money_income_per_capita_kzt_month,
        national_income_per_capita_kzt_month,
        income_pct_of_national,
        grp_pc_pct_of_national,
        non_mining_grp_pc_pct_of_national,
        stage_by_income,
        stage_by_grp,
        stage_by_non_mining_grp,
        '{{ stage_basis }}' as stage_basis,
        development_stage,
        w_basic_nominal,
        w_efficiency_nominal,
        w_innovation_nominal,
        {{ rcci_subindex_output_columns(subs, 'w_{}_used') }},
        competitiveness_z,
        cohesion_z,
        {{ lam }} as cohesion_weight,
        rcci_z,
        competitiveness_0_100,
        cohesion_0_100,
        rcci_0_100,
        competitiveness_national_100,
        cohesion_national_100,
        rcci_national_100,
        competitiveness_rank,
        cohesion_rank,
        rcci_rank,
        {{ rcci_missing_indicators() }} as missing_indicators,
        {{ rcci_score_note(min_share, stage_basis) }} as score_note
    from scaled

)

select * from final

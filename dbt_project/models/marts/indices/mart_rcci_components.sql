{%- set lam = indices_param('rcci_cohesion_weight') -%}
-- Component breakdown of the Regional Competitiveness and Cohesion Index: one row per region x year x
-- scored indicator of the composite, with each indicator's raw value, transform, z-scores and its additive contribution
-- to the competitiveness, cohesion and combined scores of mart_competitiveness_cohesion:
--   contribution_competitiveness = w_used(sub-index) / n_pillars(sub-index) / n_indicators(pillar) * z_final
--   contribution_cohesion        = z_final / n_indicators(cohesion pillar)
--   contribution_rcci            = (1 - lambda) * contribution_competitiveness + lambda * contribution_cohesion
-- Summed over the indicators of a region-year they give competitiveness_z, cohesion_z and rcci_z exactly.
{%- set competitiveness_subs = [] -%}
{%- for s in ['basic', 'efficiency', 'innovation'] if rcci_covered_pillars(s) | length > 0 -%}
    {%- do competitiveness_subs.append(s) -%}
{%- endfor %}
with

z as (

    select * from {{ ref('int_rcci__standardised') }}
    -- the composite's indicators only (pillars scored outside it have no contribution)
    where {{ rcci_in_composite_condition() }}

),

scores as (

    select * from {{ ref('mart_competitiveness_cohesion') }}

),

joined as (

    select
        z.year,
        z.region_code,
        scores.region_name_en,
        z.sub_index,
        z.pillar,
        z.indicator_id,
        z.direction,
        z.unit,
        z.raw_value,
        z.value,
        z.skewness,
        z.transform_applied,
        z.transformed_value,
        z.z,
        z.z_oriented,
        z.z_clipped,
        z.z_final,
        case z.pillar
            {%- for s in competitiveness_subs + ['cohesion'] %}
                {%- for p in rcci_covered_pillars(s) %}
                    when '{{ p }}' then scores.{{ p }}_n_indicators
                {%- endfor %}
            {%- endfor %}
        end as pillar_n_indicators,
        case z.sub_index
            {%- for s in competitiveness_subs %}
                when '{{ s }}' then scores.w_{{ s }}_used / {{ rcci_covered_pillars(s) | length }}
            {%- endfor %}
        end as competitiveness_pillar_weight,
        case z.pillar
            {%- for s in competitiveness_subs + ['cohesion'] %}
                {%- for p in rcci_covered_pillars(s) %}
                    when '{{ p }}' then scores.{{ p }}_pillar
                {%- endfor %}
            {%- endfor %}
        end as pillar_score,
        scores.competitiveness_z,
        scores.cohesion_z,
        scores.rcci_z
    from z
    inner join scores
        on
            z.year = scores.year
            and z.region_code = scores.region_code

),

final as (

    select
        *,
        case
            when competitiveness_z is not null and sub_index != 'cohesion' and z_final is not null
                then competitiveness_pillar_weight / pillar_n_indicators * z_final
        end as contribution_competitiveness,
        case
            when cohesion_z is not null and sub_index = 'cohesion' and z_final is not null
                then z_final / pillar_n_indicators
        end as contribution_cohesion
    from joined

)

select
    *,
    case
        when rcci_z is not null
            then
                (1 - {{ lam }}) * coalesce(contribution_competitiveness, 0)
                + {{ lam }} * coalesce(contribution_cohesion, 0)
    end as contribution_rcci
from final

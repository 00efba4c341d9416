-- Every fact measure on every territory it can be computed for, from the units the table publishes.
-- A territory (a set of 2022 units, see int_region__composition) gets a value when the published
-- units inside it cover it exactly: one unit with the same territory ('published'), or several
-- smaller ones re-aggregated ('sum_of_parts' for additive measures, 'weighted_mean_of_parts' for
-- per-capita and rate measures, weights from the additive measure named in measure_catalog). A
-- territory that a published unit only partly covers (a coarser publication) gets no value: nothing
-- is disaggregated or imputed.
with

observations as (

    select * from {{ ref('int_observations__annual') }}
    where not is_national and not is_superseded

),

measure_catalog as (

    select * from {{ measure_catalog() }}

),

territory_bases as (

    select distinct
        territory_key,
        n_base_units,
        base_region_code
    from {{ ref('int_region__composition') }}

),

territories as (

    select distinct
        territory_key,
        n_base_units
    from territory_bases

),

-- observation o lies inside territory t when every base unit of o is in t
parts as (

    select
        target.territory_key as target_territory_key,
        observations.measure,
        observations.year,
        observations.region_code,
        observations.territory_key as part_territory_key,
        observations.n_base_units as part_n_base_units,
        observations.value,
        observations.dataset_id,
        observations.release_id,
        observations.published_geo_version
    from observations
    inner join territory_bases as part
        on observations.territory_key = part.territory_key
    inner join territory_bases as target
        on part.base_region_code = target.base_region_code
    group by
        target.territory_key,
        observations.measure,
        observations.year,
        observations.region_code,
        observations.territory_key,
        observations.n_base_units,
        observations.value,
        observations.dataset_id,
        observations.release_id,
        observations.published_geo_version
    having count(*) = observations.n_base_units

),

parts_with_method as (

    select
        parts.*,
        measure_catalog.aggregation,
        measure_catalog.weight_measure,
        measure_catalog.unit
    from parts
    inner join measure_catalog
        on parts.measure = measure_catalog.measure

),

additive as (

    select
        parts_with_method.target_territory_key as territory_key,
        parts_with_method.measure,
        parts_with_method.year,
        sum(parts_with_method.value) as value,
        count(*) as n_parts,
        {{ sorted_string_agg('parts_with_method.region_code', "','") }} as part_region_codes,
        any_value(parts_with_method.dataset_id) as dataset_id,
        any_value(parts_with_method.release_id) as release_id,
        any_value(parts_with_method.published_geo_version) as published_geo_version,
        any_value(parts_with_method.unit) as unit,
        any_value(parts_with_method.aggregation) as aggregation,
        any_value(parts_with_method.weight_measure) as weight_measure
    from parts_with_method
    inner join territories
        on parts_with_method.target_territory_key = territories.territory_key
    where parts_with_method.aggregation = 'sum'
    group by
        parts_with_method.target_territory_key,
        parts_with_method.measure,
        parts_with_method.year,
        territories.n_base_units
    having sum(parts_with_method.part_n_base_units) = territories.n_base_units

),

weighted_parts as (

    select
        parts_with_method.*,
        case
            -- volume index: weight = GRP of year t at prices of t-1 = nominal GRP / (1 + growth)
            when parts_with_method.measure = 'grp_real_growth_pct'
                then weights.value / (1 + parts_with_method.value / 100)
            else weights.value
        end as weight
    from parts_with_method
    left join additive as weights
        on
            parts_with_method.weight_measure = weights.measure
            and parts_with_method.year = weights.year
            and parts_with_method.part_territory_key = weights.territory_key
    where parts_with_method.aggregation = 'weighted_mean'

),

weighted as (

    select
        weighted_parts.target_territory_key as territory_key,
        weighted_parts.measure,
        weighted_parts.year,
        case
            when count(*) = 1 then any_value(weighted_parts.value)
            when count(weighted_parts.weight) = count(*) and sum(weighted_parts.weight) > 0
                then sum(weighted_parts.value * weighted_parts.weight) / sum(weighted_parts.weight)
        end as value,
        count(*) as n_parts,
        {{ sorted_string_agg('weighted_parts.region_code', "','") }} as part_region_codes,
        any_value(weighted_parts.dataset_id) as dataset_id,
        any_value(weighted_parts.release_id) as release_id,
        any_value(weighted_parts.published_geo_version) as published_geo_version,
        any_value(weighted_parts.unit) as unit,
        any_value(weighted_parts.aggregation) as aggregation,
        any_value(weighted_parts.weight_measure) as weight_measure
    from weighted_parts
    inner join territories
        on weighted_parts.target_territory_key = territories.territory_key
    group by
        weighted_parts.target_territory_key,
        weighted_parts.measure,
        weighted_parts.year,
        territories.n_base_units
    having sum(weighted_parts.part_n_base_units) = territories.n_base_units

),

unioned as (

    select * from additive
    union all
    select * from weighted

),

final as (

    select
        measure,
        year,
        territory_key,
        value,
        unit,
        case
            when n_parts = 1 then 'published'
            when aggregation = 'sum' then 'sum_of_parts'
            else 'weighted_mean_of_parts'
        end as aggregation_method,
        case when n_parts > 1 and aggregation = 'weighted_mean' then weight_measure end as weight_measure,
        n_parts,
        part_region_codes,
        published_geo_version,
        dataset_id,
        release_id
    from unioned
    where value is not null

)

select * from final

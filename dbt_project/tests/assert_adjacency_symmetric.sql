-- An asset check of region_adjacency in Dagster (the asset it guards).
{{ config(meta={'dagster': {'ref': {'name': 'region_adjacency'}}}) }}
-- region_adjacency is stored symmetric: (a, b) is in W if and only if (b, a) is, in every geo_version.
select
    adjacency.region_a,
    adjacency.region_b,
    adjacency.geo_version
from {{ ref('region_adjacency') }} as adjacency
left join {{ ref('region_adjacency') }} as mirrored
    on
        adjacency.region_a = mirrored.region_b
        and adjacency.region_b = mirrored.region_a
        and adjacency.geo_version = mirrored.geo_version
where mirrored.region_a is null

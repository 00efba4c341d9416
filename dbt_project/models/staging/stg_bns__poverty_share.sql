-- Share of population with income below the subsistence minimum (poverty_share).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('poverty_share') }}

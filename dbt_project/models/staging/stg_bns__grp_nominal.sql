-- Gross regional product, nominal (grp_nominal).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('grp_nominal') }}

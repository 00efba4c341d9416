-- Average monthly nominal wage (wages_nominal).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('wages_nominal') }}

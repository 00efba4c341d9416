-- Physicians of all specialties (end of year) (physicians).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('physicians') }}

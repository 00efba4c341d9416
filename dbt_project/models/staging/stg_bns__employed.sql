-- Employed population (LFS) (employed).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('employed') }}

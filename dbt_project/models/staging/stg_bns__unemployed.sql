-- Unemployed population (LFS) (unemployed).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('unemployed') }}

-- Labour force (LFS) (labour_force).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('labour_force') }}

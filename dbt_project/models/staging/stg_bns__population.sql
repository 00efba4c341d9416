-- Population by region and sex (1 January) (population).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('population') }}

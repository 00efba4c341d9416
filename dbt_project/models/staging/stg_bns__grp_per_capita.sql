-- Gross regional product per capita (grp_per_capita).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('grp_per_capita') }}

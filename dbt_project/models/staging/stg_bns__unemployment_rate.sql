-- Unemployment rate (labour force survey) (unemployment_rate).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('unemployment_rate') }}

-- Life expectancy at birth (life_expectancy).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('life_expectancy') }}

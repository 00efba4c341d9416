-- Average annual population (restated on 2022 boundaries) (population_average).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('population_average') }}

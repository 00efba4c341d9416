-- Average per capita nominal money income, quarterly (income_quarterly).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('income_quarterly') }}

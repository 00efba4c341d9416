-- Average per capita nominal money income, annual (income_annual).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('income_annual') }}

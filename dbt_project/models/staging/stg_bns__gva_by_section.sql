-- Gross value added by section: total (GRP) and mining (section B) (gva_by_section).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('gva_by_section') }}

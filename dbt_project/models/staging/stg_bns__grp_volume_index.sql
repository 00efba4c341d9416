-- Real GRP growth: physical volume index (grp_volume_index).
-- The cells of the current release only, one row per published cell.
{{ stg_bns_observations('grp_volume_index') }}

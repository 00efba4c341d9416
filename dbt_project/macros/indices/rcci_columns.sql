{#-
    Column-list generators of mart_competitiveness_cohesion, driven by the catalogue
    (macros/indices/rcci_catalog.sql), so that adding an indicator or a pillar there is enough.
    Each returns a comma-separated list without a trailing comma (built as strings, one item per line).
-#}

{#- The competitiveness sub-indices that have at least one covered pillar (innovation has none). -#}
{% macro rcci_competitiveness_subs() -%}
    {%- set subs = [] -%}
    {%- for s in ['basic', 'efficiency', 'innovation'] if rcci_covered_pillars(s) | length > 0 -%}
        {%- do subs.append(s) -%}
    {%- endfor -%}
    {{ return(subs) }}
{%- endmacro %}

{#- Every scored pillar (in the composite or not) of the sub-indices and the cohesion block, in order. -#}
{% macro rcci_all_pillars() -%}
    {%- set pillars = [] -%}
    {%- for s in ['basic', 'efficiency', 'innovation', 'cohesion'] -%}
        {%- for p in rcci_scored_pillars(s) -%}
            {%- do pillars.append({'sub_index': s, 'pillar': p}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(pillars) }}
{%- endmacro %}

{#- Scored indicator ids of a pillar. -#}
{% macro rcci_pillar_members(pillar) -%}
    {%- set members = [] -%}
    {%- for ind in rcci_scored_indicators() if ind.pillar == pillar -%}
        {%- do members.append(ind.id) -%}
    {%- endfor -%}
    {{ return(members) }}
{%- endmacro %}

{#- Join SQL items with a comma and a line break. -#}
{% macro rcci_join(items) -%}
    {{ items | join(",\n        ") }}
{%- endmacro %}

{#- <id>_value and <id>_z of every scored indicator, pivoted from the long z table. -#}
{% macro rcci_indicator_pivot() -%}
    {%- set items = [] -%}
    {%- for ind in rcci_scored_indicators() -%}
        {%- do items.append("max(case when indicator_id = '" ~ ind.id ~ "' then value end) as " ~ ind.id ~ "_value") -%}
        {%- do items.append("max(case when indicator_id = '" ~ ind.id ~ "' then z_final end) as " ~ ind.id ~ "_z") -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- <id>_value, <id>_z of every scored indicator, optionally qualified by a relation alias. -#}
{% macro rcci_indicator_columns(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set items = [] -%}
    {%- for ind in rcci_scored_indicators() -%}
        {%- do items.append(prefix ~ ind.id ~ "_value") -%}
        {%- do items.append(prefix ~ ind.id ~ "_z") -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- Per covered pillar: <pillar>_n_indicators (available), <pillar>_n_indicators_scored, <pillar>_z_sum. -#}
{% macro rcci_pillar_inputs(alias) -%}
    {%- set items = [] -%}
    {%- for p in rcci_all_pillars() -%}
        {%- set members = rcci_pillar_members(p.pillar) -%}
        {%- set counts = [] -%}
        {%- set sums = [] -%}
        {%- for id in members -%}
            {%- do counts.append("case when " ~ alias ~ "." ~ id ~ "_z is not null then 1 else 0 end") -%}
            {%- do sums.append("coalesce(" ~ alias ~ "." ~ id ~ "_z, 0)") -%}
        {%- endfor -%}
        {%- do items.append("(" ~ counts | join(" + ") ~ ") as " ~ p.pillar ~ "_n_indicators") -%}
        {%- do items.append(members | length ~ " as " ~ p.pillar ~ "_n_indicators_scored") -%}
        {%- do items.append("(" ~ sums | join(" + ") ~ ") as " ~ p.pillar ~ "_z_sum") -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- <pillar>_pillar = mean z of the available indicators when they are >= min_share of the pillar's. -#}
{% macro rcci_pillar_scores(min_share) -%}
    {%- set items = [] -%}
    {%- for p in rcci_all_pillars() -%}
        {%- set n = p.pillar ~ "_n_indicators" -%}
        {%- do items.append(
            "case when " ~ n ~ " > 0 and " ~ n ~ " >= " ~ min_share ~ " * " ~ n ~ "_scored then "
            ~ p.pillar ~ "_z_sum / " ~ n ~ " end as " ~ p.pillar ~ "_pillar"
        ) -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- <sub>_subindex = mean of its covered pillars, all required. -#}
{% macro rcci_subindex_scores(subs) -%}
    {%- set items = [] -%}
    {%- for s in subs -%}
        {%- set members = rcci_covered_pillars(s) -%}
        {%- set present = [] -%}
        {%- set terms = [] -%}
        {%- for p in members -%}
            {%- do present.append(p ~ "_pillar is not null") -%}
            {%- do terms.append(p ~ "_pillar") -%}
        {%- endfor -%}
        {%- do items.append(
            "case when " ~ present | join(" and ") ~ " then (" ~ terms | join(" + ") ~ ") / "
            ~ members | length ~ " end as " ~ s ~ "_subindex"
        ) -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- w_<sub>_nominal for basic, efficiency and innovation from the stage table. -#}
{% macro rcci_stage_weight_columns(stage_table, stage_column) -%}
    {%- set items = [] -%}
    {%- for s in ['basic', 'efficiency', 'innovation'] -%}
        {%- set whens = [] -%}
        {%- for st in stage_table -%}
            {%- do whens.append("when " ~ st.stage ~ " then " ~ st[s]) -%}
        {%- endfor -%}
        {%- do items.append(
            "cast(case " ~ stage_column ~ " " ~ whens | join(" ") ~ " end as " ~ indices_type_double() ~ ") as w_"
            ~ s ~ "_nominal"
        ) -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- w_<sub>_used (renormalised over the covered sub-indices) and competitiveness_z. -#}
{% macro rcci_competitiveness(subs) -%}
    {%- set nominal = [] -%}
    {%- set weighted = [] -%}
    {%- set present = ["development_stage is not null"] -%}
    {%- for s in subs -%}
        {%- do nominal.append("w_" ~ s ~ "_nominal") -%}
        {%- do weighted.append("w_" ~ s ~ "_nominal * " ~ s ~ "_subindex") -%}
        {%- do present.append(s ~ "_subindex is not null") -%}
    {%- endfor -%}
    {%- set total = "(" ~ nominal | join(" + ") ~ ")" -%}
    {%- set items = [] -%}
    {%- for s in subs -%}
        {%- do items.append("w_" ~ s ~ "_nominal / " ~ total ~ " as w_" ~ s ~ "_used") -%}
    {%- endfor -%}
    {%- do items.append(
        "case when " ~ present | join(" and ") ~ " then (" ~ weighted | join(" + ") ~ ") / " ~ total
        ~ " end as competitiveness_z"
    ) -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- The presentation scales of a score: _0_100 (pooled min-max), _national_100, _rank. -#}
{% macro rcci_scales(score, offset, factor) -%}
    {%- set z = score ~ "_z" -%}
    {%- set positive = "(" ~ offset ~ " + " ~ factor ~ " * " ~ z ~ ")" -%}
    {%- set items = [
        "100.0 * (" ~ z ~ " - min(" ~ z ~ ") over ()) / nullif(max(" ~ z ~ ") over () - min(" ~ z ~ ") over (), 0) as "
        ~ score ~ "_0_100",
        "100.0 * " ~ positive ~ " / nullif(sum(case when " ~ z ~ " is not null then population_avg * " ~ positive
        ~ " end) over (partition by year) / nullif(sum(case when " ~ z ~ " is not null then population_avg end)"
        ~ " over (partition by year), 0), 0) as " ~ score ~ "_national_100",
        "case when " ~ z ~ " is not null then rank() over (partition by year order by " ~ z ~ " desc nulls last) end as "
        ~ score ~ "_rank",
    ] -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- Pillar columns of the output. -#}
{% macro rcci_pillar_output_columns() -%}
    {%- set items = [] -%}
    {%- for p in rcci_all_pillars() -%}
        {%- do items.append(p.pillar ~ "_n_indicators") -%}
        {%- do items.append(p.pillar ~ "_n_indicators_scored") -%}
        {%- do items.append(p.pillar ~ "_pillar") -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- Sub-index columns and renormalised weights of the output. -#}
{% macro rcci_subindex_output_columns(subs, suffix) -%}
    {%- set items = [] -%}
    {%- for s in subs -%}
        {%- do items.append(suffix | replace('{}', s)) -%}
    {%- endfor -%}
    {{ rcci_join(items) }}
{%- endmacro %}

{#- Comma-separated list of the scored indicators missing in the row. -#}
{% macro rcci_missing_indicators() -%}
    {%- set pairs = [] -%}
    {%- for ind in rcci_scored_indicators() -%}
        {%- do pairs.append([ind.id ~ "_value is null", "'" ~ ind.id ~ "'"]) -%}
    {%- endfor -%}
    {{ indices_labels(pairs, sep=', ') }}
{%- endmacro %}

{#- Why a pillar, sub-index or score of the row is NULL or partial. -#}
{% macro rcci_score_note(min_share, stage_basis) -%}
    {%- set pairs = [] -%}
    {%- set pct = (min_share * 100) | round | int -%}
    {%- for p in rcci_all_pillars() -%}
        {%- do pairs.append([
            p.pillar ~ "_pillar is null",
            "'" ~ p.pillar ~ " pillar not scored (fewer than " ~ pct ~ "% of its indicators)'"
        ]) -%}
    {%- endfor -%}
    {%- for p in rcci_all_pillars() -%}
        {%- do pairs.append([
            p.pillar ~ "_pillar is not null and " ~ p.pillar ~ "_n_indicators < " ~ p.pillar ~ "_n_indicators_scored",
            "'" ~ p.pillar ~ " pillar on ' || " ~ indices_year_text(p.pillar ~ "_n_indicators")
            ~ " || ' of ' || " ~ indices_year_text(p.pillar ~ "_n_indicators_scored") ~ " || ' indicators'"
        ]) -%}
    {%- endfor -%}
    {%- for s in rcci_competitiveness_subs() -%}
        {%- do pairs.append([s ~ "_subindex is null", "'" ~ s ~ " sub-index not scored (a pillar is missing)'"]) -%}
    {%- endfor -%}
    {%- do pairs.append([
        "development_stage is null",
        "'development stage unknown (no " ~ stage_basis ~ " basis for the region-year): competitiveness not weighted'"
    ]) -%}
    {%- do pairs.append([
        "competitiveness_z is null or cohesion_z is null",
        "'rcci not computed (needs competitiveness and cohesion)'"
    ]) -%}
    {{ indices_labels(pairs) }}
{%- endmacro %}

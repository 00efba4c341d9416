-- Anomaly flags of METHODS.md section 5.2 (rules A1-A7): one row per flag that fired, with the measured
-- value, the threshold (a dbt var, block "Quality flags" of dbt_project.yml) and a plain-words explanation.
-- Statistics: mart_national_level (A1 verdict, A2 masking gap: the one home of both),
-- int_quality__cross_section (A2 texts, A6), int_quality__decoupling (A3, A4, A5), int_quality__growth
-- (A7). A year or region where a rule cannot be evaluated (missing inputs) raises no flag.
{%- set a1_indicators = quality_param('quality_a1_indicators') %}
{%- set a2_indicators = quality_param('quality_a2_indicators') %}
{%- set a1_err_u_max = var('kzw_national_match_tolerance') %}
{%- set a1_err_w_max = var('kzw_national_mismatch_tolerance') %}
{%- set a2_warn = quality_param('quality_a2_warn') %}
{%- set a2_error = quality_param('quality_a2_error') %}
{%- set a3_rr_warn = quality_param('quality_a3_rr_warn') %}
{%- set a3_rr_error = quality_param('quality_a3_rr_error') %}
{%- set a3_tukey_k = quality_param('quality_a3_tukey_k') %}
{%- set a4_rank_gap_min = quality_param('quality_a4_rank_gap_min') %}
{%- set a4_spearman_min = quality_param('quality_a4_spearman_min') %}
{%- set a5_mining_share_min = quality_param('quality_a5_mining_share_min') %}
{%- set a5_rr_min = quality_param('quality_a5_rr_min') %}
{%- set a6_theil_drop_min = quality_param('quality_a6_theil_drop_min') %}
{%- set a6_williamson_drop_min = quality_param('quality_a6_williamson_drop_min') %}
{%- set a6_max_min_drop_min = quality_param('quality_a6_max_min_drop_min') %}
{%- set a7_gap_min = quality_param('quality_a7_gap_min') %}
{%- set a7_deflator = quality_param('quality_a7_income_deflator') %}
with

cross_section as (

    select
        *,
        {{ quality_indicator_text('indicator', 'label') }} as indicator_label,
        {{ quality_indicator_text('indicator', 'short_unit') }} as short_unit
    from {{ ref('int_quality__cross_section') }}

),

decoupling as (

    select * from {{ ref('int_quality__decoupling') }}

),

growth as (

    select * from {{ ref('int_quality__growth') }}

),

region_names as (

    select distinct
        geo_version,
        year,
        region_code,
        region_name_en
    from {{ ref('int_quality__indicators') }}

),

-- The indicators each national-level rule looks at (vars quality_a1_indicators, quality_a2_indicators).
rule_indicators as (

    {% for rule in [{'rule_id': 'A1', 'names': a1_indicators}, {'rule_id': 'A2', 'names': a2_indicators}] -%}
        {% for name in rule.names -%}
            select
                '{{ rule.rule_id }}' as rule_id,
                '{{ name }}' as indicator
            {% if not loop.last %}
                union all
            {% endif -%}
        {% endfor %}
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

-- A1 and A2 on the complete cross-sections: the verdict of rule A1 (published_aggregation_check), the
-- levels and the masking gap are mart_national_level's, computed there once.
national_levels as (

    select
        cross_section.*,
        national_level.published_national_value,
        national_level.arithmetic_mean as mu_u,
        national_level.pop_weighted_mean as mu_w,
        national_level.masking_gap,
        national_level.published_aggregation_check,
        abs(national_level.published_vs_arithmetic_rel) as err_u,
        abs(national_level.published_vs_pop_weighted_rel) as err_w,
        {{ quality_release_ids(
            "coalesce(cross_section.national_source_release_ids, '') || ';' || coalesce(cross_section.regional_source_release_ids, '')",
            ['grp_nominal', 'grp_per_capita', 'income_annual', 'population_average']
        ) }} as release_ids
    from cross_section
    inner join {{ ref('mart_national_level') }} as national_level
        on
            cross_section.geography = national_level.geography
            and cross_section.geo_version = national_level.geo_version
            and cross_section.indicator = national_level.indicator
            and cross_section.year = national_level.year
    where cross_section.excluded_region_code is null

),

-- A1: is the published national per-capita figure total / total, or the arithmetic mean of regions?
a1 as (

    select
        'A1' as rule_id,
        published_aggregation_check as rule_name,
        case when published_aggregation_check = 'NATIONAL_IS_ARITHMETIC_MEAN' then 'error' else 'warn' end
            as severity,
        geography,
        geo_version,
        indicator,
        cast(null as {{ quality_string() }}) as region_code,
        cast(null as {{ quality_string() }}) as region_name_en,
        year,
        case when published_aggregation_check = 'NATIONAL_IS_ARITHMETIC_MEAN' then 'err_u' else 'err_w' end
            as metric,
        case when published_aggregation_check = 'NATIONAL_IS_ARITHMETIC_MEAN' then err_u else err_w end
            as measured_value,
        case when published_aggregation_check = 'NATIONAL_IS_ARITHMETIC_MEAN' then '<' else '>' end as comparator,
        case
            when published_aggregation_check = 'NATIONAL_IS_ARITHMETIC_MEAN' then {{ a1_err_u_max }}
            else {{ a1_err_w_max }}
        end as threshold,
        case
            when published_aggregation_check = 'NATIONAL_IS_ARITHMETIC_MEAN'
                then
                    'The published national ' || indicator_label || ' for ' || cast(year as {{ quality_string() }})
                    || ' (' || {{ quality_fmt('published_national_value', 0) }} || ' ' || short_unit
                    || ') equals the arithmetic mean of the ' || cast(n_regions as {{ quality_string() }})
                    || ' regions (' || {{ quality_fmt('mu_u', 0) }} || '; off by ' || {{ quality_pct('err_u', 2) }}
                    || ', below ' || {{ quality_pct(a1_err_u_max, 2) }} || ') but is '
                    || {{ quality_pct('err_w') }}
                    || ' away from total / total, the population-weighted mean of the regions ('
                    || {{ quality_fmt('mu_w', 0) }} || '; more than ' || {{ quality_pct(a1_err_w_max) }}
                    || '). Computed as an unweighted mean of regional values, a figure gives a small region the'
                    || ' weight of a populous one; the national value is total / total.'
            else
                'The published national ' || indicator_label || ' for ' || cast(year as {{ quality_string() }})
                || ' (' || {{ quality_fmt('published_national_value', 0) }} || ' ' || short_unit
                || ') is ' || {{ quality_pct('err_w') }}
                || ' away from total / total, the population-weighted mean of the '
                || cast(n_regions as {{ quality_string() }}) || ' regions (' || {{ quality_fmt('mu_w', 0) }}
                || '; more than ' || {{ quality_pct(a1_err_w_max) }} || '), and '
                || {{ quality_pct('err_u', 2) }} || ' away from their arithmetic mean ('
                || {{ quality_fmt('mu_u', 0) }} || ')'
                || '. The gap points to other weights (for a survey-based figure, the survey{{ apostrophe() }}s own'
                || ' weights), a'
                || ' revision or a different population base.'
        end as explanation,
        release_ids as source_release_ids
    from national_levels
    where
        published_aggregation_check in ('NATIONAL_IS_ARITHMETIC_MEAN', 'NATIONAL_MISMATCH')
        and indicator in (
            select rule_indicators.indicator from rule_indicators
            where rule_indicators.rule_id = 'A1'
        )

),

-- A2: masking gap between the arithmetic and the population-weighted mean of regions.
masking as (

    select
        national_levels.*,
        max_region.region_name_en as max_region_name_en
    from national_levels
    left join region_names as max_region
        on
            national_levels.geo_version = max_region.geo_version
            and national_levels.year = max_region.year
            and national_levels.max_region_code = max_region.region_code
    where
        national_levels.indicator in (
            select rule_indicators.indicator from rule_indicators
            where rule_indicators.rule_id = 'A2'
        )

),

a2 as (

    select
        'A2' as rule_id,
        'MASKING_GAP' as rule_name,
        case when abs(masking_gap) > {{ a2_error }} then 'error' else 'warn' end as severity,
        geography,
        geo_version,
        indicator,
        cast(null as {{ quality_string() }}) as region_code,
        cast(null as {{ quality_string() }}) as region_name_en,
        year,
        'masking_gap' as metric,
        masking_gap as measured_value,
        'abs >' as comparator,
        case when abs(masking_gap) > {{ a2_error }} then {{ a2_error }} else {{ a2_warn }} end as threshold,
        'In ' || cast(year as {{ quality_string() }}) || ' the arithmetic mean of regional ' || indicator_label
        || ' (' || {{ quality_fmt('mu_u', 0) }} || ' ' || short_unit || ') is ' || {{ quality_pct('abs(masking_gap)') }}
        || case when masking_gap > 0 then ' above' else ' below' end
        || ' the national value, total / total (' || {{ quality_fmt('mu_w', 0) }} || '; warn above '
        || {{ quality_pct(a2_warn) }} || ', error above ' || {{ quality_pct(a2_error) }} || '): '
        || case
            when masking_gap > 0
                then
                    'small regions with high values (the highest: ' || coalesce(max_region_name_en, max_region_code)
                    || ', ' || {{ quality_fmt('y_max', 0) }}
                    || ') count as much as populous ones, so an unweighted mean overstates the national level.'
            else 'the populous regions have the higher values, so an unweighted mean understates the national level.'
        end
        || ' Unweighted CV ' || {{ quality_fmt('cv_u', 3) }} || ' against Williamson V_w '
        || {{ quality_fmt('williamson_v_w', 3) }} || ' (difference ' || {{ quality_fmt('cv_u - williamson_v_w', 3) }}
        || '); Gini ' || {{ quality_fmt('gini_u', 3) }} || ' unweighted against ' || {{ quality_fmt('gini_w', 3) }}
        || ' population-weighted. Report the population-weighted figures as the headline.' as explanation,
        release_ids as source_release_ids
    from masking
    where abs(masking_gap) > {{ a2_warn }}

),

-- A3: GRP per capita far above resident income per capita (relative to the national ratio).
a3 as (

    select
        'A3' as rule_id,
        'HIGH_GRP_LOW_INCOME' as rule_name,
        case when relative_ratio >= {{ a3_rr_error }} then 'error' else 'warn' end as severity,
        geography,
        geo_version,
        'grp_per_capita_kzt' as indicator,
        region_code,
        region_name_en,
        year,
        case when relative_ratio >= {{ a3_rr_warn }} then 'relative_ratio' else 'grp_to_income_ratio' end as metric,
        case when relative_ratio >= {{ a3_rr_warn }} then relative_ratio else grp_to_income_ratio end
            as measured_value,
        case when relative_ratio >= {{ a3_rr_warn }} then '>=' else '>' end as comparator,
        case
            when relative_ratio >= {{ a3_rr_error }} then {{ a3_rr_error }}
            when relative_ratio >= {{ a3_rr_warn }} then {{ a3_rr_warn }}
            else tukey_fence
        end as threshold,
        region_name_en || ', ' || cast(year as {{ quality_string() }}) || ': GRP per capita ('
        || {{ quality_fmt('grp_per_capita_kzt', 0) }} || ' KZT a year) is '
        || {{ quality_fmt('grp_to_income_ratio', 2) }} || ' times money income per capita ('
        || {{ quality_fmt('income_per_capita_kzt_year', 0) }} || ' KZT a year); for the whole country (total / total)'
        || ' the ratio is ' || {{ quality_fmt('national_grp_to_income_ratio', 2) }} || ', so the relative ratio RR is '
        || {{ quality_fmt('relative_ratio', 2) }} || ' (warn from ' || {{ quality_fmt(a3_rr_warn, 1) }}
        || ', error from ' || {{ quality_fmt(a3_rr_error, 1) }} || ')'
        || case
            when grp_to_income_ratio > tukey_fence
                then
                    '; the ratio is also above the Tukey fence of the year{{ apostrophe() }}s regions (Q3 + '
                    || {{ quality_fmt(a3_tukey_k, 1) }} || ' IQR = ' || {{ quality_fmt('tukey_fence', 2) }} || ')'
            else ''
        end
        || '. Value added produced in the region (extraction profits of non-resident owners, wages of rotational'
        || ' workers) does not reach its residents{{ apostrophe() }} incomes:'
        || ' GRP per capita overstates local living standards.'
            as explanation,
        source_release_ids
    from decoupling
    where relative_ratio >= {{ a3_rr_warn }} or grp_to_income_ratio > tukey_fence

),

-- A4: the region ranks far apart by GRP per capita and by income per capita; weak rank correlation.
a4_regions as (

    select
        'A4' as rule_id,
        'RANK_DIVERGENCE' as rule_name,
        'warn' as severity,
        geography,
        geo_version,
        'grp_per_capita_kzt' as indicator,
        region_code,
        region_name_en,
        year,
        'rank_gap' as metric,
        cast(rank_gap as {{ quality_double() }}) as measured_value,
        'abs >=' as comparator,
        cast({{ a4_rank_gap_min }} as {{ quality_double() }}) as threshold,
        region_name_en || ', ' || cast(year as {{ quality_string() }}) || ': ranks '
        || cast(grp_rank as {{ quality_string() }}) || ' of ' || cast(n_regions as {{ quality_string() }})
        || ' by GRP per capita but ' || cast(income_rank as {{ quality_string() }})
        || ' by money income per capita (' || cast(abs(rank_gap) as {{ quality_string() }})
        || ' positions apart; flagged from ' || cast({{ a4_rank_gap_min }} as {{ quality_string() }}) || '). '
        || case
            when rank_gap > 0 then 'Its output puts it higher than its residents{{ apostrophe() }} incomes do.'
            else 'Its residents{{ apostrophe() }} incomes put it higher than its output does.'
        end as explanation,
        source_release_ids
    from decoupling
    where abs(rank_gap) >= {{ a4_rank_gap_min }}

),

spearman_years as (

    select
        geography,
        geo_version,
        year,
        max(n_regions) as n_regions,
        max(spearman_rho) as spearman_rho,
        {{ quality_release_ids_agg('source_release_ids', ['grp_nominal', 'population_average', 'income_annual']) }}
            as source_release_ids
    from decoupling
    group by geography, geo_version, year

),

a4_national as (

    select
        'A4' as rule_id,
        'RANK_DIVERGENCE' as rule_name,
        'warn' as severity,
        geography,
        geo_version,
        'grp_per_capita_kzt' as indicator,
        cast(null as {{ quality_string() }}) as region_code,
        cast(null as {{ quality_string() }}) as region_name_en,
        year,
        'spearman_rho' as metric,
        spearman_rho as measured_value,
        '<' as comparator,
        cast({{ a4_spearman_min }} as {{ quality_double() }}) as threshold,
        'In ' || cast(year as {{ quality_string() }}) || ' the Spearman rank correlation between regional GRP per'
        || ' capita and money income per capita across the ' || cast(n_regions as {{ quality_string() }})
        || ' regions is ' || {{ quality_fmt('spearman_rho', 2) }} || ' (flagged below '
        || {{ quality_fmt(a4_spearman_min, 2) }} || '): the ranking by output says little about the ranking by'
        || ' resident income.' as explanation,
        source_release_ids
    from spearman_years
    where spearman_rho < {{ a4_spearman_min }}

),

-- A5: mining-dominated region whose GRP runs far ahead of resident income.
a5 as (

    select
        'A5' as rule_id,
        'RESOURCE_ENCLAVE' as rule_name,
        'warn' as severity,
        geography,
        geo_version,
        'grp_per_capita_kzt' as indicator,
        region_code,
        region_name_en,
        year,
        'mining_share_of_grp' as metric,
        mining_share_of_grp as measured_value,
        '>=' as comparator,
        cast({{ a5_mining_share_min }} as {{ quality_double() }}) as threshold,
        region_name_en || ', ' || cast(year as {{ quality_string() }})
        || ': mining and quarrying (section B) value added is ' || {{ quality_pct('mining_share_of_grp') }}
        || ' of GRP (flagged from ' || {{ quality_pct(a5_mining_share_min) }} || ') and its GRP/income ratio is '
        || {{ quality_fmt('relative_ratio', 2) }} || ' times the national one (RR, flagged from '
        || {{ quality_fmt(a5_rr_min, 1) }} || '): a resource enclave, where GRP per capita measures extraction,'
        || ' not the living standards of residents.' as explanation,
        {{ quality_release_ids(
            "coalesce(source_release_ids, '') || ';' || coalesce(mining_source_release_ids, '')",
            ['grp_nominal', 'population_average', 'income_annual', 'gva_by_section']
        ) }} as source_release_ids
    from decoupling
    where
        mining_share_of_grp >= {{ a5_mining_share_min }}
        and relative_ratio >= {{ a5_rr_min }}

),

-- A6: one region dominates the year's inequality figure (leave-one-out).
dominance as (

    {% for measure in [
        {'metric': 'theil_t_w_drop', 'threshold': a6_theil_drop_min, 'full': 'full_theil_t_w',
         'loo': 'theil_t_w', 'label': 'the population-weighted Theil T', 'decimals': 4},
        {'metric': 'williamson_v_w_drop', 'threshold': a6_williamson_drop_min, 'full': 'full_williamson_v_w',
         'loo': 'williamson_v_w', 'label': 'the Williamson coefficient V_w', 'decimals': 3},
        {'metric': 'max_min_ratio_drop', 'threshold': a6_max_min_drop_min, 'full': 'full_max_min_ratio',
         'loo': 'max_min_ratio', 'label': 'the max/min ratio', 'decimals': 2},
    ] -%}
        select
            geography,
            geo_version,
            indicator,
            indicator_label,
            year,
            excluded_region_code as region_code,
            '{{ measure.metric }}' as metric,
            '{{ measure.label }}' as measure_label,
            {{ measure.metric }} as measured_value,
            cast({{ measure.threshold }} as {{ quality_double() }}) as threshold,
            {{ quality_fmt(measure.full, measure.decimals) }} as full_text,
            {{ quality_fmt(measure.loo, measure.decimals) }} as without_text,
            regional_source_release_ids as source_release_ids
        from cross_section
        where
            excluded_region_code is not null
            and {{ measure.metric }} >= {{ measure.threshold }}
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

a6 as (

    select
        'A6' as rule_id,
        'SINGLE_REGION_DOMINANCE' as rule_name,
        'warn' as severity,
        dominance.geography,
        dominance.geo_version,
        dominance.indicator,
        dominance.region_code,
        region_names.region_name_en,
        dominance.year,
        dominance.metric,
        dominance.measured_value,
        '>=' as comparator,
        dominance.threshold,
        'Leaving ' || coalesce(region_names.region_name_en, dominance.region_code) || ' out of the '
        || cast(dominance.year as {{ quality_string() }}) || ' cross-section of ' || dominance.indicator_label
        || ' lowers ' || dominance.measure_label || ' from ' || dominance.full_text || ' to '
        || dominance.without_text || ' (a fall of ' || {{ quality_pct('dominance.measured_value') }}
        || ', flagged from ' || {{ quality_pct('dominance.threshold') }}
        || '): the year{{ apostrophe() }}s regional inequality'
        || ' figure is dominated by this one region; report it also excluding '
        || coalesce(region_names.region_name_en, dominance.region_code) || '.' as explanation,
        dominance.source_release_ids
    from dominance
    left join region_names
        on
            dominance.geo_version = region_names.geo_version
            and dominance.year = region_names.year
            and dominance.region_code = region_names.region_code

),

-- A7: GRP per capita growth outpacing income per capita growth over the window.
a7 as (

    select
        'A7' as rule_id,
        'GROWTH_DECOUPLING' as rule_name,
        'warn' as severity,
        geography,
        geo_version,
        'grp_per_capita_kzt' as indicator,
        region_code,
        region_name_en,
        year,
        'growth_gap' as metric,
        growth_gap as measured_value,
        '>=' as comparator,
        cast({{ a7_gap_min }} as {{ quality_double() }}) as threshold,
        region_name_en || ', ' || cast(window_base_year as {{ quality_string() }}) || '-'
        || cast(year as {{ quality_string() }}) || ': '
        {%- if a7_deflator == 'nominal' %}
            || 'nominal GRP per capita grew ' || {{ quality_pct('avg_nominal_grp_pc_growth') }}
            || ' a year on average while nominal money income per capita grew '
            || {{ quality_pct('avg_nominal_income_pc_growth') }}
            || ' a year (nominal compared with nominal: the gap is the same for real series deflated by any'
            || ' common price index, e.g. a consumer price index, which the warehouse lacks'
            || case
                when avg_real_grp_pc_growth is not null
                    then
                        '; real GRP per capita, from the region{{ apostrophe() }}s volume index, grew '
                        || {{ quality_pct('avg_real_grp_pc_growth') }} || ' a year'
                else ''
            end
            || ')'
        {%- else %}
            || 'real GRP per capita grew ' || {{ quality_pct('avg_real_grp_pc_growth') }}
            || ' a year on average (the region{{ apostrophe() }}s GRP volume index less population growth) while real money'
            || ' income per capita grew ' || {{ quality_pct('avg_real_income_pc_growth') }}
            || ' a year (nominal income growth of ' || {{ quality_pct('avg_nominal_income_pc_growth') }}
            || ' deflated by the national implicit GRP deflator, ' || {{ quality_pct('avg_national_deflator_growth') }}
            || ' a year; the warehouse has no consumer price index)'
        {%- endif %}
        || ': GRP outpaced income by ' || {{ quality_fmt('100.0 * growth_gap', 1) }}
        || ' percentage points a year (log growth; flagged from ' || {{ quality_fmt(100.0 * a7_gap_min, 1) }}
        || ').' as explanation,
        source_release_ids
    from growth
    where growth_gap >= {{ a7_gap_min }}

),

flags as (

    select * from a1
    union all
    select * from a2
    union all
    select * from a3
    union all
    select * from a4_regions
    union all
    select * from a4_national
    union all
    select * from a5
    union all
    select * from a6
    union all
    select * from a7

),

final as (

    select
        rule_id,
        rule_name,
        severity,
        geography,
        geo_version,
        indicator,
        region_code,
        region_name_en,
        year,
        metric,
        cast(measured_value as {{ quality_double() }}) as measured_value,
        comparator,
        cast(threshold as {{ quality_double() }}) as threshold,
        explanation,
        source_release_ids
    from flags

)

select * from final

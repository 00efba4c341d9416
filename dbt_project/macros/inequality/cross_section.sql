{#-
    Cross-sectional inequality measures (METHODS.md section 3), one row per
    (geography, geo_version, indicator, unit, year, weighting, domain).

    Every measure is written once for a general weight basis p_r (p_r = 1 for 'unweighted',
    p_r = average annual population for 'population_weighted'), with w_r = p_r / sum p (the weight
    share), s_r = p_r y_r / sum p y (the output share) and mu = sum w y. With p = 1 this is exactly the
    unweighted formula of METHODS section 3 (and PySAL's), with p = population the weighted one.

    Zero and negative values, per measure (METHODS section 0: flag and exclude, never add an epsilon):
    the 'non_negative' domain (y >= 0) serves the Gini, CV and Williamson, which are defined for zeros;
    the 'positive' domain (y > 0) serves Theil T and L, Atkinson, sigma of ln y and max/min, which take
    ln y or divide by y. Each measure's domain is stated in kzw_ineq_measure_specs(). NULL y, and for the
    weighted form NULL or non-positive population, are excluded in both domains. Excluded rows are
    counted (n_excluded) and listed (excluded_regions, 'region:reason').

    The CTEs, in reading order:
      variants    the four (weighting, domain) pairs every cross-section is measured in
      typed       the input rows with a cross-section id and ln y
      flagged     every input row once per variant, with its weight basis p and its exclusion reason
      totals        per variant: the counts of rows and exclusions, sum p, sum p y, mu, mean ln y, min, max
      shares        every valid row with its weight share w and output share s
      gini          the Gini (Lorenz trapezoid; y >= 0)
      spread        the standard deviations of CV and Williamson (y >= 0)
      log_measures  Theil T and L, sigma of ln y, Atkinson, max/min (y > 0)
      excluded_lists  'region:reason' of every excluded row
-#}
{% macro kzw_ineq_cross_section_stats(observations) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    {%- set variant = 'cross_section_id, weighting, domain' -%}
    with

    {#- An integer id per cross-section: cheaper to partition and join on than five strings. #}
    cross_sections as (
        select
            {{ key | join(',\n            ') }},
            row_number() over (order by {{ key | join(', ') }}) as cross_section_id
        from (select distinct {{ key | join(', ') }} from {{ observations }}) as distinct_keys
    ),

    variants as (
        select 'unweighted' as weighting, 'non_negative' as domain
        union all select 'unweighted', 'positive'
        union all select 'population_weighted', 'non_negative'
        union all select 'population_weighted', 'positive'
    ),

    {#- The input rows with their cross-section id, ln y computed once (NULL for y <= 0). #}
    typed as (
        select
            cross_sections.cross_section_id,
            obs.region_code,
            obs.y,
            {{ kzw_ineq_ln('obs.y') }} as ln_y,
            obs.population
        from {{ observations }} as obs
        inner join cross_sections
            on {{ kzw_ineq_join_on('obs', 'cross_sections', key) }}
    ),

    flagged as (
        select
            typed.cross_section_id,
            variants.weighting,
            variants.domain,
            typed.region_code,
            typed.y,
            typed.ln_y,
            case when variants.weighting = 'unweighted' then 1.0 else typed.population end as p,
            {{ kzw_ineq_exclusion_reason('typed.y', 'typed.population', 'variants.weighting', 'variants.domain') }}
                as exclusion_reason
        from typed
        cross join variants
    ),

    {#- Counts over every row, sums over the valid ones: one aggregate per variant. #}
    totals as (
        select
            {{ variant }},
            count(*) as n_input,
            count(case when exclusion_reason is null then 1 end) as n_valid,
            count(case when exclusion_reason in ('missing_population', 'non_positive_population') then 1 end)
                as n_missing_population,
            count(case when exclusion_reason in ('non_positive_value', 'negative_value') then 1 end)
                as n_out_of_domain,
            sum(case when exclusion_reason is null then p end) as total_p,
            sum(case when exclusion_reason is null then p * y end) as total_py,
            {{ kzw_ineq_div(
                'sum(case when exclusion_reason is null then p * y end)',
                'sum(case when exclusion_reason is null then p end)'
            ) }} as mu,
            case when domain = 'positive' then {{ kzw_ineq_div(
                'sum(case when exclusion_reason is null then p * ln_y end)',
                'sum(case when exclusion_reason is null then p end)'
            ) }} end as mean_ln_y,
            max(case when exclusion_reason is null then y end) as y_max,
            min(case when exclusion_reason is null then y end) as y_min
        from flagged
        group by {{ variant }}
    ),

    shares as (
        select
            flagged.cross_section_id,
            flagged.weighting,
            flagged.domain,
            flagged.region_code,
            flagged.y,
            flagged.ln_y,
            totals.mu,
            totals.mean_ln_y,
            totals.y_max,
            totals.y_min,
            flagged.p / totals.total_p as w,
            {{ kzw_ineq_div('flagged.p * flagged.y', 'totals.total_py') }} as s
        from flagged
        inner join totals
            on
                flagged.cross_section_id = totals.cross_section_id
                and flagged.weighting = totals.weighting
                and flagged.domain = totals.domain
        where flagged.exclusion_reason is null
    ),

    {#-
        The Gini: G = 1 - sum_k w_k (L_k + L_(k-1)), the Lorenz trapezoid with regions sorted by y
        (ties by region code), L_k the cumulative output share up to region k, so L_k + L_(k-1) =
        2 L_k - s_k. Unweighted (w = 1/n) it is PySAL's Gini(y).g; weighted, the between-region part
        of the personal Gini. Defined on y >= 0.
    #}
    gini as (
        select
            {{ variant }},
            1.0 - sum(w * (2.0 * lorenz - s)) as gini
        from (
            select
                {{ variant }},
                w,
                s,
                sum(s) over (
                    partition by cross_section_id, weighting
                    order by y, region_code
                    rows between unbounded preceding and current row
                ) as lorenz
            from shares
            where domain = 'non_negative'
        ) as lorenz_curve
        group by {{ variant }}
    ),

    {#- CV and Williamson (y >= 0): standard deviations around the mean, the weighted one around mu_w. #}
    spread as (
        select
            {{ variant }},
            stddev_pop(y) as sd_pop,
            stddev_samp(y) as sd_samp,
            {{ kzw_ineq_sqrt('sum(w * (y - mu) * (y - mu))') }} as sd_weighted
        from shares
        where domain = 'non_negative'
        group by {{ variant }}
    ),

    {#- The measures that take ln y or divide by y (y > 0). #}
    log_measures as (
        select
            {{ variant }},
            {#- Theil T = sum w (y/mu) ln(y/mu) (GE(1)); Theil L = sum w ln(mu/y) (GE(0), mean log deviation). #}
            sum(w * (y / mu) * {{ kzw_ineq_ln('y / mu') }}) as theil_t,
            sum(w * {{ kzw_ineq_ln('mu / y') }}) as theil_l,
            {#- sigma convergence dispersion: sd of ln y. #}
            stddev_pop(ln_y) as sd_ln_pop,
            stddev_samp(ln_y) as sd_ln_samp,
            {{ kzw_ineq_sqrt('sum(w * (ln_y - mean_ln_y) * (ln_y - mean_ln_y))') }} as sd_ln_weighted,
            {#- Atkinson: eps = 1: 1 - exp(sum w ln y) / mu; else 1 - (sum w (y/mu)^(1-eps))^(1/(1-eps)). #}
        {%- for eps in kzw_ineq_atkinson_epsilons() %}
            {%- if eps == 1 %}
            1.0 - {{ kzw_ineq_div(kzw_ineq_exp('max(mean_ln_y)'), 'max(mu)') }} as atkinson_{{ loop.index }},
            {%- else %}
            1.0 - {{ kzw_ineq_power(
                'sum(w * ' ~ kzw_ineq_power('y / mu', 1 - eps) ~ ')', '1.0 / ' ~ (1 - eps)
            ) }} as atkinson_{{ loop.index }},
            {%- endif %}
        {%- endfor %}
            {#- Max/min: ties go to the lowest region code; the second largest is the maximum
                itself when two regions share it. #}
            min(case when y = y_max then region_code end) as max_region_code,
            min(case when y = y_min then region_code end) as min_region_code,
            case
                when count(case when y = y_max then 1 end) >= 2 then max(y_max)
                else max(case when y < y_max then y end)
            end as y_second_largest
        from shares
        where domain = 'positive'
        group by {{ variant }}
    ),

    {#- Only the excluded rows are listed: one small ordered aggregate, not one over every row. #}
    excluded_lists as (
        select
            {{ variant }},
            {{ dbt.listagg(dbt.concat(['region_code', "':'", 'exclusion_reason']), "'; '", 'order by region_code') }}
                as excluded_regions
        from flagged
        where exclusion_reason is not null
        group by {{ variant }}
    )

    select
        {{ kzw_ineq_qualified_columns('cross_sections', key) }},
        totals.weighting,
        totals.domain,
        totals.n_input,
        totals.n_valid,
        totals.n_input - totals.n_valid as n_excluded,
        totals.n_missing_population,
        totals.n_out_of_domain,
        excluded_lists.excluded_regions,
        totals.mu,
        totals.y_max,
        totals.y_min,
        totals.mean_ln_y,
        log_measures.y_second_largest,
        log_measures.max_region_code,
        log_measures.min_region_code,
        gini.gini,
        log_measures.theil_t,
        log_measures.theil_l,
        spread.sd_weighted,
        spread.sd_pop,
        spread.sd_samp,
        log_measures.sd_ln_pop,
        log_measures.sd_ln_samp,
    {%- for eps in kzw_ineq_atkinson_epsilons() %}
        log_measures.atkinson_{{ loop.index }},
    {%- endfor %}
        log_measures.sd_ln_weighted
    from totals
    inner join cross_sections using (cross_section_id)
    left join gini using (cross_section_id, weighting, domain)
    left join spread using (cross_section_id, weighting, domain)
    left join log_measures using (cross_section_id, weighting, domain)
    left join excluded_lists using (cross_section_id, weighting, domain)
{%- endmacro %}


{#-
    The catalogue of cross-sectional measures: one entry per (measure, weighting, variant) row of
    mart_inequality. expression is evaluated on a row of kzw_ineq_cross_section_stats;
    zero_if_equal forces an exact 0 when all valid values are equal (METHODS: all y equal -> every
    inequality measure = 0) instead of a rounding residue such as 1e-17.
-#}
{% macro kzw_ineq_measure_specs() -%}
    {%- set specs = [
        {
            'measure': 'gini', 'weighting': 'unweighted', 'variant': 'default',
            'domain': 'non_negative', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'gini',
            'value_unit': 'index, 0 = equality, max (n-1)/n',
            'formula': 'G = sum_i sum_j |y_i - y_j| / (2 n^2 mu_u), computed as 1 - sum_k (1/n)(L_k + L_(k-1)) with regions sorted by y and L the cumulative share of y; no n/(n-1) correction (= PySAL inequality.gini.Gini(y).g)',
        },
        {
            'measure': 'gini', 'weighting': 'unweighted', 'variant': 'small_sample_corrected',
            'domain': 'non_negative', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'gini * n_valid / (n_valid - 1.0)',
            'value_unit': 'index, 0 = equality, can exceed 1',
            'formula': 'G * n / (n - 1), small-sample corrected Gini (labelled variant)',
        },
        {
            'measure': 'gini', 'weighting': 'population_weighted', 'variant': 'default',
            'domain': 'non_negative', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'gini',
            'value_unit': 'index, 0 = equality',
            'formula': 'G_w = sum_i sum_j w_i w_j |y_i - y_j| / (2 mu_w) = 1 - sum_k w_k (L_k + L_(k-1)) (Lorenz trapezoid, regions sorted by y, w = population share, L = cumulative output share); between-region part of the personal Gini',
        },
        {
            'measure': 'theil_t', 'weighting': 'unweighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'theil_t',
            'value_unit': 'index, 0 = equality, max ln(n)',
            'formula': 'T = (1/n) sum (y/mu_u) ln(y/mu_u) = sum s_i ln(n s_i), s_i = y_i / sum y (GE(1); = PySAL inequality.theil.Theil(y).T)',
        },
        {
            'measure': 'theil_t', 'weighting': 'population_weighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'theil_t',
            'value_unit': 'index, 0 = equality',
            'formula': 'T_w = sum w (y/mu_w) ln(y/mu_w) = sum s_r ln(s_r / w_r), w = population share, s = output share (GE(1))',
        },
        {
            'measure': 'theil_l', 'weighting': 'unweighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'theil_l',
            'value_unit': 'index, 0 = equality',
            'formula': 'L = (1/n) sum ln(mu_u / y) (mean log deviation, GE(0))',
        },
        {
            'measure': 'theil_l', 'weighting': 'population_weighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'theil_l',
            'value_unit': 'index, 0 = equality',
            'formula': 'L_w = sum w ln(mu_w / y) = sum w_r ln(w_r / s_r), w = population share (GE(0))',
        },
        {
            'measure': 'cv', 'weighting': 'unweighted', 'variant': 'default',
            'domain': 'non_negative', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'sd_pop / mu',
            'value_unit': 'ratio of standard deviation to mean',
            'formula': 'CV = stddev_pop(y) / mu_u (ddof = 0: the regions are the whole population)',
        },
        {
            'measure': 'cv', 'weighting': 'unweighted', 'variant': 'ddof1',
            'domain': 'non_negative', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'sd_samp / mu',
            'value_unit': 'ratio of standard deviation to mean',
            'formula': 'CV = stddev_samp(y) / mu_u (ddof = 1, labelled variant)',
        },
        {
            'measure': 'williamson', 'weighting': 'population_weighted', 'variant': 'default',
            'domain': 'non_negative', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'sd_weighted / mu',
            'value_unit': 'ratio of weighted standard deviation to national mean',
            'formula': 'V_w = sqrt(sum w (y - mu_w)^2) / mu_w, w = population share, centred on the national per-capita value mu_w (Williamson 1965; V_w^2 / 2 = GE(2)_w)',
        },
        {
            'measure': 'max_min_ratio', 'weighting': 'unweighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': false,
            'expression': 'y_max / y_min',
            'value_unit': 'ratio, 1 = equality',
            'formula': 'max y / min y (no population weighting: it is meaningless for a ratio of extremes)',
        },
        {
            'measure': 'max_min_ratio', 'weighting': 'unweighted', 'variant': 'excluding_top_region',
            'domain': 'positive', 'min_n': 3, 'zero_if_equal': false,
            'expression': 'y_second_largest / y_min',
            'value_unit': 'ratio, 1 = equality',
            'formula': 'second-largest y / min y: max/min after dropping the single top region (Atyrau sensitivity)',
        },
        {
            'measure': 'sigma_log', 'weighting': 'unweighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'sd_ln_pop',
            'value_unit': 'standard deviation of natural log (log points)',
            'formula': 'sigma = stddev_pop(ln y) (ddof = 0), the sigma-convergence dispersion',
        },
        {
            'measure': 'sigma_log', 'weighting': 'unweighted', 'variant': 'ddof1',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'sd_ln_samp',
            'value_unit': 'standard deviation of natural log (log points)',
            'formula': 'sigma = stddev_samp(ln y) (ddof = 1, labelled variant)',
        },
        {
            'measure': 'sigma_log', 'weighting': 'population_weighted', 'variant': 'default',
            'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
            'expression': 'sd_ln_weighted',
            'value_unit': 'standard deviation of natural log (log points)',
            'formula': 'sigma_w = sqrt(sum w (ln y - sum w ln y)^2), w = population share',
        },
    ] -%}
    {% for eps in kzw_ineq_atkinson_epsilons() -%}
        {%- set i = loop.index -%}
        {% for weighting in ['unweighted', 'population_weighted'] -%}
            {%- set mean_symbol = 'mu_u' if weighting == 'unweighted' else 'mu_w' -%}
            {%- set weight_symbol = '(1/n)' if weighting == 'unweighted' else 'w' -%}
            {% if eps == 1 -%}
                {%- set atkinson_formula = 'A_1 = 1 - exp(' ~ weight_symbol ~ ' sum ln y) / '
                    ~ mean_symbol ~ ' (geometric over arithmetic mean)' -%}
            {% else -%}
                {%- set atkinson_formula = 'A_eps = 1 - [' ~ weight_symbol ~ ' sum (y/' ~ mean_symbol
                    ~ ')^(1-eps)]^(1/(1-eps)), eps = ' ~ eps -%}
            {% endif -%}
            {%- set suffix = '' if weighting == 'population_weighted'
                else ' (= PySAL inequality.atkinson.atkinson(y, eps))' -%}
            {%- do specs.append({
                'measure': 'atkinson', 'weighting': weighting, 'variant': 'epsilon_' ~ eps,
                'domain': 'positive', 'min_n': 2, 'zero_if_equal': true,
                'expression': 'atkinson_' ~ i,
                'value_unit': 'index, 0 = equality, 1 = maximal',
                'formula': atkinson_formula ~ suffix,
            }) -%}
            {%- do specs.append({
                'measure': 'atkinson_ede', 'weighting': weighting, 'variant': 'epsilon_' ~ eps,
                'domain': 'positive', 'min_n': 2, 'zero_if_equal': false,
                'expression': 'mu * (1.0 - atkinson_' ~ i ~ ')',
                'value_unit': 'indicator unit',
                'formula': 'EDE = ' ~ mean_symbol ~ ' (1 - A_eps), equally distributed equivalent level, eps = ' ~ eps,
            }) -%}
        {% endfor -%}
    {% endfor -%}
    {{ return(specs) }}
{%- endmacro %}


{#- Why a measure is NULL (NULL when it is not). -#}
{% macro kzw_ineq_null_reason(min_n) -%}
    case
        when n_valid < {{ min_n }} and n_missing_population > 0 then 'missing_population'
        when n_valid < {{ min_n }} and n_out_of_domain > 0 then 'non_positive_values'
        when n_valid < {{ min_n }} then 'too_few_regions'
        when mu is null or mu <= 0 then 'non_positive_mean'
        when {{ kzw_ineq_null_on_invalid_rows() }} and n_excluded > 0 then 'invalid_input_rows'
    end
{%- endmacro %}


{#- Unpivots kzw_ineq_cross_section_stats into the long mart_inequality rows. -#}
{% macro kzw_ineq_measure_rows(stats) -%}
    {% set key = kzw_ineq_key_columns() %}
    {% for spec in kzw_ineq_measure_specs() %}
        {% set raw_value = 'case when y_max = y_min then 0.0 else ' ~ spec.expression ~ ' end'
            if spec.zero_if_equal else spec.expression %}
        {% if spec.measure == 'max_min_ratio' and spec.variant == 'default' %}
            {% set detail = dbt.concat(["'max: '", "max_region_code", "'; min: '", "min_region_code"]) %}
        {% elif spec.measure == 'max_min_ratio' %}
            {% set detail = dbt.concat(["'excluded top region: '", "max_region_code", "'; min: '", "min_region_code"]) %}
        {% else %}
            {% set detail = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
        {% endif %}
        {% if not loop.first %}
            union all
        {% endif %}
        select
            {{ key | join(', ') }},
            '{{ spec.measure }}' as measure,
            weighting,
            '{{ spec.variant }}' as variant,
            '{{ spec.domain }}' as value_domain,
            {{ kzw_ineq_null_reason(spec.min_n) }} as null_reason,
            {{ raw_value }} as raw_value,
            n_valid as n_regions,
            n_excluded,
            excluded_regions,
            {{ detail }} as detail,
            '{{ spec.value_unit }}' as value_unit,
            '{{ spec.formula | replace("'", "''") }}' as formula
        from {{ stats }}
        where weighting = '{{ spec.weighting }}' and domain = '{{ spec.domain }}'
    {% endfor %}
{%- endmacro %}

{#-
    Cross-sectional inequality measures (METHODS.md section 3), one row per
    (geography, geo_version, indicator, unit, year, weighting, domain).

    Every measure is written once for a general weight basis p_r (p_r = 1 for 'unweighted',
    p_r = average annual population for 'population_weighted'), with w_r = p_r / sum p and
    mu = sum w y. With p = 1 this is exactly the unweighted formula of METHODS section 3 (and
    PySAL's), with p = population it is the population-weighted one.

    Domains: a region is valid for the 'non_negative' domain (Gini, CV, Williamson) when y >= 0 and for
    the 'positive' domain (Theil T/L, Atkinson, sigma, max/min) when y > 0, since those take ln y or
    divide by y (METHODS section 0: flag and exclude, never add an epsilon). NULL y, and for the
    weighted form NULL or non-positive population, are excluded in both. Excluded rows are counted
    (n_excluded) and listed (excluded_regions, 'region:reason').

    Shape of the computation (why: BENCHMARKS.md, section 3). The four (weighting, domain) variants
    are columns of one pass over the input rows, not a 4x cross join:
    1. every cross-section gets an integer id (cheaper to partition and join on than five strings);
    2. the Gini's running sums come from ONE ordered window (order by y, region_code) over the narrow
       flagged rows, shared by the variants: an excluded row adds nothing, so the running sum over
       all rows equals the running sum over the variant's valid rows;
    3. one hash aggregate gives each variant's totals (n, sum p, sum p y, sum p ln y, min, max);
    4. a second hash aggregate takes the two-pass sums (deviations from the mean, which stay accurate
       when inequality is small) and the texts, computing only what kzw_ineq_measure_specs() reads;
       the result is unpivoted to four rows per cross-section (a statistic no measure of a variant
       reads is NULL there).
-#}
{% macro kzw_ineq_cross_section_stats(observations) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    {%- set variants = kzw_ineq_variants() -%}
    {%- set epsilons = kzw_ineq_atkinson_epsilons() -%}
    {%- set double = kzw_ineq_double() -%}
    with

    cross_sections as (
        select
            {{ key | join(',\n            ') }},
            row_number() over (order by {{ key | join(', ') }}) as cross_section_id
        from (select distinct {{ key | join(', ') }} from {{ observations }}) as distinct_keys
    ),

    flagged as (
        select
            cross_sections.cross_section_id,
            obs.region_code,
            obs.y,
            {{ kzw_ineq_ln('obs.y') }} as ln_y,
            obs.population,
        {%- for v in variants %}
            case
                when obs.y is null then 'null_value'
            {%- if v.weighting == 'population_weighted' %}
                when obs.population is null then 'missing_population'
                when obs.population <= 0 then 'non_positive_population'
            {%- endif %}
            {%- if v.domain == 'positive' %}
                when obs.y <= 0 then 'non_positive_value'
            {%- else %}
                when obs.y < 0 then 'negative_value'
            {%- endif %}
            end as reason_{{ v.id }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ observations }} as obs
        inner join cross_sections
            on {{ kzw_ineq_join_on('obs', 'cross_sections', key) }}
    ),

    windowed as (
        select
            *
        {%- for v in variants if kzw_ineq_needs('gini', v) %},
            sum(case when reason_{{ v.id }} is null then {{ kzw_ineq_basis(v) }} * y end) over running
                as cumulative_weighted_y_{{ v.id }}
        {%- endfor %}
        from flagged
        window running as (
            partition by cross_section_id
            order by y, region_code
            rows between unbounded preceding and current row
        )
    ),

    totals as (
        select
            cross_section_id,
            count(*) as n_input,
        {%- for v in variants %}
            {%- set valid = 'reason_' ~ v.id ~ ' is null' %}
            count(case when {{ valid }} then 1 end) as n_valid_{{ v.id }},
            count(case when reason_{{ v.id }} in ('missing_population', 'non_positive_population') then 1 end)
                as n_missing_population_{{ v.id }},
            count(case when reason_{{ v.id }} in ('non_positive_value', 'negative_value') then 1 end)
                as n_out_of_domain_{{ v.id }},
            sum(case when {{ valid }} then {{ kzw_ineq_basis(v) }} end) as total_weight_{{ v.id }},
            sum(case when {{ valid }} then {{ kzw_ineq_basis(v) }} * y end) as total_weighted_y_{{ v.id }},
            sum(case when {{ valid }} then {{ kzw_ineq_basis(v) }} * ln_y end) as total_weighted_ln_y_{{ v.id }},
            max(case when {{ valid }} then y end) as y_max_{{ v.id }},
            min(case when {{ valid }} then y end) as y_min_{{ v.id }}{{ ',' if not loop.last }}
        {%- endfor %}
        from flagged
        group by cross_section_id
    ),

    means as (
        select
            *,
        {%- for v in variants %}
            total_weighted_y_{{ v.id }} / total_weight_{{ v.id }} as mu_{{ v.id }},
            {%- if v.domain == 'positive' %}
            total_weighted_ln_y_{{ v.id }} / total_weight_{{ v.id }} as mean_ln_y_{{ v.id }}
            {%- else %}
            cast(null as {{ double }}) as mean_ln_y_{{ v.id }}
            {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
        from totals
    ),

    second_pass as (
        select
            cross_section_id
        {%- for v in variants %}
            {%- set valid = 'reason_' ~ v.id ~ ' is null' %}
            {%- set w = '(' ~ kzw_ineq_basis(v) ~ ' / total_weight_' ~ v.id ~ ')' %}
            {%- set mu = 'mu_' ~ v.id %}
            {%- set mean_ln = 'mean_ln_y_' ~ v.id %}
            {%- set y_max = 'y_max_' ~ v.id %}
            {%- if kzw_ineq_needs('gini', v) %},
            {#- Lorenz trapezoid: G = 1 - sum_k w_k (L_k + L_{k-1}), L_k = cumulative output share. #}
            1.0 - sum(
                case
                    when {{ valid }} then {{ w }} * {{ kzw_ineq_div(
                        '2.0 * cumulative_weighted_y_' ~ v.id ~ ' - ' ~ kzw_ineq_basis(v) ~ ' * y',
                        'total_weighted_y_' ~ v.id
                    ) }}
                end
            ) as gini_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('sd_weighted', v) %},
            {{ kzw_ineq_sqrt('sum(case when ' ~ valid ~ ' then ' ~ w ~ ' * (y - ' ~ mu ~ ') * (y - ' ~ mu ~ ') end)') }}
                as sd_weighted_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('sd_pop', v) %},
            stddev_pop(case when {{ valid }} then y end) as sd_pop_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('sd_samp', v) %},
            stddev_samp(case when {{ valid }} then y end) as sd_samp_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('theil_t', v) %},
            sum(case when {{ valid }} then {{ w }} * (y / {{ mu }}) * {{ kzw_ineq_ln('y / ' ~ mu) }} end)
                as theil_t_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('theil_l', v) %},
            sum(case when {{ valid }} then {{ w }} * {{ kzw_ineq_ln(mu ~ ' / y') }} end) as theil_l_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('sd_ln_pop', v) %},
            stddev_pop(case when {{ valid }} then ln_y end) as sd_ln_pop_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('sd_ln_samp', v) %},
            stddev_samp(case when {{ valid }} then ln_y end) as sd_ln_samp_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('sd_ln_weighted', v) %},
            {{ kzw_ineq_sqrt(
                'sum(case when ' ~ valid ~ ' then ' ~ w ~ ' * (ln_y - ' ~ mean_ln ~ ') * (ln_y - ' ~ mean_ln ~ ') end)'
            ) }} as sd_ln_weighted_{{ v.id }}
            {%- endif %}
            {%- for eps in epsilons %}
            {%- if kzw_ineq_needs('atkinson_' ~ loop.index, v) %},
            {{ kzw_ineq_atkinson_aggregate(eps, v) }} as atkinson_{{ loop.index }}_{{ v.id }}
            {%- endif %}
            {%- endfor %}
            {%- if kzw_ineq_needs('max_region_code', v) %},
            {#- Ties: the lowest region code, as row_number() over (order by y, region_code) would pick. #}
            min(case when {{ valid }} and y = {{ y_max }} then region_code end) as max_region_code_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('min_region_code', v) %},
            min(case when {{ valid }} and y = y_min_{{ v.id }} then region_code end) as min_region_code_{{ v.id }}
            {%- endif %}
            {%- if kzw_ineq_needs('y_second_largest', v) %},
            {#- The second-largest value is the maximum itself when two regions share it. #}
            case
                when count(case when {{ valid }} and y = {{ y_max }} then 1 end) >= 2 then max({{ y_max }})
                else max(case when {{ valid }} and y < {{ y_max }} then y end)
            end as y_second_largest_{{ v.id }}
            {%- endif %}
        {%- endfor %}
        from windowed
        inner join means using (cross_section_id)
        group by cross_section_id
    ),

    {#- Only the excluded rows are listed: one small ordered aggregate, not one per variant over every row. #}
    excluded as (
    {%- for v in variants %}
        {%- if not loop.first %}
        union all
        {%- endif %}
        select
            cross_section_id,
            '{{ v.id }}' as variant_id,
            region_code,
            {{ dbt.concat(['region_code', "':'", 'reason_' ~ v.id]) }} as excluded_region
        from flagged
        where reason_{{ v.id }} is not null
    {%- endfor %}
    ),

    excluded_lists as (
        select
            cross_section_id,
            variant_id,
            {{ dbt.listagg('excluded_region', "'; '", 'order by region_code') }} as excluded_regions
        from excluded
        group by cross_section_id, variant_id
    ),

    stats_wide as (
        select *
        from cross_sections
        inner join means using (cross_section_id)
        inner join second_pass using (cross_section_id)
    )

    {% for v in variants -%}
    {%- if not loop.first %}
    union all
    {% endif %}
    select
        {{ key | join(', ') }},
        '{{ v.weighting }}' as weighting,
        '{{ v.domain }}' as domain,
        n_input,
        n_valid_{{ v.id }} as n_valid,
        n_input - n_valid_{{ v.id }} as n_excluded,
        n_missing_population_{{ v.id }} as n_missing_population,
        n_out_of_domain_{{ v.id }} as n_out_of_domain,
        excluded_lists.excluded_regions,
        mu_{{ v.id }} as mu,
        y_max_{{ v.id }} as y_max,
        y_min_{{ v.id }} as y_min,
        mean_ln_y_{{ v.id }} as mean_ln_y,
    {%- for stat in kzw_ineq_second_pass_stats() %}
        {%- if kzw_ineq_needs(stat, v) %}
        {{ stat }}_{{ v.id }} as {{ stat }}{{ ',' if not loop.last }}
        {%- else %}
        cast(null as {{ dbt.type_string() if stat.endswith('region_code') else double }}) as {{ stat }}
        {{- ',' if not loop.last }}
        {%- endif %}
    {%- endfor %}
    from stats_wide
    left join excluded_lists
        on
            stats_wide.cross_section_id = excluded_lists.cross_section_id
            and excluded_lists.variant_id = '{{ v.id }}'
    {%- endfor %}
{%- endmacro %}


{#- The four (weighting, domain) variants every cross-section is measured in. -#}
{% macro kzw_ineq_variants() -%}
    {{ return([
        {'id': 'u_nn', 'weighting': 'unweighted', 'domain': 'non_negative'},
        {'id': 'u_pos', 'weighting': 'unweighted', 'domain': 'positive'},
        {'id': 'p_nn', 'weighting': 'population_weighted', 'domain': 'non_negative'},
        {'id': 'p_pos', 'weighting': 'population_weighted', 'domain': 'positive'},
    ]) }}
{%- endmacro %}


{#- The weight basis p_r of a variant: 1 unweighted, the average population weighted. -#}
{% macro kzw_ineq_basis(variant) -%}
    {{ '1.0' if variant.weighting == 'unweighted' else 'population' }}
{%- endmacro %}


{#- Statistics of the second aggregate pass, in the column order of the stats relation. -#}
{% macro kzw_ineq_second_pass_stats() -%}
    {%- set stats = [
        'y_second_largest', 'max_region_code', 'min_region_code', 'gini', 'theil_t', 'theil_l',
        'sd_weighted', 'sd_pop', 'sd_samp', 'sd_ln_pop', 'sd_ln_samp',
    ] -%}
    {%- for eps in kzw_ineq_atkinson_epsilons() -%}
        {%- do stats.append('atkinson_' ~ loop.index) -%}
    {%- endfor -%}
    {%- do stats.append('sd_ln_weighted') -%}
    {{ return(stats) }}
{%- endmacro %}


{#-
    True when some measure of kzw_ineq_measure_specs() in this variant reads `stat` (by name, in its
    expression; max_min_ratio also reads the region codes for its detail text).
-#}
{% macro kzw_ineq_needs(stat, variant) -%}
    {%- set found = namespace(value=false) -%}
    {%- for spec in kzw_ineq_measure_specs()
        if spec.weighting == variant.weighting and spec.domain == variant.domain -%}
        {%- set detail = ' max_region_code min_region_code' if spec.measure == 'max_min_ratio' else '' -%}
        {%- set text = spec.expression ~ detail -%}
        {%- if modules.re.search('\\b' ~ stat ~ '\\b', text) -%}
            {%- set found.value = true -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found.value) }}
{%- endmacro %}


{#-
    Atkinson index of a variant as an aggregate over the second-pass rows (mu, mean_ln_y in scope):
    eps = 1: 1 - exp(sum w ln y) / mu; otherwise 1 - (sum w (y/mu)^(1-eps))^(1/(1-eps)).
-#}
{% macro kzw_ineq_atkinson_aggregate(eps, variant) -%}
    {%- set v = variant.id -%}
    {%- if eps == 1 -%}
        1.0 - {{ kzw_ineq_div(
            kzw_ineq_exp('max(mean_ln_y_' ~ v ~ ')'),
            'max(mu_' ~ v ~ ')'
        ) }}
    {%- else -%}
        1.0 - {{ kzw_ineq_power(
            'sum(case when reason_' ~ v ~ ' is null then (' ~ kzw_ineq_basis(variant) ~ ' / total_weight_' ~ v
            ~ ') * ' ~ kzw_ineq_power('y / mu_' ~ v, 1 - eps) ~ ' end)',
            '1.0 / ' ~ (1 - eps)
        ) }}
    {%- endif -%}
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

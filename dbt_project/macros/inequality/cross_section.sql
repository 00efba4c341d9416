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
-#}
{% macro kzw_ineq_cross_section_stats(observations) -%}
    {%- set key = kzw_ineq_key_columns() -%}
    {%- set part = (key + ['weighting', 'domain']) | join(', ') -%}
    {%- set valid_part = part ~ ', is_valid' -%}
    {%- set epsilons = kzw_ineq_atkinson_epsilons() -%}
    with

    domain_observations as (
        select
            {{ key | join(',\n            ') }},
            obs.region_code,
            obs.y,
            weightings.weighting,
            domains.domain,
            case
                when weightings.weighting = 'unweighted' then 1.0
                else obs.population
            end as weight_basis,
            case
                when obs.y is null then 'null_value'
                when weightings.weighting = 'population_weighted' and obs.population is null
                    then 'missing_population'
                when weightings.weighting = 'population_weighted' and obs.population <= 0
                    then 'non_positive_population'
                when domains.domain = 'positive' and obs.y <= 0 then 'non_positive_value'
                when domains.domain = 'non_negative' and obs.y < 0 then 'negative_value'
            end as invalid_reason
        from {{ observations }} as obs
        cross join (values ('unweighted'), ('population_weighted')) as weightings (weighting)
        cross join (values ('non_negative'), ('positive')) as domains (domain)
    ),

    flagged as (
        select
            *,
            invalid_reason is null as is_valid,
            case when domain = 'positive' then {{ kzw_ineq_ln('y') }} end as ln_y
        from domain_observations
    ),

    windowed as (
        select
            *,
            weight_basis / sum(weight_basis) over (partition by {{ valid_part }}) as w,
            sum(weight_basis * y) over (partition by {{ valid_part }})
            / sum(weight_basis) over (partition by {{ valid_part }}) as mu,
            sum(weight_basis * ln_y) over (partition by {{ valid_part }})
            / sum(weight_basis) over (partition by {{ valid_part }}) as mean_ln_y,
            sum(weight_basis * y) over (partition by {{ valid_part }}) as total_weighted_y,
            sum(weight_basis * y) over (
                partition by {{ valid_part }}
                order by y, region_code
                rows between unbounded preceding and current row
            ) as cumulative_weighted_y,
            row_number() over (partition by {{ valid_part }} order by y desc, region_code) as rank_desc,
            row_number() over (partition by {{ valid_part }} order by y asc, region_code) as rank_asc
        from flagged
    )

    select
        {{ part }},
        count(*) as n_input,
        count(case when is_valid then 1 end) as n_valid,
        count(case when not is_valid then 1 end) as n_excluded,
        count(case when invalid_reason in ('missing_population', 'non_positive_population') then 1 end)
            as n_missing_population,
        count(case when invalid_reason in ('non_positive_value', 'negative_value') then 1 end)
            as n_out_of_domain,
        {{ dbt.listagg(
            "case when not is_valid then " ~ dbt.concat(["region_code", "':'", "invalid_reason"]) ~ " end",
            "'; '",
            "order by region_code"
        ) }} as excluded_regions,
        max(case when is_valid then mu end) as mu,
        max(case when is_valid then y end) as y_max,
        min(case when is_valid then y end) as y_min,
        max(case when is_valid and rank_desc = 2 then y end) as y_second_largest,
        max(case when is_valid and rank_desc = 1 then region_code end) as max_region_code,
        max(case when is_valid and rank_asc = 1 then region_code end) as min_region_code,
        {#- Lorenz trapezoid: G = 1 - sum_k w_k (L_k + L_{k-1}), L_k = cumulative output share. -#}
        1.0 - sum(
            case
                when is_valid then w * {{ kzw_ineq_div('2.0 * cumulative_weighted_y - weight_basis * y', 'total_weighted_y') }}
            end
        ) as gini,
        sum(case when is_valid then w * (y / mu) * {{ kzw_ineq_ln('y / mu') }} end) as theil_t,
        sum(case when is_valid then w * {{ kzw_ineq_ln('mu / y') }} end) as theil_l,
        {{ kzw_ineq_sqrt('sum(case when is_valid then w * (y - mu) * (y - mu) end)') }} as sd_weighted,
        stddev_pop(case when is_valid then y end) as sd_pop,
        stddev_samp(case when is_valid then y end) as sd_samp,
        max(case when is_valid then mean_ln_y end) as mean_ln_y,
        stddev_pop(case when is_valid then ln_y end) as sd_ln_pop,
        stddev_samp(case when is_valid then ln_y end) as sd_ln_samp,
    {% for eps in epsilons %}
        {{ kzw_ineq_atkinson_aggregate(eps) }} as atkinson_{{ loop.index }},
    {% endfor %}
        {{ kzw_ineq_sqrt('sum(case when is_valid then w * (ln_y - mean_ln_y) * (ln_y - mean_ln_y) end)') }}
            as sd_ln_weighted
    from windowed
    group by {{ part }}
{%- endmacro %}


{#-
    Atkinson index as an aggregate over the windowed rows (w, mu, mean_ln_y in scope):
    eps = 1: 1 - exp(sum w ln y) / mu; otherwise 1 - (sum w (y/mu)^(1-eps))^(1/(1-eps)).
-#}
{% macro kzw_ineq_atkinson_aggregate(eps) -%}
    {%- if eps == 1 -%}
        1.0 - {{ kzw_ineq_div(
            kzw_ineq_exp('max(case when is_valid then mean_ln_y end)'),
            'max(case when is_valid then mu end)'
        ) }}
    {%- else -%}
        1.0 - {{ kzw_ineq_power(
            'sum(case when is_valid then w * ' ~ kzw_ineq_power('y / mu', 1 - eps) ~ ' end)',
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

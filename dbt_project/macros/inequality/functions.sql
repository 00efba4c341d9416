{#-
    Scalar SQL helpers of the inequality marts (METHODS.md sections 3-4).

    Engine-specific spellings go through adapter.dispatch (namespace kz_inequality), so a port to
    another engine adds e.g. `spark__kzw_ineq_ln` instead of editing the marts. All helpers are
    NULL-safe: they return NULL where the mathematical function is undefined, never raise, and never
    return inf/NaN (DuckDB returns inf for x / 0.0, so every ratio goes through kzw_ineq_div).
-#}

{#- The floating-point type used for every measure (8-byte double; dbt.type_float() is a 4-byte
    REAL on DuckDB, which would lose the 1e-9 accuracy the tests demand). -#}
{% macro kzw_ineq_double() -%}
    {{ return(kzw_double()) }}
{%- endmacro %}

{#- Natural logarithm, NULL for x <= 0 or NULL (DuckDB's ln raises on 0 and negatives). -#}
{% macro kzw_ineq_ln(x) -%}
    {{ return(adapter.dispatch('kzw_ineq_ln', 'kz_inequality')(x)) }}
{%- endmacro %}

{% macro default__kzw_ineq_ln(x) -%}
    (case when ({{ x }}) > 0 then ln({{ x }}) end)
{%- endmacro %}

{#- e^x. -#}
{% macro kzw_ineq_exp(x) -%}
    {{ return(adapter.dispatch('kzw_ineq_exp', 'kz_inequality')(x)) }}
{%- endmacro %}

{% macro default__kzw_ineq_exp(x) -%}
    exp({{ x }})
{%- endmacro %}

{#- x^e for x > 0 (NULL otherwise: a negative base with a fractional exponent is undefined). -#}
{% macro kzw_ineq_power(x, e) -%}
    {{ return(adapter.dispatch('kzw_ineq_power', 'kz_inequality')(x, e)) }}
{%- endmacro %}

{% macro default__kzw_ineq_power(x, e) -%}
    (case when ({{ x }}) > 0 then power({{ x }}, {{ e }}) end)
{%- endmacro %}

{#- Square root of a quantity that must be non-negative; NULL when it is negative or NULL. -#}
{% macro kzw_ineq_sqrt(x) -%}
    (case when ({{ x }}) >= 0 then sqrt({{ x }}) end)
{%- endmacro %}

{#- n / d, NULL when d is 0 or NULL (portable; DuckDB would return inf). -#}
{% macro kzw_ineq_div(n, d) -%}
    (({{ n }}) / nullif({{ d }}, 0))
{%- endmacro %}

{#-
    Standard normal CDF Phi(x), lower tail.

    Algorithm: for |x| < 5 the Hart (1968) double-precision rational approximation as published by
    G. West (2005), "Better approximations to cumulative normal functions", Wilmott Magazine
    (algorithm 5666); for 5 <= |x| <= 37 the Laplace continued fraction
    Phi(-a) = phi(a) / (a + 1/(a + 2/(a + 3/(a + ...)))) truncated after 16 terms; 0 beyond 37.
    Accuracy, checked against scipy.stats.norm (scipy 1.17) on grids over [-40, 40] (and re-checked
    by tests/test_inequality_toy.py::test_normal_cdf_macro_accuracy): absolute error of Phi
    <= 2.3e-16 everywhere; relative error of the tail Phi(-|x|) <= 2.6e-13 for |x| < 4,
    <= 4.6e-11 for 4 <= |x| < 5 and <= 2.3e-13 for 5 <= |x| <= 37. That is far better than the
    1e-7 asked for (Abramowitz-Stegun 7.1.26 gives only 1.5e-7). The tail is computed directly (no
    1 - Phi cancellation), so two-tailed p-values keep their relative accuracy for large |z|.
-#}
{% macro kzw_ineq_normal_cdf(x) -%}
    {{ return(adapter.dispatch('kzw_ineq_normal_cdf', 'kz_inequality')(x)) }}
{%- endmacro %}

{% macro default__kzw_ineq_normal_cdf(x) -%}
    (case
        when ({{ x }}) is null then null
        when ({{ x }}) > 0 then 1.0 - {{ kzw_ineq_normal_lower_tail('abs(' ~ x ~ ')') }}
        else {{ kzw_ineq_normal_lower_tail('abs(' ~ x ~ ')') }}
    end)
{%- endmacro %}

{#- Phi(-a) for a >= 0: the upper-tail probability of a standard normal beyond a. -#}
{% macro kzw_ineq_normal_lower_tail(a) -%}
    {%- set continued_fraction = namespace(text='(' ~ a ~ ')') -%}
    {%- for i in range(16, 0, -1) -%}
        {%- set continued_fraction.text = '(' ~ a ~ ') + ' ~ i ~ '.0 / (' ~ continued_fraction.text ~ ')' -%}
    {%- endfor -%}
    (case
        when ({{ a }}) > 37 then 0.0
        when ({{ a }}) < 5 then
            exp(-({{ a }}) * ({{ a }}) / 2.0)
            * ((((((0.0352624965998911 * ({{ a }}) + 0.700383064443688) * ({{ a }})
                + 6.37396220353165) * ({{ a }}) + 33.912866078383) * ({{ a }})
                + 112.079291497871) * ({{ a }}) + 221.213596169931) * ({{ a }})
                + 220.206867912376)
            / (((((((0.0883883476483184 * ({{ a }}) + 1.75566716318264) * ({{ a }})
                + 16.064177579207) * ({{ a }}) + 86.7807322029461) * ({{ a }})
                + 296.564248779674) * ({{ a }}) + 637.333633378831) * ({{ a }})
                + 793.826512519948) * ({{ a }}) + 440.413735824752)
        else
            exp(-({{ a }}) * ({{ a }}) / 2.0)
            / ({{ continued_fraction.text }})
            / 2.5066282746310002
    end)
{%- endmacro %}

{#- Two-tailed normal p-value 2 * (1 - Phi(|z|)) = 2 * Phi(-|z|), as esda's p_norm (two_tailed=True). -#}
{% macro kzw_ineq_two_tailed_p(z) -%}
    (case when ({{ z }}) is not null then 2.0 * {{ kzw_ineq_normal_lower_tail('abs(' ~ z ~ ')') }} end)
{%- endmacro %}

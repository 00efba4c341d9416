-- GRP per capita growth against money income per capita growth per region, averaged over a window of
-- var quality_a7_window_years years: the statistic of anomaly rule A7 (GROWTH_DECOUPLING), METHODS.md
-- section 5.2. Geography: the 16 stable pre-2018 units (fct_region_year_comparable), so a window never
-- crosses a boundary change. Log growth g = ln X_t - ln X_(t-1) (METHODS section 0); a window counts only
-- when all its annual links exist (consecutive years, same territory, every input present).
--   real GRP pc growth      = ln(1 + volume index % / 100) - population log growth   (METHODS section 0)
--   nominal GRP pc growth   = log growth of GRP / average population
--   nominal income growth   = log growth of money income per capita (nominal: the only income series)
--   national GRP deflator   = national nominal GRP log growth - ln(1 + national volume index % / 100)
--   real income pc growth   = nominal income growth - national GRP deflator growth
--   growth_gap ('national_grp_deflator', default) = avg real GRP pc growth - avg real income pc growth
--   growth_gap ('nominal')  = avg nominal GRP pc growth - avg nominal income growth
--                             (= the gap under ANY deflator common to both series)
{%- set window = quality_param('quality_a7_window_years') | int %}
{%- set deflator = quality_param('quality_a7_income_deflator') %}
{%- if deflator not in ['national_grp_deflator', 'nominal'] %}
    {{ exceptions.raise_compiler_error(
        "quality_a7_income_deflator must be 'nominal' or 'national_grp_deflator', got " ~ deflator
    ) }}
{%- endif %}
with

regional as (

    select * from {{ ref('fct_region_year_comparable') }}

),

national as (

    select * from {{ ref('fct_national_year') }}

),

comparable as (

    select
        'comparable' as geography,
        geo_version,
        cast(year as integer) as year,
        comparable_region_code as region_code,
        comparable_region_name_en as region_name_en,
        territory_key,
        cast(grp_per_capita_kzt as {{ quality_double() }}) as grp_per_capita_kzt,
        cast(money_income_per_capita_kzt_month as {{ quality_double() }}) as income_per_capita_kzt_month,
        cast(population_avg as {{ quality_double() }}) as population,
        cast(grp_real_growth_pct as {{ quality_double() }}) as grp_real_growth_pct,
        source_release_ids
    from regional

),

annual as (

    select
        *,
        {{ log_growth('grp_per_capita_kzt') }} as nominal_grp_pc_growth,
        {{ log_growth('income_per_capita_kzt_month') }} as nominal_income_growth,
        {{ log_growth('population') }} as population_growth
    from comparable

),

national_annual as (

    select
        cast(year as integer) as year,
        case
            when
                lag(year) over (order by year) = year - 1
                and grp_mln_kzt > 0
                and lag(grp_mln_kzt) over (order by year) > 0
                and grp_real_growth_pct > -100
                then ln(grp_mln_kzt) - ln(lag(grp_mln_kzt) over (order by year)) - ln(1 + grp_real_growth_pct / 100.0)
        end as national_deflator_growth,
        source_release_ids as national_source_release_ids
    from national

),

links as (

    select
        annual.geography,
        annual.geo_version,
        annual.year,
        annual.region_code,
        annual.region_name_en,
        annual.nominal_grp_pc_growth,
        annual.nominal_income_growth,
        national_annual.national_deflator_growth,
        case
            when annual.grp_real_growth_pct > -100
                then ln(1 + annual.grp_real_growth_pct / 100.0) - annual.population_growth
        end as real_grp_pc_growth,
        annual.nominal_income_growth - national_annual.national_deflator_growth as real_income_growth,
        annual.source_release_ids,
        national_annual.national_source_release_ids
    from annual
    left join national_annual
        on annual.year = national_annual.year

),

usable_links as (

    select
        *,
        {% if deflator == 'nominal' -%}
            nominal_grp_pc_growth is not null
            and nominal_income_growth is not null
        {%- else -%}
            real_grp_pc_growth is not null
            and real_income_growth is not null
        {%- endif %} as is_usable
    from links

),

windows as (

    select
        geography,
        geo_version,
        year,
        region_code,
        region_name_en,
        min(year) over window_rows as window_first_link_year,
        count(case when is_usable then 1 end) over window_rows as n_links,
        avg(case when is_usable then real_grp_pc_growth end) over window_rows as avg_real_grp_pc_growth,
        avg(case when is_usable then real_income_growth end) over window_rows as avg_real_income_pc_growth,
        avg(case when is_usable then nominal_grp_pc_growth end) over window_rows as avg_nominal_grp_pc_growth,
        avg(case when is_usable then nominal_income_growth end) over window_rows as avg_nominal_income_pc_growth,
        avg(case when is_usable then national_deflator_growth end) over window_rows as avg_national_deflator_growth,
        source_release_ids,
        national_source_release_ids
    from usable_links
    window window_rows as (
        partition by region_code order by year rows between {{ window - 1 }} preceding and current row
    )

),

final as (

    select
        geography,
        geo_version,
        region_code,
        region_name_en,
        year,
        year - {{ window }} as window_base_year,
        n_links,
        '{{ deflator }}' as income_deflator,
        avg_real_grp_pc_growth,
        avg_real_income_pc_growth,
        avg_nominal_grp_pc_growth,
        avg_nominal_income_pc_growth,
        avg_national_deflator_growth,
        {% if deflator == 'nominal' -%}
            avg_nominal_grp_pc_growth - avg_nominal_income_pc_growth
        {%- else -%}
            avg_real_grp_pc_growth - avg_real_income_pc_growth
        {%- endif %} as growth_gap,
        {{ quality_release_ids(
            "source_release_ids || ';' || coalesce(national_source_release_ids, '')",
            ['grp_nominal', 'grp_volume_index', 'population_average', 'income_annual']
        ) }} as source_release_ids
    from windows
    where
        n_links = {{ window }}
        and window_first_link_year = year - {{ window }} + 1

)

select * from final

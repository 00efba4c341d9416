"""The report's story sections: the headline figures, GRP per capita against residents' money income,
and the GRP/income ratio of the extractive regions over time.

Why these: the warehouse exists to show that GRP per capita, the usual regional yardstick, overstates
living standards where extraction dominates (Atyrau, Mangystau, West Kazakhstan) and that an
arithmetic mean of regions masks inequality. Every figure is read from a published mart or fact
table; where the report derives one (a ratio of two published columns) its caption says so.
"""

from __future__ import annotations

import html

from reporting import charts
from reporting.base import INDICATOR, Published, Section, about, series, unavailable

FACTS = "marts.fct_region_year"
EXTRACTIVE_COLOUR = "#d95f02"
OTHER_COLOUR = "#1f77b4"
#: The base year of the GRP-vs-income comparison (the issue's Atyrau 2010 example).
BASE_YEAR = 2010


def latest_year(db: Published) -> int | None:
    """Latest year in which the facts hold both GRP per capita and money income per capita."""
    if not db.has(FACTS, "year", INDICATOR, "money_income_per_capita_kzt_month"):
        return None
    return db.rows(
        f"select max(year) from {FACTS} where {INDICATOR} is not null "
        "and money_income_per_capita_kzt_month is not null"
    )[0][0]


def releases(ids: str | None, *datasets: str) -> str:
    """'grp_nominal:<sha256>;income_annual:<sha256>' -> 'grp_nominal 23a1f58a2a91, ...' for the
    datasets named (all when none are)."""
    pairs = [part.split(":", 1) for part in (ids or "").split(";") if ":" in part]
    return ", ".join(f"{d} {fp[:12]}" for d, fp in pairs if not datasets or d in datasets)


def extractive_regions(db: Published) -> list[str]:
    """Codes of the extractive regions: ``marts.dim_region.is_extractive``, the one definition (dbt var
    ``investment_extractive_regions``: the six regions the mission's source names)."""
    if not db.has("marts.dim_region", "region_code", "is_extractive"):
        return []
    return [code for (code,) in db.rows("select region_code from marts.dim_region where is_extractive")]


def _extractive_rule(db: Published) -> str:
    names = ", ".join(db.name(code) for code in extractive_regions(db))
    return (
        f"regions flagged is_extractive in marts.dim_region ({names}: the ones the mission's source "
        "names; dbt var investment_extractive_regions)"
    )


# --- headline figures -----------------------------------------------------------------------------


def _figure(key: str, value: str, label: str, detail: str, **facts: object) -> str:
    return (
        f"<div class='figure' data-figure='{key}'><div class='value'>{html.escape(value)}</div>"
        f"<div class='label'>{html.escape(label)}</div>"
        f"<p class='detail'>{html.escape(detail)}</p>{about(**facts)}</div>"
    )


def _inequality(db: Published, year: int, measure: str, weighting: str, variant: str) -> tuple | None:
    rows = db.rows(
        "select value, value_unit, formula, geo_version, n_regions, detail from marts.mart_inequality "
        "where geography = 'as_published' and indicator = ? and year = ? and measure = ? "
        "and weighting = ? and variant = ? and value is not null",
        [INDICATOR, year, measure, weighting, variant],
    )
    return rows[0] if rows else None


def _extremes(db: Published, detail: str | None) -> str:
    """'max: KZ-23; min: KZ-61' -> 'max: Atyrau Region; min: Turkestan Region'."""
    parts = []
    for part in (detail or "").split(";"):
        if ":" in part:
            label, code = (p.strip() for p in part.split(":", 1))
            parts.append(f"{label}: {db.name(code)}")
    return "; ".join(parts)


def headline(db: Published) -> Section:
    section = Section(
        "headline",
        "Headline figures",
        ["marts.mart_inequality", "marts.mart_national_level", "marts.mart_quality_flags", FACTS],
    )
    year = latest_year(db)
    if year is None or not db.has("marts.mart_inequality", "formula", "detail"):
        return unavailable(section)
    section.title = f"Headline figures, {year}"
    release = db.rows(
        f"select any_value(source_release_ids) from {FACTS} where year = ? and {INDICATOR} is not null",
        [year],
    )[0][0]
    grp_release = releases(release, "grp_nominal", "population_average")
    cards = []
    ratio = _inequality(db, year, "max_min_ratio", "unweighted", "default")
    if ratio:
        value, unit, formula, geo, n, detail = ratio
        without = _inequality(db, year, "max_min_ratio", "unweighted", "excluding_top_region")
        cards.append(
            _figure(
                "max-min-ratio",
                f"{value:.1f}",
                "richest / poorest region, GRP per capita",
                f"{_extremes(db, detail)}."
                + (
                    f" Without the top region: {without[0]:.1f} ({_extremes(db, without[5])})."
                    if without
                    else ""
                ),
                unit=unit,
                year=year,
                formula=formula,
                weighting="none (a ratio of two regions)",
                geography=f"as published, {geo} map, {n} regions",
                source=f"marts.mart_inequality; BNS releases {grp_release}",
                status="derived by the warehouse",
            )
        )
    if db.has("marts.mart_national_level", "pop_weighted_mean", "arithmetic_mean", "geo_version"):
        rows = db.rows(
            "select pop_weighted_mean, arithmetic_mean, published_national_value, unit, geo_version, "
            "n_regions_with_value from marts.mart_national_level where geography = 'as_published' "
            "and indicator = ? and year = ?",
            [INDICATOR, year],
        )
        if rows and rows[0][0] is not None:
            weighted, arithmetic, published, unit, geo, n = rows[0]
            cards.append(
                _figure(
                    "national-grp-per-capita",
                    f"{weighted / 1000:,.0f} vs {arithmetic / 1000:,.0f}",
                    "national GRP per capita: population-weighted vs arithmetic mean of regions",
                    f"The arithmetic mean, which counts small rich regions as much as large poor ones, is "
                    f"{(arithmetic / weighted - 1):+.1%} off the population-weighted one (= total GRP / "
                    f"total population"
                    + (f", {published / 1000:,.0f} as the national row gives it" if published else "")
                    + ").",
                    unit=f"thousand tenge per person per year ({unit} / 1000), nominal",
                    year=year,
                    formula="weighted: sum(GRP_r) / sum(pop_r); arithmetic: mean_r(GRP_r / pop_r)",
                    weighting="population (average annual) vs none",
                    geography=f"as published, {geo} map, {n} regions",
                    source=f"marts.mart_national_level; BNS releases {grp_release}",
                    status="derived by the warehouse from published GRP and population",
                )
            )
    weighted = _inequality(db, year, "gini", "population_weighted", "default")
    unweighted = _inequality(db, year, "gini", "unweighted", "default")
    if weighted and unweighted:
        cards.append(
            _figure(
                "gini",
                f"{weighted[0]:.3f} / {unweighted[0]:.3f}",
                "Gini of GRP per capita across regions: population-weighted / unweighted",
                "Weighted: regions count by their population (the headline); unweighted: each region "
                "counts once.",
                unit=f"{weighted[1]} / {unweighted[1]}",
                year=year,
                formula=f"weighted: {weighted[2]}; unweighted: {unweighted[2]}",
                weighting="average annual population / none",
                geography=f"as published, {weighted[3]} map, {weighted[4]} regions",
                source=f"marts.mart_inequality; BNS releases {grp_release}",
                status="derived by the warehouse",
            )
        )
    if db.has("marts.mart_quality_flags", "rule_id", "rule_name", "region_code", "year", "severity"):
        flagged = db.rows(
            "select region_code, string_agg(distinct rule_id || ' ' || rule_name || ' (' || severity || ')', "
            "', ' order by rule_id || ' ' || rule_name || ' (' || severity || ')') "
            "from marts.mart_quality_flags where year = ? and region_code is not null group by 1 order by 1",
            [year],
        )
        national = db.rows(
            "select count(*) from marts.mart_quality_flags where year = ? and region_code is null", [year]
        )[0][0]
        names = [f"{db.name(code)} ({rules})" for code, rules in flagged]
        cards.append(
            _figure(
                "flagged-regions",
                str(len(flagged)),
                "regions flagged by the quality checks",
                ("; ".join(names) or "none") + f". Flags on the national figures this year: {national}.",
                unit="regions (count)",
                year=year,
                formula="distinct region_code with at least one flag of rules A1-A7 in the year",
                geography="as published",
                source="marts.mart_quality_flags (rules and thresholds: METHODS.md section 5)",
                status="derived by the warehouse's anomaly rules",
            )
        )
    if not cards:
        return unavailable(section)
    section.body = f"<div class='headline-figures'>{''.join(cards)}</div>"
    section.note = (
        f"{year} is the latest year with both GRP per capita and money income per capita for every "
        "region. GRP per capita = GRP / average annual population; nominal tenge."
    )
    return section


# --- GRP per capita vs money income -----------------------------------------------------------------


def grp_vs_income(db: Published) -> Section:
    section = Section(
        "grp-vs-income",
        "GRP per capita against residents' money income per capita",
        [FACTS, "marts.dim_region"],
    )
    year = latest_year(db)
    if year is None or not db.has(FACTS, "region_code", "grp_per_capita_kzt"):
        return unavailable(section)
    extractive = extractive_regions(db)
    panels = {}
    for panel_year in sorted({BASE_YEAR, year}):
        rows = db.rows(
            f"select region_code, {INDICATOR} / 1000, money_income_per_capita_kzt_month * 12 / 1000 "
            f"from {FACTS} where year = ? and {INDICATOR} is not null "
            "and money_income_per_capita_kzt_month is not null order by region_code",
            [panel_year],
        )
        national = None
        if db.has("marts.fct_national_year", INDICATOR, "money_income_per_capita_kzt_month"):
            found = db.rows(
                f"select {INDICATOR} / 1000, money_income_per_capita_kzt_month * 12 / 1000 "
                "from marts.fct_national_year where year = ?",
                [panel_year],
            )
            national = found[0] if found and None not in found[0] else None
        if rows:
            panels[panel_year] = ([(db.name(c), x, y, c in extractive) for c, x, y in rows], national)
    if not panels:
        return unavailable(section)
    fig = charts.labelled_scatter(
        panels,
        xlabel="GRP per capita, thousand tenge per year",
        ylabel="money income per capita, thousand tenge per year",
        highlight_colour=EXTRACTIVE_COLOUR,
        other_colour=OTHER_COLOUR,
        highlight_label="extractive region",
    )
    section.title = f"GRP per capita against money income per capita, {BASE_YEAR} and {year}"
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        x_axis="GRP per capita = GRP (published, mln tenge) / average annual population; derived",
        y_axis="money income per capita, published by the BNS in tenge per month, x 12 here; derived",
        unit="thousand tenge per person per year, nominal (each year in its own prices)",
        dashed_line="the country's own ratio: points below it turn less of their GRP into "
        "residents' income than the country does",
        extractive=_extractive_rule(db),
        geography="as published (2010: 16 regions before the 2018 and 2022 splits)",
        source=f"{FACTS}; names: marts.dim_region.region_name_en",
    )
    section.note = (
        "Each point is a region, labelled with its name. Far right and low is where output does not "
        "become local income: extraction profits of non-resident owners and wages of rotational "
        "workers leave the region. Atyrau's GRP per capita is several times the country's; its "
        "residents' money income is much closer to the national level."
    )
    return section


def extractive_ratio(db: Published) -> Section:
    table = "marts.mart_competitiveness_cohesion"
    section = Section(
        "extractive-ratio", "GRP / income ratio of the extractive regions over time", [table, FACTS]
    )
    if not db.has(table, "region_code", "year", "grp_to_income_ratio_value"):
        return unavailable(section)
    extractive = extractive_regions(db)
    if not extractive:
        return unavailable(section)
    codes = list(extractive)
    marks = ", ".join("?" for _ in codes)
    rows = db.rows(
        f"select region_code, year, grp_to_income_ratio_value from {table} "
        f"where region_code in ({marks}) and grp_to_income_ratio_value is not null "
        "order by region_code, year",
        codes,
    )
    if not rows:
        return unavailable(section)
    lines = {db.name(code): values for code, values in series(rows).items()}
    styles: dict[str, dict] = {}
    if db.has("marts.fct_national_year", INDICATOR, "money_income_per_capita_kzt_month"):
        national = db.rows(
            f"select 'Kazakhstan', year, {INDICATOR} / (12 * money_income_per_capita_kzt_month) "
            f"from marts.fct_national_year where {INDICATOR} is not null "
            "and money_income_per_capita_kzt_month > 0 order by year"
        )
        lines.update(series(national))
        styles["Kazakhstan"] = {"color": "black", "linewidth": 2.4}
    fig = charts.line_chart(
        lines, ylabel="GRP per capita / annual money income per capita", styles=styles, legend_outside=True
    )
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        unit="ratio (tenge of GRP per tenge of residents' money income)",
        formula="annual GRP per capita / (12 x monthly money income per capita)",
        status="regions: published in the index mart (its cohesion indicator); Kazakhstan: derived "
        "here from marts.fct_national_year",
        extractive=_extractive_rule(db),
        geography="as published",
        source=f"{table}.grp_to_income_ratio_value; marts.fct_national_year",
    )
    section.note = (
        "A ratio far above the country's means the region's output is not its residents' income: "
        "GRP per capita overstates living standards there (rule A3 flags a ratio at least 1.5 times "
        "the national one)."
    )
    return section

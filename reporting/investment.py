"""Report sections of issue 16: where investment goes (the extractive regions), and how concentrated the
population is inside each region. One function per section, read from the published file; every number
is labelled with its unit, geography and source dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reporting import charts
from reporting.base import Section, unavailable
from reporting.base import table as html_table

if TYPE_CHECKING:
    from reporting.base import Published


SOURCE_NOTE = (
    "Source: BNS dynamic table 5546 (investment in fixed capital, dataset investment_fixed_capital), "
    "BNS GRP and money income (fct_region_year); geography as published (the regions of each year's map)."
)


def _pct(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"


def investment_concentration(db: Published) -> Section:
    table = "marts.mart_investment_concentration"
    section = Section(
        "investment-concentration", "Where investment goes: the six extractive regions", [table]
    )
    needed = ("year", "extractive_share", "extractive_population_share", "top3_share", "hhi")
    if not db.has(table, *needed, "gini_pc_population_weighted"):
        return unavailable(section)
    rows = db.rows(
        "select year, extractive_share, extractive_population_share, top3_share, "
        f"gini_pc_population_weighted from {table} order by year"
    )
    if not rows:
        return unavailable(section)
    years = [r[0] for r in rows]
    series = {
        "share of national investment, six extractive regions": (years, [100 * r[1] for r in rows]),
        "their share of the population": (years, [100 * r[2] for r in rows]),
        "share of the three largest recipients": (years, [100 * r[3] for r in rows]),
    }
    gini = [(r[0], 100 * r[4]) for r in rows if r[4] is not None]
    if gini:
        series["Gini of investment per capita x 100 (population-weighted)"] = tuple(zip(*gini, strict=True))
    fig = charts.line_chart(series, ylabel="% (fraction x 100)", legend_outside=True)
    latest = rows[-1]
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        f"In {latest[0]} the six extractive regions (Aktobe, Atyrau, West Kazakhstan, Karaganda, "
        f"Kyzylorda, Mangystau) received {100 * latest[1]:.1f} % of investment in fixed capital (mln KZT, "
        f"current prices) with {100 * latest[2]:.1f} % of the population. {SOURCE_NOTE}"
    )
    return section


def investment_and_income(db: Published) -> Section:
    table = "marts.mart_investment_region_year"
    section = Section(
        "investment-income", "Investment, GRP and income per capita relative to the country", [table]
    )
    needed = (
        "year",
        "region_name_en",
        "investment_pc_to_national",
        "grp_pc_to_national",
        "income_pc_to_national",
    )
    if not db.has(table, *needed, "flag_investment_income_gap"):
        return unavailable(section)
    latest = db.rows(f"select max(year) from {table} where grp_pc_to_national is not null")[0][0]
    if latest is None:
        return unavailable(section)
    rows = db.rows(
        f"select region_name_en, investment_pc_to_national, grp_pc_to_national, income_pc_to_national, "
        f"flag_investment_income_gap from {table} where year = ? order by investment_pc_to_national desc",
        [latest],
    )
    fig = charts.bar_chart(
        [r[0] + (" *" if r[4] else "") for r in rows],
        [r[1] for r in rows],
        xlabel=f"investment per capita {latest}, Kazakhstan = 1",
        reference=1,
        markers={"GRP per capita": [r[2] for r in rows], "money income per capita": [r[3] for r in rows]},
    )
    section.title = f"Investment, GRP and income per capita relative to the country, {latest}"
    flagged = [r[0] for r in rows if r[4]]
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Ratios to the national value (total / total): investment per capita (bars), GRP per capita and "
        "money income per capita (points). * = investment and GRP per capita both >= 1.5 x national while "
        "income gets at most half of the GRP advantage (flag_investment_income_gap): "
        f"{', '.join(flagged) or 'none'}. " + SOURCE_NOTE
    )
    return section


def within_region(db: Published) -> Section:
    table = "marts.mart_within_region_concentration"
    section = Section(
        "within-region", "Inside the regions: population concentration, 1 January 2023", [table]
    )
    needed = ("region_name_en", "largest_unit_share", "admin_centre_share", "gini_unit_population")
    if not db.has(table, *needed, "urban_share_pct", "n_units"):
        return unavailable(section)
    rows = db.rows(
        f"select region_name_en, n_units, largest_unit_share, admin_centre_share, gini_unit_population, "
        f"urban_share_pct from {table} order by gini_unit_population desc"
    )
    if not rows:
        return unavailable(section)
    fmt = [
        (
            r[0],
            r[1],
            f"{100 * r[2]:.1f}",
            "" if r[3] is None else f"{100 * r[3]:.1f}",
            f"{r[4]:.3f}",
            f"{r[5]:.1f}",
        )
        for r in rows
    ]
    section.body = html_table(
        ["region", "units", "largest unit, % of pop.", "admin. centre, % of pop.", "Gini of unit populations",
         "urban, %"],
        fmt,
    )  # fmt: skip
    section.note = (
        "Population concentration, NOT income inequality: how the region's people are spread over its "
        "districts and city administrations (persons, 1 January 2023, 2022 map). Source: BNS bulletin 18 "
        "(dataset population_by_district), sheet 02."
    )
    return section


#: The sections of this module, in report order (reporting.report.SECTIONS includes them).
SECTIONS = [investment_concentration, investment_and_income, within_region]

__all__ = ["SECTIONS", "investment_and_income", "investment_concentration", "within_region"]

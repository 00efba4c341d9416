"""Report section: the seed study's figure (Rodriguez-Pose & Bartalucci for the ADB, 2021), rebuilt.

The study plotted GRP per capita by region with "country values calculated as the arithmetic average
of regional values". This section draws the same regions from mart_study_grp_per_capita and, beside
the study's arithmetic mean, the population-weighted mean (the true national value) and the figure BNS
publishes, shading the years whose population is derived from 1 January values. Every number comes
from the mart; Python only selects and draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reporting import charts
from reporting.base import Section, series, unavailable

if TYPE_CHECKING:
    from reporting.base import Published

TABLE = "marts.mart_study_grp_per_capita"
COUNTRY_SERIES = {  # column: (legend label, line style)
    "country_arithmetic_mean_kzt": (
        "Kazakhstan as the study computed it (arithmetic mean of regions)",
        {"color": "#d62728", "linewidth": 2.4, "linestyle": ":"},
    ),
    "country_pop_weighted_mean_kzt": (
        "Kazakhstan, population-weighted mean (national GRP / population)",
        {"color": "#1f77b4", "linewidth": 2.4, "linestyle": "--"},
    ),
    "country_published_kzt": (
        "Kazakhstan, published by BNS",
        {"color": "black", "linewidth": 2.0},
    ),
}
REGION_STYLE = {"color": "#b0b0b0", "linewidth": 0.8}


def study_grp_per_capita(db: Published) -> Section:
    """GRP per capita by region and the country value three ways, 2000 to the latest year."""

    section = Section(
        "study-grp-per-capita",
        "The study's figure: GRP per capita by region and the country value three ways",
        [TABLE],
    )
    if not db.has(TABLE, "year", "region_name_en", "grp_per_capita_kzt", *COUNTRY_SERIES):
        return unavailable(section)
    regions = db.rows(
        f"select region_name_en, year, grp_per_capita_kzt / 1000 from {TABLE} order by region_name_en, year"
    )
    if not regions:
        return unavailable(section)
    lines = series(regions)
    styles = {name: REGION_STYLE for name in lines}
    for column, (label, style) in COUNTRY_SERIES.items():
        rows = db.rows(
            f"select distinct ?, year, {column} / 1000 from {TABLE} where {column} is not null order by year",
            [label],
        )
        lines.update(series(rows))
        styles[label] = style
    derived = [
        year
        for (year,) in db.rows(
            f"select distinct year from {TABLE} where year_population_method <> 'published' order by year"
        )
    ]
    fig = charts.line_chart(
        lines, ylabel="thousand tenge per person (log scale)", log=True, styles=styles, legend_outside=True
    )
    if derived:
        fig.axes[0].axvspan(min(derived) - 0.5, max(derived) + 0.5, color="#f2e6c9", alpha=0.6, zorder=0)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    keep = [i for i, label in enumerate(labels) if label not in styles or styles[label] is not REGION_STYLE]
    fig.axes[0].legend(
        [handles[i] for i in keep],
        [labels[i] for i in keep],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=7,
        frameon=False,
    )
    section.body = charts.svg_of(fig, section.id, section.title)
    span = f"{min(derived)}-{max(derived)}" if derived else "none"
    section.note = (
        "Grey: each region's GRP over its average annual population (as-published map of the year). "
        "The study's country value is the arithmetic mean of the regions, which gives small oil regions "
        "(Atyrau, Mangystau) the weight of large poor ones and overstates the national level; the "
        "population-weighted mean is national GRP over national population. Shaded years "
        f"({span}): no average annual population is published, so it is the mean of the 1 January "
        "populations of the year and the next (population_method 'derived_mean_1jan'). The study starts "
        "in 1998; the data snapshot has no regional population for 1998-1999."
    )
    return section

"""One page per current region, beside the report (``regions/<code>.html``), linked from the maps.

Why: the EU Regional Competitiveness Index publishes a scorecard for every region, its indicators
and scores against the EU level. The same here, against Kazakhstan: the region's latest values, the
national value, the ratio and its rank among the regions; its index scores and their robustness;
its series over time against the country's; its quality flags. Every number is read from the
published facts and marts; the few the page derives (a ratio to the national value, a rank) say so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from reporting import charts
from reporting.base import REGION_PAGE, Published, about, page_html, table, write_atomically

FACTS = "marts.fct_region_year"
NATIONAL = "marts.fct_national_year"
INDEX = "marts.mart_competitiveness_cohesion"


@dataclass(frozen=True)
class Indicator:
    column: str
    label: str
    unit: str
    status: str
    higher_is_better: bool = True


#: The scorecard's rows: a column of both fct_region_year and fct_national_year.
SCORECARD = (
    Indicator(
        "grp_per_capita_kzt",
        "GRP per capita",
        "tenge per person per year",
        "derived: GRP / average population",
    ),
    Indicator("grp_per_capita_usd", "GRP per capita", "US dollars per person per year", "published (BNS)"),
    Indicator(
        "money_income_per_capita_kzt_month",
        "Money income per capita",
        "tenge per person per month",
        "published (BNS)",
    ),
    Indicator(
        "avg_nominal_wage_thousand_kzt", "Average nominal wage", "thousand tenge per month", "published"
    ),
    Indicator("grp_real_growth_pct", "Real GRP growth", "% on the previous year", "published (BNS)"),
    Indicator("poverty_share_pct", "Below the subsistence minimum", "% of population", "published", False),
    Indicator("unemployment_rate_pct", "Unemployment rate", "% of labour force", "published (LFS)", False),
    Indicator("life_expectancy_years", "Life expectancy at birth", "years", "published (BNS)"),
    Indicator(
        "physicians_per_10k", "Physicians", "per 10,000 population", "derived: physicians / population"
    ),
    Indicator("population_avg", "Population (annual average)", "persons", "published (BNS)"),
)
INDEX_SCORES = (
    ("rcci_national_100", "Regional Competitiveness and Cohesion Index", "rcci_rank"),
    ("competitiveness_national_100", "competitiveness sub-index", "competitiveness_rank"),
    ("cohesion_national_100", "cohesion block", "cohesion_rank"),
    ("health_pillar", "health pillar (z)", None),
    ("labour_market_pillar", "labour market pillar (z)", None),
    ("market_size_pillar", "market size pillar (z)", None),
)


def _scorecard(db: Published, code: str) -> str:
    rows = []
    for ind in SCORECARD:
        if not db.has(FACTS, ind.column) or not db.has(NATIONAL, ind.column):
            continue
        order = "desc" if ind.higher_is_better else "asc"
        found = db.rows(
            f"with latest as (select max(year) as year from {FACTS} "
            f"where region_code = ? and {ind.column} is not null), "
            f"ranked as (select region_code, year, {ind.column} as value, "
            f"rank() over (order by {ind.column} {order}) as rank, count(*) over () as n "
            f"from {FACTS} where year = (select year from latest) and {ind.column} is not null) "
            f"select ranked.year, value, national.{ind.column}, rank, n from ranked "
            f"left join {NATIONAL} as national on national.year = ranked.year where ranked.region_code = ?",
            [code, code],
        )
        if not found:
            continue
        year, value, national, rank, n = found[0]
        ratio = None if not national else 100 * value / national
        rows.append(
            (
                ind.label,
                ind.unit,
                ind.status,
                year,
                value,
                national,
                None if ratio is None else round(ratio, 1),
                f"{rank} of {n}",
            )
        )
    if not rows:
        return "<p class='unavailable'>Not available in this build: no facts for this region.</p>"
    columns = [
        "indicator",
        "unit",
        "published or derived",
        "year",
        "region",
        "Kazakhstan",
        "region, Kazakhstan = 100 (derived)",
        "rank among regions (1 = best, derived)",
    ]
    return table(columns, rows, css="scorecard") + about(
        Kazakhstan="the national row of marts.fct_national_year (total over total)",
        rank="among the regions of the same year on the map of that year; for unemployment and "
        "poverty 1 = lowest",
        source=f"{FACTS}, {NATIONAL}",
    )


def _index_scores(db: Published, code: str) -> str:
    if not db.has(INDEX, "region_code", "year", "rcci_national_100"):
        return "<p class='unavailable'>Not available in this build: marts.mart_competitiveness_cohesion.</p>"
    found = db.rows(
        f"select max(year) from {INDEX} where region_code = ? and rcci_national_100 is not null", [code]
    )
    year = found[0][0]
    if year is None:
        return "<p class='unavailable'>No index score for this region in this build.</p>"
    rows = []
    for column, label, rank_column in INDEX_SCORES:
        if not db.has(INDEX, column):
            continue
        rank_sql = f"{rank_column}" if rank_column and db.has(INDEX, rank_column) else "null"
        value, rank, n = db.rows(
            f"select {column}, {rank_sql}, (select count(*) from {INDEX} where year = ? "
            f"and {column} is not null) from {INDEX} where region_code = ? and year = ?",
            [year, code, year],
        )[0]
        rows.append((label, year, value, None if rank is None else f"{rank} of {n}"))
    extra = []
    if db.has("marts.mart_rcci_robustness", "region_code", "year", "min_rank", "max_rank"):
        ranges = db.rows(
            "select min_rank, max_rank from marts.mart_rcci_robustness where region_code = ? and year = ?",
            [code, year],
        )
        if ranges and ranges[0][0] is not None:
            extra.append(f"RCCI rank over the 40-variant robustness grid: {ranges[0][0]} to {ranges[0][1]}.")
    if db.has("marts.mart_development_trap", "region_code", "year", "dt_share", "at_risk", "geography"):
        trap = db.rows(
            "select year, dt_share, at_risk from marts.mart_development_trap where region_code = ? "
            "and geography = 'as_published' and dt_share is not null order by year desc limit 1",
            [code],
        )
        if trap:
            t_year, share, risk = trap[0]
            extra.append(
                f"Development Trap Index {t_year}: {share:.2f} of the growth comparisons failed"
                f"{' (at risk)' if risk else ''}."
            )
    notes = "".join(f"<p class='note'>{html.escape(e)}</p>" for e in extra)
    return (
        table(["score", "year", "value", "rank among regions"], rows, css="scores")
        + notes
        + about(
            unit="index, Kazakhstan = 100 (sub-indices and index); pillars: z-scores across the regions "
            "of the year (0 = the regions' mean)",
            status="derived by the warehouse (methodology: docs/methodology_indices.md)",
            source=f"{INDEX}, marts.mart_rcci_robustness, marts.mart_development_trap",
        )
    )


def _series_chart(db: Published, code: str, name: str) -> str:
    panels: dict[str, dict] = {}
    for column, label, scale in (
        ("grp_per_capita_kzt", "GRP per capita, thousand tenge per year", 1000),
        ("money_income_per_capita_kzt_month", "money income per capita, tenge per month", 1),
        ("unemployment_rate_pct", "unemployment rate, %", 1),
        ("life_expectancy_years", "life expectancy, years", 1),
    ):
        if not (db.has(FACTS, column) and db.has(NATIONAL, column)):
            continue
        region = db.rows(
            f"select year, {column} / {scale} from {FACTS} where region_code = ? and {column} is not null "
            "order by year",
            [code],
        )
        national = db.rows(
            f"select year, {column} / {scale} from {NATIONAL} where {column} is not null order by year"
        )
        if region:
            panels[label] = {
                name: ([r[0] for r in region], [r[1] for r in region]),
                "Kazakhstan": ([r[0] for r in national], [r[1] for r in national]),
            }
    if db.has(INDEX, "rcci_national_100"):
        index = db.rows(
            f"select year, rcci_national_100 from {INDEX} where region_code = ? "
            "and rcci_national_100 is not null order by year",
            [code],
        )
        if index:
            years = [r[0] for r in index]
            panels["RCCI, Kazakhstan = 100"] = {
                name: (years, [r[1] for r in index]),
                "Kazakhstan": (years, [100.0] * len(years)),
            }
    if db.has(FACTS, "grp_per_capita_kzt"):
        ranks = db.rows(
            f"select year, rank from (select region_code, year, rank() over (partition by year "
            f"order by grp_per_capita_kzt desc) as rank from {FACTS} where grp_per_capita_kzt is not null) "
            "where region_code = ? order by year",
            [code],
        )
        if ranks:
            panels["rank by GRP per capita (1 = highest)"] = {
                name: ([r[0] for r in ranks], [r[1] for r in ranks])
            }
    if not panels:
        return "<p class='unavailable'>Not available in this build: no series for this region.</p>"
    fig = charts.small_multiples(
        panels, styles={name: {"color": "#1f77b4"}, "Kazakhstan": {"color": "#888888"}}, columns=3
    )
    return charts.svg_of(fig, f"series-{code}", f"{name}: series against Kazakhstan") + about(
        Kazakhstan="the national row of marts.fct_national_year; for the index, 100 by construction",
        geography="as published: the series of this region code only (before a split the parent "
        "region's figures are on its own page or none)",
        status="GRP per capita derived (GRP / average population); the others published; rank derived",
        source=f"{FACTS}, {NATIONAL}, {INDEX}",
    )


def _flags(db: Published, code: str) -> str:
    table_name = "marts.mart_quality_flags"
    if not db.has(table_name, "region_code", "rule_id", "rule_name", "severity", "year", "explanation"):
        return "<p class='unavailable'>Not available in this build: marts.mart_quality_flags.</p>"
    comparable = None
    if db.has("marts.dim_region", "comparable_region_code"):
        comparable = db.rows(
            "select comparable_region_code from marts.dim_region where region_code = ?", [code]
        )[0][0]
    rows = db.rows(
        f"select year, rule_id, rule_name, severity, geography, explanation from {table_name} "
        "where region_code in (?, ?) order by year desc, rule_id",
        [code, comparable or code],
    )
    if not rows:
        return "<p class='note'>No quality flag concerns this region in this publication.</p>"
    return table(["year", "rule", "name", "severity", "geography", "explanation"], rows, css="flags") + about(
        rules=f"A1-A7, METHODS.md section 5; flags of the region's comparable unit ({comparable}) included"
        if comparable and comparable != code
        else "A1-A7, METHODS.md section 5",
        source=table_name,
    )


def _region_page(db: Published, code: str, codes: list[str], meta: dict[str, str], footer: str) -> str:
    name = db.name(code)
    info = db.rows(
        "select region_name_ru, region_name_kk, region_type, macro_region, valid_from_year, "
        "comparable_region_name_en, split_from_region_code, split_year from marts.dim_region "
        "where region_code = ?",
        [code],
    )[0]
    name_ru, name_kk, kind, macro, since, comparable, parent, split = info
    facts = f"{code} · {kind} · {macro} macro-region · on the map since {since}"
    if parent:
        facts += f" · split from {db.name(parent)} in {split}"
    facts += f" · comparable unit: {comparable}"
    i = codes.index(code)
    prev_code, next_code = codes[i - 1], codes[(i + 1) % len(codes)]
    nav = (
        "<nav class='pager'><a href='../report.html'>← report</a> · "
        f"<a href='../report.html#choropleth'>map</a> · "
        f"<a href='{prev_code}.html'>previous: {html.escape(db.name(prev_code))}</a> · "
        f"<a href='{next_code}.html'>next: {html.escape(db.name(next_code))}</a></nav>"
    )
    header = (
        f"<h1>{html.escape(name)}</h1><p>{html.escape(name_kk or '')} · {html.escape(name_ru or '')}</p>"
        f"<p class='meta'>{html.escape(facts)}</p><p class='meta'>"
        + " · ".join(f"{html.escape(k)}: <code>{html.escape(v)}</code>" for k, v in meta.items())
        + f"</p>{nav}"
    )
    sections = (
        ("scorecard", "Scorecard: the region against Kazakhstan", _scorecard(db, code)),
        ("index-scores", "Index scores", _index_scores(db, code)),
        ("series", "Over time, against Kazakhstan", _series_chart(db, code, name)),
        ("quality-flags", "Quality flags", _flags(db, code)),
    )
    body = "".join(
        f"<section id='{sid}'><h2>{html.escape(title)}</h2>{content}</section>"
        for sid, title, content in sections
    )
    return page_html(f"{name}: regional scorecard", header, body, footer)


def render_region_pages(
    db: Published, directory: Path, meta: dict[str, str], attribution: str
) -> dict[str, Path]:
    """Write ``regions/<code>.html`` under ``directory`` for every current region; code -> path."""
    codes = db.current_regions
    footer = f"<p class='attribution'>{html.escape(attribution)}</p>"
    pages = {}
    for code in codes:
        out = directory / REGION_PAGE.format(code=code)
        write_atomically(out, _region_page(db, code, codes, meta, footer))
        pages[code] = out
    return pages

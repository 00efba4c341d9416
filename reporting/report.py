"""The static HTML report, rendered from the PUBLISHED DuckDB file only (never the build file).

One read-only connection reads everything, so the whole report shows one publication. Each section
asks whether its mart exists in that file; one that does not says "not available in this build"
instead of failing. Python draws, SQL computes: every number comes from a mart or a fact table as
published, the report only selects and plots it.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reporting import charts, investment

REPO_ROOT = Path(__file__).resolve().parent.parent
GEOJSON = REPO_ROOT / "ingestion" / "snapshot" / "geo" / "kz_regions_2022_boundaries_simplemaps.geojson"
ATTRIBUTION = (
    "Data: Bureau of National Statistics of the Republic of Kazakhstan (stat.gov.kz), through this "
    "warehouse's published marts. Region boundaries (2022): simplemaps.com (their terms apply), as copied "
    "in the kazakhstan-map-vue project; simplified for drawing."
)
UNAVAILABLE = "Not available in this build"
#: The indicator of the inequality charts: GRP per capita computed as GRP / average population.
INDICATOR = "grp_per_capita_kzt"
NATIONAL_INDICATORS = {  # indicator: (chart title, unit after / 1000)
    "grp_per_capita_published_kzt": ("GRP per capita (the BNS figure)", "thousand tenge per year"),
    "money_income_per_capita_kzt": ("Money income per capita", "thousand tenge per month"),
}
NATIONAL_STYLES = {
    "published national value": {"color": "black", "linewidth": 2.4},
    "population-weighted mean": {"color": "#1f77b4", "linestyle": "--"},
    "arithmetic mean": {"color": "#d62728", "linestyle": ":"},
}
INEQUALITY_PANELS = {
    "gini": "Gini",
    "theil_t": "Theil T",
    "theil_l": "Theil L (mean log deviation)",
    "cv": "CV / Williamson",
    "williamson": "CV / Williamson",
    "atkinson": "Atkinson (e = 1)",
    "sigma_log": "sigma of ln y",
}
QUALITY_COLUMNS = (
    "severity",
    "rule_id",
    "rule_name",
    "year",
    "region_name_en",
    "indicator",
    "metric",
    "measured_value",
    "comparator",
    "threshold",
    "explanation",
)
QUALITY_ROWS = 300
SEVERITY_COLOURS = {"error": "#d62728", "warn": "#f0a030"}
THEIL_LABELS = {"theil_t": "Theil T", "theil_l": "Theil L"}
WEIGHTING_LABELS = {"population_weighted": "population-weighted", "unweighted": "unweighted"}
WEIGHTING_STYLES = {
    "population-weighted": {"color": "#1f77b4"},
    "unweighted": {"color": "#ff7f0e", "linestyle": "--"},
}


@dataclass
class Section:
    id: str
    title: str
    sources: list[str]
    body: str = ""
    available: bool = True
    note: str = ""


@dataclass
class ReportResult:
    path: Path
    version: str | None
    sections: list[Section] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [s.id for s in self.sections if not s.available]


class Published:
    """Read-only access to one published file: which tables exist, what columns they have."""

    def __init__(self, con: duckdb.DuckDBPyConnection, geojson: Path = GEOJSON) -> None:
        self.con = con
        self.geojson = geojson
        rows = con.execute(
            "select schema_name || '.' || table_name, list(column_name order by column_index) "
            "from duckdb_columns() where database_name = current_database() group by all"
        ).fetchall()
        self.columns: dict[str, list[str]] = dict(rows)

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and all(c in self.columns[table] for c in columns)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()


def _series(rows: list[tuple]) -> dict[str, tuple[list, list]]:
    """(name, x, y) rows -> {name: (xs, ys)}, in row order."""
    out: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for name, x, y in rows:
        out[name][0].append(x)
        out[name][1].append(y)
    return dict(out)


# --- sections ---------------------------------------------------------------------------------------


def grp_per_capita(db: Published) -> Section:
    section = Section("grp-per-capita", "GRP per capita by region over time", ["marts.fct_region_year"])
    if not db.has("marts.fct_region_year", "region_name_en", "year", "grp_per_capita_kzt"):
        return _unavailable(section)
    rows = db.rows(
        "select region_name_en, year, grp_per_capita_kzt / 1000 from marts.fct_region_year "
        "where grp_per_capita_kzt is not null order by region_name_en, year"
    )
    series = _series(rows)
    styles = {name: {"linestyle": ("-", "--", ":")[i // 10]} for i, name in enumerate(series)}
    if db.has("marts.fct_national_year", "year", "grp_per_capita_kzt"):
        section.sources.append("marts.fct_national_year")
        national = db.rows(
            "select 'Kazakhstan', year, grp_per_capita_kzt / 1000 from marts.fct_national_year "
            "where grp_per_capita_kzt is not null order by year"
        )
        series.update(_series(national))
        styles["Kazakhstan"] = {"color": "black", "linewidth": 2.4}
    fig = charts.line_chart(
        series, ylabel="thousand tenge per person (log scale)", log=True, styles=styles, legend_outside=True
    )
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Nominal GRP over average annual population, as-published geography: a line stops or starts "
        "where the map of regions changed (2018: Shymkent and Turkestan; 2022: Abai, Zhetisu, Ulytau). "
        "Black: the country (national GRP over national population)."
    )
    return section


def national_three_ways(db: Published) -> Section:
    table = "marts.mart_national_level"
    section = Section(
        "national-three-ways",
        "National level three ways: published, population-weighted mean, arithmetic mean",
        [table],
    )
    needed = ("geography", "indicator", "year", "published_national_value", "pop_weighted_mean")
    if not db.has(table, *needed, "arithmetic_mean"):
        return _unavailable(section)
    body = []
    for indicator, (title, unit) in NATIONAL_INDICATORS.items():
        rows = db.rows(
            f"select year, published_national_value / 1000, pop_weighted_mean / 1000, arithmetic_mean / 1000 "
            f"from {table} where geography = 'as_published' and indicator = ? order by year",
            [indicator],
        )
        if not rows:
            continue
        series = {
            name: ([r[0] for r in rows if r[i] is not None], [r[i] for r in rows if r[i] is not None])
            for i, name in enumerate(
                ("published national value", "population-weighted mean", "arithmetic mean"), 1
            )
        }
        fig = charts.line_chart(series, ylabel=unit, title=title, styles=NATIONAL_STYLES, height=3.4)
        body.append(charts.svg_of(fig, f"{section.id}-{indicator}", f"{section.title}: {indicator}"))
    if not body:
        return _unavailable(section)
    section.body = "\n".join(body)
    section.note = (
        "The national per-capita value is total over total, i.e. the population-weighted mean of the "
        "regions. The arithmetic mean gives a small rich region (Atyrau) the weight of a large poor one "
        "and overstates it: the gap between the two lines is the masking the warehouse flags."
    )
    return section


def inequality_over_time(db: Published) -> Section:
    table = "marts.mart_inequality"
    section = Section(
        "inequality-over-time",
        "Inequality of GRP per capita over time, population-weighted and unweighted",
        [table],
    )
    if not db.has(table, "geography", "indicator", "year", "measure", "weighting", "variant", "value"):
        return _unavailable(section)
    rows = db.rows(
        f"select measure, weighting, year, value from {table} where geography = 'as_published' "
        "and indicator = ? and value is not null "
        "and (variant = 'default' or (measure = 'atkinson' and variant = 'epsilon_1')) "
        "order by measure, year",
        [INDICATOR],
    )
    panels: dict[str, dict] = defaultdict(dict)
    for (measure, weighting), values in _series([((m, w), y, v) for m, w, y, v in rows]).items():
        panel = INEQUALITY_PANELS.get(measure)
        if panel:
            panels[panel][WEIGHTING_LABELS[weighting]] = values
    if not panels:
        return _unavailable(section)
    ordered = {p: panels[p] for p in dict.fromkeys(INEQUALITY_PANELS.values()) if p in panels}
    fig = charts.small_multiples(ordered, styles=WEIGHTING_STYLES)
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Solid: population-weighted (the headline: regions count by their population); dashed: "
        "unweighted (each region counts once). The coefficient of variation's weighted form is the "
        "Williamson index; the Atkinson index is shown for inequality aversion 1."
    )
    return section


def theil_decomposition(db: Published) -> Section:
    table = "marts.mart_inequality_decomposition"
    section = Section("theil-decomposition", "Theil decomposition: between and within macro-regions", [table])
    needed = (
        "geography",
        "indicator",
        "year",
        "measure",
        "weighting",
        "partition_name",
        "component",
        "value",
    )
    if not db.has(table, *needed):
        return _unavailable(section)
    rows = db.rows(
        f"select measure, weighting, component, year, value from {table} where geography = 'as_published' "
        "and indicator = ? and partition_name = 'macro_region' and component in ('between', 'within') "
        "and value is not null order by measure, weighting, component, year",
        [INDICATOR],
    )
    panels: dict[str, dict] = defaultdict(dict)
    for (measure, weighting, component), values in _series([(r[:3], r[3], r[4]) for r in rows]).items():
        panels[f"{THEIL_LABELS[measure]}, {WEIGHTING_LABELS[weighting]}"][f"{component} macro-regions"] = (
            values
        )
    if not panels:
        return _unavailable(section)
    fig = charts.stacked_multiples(dict(sorted(panels.items())))
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Between + within = the Theil index of the year (exact decomposition); groups: West, North, "
        "Central, East, South. Theil T weights the within part by output shares, Theil L by population."
    )
    return section


def spatial_autocorrelation(db: Published) -> Section:
    table = "marts.mart_spatial_autocorrelation"
    section = Section(
        "spatial-autocorrelation", "Spatial autocorrelation: Moran's I of GRP per capita", [table]
    )
    needed = ("geography", "indicator", "year", "transform", "weights_style", "city_scope", "moran_i")
    if not db.has(table, *needed, "expected_i"):
        return _unavailable(section)
    rows = db.rows(
        f"select transform || ', ' || replace(city_scope, '_', ' '), year, moran_i from {table} "
        "where geography = 'as_published' and indicator = ? and weights_style = 'row_standardised' "
        "and moran_i is not null order by 1, 2",
        [INDICATOR],
    )
    if not rows:
        return _unavailable(section)
    fig = charts.line_chart(_series(rows), ylabel="Moran's I (row-standardised contiguity)", height=3.4)
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Above its expectation under no autocorrelation, -1/(n-1) (about -0.05), neighbouring regions "
        "are alike; below it, unlike. The three cities are enclaves with one neighbour each."
    )
    return section


def choropleth(db: Published) -> Section:
    section = Section("choropleth", "Map: GRP per capita in the latest year", ["marts.fct_region_year"])
    needed = ("region_code", "year", "geo_version", "grp_per_capita_kzt")
    if not db.has("marts.fct_region_year", *needed) or not db.geojson.exists():
        return _unavailable(section)
    # The boundaries are those of 2022: map the latest year drawn on that map.
    latest = db.rows(
        "select max(year) from marts.fct_region_year "
        "where geo_version = '2022' and grp_per_capita_kzt is not null"
    )[0][0]
    if latest is None:
        return _unavailable(section)
    values = dict(
        db.rows(
            "select region_code, grp_per_capita_kzt / 1000 from marts.fct_region_year where year = ?",
            [latest],
        )
    )
    regions = charts.load_regions(db.geojson)
    fig, tooltips = charts.choropleth(
        regions, values, label=f"GRP per capita {latest}, thousand tenge (log scale)"
    )
    section.title = f"Map: GRP per capita, {latest}"
    section.body = charts.svg_of(fig, section.id, section.title, titles=tooltips)
    section.note = "Hover over a region for its value. Grey: no value published for that year."
    return section


def development_trap(db: Published) -> Section:
    table = "marts.mart_development_trap"
    section = Section("development-trap", "Development Trap Index (share of comparisons failed)", [table])
    if not db.has(table, "region_name_en", "year", "dt_share", "at_risk", "geography"):
        return _unavailable(section)
    rows = db.rows(
        f"select region_name_en, year, dt_share, at_risk from {table} "
        "where geography = 'as_published' order by region_name_en, year"
    )
    names = sorted({r[0] for r in rows})
    years = sorted({r[1] for r in rows})
    values = {(name, year): share for name, year, share, _ in rows}
    marks = [(name, year) for name, year, _, risk in rows if risk]
    fig = charts.heatmap(names, years, values, marks=marks, colorbar_label="dt_share", mark_label="at risk")
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Share of the growth comparisons (own past and national, for GRP per capita, productivity and "
        "employment) on which the region underperforms; a dot marks a region-year flagged at risk."
    )
    return section


def competitiveness(db: Published) -> Section:
    table = "marts.mart_competitiveness_cohesion"
    section = Section("competitiveness", "Regional Competitiveness and Cohesion Index", [table])
    needed = ("region_name_en", "year", "rcci_national_100", "competitiveness_national_100")
    if not db.has(table, *needed, "cohesion_national_100"):
        return _unavailable(section)
    latest = db.rows(f"select max(year) from {table} where rcci_national_100 is not null")[0][0]
    if latest is None:
        return _unavailable(section)
    rows = db.rows(
        f"select region_name_en, rcci_national_100, competitiveness_national_100, cohesion_national_100 "
        f"from {table} where year = ? and rcci_national_100 is not null order by rcci_national_100 desc",
        [latest],
    )
    fig = charts.bar_chart(
        [r[0] for r in rows],
        [r[1] for r in rows],
        xlabel=f"RCCI {latest} (Kazakhstan = 100)",
        reference=100,
        markers={"competitiveness": [r[2] for r in rows], "cohesion": [r[3] for r in rows]},
    )
    section.title = f"Regional Competitiveness and Cohesion Index, {latest}"
    section.body = charts.svg_of(fig, section.id, section.title)
    section.note = (
        "Bars: the index; points: its competitiveness and cohesion parts. Dashed line: the country."
    )
    return section


def quality_flags(db: Published) -> Section:
    table = "marts.mart_quality_flags"
    section = Section("quality-flags", "Quality flags", [table])
    if table not in db.columns:
        return _unavailable(section)
    columns = db.columns[table]
    shown = [c for c in QUALITY_COLUMNS if c in columns] or columns
    count = db.rows(f"select count(*) from {table}")[0][0]
    order = "order by severity, year desc nulls last" if {"severity", "year"} <= set(columns) else ""
    rows = db.rows(f"select {', '.join(shown)} from {table} {order} limit {QUALITY_ROWS}")
    body = []
    if count and {"rule_id", "rule_name", "severity"} <= set(columns):
        counts = db.rows(
            f"select rule_id || ' ' || rule_name || ' (' || severity || ')', count(*), severity from {table} "
            "group by all order by 2 desc, 1"
        )
        fig = charts.bar_chart(
            [c[0] for c in counts],
            [c[1] for c in counts],
            xlabel="flags raised",
            colors=[SEVERITY_COLOURS.get(c[2], "#4c78a8") for c in counts],
        )
        body.append(charts.svg_of(fig, section.id, section.title))
    body.append(_table(shown, rows))
    if count > len(rows):
        body.append(f"<p class='note'>First {len(rows)} of {count} flags; all of them: {table}.</p>")
    section.body = "\n".join(body)
    section.note = (
        f"{count} flags in this publication: the anomaly rules A1-A7 (national figure computed as an "
        "arithmetic mean, masking gap, GRP far above resident income, resource enclaves, dominance of "
        "one region, growth decoupling). Errors first."
    )
    return section


SECTIONS: list[Callable[[Published], Section]] = [
    grp_per_capita,
    national_three_ways,
    inequality_over_time,
    theil_decomposition,
    spatial_autocorrelation,
    choropleth,
    development_trap,
    competitiveness,
    quality_flags,
    *investment.SECTIONS,
]


# --- HTML --------------------------------------------------------------------------------------------


def _unavailable(section: Section) -> Section:
    section.available = False
    section.body = (
        f"<p class='unavailable'>{UNAVAILABLE}: {', '.join(html.escape(s) for s in section.sources)} "
        "is absent from the published database or holds nothing to draw here.</p>"
    )
    return section


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _table(columns: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 1rem 1.5rem;
       color: #222; line-height: 1.45; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
nav ol { columns: 2; font-size: 0.9rem; }
section { margin: 2rem 0; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #eee; }
.chart { width: 100%; height: auto; }
.note, .meta { color: #555; font-size: 0.85rem; }
.unavailable { background: #fff4e5; border-left: 4px solid #f0a030; padding: 0.5rem 1rem; }
.scroll { overflow-x: auto; max-height: 30rem; }
table { border-collapse: collapse; font-size: 0.75rem; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; white-space: nowrap; }
footer { border-top: 1px solid #ccc; margin-top: 2rem; color: #555; font-size: 0.8rem; }
"""


def _page(sections: list[Section], meta: dict[str, str]) -> str:
    toc = "".join(
        f"<li><a href='#{s.id}'>{html.escape(s.title)}</a>{'' if s.available else ' (not available)'}</li>"
        for s in sections
    )
    parts = []
    for s in sections:
        sources = ", ".join(f"<code>{html.escape(x)}</code>" for x in s.sources)
        note = f"<p class='note'>{html.escape(s.note)}</p>" if s.note else ""
        parts.append(
            f"<section id='{s.id}' data-available='{str(s.available).lower()}'>"
            f"<h2>{html.escape(s.title)}</h2>{note}<figure>{s.body}</figure>"
            f"<p class='meta'>Source: {sources}</p></section>"
        )
    facts = " · ".join(f"{html.escape(k)}: <code>{html.escape(v)}</code>" for k, v in meta.items())
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Kazakhstan regional inequality: report</title><style>{CSS}</style></head><body>"
        "<header><h1>Kazakhstan regional inequality</h1>"
        f"<p class='meta'>{facts}</p><nav><ol>{toc}</ol></nav></header>"
        + "\n".join(parts)
        + f"<footer><p class='attribution'>{html.escape(ATTRIBUTION)}</p></footer></body></html>\n"
    )


def render_report(published_db: Path, out: Path, geojson: Path = GEOJSON) -> ReportResult:
    """Render the report of the publication in ``published_db`` to ``out`` (replaced atomically)."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        db = Published(con, geojson)
        version = None
        meta = {"database": published_db.name, "rendered": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
        if db.has("meta.publication", "version", "published_at"):
            version, published_at = db.rows("select version, published_at::varchar from meta.publication")[0]
            meta = {"publication": version, "published at": published_at, **meta}
        sections = [build(db) for build in SECTIONS]
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_page(sections, meta))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ReportResult(path=out, version=version, sections=sections)

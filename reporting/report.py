"""The static HTML report, rendered from the PUBLISHED DuckDB file only (never the build file).

One read-only connection reads everything, so the whole report shows one publication. Each section
asks whether its mart exists in that file; one that does not says "not available in this build"
instead of failing. Python draws, SQL computes: every number comes from a mart or a fact table as
published, the report only selects and plots it.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reporting import charts, dynamics, investment, regions, story
from reporting.base import (
    GEOJSON,
    INDICATOR,
    REGION_PAGE,
    Published,
    Section,
    about,
    page_html,
    write_atomically,
)
from reporting.base import series as _series
from reporting.base import table as html_table
from reporting.base import unavailable as _unavailable
from reporting.study import study_grp_per_capita

ATTRIBUTION = (
    "Data: Bureau of National Statistics of the Republic of Kazakhstan (stat.gov.kz), through this "
    "warehouse's published marts. Region boundaries (2022): simplemaps.com (their terms apply), as copied "
    "in the kazakhstan-map-vue project; simplified for drawing."
)
#: (indicator codes, the first present is drawn; chart title, unit after / 1000).
NATIONAL_INDICATORS = (
    (("grp_per_capita_published_kzt",), "GRP per capita (the BNS figure)", "thousand tenge per year"),
    (("money_income_per_capita_kzt_month",), "Money income per capita", "thousand tenge per month"),
)
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
#: The flag table's columns: the metric, measured value, comparator and threshold are each spelled out
#: in the explanation, so the table stays narrow enough to wrap instead of being clipped.
QUALITY_COLUMNS = ("severity", "rule_id", "rule_name", "year", "region_code", "indicator", "explanation")
QUALITY_ROWS = 300
SEVERITY_COLOURS = {"error": "#d62728", "warn": "#f0a030"}
THEIL_LABELS = {"theil_t": "Theil T", "theil_l": "Theil L"}
WEIGHTING_LABELS = {"population_weighted": "population-weighted", "unweighted": "unweighted"}
WEIGHTING_STYLES = {
    "population-weighted": {"color": "#1f77b4"},
    "unweighted": {"color": "#ff7f0e", "linestyle": "--"},
}


@dataclass
class ReportResult:
    path: Path
    version: str | None
    sections: list[Section] = field(default_factory=list)
    region_pages: dict[str, Path] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [s.id for s in self.sections if not s.available]


# --- sections ---------------------------------------------------------------------------------------


def grp_per_capita(db: Published) -> Section:
    section = Section("grp-per-capita", "GRP per capita by region over time", ["marts.fct_region_year"])
    if not db.has("marts.fct_region_year", "region_code", "year", "grp_per_capita_kzt"):
        return _unavailable(section)
    # One panel per region (the dim table's name), richest in its latest year first.
    rows = db.rows(
        "select region_code, year, grp_per_capita_kzt / 1000, "
        "last(grp_per_capita_kzt order by year) over (partition by region_code) as latest "
        "from marts.fct_region_year where grp_per_capita_kzt is not null "
        "order by latest desc, region_code, year"
    )
    national: tuple[list, list] | None = None
    if db.has("marts.fct_national_year", "year", "grp_per_capita_kzt"):
        section.sources.append("marts.fct_national_year")
        national = _series(
            db.rows(
                "select 'Kazakhstan', year, grp_per_capita_kzt / 1000 from marts.fct_national_year "
                "where grp_per_capita_kzt is not null order by year"
            )
        ).get("Kazakhstan")
    panels = {}
    for code, values in _series([(code, year, value) for code, year, value, _ in rows]).items():
        panels[db.name(code)] = {"region": values, **({"Kazakhstan": national} if national else {})}
    styles = {"region": {"color": "#1f77b4"}, "Kazakhstan": {"color": "#888888", "linewidth": 1.0}}
    fig = charts.small_multiples(
        panels,
        styles=styles,
        columns=5,
        log=True,
        sharey=True,
        ylabel="GRP per capita, thousand tenge per person per year (log scale)",
        row_height=1.45,
    )
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        unit="thousand tenge per person per year, nominal",
        formula="GRP (published, mln tenge) / average annual population (published)",
        status="derived by the warehouse from two published BNS series",
        geography="as published: a panel stops or starts where the map changed",
        source="marts.fct_region_year.grp_per_capita_kzt; grey: marts.fct_national_year",
    )
    section.note = (
        "One panel per region, richest first; grey: the country (national GRP over national "
        "population), the same in every panel. Log scale: equal distances are equal ratios. The map of "
        "regions changed in 2018 (Shymkent and Turkestan from South Kazakhstan) and 2022 (Abai, Zhetisu, "
        "Ulytau)."
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
    present = {r[0] for r in db.rows(f"select distinct indicator from {table}")}
    for codes, title, unit in NATIONAL_INDICATORS:
        indicator = next((c for c in codes if c in present), None)
        if indicator is None:
            continue
        # A code in thousands already (the facts' grp_per_capita_thousand_kzt) is not scaled again.
        scale = 1 if "thousand" in indicator else 1000
        rows = db.rows(
            f"select year, published_national_value / {scale}, pop_weighted_mean / {scale}, "
            f"arithmetic_mean / {scale} from {table} where geography = 'as_published' and indicator = ? "
            "order by year",
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
    section.body = "\n".join(body) + about(
        unit="thousand tenge per person (GRP: per year; money income: per month), nominal",
        formula="population-weighted: sum(x_r pop_r) / sum(pop_r); arithmetic: mean_r(x_r); published: "
        "the BNS national row",
        status="published national value: BNS; the two means: derived by the warehouse",
        geography="as published (the map of each year)",
        source="marts.mart_national_level (indicator codes in its indicator column)",
    )
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
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        indicator="GRP per capita = GRP / average population (derived)",
        unit="index (Gini, Theil, Atkinson: 0 = equality; CV and sigma: dimensionless)",
        formula="per measure and weighting: marts.mart_inequality.formula",
        weighting="population (solid) / none (dashed)",
        status="derived by the warehouse (checked against PySAL inequality)",
        geography="as published: the regions of each year's map",
        source="marts.mart_inequality",
    )
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
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        unit="Theil index (0 = equality)",
        formula="T = between + within; groups: macro_region of marts.dim_region",
        status="derived by the warehouse",
        geography="as published",
        source="marts.mart_inequality_decomposition",
    )
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
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        statistic="global Moran's I of GRP per capita (level or log), derived",
        weights="contiguity (seed region_adjacency), row-standardised",
        geography="as published",
        source=table,
    )
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
    regions = charts.load_regions(db.geojson, db.region_names)
    links = {code: REGION_PAGE.format(code=code) for code in db.current_regions if code in regions}
    fig, tooltips = charts.choropleth(
        regions, values, label=f"GRP per capita {latest}, thousand tenge (log scale)", links=links
    )
    section.title = f"Map: GRP per capita, {latest}"
    section.body = charts.svg_of(fig, section.id, section.title, titles=tooltips) + about(
        unit="thousand tenge per person per year, nominal",
        formula="GRP / average annual population",
        status="derived from published BNS series",
        geography="2022 map (20 regions)",
        year=latest,
        source="marts.fct_region_year.grp_per_capita_kzt",
    )
    section.note = (
        "Hover over a region for its value; click it for the region's page. Grey: no value "
        "published for that year."
    )
    return section


def development_trap(db: Published) -> Section:
    table = "marts.mart_development_trap"
    section = Section("development-trap", "Development Trap Index (share of comparisons failed)", [table])
    if not db.has(table, "region_code", "year", "dt_share", "at_risk", "geography"):
        return _unavailable(section)
    rows = [
        (db.name(code), year, share, risk)
        for code, year, share, risk in db.rows(
            f"select region_code, year, dt_share, at_risk from {table} "
            "where geography = 'as_published' order by region_code, year"
        )
    ]
    names = sorted({r[0] for r in rows})
    years = sorted({r[1] for r in rows})
    values = {(name, year): share for name, year, share, _ in rows}
    marks = [(name, year) for name, year, _, risk in rows if risk]
    fig = charts.heatmap(names, years, values, marks=marks, colorbar_label="dt_share", mark_label="at risk")
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        unit="share of comparisons failed, 0-1",
        formula="METHODS.md section 1 (Development Trap Index)",
        status="derived by the warehouse",
        geography="as published",
        source=table,
    )
    section.note = (
        "Share of the growth comparisons (own past and national, for GRP per capita, productivity and "
        "employment) on which the region underperforms; a dot marks a region-year flagged at risk."
    )
    return section


def competitiveness(db: Published) -> Section:
    table = "marts.mart_competitiveness_cohesion"
    section = Section("competitiveness", "Regional Competitiveness and Cohesion Index", [table])
    needed = ("region_code", "year", "rcci_national_100", "competitiveness_national_100")
    if not db.has(table, *needed, "cohesion_national_100"):
        return _unavailable(section)
    latest = db.rows(f"select max(year) from {table} where rcci_national_100 is not null")[0][0]
    if latest is None:
        return _unavailable(section)
    rows = db.rows(
        f"select region_code, rcci_national_100, competitiveness_national_100, cohesion_national_100 "
        f"from {table} where year = ? and rcci_national_100 is not null order by rcci_national_100 desc",
        [latest],
    )
    fig = charts.bar_chart(
        [db.name(r[0]) for r in rows],
        [r[1] for r in rows],
        xlabel=f"RCCI {latest} (Kazakhstan = 100)",
        reference=100,
        markers={"competitiveness": [r[2] for r in rows], "cohesion": [r[3] for r in rows]},
    )
    section.title = f"Regional Competitiveness and Cohesion Index, {latest}"
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        unit="index, Kazakhstan = 100",
        formula="METHODS.md section 2; docs/methodology_indices.md",
        status="derived by the warehouse",
        geography="as published",
        year=latest,
        source=table,
    )
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
    if "region_code" in shown:  # the dim table's name, or the country for a national flag
        at = shown.index("region_code")
        rows = [(*r[:at], "Kazakhstan" if r[at] is None else db.name(r[at]), *r[at + 1 :]) for r in rows]
        shown = [*shown[:at], "region", *shown[at + 1 :]]
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
    body.append(html_table(shown, rows, css="flags"))
    if count > len(rows):
        body.append(f"<p class='note'>First {len(rows)} of {count} flags; all of them: {table}.</p>")
    section.body = "\n".join(body)
    section.note = (
        f"{count} flags in this publication: the anomaly rules A1-A7 (national figure computed as an "
        "arithmetic mean, masking gap, GRP far above resident income, resource enclaves, dominance of "
        "one region, growth decoupling). Errors first."
    )
    return section


def source_releases(db: Published) -> Section:
    table = "raw.releases"
    section = Section("source-releases", "Source releases in this publication", [table])
    if not db.has(table, "release_id", "dataset_id", "source", "status", "fetched_at", "row_count"):
        return _unavailable(section)
    rows = db.rows(
        f"select dataset_id, left(release_id, 12), source, fetched_at::varchar, row_count from {table} "
        "where status = 'loaded' qualify row_number() over (partition by dataset_id "
        "order by fetched_at desc) = 1 order by dataset_id"
    )
    if not rows:
        return _unavailable(section)
    section.body = html_table(
        ["dataset", "release (sha256, first 12)", "source", "fetched at", "rows"], rows, css="releases"
    )
    section.note = (
        "The latest loaded release of every BNS dataset behind the numbers above; captions cite them by "
        "dataset and the first 12 characters of the release's sha256. Every attempt, with its URL: "
        "raw.releases."
    )
    return section


SECTIONS: list[Callable[[Published], Section]] = [
    story.headline,
    story.grp_vs_income,
    story.extractive_ratio,
    grp_per_capita,
    choropleth,
    study_grp_per_capita,
    national_three_ways,
    inequality_over_time,
    theil_decomposition,
    spatial_autocorrelation,
    dynamics.lisa_cluster_map,
    dynamics.transition_matrix,
    development_trap,
    competitiveness,
    dynamics.rank_range_chart,
    *investment.SECTIONS,
    quality_flags,
    source_releases,
]


# --- HTML --------------------------------------------------------------------------------------------


def _page(db: Published, sections: list[Section], meta: dict[str, str], pages: dict[str, Path]) -> str:
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
    if pages:
        links = "".join(
            f"<li><a href='{REGION_PAGE.format(code=code)}'>{html.escape(db.name(code))}</a></li>"
            for code in pages
        )
        parts.append(
            "<section id='region-pages' data-available='true'><h2>Region pages</h2>"
            "<p class='note'>One page per current region: its series, ranks, index scores and quality "
            f"flags against the national level.</p><ul class='regions'>{links}</ul></section>"
        )
    facts = " · ".join(f"{html.escape(k)}: <code>{html.escape(v)}</code>" for k, v in meta.items())
    return page_html(
        "Kazakhstan regional inequality: report",
        f"<h1>Kazakhstan regional inequality</h1><p class='meta'>{facts}</p><nav><ol>{toc}</ol></nav>",
        "\n".join(parts),
        f"<p class='attribution'>{html.escape(ATTRIBUTION)}</p>",
    )


def render_report(published_db: Path, out: Path, geojson: Path = GEOJSON) -> ReportResult:
    """Render the report of the publication in ``published_db`` to ``out`` and one page per current
    region to ``regions/<code>.html`` beside it (each file replaced atomically; region pages first, so
    that the report never links to a page not yet written)."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        db = Published(con, geojson)
        version = None
        meta = {"database": published_db.name, "rendered": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
        if db.has("meta.publication", "version", "published_at"):
            version, published_at = db.rows("select version, published_at::varchar from meta.publication")[0]
            meta = {"publication": version, "published at": published_at, **meta}
        sections = [build(db) for build in SECTIONS]
        pages = regions.render_region_pages(db, out.parent, meta, ATTRIBUTION)
        write_atomically(out, _page(db, sections, meta, pages))
    finally:
        con.close()
    return ReportResult(path=out, version=version, sections=sections, region_pages=pages)

"""The HTML report: rendered from the published file, every chart present, nothing fetched from outside.

The report is rendered from the session's published file (``pipeline_run``), then from copies of it
with marts dropped: a section whose mart is absent says "not available in this build" instead of
failing the render.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from reporting import render_report
from reporting.__main__ import main as report_cli

#: Section id -> the published table it draws.
SECTIONS = {
    "headline": "marts.mart_inequality",
    "grp-vs-income": "marts.fct_region_year",
    "extractive-ratio": "marts.mart_competitiveness_cohesion",
    "lisa-clusters": "marts.mart_local_moran",
    "markov-transitions": "marts.mart_markov_transitions",
    "rcci-rank-range": "marts.mart_rcci_robustness",
    "source-releases": "raw.releases",
    "grp-per-capita": "marts.fct_region_year",
    "study-grp-per-capita": "marts.mart_study_grp_per_capita",
    "national-three-ways": "marts.mart_national_level",
    "inequality-over-time": "marts.mart_inequality",
    "theil-decomposition": "marts.mart_inequality_decomposition",
    "spatial-autocorrelation": "marts.mart_spatial_autocorrelation",
    "choropleth": "marts.fct_region_year",
    "development-trap": "marts.mart_development_trap",
    "competitiveness": "marts.mart_competitiveness_cohesion",
    "quality-flags": "marts.mart_quality_flags",
    # reporting/investment.py (issue 16)
    "investment-concentration": "marts.mart_investment_concentration",
    "investment-income": "marts.mart_investment_region_year",
    "within-region": "marts.mart_within_region_concentration",
}
TITLES = {
    "headline": "Headline figures",
    "grp-vs-income": "GRP per capita against money income per capita, 2010 and",
    "extractive-ratio": "extractive regions",
    "grp-per-capita": "GRP per capita by region over time",
    "national-three-ways": "published, population-weighted mean, arithmetic mean",
    "inequality-over-time": "population-weighted and unweighted",
    "theil-decomposition": "Theil decomposition",
    "choropleth": "Map: GRP per capita",
    "development-trap": "Development Trap Index",
    "competitiveness": "Regional Competitiveness and Cohesion Index",
    "quality-flags": "Quality flags",
}
NOT_AVAILABLE = "not available in this build"
REGIONS_2022 = 20
#: Sections drawn as a table, not a chart.
TABLE_SECTIONS = {
    "headline": "headline-figures",
    "markov-transitions": "transition-matrix",
    "source-releases": "class='releases'",
}
REGION_LINK = re.compile(r"^(regions/)?KZ-\d\d\.html$|^\.\./report\.html(#[\w-]+)?$")


class Report(HTMLParser):
    """Sections (id -> title, text, number of <svg>), region tooltips, and every URL-bearing thing."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.current: str | None = None
        self.in_h2 = False
        self.in_attribution = False
        self.attribution = ""
        self.tags: list[tuple[str, dict]] = []
        self.region_groups: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self.current = attrs["id"]
            self.sections[self.current] = {
                "title": "",
                "text": "",
                "svg": 0,
                "available": attrs.get("data-available"),
            }
        elif tag == "h2":
            self.in_h2 = True
        elif tag == "svg" and self.current:
            self.sections[self.current]["svg"] += 1
        elif tag == "g" and (attrs.get("id") or "").startswith("region-"):
            self.region_groups.append(attrs["id"])
        elif tag == "p" and "attribution" in (attrs.get("class") or ""):
            self.in_attribution = True

    def handle_endtag(self, tag):
        if tag == "section":
            self.current = None
        elif tag == "h2":
            self.in_h2 = False
        elif tag == "p":
            self.in_attribution = False

    def handle_data(self, data):
        if self.in_attribution:
            self.attribution += data
        if self.current:
            key = "title" if self.in_h2 else "text"
            self.sections[self.current][key] += data


def _published_tables(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            f"{s}.{t}"
            for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
    finally:
        con.close()


def _assert_self_contained(text: str, parsed: Report) -> None:
    body = re.sub(r"<p class=.attribution.>.*?</p>", "", text, flags=re.S)
    urls = re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>]*", body)
    assert urls == [], f"external URLs outside the attribution: {urls[:5]}"
    assert re.findall(r"https?://", parsed.attribution) == []
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        for name in ("src", "href", "xlink:href", "data"):
            value = attrs.get(name)
            # Local fragments, and links between the report and its region pages (same directory tree).
            assert value is None or value.startswith("#") or REGION_LINK.match(value), (
                f"<{tag} {name}={value!r}>"
            )
    assert re.findall(r"url\((?!#)", text) == [], "a CSS url() that is not a local fragment"
    assert "@import" not in text


@pytest.fixture(scope="module")
def rendered(pipeline_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = render_report(pipeline_run.published_db, out)
    text = out.read_text(encoding="utf-8")
    return result, text, Report(text), _published_tables(pipeline_run.published_db)


def test_report_has_every_chart_and_the_map_of_the_published_file(rendered):
    result, text, parsed, tables = rendered
    assert set(SECTIONS) <= set(parsed.sections)
    for section_id, phrase in TITLES.items():
        assert phrase in parsed.sections[section_id]["title"], (
            section_id,
            parsed.sections[section_id]["title"],
        )
    for section_id, table in SECTIONS.items():
        section = parsed.sections[section_id]
        if table in tables:
            drawn = section["svg"] >= 1 or TABLE_SECTIONS.get(section_id, "-") in text
            assert section["available"] == "true" and drawn, section_id
            assert NOT_AVAILABLE not in section["text"].lower()
        else:
            assert section["available"] == "false" and section["svg"] == 0, section_id
            assert NOT_AVAILABLE in section["text"].lower(), section_id
    # The marts that exist in every build are drawn.
    for always in ("grp-per-capita", "choropleth", "development-trap", "competitiveness"):
        assert parsed.sections[always]["svg"] >= 1, always
    # The map: one filled region per 2022 unit, each with a tooltip naming its value.
    assert len(set(parsed.region_groups)) == REGIONS_2022
    assert re.search(r"<title>Atyrau Region \(KZ-23\): [\d,]+</title>", text)  # dim_region's name
    assert result.version and result.version in text


def test_report_is_self_contained_and_works_offline(rendered):
    _, text, parsed, _ = rendered
    _assert_self_contained(text, parsed)
    assert "simplemaps.com" in parsed.attribution


def test_sections_whose_mart_is_absent_say_so_instead_of_failing(pipeline_run, tmp_path):
    db = tmp_path / "published.duckdb"
    shutil.copyfile(pipeline_run.published_db, db)
    db.chmod(0o644)
    dropped = [
        "mart_development_trap",
        "mart_competitiveness_cohesion",
        "mart_inequality",
        "mart_national_level",
    ]
    con = duckdb.connect(str(db))
    try:
        for table in dropped:
            con.execute(f"drop table if exists marts.{table}")
    finally:
        con.close()
    result = render_report(db, tmp_path / "report.html")
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    parsed = Report(text)
    for section_id in ("development-trap", "competitiveness", "inequality-over-time", "national-three-ways"):
        assert section_id in result.missing
        assert NOT_AVAILABLE in parsed.sections[section_id]["text"].lower()
    assert parsed.sections["choropleth"]["svg"] == 1 and "choropleth" not in result.missing
    _assert_self_contained(text, parsed)


def test_an_empty_publication_renders_a_report_of_unavailable_sections(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    result = render_report(db, tmp_path / "report.html")
    assert set(result.missing) == set(SECTIONS)
    parsed = Report((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert all(NOT_AVAILABLE in parsed.sections[s]["text"].lower() for s in SECTIONS)


def test_the_refresh_rendered_the_report_and_make_report_renders_it_again(pipeline_run, tmp_path, capsys):
    # The Dagster asset published/report ran in the session's refresh, after the publish.
    assert (pipeline_run.home / "published" / "report.html").stat().st_size > 0
    assert report_cli(["--db", str(pipeline_run.published_db), "--out", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").exists() and "report of publication" in capsys.readouterr().out
    assert report_cli(["--db", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path / "x.html")]) == 1


def _section_html(text: str, section_id: str) -> str:
    match = re.search(rf"<section id='{section_id}'.*?</section>", text, flags=re.S)
    assert match, section_id
    return match.group(0)


def test_headline_figures_are_the_marts_numbers_each_saying_what_it_is(rendered, pipeline_run):
    _, text, _, _ = rendered
    con = duckdb.connect(str(pipeline_run.published_db), read_only=True)
    try:
        year = con.execute(
            "select max(year) from marts.fct_region_year where grp_per_capita_kzt is not null "
            "and money_income_per_capita_kzt_month is not null"
        ).fetchone()[0]
        ineq = dict(
            con.execute(
                "select measure || '/' || weighting, value from marts.mart_inequality where year = ? "
                "and geography = 'as_published' and indicator = 'grp_per_capita_kzt' and variant = 'default' "
                "and measure in ('gini', 'max_min_ratio')",
                [year],
            ).fetchall()
        )
        weighted, arithmetic = con.execute(
            "select pop_weighted_mean, arithmetic_mean from marts.mart_national_level where year = ? "
            "and geography = 'as_published' and indicator = 'grp_per_capita_kzt'",
            [year],
        ).fetchone()
        flagged = con.execute(
            "select count(distinct region_code) from marts.mart_quality_flags where year = ? "
            "and region_code is not null",
            [year],
        ).fetchone()[0]
    finally:
        con.close()
    headline = _section_html(text, "headline")
    assert text.index("id='headline'") < text.index("id='grp-vs-income'") < text.index("id='choropleth'")
    cards = dict(re.findall(r"data-figure='([\w-]+)'><div class='value'>([^<]*)</div>", headline))
    assert cards == {
        "max-min-ratio": f"{ineq['max_min_ratio/unweighted']:.1f}",
        "national-grp-per-capita": f"{weighted / 1000:,.0f} vs {arithmetic / 1000:,.0f}",
        "gini": f"{ineq['gini/population_weighted']:.3f} / {ineq['gini/unweighted']:.3f}",
        "flagged-regions": str(flagged),
    }
    assert f"Headline figures, {year}" in headline and "Atyrau Region" in headline
    for card in re.findall(r"<div class='figure'.*?</dl></div>", headline, flags=re.S):
        for fact in ("unit", "year", "formula", "source", "status"):
            assert f"<dt>{fact}</dt>" in card, (fact, card[:80])


def test_grp_vs_income_labels_every_region_with_the_dim_tables_name(rendered, pipeline_run):
    _, text, _, _ = rendered
    con = duckdb.connect(str(pipeline_run.published_db), read_only=True)
    try:
        names = {
            year: {
                r[0]
                for r in con.execute(
                    "select d.region_name_en from marts.fct_region_year as f join marts.dim_region as d "
                    "using (region_code) where f.year = ? and f.grp_per_capita_kzt is not null "
                    "and f.money_income_per_capita_kzt_month is not null",
                    [year],
                ).fetchall()
            }
            for year in (2010, 2023)
        }
    finally:
        con.close()
    chart = _section_html(text, "grp-vs-income")
    labels = re.findall(r"<text[^>]*>([^<]+)</text>", chart)
    assert len(names[2010]) == 16 and len(names[2023]) == REGIONS_2022
    for year, expected in names.items():
        assert expected <= set(labels), (year, expected - set(labels))
    # Atyrau, furthest right in both years, is drawn apart: its label in bold, in each panel.
    assert len(re.findall(r"<text[^>]*font-weight: *(?:bold|700)[^>]*>Atyrau Region</text>", chart)) == 2
    assert "2010" in labels and "2023" in labels


def test_one_spelling_plain_numbers_and_wrapping_tables(rendered):
    _, text, _, _ = rendered
    for geojson_spelling in ("Jambyl", "Jetisu", "Zhetysu", "Almaty Oblast"):
        assert geojson_spelling not in text
    assert "Zhambyl Region (KZ-31)" in text and "Zhetisu Region (KZ-33)" in text
    # Tick labels are plain numbers with thousands separators, never 10^3 or 2x10^4.
    assert "mathdefault" not in text and "10^{" not in text and "\u00d710" not in text
    assert re.search(r">\d{1,3}(,\d{3})+</text>", text)
    assert "nowrap" not in text and "white-space: normal" in text


def test_one_page_per_current_region_linked_from_the_map(rendered, pipeline_run):
    result, text, _, _ = rendered
    con = duckdb.connect(str(pipeline_run.published_db), read_only=True)
    try:
        current = dict(
            con.execute(
                "select region_code, region_name_en from marts.dim_region "
                "where is_current and region_type <> 'country'"
            ).fetchall()
        )
    finally:
        con.close()
    assert len(current) == REGIONS_2022 and set(result.region_pages) == set(current)
    for code in current:
        assert f'<a href="regions/{code}.html">' in _section_html(text, "choropleth"), code
    atyrau = result.region_pages["KZ-23"].read_text(encoding="utf-8")
    page = Report(atyrau)
    assert f"<h1>{current['KZ-23']}</h1>" in atyrau
    for section in ("scorecard", "index-scores", "series", "quality-flags"):
        assert section in page.sections, section
    assert page.sections["series"]["svg"] == 1
    assert "HIGH_GRP_LOW_INCOME" in page.sections["quality-flags"]["text"]
    assert "Kazakhstan = 100" in atyrau and "rank among regions" in atyrau
    _assert_self_contained(atyrau, page)
    for code, path in result.region_pages.items():
        assert path == result.path.parent / "regions" / f"{code}.html"
        assert f"<h1>{current[code]}</h1>" in path.read_text(encoding="utf-8")

"""The report and a region page checked in a real browser: headless Chromium (Debian's ``chromium``).

The pages are those the session's refresh rendered (the Dagster asset ``published/report`` of
``pipeline_run``), opened as local files with the network unused: each must load without a console
error or uncaught exception, and show the headline figures, the GRP-vs-income chart and the map
(report) or the scorecard and series (region page). Full-page screenshots are kept as test artifacts
under ``$KZW_ARTIFACTS`` (default: pytest's temp dir), and their paths printed.

Skipped only when no Chromium binary can be found: ``make setup-dev`` installs the package where the
machine allows (root and apt), and says so where it cannot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import find_chromium, open_page

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH (install Debian's `chromium` package: `sudo apt-get install -y chromium`, "
    "or set KZW_CHROMIUM); `make setup-dev` tries this where it runs as root with apt",
)

#: name -> JavaScript evaluated after the load event (returns JSON).
REPORT_PROBES = {
    "headline": "document.querySelectorAll('#headline .figure').length",
    "headline_text": "document.querySelector('#headline .headline-figures')?.innerText ?? ''",
    "scatter_labels": "Array.from(document.querySelectorAll('#grp-vs-income svg text'))"
    ".map(t => t.textContent)",
    "map_regions": "document.querySelectorAll('#choropleth svg g[id^=\"region-KZ-\"]').length",
    "map_links": "Array.from(document.querySelectorAll('#choropleth svg a'))"
    ".map(a => a.getAttribute('href'))",
    "map_box": "(() => { const r = document.querySelector('#choropleth svg').getBoundingClientRect();"
    " return [r.width, r.height]; })()",
    # Every table fits the page width: wrapped, not clipped or scrolled sideways.
    "overflowing_tables": "Array.from(document.querySelectorAll('table'))"
    ".filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length",
    "flag_rows": "document.querySelectorAll('#quality-flags table tbody tr').length",
    "unavailable": "document.querySelectorAll('section[data-available=\"false\"]').length",
    "resources": "performance.getEntriesByType('resource').map(e => e.name)",
}
PAGE_PROBES = {
    "title": "document.querySelector('h1').textContent",
    "scorecard_rows": "document.querySelectorAll('#scorecard tbody tr').length",
    "series_svg": "document.querySelectorAll('#series svg').length",
    "flags_text": "document.querySelector('#quality-flags').innerText",
    "back": "document.querySelector('nav.pager a').getAttribute('href')",
    "overflowing_tables": "Array.from(document.querySelectorAll('table'))"
    ".filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length",
    "resources": "performance.getEntriesByType('resource').map(e => e.name)",
}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    explicit = os.environ.get("KZW_ARTIFACTS")
    path = Path(explicit) / "browser" if explicit else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_report_renders_in_headless_chromium_with_headline_scatter_and_map(pipeline_run, artifacts):
    report = pipeline_run.home / "published" / "report.html"
    result = open_page(CHROMIUM, report, REPORT_PROBES, screenshot=artifacts / "report.png")
    print(f"screenshot: {result.screenshot}")
    assert result.console_errors == []
    values = result.values
    assert values["headline"] == 4
    assert "richest / poorest region" in values["headline_text"] and "Gini" in values["headline_text"]
    assert "Atyrau Region" in values["scatter_labels"] and "Zhambyl Region" in values["scatter_labels"]
    assert values["map_regions"] == 20
    assert len(values["map_links"]) == 20 and all(h.startswith("regions/KZ-") for h in values["map_links"])
    width, height = values["map_box"]
    assert width > 300 and height > 100  # drawn, not collapsed
    assert values["unavailable"] == 0
    assert values["flag_rows"] > 0 and values["overflowing_tables"] == 0
    assert values["resources"] == []  # nothing fetched: no CDN, no font, no image
    assert result.screenshot.stat().st_size > 50_000


def test_region_page_renders_in_headless_chromium(pipeline_run, artifacts):
    page = pipeline_run.home / "published" / "regions" / "KZ-23.html"
    result = open_page(CHROMIUM, page, PAGE_PROBES, screenshot=artifacts / "region-KZ-23.png")
    print(f"screenshot: {result.screenshot}")
    assert result.console_errors == []
    values = result.values
    assert values["title"] == "Atyrau Region"
    assert values["scorecard_rows"] >= 5 and values["series_svg"] == 1
    assert "HIGH_GRP_LOW_INCOME" in values["flags_text"]
    assert values["back"] == "../report.html" and values["resources"] == []
    assert values["overflowing_tables"] == 0
    assert result.screenshot.stat().st_size > 20_000

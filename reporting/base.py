"""What every report section and page shares: the read-only view of one published file, the section
record, and the HTML pieces (unavailable notice, wrapping tables, "what this number is" captions).

Why a module of its own: the main report (reporting/report.py), its story sections
(reporting/story.py), the dynamics sections (reporting/dynamics.py) and the region pages
(reporting/regions.py) all read the same publication through one connection and must name regions
and describe numbers the same way.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
GEOJSON = REPO_ROOT / "ingestion" / "snapshot" / "geo" / "kz_regions_2022_boundaries_simplemaps.geojson"
UNAVAILABLE = "Not available in this build"
#: The indicator of the inequality charts: GRP per capita computed as GRP / average population.
INDICATOR = "grp_per_capita_kzt"
#: Where a region's own page lives, relative to report.html.
REGION_PAGE = "regions/{code}.html"


@dataclass
class Section:
    id: str
    title: str
    sources: list[str]
    body: str = ""
    available: bool = True
    note: str = ""


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

    @cached_property
    def region_names(self) -> dict[str, str]:
        """Region code -> ``marts.dim_region.region_name_en``: the one spelling every chart, map and tooltip
        uses (empty for a file without the dimension)."""
        if not self.has("marts.dim_region", "region_code", "region_name_en"):
            return {}
        names = {}
        if self.has("marts.dim_region", "comparable_region_code", "comparable_region_name_en"):
            # Comparable units (e.g. 'KZ-19-33') are named by the dimension too.
            names.update(
                self.rows("select comparable_region_code, comparable_region_name_en from marts.dim_region")
            )
        names.update(self.rows("select region_code, region_name_en from marts.dim_region"))
        return names

    @cached_property
    def current_regions(self) -> list[str]:
        """Codes of the current regions (today's map), ordered by name."""
        if not self.has("marts.dim_region", "region_code", "is_current", "region_type"):
            return []
        rows = self.rows(
            "select region_code from marts.dim_region where is_current and region_type <> 'country' "
            "order by region_name_en"
        )
        return [r[0] for r in rows]

    @cached_property
    def version(self) -> str | None:
        if not self.has("meta.publication", "version"):
            return None
        return self.rows("select version from meta.publication")[0][0]

    def name(self, code: str) -> str:
        return self.region_names.get(code, code)


def series(rows: list[tuple]) -> dict[str, tuple[list, list]]:
    """(name, x, y) rows -> {name: (xs, ys)}, in row order."""
    out: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for name, x, y in rows:
        out[name][0].append(x)
        out[name][1].append(y)
    return dict(out)


def unavailable(section: Section) -> Section:
    section.available = False
    section.body = (
        f"<p class='unavailable'>{UNAVAILABLE}: {', '.join(html.escape(s) for s in section.sources)} "
        "is absent from the published database or holds nothing to draw here.</p>"
    )
    return section


def cell(value: object) -> str:
    """A table cell's text: numbers with plain thousands separators, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def table(columns: list[str], rows: list[tuple], css: str = "") -> str:
    """An HTML table whose cells wrap (no horizontal clipping of long explanations)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return (
        f"<div class='table-wrap'><table class='{css}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def about(**facts: object) -> str:
    """A caption saying what a number is: unit, formula, weighting, geography, source, published or
    derived. Empty facts are left out."""
    items = "".join(
        f"<dt>{html.escape(key.replace('_', ' '))}</dt><dd>{html.escape(str(value))}</dd>"
        for key, value in facts.items()
        if value not in (None, "")
    )
    return f"<dl class='about'>{items}</dl>"


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
.table-wrap { max-width: 100%; }
table { border-collapse: collapse; font-size: 0.75rem; width: 100%; table-layout: auto; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top;
         white-space: normal; overflow-wrap: break-word; }
table.flags td:last-child { min-width: 16rem; }
figure { margin: 1rem 0; }
.headline-figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0.8rem; }
.figure { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 0.8rem; background: #fafafa; }
.figure .value { font-size: 1.6rem; font-weight: 600; }
.figure .label { font-weight: 600; font-size: 0.9rem; }
.figure .detail { font-size: 0.85rem; margin: 0.3rem 0; }
dl.about { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.6rem; font-size: 0.75rem;
           color: #555; margin: 0.4rem 0; }
dl.about dt { font-weight: 600; }
dl.about dd { margin: 0; overflow-wrap: anywhere; }
ul.regions { columns: 3; font-size: 0.9rem; }
footer { border-top: 1px solid #ccc; margin-top: 2rem; color: #555; font-size: 0.8rem; }
"""


def page_html(title: str, header: str, body: str, footer: str) -> str:
    """A whole HTML page: inline style, no script, nothing fetched."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header>{header}</header>{body}<footer>{footer}</footer></body></html>\n"
    )


def write_atomically(out: Path, text: str) -> None:
    """Write ``out`` through a temp file in its directory and ``os.replace``: a reader never sees half
    a page."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

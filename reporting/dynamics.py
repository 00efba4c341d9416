"""Report sections for the regional-dynamics marts (docs/methodology_dynamics.md), one function each.

Each function takes a read-only DuckDB connection to a published (or build) file and returns an HTML
fragment: a heading, the chart or table and a short note. A section whose mart is absent returns a
"not available" paragraph instead of failing. Python only selects and draws; every number is read from
a mart. The lead wires these into reporting/report.py.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import duckdb
import matplotlib as mpl
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from reporting import charts

GEOJSON = (
    Path(__file__).resolve().parent.parent
    / "ingestion"
    / "snapshot"
    / "geo"
    / "kz_regions_2022_boundaries_simplemaps.geojson"
)
CLUSTER_COLOURS = {
    "HH": "#d7191c",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "LL": "#2c7bb6",
    "not_significant": "#f0f0f0",
}
CLUSTER_NAMES = {
    "HH": "high, high neighbours",
    "HL": "high, low neighbours",
    "LH": "low, high neighbours",
    "LL": "low, low neighbours",
    "not_significant": "not significant",
}


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _section(section_id: str, title: str, body: str, note: str) -> str:
    return (
        f'<section id="{section_id}"><h2>{html.escape(title)}</h2>{body}'
        f'<p class="note">{html.escape(note)}</p></section>'
    )


def _unavailable(section_id: str, title: str, table: str) -> str:
    return _section(section_id, title, "", f"Not available in this build ({table} is missing or empty).")


def lisa_cluster_map(
    con: duckdb.DuckDBPyConnection,
    indicator: str = "grp_per_capita_kzt",
    geojson: Path = GEOJSON,
) -> str:
    """LISA cluster map of the latest year on the 2022 map (the boundaries of the geojson)."""
    section_id, title, table = "lisa-clusters", "Local clusters (LISA)", "marts.mart_local_moran"
    if not _has(con, table) or not geojson.exists():
        return _unavailable(section_id, title, table)
    latest = con.execute(
        f"select max(year) from {table} where geography = 'as_published' and geo_version = '2022' "
        "and indicator = ? and local_moran_i is not null",
        [indicator],
    ).fetchone()[0]
    if latest is None:
        return _unavailable(section_id, title, table)
    rows = con.execute(
        f"select region_code, cluster, local_moran_i, p_value from {table} "
        "where geography = 'as_published' and geo_version = '2022' and indicator = ? and year = ? "
        "and city_scope = 'all_regions'",
        [indicator, latest],
    ).fetchall()
    clusters = {code: (cluster, local_i, p) for code, cluster, local_i, p in rows}
    regions = charts.load_regions(geojson)
    squeeze = math.cos(math.radians(48.0))  # as charts.choropleth: equirectangular at 48 N
    fig = charts.figure(9.0, 4.6)
    tooltips: dict[str, str] = {}
    with mpl.rc_context({**charts.STYLE, "axes.grid": False}):
        ax = fig.add_subplot()
        for code, (name, polygons) in sorted(regions.items(), key=lambda item: -charts._extent(item[1][1])):
            cluster, local_i, p = clusters.get(code, (None, None, None))
            vertices, codes = [], []
            for poly in polygons:
                for ring in poly:
                    vertices += [(lon * squeeze, lat) for lon, lat in ring]
                    codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
            colour = CLUSTER_COLOURS.get(cluster, "#bdbdbd")
            patch = PathPatch(MplPath(vertices, codes), facecolor=colour, edgecolor="white", linewidth=0.6)
            patch.set_gid(f"lisa-{code}")
            ax.add_patch(patch)
            tooltips[f"lisa-{code}"] = (
                f"{name} ({code}): no value"
                if cluster is None
                else f"{name} ({code}): {CLUSTER_NAMES[cluster]}, I = {local_i:.2f}, p = {p:.3f}"
            )
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.legend(
            handles=[Patch(color=c, label=CLUSTER_NAMES[k]) for k, c in CLUSTER_COLOURS.items()],
            loc="lower left",
            fontsize=7,
            frameon=False,
        )
    title = f"Local clusters of {indicator.replace('_', ' ')}, {latest} (LISA)"
    return _section(
        section_id,
        title,
        charts.svg_of(fig, section_id, title, titles=tooltips),
        "Coloured: local Moran's I with an analytical two-tailed p below 0.05 (row-standardised "
        "contiguity, no multiple-testing correction; 20 regions are few, read as descriptive). "
        "Hover over a region for I and p.",
    )


def transition_matrix(
    con: duckdb.DuckDBPyConnection,
    indicator: str = "grp_per_capita_kzt",
    geography: str = "comparable",
    classification: str = "relative_national",
    period: str = "all",
) -> str:
    """Heat table of the classic Markov transition matrix with its steady state."""
    section_id, title, table = (
        "markov-transitions",
        "Mobility between classes (Markov)",
        "marts.mart_markov_transitions",
    )
    if not _has(con, table):
        return _unavailable(section_id, title, table)
    keys = [geography, indicator, classification, period]
    cells = con.execute(
        f"select from_class, to_class, n_transitions, probability, n_from from {table} "
        "where geography = ? and indicator = ? and classification = ? and period = ? "
        "and conditioning = 'none'",
        keys,
    ).fetchall()
    if not cells:
        return _unavailable(section_id, title, table)
    steady: dict[int, float | None] = {}
    if _has(con, "marts.mart_markov_steady_state"):
        steady = dict(
            con.execute(
                "select class, steady_state from marts.mart_markov_steady_state where geography = ? "
                "and indicator = ? and classification = ? and period = ? and conditioning = 'none'",
                keys,
            ).fetchall()
        )
    k = max(max(f, t) for f, t, *_ in cells)
    probability = {(f, t): (n, p) for f, t, n, p, _ in cells}
    n_from = {f: total for f, _, _, _, total in cells}
    header = "".join(f"<th>to {j}</th>" for j in range(1, k + 1))
    body = []
    for i in range(1, k + 1):
        tds = []
        for j in range(1, k + 1):
            n, p = probability.get((i, j), (0, 0.0))
            shade = 255 - round(180 * p)
            tds.append(f'<td style="background:rgb(255,{shade},{shade})" title="{n} moves">{p:.2f}</td>')
        body.append(f"<tr><th>from {i}</th>{''.join(tds)}<td>{n_from.get(i, 0)}</td></tr>")
    steady_row = "".join(
        f"<td>{'' if steady.get(j) is None else f'{steady[j]:.2f}'}</td>" for j in range(1, k + 1)
    )
    table_html = (
        f'<table class="transition-matrix"><tr><th></th>{header}<th>moves from</th></tr>'
        f"{''.join(body)}<tr><th>steady state</th>{steady_row}<td></td></tr></table>"
    )
    title = (
        f"Year-to-year mobility of {indicator.replace('_', ' ')} ({classification}, {geography}, {period})"
    )
    return _section(
        section_id,
        title,
        table_html,
        "Share of the regions in a class (row) found in each class a year later; classes relative to the "
        "population-weighted national value (1: up to 75 %, 2: 75-100 %, 3: 100-150 %, 4: above 150 %) "
        "or per-year quintiles. Transitions never cross a boundary change. The steady state is empty when "
        "the chain has no unique limit.",
    )


def rank_range_chart(con: duckdb.DuckDBPyConnection, year: int | None = None) -> str:
    """Each region's headline RCCI rank with the min-max range over the robustness grid."""
    section_id, title, table = (
        "rcci-rank-range",
        "How robust are the index ranks?",
        "marts.mart_rcci_robustness",
    )
    if not _has(con, table):
        return _unavailable(section_id, title, table)
    if year is None:
        year = con.execute(f"select max(year) from {table} where headline_rank is not null").fetchone()[0]
    rows = con.execute(
        f"select coalesce(region_name_en, region_code), headline_rank, min_rank, max_rank, median_rank "
        f"from {table} where year = ? and headline_rank is not null order by headline_rank, region_code",
        [year],
    ).fetchall()
    if not rows:
        return _unavailable(section_id, title, table)
    fig = charts.figure(9.0, 0.24 * len(rows) + 1.2)
    with mpl.rc_context(charts.STYLE):
        ax = fig.add_subplot()
        for i, (_, headline, low, high, median) in enumerate(rows):
            ax.plot([low, high], [i, i], color="#9ecae1", linewidth=5, solid_capstyle="round")
            ax.scatter([median], [i], marker="|", color="#08519c", s=60, zorder=3)
            ax.scatter([headline], [i], marker="o", color="black", s=14, zorder=4)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("rank (1 = most competitive and cohesive)")
        fig.legend(
            handles=[
                Patch(color="#9ecae1", label="range over 40 variants"),
                mpl.lines.Line2D([], [], marker="|", linestyle="", color="#08519c", label="median"),
                mpl.lines.Line2D([], [], marker="o", linestyle="", color="black", label="headline"),
            ],
            loc="outside lower center",
            ncols=3,
            fontsize=7,
            frameon=False,
        )
    title = f"RCCI rank and its range across the robustness grid, {year}"
    return _section(
        section_id,
        title,
        charts.svg_of(fig, section_id, title),
        "Variants: z-score or min-max normalisation, stage or equal weights, arithmetic or geometric "
        "aggregation, all pillars or one left out (docs/methodology_indices.md). A long bar means the "
        "position depends on these choices.",
    )

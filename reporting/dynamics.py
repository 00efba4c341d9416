"""Report sections for the regional-dynamics marts (docs/methodology_dynamics.md), one function each.

Each function takes the read-only view of a published (or build) file and returns a ``Section`` of the
report (reporting/report.py lists them in ``SECTIONS``). A section whose mart is absent says "not
available in this build" instead of failing. Python only selects and draws; every number is read from
a mart.
"""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.patches import Patch

from reporting import charts
from reporting.base import REGION_PAGE, Published, Section, about, unavailable

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


def lisa_cluster_map(db: Published, indicator: str = "grp_per_capita_kzt") -> Section:
    """LISA cluster map of the latest year on the 2022 map (the boundaries of the geojson)."""
    table = "marts.mart_local_moran"
    section = Section("lisa-clusters", "Local clusters (LISA)", [table])
    if not db.has(table, "region_code", "cluster", "local_moran_i", "p_value") or not db.geojson.exists():
        return unavailable(section)
    latest = db.rows(
        f"select max(year) from {table} where geography = 'as_published' and geo_version = '2022' "
        "and indicator = ? and local_moran_i is not null",
        [indicator],
    )[0][0]
    if latest is None:
        return unavailable(section)
    rows = db.rows(
        f"select region_code, cluster, local_moran_i, p_value from {table} "
        "where geography = 'as_published' and geo_version = '2022' and indicator = ? and year = ? "
        "and city_scope = 'all_regions'",
        [indicator, latest],
    )
    clusters = {code: (cluster, local_i, p) for code, cluster, local_i, p in rows}
    regions = charts.load_regions(db.geojson, db.region_names)
    colours = {code: CLUSTER_COLOURS.get(c[0], "#bdbdbd") for code, c in clusters.items()}
    tooltips = {
        code: f"{name} ({code}): no value"
        if code not in clusters
        else f"{name} ({code}): {CLUSTER_NAMES[clusters[code][0]]}, "
        f"I = {clusters[code][1]:.2f}, p = {clusters[code][2]:.3f}"
        for code, (name, _) in regions.items()
    }
    links = {code: REGION_PAGE.format(code=code) for code in db.current_regions if code in regions}
    fig, ax, titles = charts.region_map(regions, colours, tooltips, gid_prefix="lisa", links=links)
    with mpl.rc_context(charts.STYLE):
        ax.legend(
            handles=[Patch(color=c, label=CLUSTER_NAMES[k]) for k, c in CLUSTER_COLOURS.items()],
            loc="lower left",
            fontsize=7,
            frameon=False,
        )
    section.title = f"Local clusters of {indicator.replace('_', ' ')}, {latest} (LISA)"
    section.body = charts.svg_of(fig, section.id, section.title, titles=titles) + about(
        statistic="local Moran's I of GRP per capita (GRP / average population), derived",
        weights="contiguity (seed region_adjacency), row-standardised",
        geography="2022 map, as published",
        year=latest,
        source=table,
    )
    section.note = (
        "Coloured: local Moran's I with an analytical two-tailed p below 0.05 (row-standardised "
        "contiguity, no multiple-testing correction; 20 regions are few, read as descriptive). "
        "Hover over a region for I and p; click it for the region's page."
    )
    return section


def transition_matrix(
    db: Published,
    indicator: str = "grp_per_capita_kzt",
    geography: str = "comparable",
    classification: str = "relative_national",
    period: str = "all",
) -> Section:
    """Heat table of the classic Markov transition matrix with its steady state."""
    table = "marts.mart_markov_transitions"
    section = Section("markov-transitions", "Mobility between classes (Markov)", [table])
    if not db.has(table, "from_class", "to_class", "n_transitions", "probability", "n_from"):
        return unavailable(section)
    keys = [geography, indicator, classification, period]
    cells = db.rows(
        f"select from_class, to_class, n_transitions, probability, n_from from {table} "
        "where geography = ? and indicator = ? and classification = ? and period = ? "
        "and conditioning = 'none'",
        keys,
    )
    if not cells:
        return unavailable(section)
    steady: dict[int, float | None] = {}
    if db.has("marts.mart_markov_steady_state", "class", "steady_state"):
        section.sources.append("marts.mart_markov_steady_state")
        steady = dict(
            db.rows(
                "select class, steady_state from marts.mart_markov_steady_state where geography = ? "
                "and indicator = ? and classification = ? and period = ? and conditioning = 'none'",
                keys,
            )
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
    section.title = (
        f"Year-to-year mobility of {indicator.replace('_', ' ')} ({classification}, {geography}, {period})"
    )
    section.body = (
        f'<table class="transition-matrix"><tr><th></th>{header}<th>moves from</th></tr>'
        f"{''.join(body)}<tr><th>steady state</th>{steady_row}<td></td></tr></table>"
    ) + about(
        unit="probability (share of region-years), derived",
        geography=f"{geography} units (stable boundaries)",
        source=", ".join(section.sources),
    )
    section.note = (
        "Share of the regions in a class (row) found in each class a year later; classes relative to the "
        "population-weighted national value (1: up to 75 %, 2: 75-100 %, 3: 100-150 %, 4: above 150 %) "
        "or per-year quintiles. Transitions never cross a boundary change. The steady state is empty when "
        "the chain has no unique limit."
    )
    return section


def rank_range_chart(db: Published, year: int | None = None) -> Section:
    """Each region's headline RCCI rank with the min-max range over the robustness grid."""
    table = "marts.mart_rcci_robustness"
    section = Section("rcci-rank-range", "How robust are the index ranks?", [table])
    if not db.has(table, "region_code", "headline_rank", "min_rank", "max_rank", "median_rank"):
        return unavailable(section)
    if year is None:
        year = db.rows(f"select max(year) from {table} where headline_rank is not null")[0][0]
    rows = db.rows(
        f"select region_code, headline_rank, min_rank, max_rank, median_rank "
        f"from {table} where year = ? and headline_rank is not null order by headline_rank, region_code",
        [year],
    )
    if not rows:
        return unavailable(section)
    fig = charts.figure(9.0, 0.24 * len(rows) + 1.2)
    with mpl.rc_context(charts.STYLE):
        ax = fig.add_subplot()
        for i, (_, headline, low, high, median) in enumerate(rows):
            ax.plot([low, high], [i, i], color="#9ecae1", linewidth=5, solid_capstyle="round")
            ax.scatter([median], [i], marker="|", color="#08519c", s=60, zorder=3)
            ax.scatter([headline], [i], marker="o", color="black", s=14, zorder=4)
        ax.set_yticks(range(len(rows)), [db.name(r[0]) for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("rank (1 = most competitive and cohesive)")
        ax.xaxis.get_major_locator().set_params(integer=True)
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
    section.title = f"RCCI rank and its range across the robustness grid, {year}"
    section.body = charts.svg_of(fig, section.id, section.title) + about(
        unit="rank among the regions of the year (1 = best), derived",
        year=year,
        source=table,
    )
    section.note = (
        "Variants: z-score or min-max normalisation, stage or equal weights, arithmetic or geometric "
        "aggregation, all pillars or one left out (docs/methodology_indices.md). A long bar means the "
        "position depends on these choices."
    )
    return section

"""Matplotlib figures rendered to inline SVG: no pyplot state, no fonts or scripts fetched, no URLs.

Every chart is a ``matplotlib.figure.Figure`` turned into an ``<svg>`` element that is pasted into the
HTML as it is. ``svg_of`` strips what a browser does not need inline (XML prolog, DOCTYPE, the RDF
metadata block and the namespace declarations, all of which carry URLs) and makes the figure scale to
the page width.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

STYLE = {
    "svg.fonttype": "none",  # text stays text: searchable, small, drawn with the reader's sans-serif
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_SIZE = re.compile(r'\s+(width|height)="[\d.]+pt"')
_LINK = re.compile(r'<a xlink:href="([^"]*)" target="_blank">')


def figure(width: float = 9.0, height: float = 4.2) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def svg_of(fig: Figure, key: str, label: str, titles: dict[str, str] | None = None) -> str:
    """The figure as an ``<svg>`` element. ``key`` salts the element ids so that figures never share
    one; ``titles`` maps the gid of an artist to a hover tooltip."""
    buffer = io.StringIO()
    with mpl.rc_context({**STYLE, "svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1))
    svg = _XMLNS.sub("", svg)
    svg = _SIZE.sub("", svg, count=2)
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}" class="chart"', 1)
    for gid, title in (titles or {}).items():
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{html.escape(title)}</title>', 1)
    # Links (``artist.set_url``) open in the same tab, as SVG 2 ``href`` (no xlink namespace needed).
    return _LINK.sub(r'<a href="\1">', svg).strip()


def plain_number(value: float, _position: object = None) -> str:
    """A tick label with plain thousands separators: 20,000 not 2x10^4, 1,000 not 10^3."""
    if value == 0:
        return "0"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def plain_axes(ax, *, x: bool = True, y: bool = True) -> None:
    """Plain tick labels on ``ax`` (log axes too: ticks at 1, 2 and 5 of each decade, unlabelled minor
    ticks)."""
    for enabled, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if not enabled:
            continue
        if axis.get_scale() == "log":
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_minor_formatter(NullFormatter())
        axis.set_major_formatter(FuncFormatter(plain_number))


def line_chart(
    series: dict[str, tuple[Sequence[float], Sequence[float]]],
    *,
    ylabel: str,
    title: str | None = None,
    log: bool = False,
    styles: dict[str, dict] | None = None,
    legend_outside: bool = False,
    width: float = 9.0,
    height: float = 4.2,
) -> Figure:
    """One line per series name: ``{name: (years, values)}``."""
    fig = figure(width, height)
    with mpl.rc_context(STYLE):
        ax = fig.add_subplot()
        for name, (xs, ys) in series.items():
            ax.plot(xs, ys, label=name, **{"linewidth": 1.4, **(styles or {}).get(name, {})})
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, fontsize=9)
        if log:
            ax.set_yscale("log")
        ax.xaxis.get_major_locator().set_params(integer=True)
        plain_axes(ax, x=False)
        if legend_outside:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False, ncols=1)
        else:
            ax.legend(fontsize=8, frameon=False)
    return fig


def small_multiples(
    panels: dict[str, dict[str, tuple[Sequence[float], Sequence[float]]]],
    *,
    styles: dict[str, dict],
    columns: int = 3,
    log: bool = False,
    sharey: bool = False,
    ylabel: str | None = None,
    row_height: float = 2.3,
) -> Figure:
    """A grid of small line charts, one per panel, each with the same named series (e.g. weighted and
    unweighted, or a region and the country)."""
    rows = math.ceil(len(panels) / columns)
    fig = figure(9.0, row_height * rows + 0.4)
    with mpl.rc_context(STYLE):
        axes = fig.subplots(rows, columns, squeeze=False, sharey=sharey, sharex=sharey)
        for ax, (panel, series) in zip(axes.flat, panels.items(), strict=False):
            for name, (xs, ys) in series.items():
                ax.plot(xs, ys, label=name, **{"linewidth": 1.4, **styles.get(name, {})})
            ax.set_title(panel, fontsize=8 if sharey else 9)
            if log:
                ax.set_yscale("log")
            ax.xaxis.get_major_locator().set_params(integer=True)
            plain_axes(ax, x=False)
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        if ylabel:
            fig.supylabel(ylabel, fontsize=8)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    return fig


def stacked_multiples(panels: dict[str, dict[str, tuple[Sequence, Sequence]]], columns: int = 2) -> Figure:
    """A grid of stacked area charts, one per panel: ``{panel: {layer: (years, values)}}``."""
    rows = math.ceil(len(panels) / columns)
    fig = figure(9.0, 2.4 * rows + 0.4)
    with mpl.rc_context(STYLE):
        axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
        for ax, (panel, layers) in zip(axes.flat, panels.items(), strict=False):
            years = sorted(set.intersection(*(set(xs) for xs, _ in layers.values())))
            stacks = [[dict(zip(xs, ys, strict=True))[y] for y in years] for xs, ys in layers.values()]
            ax.stackplot(years, *stacks, labels=list(layers), alpha=0.85)
            ax.set_title(panel, fontsize=9)
            ax.xaxis.get_major_locator().set_params(integer=True)
            plain_axes(ax, x=False)
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    return fig


def heatmap(
    rows: Sequence[str],
    columns: Sequence[int],
    values: dict[tuple[str, int], float | None],
    *,
    marks: Iterable[tuple[str, int]] = (),
    colorbar_label: str,
    mark_label: str,
) -> Figure:
    """Rows x columns of values in [0, 1] (missing cells grey), a dot on each marked cell. Drawn as
    vector cells (``pcolormesh``), not as an embedded raster image."""
    grid = np.ma.masked_invalid(
        [[math.nan if values.get((r, c)) is None else values[(r, c)] for c in columns] for r in rows]
    )
    fig = figure(9.0, 0.22 * len(rows) + 1.4)
    with mpl.rc_context({**STYLE, "axes.grid": False}):
        ax = fig.add_subplot()
        ax.set_facecolor("#e8e8e8")  # cells without a value
        image = ax.pcolormesh(grid, cmap="OrRd", vmin=0, vmax=1, edgecolors="none")
        ax.invert_yaxis()
        ax.set_yticks([i + 0.5 for i in range(len(rows))], rows, fontsize=7)
        ax.set_xticks(
            [i + 0.5 for i in range(len(columns))], [str(c) for c in columns], fontsize=7, rotation=90
        )
        marked = [
            (columns.index(c) + 0.5, rows.index(r) + 0.5) for r, c in marks if r in rows and c in columns
        ]
        if marked:
            ax.scatter(
                *zip(*marked, strict=True),
                s=9,
                c="white",
                edgecolors="black",
                linewidths=0.6,
                label=mark_label,
            )
            fig.legend(loc="outside upper right", fontsize=7, frameon=False)
        _colorbar(fig, image, ax, colorbar_label)
    return fig


def _colorbar(fig: Figure, mappable, ax, label: str) -> None:
    bar = fig.colorbar(mappable, ax=ax, label=label, shrink=0.75)
    bar.solids.set_rasterized(False)  # vector, not an embedded PNG
    plain_axes(bar.ax)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    xlabel: str,
    reference: float | None = None,
    markers: dict[str, Sequence[float | None]] | None = None,
    colors: Sequence[str] | None = None,
) -> Figure:
    """Horizontal bars (sorted by the caller), an optional reference line and extra point series."""
    fig = figure(9.0, 0.24 * len(labels) + 1.2)
    with mpl.rc_context(STYLE):
        ax = fig.add_subplot()
        positions = range(len(labels))
        base = reference or 0
        ax.barh(positions, [v - base for v in values], left=base, color=colors or "#4c78a8", label=xlabel)
        for (name, points), marker in zip((markers or {}).items(), ("o", "D", "s"), strict=False):
            pts = [(v, i) for i, v in enumerate(points) if v is not None]
            if pts:
                ax.scatter(*zip(*pts, strict=True), marker=marker, s=14, zorder=3, label=name)
        if reference is not None:
            ax.axvline(reference, color="black", linewidth=0.8, linestyle="--")
        ax.set_yticks(list(positions), labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        if all(float(v).is_integer() for v in values):  # counts: no 2.5 flags
            ax.xaxis.get_major_locator().set_params(integer=True)
        plain_axes(ax, y=False)
        fig.legend(loc="outside lower center", ncols=4, fontsize=7, frameon=False)
    return fig


def labelled_scatter(
    panels: dict[object, tuple[list[tuple[str, float, float, bool]], tuple[float, float] | None]],
    *,
    xlabel: str,
    ylabel: str,
    highlight_colour: str,
    other_colour: str,
    highlight_label: str,
) -> Figure:
    """One scatter per panel (e.g. per year) of named points ``(name, x, y, highlighted)``, every point
    labelled with its name, the point furthest right in bold; ``national`` (x, y) drawn as a star with
    a dashed line through the origin at its ratio y / x."""
    fig = figure(9.0, 5.6)
    with mpl.rc_context(STYLE):
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (panel, (points, national)) in zip(axes, panels.items(), strict=True):
            for _, x, y, highlighted in points:
                ax.scatter([x], [y], s=22, color=highlight_colour if highlighted else other_colour, zorder=3)
            right = max(points, key=lambda p: p[1])[0]
            x_max = max(p[1] for p in points) * 1.08
            if national:
                ax.scatter(*national, marker="*", s=110, color="black", zorder=4)
                ax.plot([0, x_max], [0, x_max * national[1] / national[0]], "--", color="#888888", lw=0.9)
            ax.set_xlim(0, x_max)
            ax.set_ylim(0, max(p[2] for p in points) * 1.15)
            _label_points(ax, points, bold=right)
            ax.set_title(str(panel), fontsize=10)
            ax.set_xlabel(xlabel)
            plain_axes(ax)
        axes[0].set_ylabel(ylabel)
        fig.legend(
            handles=[
                Line2D([], [], marker="o", linestyle="", color=highlight_colour, label=highlight_label),
                Line2D([], [], marker="o", linestyle="", color=other_colour, label="other region"),
                Line2D([], [], marker="*", linestyle="", color="black", markersize=9, label="Kazakhstan"),
                Line2D([], [], linestyle="--", color="#888888", label="national GRP / income ratio"),
            ],
            loc="outside lower center",
            ncols=4,
            fontsize=7,
            frameon=False,
        )
    return fig


def _label_points(ax, points: list[tuple[str, float, float, bool]], bold: str, gap: float = 0.032) -> None:
    """Name beside each point, to its right. Labels are given distinct heights at least ``gap`` (axes
    fraction) apart, top to bottom in the order of the points, so that none overlaps another; a
    grey leader joins a label moved away from its point."""
    width, height = ax.get_xlim()[1], ax.get_ylim()[1]
    ordered = sorted(points, key=lambda p: -p[2])
    slots: list[float] = []
    for _, _, y, _ in ordered:
        slots.append(min(y / height, slots[-1] - gap) if slots else y / height)
    shift = max(0.0, 0.02 - slots[-1]) if slots else 0.0  # keep the lowest label inside the axes
    for (name, x, y, _), slot in zip(ordered, slots, strict=True):
        fy = slot + shift
        moved = abs(fy - y / height) > gap / 3
        ax.annotate(
            name,  # the dim table's name, unabridged: one spelling everywhere
            (x, y),
            xytext=(x / width + 0.025, fy),
            textcoords="axes fraction",
            fontsize=6,
            fontweight="bold" if name == bold else "normal",
            va="center",
            arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "lw": 0.4} if moved else None,
        )


# --- the map ---------------------------------------------------------------------------------------


def load_regions(
    geojson: Path, names: dict[str, str] | None = None, tolerance: float = 0.02
) -> dict[str, tuple[str, list[list[tuple]]]]:
    """Region code ('KZ-11') -> (name, polygons as lists of rings of (lon, lat)). Rings are thinned to
    points at least ``tolerance`` degrees apart, enough for a page-wide map and a small SVG.

    ``names`` (code -> name, from ``marts.dim_region``) replaces the geojson's own spelling
    ("Jambyl", "Jetisu"), so that the map says what every table says; the geojson's name is only the
    fallback for a file without the dimension."""
    data = json.loads(geojson.read_text(encoding="utf-8"))
    regions = {}
    for feature in data["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        code = re.sub(r"^KZ-?", "KZ-", props["id"])
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        name = (names or {}).get(code, props["name"])
        regions[code] = (name, [[_thin(ring, tolerance) for ring in poly] for poly in polygons])
    return regions


def _thin(ring: list, tolerance: float) -> list[tuple[float, float]]:
    kept = [tuple(ring[0])]
    for lon, lat in ring[1:-1]:
        if abs(lon - kept[-1][0]) + abs(lat - kept[-1][1]) >= tolerance:
            kept.append((lon, lat))
    kept.append(tuple(ring[-1]))
    return kept if len(kept) >= 4 else [tuple(p) for p in ring]


def region_map(
    regions: dict[str, tuple[str, list[list[tuple]]]],
    colours: dict[str, object],
    tooltips: dict[str, str],
    *,
    gid_prefix: str,
    links: dict[str, str] | None = None,
) -> tuple[Figure, object, dict[str, str]]:
    """Regions filled with ``colours[code]`` (grey where absent), each patch with the gid
    ``<gid_prefix>-<code>``, the hover text ``tooltips[code]`` and, from ``links``, a link (e.g. to
    the region's page). Returns the figure, its axes (for a legend or colour bar) and gid -> tooltip."""
    # Equirectangular with the standard parallel through the middle of Kazakhstan (48 N).
    squeeze = math.cos(math.radians(48.0))
    fig = figure(9.0, 4.6)
    titles: dict[str, str] = {}
    with mpl.rc_context({**STYLE, "axes.grid": False}):
        ax = fig.add_subplot()
        # Largest first, so that the enclaved cities (Astana, Almaty, Shymkent) are drawn on top.
        for code, (_, polygons) in sorted(regions.items(), key=lambda item: -_extent(item[1][1])):
            vertices, codes = [], []
            for poly in polygons:
                for ring in poly:
                    vertices += [(lon * squeeze, lat) for lon, lat in ring]
                    codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
            colour = colours.get(code, "#dddddd")
            patch = PathPatch(MplPath(vertices, codes), facecolor=colour, edgecolor="white", linewidth=0.6)
            patch.set_gid(f"{gid_prefix}-{code}")
            if links and code in links:
                patch.set_url(links[code])
            ax.add_patch(patch)
            titles[f"{gid_prefix}-{code}"] = tooltips.get(code, "")
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.set_axis_off()
    return fig, ax, titles


def choropleth(
    regions: dict[str, tuple[str, list[list[tuple]]]],
    values: dict[str, float],
    *,
    label: str,
    log: bool = True,
    links: dict[str, str] | None = None,
) -> tuple[Figure, dict[str, str]]:
    """Regions filled by value (grey where there is none). Returns the figure and, per region, the
    gid of its patch with a tooltip text."""
    shown = [v for v in values.values() if v is not None and v > 0]
    norm = LogNorm(min(shown), max(shown)) if log and shown else Normalize(min(shown), max(shown))
    cmap = mpl.colormaps["YlGnBu"]
    colours = {code: cmap(norm(v)) for code, v in values.items() if v is not None and v > 0}
    tooltips = {
        code: f"{name} ({code}): " + ("no value" if values.get(code) is None else f"{values[code]:,.0f}")
        for code, (name, _) in regions.items()
    }
    fig, ax, titles = region_map(regions, colours, tooltips, gid_prefix="region", links=links)
    with mpl.rc_context({**STYLE, "axes.grid": False}):
        _colorbar(fig, ScalarMappable(norm=norm, cmap=cmap), ax, label)
    return fig, titles


def _extent(polygons: list[list[list[tuple]]]) -> float:
    """Area of the bounding box of all rings (degrees squared): enough to order regions by size."""
    lons = [lon for poly in polygons for ring in poly for lon, _ in ring]
    lats = [lat for poly in polygons for ring in poly for _, lat in ring]
    return (max(lons) - min(lons)) * (max(lats) - min(lats))

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
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

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
    return svg.strip()


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
) -> Figure:
    """A grid of small line charts, one per panel, each with the same named series (e.g. weighted and
    unweighted)."""
    rows = math.ceil(len(panels) / columns)
    fig = figure(9.0, 2.3 * rows + 0.4)
    with mpl.rc_context(STYLE):
        axes = fig.subplots(rows, columns, squeeze=False)
        for ax, (panel, series) in zip(axes.flat, panels.items(), strict=False):
            for name, (xs, ys) in series.items():
                ax.plot(xs, ys, label=name, **{"linewidth": 1.4, **styles.get(name, {})})
            ax.set_title(panel, fontsize=9)
            ax.xaxis.get_major_locator().set_params(integer=True)
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
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
        fig.legend(loc="outside lower center", ncols=4, fontsize=7, frameon=False)
    return fig


# --- the map ---------------------------------------------------------------------------------------


def load_regions(geojson: Path, tolerance: float = 0.02) -> dict[str, tuple[str, list[list[tuple]]]]:
    """Region code ('KZ-11') -> (name, polygons as lists of rings of (lon, lat)). Rings are thinned to
    points at least ``tolerance`` degrees apart, enough for a page-wide map and a small SVG."""
    data = json.loads(geojson.read_text(encoding="utf-8"))
    regions = {}
    for feature in data["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        code = re.sub(r"^KZ-?", "KZ-", props["id"])
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        regions[code] = (props["name"], [[_thin(ring, tolerance) for ring in poly] for poly in polygons])
    return regions


def _thin(ring: list, tolerance: float) -> list[tuple[float, float]]:
    kept = [tuple(ring[0])]
    for lon, lat in ring[1:-1]:
        if abs(lon - kept[-1][0]) + abs(lat - kept[-1][1]) >= tolerance:
            kept.append((lon, lat))
    kept.append(tuple(ring[-1]))
    return kept if len(kept) >= 4 else [tuple(p) for p in ring]


def choropleth(
    regions: dict[str, tuple[str, list[list[tuple]]]],
    values: dict[str, float],
    *,
    label: str,
    log: bool = True,
) -> tuple[Figure, dict[str, str]]:
    """Regions filled by value (grey where there is none). Returns the figure and, per region, the
    gid of its patch with a tooltip text."""
    shown = [v for v in values.values() if v is not None and v > 0]
    norm = LogNorm(min(shown), max(shown)) if log and shown else Normalize(min(shown), max(shown))
    cmap = mpl.colormaps["YlGnBu"]
    # Equirectangular with the standard parallel through the middle of Kazakhstan (48 N).
    squeeze = math.cos(math.radians(48.0))
    fig = figure(9.0, 4.6)
    tooltips: dict[str, str] = {}
    with mpl.rc_context({**STYLE, "axes.grid": False}):
        ax = fig.add_subplot()
        # Largest first, so that the enclaved cities (Astana, Almaty, Shymkent) are drawn on top.
        for code, (name, polygons) in sorted(regions.items(), key=lambda item: -_extent(item[1][1])):
            value = values.get(code)
            colour = cmap(norm(value)) if value is not None and value > 0 else "#dddddd"
            vertices, codes = [], []
            for poly in polygons:
                for ring in poly:
                    vertices += [(lon * squeeze, lat) for lon, lat in ring]
                    codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
            patch = PathPatch(MplPath(vertices, codes), facecolor=colour, edgecolor="white", linewidth=0.6)
            patch.set_gid(f"region-{code}")
            ax.add_patch(patch)
            text = "no value" if value is None else f"{value:,.0f}"
            tooltips[f"region-{code}"] = f"{name} ({code}): {text}"
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.set_axis_off()
        _colorbar(fig, ScalarMappable(norm=norm, cmap=cmap), ax, label)
    return fig, tooltips


def _extent(polygons: list[list[list[tuple]]]) -> float:
    """Area of the bounding box of all rings (degrees squared): enough to order regions by size."""
    lons = [lon for poly in polygons for ring in poly for lon, _ in ring]
    lats = [lat for poly in polygons for ring in poly for _, lat in ring]
    return (max(lons) - min(lons)) * (max(lats) - min(lats))

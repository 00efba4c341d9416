"""Taldau ``GetIndexTreeData`` answers built from the snapshot's own values, in the real answer's shape.

The real example (``ingestion/snapshot/api-examples/``) answers the top of the tree: a list holding
the country node ``{"id": "741880", "rownum", "text", "leaf": "false", "expanded": "true",
"measureName", "y12YYYY": "<value>", "12YYYY": "<cell id>"}`` and no children; its regions are the
answer to the same form with ``p_parent_id`` = the node's id (leaf nodes of the same shape). One
answer per level and period kind: ``p_period_id`` 7 holds the annual rows (``y12YYYY``), 5 the
quarters (``y03/y06/y09/y12YYYY``). Values are the snapshot parse's own numbers written back as
decimal text in the route's unit (divided by its scale, exactly, in decimal), ``"x"`` where the
snapshot is confidential and ``"-"`` where it is not available; node and cell ids are counters (the
parser ignores them; they are ids, not statistics).
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ingestion.catalog import TALDAU_PERIODS, TALDAU_REGIONS_DIC, TALDAU_SLICES, Dataset
from ingestion.parsing import parse_payload
from ingestion.settings import SNAPSHOT_DIR, Settings
from ingestion.taldau_release import TreeAnswer, release_document
from tests.support.bns_server import BnsServer

#: the country node's id in the real example answer
NATIONAL_NODE_ID = "741880"


def snapshot_frame(dataset: Dataset) -> pd.DataFrame:
    """The dataset's snapshot file parsed by its own parser: the values a live route must reproduce."""
    content = (SNAPSHOT_DIR / dataset.snapshot_file).read_bytes()
    return parse_payload(dataset, content, "snapshot", dataset.snapshot_file)


def _cell(value: object, flag: object, scale: float) -> str:
    if pd.isna(value):
        return "x" if flag == "confidential" else "-"
    text = format((Decimal(repr(float(value))) / Decimal(repr(float(scale)))).normalize(), "f")
    return text.removesuffix(".0")


def _month(row: object) -> int:
    return 12 if row.period_type == "annual" else int(row.quarter) * 3


def tree_answers(frame: pd.DataFrame, period_id: int, scale: float = 1.0) -> dict[str, bytes]:
    """The rows of ``frame`` of one period kind as Taldau answers: parent id (``""`` the top) -> body.

    ``scale`` divides the values back into the route's unit (a route with scale 1e-3 publishes tenge
    for a dataset in thousand tenge)."""
    if set(frame["series"]) != {"total"} or not set(frame["period_type"]) <= {"annual", "quarter"}:
        raise ValueError("a Taldau tree carries one series of years and quarters")
    kind = "annual" if period_id == TALDAU_PERIODS["annual"] else "quarter"
    rows_of_kind = frame[frame["period_type"] == kind]
    nodes: list[dict[str, object]] = []
    counter = 0
    national = None
    for label, rows in rows_of_kind.groupby("region_label", sort=False):
        node: dict[str, object] = {
            "id": str(int(NATIONAL_NODE_ID) + 1 + len(nodes)),
            "rownum": len(nodes),
            "text": label,
            "leaf": "true",
            "expanded": "false",
            "measureName": "",
        }
        for row in rows.itertuples():
            counter += 1
            key = f"{_month(row):02d}{row.year}"
            node[f"y{key}"] = _cell(row.value, row.value_flag, scale)
            node[key] = str(counter)
        if (rows["region_code"] == "KZ").any():
            national = node
        else:
            nodes.append(node)
    if national is None:
        return {"": _body(nodes)}
    national.update(id=NATIONAL_NODE_ID, rownum=0, leaf="false", expanded="true")
    for rownum, node in enumerate(nodes):
        node["rownum"] = rownum
    return {"": _body([national]), NATIONAL_NODE_ID: _body(nodes)}


def _body(nodes: list[dict[str, object]]) -> bytes:
    return json.dumps(nodes, ensure_ascii=False, separators=(",", ":")).encode()


def route_answers(dataset: Dataset, frame: pd.DataFrame | None = None) -> list[TreeAnswer]:
    """Every answer of the dataset's Taldau route for ``frame`` (default: its snapshot values), in the
    order the source asks for them (per period kind: the top, then the country node's children)."""
    frame = snapshot_frame(dataset) if frame is None else frame
    route = dataset.taldau_route
    return [
        TreeAnswer(period, parent, body)
        for period in route.periods
        for parent, body in tree_answers(frame, period, route.scale).items()
    ]


def serve_taldau(server: BnsServer, dataset: Dataset, frame: pd.DataFrame | None = None) -> bytes:
    """Serve the dataset's Taldau answers; return the release document the source will land."""
    answers = route_answers(dataset, frame)
    server.clear_taldau(dataset.taldau_route.ref)
    for answer in answers:
        server.set_taldau(dataset.taldau_route.ref, answer.period_id, answer.body, answer.parent)
    return release_document(dataset.taldau_route.ref, answers)


def slices_answer(frame: pd.DataFrame, scale: float = 1.0) -> bytes:
    """The annual rows of ``frame`` as an ``Api/GetIndexData`` answer, in the slice shape
    ``../shared/DATA.md`` gives for it (the file API JSON's): one slice per region, ``terms`` its
    dictionary id (a counter here), ``termNames`` its label, ``periods`` one entry per year.

    Inferred, as DATA.md shows no real answer: the period ``name`` is the year as text and ``date``
    the year's last day (``31.12.YYYY``); ``"x"`` stands where the snapshot is confidential and an
    empty string where it is not available (the JSON parser's marker rules)."""
    if set(frame["series"]) != {"total"}:
        raise ValueError("a Taldau slices answer here carries one series")
    out = []
    for label, rows in frame[frame["period_type"] == "annual"].groupby("region_label", sort=False):
        periods = []
        for row in rows.itertuples():
            cell = _cell(row.value, row.value_flag, scale)
            periods.append(
                {"name": str(row.year), "date": f"31.12.{row.year}", "value": "" if cell == "-" else cell}
            )
        out.append({"terms": [str(len(out) + 1)], "termNames": [label], "periods": periods})
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()


def slices_path(dataset: Dataset) -> str:
    """The path and query the source asks ``Api/GetIndexData`` for the dataset's slices route."""
    route = dataset.taldau_slices_route
    return TALDAU_SLICES.format(lang="ru", index=route.ref, period=route.periods[0], dics=TALDAU_REGIONS_DIC)


def serve_taldau_slices(server: BnsServer, dataset: Dataset, frame: pd.DataFrame | None = None) -> bytes:
    """Serve the dataset's ``Api/GetIndexData`` answer with ``frame``'s values (default: the
    snapshot's); return the body, which is what the source lands."""
    frame = snapshot_frame(dataset) if frame is None else frame
    body = slices_answer(frame, dataset.taldau_slices_route.scale)
    server.set_taldau_slices(slices_path(dataset), body)
    return body


def loopback_settings(base_url: str, home: Path, **overrides: object) -> Settings:
    """HTTP settings whose file API and Taldau both point at the loopback server ``base_url``."""
    return dataclasses.replace(
        Settings(home=home),
        source="http",
        base_url=base_url,
        taldau_base_url=base_url,
        allowed_hosts=("127.0.0.1",),
        **{"max_retries": 0, **overrides},
    )


def serve_live_routes(server: BnsServer, catalog: tuple[Dataset, ...] | None = None) -> dict[str, str]:
    """Serve every dataset on its own first live route and nowhere else, with the snapshot's values:
    the file API element (302 to the snapshot file's bytes) or the Taldau index (its answers). Returns
    dataset id -> the ``raw.releases.source`` a refresh must record (``snapshot``: no live route)."""
    from ingestion.catalog import CATALOG

    served = {}
    for dataset in CATALOG if catalog is None else catalog:
        if dataset.url_path is not None:
            content = (SNAPSHOT_DIR / dataset.snapshot_file).read_bytes()
            server.set(dataset.url_path, content, dataset.extension)
            served[dataset.id] = "http"
        elif dataset.taldau_index is not None and dataset.taldau_complete:
            serve_taldau(server, dataset)
            served[dataset.id] = "taldau"
        else:
            served[dataset.id] = "snapshot"
    return served

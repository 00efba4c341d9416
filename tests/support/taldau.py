"""Taldau ``GetIndexTreeData`` answers built from the snapshot's own values, in the real answer's shape.

The real example (``ingestion/snapshot/api-examples/``) is a list of nodes ``{"id", "rownum", "text",
"leaf", "expanded", "measureName", "y12YYYY": "<value>", "12YYYY": "<cell id>"}``. Here the national
node carries the regions as ``children`` (leaf nodes of the same shape). Values are the snapshot
parse's own numbers written back as text (``repr`` round-trips a float exactly), ``"x"`` where the
snapshot is confidential and ``"-"`` where it is not available; the six-digit cell ids are a counter
(the parser ignores them; they are ids, not statistics).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from ingestion.catalog import Dataset
from ingestion.parsing import parse_payload
from ingestion.settings import SNAPSHOT_DIR, Settings


def snapshot_frame(dataset: Dataset) -> pd.DataFrame:
    """The dataset's snapshot file parsed by its own parser: the values a live route must reproduce."""
    content = (SNAPSHOT_DIR / dataset.snapshot_file).read_bytes()
    return parse_payload(dataset, content, "snapshot", dataset.snapshot_file)


def _cell(value: object, flag: object) -> str:
    if pd.isna(value):
        return "x" if flag == "confidential" else "-"
    return repr(float(value))


def tree_body(frame: pd.DataFrame, scale: float = 1.0) -> bytes:
    """One annual series of ``frame`` as a Taldau tree answer; ``scale`` divides the values back into
    the route's unit (a route with scale 1e-6 publishes tenge for a dataset in mln tenge)."""
    if set(frame["series"]) != {"total"} or set(frame["period_type"]) != {"annual"}:
        raise ValueError("a Taldau tree carries one annual series")
    nodes: list[dict[str, object]] = []
    counter = 0
    for rownum, (label, rows) in enumerate(frame.groupby("region_label", sort=False)):
        node: dict[str, object] = {
            "id": str(741880 + rownum),
            "rownum": rownum,
            "text": label,
            "leaf": "true",
            "expanded": "false",
            "measureName": "",
        }
        for row in rows.itertuples():
            counter += 1
            value = row.value / scale if not pd.isna(row.value) else row.value
            node[f"y12{row.year}"] = _cell(value, row.value_flag)
            node[f"12{row.year}"] = str(counter)
        nodes.append(node)
    national = next(i for i, n in enumerate(nodes) if _is_national(frame, n["text"]))
    root = nodes.pop(national)
    root.update(leaf="false", expanded="true", children=nodes)
    return json.dumps([root], ensure_ascii=False, separators=(",", ":")).encode()


def _is_national(frame: pd.DataFrame, label: object) -> bool:
    codes = frame.loc[frame["region_label"] == label, "region_code"]
    return bool((codes == "KZ").any())


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

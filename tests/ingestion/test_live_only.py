"""The live-only income-differentiation dataset (issue 16, item 4): no public copy exists, so the test
builds a workbook in the documented layout of table 5, serves it from a loopback BNS file API and checks
that the HTTP route fetches and parses it, and that any other layout is refused loudly. The numbers in
the built workbook are made up by this test (they are not BNS figures)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import openpyxl
import pytest

from expectations import validate
from ingestion.catalog import load_catalog
from ingestion.errors import ParseError
from ingestion.parsing import parse_payload
from ingestion.settings import Settings
from ingestion.sources import HttpSource
from tests.support.bns_server import BnsServer

ROWS = [  # label, depth %, severity %, Gini 10 % groups, Gini 20 % groups, top/bottom 10 % ratio
    ("Республика Казахстан", 1.1, 0.3, 0.29, 0.27, 5.9),
    ("Абай", 1.5, 0.4, 0.25, 0.23, 4.8),
    ("Атырауская", 0.8, 0.2, 0.31, 0.29, 6.4),
    ("город Алматы", 0.2, 0.1, 0.33, 0.31, 7.1),
]
HEADER = (
    None,
    "Глубина бедности, %",
    "Острота бедности, %",
    "Коэффициент Джини по 10% группам",
    "Коэффициент Джини по 20% группам",
    "Соотношение доходов 10% наиболее и 10 % наименее обеспеченного населения",
)


def build_workbook(*, title: str = "5. Основные показатели бедности за 2023 год", header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "5"
    sheet.append([title])
    sheet.append(list(header))
    for row in ROWS:
        sheet.append(list(row))
    sheet.append(["1) По данным выборочного обследования домашних хозяйств"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def dataset(monkeypatch):
    """The live-only entry, joined to this process's catalog as KZW_CATALOG_EXTENSIONS would at import
    (its expectations are then found by id, like a built-in dataset's)."""
    from ingestion import catalog

    (entry,) = [d for d in load_catalog("ingestion.live_only") if d.id == "income_differentiation"]
    monkeypatch.setitem(catalog.DATASETS, entry.id, entry)
    return entry


def _parse(dataset, payload: bytes):
    return parse_payload(dataset, payload, hashlib.sha256(payload).hexdigest(), "income_diff.xlsx")


def test_live_only_entry_is_an_extension_with_a_file_api_route(dataset):
    assert dataset.url_path == "/api/iblock/element/358743/file/ru/"
    assert "income_differentiation" not in {d.id for d in load_catalog("")}  # not built in: no snapshot


def test_http_route_fetches_and_parses_the_documented_layout(dataset, tmp_path: Path):
    server = BnsServer().start()
    try:
        server.set(dataset.url_path, build_workbook(), "xlsx")
        settings = dataclasses.replace(
            Settings(home=tmp_path), source="http", base_url=server.base_url, allowed_hosts=("127.0.0.1",)
        )
        payload = HttpSource(settings, url_overrides={}, sleep=lambda _s: None).fetch(dataset)
    finally:
        server.stop()
    frame = _parse(dataset, payload.content)
    assert len(frame) == len(ROWS) * 5 and set(frame.year) == {2023}
    cell = frame[(frame.region_code == "KZ-23") & (frame.series == "gini_10pct_groups")].iloc[0]
    assert cell.value == 0.31 and cell.unit == "coefficient" and cell.location.endswith("cell D5")
    assert set(frame[frame.series == "decile_ratio"].unit) == {"ratio"}
    assert frame[frame.region_label == "город Алматы"].region_code.unique().tolist() == ["KZ-75"]
    assert not validate(dataset.id, frame).blocking_failures


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": "5. Основные показатели бедности"}, "names no year"),
        ({"title": "4. Распределение населения по доходам за 2023 год"}, "no sheet with the title"),
        ({"header": (*HEADER[:3], HEADER[4], HEADER[3], HEADER[5])}, "does not name джини / 10"),
    ],
)
def test_any_other_layout_is_refused(dataset, change, reason):
    with pytest.raises(ParseError, match=reason) as info:
        _parse(dataset, build_workbook(**change))
    assert "[income_differentiation]" in str(info.value)

"""Dispatch a landed payload to its parser and hold what every parser needs to report precisely."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from ingestion.catalog import Dataset, Route
from ingestion.schema import conform

Parser = Callable[[bytes, "ParseContext"], pd.DataFrame]


@dataclass(frozen=True)
class ParseContext:
    """What a parser knows besides the bytes: which dataset, which release, which file.

    ``file_name`` is the landed file's own name (``<sha256>.<ext>``) or the snapshot file name, never a
    name taken from the network.
    """

    dataset: Dataset
    release_id: str
    file_name: str

    def region(self, label: str, location: str) -> str:
        """Resolve a published region label to a region code, or raise UnknownRegionLabel."""
        from ingestion.regions import resolve_region

        return resolve_region(label, dataset_id=self.dataset.id, file_name=self.file_name, location=location)


def load_parser(spec: str) -> Parser:
    module_name, _, func_name = spec.partition(":")
    module = importlib.import_module(f"ingestion.parsers.{module_name}")
    return getattr(module, func_name)


def parse_payload(
    dataset: Dataset, payload: bytes, release_id: str, file_name: str, route: Route | None = None
) -> pd.DataFrame:
    """Parse one payload into long rows that conform to ``ingestion.schema``.

    ``route`` is the live route that brought the bytes: its parser reads them and its ``scale`` brings
    the values into the dataset's unit before validation, so every route yields the same values.
    """
    if route is not None:
        dataset = replace(dataset, format=route.format, parser=route.parser)
    ctx = ParseContext(dataset=dataset, release_id=release_id, file_name=file_name)
    frame = conform(load_parser(dataset.parser)(payload, ctx))
    if route is not None and route.scale != 1.0:
        frame = frame.assign(value=frame["value"] * route.scale)
    return frame

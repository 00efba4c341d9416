"""A toy catalog extension (``KZW_CATALOG_EXTENSIONS=tests.support.toy_catalog``): one dataset in an
existing format (``long_csv``) declared only here, to prove that a catalog entry alone reaches the
facts. Its file is written by the test (``TOY_FILE`` under a temp snapshot directory): the employed
population's file with every value doubled, as a made-up 'volunteers' series, so that its regions
still sum exactly to its national row."""

from __future__ import annotations

import dataclasses

from expectations.config import RULES, RangeRule
from ingestion.catalog import Dataset, Measure

TOY_FILE = "toy/toy_volunteers_by_region.csv"
TOY_UNIT = "thousand persons"  # a unit the long_csv parser knows

DATASETS = (
    Dataset(
        id="toy_volunteers",
        title="Toy: volunteers (made-up test series)",
        snapshot_file=TOY_FILE,
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit=TOY_UNIT,
        frequency="annual",
        measures=(Measure("toy_volunteers_thousand", TOY_UNIT, TOY_UNIT, "sum"),),
        expectations=dataclasses.replace(
            RULES["employed"],
            dataset_id="toy_volunteers",
            units=frozenset({TOY_UNIT}),
            ranges=(RangeRule(unit=TOY_UNIT, min=20, max=30_000),),
        ),
    ),
)

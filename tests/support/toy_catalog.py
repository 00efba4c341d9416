"""A toy catalog extension (``KZW_CATALOG_EXTENSIONS=tests.support.toy_catalog``): one dataset in an
existing format (``long_csv``) declared only here, with its measure, its place among the inequality
indicators and the rules of its Great Expectations suite, to prove that a catalog entry alone reaches
the facts and the marts. Its file is written by the test (``TOY_FILE`` under a temp snapshot
directory): the employed population's file with every value doubled, as a made-up 'volunteers'
series, so that its regions still sum exactly to its national row."""

from __future__ import annotations

from expectations.config import lfs_rules
from ingestion.catalog import Dataset, Indicator, Measure

TOY_FILE = "toy/toy_volunteers_by_region.csv"
TOY_UNIT = "thousand persons"  # a unit the long_csv parser knows
MEASURE = "toy_volunteers_thousand"
INDICATOR = "toy_volunteers_per_1000"

DATASETS = (
    Dataset(
        id="toy_volunteers",
        title="Toy: volunteers (made-up test series)",
        snapshot_file=TOY_FILE,
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit=TOY_UNIT,
        frequency="annual",
        measures=(
            Measure(
                MEASURE,
                TOY_UNIT,
                TOY_UNIT,
                "sum",
                description="Made-up volunteers (the employed population doubled), thousand persons.",
                min_value=0,
                max_value=30_000,
                indicator=Indicator(INDICATOR, "volunteers per 1,000 population", scale=1e6, per_capita=True),
            ),
        ),
        # the labour force survey's rules (its maps, the missing 2015) with the doubled range
        expectations=lfs_rules(20, 30_000, 1.3),
    ),
)

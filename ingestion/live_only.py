"""Datasets that exist only on the live site (no public copy for the embedded snapshot, DATA.md).

They join the catalog through the extension point (``KZW_CATALOG_EXTENSIONS=ingestion.live_only``) when
the live BNS file API is reachable (``KZW_SOURCE=http``); the snapshot route cannot serve them, so they
are not built in. Their parsers are tested against workbooks the tests build in the documented layout.
"""

from __future__ import annotations

from expectations.config import DatasetRules, RangeRule
from ingestion.catalog import PENDING_ROUTES, Dataset

#: The income-differentiation workbook has had several file API ids; the newest known is tried.
INCOME_DIFFERENTIATION_ELEMENT = PENDING_ROUTES["income_differentiation"]["bns_element"][0]

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        id="income_differentiation",
        title="Household-survey income differentiation by region: Gini, decile ratio (LIVE ONLY)",
        snapshot_file="live-only/bns_income_differentiation.xlsx",  # deliberately absent: live only
        format="xlsx",
        parser="bns_income_diff:parse_income_differentiation",
        unit="coefficient",
        frequency="annual",
        bns_element=INCOME_DIFFERENTIATION_ELEMENT,
        notes="Table 5 'Основные показатели бедности': depth and severity of poverty (%), Gini over 10 % "
        "and 20 % groups, top/bottom 10 % income ratio. Element ids seen: 358743, 347021, 341349, 341348.",
        expectations=DatasetRules(
            units=frozenset({"%", "coefficient", "ratio"}),
            series=frozenset(
                {"poverty_depth_pct", "poverty_severity_pct", "gini_10pct_groups", "gini_20pct_groups"}
                | {"decile_ratio"}
            ),
            ranges=(
                RangeRule(series="poverty_*", unit="%", min=0, max=30),
                RangeRule(series="gini_*", unit="coefficient", min=0.1, max=0.6),
                RangeRule(series="decile_ratio", unit="ratio", min=1, max=30),
            ),
            notes="LIVE ONLY (ingestion.live_only): the household-survey workbook, table 5 by region.",
        ),
    ),
)

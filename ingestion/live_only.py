"""Datasets that exist only on the live site (no public copy for the embedded snapshot, DATA.md).

They join the catalog through the extension point (``KZW_CATALOG_EXTENSIONS=ingestion.live_only``) when
the live BNS file API is reachable (``KZW_SOURCE=http``); the snapshot route cannot serve them, so they
are not built in. Their parsers are tested against workbooks the tests build in the documented layout.
"""

from __future__ import annotations

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
    ),
)

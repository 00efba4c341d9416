"""The dataset catalog: one entry per BNS release the warehouse tracks.

Each entry says where the release lives (the BNS file API element or Taldau index, when known), which
embedded snapshot file stands in for it offline, which parser reads it and in which unit. Parsers are
named as ``module:function`` inside ``ingestion.parsers`` so that the catalog stays declarative.
"""

from __future__ import annotations

from dataclasses import dataclass

#: BNS file API: ``GET /api/iblock/element/{id}/{json|csv|}/file/{ru|en|kz}/`` answers a 302 to the file.
BNS_FILE_API = "/api/iblock/element/{element}/{fmt_segment}file/{lang}/"
#: Taldau tree answer: ``POST /{lang}/NewIndex/GetIndexTreeData`` with a form (see ``taldau_tree_form``).
TALDAU_TREE = "/{lang}/NewIndex/GetIndexTreeData"
#: Taldau period dictionary: 7 = year, 5 = quarter.
TALDAU_PERIODS = {"annual": 7, "quarterly": 5}
#: Taldau dictionary of regions (``p_dicIds``).
TALDAU_REGIONS_DIC = 67


@dataclass(frozen=True)
class Route:
    """One way to fetch a dataset's release, and how to read what it brings.

    ``scale`` turns the route's unit into the dataset's ``unit`` before validation (Taldau may publish
    tenge where the file gives million tenge: scale 1e-6), so the same release gives the same values
    whatever route served it. ``kind`` is what ``raw.releases`` and the asset metadata record.
    """

    kind: str  # "bns_file" | "taldau_tree"
    ref: int  # file API element id or Taldau index id
    format: str
    parser: str
    scale: float = 1.0
    period_id: int | None = None  # Taldau only: 7 = year, 5 = quarter


@dataclass(frozen=True)
class Dataset:
    """One tracked release stream.

    ``url_path`` is the live route relative to the configured base URL, or ``None`` when no public
    machine route is known: such a dataset is read from the snapshot even in ``http`` mode unless an
    operator maps it to a URL (``KZW_SOURCE_URLS``), and the releases table says which route was used.
    """

    id: str
    title: str
    snapshot_file: str
    format: str  # "xlsx" | "xls" | "bns_csv" | "bns_json" | "taldau_tree" | "long_csv" | "csv"
    parser: str  # "module:function" in ingestion.parsers
    unit: str
    frequency: str  # "annual" | "quarterly" | "mixed" | "cross-section"
    bns_element: int | None = None
    taldau_index: int | None = None
    lang: str = "ru"
    geography: str = "as published"  # or "2022 boundaries restated" etc.
    notes: str = ""
    #: multiplier from the Taldau index's unit to ``unit`` (checked against Api/GetIndexAttributes)
    taldau_scale: float = 1.0
    #: the Taldau index gives all the dataset holds (one series, its frequency), so it may serve a
    #: release; an index that gives only part (the annual rows of a mixed table, one of two series) is
    #: declared but never used in place of the file, since the release would lose rows
    taldau_complete: bool = False

    @property
    def routes(self) -> tuple[Route, ...]:
        """Live routes, primary first: the file API element (the snapshot's own layout), then Taldau."""
        out: list[Route] = []
        if self.bns_element is not None:
            out.append(Route("bns_file", self.bns_element, self.format, self.parser))
        if self.taldau_index is not None and self.taldau_complete:
            out.append(self.taldau_route)
        return tuple(out)

    @property
    def taldau_route(self) -> Route:
        if self.taldau_index is None:
            raise ValueError(f"[{self.id}] has no Taldau index")
        period = TALDAU_PERIODS.get(self.frequency, TALDAU_PERIODS["annual"])
        return Route(
            "taldau_tree",
            self.taldau_index,
            "taldau_tree",
            "taldau_tree:parse_taldau_tree",
            self.taldau_scale,
            period,
        )

    @property
    def url_path(self) -> str | None:
        if self.bns_element is None:
            return None
        segment = {"bns_csv": "csv/", "bns_json": "json/"}.get(self.format, "")
        return BNS_FILE_API.format(element=self.bns_element, fmt_segment=segment, lang=self.lang)

    @property
    def extension(self) -> str:
        return self.snapshot_file.rsplit(".", 1)[-1].lower()


CATALOG: tuple[Dataset, ...] = (
    Dataset(
        id="grp_nominal",
        title="Gross regional product, nominal",
        snapshot_file="bns/kz_grp_nominal_mln_tenge_by_region_1990_2023__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_grp_nominal",
        unit="mln KZT",
        frequency="mixed",
        taldau_index=2709379,
        lang="en",
        notes="1990-1992 in mln roubles; 2023 preliminary; South Kazakhstan and its successors "
        "both listed 2011-2017 (back-estimates); Abai/Zhetisu/Ulytau from 2021.",
    ),
    Dataset(
        id="grp_per_capita",
        title="Gross regional product per capita",
        snapshot_file="bns/kz_grp_per_capita_by_region_2008_2023q3__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_grp_per_capita",
        unit="thousand KZT | USD",
        frequency="mixed",
        taldau_index=2709380,
        notes="Series kzt_thousand (sheet 'тыс.тенге') and usd (sheet 'в долларах США').",
    ),
    Dataset(
        id="population",
        title="Population by region and sex (1 January)",
        snapshot_file="bns/kz_population_by_region_sex_2000_2023__bns_element6584.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_population",
        unit="persons",
        frequency="annual",
        bns_element=6584,
        taldau_index=703831,
        notes="Series total, men, women.",
    ),
    Dataset(
        id="population_average",
        title="Average annual population (restated on 2022 boundaries)",
        snapshot_file="bns/makenerzhan_POPULATION_AVG_BY_REGION_TOTAL.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="persons",
        frequency="annual",
        taldau_index=703834,
        taldau_complete=True,
        geography="2022 boundaries restated for all years",
    ),
    Dataset(
        id="income_annual",
        title="Average per capita nominal money income, annual",
        snapshot_file="bns/kz_income_per_capita_annual_by_region_2000_2024__bns_iblock48510.csv",
        format="bns_csv",
        parser="bns_csv:parse_bns_csv",
        unit="KZT per month",
        frequency="annual",
        bns_element=48510,
        taldau_index=704447,
        lang="en",
    ),
    Dataset(
        id="income_quarterly",
        title="Average per capita nominal money income, quarterly",
        snapshot_file="bns/kz_income_per_capita_quarterly_by_region_2010q1_2025q3__bns_iblock48953.csv",
        format="bns_csv",
        parser="bns_csv:parse_bns_csv",
        unit="KZT per month",
        frequency="quarterly",
        bns_element=48953,
        lang="en",
    ),
    Dataset(
        id="unemployment_rate",
        title="Unemployment rate (labour force survey)",
        snapshot_file="bns/kz_unemployment_rate_by_region_quarterly_annual_2001_2023__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_unemployment_rate",
        unit="%",
        frequency="mixed",
        taldau_index=702944,
    ),
    Dataset(
        id="wages_nominal",
        title="Average monthly nominal wage",
        snapshot_file="bns/kz_avg_nominal_wage_by_region_2020_2023q3__eri_taldau_derived.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_taldau_derived",
        unit="thousand KZT",
        frequency="mixed",
        taldau_index=702972,
    ),
    Dataset(
        id="poverty_share",
        title="Share of population with income below the subsistence minimum",
        snapshot_file="bns/kz_poverty_share_below_subsistence_by_region_2020_2023q3__eri_taldau_derived.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_taldau_derived",
        unit="%",
        frequency="mixed",
        taldau_index=704498,
    ),
    Dataset(
        id="life_expectancy",
        title="Life expectancy at birth",
        snapshot_file="bns/kz_life_expectancy_by_region_sex_urban_rural_1999_2022__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_life_expectancy",
        unit="years",
        frequency="annual",
    ),
    Dataset(
        id="physicians",
        title="Physicians of all specialties (end of year)",
        snapshot_file="bns/kz_physicians_count_by_region_2003_2022__bns_xls.xls",
        format="xls",
        parser="bns_xlsx:parse_physicians",
        unit="persons",
        frequency="annual",
    ),
    Dataset(
        id="employed",
        title="Employed population (LFS)",
        snapshot_file="bns/makenerzhan_EMPLOYED_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="thousand persons",
        frequency="annual",
        taldau_index=702840,
        taldau_complete=True,
    ),
    Dataset(
        id="labour_force",
        title="Labour force (LFS)",
        snapshot_file="bns/makenerzhan_LABOUR_FORCE_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="thousand persons",
        frequency="annual",
    ),
    Dataset(
        id="unemployed",
        title="Unemployed population (LFS)",
        snapshot_file="bns/makenerzhan_UNEMPLOYED_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="thousand persons",
        frequency="annual",
    ),
    Dataset(
        id="grp_volume_index",
        title="Real GRP growth: physical volume index",
        snapshot_file="bns/makenerzhan_GRP_VOLUME_INDEX_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="% of previous year",
        frequency="annual",
    ),
    Dataset(
        id="gva_by_section",
        title="Gross value added by section: total (GRP) and mining (section B)",
        snapshot_file="bns/makenerzhan_GVA_NOMINAL_BY_REGION_SECTION_GRP_AND_B.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="mln KZT",
        frequency="annual",
        notes="Series = item code: GDP (total) and B (mining and quarrying).",
    ),
)

DATASETS: dict[str, Dataset] = {d.id: d for d in CATALOG}

#: Live routes known for datasets that have no parser (hence no catalog entry) yet: the dataset that
#: adds the parser takes its ids from here. Income differentiation (Gini, decile ratio, table 5 by
#: region) has moved between file API elements over the years; Taldau 704502 is the Gini over deciles
#: (regional breakdown unchecked).
PENDING_ROUTES: dict[str, dict[str, tuple[int, ...]]] = {
    "investment_fixed_capital": {"bns_element": (5546,)},
    "income_differentiation": {"bns_element": (358743, 347021, 341349, 341348), "taldau_index": (704502,)},
}


def taldau_tree_form(index_id: int, period_id: int, terms: str = "") -> dict[str, str]:
    """The form ``NewIndex/GetIndexTreeData`` takes, in the field order of the real request
    (``ingestion/snapshot/api-examples/``): the index, the period kind, the regions dictionary."""
    return {
        "p_parent_id": "",
        "p_index_id": str(index_id),
        "p_keyword": "",
        "p_period_id": str(period_id),
        "p_measure_id": "1",
        "p_term_id": "",
        "p_terms": terms,
        "p_dicIds": str(TALDAU_REGIONS_DIC),
        "idx": "0",
        "filter": '[{"property":null,"value":null}]',
        "id": "",
    }


def get(dataset_id: str) -> Dataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset_id!r}; known: {sorted(DATASETS)}") from None

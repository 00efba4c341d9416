"""The dataset catalog: one entry per BNS release the warehouse tracks.

Each entry says where the release lives (the BNS file API element or Taldau index, when known), which
embedded snapshot file stands in for it offline, which parser reads it and in which unit. Parsers are
named as ``module:function`` inside ``ingestion.parsers`` so that the catalog stays declarative.
"""

from __future__ import annotations

from dataclasses import dataclass

#: BNS file API: ``GET /api/iblock/element/{id}/{json|csv|}/file/{ru|en|kz}/`` answers a 302 to the file.
BNS_FILE_API = "/api/iblock/element/{element}/{fmt_segment}file/{lang}/"


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


def get(dataset_id: str) -> Dataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset_id!r}; known: {sorted(DATASETS)}") from None

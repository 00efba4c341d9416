"""The dataset catalog: one entry per BNS release the warehouse tracks.

Each entry says where the release lives (the BNS file API element or Taldau index, when known), which
embedded snapshot file stands in for it offline, which parser reads it and in which unit. Parsers are
named as ``module:function`` inside ``ingestion.parsers`` so that the catalog stays declarative.

The catalog is the single source of truth for a dataset: its ``measures`` (the annual fact columns it
feeds, how they re-aggregate) are written by the ingestion to ``raw.measure_catalog``
(:func:`measure_rows`), which dbt reads as data; staging is one generic model over the long relation
``raw.current_observations``. Adding a dataset in an existing format is one :class:`Dataset` entry here
(plus its rules in ``expectations.config`` when the defaults do not fit), or, without editing this
file, one entry in an extension module named in ``KZW_CATALOG_EXTENSIONS`` (:func:`load_catalog`).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field

#: BNS file API: ``GET /api/iblock/element/{id}/{json|csv|}/file/{ru|en|kz}/`` answers a 302 to the file.
BNS_FILE_API = "/api/iblock/element/{element}/{fmt_segment}file/{lang}/"
#: Taldau tree answer: ``POST /{lang}/NewIndex/GetIndexTreeData`` with a form (see ``taldau_tree_form``).
TALDAU_TREE = "/{lang}/NewIndex/GetIndexTreeData"
#: Taldau slices: ``GET /{lang}/Api/GetIndexData/{index}?period={period}&dics={dics}``, answered (per
#: ``../shared/DATA.md``) in the file API JSON's slice shape, so the file API's JSON parser reads it.
TALDAU_SLICES = "/{lang}/Api/GetIndexData/{index}?period={period}&dics={dics}"
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

    kind: str  # "bns_file" | "taldau_tree" | "taldau_slices"
    ref: int  # file API element id or Taldau index id
    format: str
    parser: str
    scale: float = 1.0
    #: Taldau only: the period kinds requested and merged into one release (7 = year, 5 = quarter)
    periods: tuple[int, ...] = ()
    #: extension of the landed file: a Taldau release is JSON whatever the snapshot file's format
    extension: str | None = None


@dataclass(frozen=True)
class Measure:
    """One annual fact measure (a column of fct_region_year and fct_national_year) fed by a dataset.

    ``series``: the series within the dataset (``None``: the dataset's only series). ``raw_unit``: only
    cells in this unit are used (drops GRP's 1990-1992 mln roubles). ``value_offset`` is added to the
    published value (volume index, % of previous year -> growth %). ``aggregation``: ``"sum"``
    (additive: parts sum to the whole) or ``"weighted_mean"`` (a rate or per-capita value, weighted by
    the additive ``weight_measure`` of each part when territories are re-aggregated).
    """

    measure: str
    raw_unit: str
    unit: str
    aggregation: str  # "sum" | "weighted_mean"
    series: str | None = None
    value_offset: float = 0.0
    weight_measure: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    """One tracked release stream.

    ``url_path`` is the file API route relative to the configured base URL, or ``None`` when no
    element is known; ``routes`` lists every live route (the element, then a complete Taldau index). A
    dataset with none is read from the snapshot even in ``http`` mode unless an operator maps it to a
    URL (``KZW_SOURCE_URLS``); the releases table says which route was used.
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
    #: multiplier from the unit the Taldau index publishes in to ``unit`` (declared by hand from the
    #: index's published measure; 1e-3 for tenge into thousand tenge), applied before validation
    taldau_scale: float = 1.0
    #: the Taldau index gives all the dataset holds (one series; every period kind, year and quarter
    #: requested and merged for a mixed table), so it may serve a release; an index that gives only
    #: part (cumulative periods, one of several series: ``taldau_gap``) is declared but never used in
    #: place of the file, since the release would lose rows
    taldau_complete: bool = False
    #: for an index that is not complete: what the Taldau answer lacks against the file (README table)
    taldau_gap: str = ""
    #: the complete Taldau index is also declared on ``Api/GetIndexData`` (slices, annual only), tried
    #: after the tree route when the routes before it fail
    taldau_slices: bool = False
    measures: tuple[Measure, ...] = field(default=())

    @property
    def routes(self) -> tuple[Route, ...]:
        """Live routes, primary first: the file API element (the snapshot's own layout), then Taldau's
        tree, then Taldau's slices; each is tried when the ones before it fail (``RoutedSource``)."""
        out: list[Route] = []
        if self.bns_element is not None:
            out.append(Route("bns_file", self.bns_element, self.format, self.parser))
        if self.taldau_index is not None and self.taldau_complete:
            out.append(self.taldau_route)
            if self.taldau_slices:
                out.append(self.taldau_slices_route)
        return tuple(out)

    @property
    def taldau_slices_route(self) -> Route:
        """``Api/GetIndexData`` for the year (``period=7``, regions ``dics=67``): one GET, its answer
        landed as it came and read by the file API's JSON parser, in the index's unit (``taldau_scale``)."""
        if self.taldau_index is None or self.frequency != "annual":
            raise ValueError(f"[{self.id}] the Taldau slices route is declared for annual indices only")
        return Route(
            "taldau_slices",
            self.taldau_index,
            "bns_json",
            "bns_json:parse_bns_json",
            self.taldau_scale,
            (TALDAU_PERIODS["annual"],),
            "json",
        )

    @property
    def taldau_route(self) -> Route:
        if self.taldau_index is None:
            raise ValueError(f"[{self.id}] has no Taldau index")
        periods = {
            "quarterly": (TALDAU_PERIODS["quarterly"],),
            "mixed": (TALDAU_PERIODS["annual"], TALDAU_PERIODS["quarterly"]),
        }.get(self.frequency, (TALDAU_PERIODS["annual"],))
        return Route(
            "taldau_tree",
            self.taldau_index,
            "taldau_tree",
            "taldau_tree:parse_taldau_tree",
            self.taldau_scale,
            periods,
            "json",
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


#: Built-in entries. Their order is the column order of the measures in the wide facts.
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
        taldau_gap="cumulative periods (half-year, 9 months) and the 1990-1992 values in mln roubles; "
        "Taldau's period kinds are year (7) and quarter (5), in one unit",
        lang="en",
        notes="1990-1992 in mln roubles; 2023 preliminary; South Kazakhstan and its successors "
        "both listed 2011-2017 (back-estimates); Abai/Zhetisu/Ulytau from 2021.",
        measures=(Measure("grp_mln_kzt", "mln KZT", "mln KZT", "sum", series="total"),),
    ),
    Dataset(
        id="grp_volume_index",
        title="Real GRP growth: physical volume index",
        snapshot_file="bns/makenerzhan_GRP_VOLUME_INDEX_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="% of previous year",
        frequency="annual",
        measures=(
            Measure(
                "grp_real_growth_pct",
                "% of previous year",
                "% change on previous year (volume)",
                "weighted_mean",
                value_offset=-100.0,
                # weighted by GRP of year t at prices of t-1 (int_measures__by_territory): the exact
                # volume index of the sum of the parts
                weight_measure="grp_mln_kzt",
            ),
        ),
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
        measures=(Measure("mining_gva_mln_kzt", "mln KZT", "mln KZT", "sum", series="B"),),
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
        taldau_gap="the sex and urban/rural series (one series, the total, per index)",
        notes="Series total, men, women.",
        measures=(Measure("population_jan1", "persons", "persons", "sum", series="total"),),
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
        measures=(Measure("population_avg", "persons", "persons", "sum"),),
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
        taldau_gap="the USD series and the cumulative periods (half-year, 9 months)",
        notes="Series kzt_thousand (sheet 'тыс.тенге') and usd (sheet 'в долларах США').",
        measures=(
            Measure(
                "grp_per_capita_thousand_kzt",
                "thousand KZT",
                "thousand KZT per person per year",
                "weighted_mean",
                series="kzt_thousand",
                weight_measure="population_avg",
            ),
            Measure(
                "grp_per_capita_usd",
                "USD",
                "USD per person per year",
                "weighted_mean",
                series="usd",
                weight_measure="population_avg",
            ),
        ),
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
        taldau_complete=True,
        taldau_slices=True,
        lang="en",
        measures=(
            Measure(
                "money_income_per_capita_kzt_month",
                "KZT per month",
                "KZT per person per month",
                "weighted_mean",
                weight_measure="population_avg",
            ),
        ),
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
        id="wages_nominal",
        title="Average monthly nominal wage",
        snapshot_file="bns/kz_avg_nominal_wage_by_region_2020_2023q3__eri_taldau_derived.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_taldau_derived",
        unit="thousand KZT",
        frequency="mixed",
        taldau_index=702972,
        # Taldau publishes the wage in tenge, the file in thousand tenge
        taldau_scale=1e-3,
        taldau_complete=True,
        measures=(
            Measure(
                "avg_nominal_wage_thousand_kzt",
                "thousand KZT",
                "thousand KZT per employee per month",
                "weighted_mean",
                weight_measure="employed_thousand",
            ),
        ),
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
        taldau_complete=True,
        measures=(
            Measure(
                "poverty_share_pct", "%", "% of population", "weighted_mean", weight_measure="population_avg"
            ),
        ),
    ),
    Dataset(
        id="labour_force",
        title="Labour force (LFS)",
        snapshot_file="bns/makenerzhan_LABOUR_FORCE_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="thousand persons",
        frequency="annual",
        measures=(Measure("labour_force_thousand", "thousand persons", "thousand persons", "sum"),),
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
        taldau_slices=True,
        measures=(Measure("employed_thousand", "thousand persons", "thousand persons", "sum"),),
    ),
    Dataset(
        id="unemployed",
        title="Unemployed population (LFS)",
        snapshot_file="bns/makenerzhan_UNEMPLOYED_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="thousand persons",
        frequency="annual",
        measures=(Measure("unemployed_thousand", "thousand persons", "thousand persons", "sum"),),
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
        taldau_complete=True,
        measures=(
            Measure(
                "unemployment_rate_pct",
                "%",
                "% of labour force",
                "weighted_mean",
                weight_measure="labour_force_thousand",
            ),
        ),
    ),
    Dataset(
        id="life_expectancy",
        title="Life expectancy at birth",
        snapshot_file="bns/kz_life_expectancy_by_region_sex_urban_rural_1999_2022__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_xlsx:parse_life_expectancy",
        unit="years",
        frequency="annual",
        measures=(
            Measure(
                "life_expectancy_years",
                "years",
                "years",
                "weighted_mean",
                series="total",
                weight_measure="population_avg",
            ),
        ),
    ),
    Dataset(
        id="physicians",
        title="Physicians of all specialties (end of year)",
        snapshot_file="bns/kz_physicians_count_by_region_2003_2022__bns_xls.xls",
        format="xls",
        parser="bns_xlsx:parse_physicians",
        unit="persons",
        frequency="annual",
        measures=(Measure("physicians", "persons", "persons (end of year)", "sum"),),
    ),
)

BUILT_IN: tuple[Dataset, ...] = CATALOG

#: The extension point: comma-separated importable module names, each defining ``DATASETS``, a
#: sequence of :class:`Dataset` (a regional office's own tables, a district panel, a test's toy file).
#: Their entries join the catalog exactly like the built-in ones; an id may not repeat.
EXTENSIONS_ENV = "KZW_CATALOG_EXTENSIONS"


def load_catalog(extensions: str | None = None) -> tuple[Dataset, ...]:
    """The built-in entries followed by those of every extension module named in ``extensions``
    (default: the ``KZW_CATALOG_EXTENSIONS`` environment variable)."""
    names = os.environ.get(EXTENSIONS_ENV, "") if extensions is None else extensions
    entries = list(BUILT_IN)
    for name in filter(None, (part.strip() for part in names.split(","))):
        module = importlib.import_module(name)
        added = getattr(module, "DATASETS", None)
        if added is None:
            raise ValueError(f"catalog extension {name!r} ({EXTENSIONS_ENV}) defines no DATASETS")
        entries.extend(added)
    seen: set[str] = set()
    for dataset in entries:
        if dataset.id in seen:
            raise ValueError(
                f"catalog: dataset id {dataset.id!r} declared twice ({EXTENSIONS_ENV}={names!r})"
            )
        seen.add(dataset.id)
    return tuple(entries)


CATALOG = load_catalog()
DATASETS: dict[str, Dataset] = {d.id: d for d in CATALOG}

#: Columns of ``raw.measure_catalog`` (and of :func:`measure_rows`), in order.
MEASURE_COLUMNS = (
    "ordinal",
    "measure",
    "dataset_id",
    "series",
    "raw_unit",
    "value_offset",
    "unit",
    "aggregation",
    "weight_measure",
    "description",
)


def measure_rows(catalog: tuple[Dataset, ...] | None = None) -> list[tuple]:
    """Every declared measure as a row of ``raw.measure_catalog``, in catalog order (column order of
    the wide facts). A measure name may not repeat; a weight must name an additive measure."""
    datasets = CATALOG if catalog is None else catalog
    rows = [
        (m.measure, d.id, m.series, m.raw_unit, float(m.value_offset), m.unit, m.aggregation,
         m.weight_measure, m.description or f"{d.title} ({m.unit}).")
        for d in datasets
        for m in d.measures
    ]  # fmt: skip
    names = [row[0] for row in rows]
    additive = {row[0] for row in rows if row[6] == "sum"}
    for measure, dataset_id, *_, aggregation, weight, _description in rows:
        if names.count(measure) > 1:
            raise ValueError(f"catalog: measure {measure!r} declared twice (dataset {dataset_id!r})")
        if aggregation not in ("sum", "weighted_mean"):
            raise ValueError(
                f"catalog: measure {measure!r} of {dataset_id!r}: unknown aggregation {aggregation!r}"
            )
        if aggregation == "weighted_mean" and weight not in additive:
            raise ValueError(
                f"catalog: measure {measure!r} of {dataset_id!r} is weighted by {weight!r}, "
                "not an additive measure"
            )
    return [(ordinal, *row) for ordinal, row in enumerate(rows, start=1)]


def get(dataset_id: str) -> Dataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset_id!r}; known: {sorted(DATASETS)}") from None


#: Live routes known for datasets that have no parser (hence no catalog entry) yet: the dataset that
#: adds the parser takes its ids from here. Income differentiation (Gini, decile ratio, table 5 by
#: region) has moved between file API elements over the years; Taldau 704502 is the Gini over deciles
#: (regional breakdown unchecked).
PENDING_ROUTES: dict[str, dict[str, tuple[int, ...]]] = {
    "investment_fixed_capital": {"bns_element": (5546,)},
    "income_differentiation": {"bns_element": (358743, 347021, 341349, 341348), "taldau_index": (704502,)},
}


def taldau_tree_form(index_id: int, period_id: int, terms: str = "", parent: str = "") -> dict[str, str]:
    """The form ``NewIndex/GetIndexTreeData`` takes, in the field order of the real request
    (``ingestion/snapshot/api-examples/``): the index, the period kind, the regions dictionary.

    ``parent``: the id of the node whose children are asked for (``""``: the top of the tree). The real
    answer is one level of the tree: the country node (``"leaf": "false"``) without its regions, which
    the site loads when the node is expanded, by posting the same form with the node's id.
    """
    return {
        "p_parent_id": parent,
        "p_index_id": str(index_id),
        "p_keyword": "",
        "p_period_id": str(period_id),
        "p_measure_id": "1",
        "p_term_id": "",
        "p_terms": terms,
        "p_dicIds": str(TALDAU_REGIONS_DIC),
        "idx": "0",
        "filter": '[{"property":null,"value":null}]',
        "id": parent,
    }

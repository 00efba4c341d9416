"""The dataset catalog: one entry per BNS release the warehouse tracks.

Each entry says where the release lives (the BNS file API element or Taldau index, when known), which
embedded snapshot file stands in for it offline, which parser reads it and in which unit. Parsers are
named as ``module:function`` inside ``ingestion.parsers`` so that the catalog stays declarative.

The catalog is the single source of truth for a dataset: its ``measures`` (the annual fact columns it
feeds, how they re-aggregate) are written by the ingestion to ``raw.measure_catalog``
(:func:`measure_rows`), which dbt reads as data; staging is one generic model over the long relation
``raw.current_observations``. Adding a dataset in an existing format is one :class:`Dataset` entry here
with its measures and the rules of its Great Expectations suite (``expectations``, built from the
vocabulary of ``expectations.config``), or, without editing this file, one entry in an extension module
named in ``KZW_CATALOG_EXTENSIONS`` (:func:`load_catalog`).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field

from expectations.config import (
    ANNUAL,
    AS_PUBLISHED,
    BACK_ESTIMATES,
    G2022,
    PRE2018,
    Q1_2018,
    Q1_2022,
    RURAL_HAS_NO_CITIES,
    SEX_URBAN_RURAL,
    SHYMKENT_FROM_2017_BREAKS,
    SPLIT_2022_PARENTS,
    DatasetRules,
    GeoWindow,
    RangeRule,
    lfs_rules,
    persons,
    shymkent_from_2017,
)

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
class Indicator:
    """A measure as a regional indicator of the inequality, convergence, spatial and dynamics marts
    (a row of ``int_indicators__long``): value = measure * ``scale``, divided by the average annual
    population of the same territory and year when ``per_capita``. ``name`` is the indicator's name
    in the marts, ``unit`` its unit after the scaling."""

    name: str
    unit: str
    scale: float = 1.0
    per_capita: bool = False


@dataclass(frozen=True)
class Measure:
    """One annual fact measure (a column of fct_region_year and fct_national_year) fed by a dataset.

    ``series``: the series within the dataset (``None``: the dataset's only series). ``raw_unit``: only
    cells in this unit are used (drops GRP's 1990-1992 mln roubles). ``value_offset`` is added to the
    published value (volume index, % of previous year -> growth %). ``aggregation``: ``"sum"``
    (additive: parts sum to the whole) or ``"weighted_mean"`` (a rate or per-capita value, weighted by
    the additive ``weight_measure`` of each part when territories are re-aggregated).
    ``description`` becomes the comment of the fact columns (published to BI). ``min_value`` /
    ``max_value``: the plausible range of a region's value, a dbt test on the regional facts (and on
    the national row for a ``weighted_mean`` measure, whose national value is on the regions' scale).
    ``whole_number``: a count, stored as bigint in the facts. ``indicator``: the measure is also a
    regional indicator of the marts (``int_indicators__long``).
    """

    measure: str
    raw_unit: str
    unit: str
    aggregation: str  # "sum" | "weighted_mean"
    series: str | None = None
    value_offset: float = 0.0
    weight_measure: str | None = None
    description: str = ""
    min_value: float | None = None
    max_value: float | None = None
    whole_number: bool = False
    indicator: Indicator | None = None


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
    #: The rules of its ingestion-boundary Great Expectations suite (``expectations.suites``); every
    #: entry declares them (checked by :func:`load_catalog`), ``dataset_id`` is filled in from ``id``.
    expectations: DatasetRules | None = None

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
        measures=(
            Measure(
                "grp_mln_kzt",
                "mln KZT",
                "mln KZT",
                "sum",
                series="total",
                description=(
                    "Gross regional product at current prices, **mln KZT**, annual. Source: dataset "
                    '`grp_nominal` (BNS dynamic table "Gross regional product", sheets 1990-1997 / '
                    "1998-2007 / 2008-2023; annual columns only, quarterly and cumulative columns never "
                    "used; 1990-1992 in mln roubles are excluded, facts start in 1997; 2023 is "
                    "preliminary). The table lists South Kazakhstan AND its successors Turkestan and "
                    "Shymkent for 2011-2017 (back-estimates): before 2018 South Kazakhstan is kept and the "
                    "successors dropped, so the regions sum to the national row. The table publishes Abai, "
                    "Zhetisu and Ulytau already for 2021."
                ),
                min_value=0,
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"mln KZT", "mln roubles"}),
            series=None,
            ranges=(
                RangeRule(unit="mln KZT", min=0, max=1e9),
                RangeRule(unit="mln roubles", min=0, max=1e8),
            ),
            geographies=(
                GeoWindow(
                    None,
                    1996,
                    "pre2018",
                    may_lack=frozenset({"KZ-71"}),
                    note="Astana part of Akmola region until 1997",
                ),
                GeoWindow(1997, 2017, "pre2018"),
                GeoWindow(
                    2011,
                    2017,
                    "pre2018",
                    extra=BACK_ESTIMATES,
                    period_types=ANNUAL,
                    note="annual BNS back-estimates of Turkestan and Shymkent beside South Kazakhstan",
                ),
                Q1_2018,
                GeoWindow(2018, 2020, "2018"),
                GeoWindow(
                    2021, 2021, "2018", quarters=frozenset({1, 2, 3}), note="2021 quarters on 2018 units"
                ),
                Q1_2022,
                GeoWindow(2021, None, "2022", note="annual GRP on 2022 boundaries from 2021"),
            ),
            boundary_breaks=((2021, SPLIT_2022_PARENTS), (2022, SPLIT_2022_PARENTS)),
            yoy_skip_years=frozenset({1993}),  # rouble -> tenge (1 KZT = 500 roubles), Nov 1993
            yoy_warn_from_year=1997,  # hyperinflation until 1995-96
            yoy_max_factor=2.0,
            notes="1990-1992 in mln roubles; quarters are cumulative from January.",
        ),
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
                description=(
                    "Real GRP growth, **% change on the previous year** (physical volume index minus 100), "
                    "annual. Source: dataset `grp_volume_index` (BNS physical volume index of GRP, verified "
                    "transcription). Published by BNS on the territory of the unit; never computed here "
                    "from nominal values. The table lists South Kazakhstan 2001-2017 and Turkestan/Shymkent "
                    "2011-2025 (South Kazakhstan kept before 2018); Abai and Zhetisu from 2021 but Ulytau "
                    "only from 2022, so Karaganda incl. Ulytau has no 2021 value. Re-aggregation of parts: "
                    "mean of the parts' growth weighted by each part's GRP of the year at prices of the "
                    "previous year (nominal GRP / volume index), which equals the volume index of the sum."
                ),
                min_value=-50,
                max_value=100,
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"% of previous year"}),
            ranges=(RangeRule(unit="% of previous year", min=50, max=200),),
            geographies=(
                GeoWindow(None, 2010, "pre2018"),
                GeoWindow(2011, 2017, "pre2018", extra=BACK_ESTIMATES),
                GeoWindow(2018, 2020, "2018"),
                GeoWindow(
                    2021,
                    2021,
                    "2018",
                    extra=frozenset({"KZ-10", "KZ-33"}),
                    note="Abai and Zhetisu from 2021, Ulytau from 2022",
                ),
                GeoWindow(2022, None, "2022"),
            ),
            boundary_breaks=((2021, SPLIT_2022_PARENTS), (2022, SPLIT_2022_PARENTS)),
            yoy_max_factor=1.5,
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
        measures=(
            Measure(
                "mining_gva_mln_kzt",
                "mln KZT",
                "mln KZT",
                "sum",
                series="B",
                description=(
                    "Gross value added of section B (mining and quarrying) at current prices, **mln KZT**, "
                    "annual, 2010 onwards. Source: dataset `gva_by_section`, item B (verified transcription "
                    "of BNS GVA by region and section); lists Abai/Zhetisu/Ulytau from 2021 and "
                    "Turkestan/Shymkent from 2011 beside South Kazakhstan to 2017 (South Kazakhstan kept "
                    "before 2018)."
                ),
                min_value=0,
                indicator=Indicator(
                    "mining_gva_per_capita_kzt", "KZT per person per year", scale=1e6, per_capita=True
                ),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"mln KZT"}),
            series=frozenset({"GDP", "B"}),
            ranges=(
                RangeRule(series="GDP", unit="mln KZT", min=1e4, max=1e9),
                RangeRule(series="B", unit="mln KZT", min=0, max=1e9, yoy_min_base=1_000, yoy_max_factor=5.0),
            ),
            geographies=(
                GeoWindow(None, 2010, "pre2018"),
                GeoWindow(2011, 2017, "pre2018", extra=BACK_ESTIMATES),
                GeoWindow(2018, 2020, "2018"),
                GeoWindow(2021, None, "2022"),
            ),
            boundary_breaks=((2021, SPLIT_2022_PARENTS),),
            yoy_max_factor=2.0,
        ),
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
        measures=(
            Measure(
                "population_jan1",
                "persons",
                "persons",
                "sum",
                series="total",
                description=(
                    "Resident population on **1 January of the year**, **persons**. Source: dataset "
                    '`population` (BNS element 6584, sheet "Все население"). The column year is the 1 '
                    "January of that same year, checked: the average annual population of year t equals "
                    "(column t + column t+1) / 2 (2022: exactly; 2017: within 0.01 %). The file restates 1 "
                    "January 2017 on 2018 boundaries (Shymkent and Turkestan from the 2017 column; South "
                    'Kazakhstan appears as "Туркестанская" 2000-2016 with a footnote) and 1 January 2022 on '
                    "2022 boundaries (Abai, Zhetisu, Ulytau)."
                ),
                min_value=50_000,
                max_value=25_000_000,
                whole_number=True,
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"persons"}),
            series=SEX_URBAN_RURAL,
            ranges=(
                persons(1e3, 3e7, series="*_urban", yoy_max_factor=1.7),
                persons(1e3, 3e7, series="*_rural", yoy_max_factor=1.7),
                persons(1e4, 3e7),
            ),
            series_may_lack=RURAL_HAS_NO_CITIES,
            geographies=shymkent_from_2017("footnote 1", "Shymkent shown from the 2017 column"),
            boundary_breaks=SHYMKENT_FROM_2017_BREAKS,
            yoy_max_factor=1.2,  # Astana grew 15% a year in the 2000s; Mangystau 18% in 2009
        ),
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
        measures=(
            Measure(
                "population_avg",
                "persons",
                "persons",
                "sum",
                description=(
                    "Average annual population (среднегодовая численность), **persons**. Source: dataset "
                    "`population_average` (verified transcription, 2009 onwards). The source restates EVERY "
                    "year on 2022 boundaries (Abai, Zhetisu, Ulytau, Turkestan and Shymkent back to 2009): "
                    "units of older maps are the sum of their 2022 parts. This is the population of every "
                    "per-capita figure and every population weight in the warehouse (METHODS.md section 0)."
                ),
                min_value=50_000,
                max_value=25_000_000,
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"persons"}),
            ranges=(persons(1e4, 3e7),),
            geographies=(GeoWindow(None, None, "2022", note="restated on 2022 boundaries"),),
            boundary_breaks=(),
            yoy_max_factor=1.15,
        ),
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
                description=(
                    "GRP per capita as published by BNS, **thousand KZT per person per year**. Source: "
                    'dataset `grp_per_capita`, series kzt_thousand (sheet "тыс.тенге"), annual columns only '
                    "(2008-2022; 2023 has 9 months only). Re-aggregation of parts: mean weighted by average "
                    "annual population."
                ),
                min_value=0,
                max_value=100_000,
                indicator=Indicator("grp_per_capita_published_kzt", "KZT per person per year", scale=1000),
            ),
            Measure(
                "grp_per_capita_usd",
                "USD",
                "USD per person per year",
                "weighted_mean",
                series="usd",
                weight_measure="population_avg",
                description=(
                    "GRP per capita as published by BNS, **US dollars per person per year** (converted by "
                    "BNS at the National Bank's average rate). Source: dataset `grp_per_capita`, series usd "
                    '(sheet "в долларах США"), annual columns only. Re-aggregation of parts: mean weighted '
                    "by average annual population."
                ),
                min_value=0,
                max_value=300_000,
                indicator=Indicator("grp_per_capita_usd", "USD per person per year"),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"thousand KZT", "USD"}),
            series=frozenset({"kzt_thousand", "usd"}),
            ranges=(
                RangeRule(series="kzt_thousand", unit="thousand KZT", min=10, max=60_000),
                RangeRule(series="usd", unit="USD", min=100, max=200_000),
            ),
            yoy_max_factor=2.0,
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
                description=(
                    "Average per-capita nominal money income, **KZT per person per month**, annual average. "
                    "Source: dataset `income_annual` (BNS iblock 48510; the quarterly element 48953 is "
                    "never mixed in). Publishes Abai, Zhetisu, Ulytau from 2022. Re-aggregation of parts: "
                    "mean weighted by average annual population."
                ),
                min_value=0,
                max_value=2_000_000,
                indicator=Indicator("money_income_per_capita_kzt_month", "KZT per person per month"),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"KZT per month"}),
            ranges=(RangeRule(unit="KZT per month", min=1_000, max=2_000_000),),
            yoy_max_factor=1.6,
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
        expectations=DatasetRules(
            units=frozenset({"KZT per month"}),
            ranges=(RangeRule(unit="KZT per month", min=1_000, max=2_000_000),),
            yoy_max_factor=1.6,
        ),
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
                description=(
                    "Average monthly nominal wage, **thousand KZT per employee per month**. Source: dataset "
                    "`wages_nominal` (Taldau-derived table; annual figure for 2020 only, later periods are "
                    "quarters and are not used). Re-aggregation of parts: mean weighted by employed persons "
                    "(LFS), the closest available proxy for the number of employees."
                ),
                min_value=0,
                max_value=3000,
                indicator=Indicator("avg_nominal_wage_kzt", "KZT per employee per month", scale=1000),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"thousand KZT"}),
            ranges=(RangeRule(unit="thousand KZT", min=20, max=5_000),),
            yoy_max_factor=1.6,
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
                "poverty_share_pct",
                "%",
                "% of population",
                "weighted_mean",
                weight_measure="population_avg",
                description=(
                    "Share of the population with money income below the subsistence minimum, **% of "
                    "population**. Source: dataset `poverty_share` (Taldau-derived; annual figure for 2020 "
                    "only). Re-aggregation of parts: mean weighted by average annual population."
                ),
                min_value=0,
                max_value=100,
                indicator=Indicator("poverty_share_pct", "% of population below the subsistence minimum"),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"%"}),
            ranges=(RangeRule(unit="%", min=0, max=60, yoy_min_base=0.5),),
            yoy_max_factor=3.0,
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
        measures=(
            Measure(
                "labour_force_thousand",
                "thousand persons",
                "thousand persons",
                "sum",
                description=(
                    "Labour force (LFS), **thousand persons**, annual. Source: dataset `labour_force` "
                    "(verified transcription; no 2015 rows). Lists South Kazakhstan 2001-2009 and "
                    "Turkestan/Shymkent from 2010 (back-estimates on 2018 boundaries, summed into South "
                    "Kazakhstan for 2010-2017)."
                ),
                min_value=0,
                max_value=12_000,
            ),
        ),
        expectations=lfs_rules(10, 15_000, 1.3),
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
        measures=(
            Measure(
                "employed_thousand",
                "thousand persons",
                "thousand persons",
                "sum",
                description=(
                    "Employed population (LFS), **thousand persons**, annual. Source: dataset `employed` "
                    "(verified transcription; no 2015 rows). Geography as labour_force_thousand."
                ),
                min_value=0,
                max_value=12_000,
            ),
        ),
        expectations=lfs_rules(10, 15_000, 1.3),
    ),
    Dataset(
        id="unemployed",
        title="Unemployed population (LFS)",
        snapshot_file="bns/makenerzhan_UNEMPLOYED_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="thousand persons",
        frequency="annual",
        measures=(
            Measure(
                "unemployed_thousand",
                "thousand persons",
                "thousand persons",
                "sum",
                description=(
                    "Unemployed population (LFS), **thousand persons**, annual. Source: dataset "
                    "`unemployed` (verified transcription; no 2015 rows). Geography as "
                    "labour_force_thousand."
                ),
                min_value=0,
                max_value=1000,
            ),
        ),
        expectations=lfs_rules(0.5, 2_000, 1.6),
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
                description=(
                    "Unemployment rate (LFS), **% of the labour force**, annual periods only (2023 has "
                    "quarters only). Source: dataset `unemployment_rate` (BNS xlsx). The file lists South "
                    "Kazakhstan 2001-2009 and Turkestan/Shymkent back-estimates from 2010 (so South "
                    "Kazakhstan 2010-2017 is re-aggregated), Abai/ Zhetisu/Ulytau from 2022. Re-aggregation "
                    "of parts: mean weighted by the parts' labour force (`labour_force`), i.e. unemployed / "
                    "labour force of the sum; NULL for 2015 (no LFS labour force rows)."
                ),
                min_value=0,
                max_value=40,
                indicator=Indicator("unemployment_rate_pct", "% of labour force"),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"%"}),
            ranges=(RangeRule(unit="%", min=0, max=40),),
            geographies=(
                *AS_PUBLISHED,
                GeoWindow(
                    2010,
                    2017,
                    "2018",
                    period_types=ANNUAL,
                    note="annual rates restated on 2018 units from 2010",
                ),
            ),
            yoy_max_factor=2.0,
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
                description=(
                    "Life expectancy at birth, both sexes, **years**. Source: dataset `life_expectancy`, "
                    'series total (sheet "Все население"). South Kazakhstan is labelled "Туркестанская" to '
                    "2016; the 2017 column already has Shymkent. Re-aggregation of parts: mean weighted by "
                    "average annual population (an approximation: life expectancy is not additive; exact "
                    "values would need the life tables)."
                ),
                min_value=50,
                max_value=90,
                indicator=Indicator("life_expectancy_years", "years at birth"),
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"years"}),
            series=SEX_URBAN_RURAL,
            series_may_lack=RURAL_HAS_NO_CITIES,
            ranges=(RangeRule(unit="years", min=50, max=90),),
            geographies=shymkent_from_2017("footnote *", "Shymkent shown from 2017"),
            boundary_breaks=SHYMKENT_FROM_2017_BREAKS,
            yoy_max_factor=1.1,
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
        measures=(
            Measure(
                "physicians",
                "persons",
                "persons (end of year)",
                "sum",
                description=(
                    "Physicians of all specialties at the end of the year, **persons**. Source: dataset "
                    "`physicians` (BNS xls, 2003-2022; 2008-2010 and from 2014 Ministry of Health data). "
                    'South Kazakhstan is labelled "Туркестанская" to 2017 (footnote). Re-aggregation of '
                    "parts: sum."
                ),
                min_value=0,
                max_value=100_000,
                whole_number=True,
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"persons"}),
            ranges=(persons(100, 200_000),),
            geographies=(
                GeoWindow(
                    None,
                    2017,
                    "pre2018_turkestan_label",
                    note="2003-2017 South Kazakhstan in the Turkestan row (footnote **)",
                ),
                GeoWindow(2018, 2021, "2018"),
                GeoWindow(2022, None, "2022"),
            ),
            boundary_breaks=((2018, frozenset({"KZ-61"})), (2022, SPLIT_2022_PARENTS)),
            yoy_max_factor=1.5,
        ),
    ),
    Dataset(
        id="investment_fixed_capital",
        title="Investment in fixed capital",
        snapshot_file="bns/makenerzhan_INVESTMENT_BY_REGION.csv",
        format="long_csv",
        parser="long_csv:parse_long_csv",
        unit="mln KZT",
        frequency="annual",
        notes="BNS dynamic table element 5546 (verified transcription, read twice); boundaries of the "
        "time: South Kazakhstan 2003-2017, Shymkent and Turkestan from 2018, Abai/Zhetisu/Ulytau from "
        "2022. The live element 5546 is an xlsx in another layout (no parser yet: PENDING_ROUTES).",
        measures=(
            Measure(
                "investment_mln_kzt",
                "mln KZT",
                "mln KZT",
                "sum",
                description="Investment in fixed capital (BNS element 5546), **mln KZT**, current prices.",
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"mln KZT"}),
            ranges=(RangeRule(unit="mln KZT", min=1_000, max=2e8),),
            # investment is lumpy: one project can double a small region's total in a year
            yoy_max_factor=3.0,
            notes="Boundaries of the time (BNS element 5546, verified transcription). Two real jumps warn: "
            "Zhambyl 2008 = 4.1 x 2007 and Shymkent 2019 = 0.33 x 2018 (the regions still sum to the "
            "national row in both years).",
        ),
    ),
    Dataset(
        id="urban_share",
        title="Urban share of the population",
        snapshot_file="bns/kz_urban_share_by_region_2019_2023__eri_taldau_derived.xlsx",
        format="xlsx",
        parser="bns_blocks:parse_urban_share",
        unit="%",
        frequency="annual",
        notes="2019-2022 and 'на 1 дек. 2023 г.' (a 1 December reading, kept as year 2023 with that "
        "label); Taldau-derived (Cagey7/Macrobulletin_project).",
        measures=(
            Measure(
                "urban_share_pct",
                "%",
                "% of population",
                "weighted_mean",
                weight_measure="population_avg",
                description="Urban share of the population, **%** (2019-2022; 2023 = 1 December).",
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"%"}),
            series=frozenset({"total"}),
            ranges=(RangeRule(unit="%", min=10, max=100),),
            yoy_max_factor=1.2,
            notes="2023 is a 1 December reading ('на 1 дек. 2023 г.').",
        ),
    ),
    Dataset(
        id="population_urban_rural",
        title="Population at the start of the year: total, urban, rural, by sex",
        snapshot_file="bns/kz_population_urban_rural_by_region_2000_2021__odk_reformatted.xlsx",
        format="xlsx",
        parser="bns_blocks:parse_population_urban_rural",
        unit="persons",
        frequency="annual",
        notes="Reformatted by open-data-kazakhstan (English labels). Urban and rural series before "
        "2008 are named *_pre2008: settlements were reclassified in 2008 (urban 8.83 M in 2007, "
        "8.27 M in 2008), so no growth is computed across the break.",
        measures=(
            Measure(
                "population_urban_jan1",
                "persons",
                "persons",
                "sum",
                series="urban",
                description="Urban population on 1 January, **persons** (2008-2021: the urban "
                "definition after the 2008 reclassification).",
            ),
            Measure(
                "population_rural_jan1",
                "persons",
                "persons",
                "sum",
                series="rural",
                description="Rural population on 1 January, **persons** (2008-2021).",
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"persons"}),
            series=frozenset(
                f"{sex}{area}{era}"
                for sex in ("", "men_", "women_")
                for area, era in (("urban", ""), ("urban", "_pre2008"), ("rural", ""), ("rural", "_pre2008"))
            )
            | frozenset({"total", "men", "women"}),
            ranges=(persons(1e3, 3e7),),
            series_may_lack=(("*rural*", frozenset({"KZ-71", "KZ-75", "KZ-79"})),),
            geographies=(
                GeoWindow(
                    None, 2016, "pre2018", note="Turkestan_region is South Kazakhstan while Shymkent is '-'"
                ),
                GeoWindow(2017, 2021, "2018", note="Shymkent from the 2017 column, as BNS element 6584"),
            ),
            boundary_breaks=((2017, frozenset({"KZ-61"})),),
            yoy_max_factor=1.3,  # Kyzylorda urban +27 % and Mangystau rural +28 % in a year
            notes="Urban/rural series before 2008 are *_pre2008 (2008 reclassification of settlements).",
        ),
    ),
    Dataset(
        id="general_schools",
        title="Number of general schools (start of the school year)",
        snapshot_file="bns/kz_general_schools_by_region_2000_2022__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_blocks:parse_general_schools",
        unit="units",
        frequency="annual",
        notes="School year 2000/01 = year 2000. Series total/urban/rural. Urban/rural cells of 2021/22 "
        "W31, W33-W37, W53, W55 are external-link formulas saved without a value: not available.",
        measures=(
            Measure(
                "general_schools",
                "units",
                "schools (start of the school year)",
                "sum",
                series="total",
                description="General (day) schools at the start of the school year t/t+1, **units**.",
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"units"}),
            series=frozenset({"total", "urban", "rural"}),
            ranges=(RangeRule(unit="units", min=10, max=10_000),),
            series_may_lack=(("rural", frozenset({"KZ-71", "KZ-75", "KZ-79"})),),
            geographies=(
                GeoWindow(None, 2013, "2018", note="Shymkent listed apart, Turkestan row without it"),
                GeoWindow(2014, 2015, "pre2018", note="Shymkent '…': the Turkestan row is South Kazakhstan"),
                GeoWindow(2016, 2021, "2018"),
                GeoWindow(
                    2021,
                    2021,
                    "2018",
                    may_lack=frozenset({"KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27"}),
                    note="2021/22 urban/rural cells W33-W37, W55 are formulas without a cached value",
                ),
                GeoWindow(2022, None, "2022"),
            ),
            boundary_breaks=(
                (2014, frozenset({"KZ-61"})),
                (2016, frozenset({"KZ-61"})),
                (2022, SPLIT_2022_PARENTS),
            ),
            # Turkestan has no row of its own in 2014-2015 (South Kazakhstan whole), not a hole
            known_missing_years=frozenset({2014, 2015}),
            yoy_max_factor=1.7,
            national=False,  # the 2021/22 urban and rural national cells are formulas without a value
            max_missing_share=0.2,
            notes="School year t/t+1 = year t. Urban/rural before 2008 exclude evening schools (footnote 2).",
        ),
    ),
    Dataset(
        id="buses",
        title="Bus transport: buses in stock, of individuals, passengers",
        snapshot_file="bns/kz_buses_by_region_1990_2022__bns_xlsx.xlsx",
        format="xlsx",
        parser="bns_blocks:parse_buses",
        unit="units",
        frequency="annual",
        notes="Regions from 2003 ('-' before). The 2021 national stock cell is '82 1892)' = 82 189 "
        "with footnote mark 2; it includes vehicles without a region (regions sum to 81 823).",
        measures=(
            Measure(
                "buses",
                "units",
                "buses in stock (end of year)",
                "sum",
                series="buses",
                description="Buses in stock, **units**.",
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"units", "mln passengers", "mln passenger-km"}),
            series=frozenset(
                {"buses", "buses_individual", "buses_registration", "buses_individual_registration"}
                | {"passengers", "passenger_km"}
            ),
            ranges=(
                RangeRule(series="buses*", unit="units", min=1, max=200_000, yoy_min_base=50),
                # passengers fell to a third in 2020 (COVID-19): warn, do not hide
                RangeRule(series="passengers", unit="mln passengers", min=0.1, max=50_000, yoy_min_base=5),
                RangeRule(
                    series="passenger_km", unit="mln passenger-km", min=1, max=200_000, yoy_min_base=50
                ),
            ),
            geographies=(
                GeoWindow(None, 2002, "pre2018", may_lack=PRE2018, note="national row only before 2003"),
                *AS_PUBLISHED,
                GeoWindow(2022, None, "2022", extra=frozenset({"KZ-YKO"}), note="registration rows (MVD)"),
            ),
            # 2021 into 2022 is not judged: the registration-based rows move by up to x 4 (see parser)
            yoy_skip_years=frozenset({2021, 2022}),
            yoy_max_factor=3.0,
            max_missing_share=0.6,  # '-' for every region before 2003 and for units not yet created
            notes="2021 national stock '82 1892)' = 82 189 with footnote mark 2 (vehicles without a region).",
        ),
    ),
    Dataset(
        id="rnd_expenditure",
        title="Internal R&D expenditure (BNS R&D bulletin 2022, table 1)",
        snapshot_file="bns/kz_rnd_expenditure_personnel_by_region_2022__bns_bulletin_kk.xls",
        format="xls",
        parser="bns_rnd:parse_rnd_expenditure",
        unit="thousand KZT",
        frequency="annual",
        lang="kz",
        notes="One year (2022), Kazakh labels; 'x' = confidential, '-' = none.",
        measures=(
            Measure(
                "rnd_expenditure_thousand_kzt",
                "thousand KZT",
                "thousand KZT",
                "sum",
                description="Internal R&D expenditure, **thousand KZT**, 2022 only.",
            ),
        ),
        expectations=DatasetRules(
            units=frozenset({"thousand KZT"}),
            series=frozenset({"total"}),
            ranges=(RangeRule(unit="thousand KZT", min=1_000, max=1e9),),
            geographies=(GeoWindow(2022, 2022, "2022"),),
            boundary_breaks=(),
            notes="One year (2022).",
        ),
    ),
    Dataset(
        id="population_by_district",
        title="Population by district and city administration (1 January 2023)",
        snapshot_file="bns/kz_population_by_district_2023_01_01__bns_bulletin18.xlsx",
        format="xlsx",
        parser="bns_district:parse_population_by_district",
        unit="persons",
        frequency="cross-section",
        lang="kz",
        notes="BNS bulletin 18, sheet 02, Kazakh labels; 220 units in 20 regions. A unit's series is "
        "'<measure>|<unit kind>|<centre or other>|<label as published>'; the region rows keep the "
        "plain measure name. '-' = none.",
        expectations=DatasetRules(
            units=frozenset({"persons"}),
            ranges=(persons(0, 3e7),),
            series_may_lack=(("*|*", G2022), ("*rural*", frozenset({"KZ-71", "KZ-75", "KZ-79"}))),
            geographies=(GeoWindow(2023, 2023, "2022"),),
            national=False,  # a unit's series (one region each) has no national row by construction
            boundary_breaks=(),
            max_missing_share=0.3,  # '-' (none) for the rural population of city administrations
            notes="One date (1 January 2023); units travel in series (see the parser).",
        ),
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
        if not isinstance(dataset.expectations, DatasetRules):
            raise ValueError(
                f"catalog: dataset {dataset.id!r} declares no expectations (a DatasetRules; "
                f"{EXTENSIONS_ENV}={names!r})"
            )
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
    "min_value",
    "max_value",
    "whole_number",
    "indicator",
    "indicator_unit",
    "indicator_scale",
    "indicator_per_capita",
)


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _indicator_row(indicator: Indicator | None) -> tuple:
    if indicator is None:
        return (None, None, None, None)
    return (indicator.name, indicator.unit, float(indicator.scale), indicator.per_capita)


def measure_rows(catalog: tuple[Dataset, ...] | None = None) -> list[tuple]:
    """Every declared measure as a row of ``raw.measure_catalog``, in catalog order (column order of
    the wide facts). A measure name may not repeat; a weight must name an additive measure."""
    datasets = CATALOG if catalog is None else catalog
    rows = [
        (m.measure, d.id, m.series, m.raw_unit, float(m.value_offset), m.unit, m.aggregation,
         m.weight_measure, m.description or f"{d.title} ({m.unit}).", _float(m.min_value),
         _float(m.max_value), m.whole_number, *_indicator_row(m.indicator))
        for d in datasets
        for m in d.measures
    ]  # fmt: skip
    names = [row[0] for row in rows]
    additive = {row[0] for row in rows if row[6] == "sum"}
    indicators = [row[12] for row in rows if row[12] is not None]
    for measure, dataset_id, *_, aggregation, weight, _description in (row[:9] for row in rows):
        if indicators.count(indicator := rows[names.index(measure)][12]) > 1 and indicator is not None:
            raise ValueError(f"catalog: indicator {indicator!r} declared twice (measure {measure!r})")
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


#: Live routes known for datasets whose live layout has no parser yet: the change that adds the parser
#: takes its ids from here (investment in fixed capital is in the catalog from its verified
#: transcription, read as a long CSV; element 5546 serves an xlsx that no parser reads yet). Income
#: differentiation (Gini, decile ratio, table 5 by region) has moved between file API elements over
#: the years; Taldau 704502 is the Gini over deciles (regional breakdown unchecked).
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

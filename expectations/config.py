"""Declarative per-dataset rules for the ingestion-boundary suites.

Everything a suite checks that differs between datasets lives here, as data: which units and series
a release may carry, the plausible range of values per series and unit, which sets of regions a year
may cover (the geography versions, with the documented back-estimate units some tables add), how far
a value may move from one year to the next, which years are known to be absent, and how many cells
may be confidential or missing. ``expectations.suites`` turns one :class:`DatasetRules` into a Great
Expectations suite; nothing in here imports GX.

Region codes follow the ingestion contract: ``KZ`` national, ISO 3166-2 ``KZ-10`` .. ``KZ-79``, and
the project code ``KZ-YKO`` for South Kazakhstan before 2018. The list of known codes is read at run
time from the ``regions.csv`` seed when it exists (:func:`known_region_codes`).
"""

from __future__ import annotations

import csv
import fnmatch
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingestion.settings import REFERENCE_DIR

NATIONAL = "KZ"

#: 14 oblasts + Almaty and Astana, with South Kazakhstan (``KZ-YKO``): the boundaries before 2018.
PRE2018: frozenset[str] = frozenset(
    {
        "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-35", "KZ-39",
        "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-63", "KZ-71", "KZ-75", "KZ-YKO",
    }
)  # fmt: skip
#: 2018-2021: South Kazakhstan renamed Turkestan (``KZ-61``), Shymkent (``KZ-79``) carved out.
G2018: frozenset[str] = (PRE2018 - {"KZ-YKO"}) | {"KZ-61", "KZ-79"}
#: From 2022: + Abai (from East Kazakhstan), Zhetisu (from Almaty region), Ulytau (from Karaganda).
G2022: frozenset[str] = G2018 | {"KZ-10", "KZ-33", "KZ-62"}
#: Pre-2018 territory published under the Turkestan label: BNS tables that carry South Kazakhstan's
#: history in the ``Туркестанская`` row (footnoted), which ingestion resolves to ``KZ-61`` by label.
PRE2018_TURKESTAN_LABEL: frozenset[str] = (PRE2018 - {"KZ-YKO"}) | {"KZ-61"}

GEOGRAPHIES: dict[str, frozenset[str]] = {
    "pre2018": PRE2018,
    "pre2018_turkestan_label": PRE2018_TURKESTAN_LABEL,
    "2018": G2018,
    "2022": G2022,
}

#: Fallback when ``regions.csv`` is absent: national, every unit of every geography.
FALLBACK_REGION_CODES: frozenset[str] = frozenset({NATIONAL}) | PRE2018 | G2018 | G2022

#: Parents whose territory changed in the 2022 split (their growth across it is not growth).
SPLIT_2022_PARENTS: frozenset[str] = frozenset({"KZ-19", "KZ-35", "KZ-63"})

REGIONS_SEED = "regions.csv"


@lru_cache(maxsize=8)
def _codes_from_seed(path: Path, mtime_ns: int) -> frozenset[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        column = next((c for c in ("region_code", "code") if c in (reader.fieldnames or [])), None)
        if column is None:
            raise ValueError(f"{path}: no region_code column (columns: {reader.fieldnames})")
        codes = {row[column].strip() for row in reader if row.get(column, "").strip()}
    if not codes:
        raise ValueError(f"{path}: no region codes")
    return frozenset(codes)


def known_region_codes(reference_dir: Path | None = None) -> tuple[frozenset[str], str]:
    """The known region codes and where they came from (the seed's path, or ``"fallback"``).

    Read from ``dbt_project/seeds/regions.csv`` (column ``region_code``) when the file exists, at
    every call but cached by modification time; the national code ``KZ`` is always known.
    """
    path = (reference_dir or REFERENCE_DIR) / REGIONS_SEED
    try:
        stat = path.stat()
    except OSError:
        return FALLBACK_REGION_CODES, "fallback"
    return _codes_from_seed(path, stat.st_mtime_ns) | {NATIONAL}, str(path)


@dataclass(frozen=True)
class RangeRule:
    """Plausible values of one series (or every series, ``series=None``) in one unit.

    ``min``/``max`` are the plausible range (a value outside it is a WARNING); a value more than
    ``magnitude_slack`` times outside it, or a release in which fewer than ``scale_mostly`` of the
    values are inside it, is a unit/scale error (BLOCKING). ``yoy_min_base`` keeps tiny values (a
    region with almost no mining) out of the year-over-year ratios; ``yoy_max_factor`` overrides the
    dataset's warning bound for this rule.
    """

    unit: str
    min: float | None
    max: float | None
    series: str | None = None  # a glob ("*_rural"); None = any series
    yoy_min_base: float = 0.0
    yoy_max_factor: float | None = None

    @property
    def label(self) -> str:
        return f"{self.series or '*'}[{self.unit}]"

    def matches(self, series: str, unit: str) -> bool:
        return unit == self.unit and (self.series is None or fnmatch.fnmatchcase(series, self.series))


@dataclass(frozen=True)
class GeoWindow:
    """Years ``first..last`` (inclusive, ``None`` = open) may cover geography ``geography``.

    A year matches when its set of regions (national excluded) contains every unit of the geography
    except the ``may_lack`` ones and nothing but those and the ``extra`` units. ``extra`` are
    documented units some tables publish on top (BNS back-estimates of Turkestan and Shymkent beside
    South Kazakhstan for 2011-2017, new regions that appear a year before their siblings);
    ``may_lack`` are units documented as not yet separate (Astana inside Akmola until 1997).
    """

    first: int | None
    last: int | None
    geography: str
    extra: frozenset[str] = frozenset()
    may_lack: frozenset[str] = frozenset()
    #: restrict the window to some periods: period types, and/or quarters (the quarter a period
    #: ends in: Q1 = quarter 1 or the first 3 months cumulative); None = every period
    period_types: frozenset[str] | None = None
    quarters: frozenset[int] | None = None
    note: str = ""

    def covers(self, year: int, period_type: str | None = None, quarter: int | None = None) -> bool:
        if self.first is not None and year < self.first:
            return False
        if self.last is not None and year > self.last:
            return False
        if self.period_types is not None and period_type not in self.period_types:
            return False
        return self.quarters is None or quarter in self.quarters

    @property
    def units(self) -> frozenset[str]:
        return GEOGRAPHIES[self.geography]

    def missing(self, regions: frozenset[str], may_lack: frozenset[str] = frozenset()) -> set:
        return set(self.units - self.may_lack - may_lack - regions)

    def unexpected(self, regions: frozenset[str]) -> set:
        return set(regions - self.units - self.extra)

    def accepts(self, regions: frozenset[str], may_lack: frozenset[str] = frozenset()) -> bool:
        return not self.missing(regions, may_lack) and not self.unexpected(regions)

    def describe(self) -> str:
        span = f"{self.first or '...'}-{self.last or '...'}"
        if self.period_types is not None:
            span += f" {'/'.join(sorted(self.period_types))}"
        if self.quarters is not None:
            span += f" Q{'/Q'.join(str(q) for q in sorted(self.quarters))}"
        text = f"{span}: {self.geography}"
        if self.extra:
            text += f" + optional {', '.join(sorted(self.extra))}"
        if self.may_lack:
            text += f" - optional {', '.join(sorted(self.may_lack))}"
        return text


_Q1 = frozenset({1})
_Q1_2018 = GeoWindow(2018, 2018, "pre2018", quarters=_Q1, note="Q1 2018: before the June split")
_Q1_2022 = GeoWindow(2022, 2022, "2018", quarters=_Q1, note="Q1 2022: before the June split")

#: Boundaries of the time, switching with the law: 2018 (Turkestan/Shymkent, June 2018) and 2022
#: (Abai/Zhetisu/Ulytau, June 2022); first-quarter figures of those years are on the old units.
AS_PUBLISHED: tuple[GeoWindow, ...] = (
    GeoWindow(None, 2017, "pre2018"),
    _Q1_2018,
    GeoWindow(2018, 2021, "2018"),
    _Q1_2022,
    GeoWindow(2022, None, "2022"),
)

_BACK_ESTIMATES = frozenset({"KZ-61", "KZ-79"})
_ANNUAL = frozenset({"annual"})
_SEX_URBAN_RURAL = frozenset(
    f"{sex}{area}" for sex in ("total", "men", "women") for area in ("", "_urban", "_rural")
)
#: cities of republican significance have no rural population
_RURAL_HAS_NO_CITIES = (("*_rural", frozenset({"KZ-71", "KZ-75", "KZ-79"})),)


@dataclass(frozen=True)
class DatasetRules:
    """Everything the suite of one catalog dataset needs to know about it."""

    dataset_id: str
    units: frozenset[str]
    ranges: tuple[RangeRule, ...]
    series: frozenset[str] | None = None  # None: any series name is accepted
    geographies: tuple[GeoWindow, ...] = AS_PUBLISHED
    national: bool = True  # the national row KZ is published for every year
    #: (year, region codes): growth into ``year`` is not computed for these regions (their
    #: territory changed), e.g. {2022: parents of the 2022 split}.
    boundary_breaks: tuple[tuple[int, frozenset[str]], ...] = ((2022, SPLIT_2022_PARENTS),)
    #: years into which no year-over-year ratio is computed at all (currency reform, method break)
    yoy_skip_years: frozenset[int] = frozenset()
    #: first year whose change against the previous year is judged by the WARNING bound
    yoy_warn_from_year: int | None = None
    yoy_max_factor: float = 1.5  # WARNING: value/previous year outside [1/f, f]
    unit_jump_factor: float = 100.0  # BLOCKING: value/previous year (or release) outside [1/f, f]
    revision_max_factor: float = 1.5  # WARNING: value/previous release's value outside [1/f, f]
    known_missing_years: frozenset[int] = frozenset()  # documented absent years (not a gap)
    gap_period_types: tuple[str, ...] = ("annual",)  # where a hole in the years is BLOCKING
    max_missing_share: float = 0.05  # WARNING: confidential/missing cells among existing regions
    scale_mostly: float = 0.5  # BLOCKING: at least this share of a rule's values in range
    magnitude_slack: float = 100.0  # BLOCKING: no value beyond range x/÷ this
    #: (series glob, units that series may lack), e.g. rural series have no rows for the cities
    series_may_lack: tuple[tuple[str, frozenset[str]], ...] = ()
    notes: str = ""

    def may_lack_for(self, series: str) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for pattern, codes in self.series_may_lack:
            if fnmatch.fnmatchcase(series, pattern):
                out |= codes
        return out


def _persons(lo: float, hi: float, **kw) -> RangeRule:
    return RangeRule(unit="persons", min=lo, max=hi, **kw)


RULES: dict[str, DatasetRules] = {
    r.dataset_id: r
    for r in (
        DatasetRules(
            dataset_id="grp_nominal",
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
                    extra=_BACK_ESTIMATES,
                    period_types=_ANNUAL,
                    note="annual BNS back-estimates of Turkestan and Shymkent beside South Kazakhstan",
                ),
                _Q1_2018,
                GeoWindow(2018, 2020, "2018"),
                GeoWindow(
                    2021, 2021, "2018", quarters=frozenset({1, 2, 3}), note="2021 quarters on 2018 units"
                ),
                _Q1_2022,
                GeoWindow(2021, None, "2022", note="annual GRP on 2022 boundaries from 2021"),
            ),
            boundary_breaks=((2021, SPLIT_2022_PARENTS), (2022, SPLIT_2022_PARENTS)),
            yoy_skip_years=frozenset({1993}),  # rouble -> tenge (1 KZT = 500 roubles), Nov 1993
            yoy_warn_from_year=1997,  # hyperinflation until 1995-96
            yoy_max_factor=2.0,
            notes="1990-1992 in mln roubles; quarters are cumulative from January.",
        ),
        DatasetRules(
            dataset_id="grp_per_capita",
            units=frozenset({"thousand KZT", "USD"}),
            series=frozenset({"kzt_thousand", "usd"}),
            ranges=(
                RangeRule(series="kzt_thousand", unit="thousand KZT", min=10, max=60_000),
                RangeRule(series="usd", unit="USD", min=100, max=200_000),
            ),
            yoy_max_factor=2.0,
        ),
        DatasetRules(
            dataset_id="population",
            units=frozenset({"persons"}),
            series=_SEX_URBAN_RURAL,
            ranges=(
                _persons(1e3, 3e7, series="*_urban", yoy_max_factor=1.7),
                _persons(1e3, 3e7, series="*_rural", yoy_max_factor=1.7),
                _persons(1e4, 3e7),
            ),
            series_may_lack=_RURAL_HAS_NO_CITIES,
            geographies=(
                GeoWindow(
                    None,
                    2016,
                    "pre2018_turkestan_label",
                    note="South Kazakhstan published in the Turkestan row (footnote 1)",
                ),
                GeoWindow(2017, 2021, "2018", note="Shymkent shown from the 2017 column"),
                GeoWindow(2022, None, "2022"),
            ),
            boundary_breaks=((2017, frozenset({"KZ-61"})), (2022, SPLIT_2022_PARENTS)),
            yoy_max_factor=1.2,  # Astana grew 15% a year in the 2000s; Mangystau 18% in 2009
        ),
        DatasetRules(
            dataset_id="population_average",
            units=frozenset({"persons"}),
            ranges=(_persons(1e4, 3e7),),
            geographies=(GeoWindow(None, None, "2022", note="restated on 2022 boundaries"),),
            boundary_breaks=(),
            yoy_max_factor=1.15,
        ),
        DatasetRules(
            dataset_id="income_annual",
            units=frozenset({"KZT per month"}),
            ranges=(RangeRule(unit="KZT per month", min=1_000, max=2_000_000),),
            yoy_max_factor=1.6,
        ),
        DatasetRules(
            dataset_id="income_quarterly",
            units=frozenset({"KZT per month"}),
            ranges=(RangeRule(unit="KZT per month", min=1_000, max=2_000_000),),
            yoy_max_factor=1.6,
        ),
        DatasetRules(
            dataset_id="unemployment_rate",
            units=frozenset({"%"}),
            ranges=(RangeRule(unit="%", min=0, max=40),),
            geographies=(
                *AS_PUBLISHED,
                GeoWindow(
                    2010,
                    2017,
                    "2018",
                    period_types=_ANNUAL,
                    note="annual rates restated on 2018 units from 2010",
                ),
            ),
            yoy_max_factor=2.0,
        ),
        DatasetRules(
            dataset_id="wages_nominal",
            units=frozenset({"thousand KZT"}),
            ranges=(RangeRule(unit="thousand KZT", min=20, max=5_000),),
            yoy_max_factor=1.6,
        ),
        DatasetRules(
            dataset_id="poverty_share",
            units=frozenset({"%"}),
            ranges=(RangeRule(unit="%", min=0, max=60, yoy_min_base=0.5),),
            yoy_max_factor=3.0,
        ),
        DatasetRules(
            dataset_id="life_expectancy",
            units=frozenset({"years"}),
            series=_SEX_URBAN_RURAL,
            series_may_lack=_RURAL_HAS_NO_CITIES,
            ranges=(RangeRule(unit="years", min=50, max=90),),
            geographies=(
                GeoWindow(
                    None,
                    2016,
                    "pre2018_turkestan_label",
                    note="South Kazakhstan published in the Turkestan row (footnote *)",
                ),
                GeoWindow(2017, 2021, "2018", note="Shymkent shown from 2017"),
                GeoWindow(2022, None, "2022"),
            ),
            boundary_breaks=((2017, frozenset({"KZ-61"})), (2022, SPLIT_2022_PARENTS)),
            yoy_max_factor=1.1,
        ),
        DatasetRules(
            dataset_id="physicians",
            units=frozenset({"persons"}),
            ranges=(_persons(100, 200_000),),
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
        *(
            DatasetRules(
                dataset_id=dataset_id,
                units=frozenset({"thousand persons"}),
                ranges=(RangeRule(unit="thousand persons", min=lo, max=hi),),
                geographies=(
                    GeoWindow(None, 2009, "pre2018"),
                    GeoWindow(2010, 2021, "2018", note="LFS restated on 2018 units from 2010"),
                    GeoWindow(2022, None, "2022"),
                ),
                known_missing_years=frozenset({2015}),
                yoy_max_factor=factor,
                notes="Labour force survey series have no 2015 rows.",
            )
            for dataset_id, lo, hi, factor in (
                ("employed", 10, 15_000, 1.3),
                ("labour_force", 10, 15_000, 1.3),
                ("unemployed", 0.5, 2_000, 1.6),
            )
        ),
        DatasetRules(
            dataset_id="grp_volume_index",
            units=frozenset({"% of previous year"}),
            ranges=(RangeRule(unit="% of previous year", min=50, max=200),),
            geographies=(
                GeoWindow(None, 2010, "pre2018"),
                GeoWindow(2011, 2017, "pre2018", extra=_BACK_ESTIMATES),
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
        DatasetRules(
            dataset_id="gva_by_section",
            units=frozenset({"mln KZT"}),
            series=frozenset({"GDP", "B"}),
            ranges=(
                RangeRule(series="GDP", unit="mln KZT", min=1e4, max=1e9),
                RangeRule(series="B", unit="mln KZT", min=0, max=1e9, yoy_min_base=1_000, yoy_max_factor=5.0),
            ),
            geographies=(
                GeoWindow(None, 2010, "pre2018"),
                GeoWindow(2011, 2017, "pre2018", extra=_BACK_ESTIMATES),
                GeoWindow(2018, 2020, "2018"),
                GeoWindow(2021, None, "2022"),
            ),
            boundary_breaks=((2021, SPLIT_2022_PARENTS),),
            yoy_max_factor=2.0,
        ),
    )
}


def rules_for(dataset_id: str) -> DatasetRules:
    """The rules of a built-in dataset, else those its catalog entry carries (a catalog extension)."""
    from ingestion.catalog import DATASETS

    try:
        return RULES[dataset_id]
    except KeyError:
        declared = getattr(DATASETS.get(dataset_id), "expectations", None)
        if isinstance(declared, DatasetRules):
            return declared
        raise KeyError(f"no expectation rules for dataset {dataset_id!r}; known: {sorted(RULES)}") from None

"""The vocabulary of the per-dataset rules of the ingestion-boundary suites.

Each dataset declares its rules in its catalog entry (``Dataset.expectations`` in
``ingestion.catalog``), as a :class:`DatasetRules` built from the types and shared pieces of this
module (geography windows, range rules, the labour force survey's maps); :func:`rules_for` reads them.
Everything a suite checks that differs between datasets is such data: which units and series
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
import dataclasses
import fnmatch
from dataclasses import dataclass, field
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


Q1 = frozenset({1})
Q1_2018 = GeoWindow(2018, 2018, "pre2018", quarters=Q1, note="Q1 2018: before the June split")
Q1_2022 = GeoWindow(2022, 2022, "2018", quarters=Q1, note="Q1 2022: before the June split")

#: Boundaries of the time, switching with the law: 2018 (Turkestan/Shymkent, June 2018) and 2022
#: (Abai/Zhetisu/Ulytau, June 2022); first-quarter figures of those years are on the old units.
AS_PUBLISHED: tuple[GeoWindow, ...] = (
    GeoWindow(None, 2017, "pre2018"),
    Q1_2018,
    GeoWindow(2018, 2021, "2018"),
    Q1_2022,
    GeoWindow(2022, None, "2022"),
)

BACK_ESTIMATES = frozenset({"KZ-61", "KZ-79"})
ANNUAL = frozenset({"annual"})
SEX_URBAN_RURAL = frozenset(
    f"{sex}{area}" for sex in ("total", "men", "women") for area in ("", "_urban", "_rural")
)
#: cities of republican significance have no rural population
RURAL_HAS_NO_CITIES = (("*_rural", frozenset({"KZ-71", "KZ-75", "KZ-79"})),)


@dataclass(frozen=True)
class DatasetRules:
    """Everything the suite of one catalog dataset needs to know about it.

    Declared in the dataset's catalog entry (``Dataset.expectations`` in ``ingestion.catalog``), where
    ``dataset_id`` is left out: :func:`rules_for` fills it in from the entry.
    """

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
    dataset_id: str = field(default="", kw_only=True)

    def may_lack_for(self, series: str) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for pattern, codes in self.series_may_lack:
            if fnmatch.fnmatchcase(series, pattern):
                out |= codes
        return out


def persons(lo: float, hi: float, **kw) -> RangeRule:
    return RangeRule(unit="persons", min=lo, max=hi, **kw)


#: Growth breaks of a table that shows Shymkent from 2017 (Turkestan's territory changes then)
#: and the 2022 split.
SHYMKENT_FROM_2017_BREAKS: tuple[tuple[int, frozenset[str]], ...] = (
    (2017, frozenset({"KZ-61"})),
    (2022, SPLIT_2022_PARENTS),
)


def shymkent_from_2017(footnote: str, shymkent_note: str) -> tuple[GeoWindow, ...]:
    """Maps of a table that carries South Kazakhstan in the Turkestan row to 2016 (its ``footnote``)
    and shows Shymkent from the 2017 column (population, life expectancy)."""
    return (
        GeoWindow(
            None,
            2016,
            "pre2018_turkestan_label",
            note=f"South Kazakhstan published in the Turkestan row ({footnote})",
        ),
        GeoWindow(2017, 2021, "2018", note=shymkent_note),
        GeoWindow(2022, None, "2022"),
    )


#: The labour force survey's maps: restated on 2018 units from 2010 (employed, labour force, unemployed).
LFS_GEOGRAPHIES: tuple[GeoWindow, ...] = (
    GeoWindow(None, 2009, "pre2018"),
    GeoWindow(2010, 2021, "2018", note="LFS restated on 2018 units from 2010"),
    GeoWindow(2022, None, "2022"),
)


def lfs_rules(lo: float, hi: float, yoy_max_factor: float) -> DatasetRules:
    """Rules of a labour force survey count in thousand persons (no 2015 rows)."""
    return DatasetRules(
        units=frozenset({"thousand persons"}),
        ranges=(RangeRule(unit="thousand persons", min=lo, max=hi),),
        geographies=LFS_GEOGRAPHIES,
        known_missing_years=frozenset({2015}),
        yoy_max_factor=yoy_max_factor,
        notes="Labour force survey series have no 2015 rows.",
    )


def rules_for(dataset_id: str) -> DatasetRules:
    """The rules a dataset's catalog entry declares (``Dataset.expectations``), named for it.

    The catalog (``ingestion.catalog``, with its extensions) is the one home of a dataset's rules; it is
    imported here, not at module level, because the catalog imports the rule types of this module.
    """
    from ingestion.catalog import get

    rules = get(dataset_id).expectations
    if not isinstance(rules, DatasetRules):
        raise KeyError(f"dataset {dataset_id!r}: its catalog entry declares no expectations (DatasetRules)")
    return dataclasses.replace(rules, dataset_id=dataset_id)


def all_rules() -> dict[str, DatasetRules]:
    """The rules of every catalog dataset (built-in and extensions), by dataset id."""
    from ingestion.catalog import CATALOG

    return {dataset.id: rules_for(dataset.id) for dataset in CATALOG}

"""What every parser shares: limits, cell values, period labels, output rows, precise errors.

Nothing in here reads a path or a name from the payload: parsers get bytes and a ``ParseContext``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ingestion.errors import ParseError
from ingestion.schema import OBSERVATION_COLUMNS

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

# Caps against hostile or broken payloads. A payload over a cap is an error, never truncated.
MAX_SHEETS = 100  # the BNS R&D bulletin has 56 (52 tables + 4 text sheets)
MAX_ROWS = 5_000  # per sheet
MAX_COLS = 1_000  # per sheet
MAX_LINES = 500_000  # CSV lines
MAX_FIELD_CHARS = 10_000  # one CSV field / label / cell text
MAX_OBSERVATIONS = 2_000_000  # rows one payload may produce
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # xlsx (zip) members, summed
MAX_COMPRESSION_RATIO = 200  # xlsx member uncompressed/compressed

PERIOD_ANNUAL = "annual"
PERIOD_QUARTER = "quarter"
PERIOD_CUMULATIVE = "cumulative"

FLAG_CONFIDENTIAL = "confidential"
FLAG_NOT_AVAILABLE = "not_available"


def fail(ctx: ParseContext, location: str, message: str) -> ParseError:
    """A ParseError naming the context's dataset and file (raise it)."""
    return ParseError(ctx.dataset.id, ctx.file_name, location, message)


# ---------------------------------------------------------------------------------------------
# Text helpers


_WS = re.compile(r"\s+")
#: Footnote marks attached to a header or label: "19901)", "20232)", "year2)", "2019**", "(1)".
_FOOTNOTE_AFTER_YEAR = re.compile(r"(?<=(?:19|20)\d\d)\d{1,2}\)\s*$")
_FOOTNOTE_SUFFIX = re.compile(r"(?:\s*\(\d{1,2}\)|\s*(?<!\d)\d{1,2}\)|\s*\*+)\s*$")
#: A label that starts a footnote or note under a table: "1) ...", "*Данные ...", "Примечание".
_FOOTNOTE_ROW = re.compile(
    r"^\s*(?:\(?\d{1,2}\)|\*+|примечани|примечание|note\b|notes\b|ескерту|source:|источник:)",
    re.IGNORECASE,
)


def clean_text(value: object) -> str:
    """NFKC, non-breaking and other odd spaces made plain, whitespace collapsed, stripped."""
    text = unicodedata.normalize("NFKC", str(value))
    return _WS.sub(" ", text).strip()


def strip_footnote_marks(text: str) -> str:
    """``"19901)"`` -> ``"1990"``, ``"year2)"`` -> ``"year"``, ``"2019**"`` -> ``"2019"``."""
    while True:
        stripped = _FOOTNOTE_SUFFIX.sub("", _FOOTNOTE_AFTER_YEAR.sub("", text))
        if stripped == text:
            return text.strip()
        text = stripped


def is_footnote_label(value: object) -> bool:
    """True for a label that starts a footnote/note row (``1) ...``, ``*Данные ...``)."""
    return isinstance(value, str) and bool(_FOOTNOTE_ROW.match(clean_text(value)))


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


# ---------------------------------------------------------------------------------------------
# Values


_NUMBER = re.compile(r"^[-+−]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d+)?$")
_CONFIDENTIAL = {"x", "х"}  # Latin x, Cyrillic х (BNS uses both), any case
_NOT_AVAILABLE = {"-", "–", "—", "−", "…", "...", "..", "n/a", "н/д"}


def parse_value(raw: object) -> tuple[float | None, str | None]:
    """One published cell -> (value, flag). Raises ``ValueError`` for anything not understood.

    Numbers may be text with space/non-breaking-space thousands separators and a decimal comma
    (``"14 602"``, ``"5,3"``). ``"x"`` is confidential; ``"-"`` and empty cells are not available.
    """
    if is_blank(raw):
        return None, FLAG_NOT_AVAILABLE
    if isinstance(raw, bool):
        raise ValueError(f"boolean {raw!r} where a number was expected")
    if isinstance(raw, int | float):
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError(f"non-finite number {raw!r}")
        return number, None
    if not isinstance(raw, str):
        raise ValueError(f"{type(raw).__name__} {raw!r} where a number was expected")
    if len(raw) > 100:
        raise ValueError(f"text of {len(raw)} characters where a number was expected")
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.casefold() in _CONFIDENTIAL:
        return None, FLAG_CONFIDENTIAL
    if text in _NOT_AVAILABLE:
        return None, FLAG_NOT_AVAILABLE
    compact = re.sub(r"[\s\u00a0\u2007\u202f\u2009']", "", text)
    if "," in compact and "." in compact:
        raise ValueError(f"ambiguous number {raw!r} (both ',' and '.')")
    if not _NUMBER.match(compact):
        raise ValueError(f"cannot read {raw!r} as a number")
    number = float(compact.replace(",", ".").replace("−", "-"))
    if not math.isfinite(number):
        raise ValueError(f"non-finite number {raw!r}")
    return number, None


# ---------------------------------------------------------------------------------------------
# Periods


@dataclass(frozen=True)
class Period:
    year: int
    period_type: str  # annual | quarter | cumulative
    months: int
    quarter: int | None


@dataclass(frozen=True)
class SubPeriod:
    """The lower cell of a two-row header ("I quarter", "year", "Год", "I кв", "9 месяцев")."""

    period_type: str
    months: int
    quarter: int | None

    def with_year(self, year: int) -> Period:
        return Period(year, self.period_type, self.months, self.quarter)


_YEAR = r"(?P<year>(?:19|20)\d{2})"
_YEAR_WORD = r"(?:\s*(?:года|год|гг|г|year|жылғы|жылы|жыл|ж))?\.?"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QNUM = r"(?P<q>iv|iii|ii|i|[1-4])(?:\s*-?\s*(?:й|ый|ой|ший|st|nd|rd|th))?"
_QWORD = r"(?:quarter|qtr|квартал|кв|тоқсан|токсан)\.?"
_HALF = r"(?:half[\s-]?year|полугодие|полугодия|жартыжылдық|жарты\s*жыл)"
_NINE = r"(?:9|девять)\s*(?:months|month|месяцев|мес|ай)\.?"
_OF = r"(?:\s*(?:of|за))?\s*"

_ANNUAL_RE = re.compile(rf"^{_YEAR}{_YEAR_WORD}$")
_QUARTER_RES = (
    re.compile(rf"^{_QNUM}\s*{_QWORD}{_OF}{_YEAR}{_YEAR_WORD}$"),
    re.compile(rf"^{_YEAR}{_YEAR_WORD}\s*[-,/]?\s*{_QNUM}\s*{_QWORD}$"),
    re.compile(rf"^{_YEAR}\s*[-/]?\s*q(?P<q>[1-4])$"),
    re.compile(rf"^q(?P<q>[1-4])\s*[-/]?\s*{_YEAR}$"),
)
_HALF_RES = (
    re.compile(rf"^(?:1|i|первое|first)?\s*-?\s*{_HALF}{_OF}{_YEAR}{_YEAR_WORD}$"),
    re.compile(rf"^{_YEAR}{_YEAR_WORD}\s*[-,/]?\s*(?:1|i)?\s*{_HALF}$"),
)
_NINE_RES = (
    re.compile(rf"^{_NINE}{_OF}{_YEAR}{_YEAR_WORD}$"),
    re.compile(rf"^{_YEAR}{_YEAR_WORD}\s*[-,/]?\s*{_NINE}$"),
)
_MONTH_RANGE = re.compile(
    rf"^(?:январь|january|jan)\s*-\s*(?P<end>март|июнь|сентябрь|декабрь|march|june|september|december|"
    rf"mar|jun|sep|dec){_OF}{_YEAR}{_YEAR_WORD}$"
)
_MONTH_END = {
    "март": 3, "march": 3, "mar": 3, "июнь": 6, "june": 6, "jun": 6,
    "сентябрь": 9, "september": 9, "sep": 9, "декабрь": 12, "december": 12, "dec": 12,
}  # fmt: skip

_SUB_ANNUAL = re.compile(r"^(?:year|год|жыл|annual|итого за год|за год)\.?$")
_SUB_QUARTER = re.compile(rf"^{_QNUM}\s*{_QWORD}$")
_SUB_HALF = re.compile(rf"^(?:1|i)?\s*-?\s*{_HALF}$")
_SUB_NINE = re.compile(rf"^{_NINE}$")


def _normalize_period_text(raw: object) -> str:
    text = clean_text(raw).casefold().replace("ё", "е")
    text = strip_footnote_marks(text)
    return re.sub(r"\s*-\s*", "-", text) if "январ" in text or "jan" in text else text


def _from_cumulative_months(year: int, months: int) -> Period:
    if months == 12:
        return Period(year, PERIOD_ANNUAL, 12, None)
    if months == 3:
        return Period(year, PERIOD_QUARTER, 3, 1)
    return Period(year, PERIOD_CUMULATIVE, months, months // 3)


def parse_period(raw: object) -> Period | None:
    """A published period label -> Period, or None if it is not a (complete) period label.

    Understands years as numbers (``2008``, ``2008.0``) or text (``"2006 год"``, ``"19901)"``,
    ``"20232)"``), quarters (``"1 quarter of 2008"``, ``"I квартал 2008 года"``,
    ``"3 квартал 2015 г."``, ``"2015Q3"``), cumulative periods from January (``"1 half-year of
    2008"``, ``"I полугодие 2008 года"``, ``"9 months of 2008"``, ``"9 месяцев 2008 года"``,
    ``"январь-июнь 2008"``). Six-digit ``YYYYMM`` codes are not periods by themselves (annual and
    fourth-quarter codes look alike); see :func:`parse_period_code`.
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or raw != int(raw) or not 1900 <= int(raw) <= 2099:
            return None
        return Period(int(raw), PERIOD_ANNUAL, 12, None)
    text = _normalize_period_text(raw)
    if not text or len(text) > 80:
        return None
    if m := _ANNUAL_RE.match(text):
        return Period(int(m["year"]), PERIOD_ANNUAL, 12, None)
    for regex in _QUARTER_RES:
        if m := regex.match(text):
            return Period(int(m["year"]), PERIOD_QUARTER, 3, _ROMAN[m["q"]])
    for regex in _HALF_RES:
        if m := regex.match(text):
            return Period(int(m["year"]), PERIOD_CUMULATIVE, 6, 2)
    for regex in _NINE_RES:
        if m := regex.match(text):
            return Period(int(m["year"]), PERIOD_CUMULATIVE, 9, 3)
    if m := _MONTH_RANGE.match(text):
        return _from_cumulative_months(int(m["year"]), _MONTH_END[m["end"]])
    return None


def parse_subperiod(raw: object) -> SubPeriod | None:
    """The lower cell of a two-row header (the year is in the cell above), or None."""
    if not isinstance(raw, str):
        return None
    text = _normalize_period_text(raw)
    if _SUB_ANNUAL.match(text):
        return SubPeriod(PERIOD_ANNUAL, 12, None)
    if m := _SUB_QUARTER.match(text):
        return SubPeriod(PERIOD_QUARTER, 3, _ROMAN[m["q"]])
    if _SUB_HALF.match(text):
        return SubPeriod(PERIOD_CUMULATIVE, 6, 2)
    if _SUB_NINE.match(text):
        return SubPeriod(PERIOD_CUMULATIVE, 9, 3)
    return None


_PERIOD_CODE = re.compile(r"^(?P<year>(?:19|20)\d{2})(?P<month>0[1-9]|1[0-2])$")


def parse_period_code(raw: object) -> tuple[int, int] | None:
    """A BNS ``PERIOD`` code ``YYYYMM`` (month = last month covered) -> (year, month)."""
    text = clean_text(raw)
    if text.endswith(".0"):
        text = text[:-2]
    m = _PERIOD_CODE.match(text)
    return (int(m["year"]), int(m["month"])) if m else None


def period_from_code(year: int, month: int, frequency: str) -> Period | None:
    """A period from a ``YYYYMM`` code when no label says more: the dataset frequency decides."""
    if frequency == "annual" and month == 12:
        return Period(year, PERIOD_ANNUAL, 12, None)
    if frequency == "quarterly" and month in (3, 6, 9, 12):
        return Period(year, PERIOD_QUARTER, 3, month // 3)
    return None


def period_end_month(period: Period) -> int:
    if period.period_type == PERIOD_ANNUAL:
        return 12
    assert period.quarter is not None
    return period.quarter * 3


def raw_text(value: object) -> str:
    """A header or label cell as text, exactly as published (numbers without a spurious ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------------------------
# Output


class Observations:
    """Collects output rows of one payload; checks uniqueness of (series, region, period)."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.rows: list[dict[str, Any]] = []
        self._seen: dict[tuple[str, str, str], str] = {}

    def add(
        self,
        *,
        location: str,
        series: str,
        region_label: str,
        region_code: str,
        period_label: str,
        period: Period,
        raw_value: object,
        unit: str,
    ) -> None:
        try:
            value, flag = parse_value(raw_value)
        except ValueError as exc:
            raise fail(self.ctx, location, str(exc)) from None
        # the period too: one label may stand for two periods in a release that merges answers
        # (Taldau's ``y122020`` is the year in the year answer and the fourth quarter in the quarter one)
        key = (series, region_code, period_label.strip(), period.period_type, period.months)
        if key in self._seen:
            raise fail(
                self.ctx,
                location,
                f"duplicate cell: series {series!r}, region {region_code} ({region_label!r}), "
                f"period {period_label!r} already read at {self._seen[key]}",
            )
        if len(self.rows) >= MAX_OBSERVATIONS:
            raise fail(self.ctx, location, f"more than {MAX_OBSERVATIONS} observations")
        self._seen[key] = location
        self.rows.append(
            {
                "dataset_id": self.ctx.dataset.id,
                "release_id": self.ctx.release_id,
                "source_file": self.ctx.file_name,
                "location": location,
                "series": series,
                "region_label": region_label,
                "region_code": region_code,
                "period_label": period_label,
                "year": period.year,
                "period_type": period.period_type,
                "months": period.months,
                "quarter": period.quarter,
                "value": value,
                "value_flag": flag,
                "unit": unit,
            }
        )

    def frame(self, *, what: str = "payload") -> pd.DataFrame:
        if not self.rows:
            raise fail(self.ctx, what, "no observations found")
        frame = pd.DataFrame(self.rows, columns=list(OBSERVATION_COLUMNS))
        for column, dtype in OBSERVATION_COLUMNS.items():
            frame[column] = frame[column].astype(dtype)
        return frame

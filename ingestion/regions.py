"""Region labels -> region codes, through the alias seed ``dbt_project/seeds/region_aliases.csv``.

Published labels vary across files and languages (``г.Астана``/``Нур-Султан``, ``Туркестанская2)``,
``Жетісу``/``Jetisu``/``Zhetysu``, ``BATYS-KAZAKHSTAN REGION``, English labels typed with Cyrillic
look-alike letters such as ``Аktobе``). :func:`normalize_label` folds the harmless differences
(Unicode form, case, footnote marks, punctuation, whitespace and hyphen variants, look-alike
letters) and :func:`resolve_region` looks the result up in the alias seed. A label that is not in
the seed raises :class:`~ingestion.errors.UnknownRegionLabel`; nothing is guessed.

Resolution is by label only: it knows nothing about years. ``Туркестанская`` is ``KZ-61`` whether
the column is 2010 or 2020; what a pre-2018 Turkestan row means (South Kazakhstan restated or not)
is decided downstream, per dataset.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingestion.errors import UnknownRegionLabel
from ingestion.settings import REFERENCE_DIR

ALIASES_FILE = "region_aliases.csv"
REGIONS_FILE = "regions.csv"

#: Cyrillic letters that look like Latin ones, for labels that are mostly Latin ("Аktobе").
_CYR_TO_LAT = str.maketrans(
    {
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b",
    }
)  # fmt: skip

#: Latin letters that look like Cyrillic ones, for labels that are mostly Cyrillic ("Жетiсу").
_LAT_TO_CYR = str.maketrans(
    {
        "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р",
        "C": "С", "T": "Т", "X": "Х", "I": "І", "a": "а", "e": "е", "o": "о", "p": "р",
        "c": "с", "x": "х", "y": "у", "i": "і",
    }
)  # fmt: skip

_HYPHENS = re.compile(r"[\u002d\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]")
# Footnote marks at the end of a label: "2)", "(1)", "*", "**", "3)", and a bare " 1" after a word
# of at least four letters ("Туркестанская 1"), so that codes such as "KZ-10" keep their digits.
_TRAILING_FOOTNOTES = re.compile(r"(?:\s*(?:\(\d{1,2}\)|\d{1,2}\)|\*+)|(?<=[^\W\d_]{4})\s?\d{1,2})+\s*$")
_PUNCTUATION = re.compile(r"[.,;:'\"«»“”„()\[\]/\\_]+")
_SPACES = re.compile(r"\s+")


def _script_counts(text: str) -> tuple[int, int]:
    latin = cyrillic = 0
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("LATIN"):
            latin += 1
        elif name.startswith("CYRILLIC"):
            cyrillic += 1
    return latin, cyrillic


def normalize_label(label: object) -> str:
    """Fold a published region label to its lookup key.

    NFKC, footnote marks stripped (``Туркестанская2)``, ``Туркестанская 1``, ``Туркестанская**``),
    look-alike letters mapped to the label's majority script, ``ё`` -> ``е``, case folded,
    punctuation and hyphen variants turned into spaces, whitespace collapsed. Idempotent.
    """
    text = unicodedata.normalize("NFKC", str(label)).strip().rstrip(".;:, ")
    text = _TRAILING_FOOTNOTES.sub("", text)
    latin, cyrillic = _script_counts(text)
    if latin > cyrillic and cyrillic:
        text = text.translate(_CYR_TO_LAT)
    elif cyrillic > latin and latin:
        text = text.translate(_LAT_TO_CYR)
    text = text.casefold().replace("ё", "е")
    text = _HYPHENS.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class AliasTable:
    """The alias seed, loaded and checked: normalized alias -> region code."""

    codes: dict[str, str]
    region_codes: frozenset[str]
    path: Path


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def load_aliases(reference_dir: Path = REFERENCE_DIR) -> AliasTable:
    """Read ``regions.csv`` and ``region_aliases.csv`` once and check them.

    Raises ``ValueError`` if an alias is not in normalized form, maps to two codes, or points to a
    code that ``regions.csv`` does not define.
    """
    regions = _read_csv(reference_dir / REGIONS_FILE)
    region_codes = frozenset(row["region_code"] for row in regions)
    path = reference_dir / ALIASES_FILE
    codes: dict[str, str] = {}
    for line, row in enumerate(_read_csv(path), start=2):
        alias, code = row["alias_normalized"], row["region_code"]
        if normalize_label(alias) != alias:
            raise ValueError(f"{path} line {line}: alias {alias!r} is not normalized")
        if code not in region_codes:
            raise ValueError(f"{path} line {line}: unknown region_code {code!r}")
        if normalize_label(row["example_label"]) != alias:
            raise ValueError(
                f"{path} line {line}: example {row['example_label']!r} does not normalize to {alias!r}"
            )
        previous = codes.setdefault(alias, code)
        if previous != code:
            raise ValueError(f"{path} line {line}: alias {alias!r} maps to {previous} and {code}")
    return AliasTable(codes=codes, region_codes=region_codes, path=path)


def lookup_region(label: object) -> str | None:
    """The region code of a label, or ``None`` if the alias table does not know it."""
    return load_aliases().codes.get(normalize_label(label))


def resolve_region(label: object, *, dataset_id: str, file_name: str, location: str) -> str:
    """Resolve a published label to a region code, or raise ``UnknownRegionLabel``."""
    code = lookup_region(label)
    if code is None:
        raise UnknownRegionLabel(
            dataset_id,
            file_name,
            location,
            f"unknown region label {label!r} (normalized {normalize_label(label)!r}); "
            f"add it to {ALIASES_FILE} if it is a region",
        )
    return code

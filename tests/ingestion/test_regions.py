"""The region reference seeds and label resolution."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from ingestion.errors import UnknownRegionLabel
from ingestion.regions import (
    ALIASES_FILE,
    REGIONS_FILE,
    load_aliases,
    lookup_region,
    normalize_label,
    resolve_region,
)
from ingestion.settings import REFERENCE_DIR, SNAPSHOT_DIR

REGION_COLUMNS = [
    "region_code",
    "iso_3166_2",
    "kato_prefix",
    "name_en",
    "name_ru",
    "name_kk",
    "region_type",
    "macro_region",
    "valid_from_year",
    "valid_to_year",
    "comparable_region_code",
    "comparable_region_name_en",
]
CURRENT_UNITS = {
    "KZ-10": "Abai",
    "KZ-11": "Akmola",
    "KZ-15": "Aktobe",
    "KZ-19": "Almaty Region",
    "KZ-23": "Atyrau",
    "KZ-27": "West Kazakhstan",
    "KZ-31": "Zhambyl",
    "KZ-33": "Zhetisu",
    "KZ-35": "Karaganda",
    "KZ-39": "Kostanay",
    "KZ-43": "Kyzylorda",
    "KZ-47": "Mangystau",
    "KZ-55": "Pavlodar",
    "KZ-59": "North Kazakhstan",
    "KZ-61": "Turkestan",
    "KZ-62": "Ulytau",
    "KZ-63": "East Kazakhstan",
    "KZ-71": "Astana",
    "KZ-75": "Almaty city",
    "KZ-79": "Shymkent",
}
MACRO = {
    "West": {"KZ-15", "KZ-23", "KZ-27", "KZ-47"},
    "North": {"KZ-11", "KZ-39", "KZ-55", "KZ-59", "KZ-71"},
    "Central": {"KZ-35", "KZ-62"},
    "East": {"KZ-63", "KZ-10"},
    "South": {"KZ-19", "KZ-33", "KZ-31", "KZ-43", "KZ-61", "KZ-79", "KZ-75", "KZ-YKO"},
}
COMPARABLE = {
    "KZ-19": "KZ-19-33",
    "KZ-33": "KZ-19-33",
    "KZ-35": "KZ-35-62",
    "KZ-62": "KZ-35-62",
    "KZ-63": "KZ-63-10",
    "KZ-10": "KZ-63-10",
    "KZ-61": "KZ-61-79",
    "KZ-79": "KZ-61-79",
    "KZ-YKO": "KZ-61-79",
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def regions() -> dict[str, dict[str, str]]:
    rows = _read(REFERENCE_DIR / REGIONS_FILE)
    return {row["region_code"]: row for row in rows}


@pytest.fixture(scope="module")
def aliases() -> list[dict[str, str]]:
    return _read(REFERENCE_DIR / ALIASES_FILE)


# ---------------------------------------------------------------------------------------------
# regions.csv


def test_regions_columns_and_units(regions) -> None:
    with (REFERENCE_DIR / REGIONS_FILE).open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == REGION_COLUMNS
    assert set(regions) == {"KZ", "KZ-YKO", *CURRENT_UNITS}
    for code, row in regions.items():
        if code in ("KZ", "KZ-YKO"):
            assert row["iso_3166_2"] == ""
        else:
            assert row["iso_3166_2"] == code
            assert row["kato_prefix"] == code.removeprefix("KZ-")
        assert row["name_en"] and row["name_ru"] and row["name_kk"]
    assert regions["KZ"]["region_type"] == "country"
    assert {c for c, r in regions.items() if r["region_type"] == "city"} == {"KZ-71", "KZ-75", "KZ-79"}
    assert regions["KZ-YKO"]["kato_prefix"] == "51"


def test_regions_validity(regions) -> None:
    assert (regions["KZ-YKO"]["valid_from_year"], regions["KZ-YKO"]["valid_to_year"]) == ("1990", "2017")
    for code in ("KZ-61", "KZ-79"):
        assert regions[code]["valid_from_year"] == "2018"
    for code in ("KZ-10", "KZ-33", "KZ-62"):
        assert regions[code]["valid_from_year"] == "2022"
    assert all(r["valid_to_year"] == "" for c, r in regions.items() if c != "KZ-YKO")
    assert all(r["valid_from_year"].isdigit() for r in regions.values())


def test_macro_regions(regions) -> None:
    for macro, codes in MACRO.items():
        assert {c for c, r in regions.items() if r["macro_region"] == macro} == codes
    assert regions["KZ"]["macro_region"] == ""


def test_comparable_regions(regions) -> None:
    for code, row in regions.items():
        assert row["comparable_region_code"] == COMPARABLE.get(code, code)
        assert row["comparable_region_name_en"]
    names = {}
    for row in regions.values():
        names.setdefault(row["comparable_region_code"], set()).add(row["comparable_region_name_en"])
    assert all(len(n) == 1 for n in names.values())
    # 16 stable units + the country.
    assert len(names) == 17


# ---------------------------------------------------------------------------------------------
# region_aliases.csv


def test_aliases_are_normalized_unique_and_point_to_regions(aliases, regions) -> None:
    with (REFERENCE_DIR / ALIASES_FILE).open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [
            "alias_normalized",
            "region_code",
            "example_label",
            "source_note",
        ]
    keys = [row["alias_normalized"] for row in aliases]
    assert len(keys) == len(set(keys)), "one normalized alias must never map to two rows"
    for row in aliases:
        assert normalize_label(row["alias_normalized"]) == row["alias_normalized"]
        assert normalize_label(row["example_label"]) == row["alias_normalized"]
        assert row["region_code"] in regions
        assert row["source_note"]
    # Every unit can be found by its official names.
    for code, row in regions.items():
        for column in ("name_en", "name_ru", "name_kk"):
            assert lookup_region(row[column]) == code, (code, row[column])


def test_alias_table_refuses_conflicts(tmp_path: Path) -> None:
    shutil.copy(REFERENCE_DIR / REGIONS_FILE, tmp_path / REGIONS_FILE)
    rows = _read(REFERENCE_DIR / ALIASES_FILE)
    rows.append({**rows[0], "region_code": "KZ-11"} if rows[0]["region_code"] != "KZ-11" else rows[0])
    with (tmp_path / ALIASES_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match="maps to"):
        load_aliases(tmp_path)


def test_alias_table_refuses_unnormalized_alias(tmp_path: Path) -> None:
    shutil.copy(REFERENCE_DIR / REGIONS_FILE, tmp_path / REGIONS_FILE)
    (tmp_path / ALIASES_FILE).write_text(
        "alias_normalized,region_code,example_label,source_note\nАктобе,KZ-15,Актобе,test\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not normalized"):
        load_aliases(tmp_path)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Республика Казахстан ", "KZ"),
        ("РЕСПУБЛИКА КАЗАХСТАН", "KZ"),
        ("REPUBLIC OF KAZAKHSTAN", "KZ"),
        ("Republic of Kazakhstan", "KZ"),
        ("national", "KZ"),
        ("г.Астана", "KZ-71"),
        ("г. Астана", "KZ-71"),
        ("город Астана", "KZ-71"),
        ("Нур-Султан", "KZ-71"),
        ("г. Нур-Султан", "KZ-71"),
        ("Astana city2)", "KZ-71"),
        ("Туркестанская2)", "KZ-61"),
        ("Туркестанская 1", "KZ-61"),
        ("Туркестанская*", "KZ-61"),
        ("Туркестанская**", "KZ-61"),
        ("Turkestanskaya 3)", "KZ-61"),
        ("TURKISTAN REGION", "KZ-61"),
        ("Жетісу", "KZ-33"),
        ("Жетысу", "KZ-33"),
        ("Жетiсу", "KZ-33"),  # Latin i inside a Cyrillic word
        ("Jetisu", "KZ-33"),
        ("Zhetysu", "KZ-33"),
        ("Zhetisu ", "KZ-33"),
        ("Abay", "KZ-10"),
        ("Abai", "KZ-10"),
        ("ABAY REGION", "KZ-10"),
        ("Абайская", "KZ-10"),
        ("BATYS-KAZAKHSTAN REGION", "KZ-27"),
        ("Batys Kazakhstan", "KZ-27"),
        ("SHYGYS KAZAKHSTAN REGION", "KZ-63"),
        ("SOLTUSTIK KAZAKHSTAN REGION", "KZ-59"),
        ("Soltustik \u041aazakhstan", "KZ-59"),  # Cyrillic К
        ("\u0410ktob\u0435", "KZ-15"),  # Cyrillic А and е
        ("\u041aaragandy", "KZ-35"),
        ("\u0410lmaty", "KZ-19"),  # the GRP file's Almaty REGION
        ("Almaty city", "KZ-75"),
        ("г.Алматы", "KZ-75"),
        ("Shimkent city 3)", "KZ-79"),
        ("г.Шымкент2)", "KZ-79"),
        ("Ontustik Kazakhstan", "KZ-YKO"),
        ("South-Kazakhstan region", "KZ-YKO"),
        ("South Kazakhstan", "KZ-YKO"),
        ("Южно-Казахстанская", "KZ-YKO"),
        ("Ұлытау", "KZ-62"),
        ("Улытау", "KZ-62"),
        ("Улытауская", "KZ-62"),
        ("YKO", "KZ-YKO"),
        ("SKO", "KZ-59"),
        ("VKO", "KZ-63"),
        ("ZKO", "KZ-27"),
        ("ALA", "KZ-75"),
        ("ALM", "KZ-19"),
        ("AST", "KZ-71"),
        ("SHM", "KZ-79"),
        ("TRK", "KZ-61"),
        ("Северо\u2013Казахстанская", "KZ-59"),  # en dash
        ("Западно - Казахстанская\u00a0", "KZ-27"),  # spaced hyphen, NBSP
        ("МАНГИСТАУСКАЯ", "KZ-47"),
    ],
)
def test_resolve_variants(label: str, code: str) -> None:
    assert resolve_region(label, dataset_id="d", file_name="f", location="here") == code


def test_makenerzhan_dictionary_resolves() -> None:
    rows = _read(SNAPSHOT_DIR / "bns" / "makenerzhan_regions.csv")
    assert len(rows) == 22
    for row in rows:
        code = lookup_region(row["code"])
        assert code is not None, row
        assert lookup_region(row["name_ru"]) == code, row
    assert lookup_region("YKO") == "KZ-YKO" and lookup_region("SKO") == "KZ-59"


def test_crosswalk_names_resolve() -> None:
    rows = _read(SNAPSHOT_DIR / "geo" / "opencausality_region_splits_crosswalk.csv")
    resolved = {(lookup_region(r["parent_region"]), lookup_region(r["new_region"])) for r in rows}
    assert resolved == {
        ("KZ-63", "KZ-10"),
        ("KZ-19", "KZ-33"),
        ("KZ-35", "KZ-62"),
        ("KZ-YKO", "KZ-61"),
        ("KZ-YKO", "KZ-79"),
    }


def test_unknown_label_raises_with_context() -> None:
    with pytest.raises(UnknownRegionLabel) as info:
        resolve_region(
            "Атлантида", dataset_id="grp_nominal", file_name="f.xlsx", location="sheet 'S' cell A9"
        )
    err = info.value
    assert (err.dataset_id, err.file_name, err.location) == ("grp_nominal", "f.xlsx", "sheet 'S' cell A9")
    assert "Атлантида" in str(err) and "[grp_nominal] f.xlsx, sheet 'S' cell A9" in str(err)


@pytest.mark.parametrize("label", ["", "Алматы", "Kazakh", "KZ-10", "Туркестан-сити", "1) Данные"])
def test_labels_that_must_not_resolve(label: str) -> None:
    # "Алматы" alone is ambiguous (city or region) and is deliberately not an alias.
    assert lookup_region(label) is None


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Туркестанская2)", "туркестанская"),
        ("Туркестанская 1", "туркестанская"),
        ("Astana city2)", "astana city"),
        ("BATYS-KAZAKHSTAN REGION", "batys kazakhstan region"),
        ("\u0410ktob\u0435", "aktobe"),
        ("г.Астана", "г астана"),
        ("  Мангыстауская  ", "мангыстауская"),
        ("Жетiсу", "жетісу"),
        ("KZ-10", "kz 10"),  # codes keep their digits
        ("Почтённая", "почтенная"),
    ],
)
def test_normalize_label(raw: str, normalized: str) -> None:
    assert normalize_label(raw) == normalized
    assert normalize_label(normalized) == normalized

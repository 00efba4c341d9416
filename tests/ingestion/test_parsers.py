"""Parsers on the real snapshot files, and hostile variants built here from the same real bytes.

Every hostile variant is made in the test from the snapshot bytes (a label renamed, a header cell
changed, a value replaced by text, a CSV re-delimited); no number is invented except the deliberate
"abc" / "x" replacements, which are the point of those tests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import replace
from functools import cache
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from ingestion.catalog import CATALOG, Dataset, get
from ingestion.errors import ParseError, UnknownRegionLabel
from ingestion.parsers._common import is_footnote_label, parse_period, parse_value
from ingestion.parsing import load_parser, parse_payload
from ingestion.schema import OBSERVATION_COLUMNS
from ingestion.settings import SNAPSHOT_DIR

API_EXAMPLE = SNAPSHOT_DIR / "api-examples" / "kz_taldau_GetIndexTreeData_example_response_701189.json"

#: Rows per dataset on the snapshot: every published cell of every sheet / line, including cells
#: that are "-" or empty inside the table body (emitted as not available).
EXPECTED_ROWS = {
    "grp_nominal": 1714,  # 17 rows x 8 (1990-97) + 17 x 10 (1998-2007) + 22 x 64 (2008-2023)
    "grp_per_capita": 2772,  # 2 sheets x 22 rows x 63 periods
    "population": 3384,  # 22 x 24 (total) + 2 sheets x (22 + 22 + 19 rural) x 24
    "population_average": 357,
    "income_annual": 441,
    "income_quarterly": 1126,
    "unemployment_rate": 2530,  # 22 rows x 23 years x 5 (4 quarters + year)
    "wages_nominal": 252,  # 21 rows x (2020 + 11 quarters)
    "poverty_share": 252,
    "life_expectancy": 3384,  # 22 x 24 (total) + 2 sheets x (22 + 22 + 19 rural) x 24
    "physicians": 420,  # 21 rows x 20 years
    "employed": 435,
    "labour_force": 435,
    "unemployed": 435,
    "grp_volume_index": 461,
    "gva_by_section": 618,
    "investment_fixed_capital": 411,  # 16 x 23 + YKO 15 + SHM/TRK 8 + ABY/ULT/ZHT 4 + national 23
    "urban_share": 105,  # 21 rows x 5 periods
    "population_urban_rural": 3366,  # 22 rows x 22 years x 6 sheets + 19 rows x 22 x 3 rural sheets
    "general_schools": 1380,  # (22 + 22 + 19 rows) x 23 school years - 69 cells of absent units
    "buses": 2288,  # 22 rows x (33 + 31 + 20 + 20 years)
    "population_by_district": 1687,  # (1 + 20 + 220 units) x 7 columns
    "rnd_expenditure": 21,  # national + 20 regions, 2022
}

EXPECTED_PERIOD_TYPES = {
    "grp_nominal": {"annual", "quarter", "cumulative"},
    "grp_per_capita": {"annual", "quarter", "cumulative"},
    "unemployment_rate": {"annual", "quarter"},
    "wages_nominal": {"annual", "quarter"},
    "poverty_share": {"annual", "quarter"},
    "income_quarterly": {"quarter"},
}

EXPECTED_SERIES = {
    "grp_per_capita": {"kzt_thousand", "usd"},
    "population": {"total", "men", "women", "men_urban", "men_rural", "women_urban", "women_rural"},
    "life_expectancy": {"total", "men", "women", "men_urban", "men_rural", "women_urban", "women_rural"},
    "gva_by_section": {"GDP", "B"},
    "population_urban_rural": {
        f"{sex}{area}{era}"
        for sex in ("", "men_", "women_")
        for area in ("urban", "rural")
        for era in ("", "_pre2008")
    }
    | {"total", "men", "women"},
    "general_schools": {"total", "urban", "rural"},
    "buses": {
        "buses",
        "buses_individual",
        "buses_registration",
        "buses_individual_registration",
        "passengers",
        "passenger_km",
    },
}


#: Period labels of the second-round files that are not calendar labels (read by their own parsers).
KNOWN_OTHER_PERIOD_LABELS = {"на 1 дек. 2023 г.", "на 1 января 2023 года"}
#: School years ``2000/01`` (year = the autumn the school year starts).
SCHOOL_YEAR = re.compile(r"(19|20)\d\d/\d\d")


def _bytes(dataset: Dataset) -> bytes:
    return (SNAPSHOT_DIR / dataset.snapshot_file).read_bytes()


def _name(dataset: Dataset) -> str:
    return dataset.snapshot_file.rsplit("/", 1)[-1]


def parse(dataset: Dataset, payload: bytes, name: str | None = None) -> pd.DataFrame:
    return parse_payload(dataset, payload, hashlib.sha256(payload).hexdigest(), name or _name(dataset))


@cache
def parsed(dataset_id: str) -> pd.DataFrame:
    dataset = get(dataset_id)
    return parse(dataset, _bytes(dataset))


def one(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {where}"
    return rows.iloc[0]


def expect_parse_error(
    dataset: Dataset, payload: bytes, *, location: str, reason: str, kind=ParseError
) -> ParseError:
    with pytest.raises(kind) as info:
        parse(dataset, payload)
    err = info.value
    message = str(err)
    assert f"[{dataset.id}]" in message
    assert _name(dataset) in message
    assert location in message, message
    assert re.search(reason, message, re.IGNORECASE), message
    return err


# ---------------------------------------------------------------------------------------------
# Every catalog dataset on the real snapshot


@pytest.mark.parametrize("dataset", CATALOG, ids=lambda d: d.id)
def test_every_dataset_parses_with_plausible_rows(dataset: Dataset) -> None:
    frame = parsed(dataset.id)
    assert list(frame.columns) == list(OBSERVATION_COLUMNS)
    assert len(frame) == EXPECTED_ROWS[dataset.id]
    assert (frame.dataset_id == dataset.id).all()
    assert (frame.source_file == _name(dataset)).all()
    assert frame.release_id.str.fullmatch(r"[0-9a-f]{64}").all()
    # Every row resolved, every period understood.
    for column in ("region_code", "region_label", "period_label", "year", "period_type", "months"):
        assert frame[column].notna().all(), column
    assert frame.region_code.isin(_region_codes()).all()
    # buses: every region row is '-' before 2003 (the table has regions from 2003 only)
    assert frame.value.notna().sum() > (0.55 if dataset.id == "buses" else 0.7) * len(frame)
    # A value is there or the flag says why not.
    assert (frame.value.isna() == frame.value_flag.notna()).all()
    assert frame.value_flag.dropna().isin(["confidential", "not_available"]).all()
    assert "KZ" in set(frame.region_code)


def _region_codes() -> set[str]:
    from ingestion.regions import load_aliases

    return set(load_aliases().region_codes)


@pytest.mark.parametrize("dataset", CATALOG, ids=lambda d: d.id)
def test_no_duplicate_cells(dataset: Dataset) -> None:
    frame = parsed(dataset.id)
    key = ["dataset_id", "series", "region_code", "period_label"]
    assert not frame.duplicated(key).any()


@pytest.mark.parametrize("dataset", CATALOG, ids=lambda d: d.id)
def test_periods_consistent(dataset: Dataset) -> None:
    frame = parsed(dataset.id)
    expected = EXPECTED_PERIOD_TYPES.get(dataset.id, {"annual"})
    assert set(frame.period_type) == expected
    annual = frame[frame.period_type == "annual"]
    assert (annual.months == 12).all() and annual.quarter.isna().all()
    quarter = frame[frame.period_type == "quarter"]
    assert (quarter.months == 3).all() and quarter.quarter.between(1, 4).all()
    cumulative = frame[frame.period_type == "cumulative"]
    assert (cumulative.months == cumulative.quarter * 3).all()
    assert cumulative.months.isin([6, 9]).all()
    assert frame.year.between(1990, 2026).all()


@pytest.mark.parametrize("dataset", CATALOG, ids=lambda d: d.id)
def test_series_and_units(dataset: Dataset) -> None:
    frame = parsed(dataset.id)
    if dataset.id != "population_by_district":
        assert set(frame.series) == EXPECTED_SERIES.get(dataset.id, {"total"})
    if dataset.id == "grp_per_capita":
        assert set(zip(frame.series, frame.unit, strict=True)) == {
            ("kzt_thousand", "thousand KZT"),
            ("usd", "USD"),
        }
    elif dataset.id == "buses":  # the file's own unit rows: единиц, млн. человек, млн. пкм
        assert set(zip(frame.series.str.replace("_registration", ""), frame.unit, strict=True)) == {
            ("buses", "units"),
            ("buses_individual", "units"),
            ("passengers", "mln passengers"),
            ("passenger_km", "mln passenger-km"),
        }
    elif dataset.id == "population_by_district":  # units travel in the series: measure|kind|centre|label
        parts = frame.series.str.split("|")
        assert set(parts.str[0]) == {"total", "men", "women", "urban", "urban_men", "urban_women", "rural"}
        assert set(parts[parts.str.len() > 1].str.len()) == {4}
        assert set(frame.unit) == {"persons"}
    elif dataset.id == "grp_nominal":
        roubles = frame[frame.unit == "mln roubles"]
        assert set(roubles.year) == {1990, 1991, 1992}
        assert set(frame.unit) == {"mln roubles", "mln KZT"}
    else:
        assert set(frame.unit) == {dataset.unit}


@pytest.mark.parametrize("dataset", CATALOG, ids=lambda d: d.id)
def test_footnotes_are_not_rows(dataset: Dataset) -> None:
    frame = parsed(dataset.id)
    assert not frame.region_label.map(is_footnote_label).any()
    # Every period label parses on its own (or is the label of a two-row header / date / code).
    labels = frame.period_label.unique()
    assert all(
        parse_period(label) is not None
        or " / " in label
        or re.fullmatch(r"\d{4}-\d{2}-\d{2}", label)
        or label in KNOWN_OTHER_PERIOD_LABELS
        or SCHOOL_YEAR.fullmatch(label)
        for label in labels
    ), [label for label in labels if parse_period(label) is None]


# ---------------------------------------------------------------------------------------------
# Known values read from the files


def test_grp_nominal_values() -> None:
    frame = parsed("grp_nominal")
    national_2010 = one(frame, region_code="KZ", period_label="2010")
    assert national_2010.value == pytest.approx(21815517.0)
    assert national_2010.location == "sheet '2008-2023' cell M4"
    rouble = one(frame, region_code="KZ", period_label="19901)")
    assert (rouble.year, rouble.value, rouble.unit) == (1990, pytest.approx(46767.4), "mln roubles")
    prelim = one(frame, region_code="KZ-75", period_label="20232)")
    assert (prelim.year, prelim.value) == (2023, pytest.approx(24828705.8))
    half = one(frame, region_code="KZ-15", period_label="1 half-year of 2008")
    assert (half.period_type, half.months, half.quarter) == ("cumulative", 6, 2)
    assert half.region_label == "Аktobе"  # raw label, Cyrillic look-alike letters kept
    assert half.value == pytest.approx(397963.6)
    # Double counting 2011-2017: South Kazakhstan and its successors are both published.
    assert one(frame, region_code="KZ-YKO", period_label="2011").value == pytest.approx(1512565.3)
    assert one(frame, region_code="KZ-61", period_label="2011").value == pytest.approx(796600.2)
    assert one(frame, region_code="KZ-79", period_label="2011").value == pytest.approx(715965.1)
    # The 1990-1997 sheet name has a leading space; Astana before 1997 is empty (inside Akmola).
    astana_1996 = one(frame, region_code="KZ-71", period_label="1996")
    assert astana_1996.location == "sheet ' 1990-1997' cell H19"
    assert astana_1996.value_flag == "not_available"


def test_grp_per_capita_values() -> None:
    frame = parsed("grp_per_capita")
    atyrau_usd = one(frame, region_code="KZ-23", series="usd", period_label="2010 год")
    assert atyrau_usd.value == pytest.approx(36654.2)
    assert 30_000 < atyrau_usd.value < 40_000
    assert one(frame, region_code="KZ", series="kzt_thousand", period_label="2010 год").value == (
        pytest.approx(1336.5)
    )
    turkestan = frame[(frame.region_code == "KZ-61") & frame.value.notna()]
    assert set(turkestan.region_label) == {"Туркестанская2)"}
    assert turkestan.year.min() == 2018
    quarter = one(frame, region_code="KZ-11", series="usd", period_label="I квартал         2008 года")
    assert (quarter.period_type, quarter.quarter, quarter.value) == ("quarter", 1, pytest.approx(888.3))


def test_population_values() -> None:
    frame = parsed("population")
    assert one(frame, region_code="KZ", series="total", period_label="2000").value == 14901641
    shymkent = one(frame, region_code="KZ-79", series="total", period_label="2017")
    assert shymkent.value == 912300
    # "Туркестанская 1": footnote "Данные за 2000-2016гг. по Южно-Казахстанской области".
    tu = one(frame, region_code="KZ-61", series="total", period_label="2016")
    assert (tu.region_label, tu.value) == ("Туркестанская 1", 2840871)
    assert one(frame, region_code="KZ-71", series="men_urban", period_label="2023").value == 645722
    assert one(frame, region_code="KZ-62", series="women_rural", period_label="2023").value == 22333
    abai = one(frame, region_code="KZ-10", series="total", period_label="2000")
    assert abai.value_flag == "not_available"
    # Cities have no rural block.
    rural = frame[frame.series == "men_rural"]
    assert not rural.region_code.isin(["KZ-71", "KZ-75", "KZ-79"]).any()


def test_income_values() -> None:
    annual = parsed("income_annual")
    kyzylorda = one(annual, region_code="KZ-43", period_label="2006 год")
    assert (kyzylorda.value, kyzylorda.location) == (14602.0, "line 2")
    assert kyzylorda.region_label == "KYZYLORDA REGION"
    quarterly = parsed("income_quarterly")
    q = one(quarterly, region_code="KZ-43", period_label="3 квартал 2015 г.")
    assert (q.value, q.quarter, q.year) == (49884.0, 3, 2015)
    assert set(annual[annual.region_code == "KZ-YKO"].year) == set(range(2000, 2018))


def test_unemployment_values() -> None:
    frame = parsed("unemployment_rate")
    first = one(frame, region_code="KZ", period_label="2001 / I quarter")
    assert (first.value, first.location) == (12.7, "sheet 'Regions_quarter' cell B6")
    # "-" in the body: emitted, not dropped.
    sko = one(frame, region_code="KZ-YKO", period_label="2010 / year")
    assert sko.value_flag == "not_available"
    assert one(frame, region_code="KZ-61", period_label="2010 / year").value == 5.4
    # The 2023 annual column is present but empty for every row.
    year_2023 = frame[frame.period_label == "2023 / year"]
    assert len(year_2023) == 22 and (year_2023.value_flag == "not_available").all()
    assert one(frame, region_code="KZ", period_label="2018 / III квартал").quarter == 3


def test_taldau_derived_values() -> None:
    wages = parsed("wages_nominal")
    assert one(wages, region_code="KZ", period_label="2020 / Год").value == 213.0
    atyrau = one(wages, region_code="KZ-23", period_label="2023 / III кв")
    assert (atyrau.value, atyrau.quarter) == (602.4, 3)
    poverty = parsed("poverty_share")
    assert one(poverty, region_code="KZ-61", period_label="2020 / Год").value == 12.2
    assert one(poverty, region_code="KZ-10", period_label="2020 / Год").value_flag == "not_available"


def test_life_expectancy_and_physicians_values() -> None:
    life = parsed("life_expectancy")
    assert one(life, region_code="KZ", series="total", period_label="2022").value == 74.44
    assert one(life, region_code="KZ", series="men", period_label="1999").value == 60.58
    assert one(life, region_code="KZ-61", series="total", period_label="1999").region_label == (
        "Туркестанская*"
    )
    doctors = parsed("physicians")
    assert one(doctors, region_code="KZ", period_label="2003").value == 54613
    assert one(doctors, region_code="KZ-79", period_label="2018").value == 4015
    assert one(doctors, region_code="KZ-10", period_label="2022").value == 2702
    assert one(doctors, region_code="KZ-10", period_label="2021").value_flag == "not_available"


def test_long_csv_values() -> None:
    employed = parsed("employed")
    assert one(employed, region_code="KZ-10", period_label="2022-12-31").value == 287.096
    assert 2015 not in set(employed.year)  # labour series have no 2015 rows
    assert set(employed[employed.region_code == "KZ-YKO"].year) == set(range(2001, 2010))
    gva = parsed("gva_by_section")
    assert one(gva, region_code="KZ-10", series="B", period_label="2021-12-31").value == 345006.7
    # The transcription's total GRP equals the BNS GRP table (PROVENANCE cross-check).
    grp = parsed("grp_nominal")
    assert (
        one(gva, region_code="KZ", series="GDP", period_label="2010-12-31").value
        == one(grp, region_code="KZ", period_label="2010").value
    )
    assert one(parsed("population_average"), region_code="KZ-10", period_label="2009-12-31").value == (
        654230.0
    )


def test_rnd_expenditure_kazakh_labels_and_sum() -> None:
    """R&D bulletin table 1 (Kazakh): bare ``Алматы`` is the oblast, ``Алматы қаласы`` the city; the
    regions add up to the national internal R&D expenditure (thousand KZT, 2022)."""
    frame = parsed("rnd_expenditure")
    assert one(frame, region_label="Алматы").region_code == "KZ-19"
    assert one(frame, region_label="Алматы қаласы").region_code == "KZ-75"
    national = one(frame, region_code="KZ").value
    assert national == 121560095.7
    assert frame[frame.region_code != "KZ"].value.sum() == pytest.approx(national, abs=0.5)


def test_investment_regions_sum_to_the_national_row_every_year() -> None:
    """Investment in fixed capital (mln KZT): the regions of the map of the year add up to the
    published national row within 1 mln KZT (the transcription's rounding) in all 23 years, and South
    Kazakhstan / its successors never overlap."""
    frame = parsed("investment_fixed_capital")
    assert set(frame.year) == set(range(2003, 2026))
    assert (frame.unit == "mln KZT").all()
    national = frame[frame.region_code == "KZ"].set_index("year").value
    regions = frame[frame.region_code != "KZ"]
    sums = regions.groupby("year").value.sum()
    assert len(sums) == 23
    assert ((sums - national).abs() <= 1.0).all(), (sums - national)[(sums - national).abs() > 1]
    counts = regions.groupby("year").region_code.nunique()
    assert counts[2017] == 16 and counts[2018] == 17 and counts[2022] == 20
    assert set(regions[regions.region_code == "KZ-YKO"].year) == set(range(2003, 2018))
    assert one(frame, region_code="KZ-10", period_label="2022-12-31").value == 414497.0


# ---------------------------------------------------------------------------------------------
# Hostile variants of spreadsheets


def _resave_xlsx(dataset: Dataset, *, values_only: bool = True) -> bytes:
    """The real workbook loaded and saved again by openpyxl (``values_only``: formulas -> values)."""
    book = openpyxl.load_workbook(io.BytesIO(_bytes(dataset)), data_only=values_only)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _sheet_part(files: dict[str, bytes], sheet_name: str) -> str:
    workbook = ElementTree.fromstring(files["xl/workbook.xml"])
    rels = ElementTree.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", _NS)}
    for sheet in workbook.iter(f"{{{_NS['m']}}}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets[sheet.get(f"{{{_NS['r']}}}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet_name)


def _cell_xml(ref: str, value: object) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{xml_escape(str(value))}</t></is></c>'


def patch_xlsx(
    payload: bytes,
    sheet_name: str | None = None,
    cells: dict[str, object] | None = None,
    *,
    rename: str | None = None,
    drop_sheet: bool = False,
    drop_cached_values: bool = False,
) -> bytes:
    """Edit the real xlsx bytes in place (XML level, fast): set or blank cells, rename or drop a
    sheet, or strip the cached values of formulas. Everything else stays byte-identical."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    if sheet_name is not None:
        part = _sheet_part(files, sheet_name)
        xml = files[part].decode("utf-8")
        for ref, value in (cells or {}).items():
            row = re.sub(r"[A-Z]+", "", ref)
            cell_re = re.compile(rf'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', re.DOTALL)
            new = "" if value is None else _cell_xml(ref, value)
            if cell_re.search(xml):
                xml = cell_re.sub(lambda _m, new=new: new, xml, count=1)
            elif re.search(rf'<row r="{row}"[\s>]', xml):
                xml = re.sub(
                    rf'(<row r="{row}"[^>]*>.*?)(</row>)',
                    lambda m, new=new: m.group(1) + new + m.group(2),
                    xml,
                    count=1,
                    flags=re.DOTALL,
                )
            else:
                xml = xml.replace("</sheetData>", f'<row r="{row}">{new}</row></sheetData>', 1)
        files[part] = xml.encode("utf-8")
        workbook = files["xl/workbook.xml"].decode("utf-8")
        quoted = xml_escape(sheet_name, {'"': "&quot;"})
        if rename is not None:
            workbook = workbook.replace(f'name="{quoted}"', f'name="{xml_escape(rename)}"', 1)
        if drop_sheet:
            workbook = re.sub(rf'<sheet [^>]*name="{re.escape(quoted)}"[^>]*/>', "", workbook)
        files["xl/workbook.xml"] = workbook.encode("utf-8")
    if drop_cached_values:
        for name in files:
            if name.startswith("xl/worksheets/sheet"):
                files[name] = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", files[name])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_resaved_workbook_parses_the_same() -> None:
    dataset = get("grp_per_capita")
    frame = parse(dataset, _resave_xlsx(dataset))
    original = parsed("grp_per_capita")
    pd.testing.assert_frame_equal(frame.drop(columns="release_id"), original.drop(columns="release_id"))


def test_patch_without_edit_parses_the_same() -> None:
    dataset = get("grp_nominal")
    frame = parse(dataset, patch_xlsx(_bytes(dataset), "2008-2023", {}))
    pd.testing.assert_frame_equal(
        frame.drop(columns="release_id"), parsed("grp_nominal").drop(columns="release_id")
    )


def test_unknown_region_label_in_xlsx() -> None:
    dataset = get("grp_per_capita")
    err = expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "тыс.тенге", {"A9": "Атлантидская"}),
        location="sheet 'тыс.тенге' cell A9",
        reason="unknown region label 'Атлантидская'",
        kind=UnknownRegionLabel,
    )
    assert err.location == "sheet 'тыс.тенге' cell A9"


def test_text_in_numeric_cell() -> None:
    dataset = get("grp_nominal")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "2008-2023", {"M9": "abc"}),
        location="sheet '2008-2023' cell M9",
        reason="cannot read 'abc' as a number",
    )


def test_confidential_and_dash_cells() -> None:
    dataset = get("grp_nominal")
    payload = patch_xlsx(
        _bytes(dataset), "2008-2023", {"M9": "x", "M10": "-", "M11": "14\u00a0602,5", "M12": None}
    )
    frame = parse(dataset, payload)
    atyrau = one(frame, region_code="KZ-23", period_label="2010")
    assert pd.isna(atyrau.value) and atyrau.value_flag == "confidential"
    west = one(frame, region_code="KZ-27", period_label="2010")
    assert pd.isna(west.value) and west.value_flag == "not_available"
    assert one(frame, region_code="KZ-31", period_label="2010").value == 14602.5
    assert one(frame, region_code="KZ-33", period_label="2010").value_flag == "not_available"
    assert len(frame) == EXPECTED_ROWS["grp_nominal"]


def test_renamed_header_cell() -> None:
    dataset = get("grp_nominal")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "2008-2023", {"M3": "Total"}),
        location="sheet '2008-2023' cell M3",
        reason="not a period label",
    )


def test_renamed_subheader_cell() -> None:
    dataset = get("unemployment_rate")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "Regions_quarter", {"C5": "second quarter-ish"}),
        location="sheet 'Regions_quarter' cell C5",
        reason="not a period label",
    )


def test_removed_header_row() -> None:
    dataset = get("population")
    header = {f"{get_column_letter(c)}1": None for c in range(1, 27)}
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "Все население", header),
        location="sheet 'Все население'",
        reason="no header row of period labels",
    )


def test_missing_expected_sheet() -> None:
    dataset = get("grp_per_capita")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "в долларах США", drop_sheet=True),
        location="workbook",
        reason="expected sheet.*missing",
    )


def test_unexpected_sheet() -> None:
    dataset = get("life_expectancy")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "Мужчины", rename="Дети"),
        location="sheet 'Дети'",
        reason="unexpected",
    )


def test_value_in_column_without_header() -> None:
    dataset = get("population")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "Все население", {"Z5": 123}),
        location="sheet 'Все население' cell Z5",
        reason="column without a period header",
    )


def test_numbers_after_the_footnotes_are_an_error() -> None:
    dataset = get("unemployment_rate")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "Regions_quarter", {"B33": 4.2}),
        location="sheet 'Regions_quarter' cell B33",
        reason="after the end of the table",
    )


def test_footnote_text_after_table_is_ignored_but_unknown_text_inside_is_not() -> None:
    dataset = get("unemployment_rate")
    after = patch_xlsx(_bytes(dataset), "Regions_quarter", {"A34": "Source: BNS"})
    assert len(parse(dataset, after)) == EXPECTED_ROWS["unemployment_rate"]
    # A text row glued to the table (no blank line, no footnote mark) is not a footnote.
    inside = patch_xlsx(_bytes(dataset), "Regions_quarter", {"A28": "Calculated by the Bureau"})
    expect_parse_error(
        dataset,
        inside,
        location="sheet 'Regions_quarter' cell A28",
        reason="unknown region label",
        kind=UnknownRegionLabel,
    )


def test_block_label_on_wrong_sheet() -> None:
    dataset = get("population")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "Мужчины", {"A7": "Женщины"}),
        location="sheet 'Мужчины' cell A7",
        reason="block",
    )


def test_formula_without_cached_value_is_refused() -> None:
    # The national GRP row is =SUM(...) with cached values; without them it must not read as empty.
    dataset = get("grp_nominal")
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), drop_cached_values=True),
        location="sheet ' 1990-1997' cell B4",
        reason="no cached value",
    )


def test_unit_in_header_must_match_catalog() -> None:
    wages = get("wages_nominal")
    poverty = get("poverty_share")
    # The poverty file ("в %") read as the wages dataset (thousand KZT): refused.
    with pytest.raises(ParseError, match="header says 'в %'"):
        parse(wages, _bytes(poverty), name=_name(wages))


def test_xls_unknown_label_by_byte_edit() -> None:
    dataset = get("physicians")
    payload = _bytes(dataset)
    old, new = "Акмолинская".encode("utf-16-le"), "Акмолинскаю".encode("utf-16-le")
    assert payload.count(old) == 1
    expect_parse_error(
        dataset,
        payload.replace(old, new),
        location="sheet 'Численность врачей' cell A8",
        reason="unknown region label 'Акмолинскаю'",
        kind=UnknownRegionLabel,
    )


def test_not_a_workbook() -> None:
    dataset = get("physicians")
    expect_parse_error(dataset, b"<html>Error 500</html>", location="file", reason="not an xlsx or xls")
    expect_parse_error(dataset, _bytes(dataset)[:4000], location="file", reason="not a readable xls")


# ---------------------------------------------------------------------------------------------
# Hostile variants of CSV


def _csv_rows(dataset: Dataset) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_bytes(dataset).decode("utf-8"))))


def _write_csv(rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(("delimiter", "bom"), [("\t", True), ("\t", False), (",", True), (";", False)])
def test_bns_csv_delimiters_and_bom(delimiter: str, bom: bool) -> None:
    dataset = get("income_annual")
    frame = parse(dataset, _write_csv(_csv_rows(dataset), delimiter=delimiter, bom=bom))
    original = parsed("income_annual")
    pd.testing.assert_frame_equal(frame.drop(columns="release_id"), original.drop(columns="release_id"))


def test_bns_csv_unknown_region() -> None:
    dataset = get("income_annual")
    rows = _csv_rows(dataset)
    rows[1][3] = "KYZYL-ORDA-ISH REGION"
    expect_parse_error(
        dataset,
        _write_csv(rows, delimiter="\t", bom=True),
        location="line 2",
        reason="unknown region label",
        kind=UnknownRegionLabel,
    )


def test_bns_csv_text_value_and_confidential() -> None:
    dataset = get("income_quarterly")
    rows = _csv_rows(dataset)
    rows[17][5] = "5O 123"
    expect_parse_error(dataset, _write_csv(rows), location="line 18", reason="cannot read")
    rows[17][5] = "x"
    frame = parse(dataset, _write_csv(rows))
    flagged = frame[frame.location == "line 18"].iloc[0]
    assert pd.isna(flagged.value) and flagged.value_flag == "confidential"


def test_bns_csv_missing_column_and_bad_period() -> None:
    dataset = get("income_annual")
    rows = [r[:-1] for r in _csv_rows(dataset)]  # VAL removed
    expect_parse_error(dataset, _write_csv(rows), location="line 1", reason="lacks column")
    rows = _csv_rows(dataset)
    rows[4][2] = "201112"  # PERIOD no longer agrees with DAT
    expect_parse_error(dataset, _write_csv(rows), location="line 5", reason="disagrees with PERIOD")
    rows = _csv_rows(dataset)
    rows[4][1] = "Год две тысячи шестой"
    expect_parse_error(dataset, _write_csv(rows), location="line 5", reason="not a period label")


def test_bns_csv_period_code_only() -> None:
    dataset = get("income_annual")
    rows = _csv_rows(dataset)
    for row in rows[1:]:
        row[1] = ""
    frame = parse(dataset, _write_csv(rows))
    assert set(frame.period_type) == {"annual"}
    assert one(frame, region_code="KZ-43", period_label="200612").value == 14602.0


def test_long_csv_hostile() -> None:
    dataset = get("employed")
    rows = _csv_rows(dataset)
    rows[3][2] = "XYZ"
    expect_parse_error(
        dataset, _write_csv(rows), location="line 4 column region", reason="unknown", kind=UnknownRegionLabel
    )
    rows = _csv_rows(dataset)
    rows[3][8] = "million KZT"
    expect_parse_error(dataset, _write_csv(rows), location="line 4", reason="not the dataset unit")
    rows = _csv_rows(dataset)
    rows[3][0] = "2023-06-30"
    expect_parse_error(dataset, _write_csv(rows), location="line 4", reason="not the end of")
    rows = _csv_rows(dataset)
    rows[3][5] = "OTHER"
    expect_parse_error(dataset, _write_csv(rows), location="line 4", reason="second item_code")
    # CRLF line endings and a BOM change nothing.
    payload = _write_csv(_csv_rows(dataset), bom=True).replace(b"\n", b"\r\n")
    assert len(parse(dataset, payload)) == EXPECTED_ROWS["employed"]


def test_csv_not_utf8() -> None:
    dataset = get("income_annual")
    payload = _bytes(dataset).decode("utf-8").encode("cp1251", errors="replace")
    expect_parse_error(dataset, payload, location="line", reason="not UTF-8")


# ---------------------------------------------------------------------------------------------
# JSON formats (no snapshot dataset uses them yet): built from the real Taldau example


def _api_dataset(fmt: str, parser: str, frequency: str = "annual") -> Dataset:
    return Dataset(
        id=f"test_{fmt}",
        title="test",
        snapshot_file=f"test/{fmt}.json",
        format=fmt,
        parser=parser,
        unit="KZT",
        frequency=frequency,
    )


def test_taldau_tree_real_example() -> None:
    dataset = _api_dataset("taldau_tree", "taldau_tree:parse_taldau_tree")
    payload = API_EXAMPLE.read_bytes()
    frame = parse_payload(dataset, payload, "r", "example.json")
    assert len(frame) == 16 and set(frame.region_code) == {"KZ"}
    assert list(frame.year) == list(range(2010, 2026))
    row = one(frame, period_label="y122020")
    assert row.value == pytest.approx(6334668832923.03)
    assert row.location == "node 0 key 'y122020'"


def test_taldau_tree_hostile() -> None:
    dataset = _api_dataset("taldau_tree", "taldau_tree:parse_taldau_tree")
    nodes = json.loads(API_EXAMPLE.read_text(encoding="utf-8"))
    bad = [dict(nodes[0], text="РЕСПУБЛИКА ATLANTIS")]
    with pytest.raises(UnknownRegionLabel, match="node 0 text"):
        parse_payload(dataset, json.dumps(bad).encode(), "r", "example.json")
    bad = [dict(nodes[0], y132020="1")]
    with pytest.raises(ParseError, match="key 'y132020'"):
        parse_payload(dataset, json.dumps(bad).encode(), "r", "example.json")
    bad = [dict(nodes[0], y122020="abc")]
    with pytest.raises(ParseError, match=r"node 0 key 'y122020'.*cannot read 'abc'"):
        parse_payload(dataset, json.dumps(bad).encode(), "r", "example.json")
    with pytest.raises(ParseError, match="invalid JSON"):
        parse_payload(dataset, b"[{", "r", "example.json")
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_payload(dataset, deep, "r", "example.json")


def _slices_from_example() -> list[dict]:
    """The real tree example re-shaped as GetIndexData slices (same labels and values)."""
    node = json.loads(API_EXAMPLE.read_text(encoding="utf-8"))[0]
    periods = [
        {"name": key[3:], "date": f"31.12.{key[3:]}", "value": node[key]}
        for key in sorted(node)
        if re.fullmatch(r"y12\d{4}", key)
    ]
    return [{"terms": [int(node["id"])], "termNames": [node["text"]], "periods": periods}]


def test_bns_json_slices() -> None:
    dataset = _api_dataset("bns_json", "bns_json:parse_bns_json")
    slices = _slices_from_example()
    slices[0]["periods"][0]["value"] = "x"
    frame = parse_payload(dataset, json.dumps(slices).encode("utf-8"), "r", "x.json")
    assert len(frame) == 16 and set(frame.region_code) == {"KZ"}
    assert one(frame, period_label="2010").value_flag == "confidential"
    assert one(frame, period_label="2020").value == pytest.approx(6334668832923.03)
    assert one(frame, period_label="2020").location == "slice 0 period 10"


def test_bns_json_hostile() -> None:
    dataset = _api_dataset("bns_json", "bns_json:parse_bns_json")
    slices = _slices_from_example()
    slices[0]["termNames"] = ["Неизвестная область"]
    with pytest.raises(UnknownRegionLabel, match="slice 0 termNames"):
        parse_payload(dataset, json.dumps(slices).encode(), "r", "x.json")
    slices = _slices_from_example()
    slices[0]["periods"][3]["name"] = "когда-то"
    with pytest.raises(ParseError, match=r"slice 0 period 3.*not a period label"):
        parse_payload(dataset, json.dumps(slices).encode(), "r", "x.json")
    slices = _slices_from_example()
    slices[0]["periods"][3]["date"] = "31.12.1999"
    with pytest.raises(ParseError, match=r"slice 0 period 3.*does not belong"):
        parse_payload(dataset, json.dumps(slices).encode(), "r", "x.json")
    with pytest.raises(ParseError, match="expected a JSON list"):
        parse_payload(dataset, b'{"a": 1}', "r", "x.json")


# ---------------------------------------------------------------------------------------------
# Units of parsing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14 602", (14602.0, None)),
        ("14\u00a0602", (14602.0, None)),
        ("5,3", (5.3, None)),
        (7, (7.0, None)),
        ("x", (None, "confidential")),
        ("Х", (None, "confidential")),
        ("-", (None, "not_available")),
        ("", (None, "not_available")),
        (None, (None, "not_available")),
    ],
)
def test_parse_value(raw, expected) -> None:
    assert parse_value(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.234,5", "12%", True, float("inf"), "1e999"])
def test_parse_value_rejects(raw) -> None:
    with pytest.raises(ValueError):
        parse_value(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (2008, (2008, "annual", 12, None)),
        (2003.0, (2003, "annual", 12, None)),
        ("19901)", (1990, "annual", 12, None)),
        ("20232)", (2023, "annual", 12, None)),
        ("2006 год", (2006, "annual", 12, None)),
        ("1 quarter of 2008", (2008, "quarter", 3, 1)),
        ("1 half-year of 2008", (2008, "cumulative", 6, 2)),
        ("9 months of 2019**", (2019, "cumulative", 9, 3)),
        ("I квартал         2008 года", (2008, "quarter", 3, 1)),
        ("I полугодие 2008 года", (2008, "cumulative", 6, 2)),
        ("9 месяцев 2008 года", (2008, "cumulative", 9, 3)),
        ("3 квартал 2015 г.", (2015, "quarter", 3, 3)),
        ("январь-сентябрь 2010", (2010, "cumulative", 9, 3)),
        ("2015Q3", (2015, "quarter", 3, 3)),
    ],
)
def test_parse_period(raw, expected) -> None:
    period = parse_period(raw)
    assert period is not None
    assert (period.year, period.period_type, period.months, period.quarter) == expected


@pytest.mark.parametrize("raw", ["abc", "201612", "2 полугодие 2008", 2008.5, 1850, "Total"])
def test_parse_period_rejects(raw) -> None:
    assert parse_period(raw) is None


def test_catalog_parsers_resolve() -> None:
    for dataset in CATALOG:
        assert callable(load_parser(dataset.parser))
    for spec in ("bns_json:parse_bns_json", "taldau_tree:parse_taldau_tree"):
        assert callable(load_parser(spec))


def test_dataset_replace_keeps_parser_generic() -> None:
    # The same parser reads the income files under another dataset id (nothing is hard-wired).
    dataset = replace(get("income_annual"), id="income_annual_copy")
    assert len(parse(dataset, _bytes(get("income_annual")))) == EXPECTED_ROWS["income_annual"]


def test_table_without_national_row() -> None:
    dataset = get("physicians")
    payload = _bytes(dataset)
    old = "Республика Казахстан".encode("utf-16-le")
    assert payload.count(old) == 1
    expect_parse_error(
        dataset,
        payload.replace(old, "Республика Казахстак".encode("utf-16-le")),
        location="cell A6",
        reason="unknown region label",
        kind=UnknownRegionLabel,
    )
    # Blank the national row of a sheet entirely: the table lacks its national row.
    dataset = get("grp_per_capita")
    blank = {f"{get_column_letter(c)}4": None for c in range(1, 66)}
    expect_parse_error(
        dataset,
        patch_xlsx(_bytes(dataset), "тыс.тенге", blank),
        location="sheet 'тыс.тенге'",
        reason="no national row",
    )

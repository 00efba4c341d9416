"""The traps of the second-round files (issue 16; DATA.md "Traps"), on the real snapshot bytes.

Each test names the trap it guards: footnote digits glued to a number, the 2008 urban reclassification,
Turkestan rows that are South Kazakhstan only in some years, formulas saved without a value, the bare
``Almaty`` that is the city, Kazakh district labels, ``-`` for none.
"""

from __future__ import annotations

import pytest

from ingestion.catalog import get
from ingestion.errors import ParseError
from ingestion.parsers.bns_blocks import strip_glued_footnote, year_of_label
from tests.ingestion.test_parsers import _bytes, expect_parse_error, one, parsed, patch_xlsx


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("82 1892)", "82 189"), ("1892)", "189"), ("1892", "1892"), (82189, 82189), ("x", "x"), ("2)", "2)")],
)
def test_glued_footnote_mark_is_stripped_only_after_a_number(raw, expected):
    assert strip_glued_footnote(raw) == expected


def test_school_year_is_its_starting_autumn():
    assert year_of_label("2000/01") == (2000, "2000/01")
    assert year_of_label("1999/00") == (1999, "1999/00")
    assert year_of_label("2000/02") is None  # not a school year
    assert year_of_label("2019 г.") == (2019, "2019 г.")


def test_buses_2021_national_cell_with_glued_footnote():
    """``82 1892)`` is 82 189 buses (mark 2: vehicles without a region); the regions sum to 81 823."""
    buses = parsed("buses")
    cell = one(buses, region_code="KZ", series="buses_registration", year=2021)
    assert cell.value == 82_189 and cell.location.endswith("cell AG6")
    regions = buses[
        (buses.series == "buses_registration") & (buses.year == 2021) & (buses.region_code != "KZ")
    ]
    assert regions.value.sum() == 81_823


def test_bus_stock_regions_sum_to_the_country_before_the_registration_break():
    buses = parsed("buses")
    stock = buses[(buses.series == "buses") & buses.year.between(2003, 2020)]
    national = stock[stock.region_code == "KZ"].set_index("year").value
    regional = stock[stock.region_code != "KZ"].groupby("year").value.sum()
    assert (regional == national).all(), (regional - national)[regional != national]
    # '-' before 2003 is "none published", never zero
    early = buses[(buses.series == "buses") & (buses.year < 2003) & (buses.region_code != "KZ")]
    assert early.value.isna().all() and (early.value_flag == "not_available").all()
    # the defunct South Kazakhstan row with 3 948 buses in 2022 stays out of the stock series
    assert one(buses, region_code="KZ-YKO", series="buses_registration", year=2022).value == 3948
    assert buses[(buses.series == "buses") & (buses.year >= 2021)].empty


def test_schools_formulas_without_cached_value_are_not_available_with_their_cell():
    schools = parsed("general_schools")
    missing = schools[(schools.year == 2021) & schools.value.isna()]
    cells = {loc.rsplit(" ", 1)[-1] for loc in missing.location}
    assert {"W31", "W33", "W34", "W35", "W36", "W37", "W53", "W55"} <= cells
    assert (missing.value_flag == "not_available").all()
    # the rest of the cells of those blocks are all numbers: only the uncached formulas are missing
    assert cells - {"W31", "W33", "W34", "W35", "W36", "W37", "W53", "W55"} == {
        "W10", "W17", "W25", "W32", "W39", "W47", "W54", "W61", "W69"  # Abai/Zhetisu/Ulytau before 2022
    }  # fmt: skip


def test_schools_turkestan_row_is_south_kazakhstan_only_without_shymkent():
    schools = parsed("general_schools")
    total = schools[schools.series == "total"]
    assert set(total[total.region_code == "KZ-YKO"].year) == {2014, 2015}
    assert set(total[(total.region_code == "KZ-79") & total.value.isna()].year) == {2014, 2015}
    national = total[total.region_code == "KZ"].set_index("year").value
    regional = total[total.region_code != "KZ"].groupby("year").value.sum()
    assert (regional == national).all()  # every year: no unit counted twice


def test_urban_rural_2008_reclassification_is_a_named_break():
    frame = parsed("population_urban_rural")
    assert one(frame, region_code="KZ", series="urban_pre2008", year=2007).value == pytest.approx(
        8.83e6, rel=2e-3
    )
    assert one(frame, region_code="KZ", series="urban", year=2008).value == pytest.approx(8.27e6, rel=2e-3)
    assert frame[frame.series.isin(["urban", "rural"]) & (frame.year < 2008)].empty
    assert frame[frame.series.str.endswith("_pre2008") & (frame.year >= 2008)].empty
    # urban + rural = total on both sides of the break
    wide = frame[
        frame.series.isin(["total", "urban", "rural", "urban_pre2008", "rural_pre2008"])
    ].pivot_table(index=["region_code", "year"], columns="series", values="value", aggfunc="first")
    urban = wide.urban.fillna(wide.urban_pre2008)
    rural = wide.rural.fillna(wide.rural_pre2008).fillna(0)
    assert ((urban + rural - wide.total).dropna().abs() == 0).all()


def test_bare_almaty_is_the_city_and_turkestan_is_south_kazakhstan_until_shymkent_appears():
    frame = parsed("population_urban_rural")
    assert one(frame, region_label="Almaty", series="total", year=2021).region_code == "KZ-75"
    assert one(frame, region_label="Almaty_region", series="total", year=2021).region_code == "KZ-19"
    turkestan = frame[(frame.region_label == "Turkestan_region") & (frame.series == "total")]
    assert set(turkestan[turkestan.region_code == "KZ-YKO"].year) == set(range(2000, 2017))
    assert set(turkestan[turkestan.region_code == "KZ-61"].year) == set(range(2017, 2022))


def test_urban_share_december_2023_keeps_its_label():
    share = parsed("urban_share")
    dec = one(share, region_code="KZ", year=2023)
    assert dec.period_label == "на 1 дек. 2023 г." and dec.value == 62.11
    assert share[(share.region_code == "KZ-10") & (share.year < 2022)].value.isna().all()


def test_districts_sum_to_their_region_and_name_one_centre_per_oblast():
    frame = parsed("population_by_district")
    parts = frame.series.str.split("|", expand=True)
    frame = frame.assign(measure=parts[0], kind=parts[1], centre=parts[2])
    units = frame[frame.kind.notna()]
    assert units[units.measure == "total"].shape[0] == 220
    regions = frame[frame.kind.isna() & (frame.region_code != "KZ")]
    for measure in ("total", "urban", "rural"):
        unit_sum = units[units.measure == measure].groupby("region_code").value.sum()
        region = regions[regions.measure == measure].set_index("region_code").value.fillna(0)
        assert (unit_sum.reindex(region.index).fillna(0) == region).all(), measure
    centres = units[(units.measure == "total") & (units.centre == "centre")]
    assert len(centres) == 17 and centres.region_code.is_unique  # 17 oblasts; cities have none
    assert "Қонаев қ.ә." in set(parts[3]) and "Семей қ.ә." in set(parts[3])
    # '-' = none: the rural population of city administrations is flagged, not zero
    dash = units[(units.measure == "rural") & units.value.isna()]
    assert len(dash) > 0 and (dash.value_flag == "not_available").all()


def test_district_label_of_unknown_kind_is_refused():
    dataset = get("population_by_district")
    payload = patch_xlsx(_bytes(dataset), "02", {"A10": "Семей шаһары"})
    expect_parse_error(dataset, payload, location="cell A10", reason="neither a city administration")


def test_renamed_bus_table_is_refused():
    dataset = get("buses")
    payload = patch_xlsx(_bytes(dataset), "Автобусный транспорт", {"A3": "Наличие троллейбусов"})
    err = expect_parse_error(dataset, payload, location="workbook", reason="tables not found")
    assert isinstance(err, ParseError)


def test_school_rows_outside_a_block_are_refused():
    dataset = get("general_schools")
    payload = patch_xlsx(_bytes(dataset), "Число общеобраз. школ", {"A8": "Всего"})
    expect_parse_error(dataset, payload, location="Число общеобраз. школ", reason="outside a known block")

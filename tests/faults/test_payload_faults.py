"""Payload faults: a copy of a real snapshot file, damaged in one named way, read through
``ingestion.releases.refresh`` (snapshot source pointed at the damaged copy) with the real validation.

Each test says how the real bytes were changed. A release the parser cannot read fails with a
``ParseError`` naming the dataset, the landed file and the place (``line 17``, ``sheet 'X' cell B4``);
one it reads but that breaks a blocking expectation is quarantined with the failing checks and rows.
Either way the bytes are landed, ``raw.releases`` says why, nothing downstream moves, and a rerun on
the undamaged file succeeds.
"""

from __future__ import annotations

from ingestion.catalog import get
from tests.faults import damage as dmg
from tests.faults.conftest import (
    assert_clean_rerun,
    assert_fault_contained,
    before,
    fails_contained,
    refresh_damaged,
    snapshot_source,
    tree_state,
)

INCOME = get("income_annual")
EMPLOYED = get("employed")
POPULATION = get("population")
GRP_PER_CAPITA = get("grp_per_capita")
PHYSICIANS = get("physicians")
SHEET1 = "xl/worksheets/sheet1.xml"  # population: the 'Все население' sheet
KYZYLORDA_2006 = b"200612,KYZYLORDA REGION,0,14 602"


def blocking(outcome) -> set[str]:
    return {r.name for r in outcome.report.blocking_failures}


# --- broken containers --------------------------------------------------------------------------


def test_corrupt_xlsx_cut_short(warehouse, tmp_path):
    # Damage: the real population workbook cut after 60% of its bytes (the zip directory is lost).
    data = dmg.real("population")
    fails_contained(
        warehouse, tmp_path, POPULATION, data[: len(data) * 6 // 10], r"file: not a readable xlsx \(zip\)"
    )


def test_corrupt_xlsx_with_a_garbled_compressed_sheet(warehouse, tmp_path):
    # Damage: 32 bytes inside the deflate stream of sheet1.xml overwritten with 0x55 (zip intact).
    data = dmg.real("population")
    garbled = dmg.overwrite(data, dmg.member_offset(data, SHEET1) + 200, b"\x55" * 32)
    fails_contained(warehouse, tmp_path, POPULATION, garbled, r"unreadable payload \(error: Error -3")


def test_corrupt_xlsx_with_malformed_sheet_xml(warehouse, tmp_path):
    # Damage: in sheet1.xml the closing tag of cell B4's value loses its '>' (not well-formed XML).
    data = dmg.edit_zip_member(
        dmg.real("population"), SHEET1, lambda x: dmg.replace_once(x, b"<v>799179</v>", b"<v>799179</v")
    )
    fails_contained(
        warehouse, tmp_path, POPULATION, data, r"unreadable payload \(ParseError: not well-formed"
    )


def test_corrupt_xls_cut_short(warehouse, tmp_path):
    # Damage: the real physicians .xls (OLE2) cut in half.
    data = dmg.real("physicians")
    fails_contained(warehouse, tmp_path, PHYSICIANS, data[: len(data) // 2], r"file: not a readable xls")


def test_corrupt_xls_with_a_garbled_record_stream(warehouse, tmp_path):
    # Damage: bytes 22000-22255 of the real physicians .xls overwritten with 0x00..0xFF (a cell
    # record now points at a format that does not exist; xlrd raises KeyError).
    data = dmg.overwrite(dmg.real("physicians"), 22000, bytes(range(256)))
    fails_contained(warehouse, tmp_path, PHYSICIANS, data, r"unreadable payload \(KeyError")


def test_corrupt_xls_that_silently_loses_its_last_rows_is_blocked(warehouse, tmp_path):
    # Damage: bytes 24000-24255 of the real physicians .xls overwritten with 0x00..0xFF.
    data = dmg.overwrite(dmg.real("physicians"), 24000, bytes(range(256)))
    was = before(warehouse, PHYSICIANS)
    # xlrd stops silently at the damaged record: the release loses its last two regions (Almaty city,
    # Shymkent) in every year; the blocking comparison with the previous release catches it.
    outcome = refresh_damaged(warehouse, tmp_path, PHYSICIANS, data)
    assert_fault_contained(
        warehouse, PHYSICIANS, was, outcome, cause="BLOCKED", landed=data, status="quarantined"
    )
    assert "regions_cover_previous_release" in blocking(outcome)


# --- layout changes -----------------------------------------------------------------------------


def test_xlsx_sheet_missing(warehouse, tmp_path):
    # Damage: the sheet 'в долларах США' removed from xl/workbook.xml of the real GRP per capita file.
    data = dmg.edit_zip_member(
        dmg.real("grp_per_capita"),
        "xl/workbook.xml",
        lambda x: dmg.replace_once(x, '<sheet name="в долларах США" sheetId="5" r:id="rId2"/>'.encode(), b""),
    )
    fails_contained(warehouse, tmp_path, GRP_PER_CAPITA, data, r"workbook: expected sheet\(s\) missing")


def test_xlsx_sheet_renamed(warehouse, tmp_path):
    # Damage: the sheet 'тыс.тенге' renamed 'млн.тенге' in xl/workbook.xml (a unit change in the name).
    data = dmg.edit_zip_member(
        dmg.real("grp_per_capita"),
        "xl/workbook.xml",
        lambda x: dmg.replace_once(x, '<sheet name="тыс.тенге"'.encode(), '<sheet name="млн.тенге"'.encode()),
    )
    fails_contained(warehouse, tmp_path, GRP_PER_CAPITA, data, r"sheet 'млн.тенге': unexpected sheet")


def test_xlsx_period_header_renamed(warehouse, tmp_path):
    # Damage: the header cell G1 of sheet1 (the year 2005) replaced by the text 'оценка' (estimate).
    data = dmg.edit_zip_member(
        dmg.real("population"),
        SHEET1,
        lambda x: dmg.replace_once(
            x,
            b'<c r="G1" s="4"><v>2005</v></c>',
            '<c r="G1" s="4" t="inlineStr"><is><t>оценка</t></is></c>'.encode(),
        ),
    )
    fails_contained(
        warehouse,
        tmp_path,
        POPULATION,
        data,
        r"sheet 'Все население' cell G1: header cell 'оценка' is not a period",
    )


def test_csv_header_renamed(warehouse, tmp_path):
    # Damage: the header 'VAL' of the real income CSV renamed 'VALUE'.
    data = dmg.replace_once(dmg.real("income_annual"), b",VAL\n", b",VALUE\n")
    fails_contained(warehouse, tmp_path, INCOME, data, r"line 1: header .* lacks column\(s\)")


def test_csv_columns_reordered_are_read_by_name(warehouse, tmp_path):
    # Damage (none to the numbers): the columns of the real income CSV reversed, data with them.
    lines = [",".join(reversed(line.split(","))) for line in dmg.csv_lines(dmg.real("income_annual"))]
    done = warehouse.refresh(INCOME, warehouse.snapshot_source(tmp_path, INCOME, dmg.csv_bytes(lines)))
    assert done.status == "loaded" and done.record.revised_cells == 0 and done.record.new_cells == 0
    assert tree_state(warehouse.published) == warehouse.published_before
    assert_clean_rerun(warehouse, INCOME, snapshot_source(), expect=("loaded",))  # the original bytes


def test_xlsx_year_column_missing(warehouse, tmp_path):
    # Damage: the 2010 column deleted on all three sheets of the real population workbook
    # (openpyxl ws.delete_cols, re-saved with cached values).
    def drop_2010(workbook) -> None:
        for ws in workbook.worksheets:
            year = next(c for row in ws.iter_rows(max_row=10) for c in row if c.value == 2010)
            ws.delete_cols(year.column)

    data = dmg.resave_workbook(dmg.real("population"), drop_2010)
    outcome = fails_contained(
        warehouse, tmp_path, POPULATION, data, r"years_cover_previous_release", status="quarantined"
    )
    assert {"years_cover_previous_release", "no_year_gap"} <= blocking(outcome)
    assert "total 2010" in outcome.report.outcome("years_cover_previous_release").message


# --- labels -------------------------------------------------------------------------------------


def test_new_unknown_region_label(warehouse, tmp_path):
    # Damage: the shared string 'Атырауская' (used on all three sheets) renamed 'Атлантидская'.
    data = dmg.edit_zip_member(
        dmg.real("population"),
        "xl/sharedStrings.xml",
        lambda x: dmg.replace_once(x, "<t>Атырауская</t>".encode(), "<t>Атлантидская</t>".encode()),
    )
    fails_contained(warehouse, tmp_path, POPULATION, data, r"cell A7: .*'Атлантидская'")


def test_duplicated_region_line(warehouse, tmp_path):
    # Damage: line 2 of the real income CSV (Kyzylorda 2006) appended again at the end.
    lines = dmg.csv_lines(dmg.real("income_annual"))
    data = dmg.csv_bytes([*lines, lines[1]])
    fails_contained(warehouse, tmp_path, INCOME, data, rf"line {len(lines) + 1}: duplicate cell: .*line 2")


# --- values -------------------------------------------------------------------------------------


def test_text_in_a_numeric_cell(warehouse, tmp_path):
    # Damage: line 2's VAL '14 602' became '14 602 (предв.)' (a note typed into the number).
    data = dmg.replace_once(dmg.real("income_annual"), KYZYLORDA_2006, KYZYLORDA_2006 + " (предв.)".encode())
    fails_contained(warehouse, tmp_path, INCOME, data, r"line 2: cannot read '14 602 \(предв.\)' as a number")


def test_negative_population(warehouse, tmp_path):
    # Damage: sheet1 cell B4 (Akmola, 2000: 799179 persons) made negative.
    data = dmg.edit_zip_member(
        dmg.real("population"), SHEET1, lambda x: dmg.replace_once(x, b"<v>799179</v>", b"<v>-799179</v>")
    )
    outcome = fails_contained(warehouse, tmp_path, POPULATION, data, r"value_magnitude", status="quarantined")
    assert "-799,179" in outcome.report.outcome("value_magnitude").message
    assert "sheet 'Все население' cell B4" in outcome.report.outcome("value_magnitude").message


def test_unit_change_values_1000x(warehouse, tmp_path):
    # Damage: every VAL of the real income CSV multiplied by 1000 ('14 602' -> '14 602 000').
    data = dmg.edit_csv_field(dmg.real("income_annual"), "VAL", lambda _n, v: dmg.times_1000(v))
    outcome = fails_contained(warehouse, tmp_path, INCOME, data, r"value_scale", status="quarantined")
    assert {"value_scale", "revision_no_unit_jump"} <= blocking(outcome)


# --- encodings ----------------------------------------------------------------------------------


def test_non_utf8_csv(warehouse, tmp_path):
    # Damage: the real 'employed' CSV re-encoded in Windows-1251 (what Excel saves in Kazakhstan).
    data = dmg.real("employed").decode("utf-8").encode("cp1251")
    fails_contained(warehouse, tmp_path, EMPLOYED, data, r"line 2: not UTF-8 text \(byte \d+\)")


def test_utf16_csv_without_a_bom(warehouse, tmp_path):
    # Damage: the real income CSV re-encoded as UTF-16-LE with no BOM to say so.
    data = dmg.real("income_annual").decode("utf-8").encode("utf-16-le")
    fails_contained(warehouse, tmp_path, INCOME, data, r"line 1: not UTF-8 text \(byte 30\)")


def test_csv_with_a_bom_and_tabs_like_the_live_api_reads_the_same_values(warehouse, tmp_path):
    # Damage (none to the numbers): the BOM-less comma-separated snapshot CSV rewritten in the live
    # API's shape, UTF-8 with a BOM and tab-separated.
    text = dmg.real("income_annual").decode("utf-8").replace(",", "\t")
    data = "\ufeff".encode() + text.encode("utf-8")
    done = warehouse.refresh(INCOME, warehouse.snapshot_source(tmp_path, INCOME, data))
    assert done.status == "loaded" and done.record.revised_cells == 0 and done.record.new_cells == 0
    assert tree_state(warehouse.published) == warehouse.published_before
    assert_clean_rerun(warehouse, INCOME, snapshot_source(), expect=("loaded",))


def test_empty_file(warehouse, tmp_path):
    # Damage: the income snapshot file truncated to zero bytes.
    fails_contained(warehouse, tmp_path, INCOME, b"", r"line 1: header '' lacks column\(s\)")


# --- JSON slices --------------------------------------------------------------------------------


def test_json_slices_with_x_everywhere_are_quarantined(warehouse, tmp_path):
    # Damage: the real income release re-expressed as the file API's JSON slices (same labels and
    # periods), every value replaced by "x" (confidential). Read with the bns_json parser.
    dataset = dmg.json_dataset(INCOME)
    data = dmg.income_as_json_slices(value=lambda _v: "x")
    was = before(warehouse, dataset)
    outcome = refresh_damaged(warehouse, tmp_path, dataset, data)
    assert_fault_contained(
        warehouse, dataset, was, outcome, cause=r"values_published", landed=data, status="quarantined"
    )
    assert set(outcome.candidate.frame["value_flag"]) == {"confidential"}
    assert "FAILED: 441 of 441 rows" in outcome.report.outcome("values_published").message
    # Clean rerun: the same JSON with the real values loads, and revises nothing.
    real_json = dmg.income_as_json_slices()
    done = warehouse.refresh(dataset, warehouse.snapshot_source(tmp_path, dataset, real_json))
    assert done.status == "loaded" and done.record.revised_cells == 0 and done.record.new_cells == 0


# --- releases that are fine ---------------------------------------------------------------------


def test_release_identical_to_the_current_one_is_a_no_op(warehouse, tmp_path):
    # The real income bytes again, byte for byte.
    was = before(warehouse, INCOME)
    done = warehouse.refresh(INCOME, snapshot_source())
    assert done.status == "unchanged" and done.release_id == was.current
    assert [r["status"] for r in warehouse.new_ledger_rows(INCOME.id)] == ["unchanged"]
    assert warehouse.raw_rows(INCOME.id) == was.raw_rows
    assert warehouse.landing_files(INCOME.id) == was.landing
    assert tree_state(warehouse.published) == warehouse.published_before


def test_revision_of_an_old_year_is_accepted_and_recorded(warehouse, tmp_path):
    # Damage: one old cell revised, Kyzylorda 2006: '14 602' -> '14 650' (BNS revises history).
    data = dmg.replace_once(
        dmg.real("income_annual"), KYZYLORDA_2006, KYZYLORDA_2006.replace(b"14 602", b"14 650")
    )
    was = before(warehouse, INCOME)
    done = warehouse.refresh(INCOME, warehouse.snapshot_source(tmp_path, INCOME, data))
    assert done.status == "loaded"
    last = warehouse.new_ledger_rows(INCOME.id)[-1]
    assert last["status"] == "loaded" and last["revised_cells"] == 1 and last["new_cells"] == 0
    assert warehouse.store.current(INCOME.id).release_id == done.release_id != was.current
    assert warehouse.raw_rows(INCOME.id) == 2 * was.raw_rows  # append-only: both releases kept
    revised = warehouse.store.current_rows(INCOME.id)
    cell = revised[(revised.region_code == "KZ-43") & (revised.period_label == "2006 год")]
    assert cell["value"].tolist() == [14650.0]
    assert tree_state(warehouse.published) == warehouse.published_before  # dbt + publish come later

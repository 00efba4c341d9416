"""The open formats of a publication: CSV per table, one XLSX workbook, a Frictionless datapackage.json.

Most tests publish a small hand-made build database (types the marts use: integers, doubles, decimals,
booleans, NULLs, a list column, a UTC timestamp, a table name longer than Excel's 31-character limit),
so that the guarantees are checked in seconds; one test reads the session's real publication.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import frictionless
import openpyxl
import pytest

from publishing import open_data
from tests.faults.conftest import tree_state

# the module (``publishing.publish`` the attribute is the re-exported function)
publish_module = importlib.import_module("publishing.publish")

LONG_A = "mart_a_table_name_well_beyond_excels_limit_one"
LONG_B = "mart_a_table_name_well_beyond_excels_limit_two"


@pytest.fixture
def build_db(tmp_path: Path) -> Path:
    """A build database shaped like the real one: marts with dbt comments, raw.releases and the catalog."""
    path = tmp_path / "build.duckdb"
    con = duckdb.connect(str(path))
    con.execute("set timezone = 'UTC'")
    con.execute("create schema marts; create schema raw")
    con.execute(
        """
        create table marts.fct_region_year as
        select * from (values
            (2010, 'KZ-23', 'Atyrau', 3645.1234567890123, 10.5::decimal(9, 3), true, ['r1', 'r2']),
            (2010, 'KZ-75', 'Almaty "city"', 1e-17, null, false, []::varchar[]),
            (2011, 'KZ-10', 'Abai, région', null, 0.125::decimal(9, 3), null, null)
        ) t(year, region_code, region_name_en, grp_mln_kzt, share_pct, is_current, source_release_ids)
        """
    )
    con.execute("comment on table marts.fct_region_year is 'Annual regional facts.'")
    con.execute("comment on column marts.fct_region_year.grp_mln_kzt is 'GRP at current prices.'")
    for name in (LONG_A, LONG_B):
        con.execute(f"create table marts.{name} as select 1 as n, date '2020-01-31' as d")
    con.execute(
        "create table raw.releases as select 'abc' as release_id, 'grp_nominal' as dataset_id, "
        "timestamptz '2026-01-02 03:04:05.678901+00' as fetched_at, 'snapshot' as source, "
        "'snapshot://bns/grp.xlsx' as url, 'loaded' as status, 3 as row_count, 0 as revised_cells, "
        "3 as new_cells"
    )
    con.execute("create table raw.measure_catalog as select 'grp_mln_kzt' as measure, 'mln KZT' as unit")
    con.close()
    return path


def _publish(build_db: Path, tmp_path: Path) -> Path:
    publish_module.publish(build_db, tmp_path / "published", run_id="test-open-data")
    return (tmp_path / "published" / "current").resolve()


def _published_tables(version: Path) -> dict[str, tuple[list[str], list[str], list[tuple]]]:
    """schema.table -> (column names, DuckDB types, rows in stored order) from the published DuckDB file."""
    con = duckdb.connect(str(version / "kz_inequality.duckdb"), read_only=True)
    con.execute("set timezone = 'UTC'")
    try:
        listed = con.execute("select schema_name, table_name from duckdb_tables() order by 1, 2").fetchall()
        out = {}
        for schema, table in listed:
            cursor = con.execute(f'select * from "{schema}"."{table}"')
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            types = [
                t
                for (t,) in con.execute(
                    "select data_type from duckdb_columns() where schema_name = ? and table_name = ? "
                    "order by column_index",
                    [schema, table],
                ).fetchall()
            ]
            out[f"{schema}.{table}"] = (names, types, rows)
        return out
    finally:
        con.close()


def _from_text(text: str, kind: str) -> object:
    """A CSV field read back by its Table Schema type (what a Frictionless reader does)."""
    if text == "":
        return None
    return {
        "integer": int,
        "number": float,
        "boolean": lambda s: {"true": True, "false": False}[s],
        "date": date.fromisoformat,
        "datetime": datetime.fromisoformat,
        "array": json.loads,
        "object": json.loads,
    }.get(kind, str)(text)


def _comparable(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _to_millisecond(value: datetime) -> datetime:
    return datetime.fromtimestamp(round(value.timestamp() * 1000) / 1000, tz=UTC).replace(tzinfo=None)


def _approx(value: object) -> object:
    return pytest.approx(value, rel=1e-15, abs=0) if isinstance(value, float) else value


def test_sheet_names_respect_excels_limit_and_stay_unique() -> None:
    keys = ["marts." + "x" * 40, "marts." + "x" * 45, "marts.TABLES", "raw.releases", "marts.a[b]:c"]
    names = open_data.sheet_names(keys)
    assert all(len(n) <= 31 for n in names.values())
    lowered = [n.lower() for n in names.values()] + ["tables", "columns"]
    assert len(set(lowered)) == len(lowered)
    assert names["raw.releases"] == "releases"
    assert names["marts.a[b]:c"] == "a_b__c"
    assert names["marts." + "x" * 40] == "x" * 31


def test_publication_carries_csv_xlsx_and_datapackage_equal_to_the_duckdb_tables(
    build_db: Path, tmp_path: Path
) -> None:
    version = _publish(build_db, tmp_path)
    tables = _published_tables(version)
    assert {"marts.fct_region_year", f"marts.{LONG_A}", "raw.releases", "meta.publication"} <= set(tables)
    package = json.loads((version / "datapackage.json").read_text(encoding="utf-8"))
    by_path = {r["path"]: r for r in package["resources"]}

    # CSV: one per table, UTF-8, its header = the columns, every value back by the schema's type.
    for key, (names, types, rows) in tables.items():
        path = version / "csv" / f"{key}.csv"
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            kinds = [open_data.frictionless_type(t) for t in types]
            back = [tuple(_from_text(v, k) for v, k in zip(r, kinds, strict=True)) for r in reader]
        assert header == names, key
        assert back == [tuple(_comparable(v) for v in row) for row in rows], key
        fields = by_path[f"csv/{key}.csv"]["schema"]["fields"]
        assert [f["name"] for f in fields] == names
        assert [f["type"] for f in fields] == kinds

    # XLSX: a sheet per table (name within 31 characters), plus the tables and columns sheets.
    book = openpyxl.load_workbook(version / "kz_inequality.xlsx", read_only=True)
    assert book.sheetnames[:2] == ["tables", "columns"]
    listing = list(book["tables"].iter_rows(values_only=True))
    assert listing[0] == ("sheet", "table", "rows", "csv_file", "description")
    sheet_of = {row[1]: row[0] for row in listing[1:]}
    assert set(sheet_of) == set(tables)
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
    assert sheet_of[f"marts.{LONG_A}"] != sheet_of[f"marts.{LONG_B}"]
    for key, (names, types, rows) in tables.items():
        # (a read-only sheet drops a row's trailing empty cells: pad them back)
        got = [r + (None,) * (len(names) - len(r)) for r in book[sheet_of[key]].iter_rows(values_only=True)]
        assert list(got[0]) == names
        expected = []
        for row in rows:
            cells = []
            for value, kind in zip(row, types, strict=True):
                if isinstance(value, datetime):
                    # Excel stores times as day fractions: UTC, to the millisecond.
                    value = _to_millisecond(value.replace(tzinfo=None))
                elif kind.endswith("]"):
                    value = json.dumps(value, separators=(",", ":")) if value is not None else None
                elif isinstance(value, date) and not isinstance(value, datetime):
                    value = datetime(value.year, value.month, value.day)
                cells.append(_comparable(value))
            expected.append(tuple(cells))
        # openpyxl writes numbers with 16 significant digits (Excel itself keeps 15): exact in CSV and
        # Parquet, to 1e-15 relative in the workbook.
        assert got[1:] == [tuple(_approx(v) for v in row) for row in expected], key

    # The columns sheet: descriptions from the dbt comments, units from the measure catalog.
    columns = {(r[1], r[2]): r for r in book["columns"].iter_rows(min_row=2, values_only=True)}
    grp = columns[("marts.fct_region_year", "grp_mln_kzt")]
    assert grp[4] == "mln KZT" and grp[5] == "GRP at current prices."
    assert set(columns) == {(key, name) for key, (names, _, _) in tables.items() for name in names}


def test_datapackage_describes_every_published_file(build_db: Path, tmp_path: Path) -> None:
    version = _publish(build_db, tmp_path)
    package = json.loads((version / "datapackage.json").read_text(encoding="utf-8"))
    # Required keys of the Data Package / Data Resource / Table Schema specs (v1), and what the task asks.
    for key in ("name", "resources", "licenses", "sources", "version", "created", "citation"):
        assert package[key], key
    assert re.fullmatch(r"[a-z0-9._/-]+", package["name"])
    datetime.fromisoformat(package["created"])
    assert all(("name" in lic or "path" in lic) and lic.get("title") for lic in package["licenses"])
    assert {s["dataset_id"] for s in package["sources"]} >= {"grp_nominal"}
    assert all(s["title"] and s["path"] and s["licence"] for s in package["sources"])
    names = [r["name"] for r in package["resources"]]
    assert len(set(names)) == len(names)
    described = set()
    for resource in package["resources"]:
        assert re.fullmatch(r"[a-z0-9._/-]+", resource["name"]), resource["name"]
        path = version / resource["path"]
        assert path.is_file(), resource["path"]
        assert resource["bytes"] == path.stat().st_size
        assert resource["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        if resource["format"] == "csv":
            for field in resource["schema"]["fields"]:
                assert field["name"] and field["type"] in {
                    "string",
                    "integer",
                    "number",
                    "boolean",
                    "date",
                    "datetime",
                    "array",
                    "object",
                    "any",
                }
        described.add(resource["path"])
    on_disk = {str(p.relative_to(version)) for p in version.rglob("*") if p.is_file()}
    assert on_disk - described == {"datapackage.json"}
    units = {
        f["name"]: f.get("unit")
        for r in package["resources"]
        if r["path"] == "csv/marts.fct_region_year.csv"
        for f in r["schema"]["fields"]
    }
    assert units["grp_mln_kzt"] == "mln KZT"
    # And the reference implementation of the specs agrees: descriptor, bytes, hashes, every CSV row
    # against its schema.
    report = frictionless.validate(version / "datapackage.json")
    assert report.valid, report.flatten(["taskName", "type", "note"])


def test_a_failed_publish_leaves_no_csv_xlsx_or_datapackage_behind(
    build_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "published"
    publish_module.publish(build_db, published, run_id="first")
    before = tree_state(published)

    def workbook_fails(*_args, **_kwargs):
        raise OSError("No space left on device (kz_inequality.xlsx)")

    monkeypatch.setattr(open_data, "write_xlsx", workbook_fails)
    with pytest.raises(OSError, match="No space left"):
        publish_module.publish(build_db, published, run_id="second")
    assert tree_state(published) == before  # CSVs written before the failure are gone with the staging dir
    monkeypatch.undo()
    publish_module.publish(build_db, published, run_id="third")
    assert (published / "current" / "datapackage.json").is_file()


def test_real_publication_open_formats_match_the_duckdb_file(pipeline_run) -> None:
    """Every table of the session's real publication is in csv/, the workbook and the data package."""
    version = (pipeline_run.home / "published" / "current").resolve()
    tables = _published_tables(version)
    package = json.loads((version / "datapackage.json").read_text(encoding="utf-8"))
    csv_resources = {r["path"]: r for r in package["resources"] if r["format"] == "csv"}
    assert set(csv_resources) == {f"csv/{key}.csv" for key in tables}
    book = openpyxl.load_workbook(version / "kz_inequality.xlsx", read_only=True)
    assert len(book.sheetnames) == len(tables) + 2
    for key, (names, types, rows) in tables.items():
        with open(version / "csv" / f"{key}.csv", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            assert next(reader) == names, key
            kinds = [open_data.frictionless_type(t) for t in types]
            back = [tuple(_from_text(v, k) for v, k in zip(r, kinds, strict=True)) for r in reader]
        assert back == [tuple(_comparable(v) for v in row) for row in rows], key
        assert csv_resources[f"csv/{key}.csv"]["rows"] == len(rows)
    # The descriptor is valid Frictionless (its rows are checked by the small publication's test: reading
    # every real table again through frictionless takes minutes).
    descriptor = frictionless.Package.validate_descriptor(str(version / "datapackage.json"))
    assert descriptor.valid, descriptor.flatten(["type", "note"])
    fields = {f["name"]: f for f in csv_resources["csv/marts.fct_region_year.csv"]["schema"]["fields"]}
    assert fields["grp_mln_kzt"]["unit"] == "mln KZT" and fields["grp_mln_kzt"]["description"]

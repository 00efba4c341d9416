"""Open formats of a publication: every table as CSV, one XLSX workbook, a Frictionless ``datapackage.json``.

Spreadsheet users and open-data portals read neither DuckDB nor Parquet. The publish step writes these
files into the same staging directory as the DuckDB file, before the atomic swap, so a version has all
of them or none. Nothing here is hand-written documentation: column descriptions are the comments dbt's
``persist_docs`` wrote from the model YAML (read back from the published file), units come from the
measure catalog (``raw.measure_catalog``, written by the ingestion from ``ingestion/catalog.py``), sources
from the catalog and ``raw.releases``, their licences from ``ingestion/snapshot/PROVENANCE.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from openpyxl import Workbook

from ingestion.catalog import CATALOG

PROVENANCE = Path(__file__).resolve().parent.parent / "ingestion" / "snapshot" / "PROVENANCE.md"
WORKBOOK = "kz_inequality.xlsx"
#: Excel's limits: sheet names of at most 31 characters, none of these characters, 1,048,576 rows.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
EXCEL_MAX_ROWS = 1_048_576
#: The two explanatory sheets, first in the workbook.
TABLES_SHEET = "tables"
COLUMNS_SHEET = "columns"
PACKAGE_NAME = "kz-inequality-warehouse"
DATA_LICENCE = {
    "name": "other-at",
    "title": (
        "Official statistics of the Bureau of National Statistics of the Agency for Strategic Planning and "
        "Reforms of Kazakhstan (stat.gov.kz): reuse citing the source. The licence of each snapshot copy "
        "is given with its source below (ingestion/snapshot/PROVENANCE.md)."
    ),
    "path": "https://stat.gov.kz",
}
CODE_LICENCE = {"name": "MIT", "title": "MIT License (the code that built these files)", "path": "LICENSE"}
CITATION = (
    "Kazakhstan regional inequality warehouse, publication {version} (derived from the Bureau of National "
    "Statistics of Kazakhstan, stat.gov.kz). Cite the table and the publication version; meta.publication "
    "in every file names the version."
)


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str
    description: str | None
    unit: str | None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str | None
    rows: int
    columns: tuple[Column, ...]

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def csv_path(self) -> str:
        return f"csv/{self.key}.csv"


def frictionless_type(duckdb_type: str) -> str:
    """Table Schema type of a DuckDB column type (lists and structs are written as JSON text)."""
    t = duckdb_type.upper()
    if t.endswith("]"):
        return "array"
    if t.startswith(("STRUCT", "MAP", "JSON")):
        return "object"
    if t in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER"}:
        return "integer"
    if t in {"UBIGINT", "UHUGEINT"}:
        return "integer"
    if t in {"DOUBLE", "FLOAT", "REAL"} or t.startswith("DECIMAL"):
        return "number"
    if t == "BOOLEAN":
        return "boolean"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    if t in {"VARCHAR", "UUID"}:
        return "string"
    return "any"


def sheet_names(keys: list[str], reserved: tuple[str, ...] = (TABLES_SHEET, COLUMNS_SHEET)) -> dict[str, str]:
    """One Excel sheet name per table key: the table name without its schema, cut to 31 characters,
    made unique (case-insensitively, as Excel compares them) by a ``~n`` suffix inside the limit."""
    taken = {r.lower() for r in reserved}
    out: dict[str, str] = {}
    for key in keys:
        base = SHEET_NAME_FORBIDDEN.sub("_", key.split(".", 1)[-1])[:SHEET_NAME_MAX]
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.lower())
        out[key] = name
    return out


def describe(
    con: duckdb.DuckDBPyConnection, database: str, keys: list[str], units: dict[str, str]
) -> list[Table]:
    """Tables of ``database`` (attached in ``con``) with their comments, column types and units."""
    comments = {
        (s, t): c
        for s, t, c in con.execute(
            "select schema_name, table_name, comment from duckdb_tables() where database_name = ?", [database]
        ).fetchall()
    }
    columns: dict[tuple[str, str], list[Column]] = {}
    for s, t, name, kind, text in con.execute(
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = ? order by schema_name, table_name, column_index",
        [database],
    ).fetchall():
        columns.setdefault((s, t), []).append(Column(name, kind, text, units.get(name)))
    tables = []
    for key in keys:
        schema, name = key.split(".", 1)
        rows = con.execute(f'select count(*) from {database}."{schema}"."{name}"').fetchone()[0]
        tables.append(Table(schema, name, comments.get((schema, name)), rows, tuple(columns[(schema, name)])))
    return tables


def measure_units(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, str]:
    """Unit of each fact column that is a catalog measure (``raw.measure_catalog``)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'raw' "
        "and table_name = 'measure_catalog'",
        [database],
    ).fetchone()[0]
    if not exists:
        return {}
    return dict(con.execute(f"select measure, unit from {database}.raw.measure_catalog").fetchall())


def _select_list(table: Table, database: str, text: bool) -> str:
    """Columns as the files carry them: lists and structs as JSON text; for CSV (``text``) timestamps in
    ISO 8601 (UTC with a ``Z`` when the column has a time zone), everything else as is."""
    parts = []
    for c in table.columns:
        quoted = f'"{c.name}"'
        kind = frictionless_type(c.duckdb_type)
        if kind in ("array", "object"):
            parts.append(f"to_json({quoted})::varchar as {quoted}")
        elif text and c.duckdb_type == "TIMESTAMP WITH TIME ZONE":
            parts.append(f"strftime({quoted} at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') as {quoted}")
        elif text and c.duckdb_type == "TIMESTAMP":
            parts.append(f"strftime({quoted}, '%Y-%m-%dT%H:%M:%S.%f') as {quoted}")
        else:
            parts.append(quoted)
    return f'select {", ".join(parts)} from {database}."{table.schema}"."{table.name}"'


def write_csv(con: duckdb.DuckDBPyConnection, database: str, table: Table, target: Path) -> Path:
    """UTF-8 CSV with a header row; NULL is the empty field, dates and timestamps in ISO 8601."""
    out = target / table.csv_path
    out.parent.mkdir(exist_ok=True)
    con.execute(
        f"copy ({_select_list(table, database, text=True)}) to '{_escape(str(out))}' "
        "(format csv, header true, delimiter ',', quote '\"', dateformat '%Y-%m-%d')"
    )
    return out


def _excel_value(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones: the published timestamps are UTC (the column comment says so).
        return value.replace(tzinfo=None) if value.utcoffset().total_seconds() == 0 else value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def write_xlsx(con: duckdb.DuckDBPyConnection, database: str, tables: list[Table], target: Path) -> Path:
    """One workbook: a sheet listing the tables, a sheet explaining every column, then one sheet per table."""
    names = sheet_names([t.key for t in tables])
    book = Workbook(write_only=True)
    about = book.create_sheet(TABLES_SHEET)
    about.append(["sheet", "table", "rows", "csv_file", "description"])
    for t in tables:
        about.append([names[t.key], t.key, t.rows, t.csv_path, t.description])
    columns = book.create_sheet(COLUMNS_SHEET)
    columns.append(["sheet", "table", "column", "type", "unit", "description"])
    for t in tables:
        for c in t.columns:
            columns.append(
                [names[t.key], t.key, c.name, frictionless_type(c.duckdb_type), c.unit, c.description]
            )
    for t in tables:
        if t.rows + 1 > EXCEL_MAX_ROWS:
            raise ValueError(
                f"[publish] {t.key}: {t.rows} rows do not fit one Excel sheet ({EXCEL_MAX_ROWS})"
            )
        sheet = book.create_sheet(names[t.key])
        sheet.append([c.name for c in t.columns])
        cursor = con.execute(_select_list(t, database, text=False))
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                sheet.append([_excel_value(v) for v in row])
    out = target / WORKBOOK
    book.save(out)
    return out


def _licences_by_file() -> dict[str, str]:
    """Snapshot file -> the licence PROVENANCE.md states for it (``Licence: ...`` on its bullet)."""
    if not PROVENANCE.exists():
        return {}
    out = {}
    for bullet in re.split(r"\n(?=- )", PROVENANCE.read_text(encoding="utf-8")):
        head = re.match(r"- (\S+)", bullet)
        licence = re.search(r"Licen[cs]e:\s*([^\n]*?)(?:\.\s|\.$|$)", bullet, re.MULTILINE)
        if head and licence:
            out[head.group(1)] = licence.group(1).strip()
    return out


def sources(con: duckdb.DuckDBPyConnection, database: str) -> list[dict]:
    """One source per catalog dataset: its title, where the published release came from, its licence."""
    urls = dict(
        con.execute(
            f"select dataset_id, arg_max(url, fetched_at) from {database}.raw.releases "
            "where status in ('loaded', 'unchanged') group by dataset_id"
        ).fetchall()
    )
    licences = _licences_by_file()
    out = []
    for dataset in CATALOG:
        entry = {
            "title": f"Bureau of National Statistics of Kazakhstan: {dataset.title}",
            "path": urls.get(dataset.id) or "https://stat.gov.kz",
            "dataset_id": dataset.id,
            "snapshot_file": dataset.snapshot_file,
            "licence": licences.get(
                dataset.snapshot_file, "not stated (see ingestion/snapshot/PROVENANCE.md)"
            ),
        }
        out.append(entry)
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_facts(target: Path, path: str) -> dict:
    full = target / path
    return {"bytes": full.stat().st_size, "hash": f"sha256:{_sha256(full)}"}


def _schema(table: Table) -> dict:
    fields = []
    for c in table.columns:
        field = {"name": c.name, "type": frictionless_type(c.duckdb_type), "duckdb_type": c.duckdb_type}
        if c.description:
            field["description"] = c.description
        if c.unit:
            field["unit"] = c.unit
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def datapackage(
    tables: list[Table],
    target: Path,
    version: str,
    published_at: str,
    source_list: list[dict],
    other_files: dict[str, str],
) -> dict:
    """The Frictionless Data Package (v1 profile) describing every file of the version directory.

    ``other_files``: relative path -> format of the non-CSV files (DuckDB, Parquet, XLSX)."""
    resources = []
    for t in tables:
        resources.append(
            {
                "profile": "tabular-data-resource",
                "type": "table",
                "name": t.key.lower(),
                "path": t.csv_path,
                "title": t.key,
                "description": t.description or "",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                **_file_facts(target, t.csv_path),
                "rows": t.rows,
                "schema": _schema(t),
            }
        )
    by_parquet = {f"parquet/{t.key}.parquet": t for t in tables}
    mediatypes = {
        "parquet": "application/vnd.apache.parquet",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "duckdb": "application/octet-stream",
    }
    for path, fmt in sorted(other_files.items()):
        table = by_parquet.get(path)
        # "type": "file": readers check bytes and hash but do not parse them as a table (the CSV of the
        # same table carries its schema).
        resource = {
            "profile": "data-resource",
            "type": "file",
            "name": Path(path).name.lower(),
            "path": path,
            "format": fmt,
            "mediatype": mediatypes[fmt],
            **_file_facts(target, path),
        }
        if table is not None:
            resource["description"] = (
                f"{table.key} as Parquet: the rows and columns of resource {table.key.lower()} "
                f"({table.csv_path}), whose schema describes them."
            )
        elif fmt == "xlsx":
            resource["description"] = (
                f"Every table as a sheet; sheet '{TABLES_SHEET}' lists them, sheet '{COLUMNS_SHEET}' "
                "explains every column and its unit."
            )
        else:
            resource["description"] = "Every table in one read-only DuckDB file (storage format v1.0.0)."
        resources.append(resource)
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "Regional inequality in Kazakhstan: facts, inequality measures, indices and quality flags",
        "description": (
            "Annual regional statistics of Kazakhstan from the Bureau of National Statistics, validated and "
            "modelled (dbt marts). Start with marts.fct_region_year (one row per region and year) and "
            "marts.dim_region; column descriptions and units are in each resource's schema."
        ),
        "version": version,
        "created": published_at,
        "homepage": "https://stat.gov.kz",
        "licenses": [DATA_LICENCE, CODE_LICENCE],
        "sources": source_list,
        "citation": CITATION.format(version=version),
        "keywords": ["Kazakhstan", "regional statistics", "inequality", "GRP", "income"],
        "resources": resources,
    }


def write_open_formats(
    con: duckdb.DuckDBPyConnection,
    database: str,
    keys: list[str],
    target: Path,
    version: str,
    published_at: str,
    units: dict[str, str],
) -> list[Path]:
    """Write csv/, the workbook and datapackage.json into ``target`` (the unswapped version directory).

    ``database``: the attached published file; ``keys``: its tables as ``schema.table``."""
    tables = describe(con, database, keys, units)
    written = [write_csv(con, database, t, target) for t in tables]
    written.append(write_xlsx(con, database, tables, target))
    others = {f"parquet/{p.name}": "parquet" for p in sorted((target / "parquet").glob("*.parquet"))}
    others["kz_inequality.duckdb"] = "duckdb"
    others[WORKBOOK] = "xlsx"
    package = datapackage(tables, target, version, published_at, sources(con, database), others)
    out = target / "datapackage.json"
    out.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(out)
    return written


def _escape(text: str) -> str:
    return text.replace("'", "''")

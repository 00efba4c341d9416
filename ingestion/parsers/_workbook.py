"""Spreadsheets (xlsx via openpyxl, xls via xlrd) read into plain grids, and BNS tables found in them.

A BNS dynamic table is: title rows, one header row of period labels (or two: years above, quarters /
"year" below), a label column of region names, the body, then a blank row and footnotes. The header
and the label column are found by content, never by fixed row numbers, and every cell of the body is
accounted for: it is a value under a period header, a region label, a block label ("Городское
население"), or an error.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openpyxl.utils import get_column_letter

from ingestion.parsers._common import (
    MAX_COLS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNCOMPRESSED_BYTES,
    Period,
    clean_text,
    fail,
    is_blank,
    is_footnote_label,
    parse_period,
    parse_subperiod,
    parse_value,
    raw_text,
)
from ingestion.regions import lookup_region, normalize_label

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

HEADER_SCAN_ROWS = 60
NATIONAL = "KZ"

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]

    def cell(self, row: int, col: int) -> object:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def where(self, row: int, col: int) -> str:
        """``sheet 'name' cell E5`` (1-based, Excel style)."""
        return f"sheet {self.name!r} cell {get_column_letter(col + 1)}{row + 1}"

    def where_row(self, row: int) -> str:
        return f"sheet {self.name!r} row {row + 1}"


class _XlsError:
    """An Excel error cell (#N/A, #DIV/0!...) read by xlrd."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


# ---------------------------------------------------------------------------------------------
# Reading


def read_workbook(payload: bytes, ctx: ParseContext) -> list[Sheet]:
    """All worksheets of an xlsx or xls payload (format told by magic bytes, not by name)."""
    if payload.startswith(_XLSX_MAGIC):
        sheets = _read_xlsx(payload, ctx)
    elif payload.startswith(_XLS_MAGIC):
        sheets = _read_xls(payload, ctx)
    else:
        head = payload[:16]
        raise fail(ctx, "file", f"not an xlsx or xls workbook (starts with {head!r})")
    if not sheets:
        raise fail(ctx, "file", "workbook has no worksheets")
    return sheets


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _check_zip(payload: bytes, ctx: ParseContext) -> bool:
    """Size checks on the xlsx container; returns whether any worksheet holds a formula."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            members = archive.infolist()
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if ratio > MAX_COMPRESSION_RATIO and member.file_size > 10 * 1024 * 1024:
                    raise fail(ctx, f"zip member {member.filename!r}", "suspicious compression ratio")
            if total > MAX_UNCOMPRESSED_BYTES:
                raise fail(ctx, "file", f"xlsx expands to {total} bytes (cap {MAX_UNCOMPRESSED_BYTES})")
            return any(
                _FORMULA_TAG.search(archive.read(member))
                for member in members
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError) as exc:
        raise fail(ctx, "file", f"not a readable xlsx (zip): {exc}") from None


def _defused_cause(exc: BaseException) -> BaseException | None:
    """The defusedxml refusal (entity expansion, external entity, DTD) behind openpyxl's error."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith("defusedxml"):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _load_xlsx(payload: bytes, ctx: ParseContext, *, data_only: bool):
    import openpyxl
    import openpyxl.xml

    # openpyxl parses with defusedxml only when it can import it; without it an entity expansion
    # (billion laughs) in sharedStrings.xml would be expanded. Never parse a workbook without it.
    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("openpyxl runs without defusedxml: install defusedxml (see pyproject.toml)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                io.BytesIO(payload), read_only=True, data_only=data_only, keep_links=False
            )
    except Exception as exc:  # openpyxl raises many types for broken files
        refused = _defused_cause(exc)
        if refused is not None:
            raise fail(
                ctx, "file", f"XML entity declarations refused ({type(refused).__name__}: {refused})"
            ) from None
        raise fail(ctx, "file", f"not a readable xlsx: {type(exc).__name__}: {exc}") from None


def _capped_rows(ws, name: str, ctx: ParseContext) -> list[list[object]]:
    rows: list[list[object]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iterator = ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLS + 1, values_only=True)
        for index, row in enumerate(iterator):
            values = list(row)
            if not is_blank(values[MAX_COLS] if len(values) > MAX_COLS else None):
                raise fail(ctx, f"sheet {name!r} row {index + 1}", f"more than {MAX_COLS} columns")
            if index >= MAX_ROWS:
                if any(not is_blank(v) for v in values):
                    raise fail(ctx, f"sheet {name!r}", f"more than {MAX_ROWS} rows")
                break
            rows.append(values[:MAX_COLS])
    return _trim(rows)


def _refuse_cells_beyond_caps(ws, name: str, ctx: ParseContext) -> None:
    """A value past ``MAX_ROWS`` / ``MAX_COLS`` is refused, never dropped.

    ``iter_rows(max_row=..., max_col=...)`` above silently cuts a sheet at the caps (a value in row
    100000 or column 5000 would vanish). This walks the sheet's own row elements, without the padding
    of missing rows that ``iter_rows`` does, so a hostile ``r="999999999"`` costs nothing either.
    """
    from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl is pinned (==3.1.5)

    with ws._get_source() as source:
        for row_number, cells in WorkSheetParser(source, ws._shared_strings, data_only=True).parse():
            for cell in cells:
                if is_blank(cell["value"]):
                    continue
                if row_number > MAX_ROWS:
                    raise fail(ctx, f"sheet {name!r} row {row_number}", f"more than {MAX_ROWS} rows")
                if cell["column"] > MAX_COLS:
                    raise fail(ctx, f"sheet {name!r} row {row_number}", f"more than {MAX_COLS} columns")


def _trim(rows: list[list[object]]) -> list[list[object]]:
    while rows and all(is_blank(v) for v in rows[-1]):
        rows.pop()
    width = 0
    for row in rows:
        for col in range(len(row) - 1, -1, -1):
            if not is_blank(row[col]):
                width = max(width, col + 1)
                break
    return [row[:width] + [None] * (width - len(row[:width])) for row in rows]


def _read_xlsx(payload: bytes, ctx: ParseContext) -> list[Sheet]:
    has_formulas = _check_zip(payload, ctx)
    values_book = _load_xlsx(payload, ctx, data_only=True)
    # Formulas are read a second time only to refuse those without a cached value.
    formula_book = _load_xlsx(payload, ctx, data_only=False) if has_formulas else None
    try:
        worksheets = list(values_book.worksheets)
        if len(worksheets) > MAX_SHEETS:
            raise fail(ctx, "file", f"more than {MAX_SHEETS} worksheets")
        formula_sheets = formula_book.worksheets if formula_book else [None] * len(worksheets)
        sheets = []
        for ws, fws in zip(worksheets, formula_sheets, strict=True):
            name = str(ws.title)
            rows = _capped_rows(ws, name, ctx)
            _refuse_cells_beyond_caps(ws, name, ctx)
            formulas = _capped_rows(fws, name, ctx) if fws is not None else []
            sheet = Sheet(name=name, rows=rows)
            for r, frow in enumerate(formulas):
                for c, formula in enumerate(frow):
                    if isinstance(formula, str) and formula.startswith("=") and is_blank(sheet.cell(r, c)):
                        raise fail(
                            ctx,
                            sheet.where(r, c),
                            f"formula {formula[:60]!r} has no cached value (workbook saved "
                            "without calculation); refusing to read it as empty",
                        )
            sheets.append(sheet)
        return sheets
    finally:
        values_book.close()
        if formula_book is not None:
            formula_book.close()


def _read_xls(payload: bytes, ctx: ParseContext) -> list[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=payload, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors...
        raise fail(ctx, "file", f"not a readable xls: {type(exc).__name__}: {exc}") from None
    try:
        if book.nsheets > MAX_SHEETS:
            raise fail(ctx, "file", f"more than {MAX_SHEETS} worksheets")
        sheets = []
        for index in range(book.nsheets):
            xs = book.sheet_by_index(index)
            name = str(xs.name)
            if xs.nrows > MAX_ROWS:
                raise fail(ctx, f"sheet {name!r}", f"more than {MAX_ROWS} rows")
            if xs.ncols > MAX_COLS:
                raise fail(ctx, f"sheet {name!r}", f"more than {MAX_COLS} columns")
            rows = []
            for r in range(xs.nrows):
                row: list[object] = []
                for c in range(xs.ncols):
                    row.append(_xls_value(xs.cell(r, c), book.datemode))
                rows.append(row)
            sheets.append(Sheet(name=name, rows=_trim(rows)))
            book.unload_sheet(index)
        return sheets
    finally:
        book.release_resources()


def _xls_value(cell, datemode: int) -> object:
    import xlrd

    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_TEXT:
        return cell.value
    if kind == xlrd.XL_CELL_NUMBER:
        return float(cell.value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except Exception:
            return _XlsError(f"#DATE({cell.value})")
    if kind == xlrd.XL_CELL_ERROR:
        return _XlsError(xlrd.error_text_from_code.get(cell.value, f"#ERR{cell.value}"))
    return cell.value


# ---------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class PeriodColumn:
    col: int
    label: str  # exactly as published; two-row headers joined as "2001 / I quarter"
    period: Period
    location: str


@dataclass(frozen=True)
class DataRow:
    row: int
    label: str  # the label cell exactly as published
    cells: dict[int, object]  # period column -> raw cell value (may be blank)


@dataclass(frozen=True)
class BlockRow:
    row: int
    label: str
    key: str  # normalized label, a key of the parser's block-label mapping


@dataclass
class Table:
    sheet: Sheet
    label_col: int
    header_rows: tuple[int, ...]
    columns: list[PeriodColumn]
    preamble: list[str] = field(default_factory=list)  # texts above/in the header (titles, units)
    footnotes: list[str] = field(default_factory=list)  # texts after the end of the table
    body: list[DataRow | BlockRow] = field(default_factory=list)


def _nonblank(row: list[object]) -> list[tuple[int, object]]:
    return [(c, v) for c, v in enumerate(row) if not is_blank(v)]


def _header_candidate(row: list[object]) -> dict[int, Period] | None:
    cells = _nonblank(row)
    periods = {c: p for c, v in cells if (p := parse_period(v)) is not None}
    if not periods:
        return None
    first = min(periods)
    right_non_period = [c for c, _ in cells if c > first and c not in periods]
    if len(periods) >= 2 and len(right_non_period) <= len(periods) / 2:
        return periods
    if len(periods) == 1 and not right_non_period:
        return periods
    return None


def _subheader(row: list[object], first_col: int) -> dict[int, object] | None:
    """Cells of a second header row (sub-periods under years), or None if it is not one."""
    cells = [(c, v) for c, v in _nonblank(row) if c >= first_col]
    if not cells:
        return None
    subs = [c for c, v in cells if parse_subperiod(v) is not None]
    if len(subs) >= max(1, len(cells) // 2):
        return dict(cells)
    return None


def find_table(sheet: Sheet, ctx: ParseContext) -> Table | None:
    """Locate the header and label column of a sheet's table; None if the sheet has no header."""
    header_row = None
    periods: dict[int, Period] = {}
    for r in range(min(len(sheet.rows), HEADER_SCAN_ROWS)):
        candidate = _header_candidate(sheet.rows[r])
        if candidate:
            header_row, periods = r, candidate
            break
    if header_row is None:
        return None
    first_col = min(periods)
    top = sheet.rows[header_row]
    # A cell right of the first period that is not a period label: the header is not understood.
    for c, v in _nonblank(top):
        if c > first_col and c not in periods:
            raise fail(ctx, sheet.where(header_row, c), f"header cell {v!r} is not a period label")

    columns: list[PeriodColumn] = []
    header_rows: tuple[int, ...] = (header_row,)
    sub = _subheader(sheet.rows[header_row + 1], first_col) if header_row + 1 < len(sheet.rows) else None
    if sub is not None:
        header_rows = (header_row, header_row + 1)
        year_col: int | None = None
        for c in range(first_col, max(max(sub), max(periods)) + 1):
            if c in periods:
                if periods[c].period_type != "annual":
                    raise fail(ctx, sheet.where(header_row, c), "expected a year above sub-periods")
                year_col = c
            if c not in sub:
                if c in periods:
                    raise fail(ctx, sheet.where(header_row + 1, c), "year without a sub-period below")
                continue
            subperiod = parse_subperiod(sub[c])
            if subperiod is None:
                raise fail(
                    ctx, sheet.where(header_row + 1, c), f"header cell {sub[c]!r} is not a period label"
                )
            if year_col is None:
                raise fail(ctx, sheet.where(header_row + 1, c), "sub-period without a year above")
            year_raw = raw_text(top[year_col])
            columns.append(
                PeriodColumn(
                    col=c,
                    label=f"{year_raw} / {raw_text(sub[c])}",
                    period=subperiod.with_year(periods[year_col].year),
                    location=sheet.where(header_row + 1, c),
                )
            )
    else:
        for c in sorted(periods):
            columns.append(
                PeriodColumn(
                    col=c,
                    label=raw_text(top[c]),
                    period=periods[c],
                    location=sheet.where(header_row, c),
                )
            )

    body_start = header_rows[-1] + 1
    label_col = _label_column(sheet, body_start, columns[0].col)
    if label_col is None:
        raise fail(ctx, sheet.where_row(body_start), "no column of region labels left of the periods")
    preamble = [
        clean_text(v)
        for row in sheet.rows[:body_start]
        for c, v in _nonblank(row)
        if isinstance(v, str) and (c not in periods or row is not top)
    ]
    return Table(sheet, label_col, header_rows, columns, preamble=preamble)


def _label_column(sheet: Sheet, body_start: int, first_period_col: int) -> int | None:
    best, best_count = None, 0
    for c in range(first_period_col):
        count = sum(
            1
            for row in sheet.rows[body_start:]
            if c < len(row) and isinstance(row[c], str) and row[c].strip()
        )
        if count > best_count:
            best, best_count = c, count
    return best


def _looks_numeric(value: object) -> bool:
    if isinstance(value, bool) or is_blank(value):
        return False
    try:
        number, _flag = parse_value(value)
    except ValueError:
        return False
    return number is not None


def read_body(table: Table, ctx: ParseContext, block_labels: dict[str, object] | None = None) -> Table:
    """Walk the body: data rows, block labels, the end of the table and the footnotes under it.

    A row whose label is not a region, not a known block label and not a footnote raises
    ``UnknownRegionLabel`` (through the context), so nothing is dropped silently.
    """
    sheet = table.sheet
    period_cols = {pc.col for pc in table.columns}
    blocks = block_labels or {}
    seen_data = False
    ended = False
    for r in range(table.header_rows[-1] + 1, len(sheet.rows)):
        row = sheet.rows[r]
        label = sheet.cell(r, table.label_col)
        cells = {c: sheet.cell(r, c) for c in period_cols}
        others = [(c, v) for c, v in _nonblank(row) if c != table.label_col and c not in period_cols]
        if ended:
            for c, v in sorted(cells.items()):
                if _looks_numeric(v):
                    raise fail(ctx, sheet.where(r, c), f"number {v!r} after the end of the table")
            table.footnotes.extend(clean_text(v) for _, v in _nonblank(row) if isinstance(v, str))
            continue
        if is_blank(label) and all(is_blank(v) for v in cells.values()) and not others:
            if seen_data:
                ended = True
            continue
        if is_footnote_label(label):
            filled = [c for c, v in sorted(cells.items()) if not is_blank(v)]
            if filled:
                raise fail(ctx, sheet.where(r, filled[0]), f"values on the footnote row {label!r}")
            table.footnotes.append(clean_text(label))
            ended = seen_data or ended
            continue
        if others:
            c, v = others[0]
            raise fail(ctx, sheet.where(r, c), f"value {v!r} in a column without a period header")
        if is_blank(label):
            c = min(c for c, v in cells.items() if not is_blank(v))
            raise fail(ctx, sheet.where(r, c), f"value {cells[c]!r} in a row without a region label")
        if not isinstance(label, str):
            raise fail(ctx, sheet.where(r, table.label_col), f"label {label!r} is not text")
        has_values = any(not is_blank(v) for v in cells.values())
        key = normalize_label(label)
        if not has_values and lookup_region(label) is None and key in blocks:
            table.body.append(BlockRow(r, label, key))
            continue
        # A region row (possibly all empty: emitted as not available), or an unknown label.
        ctx.region(label, sheet.where(r, table.label_col))
        table.body.append(DataRow(r, label, cells))
        seen_data = True
    if not seen_data:
        raise fail(ctx, sheet.where_row(table.header_rows[-1] + 1), "table has no data rows")
    if not any(isinstance(item, DataRow) and lookup_region(item.label) == NATIONAL for item in table.body):
        raise fail(ctx, f"sheet {sheet.name!r}", "table has no national row (Республика Казахстан)")
    return table


def iter_tables(
    sheets: list[Sheet], ctx: ParseContext, block_labels: dict[str, object] | None = None
) -> Iterator[Table]:
    """Every sheet's table; a non-empty sheet without a period header is an error."""
    for sheet in sheets:
        if not sheet.rows:
            continue
        table = find_table(sheet, ctx)
        if table is None:
            raise fail(
                ctx,
                f"sheet {sheet.name!r}",
                f"no header row of period labels in the first {HEADER_SCAN_ROWS} rows",
            )
        yield read_body(table, ctx, block_labels)

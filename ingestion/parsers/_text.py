"""Decoding and CSV reading shared by the CSV parsers (BOM or not, tab / comma / semicolon)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ingestion.parsers._common import MAX_FIELD_CHARS, MAX_LINES, fail

if TYPE_CHECKING:
    from ingestion.parsing import ParseContext

_DELIMITERS = ("\t", ";", ",")


def decode_utf8(payload: bytes, ctx: ParseContext) -> str:
    """UTF-8 text with or without a BOM (UTF-16 with a BOM is accepted too); anything else fails."""
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return payload.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise fail(ctx, f"byte {exc.start}", "invalid UTF-16 text") from None
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        raise fail(ctx, f"line {line}", f"not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise fail(ctx, f"line {text[: text.index(chr(0))].count(chr(10)) + 1}", "NUL byte in text")
    return text


def sniff_delimiter(first_line: str, ctx: ParseContext, required: tuple[str, ...]) -> str:
    """The delimiter that splits the header into fields containing every ``required`` name."""
    for delimiter in _DELIMITERS:
        fields = [f.strip().casefold() for f in next(csv.reader([first_line], delimiter=delimiter))]
        if all(name.casefold() in fields for name in required):
            return delimiter
    raise fail(
        ctx,
        "line 1",
        f"header {first_line[:200]!r} lacks column(s) {list(required)} (tab, ';' or ',' separated)",
    )


def read_rows(
    text: str, ctx: ParseContext, required: tuple[str, ...]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header fields and an iterator of (line number, fields) for the data lines.

    Blank lines are skipped; a line with a different number of fields than the header, more than
    ``MAX_LINES`` lines or a field over ``MAX_FIELD_CHARS`` characters is an error.
    """
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = sniff_delimiter(first_line, ctx, required)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise fail(ctx, "line 1", f"unreadable header: {exc}") from None
    if len(set(h.casefold() for h in header)) != len(header):
        raise fail(ctx, "line 1", f"duplicate column names in {header}")

    def rows() -> Iterator[tuple[int, list[str]]]:
        count = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise fail(ctx, f"line {reader.line_num}", f"malformed CSV: {exc}") from None
            line = reader.line_num
            count += 1
            if count > MAX_LINES:
                raise fail(ctx, f"line {line}", f"more than {MAX_LINES} lines")
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise fail(ctx, f"line {line}", f"{len(fields)} fields where the header has {len(header)}")
            for field in fields:
                if len(field) > MAX_FIELD_CHARS:
                    raise fail(ctx, f"line {line}", f"field of {len(field)} characters")
            yield line, fields

    return header, rows()


def column_index(header: list[str], name: str) -> int:
    folded = [h.casefold() for h in header]
    return folded.index(name.casefold())


def load_json(payload: bytes, ctx: ParseContext) -> object:
    """Parse a JSON payload (UTF-8, BOM tolerated); absurdly deep nesting is a ParseError."""
    import json

    text = decode_utf8(payload, ctx)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(ctx, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise fail(ctx, "document", "JSON nested too deeply") from None

"""Ways to damage a copy of a real snapshot file, each one small and named, so a test can say exactly
how the real bytes were changed. Nothing here invents data: every payload starts from the embedded
BNS files (``ingestion/snapshot``) and changes only what the test names.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Callable

from ingestion.catalog import Dataset, get
from ingestion.settings import SNAPSHOT_DIR


def real(dataset_id: str) -> bytes:
    """The embedded snapshot bytes of a catalog dataset, exactly as shipped."""
    return (SNAPSHOT_DIR / get(dataset_id).snapshot_file).read_bytes()


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace the single occurrence of ``old`` (a test that expects one and finds two is wrong)."""
    assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times"
    return data.replace(old, new)


# ---------------------------------------------------------------------------------------------
# CSV (the snapshot copies of the BNS file API CSV: UTF-8 without BOM, comma separated)


def csv_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines()


def csv_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def edit_csv_field(data: bytes, column: str, edit: Callable[[int, str], str]) -> bytes:
    """Apply ``edit(line_number, value)`` to one column of every data line (no quoted commas in
    these files; the test asserts the header has the column)."""
    lines = csv_lines(data)
    header = lines[0].split(",")
    index = header.index(column)
    out = [lines[0]]
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        assert len(fields) == len(header), f"line {number} has a quoted comma"
        fields[index] = edit(number, fields[index])
        out.append(",".join(fields))
    return csv_bytes(out)


def times_1000(value: str) -> str:
    """``"14 602"`` -> ``"14 602 000"`` (the same number published in units a thousand times smaller)."""
    return f"{value} 000" if value.strip() else value


# ---------------------------------------------------------------------------------------------
# xlsx (a zip of XML parts)


def edit_zip_member(data: bytes, member: str, edit: Callable[[bytes], bytes]) -> bytes:
    """Rewrite one member of an xlsx, every other member copied unchanged and in order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    assert member in source.namelist(), f"{member} not in the workbook"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info, edit(body) if info.filename == member else body)
    return out.getvalue()


def add_zip_member(data: bytes, member: str, body: bytes) -> bytes:
    """The workbook with one more (deflated) member appended."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target:
        target.writestr(member, body)
    return out.getvalue()


def member_offset(data: bytes, member: str) -> int:
    """Offset of the first byte of ``member``'s compressed data in the zip."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    return info.header_offset + 30 + name_len + extra_len


def overwrite(data: bytes, offset: int, junk: bytes) -> bytes:
    """``junk`` written over the bytes at ``offset`` (same length: nothing shifts)."""
    return data[:offset] + junk + data[offset + len(junk) :]


def resave_workbook(data: bytes, edit: Callable[[object], None]) -> bytes:
    """Load with openpyxl (cached values, no formulas), apply ``edit(workbook)``, save again."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# JSON slices (the BNS file API ``/json/`` shape), made from the real CSV


def income_as_json_slices(value: Callable[[str], str] = lambda v: v) -> bytes:
    """The real annual income CSV re-expressed as the file API's JSON list of slices: one slice per
    region (``termNames`` = the region label), one period per CSV line (``name`` = DAT, ``date`` =
    31.12 of the year, ``value`` = ``value(VAL)``)."""
    lines = csv_lines(real("income_annual"))
    header = lines[0].split(",")
    i_dat, i_period, i_val = header.index("DAT"), header.index("PERIOD"), header.index("VAL")
    i_region = 3  # the KATO dimension column (its L-partner is column 4)
    slices: dict[str, list[dict[str, str]]] = {}
    for line in lines[1:]:
        fields = line.split(",")
        year = fields[i_period][:4]
        slices.setdefault(fields[i_region], []).append(
            {"name": fields[i_dat], "date": f"31.12.{year}", "value": value(fields[i_val])}
        )
    body = [
        {"terms": [str(k)], "termNames": [label], "periods": periods}
        for k, (label, periods) in enumerate(slices.items())
    ]
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def json_dataset(base: Dataset) -> Dataset:
    """A catalog-like entry reading ``base``'s release from the file API's JSON route instead."""
    return dataclasses.replace(
        base,
        format="bns_json",
        parser="bns_json:parse_bns_json",
        snapshot_file=base.snapshot_file.rsplit(".", 1)[0] + ".json",
    )

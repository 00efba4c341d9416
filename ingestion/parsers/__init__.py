"""Parsers named in the catalog as ``module:function``; each is ``(payload: bytes, ctx) -> DataFrame``
with the columns of ``ingestion.schema.OBSERVATION_COLUMNS``.

- ``bns_xlsx``: BNS spreadsheet tables (xlsx / xls), one function per dataset layout.
- ``bns_csv``: the BNS file API CSV (tab or comma, BOM or not).
- ``long_csv``: long one-value-per-row CSV (makenerzhan transcriptions).
- ``bns_json``: BNS / Taldau JSON slices (``terms`` / ``termNames`` / ``periods``).
- ``taldau_tree``: Taldau ``GetIndexTreeData`` tree nodes (``y12YYYY`` keys).

Shared machinery: ``_common`` (values, periods, output rows, limits), ``_workbook`` (reading
workbooks, finding headers / label columns / footnotes), ``_text`` (decoding, CSV, JSON).
"""

"""Publish the marts: read-only DuckDB, Parquet, CSV, XLSX and datapackage.json, swapped in atomically."""

from publishing.publish import PublishResult, publish

__all__ = ["PublishResult", "publish"]

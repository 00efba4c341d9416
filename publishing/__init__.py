"""Publish the marts for BI tools: a read-only DuckDB copy and Parquet files, swapped in atomically."""

from publishing.publish import PublishResult, publish

__all__ = ["PublishResult", "publish"]

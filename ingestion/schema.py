"""The long-row contract between parsers, expectations and the raw schema of the warehouse.

Every parser returns a pandas DataFrame with exactly these columns, in this order. One row is one
published cell: one dataset, one release, one region, one period, one series.
"""

from __future__ import annotations

import pandas as pd

#: column name -> pandas dtype
OBSERVATION_COLUMNS: dict[str, str] = {
    "dataset_id": "string",  # catalog id, e.g. "grp_nominal"
    "release_id": "string",  # sha256 hex of the payload bytes
    "source_file": "string",  # file name of the payload (never a path from the network)
    "location": "string",  # sheet + cell / line where the value was read, e.g. "sheet '2008-2023' E5"
    "series": "string",  # measure within the dataset, e.g. "total", "men", "usd", "kzt_thousand"
    "region_label": "string",  # label exactly as published (footnote marks and all)
    "region_code": "string",  # resolved through the alias table: "KZ" national, "KZ-23", "KZ-YKO"
    "period_label": "string",  # period label exactly as published, e.g. "9 months of 2008", "201612"
    "year": "Int64",
    "period_type": "string",  # "annual" | "quarter" | "cumulative" (from Jan 1: half-year, 9 months)
    "months": "Int64",  # months covered: 12 annual, 3 quarter, 3/6/9 cumulative
    "quarter": "Int64",  # 1-4 for quarters and cumulative-to-quarter-end periods, else NA
    "value": "Float64",  # NA when not published
    "value_flag": "string",  # NA, "confidential" ("x"), "not_available" ("-", empty in table body)
    "unit": "string",  # e.g. "mln KZT", "thousand KZT", "USD", "persons", "%", "KZT per month"
}

PERIOD_TYPES = ("annual", "quarter", "cumulative")
VALUE_FLAGS = ("confidential", "not_available")


def empty_observations() -> pd.DataFrame:
    """An empty frame with the contract's columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in OBSERVATION_COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Order and type a parser's output to the contract; a missing column is a programming error."""
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"parser output lacks columns {missing}")
    out = frame[list(OBSERVATION_COLUMNS)].copy()
    for column, dtype in OBSERVATION_COLUMNS.items():
        out[column] = out[column].astype(dtype)
    return out.reset_index(drop=True)


def conform_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Type the contract's columns present in ``frame`` (a subset), e.g. rows read back from DuckDB,
    so that keys compare equal to a parser's output (``Int64`` NA against ``float64`` NaN)."""
    return frame.astype({c: OBSERVATION_COLUMNS[c] for c in frame.columns if c in OBSERVATION_COLUMNS})

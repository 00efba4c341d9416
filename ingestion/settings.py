"""One settings object for every path and knob, read from the environment.

Everything the pipeline writes lives under ``KZW_HOME`` (default ``<repo>/warehouse``), so a test can
point the whole system at a temporary directory by setting one variable and never touch the user's
warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshot"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
REFERENCE_DIR = DBT_PROJECT_DIR / "seeds"

DEFAULT_ALLOWED_HOSTS = ("stat.gov.kz", "www.stat.gov.kz", "taldau.stat.gov.kz")


class SettingError(ValueError):
    """A ``KZW_*`` environment variable holds a value outside its allowed range."""


def _env_number(name: str, default: str, kind: type, low: float, high: float) -> int | float:
    """``name`` parsed as ``kind`` and checked against ``[low, high]``; the error names both."""
    raw = os.environ.get(name, default).strip()
    allowed = f"{'an integer' if kind is int else 'a number'} from {low:g} to {high:g}"
    try:
        value = kind(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not {allowed}") from None
    if not low <= value <= high:
        raise SettingError(f"{name}={raw} is out of range: {allowed}")
    return value


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise SettingError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def _env_url(name: str, default: str) -> str:
    value = os.environ.get(name, default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise SettingError(f"{name}={value!r} is not an http:// or https:// URL")
    return value


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Paths and limits for one pipeline instance.

    ``source`` is ``snapshot`` (the embedded real BNS files, no network) or ``http`` (the live
    BNS API, or any base URL given in ``KZW_BASE_URL``, e.g. a loopback server in tests).
    """

    home: Path
    source: str = "snapshot"
    base_url: str = "https://stat.gov.kz"
    #: Taldau (``KZW_TALDAU_URL``): the index tree API; a loopback server in tests
    taldau_base_url: str = "https://taldau.stat.gov.kz"
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_retries: int = 3
    backoff_s: float = 0.5
    max_bytes: int = 50 * 1024 * 1024
    snapshot_dir: Path = field(default=SNAPSHOT_DIR)

    @property
    def landing_dir(self) -> Path:
        """Content-addressed raw bytes: ``landing/<dataset>/<sha256>.<ext>``."""
        return self.home / "landing"

    @property
    def build_db(self) -> Path:
        """The private read-write DuckDB file that ingestion and dbt write."""
        return self.home / "build" / "warehouse.duckdb"

    @property
    def publish_dir(self) -> Path:
        """Where the read-only copy for BI tools and the Parquet files are swapped in."""
        return self.home / "published"

    @property
    def published_db(self) -> Path:
        return self.publish_dir / "kz_inequality.duckdb"

    @property
    def lock_path(self) -> Path:
        return self.home / "refresh.lock"

    @property
    def log_dir(self) -> Path:
        """Full debug logs of command-line refreshes (the terminal gets only progress lines)."""
        return self.home / "logs"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt_target"

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("KZW_HOME", REPO_ROOT / "warehouse")).resolve()
        """Read and validate every setting: a :class:`SettingError` names the variable and its range."""
        return cls(
            home=home,
            source=_env_choice("KZW_SOURCE", "snapshot", ("snapshot", "http")),
            base_url=_env_url("KZW_BASE_URL", "https://stat.gov.kz"),
            taldau_base_url=_env_url("KZW_TALDAU_URL", "https://taldau.stat.gov.kz"),
            allowed_hosts=_env_list("KZW_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS),
            connect_timeout_s=_env_number("KZW_CONNECT_TIMEOUT_S", "5", float, 0.1, 600),
            read_timeout_s=_env_number("KZW_READ_TIMEOUT_S", "30", float, 0.1, 3600),
            # at least one attempt: 0 retries still sends the request once
            max_retries=int(_env_number("KZW_MAX_RETRIES", "3", int, 0, 20)),
            backoff_s=_env_number("KZW_BACKOFF_S", "0.5", float, 0, 300),
            max_bytes=int(_env_number("KZW_MAX_BYTES", str(50 * 1024 * 1024), int, 1024, 2**34)),
            snapshot_dir=Path(os.environ.get("KZW_SNAPSHOT_DIR", SNAPSHOT_DIR)).resolve(),
        )

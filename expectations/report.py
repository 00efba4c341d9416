"""What a validation returns: one outcome per check, and the report that gathers them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: failing rows kept per outcome (GX returns at most 20)
SAMPLE_ROWS = 20
#: failing rows named in a message
MESSAGE_ROWS = 3


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars -> Python, NA/NaN -> None, sets/tuples -> sorted lists."""
    if value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    return str(value)


@dataclass
class ExpectationOutcome:
    """The result of one named check on one frame.

    ``failing_rows`` is a sample (at most 20) of the offending rows as plain dicts, each with its
    ``location`` in the source file (sheet + cell, or line), so a failure can be found in the file.
    """

    name: str
    severity: str  # "blocking" | "warning"
    success: bool
    observed: Any
    failing_rows: list[dict[str, Any]]
    message: str
    description: str = ""
    engine: str = "gx"  # "gx" (a Great Expectations expectation) or "custom" (pandas)
    expectation_type: str | None = None
    unexpected_count: int | None = None
    element_count: int | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "name": self.name,
                "severity": self.severity,
                "success": self.success,
                "observed": self.observed,
                "unexpected_count": self.unexpected_count,
                "element_count": self.element_count,
                "failing_rows": self.failing_rows[:SAMPLE_ROWS],
                "message": self.message,
                "engine": self.engine,
                "expectation_type": self.expectation_type,
            }
        )


@dataclass
class ValidationReport:
    """All outcomes of one dataset's suite on one parsed release."""

    dataset_id: str
    release_id: str | None
    row_count: int
    results: list[ExpectationOutcome]
    skipped: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    known_regions_source: str = ""
    compared_with_previous: bool = False

    @property
    def passed_blocking(self) -> bool:
        """No blocking check failed and none was skipped (a skipped check cannot vouch)."""
        return not self.blocking_failures and not any(s["severity"] == "blocking" for s in self.skipped)

    @property
    def passed_warnings(self) -> bool:
        return not self.warning_failures

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if r.blocking and not r.success]

    @property
    def warning_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.blocking and not r.success]

    def outcome(self, name: str) -> ExpectationOutcome:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no outcome named {name!r} in the report of {self.dataset_id}")

    def failed_names(self, severity: str | None = None) -> list[str]:
        return [
            r.name for r in self.results if not r.success and (severity is None or r.severity == severity)
        ]

    def summary(self) -> str:
        """One line: dataset, verdict, the failing checks, size and time."""
        verdict = "PASSED" if self.passed_blocking else "BLOCKED"
        parts = [f"[{self.dataset_id}] {verdict}"]
        if self.blocking_failures:
            parts.append(f"blocking failed: {', '.join(r.name for r in self.blocking_failures)}")
        if self.skipped:
            parts.append(f"skipped: {', '.join(s['name'] for s in self.skipped)}")
        if self.warning_failures:
            parts.append(f"warnings: {', '.join(r.name for r in self.warning_failures)}")
        else:
            parts.append("no warnings")
        checks = len(self.results)
        total = self.timings.get("total_s")
        tail = f"{checks} checks on {self.row_count} rows"
        if total is not None:
            tail += f" in {total:.2f}s"
        return "; ".join(parts) + f" ({tail})"

    def to_metadata(self) -> dict[str, Any]:
        """JSON-serialisable dict for Dagster asset-check metadata (no None at the top level)."""
        return jsonable(
            {
                "dataset_id": self.dataset_id,
                "release_id": self.release_id or "",
                "passed_blocking": self.passed_blocking,
                "summary": self.summary(),
                "rows": self.row_count,
                "checks": len(self.results),
                "blocking_failed": [r.name for r in self.blocking_failures],
                "warnings_failed": [r.name for r in self.warning_failures],
                "skipped": self.skipped,
                "compared_with_previous": self.compared_with_previous,
                "known_regions_source": self.known_regions_source,
                "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
                "failures": [r.to_dict() for r in self.results if not r.success],
                "passed": [r.name for r in self.results if r.success],
            }
        )

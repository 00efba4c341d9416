"""One ephemeral Great Expectations context per process, quiet and cheap to reuse.

Importing GX 1.24 costs ~10-15 s of CPU on this machine (it imports scipy.stats, altair's
vega-lite schema, sqlalchemy, marshmallow and every datasource module at ``import
great_expectations``), so it is imported lazily here, on the first validation, never at
``import expectations``. The context, its pandas datasource, dataframe asset and whole-dataframe
batch definition are made once and reused; suites are cached per (dataset, with/without previous
release, known region codes). A lock serialises validations because a GX context is not thread-safe.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Before GX is imported anywhere: no usage statistics, no network.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GE_USAGE_STATS", "FALSE")

_LOCK = threading.RLock()
STRUCTURE = "__structure__"
_log = logging.getLogger(__name__)


@dataclass
class Runtime:
    context: Any
    batch_definition: Any
    import_s: float
    context_s: float


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    """The process-wide GX runtime (import + ephemeral context + batch definition), made once."""
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # GX 1.24 imports deprecated stdlib modules (sre_constants)
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

    t1 = time.perf_counter()
    for name in ("great_expectations", "great_expectations.core", "great_expectations.datasource"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.analytics_enabled = False
    asset = context.data_sources.add_pandas("ingestion_boundary").add_dataframe_asset("frame")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    t2 = time.perf_counter()
    _log.debug("GX import %.2fs, context %.2fs", t1 - t0, t2 - t1)
    return Runtime(context, batch_definition, import_s=t1 - t0, context_s=t2 - t1)


@dataclass
class Suite:
    """A dataset's GX suite plus what is needed to re-run a subset of it."""

    name: str
    suite: Any
    factories: dict[str, Any]


@lru_cache(maxsize=64)
def cached_suite(dataset_id: str, with_previous: bool, known_codes: frozenset[str]) -> Suite:
    from expectations.config import rules_for
    from expectations.suites import build_gx_suite, frame_specs, gx_factories, structure_specs

    runtime()  # GX imported and configured before any suite object exists
    if dataset_id == STRUCTURE:
        specs = structure_specs()
    else:
        specs = [s for s in frame_specs(rules_for(dataset_id)) if with_previous or not s.needs_previous]
    name = f"{dataset_id}{'+previous' if with_previous else ''}"
    factories = gx_factories(specs, known_codes)
    return Suite(name, build_gx_suite(name, factories), factories)


def run_suite(suite: Suite, frame, index_columns: list[str]) -> dict[str, Any]:
    """Validate ``frame``; return check name -> GX ExpectationValidationResult.

    Two passes: the whole suite with ``BOOLEAN_ONLY`` (GX's cheapest result format: most of a
    validation's time is GX building metric graphs and result payloads, not computing), then only
    the failing expectations again with ``SUMMARY`` and the index columns, for counts and up to 20
    failing rows each. A clean release pays for the first pass only.
    """
    from expectations.suites import build_gx_suite

    with _LOCK:
        batch = runtime().batch_definition.get_batch(batch_parameters={"dataframe": frame})
        first = batch.validate(suite.suite, result_format={"result_format": "BOOLEAN_ONLY"})
        results = {r.expectation_config.meta["check"]: r for r in first.results}
        failing = [name for name, r in results.items() if not r.success]
        if failing:
            sub = build_gx_suite(f"{suite.name}:failing", suite.factories, failing)
            second = batch.validate(
                sub,
                result_format={
                    "result_format": "SUMMARY",
                    "unexpected_index_column_names": index_columns,
                    "partial_unexpected_count": 20,
                },
            )
            results.update({r.expectation_config.meta["check"]: r for r in second.results})
    return results


def warm_up() -> float:
    """Import GX and build the context now (e.g. once per Dagster step); returns seconds spent."""
    t0 = time.perf_counter()
    runtime()
    return time.perf_counter() - t0

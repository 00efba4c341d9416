"""What a person running ``make run`` sees: a few lines of progress drawn from the run's Dagster events.

The full output of a refresh (Dagster's DEBUG console log, dagster-dbt's echo of every dbt event,
library warnings) goes to a log file instead: :func:`output_to_file` points the process's stdout and
stderr there. Quieting at the source is not possible for dbt: dagster-dbt turns dbt's INFO-level
result events on stdout into materializations and check results and echoes each of them, so dbt's
``--quiet`` or ``--log-level warn`` would drop the results themselves. The terminal instead gets one
line per dataset, dbt progress as ``n/N`` from the events the dbt step emits, publish and report.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

#: dbt progress lines: one each time another tenth of the dbt nodes has finished
DBT_STEPS = 10


@contextmanager
def output_to_file(log_path: Path) -> Iterator[TextIO]:
    """Send file descriptors 1 and 2 (so subprocesses and loggers bound to ``sys.stderr`` follow) to
    ``log_path`` for the duration; yield a line-buffered stream to the original stdout."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    with open(log_path, "ab", buffering=0) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()


def printer(stream: TextIO, started: float) -> Callable[[str], None]:
    """``say(line)``: the line with the seconds since the command started, flushed at once."""

    def say(line: str) -> None:
        stream.write(f"[{time.perf_counter() - started:5.0f}s] {line}\n")
        stream.flush()

    return say


def first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


class Progress:
    """Turns the events of one refresh run into progress lines (see the module docstring).

    ``dbt_keys``: the dbt asset keys of the run; ``dbt_total``: how many dbt nodes report back (each
    model and seed a materialization, each test a check evaluation).
    """

    def __init__(self, say: Callable[[str], None], dbt_keys: set, dbt_total: int) -> None:
        self.say = say
        self.dbt_keys = dbt_keys
        self.dbt_total = dbt_total
        self.dbt_done = 0
        self.failed_steps: list[str] = []

    def __call__(self, event) -> None:
        kind = event.event_type_value
        if kind == "STEP_START" and event.step_key == "kz_inequality_dbt":
            self.say(f"dbt      build of {self.dbt_total} models, seeds and tests")
        elif kind == "ASSET_MATERIALIZATION":
            self._materialized(event.asset_key, event.event_specific_data.materialization.metadata)
        elif kind == "ASSET_CHECK_EVALUATION" and event.event_specific_data.asset_key in self.dbt_keys:
            self._dbt_node_done()
        elif kind == "STEP_FAILURE":
            self.failed_steps.append(event.step_key)
            error = event.event_specific_data.error
            self.say(f"FAILED   step {event.step_key}: {first_line(error.message if error else '')}")

    def _materialized(self, key, metadata) -> None:
        meta = {name: getattr(value, "value", value) for name, value in metadata.items()}
        if key in self.dbt_keys:
            self._dbt_node_done()
        elif key.path[0] == "raw":
            rows = meta.get("row_count")
            counted = f"{rows:>9,} rows" if rows is not None else ""
            self.say(f"ingest   {key.path[-1]:<34} {meta.get('status', ''):<12}{counted}")
        elif key.path == ["published", "kz_inequality"]:
            self.say(f"publish  version {meta.get('version')} -> {meta.get('database')}")
        elif key.path == ["published", "report"]:
            self.say(f"report   {meta.get('path')}")

    def _dbt_node_done(self) -> None:
        self.dbt_done += 1
        total = max(self.dbt_total, 1)
        if self.dbt_done * DBT_STEPS // total > (self.dbt_done - 1) * DBT_STEPS // total:
            self.say(f"dbt      {self.dbt_done:>4}/{self.dbt_total}")

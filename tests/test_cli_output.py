"""What ``make run`` prints: quick first line, one line per dataset and stage, dbt as ``n/N``, a summary
that names every warned or failed check, and the full debug output in a file under ``$KZW_HOME/logs/``.

All on the session build (``pipeline_run`` is that command's run on the real snapshot).
"""

from __future__ import annotations

import re
from pathlib import Path

from ingestion.catalog import CATALOG

MAX_LINES = 70  # ~60 asked; 23 datasets and ~15 warned checks, each on one line


def _field(output: list[str], name: str) -> str:
    (line,) = [line for line in output if re.match(rf"{name}\s+: ", line)]
    return line.split(": ", 1)[1]


def test_a_clean_run_prints_few_lines_and_the_first_at_once(pipeline_run):
    assert pipeline_run.first_line_s < 5, pipeline_run.first_line_s
    assert len(pipeline_run.output) <= MAX_LINES, "\n".join(pipeline_run.output)
    assert not [line for line in pipeline_run.output if " DEBUG " in line or " - INFO - " in line]


def test_one_line_per_dataset_with_its_status_and_rows(pipeline_run):
    ingest = {}
    for line in pipeline_run.output:
        match = re.search(r"\] ingest\s+(\S+)\s+(\S+)\s+([\d,]+) rows$", line)
        if match:
            ingest[match[1]] = (match[2], int(match[3].replace(",", "")))
    assert set(ingest) == {dataset.id for dataset in CATALOG}
    assert {status for status, _ in ingest.values()} == {"loaded"}
    assert all(rows > 0 for _, rows in ingest.values())


def test_dbt_progress_as_n_of_total_then_publish_and_report(pipeline_run):
    text = "\n".join(pipeline_run.output)
    progress = [(int(n), int(total)) for n, total in re.findall(r"\] dbt\s+(\d+)/(\d+)$", text, re.M)]
    assert 5 <= len(progress) <= 12
    total = progress[-1][1]
    assert progress[-1] == (total, total)
    assert [n for n, _ in progress] == sorted(n for n, _ in progress)
    stages = [
        re.search(r"\] (\w+)", line)[1] for line in pipeline_run.output if re.match(r"\[\s*\d+s\] ", line)
    ]
    last_ingest = max(i for i, s in enumerate(stages) if s == "ingest")
    assert last_ingest < stages.index("dbt") < stages.index("publish") < stages.index("report")


def test_summary_names_every_warned_check_with_a_reason_and_the_report(pipeline_run):
    not_passed = [e for e in pipeline_run.result.get_asset_check_evaluations() if not e.passed]
    assert not_passed, "the real snapshot fires warn-level rules; none recorded"
    named = {
        match[2]: (match[1], match[3])
        for line in pipeline_run.output
        if (match := re.match(r"\s+(warned|failed)\s+(\S+): (.+)$", line))
    }
    expected = {f"{e.asset_key.to_user_string()}:{e.check_name}" for e in not_passed}
    assert set(named) == expected
    assert all(kind == "warned" for kind, _ in named.values())
    assert all(reason.strip() for _, reason in named.values())
    # a dbt test's reason: its failing rows and its own description (what the rule is about)
    a3 = named["marts/mart_quality_flags:quality_a3_high_grp_low_income"][1]
    assert re.match(r"\d+ failing rows; Warns when rule A3 fired: ", a3), a3
    assert re.search(r"\d+ warned, 0 failed", _field(pipeline_run.output, "checks"))
    assert Path(_field(pipeline_run.output, "report")) == pipeline_run.home / "published" / "report.html"


def test_the_debug_log_is_a_file_under_kzw_home_logs_with_the_debug_lines(pipeline_run):
    log = Path(_field(pipeline_run.output, "debug log"))
    assert log.parent == pipeline_run.home / "logs"
    text = log.read_text(encoding="utf-8")
    assert text.count(" - DEBUG - ") > 100  # Dagster's console log at DEBUG level
    assert "STEP_SUCCESS" in text and pipeline_run.result.run_id in text
    assert re.search(r"\d+ of \d+ START sql \w+ model", text)  # dbt's own progress, echoed by dagster-dbt

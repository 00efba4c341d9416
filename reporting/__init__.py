"""A static, self-contained HTML report of the published marts (plain Python, no Dagster).

``python -m reporting`` (or ``make report``) renders ``$KZW_HOME/published/report.html`` from the
published DuckDB file; the orchestration layer calls :func:`render_report` as the asset
``published/report``.
"""

from reporting.report import ReportResult, render_report

__all__ = ["ReportResult", "render_report"]

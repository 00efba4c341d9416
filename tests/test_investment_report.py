"""Report sections of issue 16 (reporting/investment.py): drawn from the built warehouse with units
and sources in their notes, listed in the report's SECTIONS, unavailable on a file without the marts."""

from __future__ import annotations

import duckdb

from reporting import investment, report
from tests.test_investment import con  # noqa: F401  (fixture)


def test_sections_are_in_the_report_and_draw_from_the_marts(con):  # noqa: F811
    assert all(section in report.SECTIONS for section in investment.SECTIONS)
    db = report.Published(con)
    built = {s.id: s for s in (build(db) for build in investment.SECTIONS)}
    assert all(s.available for s in built.values()), [s.id for s in built.values() if not s.available]
    assert "<svg" in built["investment-concentration"].body and "<svg" in built["investment-income"].body
    assert (
        "mln KZT" in built["investment-concentration"].note
        and "5546" in built["investment-concentration"].note
    )
    assert "Atyrau Region" in built["investment-income"].note  # the one region-year the gap rule flags
    assert "NOT income inequality" in built["within-region"].note
    assert built["within-region"].body.count("<tr>") == 21  # header + 20 regions


def test_sections_are_unavailable_without_the_marts(tmp_path):
    empty = duckdb.connect(str(tmp_path / "empty.duckdb"))
    try:
        db = report.Published(empty)
        assert not any(build(db).available for build in investment.SECTIONS)
    finally:
        empty.close()

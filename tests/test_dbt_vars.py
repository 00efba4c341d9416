"""One convention for dbt vars: every var the project reads has its value (the default) set once, in
dbt_project.yml, where it is documented; a macro or model never repeats a default in ``var(name,
default)``, and no var switches production relations for tests (issue 15, item 3).

The one exception, by design: the two input-relation overrides of the inequality marts
(``kzw_ineq_input_relation``, ``kzw_ineq_adjacency_relation``: unset = the project's own relations, the
documented interface for running the marts on another panel).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingestion.settings import DBT_PROJECT_DIR

VAR_CALL = re.compile(r"""\bvar\(\s*(['"])([a-z_0-9]+)\1\s*(,)?""")
OVERRIDES = {"kzw_ineq_input_relation", "kzw_ineq_adjacency_relation"}
TEST_ONLY = ("fixture_schema", "indices_source", "quality_source")


def _sql_files() -> list[Path]:
    return sorted(
        path for folder in ("macros", "models", "tests") for path in (DBT_PROJECT_DIR / folder).rglob("*.sql")
    )


def test_every_var_is_set_once_in_dbt_project_yml_without_defaults_in_sql() -> None:
    declared = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    calls = [
        (path.relative_to(DBT_PROJECT_DIR), match.group(2), bool(match.group(3)))
        for path in _sql_files()
        for match in VAR_CALL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(calls) > 20
    undeclared = [c for c in calls if c[1] not in declared and c[1] not in OVERRIDES]
    assert not undeclared, f"vars read but not set in dbt_project.yml: {undeclared}"
    defaults = [c for c in calls if c[2] and c[1] not in OVERRIDES]
    assert not defaults, f"a default repeated in SQL (set it in dbt_project.yml): {defaults}"


def test_no_test_only_switch_in_the_project() -> None:
    for path in _sql_files():
        text = path.read_text(encoding="utf-8")
        for word in TEST_ONLY:
            assert word not in text, (path, word)

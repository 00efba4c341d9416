"""Jinja stand-ins for ``sqlfluff lint`` (jinja templater): ``var()`` reads the real project vars;
``adapter.dispatch`` renders the DuckDB implementation of dispatched macros.

The dbt templater plugin does not load with sqlfluff 4.5 and dbt-core 1.11, so the models are linted
with the jinja templater; its built-in ``var()`` returns a placeholder that cannot be iterated, which
breaks macros that loop over list vars (``kzw_geo_versions``). Used by ``dbt_project/.sqlfluff`` only.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from jinja2 import pass_context

_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project.yml"


def var(name: str, default: Any = None) -> Any:
    project_vars = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars") or {}
    return project_vars.get(name, default)


# adapter.dispatch as dbt resolves it on DuckDB (duckdb__<name>, then default__<name>, among the macros
# loaded by load_macros_from_path), so models calling the cross-engine macros (macros/cross_engine.sql)
# render to their DuckDB SQL; and the one dbt cross-database macro those call.
@pass_context
def _dispatch(context: Any, macro_name: str, macro_namespace: str | None = None) -> Any:
    for prefix in ("duckdb__", "default__"):
        macro = context.get(prefix + macro_name)
        if macro is not None:
            return macro
    raise LookupError(f"no duckdb__/default__ implementation of {macro_name}")


adapter = SimpleNamespace(dispatch=_dispatch)
dbt = SimpleNamespace(type_string=lambda: "varchar")


# run_query over raw.measure_catalog (macros/measure_catalog.sql), answered from the catalog the
# ingestion writes that table from, so the models and tests that loop over the measures render with
# the real measure names. ``execute`` is true so those macros take their run-time branch.
execute = True


def run_query(sql: str) -> Any:
    from ingestion.catalog import measure_rows

    if "measure_catalog" not in sql:
        raise LookupError("sqlfluff stand-in run_query answers only raw.measure_catalog queries")
    rows = measure_rows()
    if "aggregation = 'sum'" in sql:
        rows = [row for row in rows if row[7] == "sum"]
    values = [row[1] for row in rows]
    return SimpleNamespace(columns=[SimpleNamespace(values=lambda: values)])

"""Jinja stand-ins so that ``sqlfluff lint`` (jinja templater) can render the inequality marts.

Used only by ``dbt_project/models/marts/inequality/.sqlfluff`` (library_path); dbt never reads this
file (macro-paths only load ``.sql``). It provides what the inequality macros call and the jinja
templater lacks: ``adapter.dispatch`` (resolves ``duckdb__<name>`` then ``default__<name>`` among the
macros loaded by ``load_macros_from_path``, exactly like dbt on DuckDB), the dbt cross-database
macros used here (``dbt.listagg``, ``dbt.concat``, ``dbt.type_*``), ``modules.re``, ``exceptions`` and a
``var()`` that returns the project's vars from dbt_project.yml, else the default (the jinja templater's own
``var()`` returns a placeholder that cannot be iterated). The shared ``dbt_project/sqlfluff_libs``
could absorb these names; until then this nested library keeps the linting of these models
self-contained.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from jinja2 import pass_context

_PROJECT = Path(__file__).resolve().parents[3] / "dbt_project.yml"


def var(name: str, default: Any = None) -> Any:
    project_vars = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars") or {}
    return project_vars.get(name, default)


@pass_context
def _dispatch(context: Any, macro_name: str, macro_namespace: str | None = None) -> Any:
    for prefix in ("duckdb__", "default__"):
        macro = context.get(prefix + macro_name)
        if macro is not None:
            return macro
    raise LookupError(f"no duckdb__/default__ implementation of {macro_name}")


def _listagg(
    measure: str,
    delimiter_text: str = "','",
    order_by_clause: str | None = None,
    limit_num: int | None = None,
) -> str:
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def _raise_compiler_error(message: str) -> None:
    raise ValueError(message)


adapter = SimpleNamespace(dispatch=_dispatch)
modules = SimpleNamespace(re=re)
exceptions = SimpleNamespace(raise_compiler_error=_raise_compiler_error)
dbt = SimpleNamespace(
    listagg=_listagg,
    concat=lambda fields: "concat(" + ", ".join(fields) + ")",
    type_string=lambda: "varchar",
    type_int=lambda: "integer",
    type_bigint=lambda: "bigint",
)

"""Jinja stand-ins for ``sqlfluff lint`` (jinja templater): ``var()`` reads the real project vars.

The dbt templater plugin does not load with sqlfluff 4.5 and dbt-core 1.11, so the models are linted
with the jinja templater; its built-in ``var()`` returns a placeholder that cannot be iterated, which
breaks macros that loop over list vars (``kzw_geo_versions``). Used by ``dbt_project/.sqlfluff`` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project.yml"


def var(name: str, default: Any = None) -> Any:
    project_vars = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars") or {}
    return project_vars.get(name, default)

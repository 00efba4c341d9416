"""Run the ``refresh_warehouse`` job on some of its assets, through the real Dagster wiring.

    python -m tests.faults.run_job published/kz_inequality [staging/stg_bns__observations ...]

The process-fault tests rerun the pipeline with it after a crash (in-process, :func:`run`). A subset
keeps them fast: the full job (``python -m orchestration.cli run``) rebuilds the whole dbt project,
minutes on a 2-core machine, while what a rerun has to prove (the lock is free, the build database
opens and dbt writes it, publish swaps a whole version in) needs only a few assets. Settings come
from the environment (``KZW_HOME`` ...) as for the CLI. Exit status 0 on success.
"""

from __future__ import annotations

import sys


def run(asset_keys: list[str]):
    """Execute the job's subset in this process on an ephemeral Dagster instance."""
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    return job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        asset_selection=[dg.AssetKey.from_user_string(key) for key in asset_keys],
        raise_on_error=False,
    )


def main(argv: list[str]) -> int:
    result = run(argv)
    print(f"run {result.run_id}: {'success' if result.success else 'FAILED'}", flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

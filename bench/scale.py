"""Scale: the inequality SQL on synthetic panels of 10^3 to 10^6 region-years, against PySAL and a scan.

Three engines, each timed in a fresh worker process (``python -m bench.scale worker ...``) on the same
synthetic panel (``bench.synthetic``, fixed seed), after the panel is built and loaded (untimed):

``sql``     the compiled SQL of ``marts.mart_inequality`` (``dbt compile`` once, with
            ``kzw_ineq_input_relation`` pointing at the synthetic table), run directly by DuckDB as
            ``create table ... as <compiled sql>`` in an in-memory database: the same SQL dbt runs,
            without dbt's fixed start-up cost (that cost is in the refresh benchmark).
``pysal``   PySAL ``inequality`` 1.1.2 year by year in Python: for every (indicator, year)
            cross-section, ``Gini(y).g``, ``Theil(y).T`` and ``atkinson(y, eps)`` for eps 0.5, 1, 2,
            on the same valid rows as the SQL (y >= 0 for Gini, y > 0 for the others; NULL excluded).
            The loop slices one sorted numpy array (no pandas groupby), so it is a fair Python baseline.
``scan``    the lower bound: one DuckDB hash-aggregate pass over the same table computing, per
            cross-section, every sum the non-Gini measures need (count, sum y, sum p, sum p y,
            min, max, sum ln y, sum y ln y, sum sqrt y, sum 1/y).

Peak memory is the worker's peak resident set size during the timed step (``/proc/self/clear_refs``
resets ``VmHWM`` just before it), minus its resident size before it: the extra memory the step needed.
Equality: the SQL's unweighted ``gini`` (default), ``theil_t`` and ``atkinson`` (eps 0.5, 1, 2) of every
cross-section against PySAL, relative tolerance 1e-9 (1e-12 absolute near 0), as in the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench import synthetic
from bench.dbt import DBT_PROJECT, dbt_command

REPO = Path(__file__).resolve().parents[1]
INPUT_RELATION = "bench_input.int_indicators__long"
EPSILONS = (0.5, 1.0, 2.0)
REL_TOL = 1e-9
ABS_TOL = 1e-12
INPUT_COLUMNS = {
    "geography": "varchar",
    "geo_version": "varchar",
    "indicator": "varchar",
    "unit": "varchar",
    "year": "integer",
    "region_code": "varchar",
    "region_type": "varchar",
    "macro_region": "varchar",
    "value": "double",
    "population": "double",
    "published_national_value": "double",
}
SCAN_SQL = f"""
create table scan_out as
select
    geography, geo_version, indicator, unit, year,
    count(*) as n_input,
    count(value) as n_value,
    sum(value) as sum_y,
    sum(population) as sum_p,
    sum(population * value) as sum_py,
    min(value) as y_min,
    max(value) as y_max,
    sum(case when value > 0 then ln(value) end) as sum_ln_y,
    sum(case when value > 0 then value * ln(value) end) as sum_y_ln_y,
    sum(case when value > 0 then sqrt(value) end) as sum_sqrt_y,
    sum(case when value > 0 then 1.0 / value end) as sum_inv_y
from {INPUT_RELATION}
group by geography, geo_version, indicator, unit, year
"""
#: The rows of mart_inequality that PySAL computes too.
COMPARED_SQL = """
select indicator, year, measure, variant, value
from mart_inequality
where weighting = 'unweighted'
    and ((measure = 'gini' and variant = 'default') or (measure = 'theil_t' and variant = 'default')
        or measure = 'atkinson')
"""


# ------------------------------------------------------------------------------------------------
# memory accounting (Linux)


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not permitted."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------------------------------
# the three engines (each runs inside a fresh worker process)


class Timed:
    """Wall and CPU seconds (all threads of the process) and the peak RSS of the block it wraps."""

    def __enter__(self) -> Timed:
        import gc

        gc.collect()
        self.rss0_kb = _status_kb("VmRSS")
        self.exact_peak = _reset_peak()
        self._cpu = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu
        self.peak_kb = _status_kb("VmHWM")

    def as_dict(self, **extra: object) -> dict:
        return {
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "rss0_kb": self.rss0_kb,
            "peak_kb": self.peak_kb,
            "exact_peak": self.exact_peak,
            **extra,
        }


def _load_duckdb(shape: synthetic.Shape):
    import duckdb

    frame = synthetic.panel(shape)
    con = duckdb.connect(":memory:")
    con.execute("create schema bench_input")
    select = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in INPUT_COLUMNS.items())
    con.register("panel_frame", frame)
    con.execute(f"create table {INPUT_RELATION} as select {select} from panel_frame")
    con.unregister("panel_frame")
    del frame
    return con


def run_sql(shape: synthetic.Shape, sql: str, out: Path | None, profile: Path | None) -> dict:
    con = _load_duckdb(shape)
    if profile is not None:
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{profile}'")
    with Timed() as timed:
        con.execute(f"create table mart_inequality as {sql}")
    if profile is not None:
        con.execute("pragma disable_profiling")
    rows = con.execute("select count(*) from mart_inequality").fetchone()[0]
    if out is not None:
        con.execute(f"copy mart_inequality to '{out}' (format parquet)")
    return timed.as_dict(out_rows=rows)


def run_scan(shape: synthetic.Shape, sql: str | None, out: Path | None, profile: Path | None) -> dict:
    con = _load_duckdb(shape)
    with Timed() as timed:
        con.execute(SCAN_SQL)
    rows = con.execute("select count(*) from scan_out").fetchone()[0]
    return timed.as_dict(out_rows=rows)


def pysal_loop(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Gini, Theil T, Atkinson(0.5, 1, 2) of every cross-section values[bounds[k]:bounds[k + 1]]."""
    from inequality.atkinson import atkinson
    from inequality.gini import Gini
    from inequality.theil import Theil

    result = np.full((len(bounds) - 1, 2 + len(EPSILONS)), np.nan)
    for k in range(len(bounds) - 1):
        y = values[bounds[k] : bounds[k + 1]]
        y0 = y[y >= 0]  # NaN compares False: NULLs drop out of both domains
        y1 = y[y > 0]
        if len(y0) >= 2 and y0.sum() > 0:
            result[k, 0] = Gini(y0).g
        if len(y1) >= 2:
            result[k, 1] = float(np.asarray(Theil(y1).T).ravel()[0])
            for j, eps in enumerate(EPSILONS):
                result[k, 2 + j] = atkinson(y1, eps)
    return result


def run_pysal(shape: synthetic.Shape, sql: str | None, out: Path | None, profile: Path | None) -> dict:
    import inequality.atkinson  # noqa: F401  (imported before timing, as duckdb is for the SQL)
    import pandas as pd

    frame = synthetic.panel(shape)  # sorted by indicator, year, region
    values = frame["value"].to_numpy(dtype=np.float64)
    key = frame["indicator"].cat.codes.to_numpy().astype(np.int64) * 100_000 + frame["year"].to_numpy()
    import cProfile

    profiler = cProfile.Profile() if profile is not None else None
    with Timed() as timed:
        if profiler is not None:
            profiler.enable()
        bounds = np.concatenate(([0], np.flatnonzero(np.diff(key)) + 1, [len(key)]))
        result = pysal_loop(values, bounds)
        if profiler is not None:
            profiler.disable()
    if profiler is not None:
        import io
        import pstats

        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
        site = str(Path(np.__file__).resolve().parents[1]) + os.sep
        profile.write_text(
            text.getvalue().replace(site, "").replace(str(REPO) + os.sep, ""), encoding="utf-8"
        )
    if out is not None:
        starts = bounds[:-1]
        indicator = frame["indicator"].to_numpy()[starts].astype(str)
        year = frame["year"].to_numpy()[starts]
        columns = [("gini", "default"), ("theil_t", "default")]
        columns += [("atkinson", f"epsilon_{_eps_label(eps)}") for eps in EPSILONS]
        parts = [
            pd.DataFrame(
                {"indicator": indicator, "year": year, "measure": m, "variant": v, "value": result[:, j]}
            )
            for j, (m, v) in enumerate(columns)
        ]
        pd.concat(parts, ignore_index=True).to_parquet(out)
    return timed.as_dict(out_rows=int(len(bounds) - 1))


def _eps_label(eps: float) -> str:
    """The variant suffix mart_inequality uses (dbt renders the var list [0.5, 1, 2] as 0.5, 1, 2)."""
    return str(int(eps)) if float(eps).is_integer() else str(eps)


ENGINES = {"sql": run_sql, "scan": run_scan, "pysal": run_pysal}


def worker_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale worker")
    parser.add_argument("--engine", choices=sorted(ENGINES), required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--shape", default="kz")
    parser.add_argument("--sql-file", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    shape = synthetic.shape_for(args.n, args.shape)
    sql = args.sql_file.read_text(encoding="utf-8") if args.sql_file else None
    measured = ENGINES[args.engine](shape, sql, args.out, args.profile)
    args.result.write_text(json.dumps(measured), encoding="utf-8")
    return 0


# ------------------------------------------------------------------------------------------------
# the parent side


def dbt_env(db_path: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "KZW_BUILD_DB": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def compile_mart_sql(workdir: Path, model: str = "mart_inequality") -> str:
    """``dbt compile`` the mart with ``kzw_ineq_input_relation`` pointing at the synthetic table."""
    import duckdb

    db_path = workdir / "compile.duckdb"
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema if not exists bench_input")
        columns = ", ".join(f"{name} {kind}" for name, kind in INPUT_COLUMNS.items())
        con.execute(f"create table if not exists {INPUT_RELATION} ({columns})")
    target = workdir / "dbt_target"
    proc = subprocess.run(
        dbt_command(
            "compile",
            target,
            "--quiet",
            "--select",
            model,
            "--vars",
            f"{{kzw_ineq_input_relation: {INPUT_RELATION}}}",
        ),
        cwd=DBT_PROJECT,
        env=dbt_env(db_path),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dbt compile failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    found = list((target / "compiled").rglob(f"{model}.sql"))
    if len(found) != 1:
        raise RuntimeError(f"compiled {model}.sql not found under {target}")
    return found[0].read_text(encoding="utf-8")


def run_worker(
    engine: str,
    n: int,
    shape: str,
    workdir: Path,
    tag: str,
    sql_file: Path | None = None,
    keep: bool = False,
    profile: bool = False,
) -> dict:
    stem = f"{tag}-{shape}-{n}"
    result = workdir / f"result-{stem}.json"
    out = workdir / f"values-{stem}.parquet" if keep else None
    profile_file = workdir / f"profile-{stem}.{'json' if engine != 'pysal' else 'txt'}" if profile else None
    cmd = [sys.executable, "-m", "bench.scale", "worker", "--engine", engine, "--n", str(n)]
    cmd += ["--shape", shape, "--result", str(result)]
    for flag, value in (("--sql-file", sql_file), ("--out", out), ("--profile", profile_file)):
        if value is not None:
            cmd += [flag, str(value)]
    load_before = os.getloadavg()[0]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"scale worker {tag} n={n} failed:\n{proc.stderr[-3000:]}")
    measured = json.loads(result.read_text(encoding="utf-8"))
    measured["load_before"] = load_before
    measured["load_after"] = os.getloadavg()[0]
    measured["extra_kb"] = max(0, measured["peak_kb"] - measured["rss0_kb"])
    if out is not None:
        measured["values_file"] = str(out)
    if profile_file is not None:
        measured["profile_file"] = str(profile_file)
    return measured


COMPARED = """
select indicator, year, measure, variant, value
from read_parquet(?)
where weighting = 'unweighted'
    and ((measure = 'gini' and variant = 'default') or (measure = 'theil_t' and variant = 'default')
        or measure = 'atkinson')
"""


def _tolerance_sql(a: str, b: str) -> str:
    return (
        f"({a} is null and {b} is null) or abs({a} - {b}) "
        f"<= greatest({REL_TOL} * greatest(abs({a}), abs({b})), {ABS_TOL})"
    )


def compare_with_pysal(sql_file: Path, pysal_file: Path) -> dict:
    """The SQL's unweighted Gini / Theil T / Atkinson against PySAL, cross-section by cross-section."""
    import duckdb

    with duckdb.connect() as con:
        row = con.execute(
            f"""
            with s as ({COMPARED}), p as (select * from read_parquet(?))
            select
                count(*),
                count(*) filter (where s.value is null and p.value is not null
                    or p.value is null and s.value is not null),
                count(*) filter (where not ({_tolerance_sql("s.value", "p.value")})),
                max(abs(s.value - p.value) / nullif(abs(p.value), 0))
            from s full join p using (indicator, year, measure, variant)
            """,
            [str(sql_file), str(pysal_file)],
        ).fetchone()
    compared, null_mismatch, mismatches, max_rel = row
    return {
        "compared": compared,
        "mismatches": int(mismatches or 0),
        "null_mismatches": int(null_mismatch or 0),
        "max_rel_diff": float(max_rel or 0.0),
    }


def top_operators(profile_file: Path, limit: int = 6) -> list[dict]:
    """The costliest operators of a DuckDB JSON profile (operator time summed over threads)."""
    data = json.loads(profile_file.read_text(encoding="utf-8"))
    rows: list[dict] = []

    def walk(node: dict) -> None:
        extra = node.get("extra_info") or {}
        detail = extra.get("Projections") or extra.get("Aggregates") or extra.get("Condition") or ""
        if isinstance(detail, list):
            detail = ", ".join(str(d) for d in detail)
        rows.append(
            {
                "operator": node.get("operator_name") or node.get("operator_type") or "?",
                "seconds": float(node.get("operator_timing") or 0.0),
                "rows": int(node.get("operator_cardinality") or 0),
                "detail": str(detail)[:140],
            }
        )
        for child in node.get("children", []):
            walk(child)

    walk(data)
    total = sum(r["seconds"] for r in rows)  # operator time summed over threads
    rows.sort(key=lambda r: r["seconds"], reverse=True)
    return [{**r, "share": r["seconds"] / total if total else 0.0} for r in rows[:limit]]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _summarise(n: int, measured: list[dict]) -> dict:
    seconds = median([m["seconds"] for m in measured])
    return {
        "seconds": seconds,
        "all_seconds": [m["seconds"] for m in measured],
        "cpu_seconds": median([m["cpu_seconds"] for m in measured]),
        "rows_per_s": n / seconds if seconds > 0 else math.inf,
        "extra_mib": median([m["extra_kb"] for m in measured]) / 1024,
        "peak_mib": median([m["peak_kb"] for m in measured]) / 1024,
        "exact_peak": all(m["exact_peak"] for m in measured),
        "load": [round(m["load_before"], 2) for m in measured],
        "out_rows": measured[-1]["out_rows"],
    }


def benchmark(
    sizes: list[int],
    repeats: int,
    workdir: Path,
    shapes: tuple[str, ...] = ("kz",),
    profile_size: int | None = None,
    log=print,
) -> dict:
    """Every engine on every size, ``repeats`` times, interleaved (sql, pysal, scan, sql, ...)."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sql = compile_mart_sql(workdir)
    compile_s = time.perf_counter() - started
    sql_file = workdir / "mart_inequality.compiled.sql"
    sql_file.write_text(sql, encoding="utf-8")
    log(f"  compiled mart_inequality with dbt compile in {compile_s:.1f} s (set-up, untimed)")
    engines = [("sql", "sql", sql_file), ("pysal", "pysal", None), ("scan", "scan", None)]
    cases = []
    for shape_name in shapes:
        for n in sizes:
            try:
                shape = synthetic.shape_for(n, shape_name)
            except ValueError:
                continue
            plan = list(engines)
            runs: dict[str, list[dict]] = {tag: [] for tag, _, _ in plan}
            for i in range(repeats):
                keep = i == repeats - 1
                for tag, engine, file in plan:
                    measured = run_worker(engine, n, shape_name, workdir, tag, file, keep and tag != "scan")
                    runs[tag].append(measured)
                    log(
                        f"  {shape_name} n={n:>9,} {tag:<8} {i + 1}/{repeats}: {measured['seconds']:8.3f} s "
                        f"(cpu {measured['cpu_seconds']:7.3f} s)  +{measured['extra_kb'] / 1024:7.1f} MiB  "
                        f"load {measured['load_before']:.2f}"
                    )
            case: dict = {
                "shape": shape.name,
                "describe": shape.describe(),
                "n": n,
                "cross_sections": shape.cross_sections,
            }
            for tag, measured in runs.items():
                case[tag] = _summarise(n, measured)
            pairs = list(zip(runs["sql"], runs["pysal"], runs["scan"], strict=True))
            case["speedup_vs_pysal"] = median([p["seconds"] / s["seconds"] for s, p, _ in pairs])
            case["x_scan"] = median([s["seconds"] / c["seconds"] for s, _, c in pairs])
            case["cpu_speedup_vs_pysal"] = median([p["cpu_seconds"] / s["cpu_seconds"] for s, p, _ in pairs])
            case["cpu_x_scan"] = median([s["cpu_seconds"] / c["cpu_seconds"] for s, _, c in pairs])
            case["pysal_x_scan"] = median([p["seconds"] / c["seconds"] for _, p, c in pairs])
            case["equality"] = compare_with_pysal(
                Path(runs["sql"][-1]["values_file"]), Path(runs["pysal"][-1]["values_file"])
            )
            cases.append(case)
            for measured_list in runs.values():
                for measured in measured_list:
                    if "values_file" in measured:
                        Path(measured["values_file"]).unlink(missing_ok=True)
    profiles = {}
    if profile_size is not None:
        for tag, engine, file in [("sql", "sql", sql_file), ("pysal", "pysal", None)]:
            measured = run_worker(engine, profile_size, "kz", workdir, f"profile-{tag}", file, profile=True)
            path = Path(measured["profile_file"])
            if engine == "sql":
                profiles[tag] = {"seconds": measured["seconds"], "operators": top_operators(path)}
            else:
                profiles[tag] = {"seconds": measured["seconds"], "text": path.read_text(encoding="utf-8")}
            log(f"  profiled {tag} at n={profile_size:,}: {measured['seconds']:.3f} s")
    return {"cases": cases, "compile_s": compile_s, "profiles": profiles, "profile_size": profile_size}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.exit(worker_main(sys.argv[2:]))
    print("usage: python -m bench.scale worker ... (the harness is python -m bench)", file=sys.stderr)
    sys.exit(2)

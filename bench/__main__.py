"""``python -m bench`` (``make bench``): run the benchmark harness, print a table, write BENCHMARKS.md.

Environment knobs (defaults keep a run to a few minutes on an idle 2-core machine):

    BENCH_FULL=1           the long version: 3 refresh repeats, 3 scale repeats, the 'wide' shape too
    BENCH_REPEATS=N        full-refresh repeats (each: cold refresh, no-op refresh, bare dbt build); default 1
    BENCH_NOOP_REPEATS=N   no-op refreshes per repeat; default 5
    BENCH_SCALE_REPEATS=N  runs of every scale engine per size; default 1
    BENCH_SCALE_SIZES=...  comma-separated region-year counts; default 1000,10000,100000,1000000
    BENCH_SECTIONS=...     any of refresh,scale,spark,whatif; default refresh,scale,spark
                           (spark needs the optional `spark` extra, which make setup-dev installs)
    BENCH_WHATIF=1         also time the refresh with dbt tests not mapped to asset checks (on with FULL)
    BENCH_OUT=path         the report (default BENCHMARKS.md at the repository root)
    BENCH_KEEP=1           keep the scratch directory (printed) instead of deleting it

Nothing is written under ./warehouse: every warehouse the harness builds lives in a temp directory.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import http_noop, refresh, scale

REPO = Path(__file__).resolve().parents[1]
TARGET_REFRESH_RATIO = 2.0
TARGET_NOOP_S = 2.0
TARGET_PYSAL_SPEEDUP = 20.0
TARGET_SCAN_RATIO = 5.0
PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "dagster",
    "dagster-dbt",
    "great-expectations",
    "pandas",
    "numpy",
    "inequality",
    "scipy",
)


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def config() -> dict:
    full = os.environ.get("BENCH_FULL", "").lower() in ("1", "true", "yes", "on")
    sizes = os.environ.get("BENCH_SCALE_SIZES", "1000,10000,100000,1000000")
    return {
        "full": full,
        "repeats": _int_env("BENCH_REPEATS", 3 if full else 1),
        "noop_repeats": _int_env("BENCH_NOOP_REPEATS", 5),
        "scale_repeats": _int_env("BENCH_SCALE_REPEATS", 3 if full else 1),
        "scale_sizes": [int(float(s)) for s in sizes.split(",") if s.strip()],
        "shapes": ("kz", "wide") if full else ("kz",),
        "sections": [
            s.strip() for s in os.environ.get("BENCH_SECTIONS", "refresh,scale,spark").split(",") if s.strip()
        ],
        "out": Path(os.environ.get("BENCH_OUT", REPO / "BENCHMARKS.md")),
        "keep": os.environ.get("BENCH_KEEP", "").lower() in ("1", "true", "yes", "on"),
        "whatif": os.environ.get("BENCH_WHATIF", "1" if full else "").lower() in ("1", "true", "yes", "on"),
    }


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    mem_gib = 0.0
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            mem_gib = int(next(line for line in handle if line.startswith("MemTotal")).split()[1]) / 1024**2
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "-"
    git = {}
    for key, args in (("commit", ["rev-parse", "--short", "HEAD"]), ("dirty", ["status", "--porcelain"])):
        try:
            out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            out = ""
        git[key] = (
            out.strip() if key == "commit" else len([line for line in out.splitlines() if line.strip()])
        )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
        "git": git,
    }


def median(values: list[float]) -> float:
    return scale.median(values) if values else float("nan")


# ------------------------------------------------------------------------------------------------
# running


def run_whatif(scratch: refresh.Scratch, log) -> dict:
    """The refresh with dbt tests not mapped to asset checks, and its own bare dbt build reference."""
    log("what-if: the same refresh with dbt tests not mapped to asset checks (bench/whatif.py)")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    whatif = refresh.full_refresh(scratch, ("bench.whatif",))
    log(f"  what-if refresh {whatif['wall_s']:.1f} s, exit {whatif['exit_code']}")
    bare = refresh.bare_dbt_build(scratch)
    log(f"  bare dbt build {bare['wall_s']:.1f} s, exit {bare['exit_code']}")
    return {"full": whatif, "bare": bare, "started_utc": started}


def run_refresh_section(cfg: dict, scratch: refresh.Scratch, log) -> dict:
    out: dict = {}
    log("start-up: cold imports")
    out["startup"] = refresh.startup_import(scratch, max(1, min(cfg["repeats"], 3)))
    out["import_profile"] = refresh.import_profile(scratch)
    log("dbt parse for the scratch warehouse (what make setup does; untimed)")
    out["dbt_parse_s"] = refresh.dbt_parse(scratch)
    out["repeats"] = []
    for i in range(cfg["repeats"]):
        log(f"repeat {i + 1}/{cfg['repeats']}: full refresh, cold process (load {os.getloadavg()[0]:.2f})")
        full = refresh.full_refresh(scratch)
        log(f"  refresh {full['wall_s']:.1f} s, exit {full['exit_code']}")
        log("  no-op refresh-if-changed")
        noop = refresh.noop_refresh(scratch, cfg["noop_repeats"])
        log(f"  no-op {', '.join(f'{s:.2f}' for s in noop['seconds'])} s; {noop['output']!r}")
        log("  bare dbt build on a raw-only copy of the build database")
        bare = refresh.bare_dbt_build(scratch)
        log(f"  bare dbt build {bare['wall_s']:.1f} s, exit {bare['exit_code']}")
        out["repeats"].append({"full": full, "noop": noop, "bare": bare})
    if cfg["whatif"]:
        try:
            out["whatif"] = run_whatif(scratch, log)
        except Exception as exc:  # a what-if must not cost the measured figures
            log(f"  what-if failed: {exc}")
            out["whatif_error"] = str(exc)[-2000:]
    log("no-op refresh-if-changed over HTTP: every dataset on its live route (loopback server)")
    try:
        out["http_noop"] = http_noop.http_noop(scratch.root, cfg["noop_repeats"])
        log(f"  {', '.join(f'{s:.2f}' for s in out['http_noop']['seconds'])} s")
    except Exception as exc:  # this figure must not cost the others
        log(f"  http no-op failed: {exc}")
        out["http_noop"] = {"error": str(exc)[-2000:]}
    log("Dagster event log: cost of one event write")
    out["event_write"] = refresh.event_write_cost(scratch)
    log(f"  {out['event_write']['sqlite']['wall_ms']:.1f} ms per event (SQLite instance)")
    log("ingestion split: cold catalog loop without Dagster")
    out["ingestion"] = refresh.ingestion_split(scratch)
    log(f"  loop {out['ingestion']['loop_s']:.1f} s")
    return out


def run_spark_section(scratch: refresh.Scratch, log) -> dict:
    """The same dbt selection built on DuckDB and on local-mode Spark from the refresh's raw layer."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        return {"skipped": "the optional `spark` extra (pyspark, dbt-spark) is not installed"}
    from bench import spark

    if not scratch.build_db.exists():
        log("spark: no refresh in this run yet; one full refresh for the raw layer (untimed)")
        refresh.dbt_parse(scratch)
        refresh.full_refresh(scratch)
    log(f"spark: dbt build of the same selection on DuckDB and on Spark (load {os.getloadavg()[0]:.2f})")
    load_before = os.getloadavg()[0]
    out = spark.time_spark_vs_duckdb(scratch.build_db, scratch.root / "spark")
    out["load"] = [load_before, os.getloadavg()[0]]
    log(f"  duckdb {out['duckdb_s']:.1f} s, spark {out['spark_s']:.1f} s")
    return out


def main() -> int:
    cfg = config()
    started = time.perf_counter()
    stamp = datetime.now(UTC)
    root = Path(tempfile.mkdtemp(prefix="kzw-bench-"))
    scratch = refresh.Scratch(root)

    def log(message: str) -> None:
        print(f"[bench {time.perf_counter() - started:7.1f}s] {message}", flush=True)

    results: dict = {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in cfg.items()},
        "machine": machine(),
        "started_utc": stamp.isoformat(timespec="seconds"),
        "load_start": os.getloadavg(),
    }
    log(f"scratch directory {root} (never ./warehouse)")
    try:
        if "refresh" in cfg["sections"]:
            results["refresh"] = run_refresh_section(cfg, scratch, log)
        if "whatif" in cfg["sections"] and "refresh" not in cfg["sections"]:
            refresh.dbt_parse(scratch)
            results["refresh_whatif_only"] = run_whatif(scratch, log)
        if "spark" in cfg["sections"]:
            try:
                results["spark"] = run_spark_section(scratch, log)
            except Exception as exc:  # Spark's figures must not cost the others
                log(f"  spark failed: {exc}")
                results["spark"] = {"error": str(exc)[-2000:]}
        if "scale" in cfg["sections"]:
            log("scale: synthetic panels through the inequality SQL, PySAL and a scan")
            biggest = max(cfg["scale_sizes"]) if cfg["scale_sizes"] else None
            profile_size = 100_000 if 100_000 in cfg["scale_sizes"] else biggest
            results["scale"] = scale.benchmark(
                cfg["scale_sizes"],
                cfg["scale_repeats"],
                root / "scale",
                shapes=cfg["shapes"],
                profile_size=profile_size,
                log=log,
            )
    finally:
        results["load_end"] = os.getloadavg()
        results["elapsed_s"] = time.perf_counter() - started
        json_path = root / "results.json"
        json_path.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        if cfg["keep"]:
            log(f"kept {root} (results.json inside)")
    from bench.report import render, table

    text = render(results)
    cfg["out"].write_text(text, encoding="utf-8")
    print()
    print(table(results))
    print(f"\nwrote {cfg['out']} in {results['elapsed_s'] / 60:.1f} min")
    if not cfg["keep"]:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

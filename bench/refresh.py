"""Full refresh (cold process) per stage, the bare ``dbt build`` reference, and the no-op refresh.

One repeat, all in a scratch ``KZW_HOME`` (never ``./warehouse``) whose path stays the same across repeats
(the dbt profile reads ``KZW_BUILD_DB``: a stable path keeps dbt's partial parse valid, as for a user whose
``make setup`` parsed the project for the warehouse it then refreshes):

1. wipe the scratch home, then ``python -m orchestration.cli run`` in a new process: the user's
   ``make run`` on the embedded snapshot, timed from launch to exit. Stages come from the Dagster run's
   event log (STEP_START / STEP_SUCCESS per step, RUN_START / RUN_SUCCESS, the "Running dbt command"
   log line) and from dbt's ``run_results.json`` of that run (node start / end times, models vs tests);
2. ``python -m orchestration.cli refresh-if-changed`` a few times on the warehouse just built (no new
   release): timed, and checked that nothing ran beyond the release check (no new Dagster run, no dbt
   artifact written, no ``raw.releases`` row added, dagster / dbt / great_expectations not imported);
3. the reference: a copy of that build database with everything but the ``raw`` schema dropped (the
   state dbt found in step 1), put back at the same path, then a bare ``dbt build`` of the same project
   (same profile, same ``threads``, partial-parse file copied in as dagster-dbt does).

Separately, once per invocation: a cold ``python -c "import orchestration.definitions"`` (start-up) and
a cold loop over the catalog that times ``ingestion.releases.prepare`` (fetch, then land + parse),
``expectations.validate`` and ``ingestion.releases.accept`` directly, without Dagster, to split the
ingestion steps into fetch / parse / validation / load.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.dbt import DBT_PROJECT, dbt_command

REPO = Path(__file__).resolve().parents[1]
HEAVY_MODULES = ("dagster", "dagster_dbt", "dbt", "great_expectations")


def _loadavg() -> float:
    return os.getloadavg()[0]


class Scratch:
    """The paths of one benchmark invocation (a temp root holding the scratch home and dbt targets)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.dbt_target = root / "dbt_target"  # DBT_TARGET_PATH of the refreshes (partial parse lives here)

    @property
    def build_db(self) -> Path:
        return self.home / "build" / "warehouse.duckdb"

    def env(self, home: Path | None = None) -> dict[str, str]:
        home = home or self.home
        bin_dir = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "KZW_HOME": str(home),
            "KZW_BUILD_DB": str(home / "build" / "warehouse.duckdb"),
            "DAGSTER_HOME": str(home / "dagster"),
            "KZW_SOURCE": "snapshot",
            "DBT_TARGET_PATH": str(self.dbt_target),
            "GX_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }


def dbt_parse(scratch: Scratch) -> float:
    """What ``make setup`` does, for the scratch warehouse (untimed set-up): write the partial-parse file."""
    started = time.perf_counter()
    env = scratch.env()
    proc = subprocess.run(
        dbt_command("parse", scratch.dbt_target, "--quiet"),
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------------
# reading what a run did


def _ts(iso: str) -> float:
    """dbt's UTC ISO timestamps (``2026-01-01T10:00:00.123456Z``) as unix seconds."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def run_events(dagster_home: Path, run_id: str) -> list[tuple[float, str | None, str | None, str]]:
    """(timestamp, step_key, dagster event type, message) of every event of the run, in order."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        entries = instance.all_logs(run_id)
        return [
            (
                entry.timestamp,
                entry.step_key,
                entry.dagster_event_type.name if entry.dagster_event_type else None,
                entry.user_message or "",
            )
            for entry in entries
        ]


def run_count(dagster_home: Path) -> int:
    import dagster as dg

    if not (dagster_home / "dagster.yaml").exists():
        return 0
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return instance.get_runs_count()


def node_sweep(run_results: dict) -> dict[str, float]:
    """Wall seconds of dbt's node phase by kind (``models`` incl. seeds, ``tests``), threads accounted.

    Each elementary interval with k nodes running is shared 1/k to each, so the kinds sum to the wall
    time during which at least one node ran; also returns the phase's first start and last end.
    """
    intervals: list[tuple[float, float, str]] = []
    for result in run_results.get("results", []):
        kind = "tests" if result["unique_id"].startswith(("test.", "unit_test.")) else "models"
        starts = [_ts(t["started_at"]) for t in result.get("timing", []) if t.get("started_at")]
        ends = [_ts(t["completed_at"]) for t in result.get("timing", []) if t.get("completed_at")]
        if starts and ends:
            intervals.append((min(starts), max(ends), kind))
    if not intervals:
        return {"models": 0.0, "tests": 0.0, "first_start": 0.0, "last_end": 0.0, "nodes": 0}
    cuts = sorted({t for s, e, _ in intervals for t in (s, e)})
    share = {"models": 0.0, "tests": 0.0}
    for left, right in itertools.pairwise(cuts):
        active = [kind for s, e, kind in intervals if s <= left and e >= right]
        for kind in active:
            share[kind] += (right - left) / len(active)
    return {
        **share,
        "first_start": min(s for s, _, _ in intervals),
        "last_end": max(e for _, e, _ in intervals),
        "nodes": len(intervals),
    }


def dbt_statuses(run_results: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in run_results.get("results", []):
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


# ------------------------------------------------------------------------------------------------
# 1. full refresh


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> dict:
    """Run ``cmd`` with output to ``log_path``; wall time, and CPU of the process itself vs its children.

    The process's own CPU is sampled from ``/proc/<pid>/stat`` until it exits; ``wait4`` then gives the
    CPU of the whole tree it waited for (here: the Dagster process plus the dbt subprocess).
    """
    tick = os.sysconf("SC_CLK_TCK")
    started = time.time()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        own = 0.0
        stat = Path(f"/proc/{proc.pid}/stat")
        while True:
            try:
                fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
                own = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
            finished, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if finished:
                break
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    ended = time.time()
    total_cpu = usage.ru_utime + usage.ru_stime
    return {
        "started": started,
        "ended": ended,
        "wall_s": ended - started,
        "exit_code": proc.returncode,
        "cpu_s": total_cpu,
        "own_cpu_s": min(own, total_cpu),
        "children_cpu_s": max(0.0, total_cpu - own),
        "output": log_path.read_text(encoding="utf-8", errors="replace"),
    }


def full_refresh(scratch: Scratch, command: tuple[str, ...] = ("orchestration.cli", "run")) -> dict:
    """A cold refresh process (``python -m <command>``) on an empty scratch warehouse, with its stages."""
    if scratch.home.exists():
        shutil.rmtree(scratch.home)
    before_dirs = set(glob.glob(str(scratch.dbt_target / "kz_inequality_dbt-*")))
    load_before = _loadavg()
    ran = run_measured([sys.executable, "-m", *command], REPO, scratch.env(), scratch.root / "refresh.log")
    output = ran.pop("output")
    launched, exited = ran.pop("started"), ran.pop("ended")
    out = {**ran, "load_before": load_before, "load_after": _loadavg()}
    match = re.search(r"run id\s*:\s*([0-9a-f-]{36})", output)
    if not match:
        raise RuntimeError(f"no run id in the refresh output:\n{output[-4000:]}")
    run_id = match.group(1)
    out["run_id"] = run_id
    out["summary_tail"] = output[output.rfind("=== Kazakhstan") :][-1500:]
    if out["exit_code"] != 0:
        out["error_tail"] = output[-3000:]
    events = run_events(scratch.home / "dagster", run_id)
    out["event_counts"] = _event_counts(events)
    out["stages"], out["steps"] = _stages(events, launched, exited, scratch, before_dirs, run_id)
    return out


def _event_counts(events) -> dict:
    run_start = next(t for t, _, kind, _ in events if kind == "RUN_START")
    counts: dict[str, int] = {"total": len(events), "before RUN_START": 0, "in the dbt step": 0}
    for t, step, kind, _ in events:
        counts["before RUN_START"] += t < run_start
        counts["in the dbt step"] += step == "kz_inequality_dbt" and t >= run_start
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _stages(events, launched, exited, scratch, before_dirs, run_id) -> tuple[dict, dict]:
    run_start = next(t for t, _, kind, _ in events if kind == "RUN_START")
    run_end = next(t for t, _, kind, _ in events if kind in ("RUN_SUCCESS", "RUN_FAILURE"))
    starts: dict[str, float] = {}
    steps: dict[str, dict] = {}
    for t, step, kind, _ in events:
        if kind == "STEP_START":
            starts[step] = t
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in starts:
            steps[step] = {"start": starts[step], "end": t, "seconds": t - starts[step], "status": kind}
    ingestion = {k: v for k, v in steps.items() if k.startswith("raw__")}
    dbt_step = steps.get("kz_inequality_dbt")
    publish = {k: v for k, v in steps.items() if k.startswith("published__")}
    first_event = min(t for t, _, _, _ in events)
    stages: dict[str, float] = {
        "start-up: imports, definitions, instance (launch -> first run event)": first_event - launched,
        "start-up: run creation, *_PLANNED events (first run event -> RUN_START)": run_start - first_event,
    }
    stages["ingestion steps (fetch + parse + validation + load)"] = sum(
        v["seconds"] for v in ingestion.values()
    )
    if dbt_step:
        dbt_cmd = next(
            (
                t
                for t, step, _, msg in events
                if step == "kz_inequality_dbt" and msg.startswith("Running dbt command")
            ),
            dbt_step["start"],
        )
        new_dirs = set(glob.glob(str(scratch.dbt_target / f"kz_inequality_dbt-{run_id[:7]}-*"))) - before_dirs
        results_file = next((Path(d) / "run_results.json" for d in sorted(new_dirs)), None)
        sweep = {"models": 0.0, "tests": 0.0, "first_start": dbt_cmd, "last_end": dbt_step["end"], "nodes": 0}
        statuses: dict[str, int] = {}
        if results_file is not None and results_file.exists():
            results = json.loads(results_file.read_text(encoding="utf-8"))
            sweep = node_sweep(results)
            statuses = dbt_statuses(results)
        stages["dbt: dagster-dbt set-up (adapter, dbt --version)"] = dbt_cmd - dbt_step["start"]
        stages["dbt: process start-up + partial parse"] = sweep["first_start"] - dbt_cmd
        stages["dbt build: seeds + models"] = sweep["models"]
        stages["checks: dbt tests"] = sweep["tests"]
        stages["dbt: between nodes (scheduling, per-node overhead)"] = (
            sweep["last_end"] - sweep["first_start"]
        ) - (sweep["models"] + sweep["tests"])
        stages["dbt: wrap-up + Dagster events"] = dbt_step["end"] - sweep["last_end"]
        steps["kz_inequality_dbt"]["dbt_statuses"] = statuses
        steps["kz_inequality_dbt"]["dbt_nodes"] = sweep["nodes"]
    stages["publish (+ report)"] = sum(v["seconds"] for v in publish.values())
    in_steps = sum(v["seconds"] for v in steps.values())
    stages["Dagster between steps (RUN_START -> RUN_END minus steps)"] = (run_end - run_start) - in_steps
    stages["summary + exit (RUN_END -> exit)"] = exited - run_end
    return stages, {k: {"seconds": v["seconds"], "status": v["status"]} for k, v in steps.items()}


# ------------------------------------------------------------------------------------------------
# 2. no-op refresh


def _releases_rows(build_db: Path) -> int:
    import duckdb

    with duckdb.connect(str(build_db), read_only=True) as con:
        return con.execute("select count(*) from raw.releases").fetchone()[0]


NOOP_IMPORT_PROBE = f"""
import runpy, sys
sys.argv = ["orchestration.cli", "refresh-if-changed"]
try:
    runpy.run_module("orchestration.cli", run_name="__main__")
except SystemExit:
    pass
print("HEAVY=" + ",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY_MODULES!r}))))
"""


def time_refresh_if_changed(env: dict[str, str]) -> tuple[float, int, str]:
    """One ``refresh-if-changed`` in a new process, as cron runs it: (wall seconds, exit code, stdout)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh-if-changed"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, proc.returncode, proc.stdout.strip()


def noop_refresh(scratch: Scratch, repeats: int) -> dict:
    """``refresh-if-changed`` on the warehouse just refreshed: time, and proof that nothing else ran."""
    env = scratch.env()
    runs_before = run_count(scratch.home / "dagster")
    releases_before = _releases_rows(scratch.build_db)
    dbt_dirs_before = set(glob.glob(str(scratch.dbt_target / "*")))
    timings, outputs, loads = [], [], []
    for _ in range(repeats):
        loads.append(_loadavg())
        seconds, code, text = time_refresh_if_changed(env)
        timings.append(seconds)
        outputs.append((code, text))
    probe = subprocess.run(
        [sys.executable, "-c", NOOP_IMPORT_PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    heavy = next((line[6:] for line in probe.stdout.splitlines() if line.startswith("HEAVY=")), "?")
    return {
        "seconds": timings,
        "load": loads,
        "exit_codes": [code for code, _ in outputs],
        "said_no_new_release": all(text.endswith("no new release") for _, text in outputs),
        "new_dagster_runs": run_count(scratch.home / "dagster") - runs_before,
        "new_releases_rows": _releases_rows(scratch.build_db) - releases_before,
        "new_dbt_artifacts": len(set(glob.glob(str(scratch.dbt_target / "*"))) - dbt_dirs_before),
        "heavy_modules_imported": heavy,
        "output": outputs[-1][1] if outputs else "",
    }


# ------------------------------------------------------------------------------------------------
# 3. bare dbt build reference


def reset_to_raw(build_db: Path, work: Path) -> None:
    """Replace ``build_db`` by a copy of it holding the raw layer only (what dbt found in the refresh)."""
    import duckdb

    copy = work / "raw_only.duckdb"
    shutil.copyfile(build_db, copy)
    with duckdb.connect(str(copy)) as con:
        schemas = [
            row[0]
            for row in con.execute(
                "select schema_name from duckdb_schemas() where database_name = current_database() "
                "and not internal and schema_name not in ('raw', 'main')"
            ).fetchall()
        ]
        for schema in schemas:
            con.execute(f'drop schema "{schema}" cascade')
        con.execute("checkpoint")
    os.replace(copy, build_db)


def bare_dbt_build(scratch: Scratch) -> dict:
    reset_to_raw(scratch.build_db, scratch.root)
    target = scratch.root / "bare_dbt_target"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    partial = scratch.dbt_target / "partial_parse.msgpack"
    if partial.exists():  # dagster-dbt copies it into every invocation's target too
        shutil.copyfile(partial, target / "partial_parse.msgpack")
    env = scratch.env()
    env.pop("DBT_TARGET_PATH", None)
    load_before = _loadavg()
    ran = run_measured(
        dbt_command("build", target),
        DBT_PROJECT,
        env,
        scratch.root / "bare_dbt.log",
    )
    output = ran.pop("output")
    started, ended = ran.pop("started"), ran.pop("ended")
    out = {**ran, "load_before": load_before, "load_after": _loadavg()}
    results_file = target / "run_results.json"
    if results_file.exists():
        results = json.loads(results_file.read_text(encoding="utf-8"))
        sweep = node_sweep(results)
        out["stages"] = {
            "dbt: process start-up + partial parse": sweep["first_start"] - started,
            "dbt build: seeds + models": sweep["models"],
            "checks: dbt tests": sweep["tests"],
            "dbt: between nodes (scheduling, per-node overhead)": (sweep["last_end"] - sweep["first_start"])
            - sweep["models"]
            - sweep["tests"],
            "dbt: wrap-up": ended - sweep["last_end"],
        }
        out["dbt_statuses"] = dbt_statuses(results)
    if out["exit_code"] != 0:
        out["error_tail"] = output[-2000:]
    return out


# ------------------------------------------------------------------------------------------------
# separately: start-up and the ingestion split


def startup_import(scratch: Scratch, repeats: int) -> dict:
    """Cold ``import orchestration.definitions`` (Dagster, dagster-dbt, the manifest), ``import dagster``."""
    env = scratch.env(scratch.root / "startup_home")
    out: dict[str, list[float]] = {
        "python -c pass": [],
        "import dagster": [],
        "import orchestration.definitions": [],
    }
    for _ in range(repeats):
        for label, code in (
            ("python -c pass", "pass"),
            ("import dagster", "import dagster"),
            ("import orchestration.definitions", "import orchestration.definitions"),
        ):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, capture_output=True)
            out[label].append(time.perf_counter() - started)
    return out


def ingestion_split(scratch: Scratch) -> dict:
    """Run the cold catalog loop (``python -m bench.refresh ingest``) in a new process and a fresh home."""
    home = scratch.root / "ingest_home"
    if home.exists():
        shutil.rmtree(home)
    result = scratch.root / "ingest.json"
    load_before = _loadavg()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.refresh", "ingest", str(result)],
        cwd=REPO,
        env=scratch.env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"ingestion loop failed:\n{proc.stderr[-3000:]}")
    out = json.loads(result.read_text(encoding="utf-8"))
    out["process_wall_s"] = wall
    out["load_before"] = load_before
    shutil.rmtree(home, ignore_errors=True)
    return out


class _TimedSource:
    """Wraps a Source to time ``fetch`` inside ``releases.prepare``."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds = 0.0

    def fetch(self, dataset, conditional=None):
        started = time.perf_counter()
        try:
            return self.inner.fetch(dataset, conditional)
        finally:
            self.seconds += time.perf_counter() - started


def ingest_loop(result_path: Path) -> None:
    """The ingestion of every catalog dataset, timed piece by piece, as the assets run it (no Dagster)."""
    process_started = time.perf_counter()
    from expectations import validate
    from ingestion import releases
    from ingestion.catalog import CATALOG
    from ingestion.raw_store import RawStore
    from ingestion.settings import Settings
    from ingestion.sources import source_for

    imported = time.perf_counter() - process_started
    settings = Settings.from_env()
    store = RawStore(settings.build_db)
    totals = {"fetch": 0.0, "parse (incl. landing)": 0.0, "validation (GX)": 0.0, "load to raw": 0.0}
    gx_startup = 0.0
    per_dataset = {}
    for dataset in CATALOG:
        source = _TimedSource(source_for(settings))
        started = time.perf_counter()
        candidate = releases.prepare(settings, dataset, source, store)
        prepared = time.perf_counter() - started
        row = {"fetch": source.seconds, "parse (incl. landing)": prepared - source.seconds}
        if isinstance(candidate, releases.Candidate):
            started = time.perf_counter()
            report = validate(dataset.id, candidate.frame, candidate.previous)
            row["validation (GX)"] = time.perf_counter() - started
            gx_startup += float(getattr(report, "timings", {}).get("gx_startup_s", 0.0) or 0.0)
            started = time.perf_counter()
            if report.passed_blocking:
                releases.accept(candidate, store)
            else:
                releases.quarantine(candidate, store, report.summary())
            row["load to raw"] = time.perf_counter() - started
        for key, value in row.items():
            totals[key] += value
        per_dataset[dataset.id] = row
    result_path.write_text(
        json.dumps(
            {
                "imports_s": imported,
                "totals": totals,
                "gx_startup_s": gx_startup,
                "per_dataset": per_dataset,
                "loop_s": sum(totals.values()),
            }
        ),
        encoding="utf-8",
    )


def event_write_loop(result_path: Path, events: int = 200) -> None:
    """Per-event cost of Dagster's event log: the project's SQLite instance vs an in-memory one."""
    import tempfile

    import dagster as dg

    from orchestration.cli import INSTANCE_YAML

    home = Path(tempfile.mkdtemp(prefix="kzw-bench-events-"))
    (home / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
    out = {}
    try:
        for label, instance in (
            ("sqlite", dg.DagsterInstance.from_config(str(home))),
            ("in_memory", dg.DagsterInstance.ephemeral()),
        ):
            with instance:
                cpu, wall = time.process_time(), time.perf_counter()
                for i in range(events):
                    instance.report_engine_event(f"bench event {i}", run_id="0" * 36, job_name="bench")
                out[label] = {
                    "wall_ms": (time.perf_counter() - wall) / events * 1000,
                    "cpu_ms": (time.process_time() - cpu) / events * 1000,
                }
    finally:
        shutil.rmtree(home, ignore_errors=True)
    out["events"] = events
    result_path.write_text(json.dumps(out), encoding="utf-8")


def event_write_cost(scratch: Scratch) -> dict:
    result = scratch.root / "events.json"
    load_before = _loadavg()
    subprocess.run(
        [sys.executable, "-m", "bench.refresh", "events", str(result)],
        cwd=REPO,
        env=scratch.env(scratch.root / "startup_home"),
        check=True,
        capture_output=True,
    )
    return {**json.loads(result.read_text(encoding="utf-8")), "load_before": load_before}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "ingest":
        ingest_loop(Path(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "events":
        event_write_loop(Path(sys.argv[2]))
        sys.exit(0)
    print(
        "usage: python -m bench.refresh ingest RESULT.json (the harness is python -m bench)", file=sys.stderr
    )
    sys.exit(2)


def import_profile(scratch: Scratch, top: int = 8) -> dict:
    """``python -X importtime -c "import orchestration.definitions"``: self time per top-level package."""
    env = scratch.env(scratch.root / "startup_home")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import orchestration.definitions"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    per_package: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        try:
            self_us = int(parts[0])
        except ValueError:
            continue
        package = parts[2].strip().split(".")[0]
        per_package[package] = per_package.get(package, 0.0) + self_us / 1e6
    total = sum(per_package.values())
    ranked = sorted(per_package.items(), key=lambda item: item[1], reverse=True)[:top]
    return {"total_s": total, "top": ranked}

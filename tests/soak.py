"""A chaos soak you run, not a claim: seeded faults against a real warehouse, invariants after each.

    python -m tests.soak --iterations 100 --seed 1 --home <a built $KZW_HOME, modified> [--write FILE]

Each iteration picks a fault (seeded): SIGKILL of a refresh or of a publish at a random moment, a
corrupted payload, a changed valid release, an unchanged rerun, two refreshes at once, a full disk
(the refresh process may write at most 64 KiB per file: RLIMIT_FSIZE, the kernel's EFBIG). The refresh
is a real Dagster run of the warehouse job, in its own process, on the smallest selection that shows
the guarantees (``raw/income_annual`` and ``published/kz_inequality``, with their checks): a dbt build
per iteration would cost minutes here and proves nothing more about crashes. Three reader threads read
the published DuckDB file and the Parquet files throughout. Then the follow-up (the dead-run sweep and,
when a loaded release is not published, a publish run: what ``refresh-if-changed`` does) and the
invariants: the publication opens and matches its metadata, it changed only after a successful run,
readers never failed nor saw a mix, every landed payload is kept and matches its hash, every attempt
that ran is in the ledger, no stranded release, no run left in progress, no lock held.

``python -m tests.soak job <asset> ...`` is the refresh process itself (runs on ``$DAGSTER_HOME``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.catalog import get
from ingestion.settings import REPO_ROOT, SNAPSHOT_DIR, Settings

INCOME = get("income_annual")
JOB_ASSETS = ["raw/income_annual", "published/kz_inequality"]
FAULTS = (
    "kill_refresh",
    "kill_publish",
    "corrupt_payload",
    "changed_release",
    "unchanged_rerun",
    "two_at_once",
    "disk_full",
)
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"


# --- the refresh process ------------------------------------------------------------------------


def job(asset_keys: list[str]) -> int:
    """Run the warehouse job on the persistent instance (``DAGSTER_HOME``), one asset at a time and
    stopping at the first failure: in the whole job dbt sits between ingestion and publish, so a
    failed ingestion never reaches publish; this subset keeps that order without the dbt build."""
    import dagster as dg

    from orchestration.definitions import defs

    with dg.DagsterInstance.get() as instance:
        for key in asset_keys:
            result = defs.resolve_job_def("refresh_warehouse").execute_in_process(
                instance=instance, asset_selection=[dg.AssetKey.from_user_string(key)], raise_on_error=False
            )
            print(f"run {result.run_id} ({key}): {'success' if result.success else 'FAILED'}", flush=True)
            if not result.success:
                return 1
    return 0


# --- readers ------------------------------------------------------------------------------------


@dataclass
class Readers:
    published: Path
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    mixes: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _read_once(self, rng: random.Random) -> None:
        # The top-level file: its own metadata must match its own tables.
        con = duckdb.connect(str(self.published / "kz_inequality.duckdb"), read_only=True)
        try:
            version, tables_json = con.execute("select version, tables_json from meta.publication").fetchone()
            tables = json.loads(tables_json)
            name = rng.choice(sorted(tables))
            schema, table = name.split(".", 1)
            count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
        finally:
            con.close()
        if count != tables[name]:
            self.mixes.append(f"{version}: {name} has {count} rows, its metadata says {tables[name]}")
        # The Parquet copies of the version ``current`` names, against that version's metadata.
        version_dir = (self.published / "current").resolve()
        meta = duckdb.connect(str(version_dir / "kz_inequality.duckdb"), read_only=True)
        try:
            own = json.loads(meta.execute("select tables_json from meta.publication").fetchone()[0])
            parquet = meta.execute(
                "select count(*) from read_parquet(?)", [str(version_dir / "parquet" / f"{name}.parquet")]
            ).fetchone()[0]
        finally:
            meta.close()
        if name in own and parquet != own[name]:
            self.mixes.append(f"{version_dir.name}: Parquet {name} has {parquet} rows, metadata {own[name]}")
        with self._lock:
            self.reads += 1
            self.versions.add(version)

    def _loop(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self._stop.is_set():
            try:
                self._read_once(rng)
            except Exception as exc:  # every reader error is a finding
                with self._lock:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)

    def __enter__(self) -> Readers:
        for n in range(3):
            thread = threading.Thread(target=self._loop, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


# --- one iteration ------------------------------------------------------------------------------


@dataclass
class Outcome:
    iteration: int
    fault: str
    reads: int = 0
    reader_errors: int = 0
    mixes: int = 0
    corrupt_publish: int = 0
    lost_payloads: int = 0
    unledgered: int = 0
    stranded: int = 0
    runs_left_started: int = 0
    locks_left: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.reader_errors
            or self.mixes
            or self.corrupt_publish
            or self.lost_payloads
            or self.unledgered
            or self.stranded
            or self.runs_left_started
            or self.locks_left
        )


class Soak:
    def __init__(self, home: Path, seed: int) -> None:
        self.home = home
        self.rng = random.Random(seed)
        self.snapshot = home.parent / "soak-snapshot"
        if not self.snapshot.exists():
            import shutil

            shutil.copytree(SNAPSHOT_DIR, self.snapshot)
        self.settings = Settings(home=home, snapshot_dir=self.snapshot)
        self.revision = 0
        from orchestration.cli import ensure_instance

        ensure_instance(home / "dagster")

    # payloads
    def _income(self) -> Path:
        return self.snapshot / INCOME.snapshot_file

    def _write_income(self, content: bytes) -> None:
        path = self._income()
        path.chmod(0o644)
        path.write_bytes(content)

    def _valid_change(self) -> None:
        """A new valid release: one income value revised by a seeded small amount."""
        from tests.faults import damage as dmg

        self.revision += 1
        line = self.rng.randrange(2, 40)

        def edit(number: int, value: str) -> str:
            if number != line or not value.strip():
                return value
            digits = value.replace(" ", "")
            return str(int(digits) + self.rng.randint(1, 9)) if digits.isdigit() else value

        base = (SNAPSHOT_DIR / INCOME.snapshot_file).read_bytes()
        self._write_income(dmg.edit_csv_field(base, "VAL", edit))

    def _corrupt(self) -> None:
        content = self._income().read_bytes()
        cut = self.rng.randrange(len(content) // 4, len(content) // 2)
        kind = self.rng.choice(["truncated", "garbage", "values_x1000"])
        if kind == "truncated":
            self._write_income(content[:cut])
        elif kind == "garbage":
            self._write_income(content[:cut] + bytes(self.rng.randrange(256) for _ in range(200)))
        else:
            from tests.faults import damage as dmg

            self._write_income(dmg.edit_csv_field(content, "VAL", lambda _n, v: dmg.times_1000(v)))

    # processes
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KZW_")}
        env.update(
            KZW_HOME=str(self.home),
            KZW_SNAPSHOT_DIR=str(self.snapshot),
            DAGSTER_HOME=str(self.home / "dagster"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def _start(self, args: list[str], log: Path, fsize: int | None = None) -> subprocess.Popen:
        def limit() -> None:
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

        with log.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, *args],
                cwd=REPO_ROOT,
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=limit,
            )

    def _job(self, log: Path, fsize: int | None = None) -> subprocess.Popen:
        return self._start(["-m", "tests.soak", "job", *JOB_ASSETS], log, fsize)

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)

    def _ledger_rows(self) -> int:
        con = duckdb.connect(str(self.settings.build_db), read_only=True)
        try:
            return con.execute(
                "select count(*) from raw.releases where dataset_id = ?", [INCOME.id]
            ).fetchone()[0]
        finally:
            con.close()

    def _version(self) -> str:
        return Path(os.readlink(self.settings.publish_dir / "current")).name

    def iteration(self, number: int, fault: str | None = None) -> Outcome:
        fault = fault or self.rng.choice(FAULTS)
        out = Outcome(number, fault)
        started = time.monotonic()
        logs = self.home.parent / "soak-logs"
        logs.mkdir(exist_ok=True)
        version_before, ledger_before = self._version(), self._ledger_rows()
        if fault in ("kill_refresh", "kill_publish", "changed_release", "two_at_once", "disk_full"):
            self._valid_change()
        elif fault == "corrupt_payload":
            self._corrupt()
        procs: list[tuple[subprocess.Popen, Path, bool]] = []  # (process, log, killed)
        with Readers(self.settings.publish_dir) as readers:
            if fault == "kill_refresh":
                log = logs / f"{number}-refresh.log"
                proc = self._job(log)
                time.sleep(self.rng.uniform(2.0, 40.0))
                finished = proc.poll() is not None  # a fast machine may finish the run before the kill
                self._kill(proc)
                procs.append((proc, log, not finished))
            elif fault == "kill_publish":
                # ingest first (a real run that completes), then a publish killed at a random moment
                log = logs / f"{number}-ingest.log"
                proc = self._start(["-m", "tests.soak", "job", "raw/income_annual"], log)
                proc.wait()
                procs.append((proc, log, False))
                log = logs / f"{number}-publish.log"
                code = (
                    "import sys; from pathlib import Path; from publishing.publish import publish; "
                    "publish(Path(sys.argv[1]), Path(sys.argv[2]))"
                )
                proc = self._start(
                    ["-c", code, str(self.settings.build_db), str(self.settings.publish_dir)], log
                )
                time.sleep(self.rng.uniform(0.5, 6.0))
                finished = proc.poll() is not None
                self._kill(proc)
                procs.append((proc, log, not finished))
            elif fault == "two_at_once":
                pair = [(self._job(logs / f"{number}-{n}.log"), logs / f"{number}-{n}.log") for n in (1, 2)]
                for proc, log in pair:
                    proc.wait()
                    procs.append((proc, log, False))
            elif fault == "disk_full":
                log = logs / f"{number}-diskfull.log"
                proc = self._job(log, fsize=64 * 1024)
                proc.wait()
                procs.append((proc, log, False))
            else:
                log = logs / f"{number}-refresh.log"
                proc = self._job(log)
                proc.wait()
                procs.append((proc, log, False))
        succeeded = any(p.returncode == 0 and not killed for p, _, killed in procs)
        # The guarantees as readers saw them.
        out.reads, out.reader_errors, out.mixes = readers.reads, len(readers.errors), len(readers.mixes)
        out.notes += readers.errors[:3] + readers.mixes[:3]
        version_mid = self._version()
        if version_mid != version_before and not succeeded:
            out.corrupt_publish += 1
            out.notes.append(f"publication changed to {version_mid} without a successful run")
        # Every attempt that ran (not killed, got past the lock into ingestion) is in the ledger.
        attempted = sum(
            1
            for p, log, killed in procs
            if not killed and "raw__income_annual - STEP_START" in log.read_text(errors="replace")
        )
        if self._ledger_rows() < ledger_before + attempted:
            out.unledgered += 1
        self._follow_up(out)
        out.seconds = time.monotonic() - started
        return out

    def _follow_up(self, out: Outcome) -> None:
        """What the next refresh does (sweep, debris, publish a stranded release), then the invariants."""
        import dagster as dg

        from ingestion.lock import RefreshLock, WarehouseBusy
        from orchestration.recovery import IN_PROGRESS, fail_dead_runs
        from publishing.state import loaded_releases, published_releases, unpublished
        from publishing.verify import verify

        os.environ["DAGSTER_HOME"] = str(self.home / "dagster")
        with dg.DagsterInstance.get() as instance:
            out.notes += fail_dead_runs(instance)
        if unpublished(
            loaded_releases(self.settings.build_db), published_releases(self.settings.published_db)
        ):
            log = self.home.parent / "soak-logs" / f"{out.iteration}-follow-up.log"
            proc = self._start(["-m", "tests.soak", "job", "published/kz_inequality"], log)
            proc.wait()
            if proc.returncode != 0:
                out.notes.append(f"follow-up publish failed: {log}")
        stranded = unpublished(
            loaded_releases(self.settings.build_db), published_releases(self.settings.published_db)
        )
        out.stranded = len(stranded)
        with dg.DagsterInstance.get() as instance:
            out.runs_left_started = len(instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS)))
        try:
            with RefreshLock(self.settings.lock_path):
                pass
        except WarehouseBusy:
            out.locks_left = 1
        found = verify(self.settings, rebuild=False)
        out.corrupt_publish += sum(1 for p in found.problems if p.startswith("published:"))
        out.lost_payloads += sum(
            1 for p in found.problems if p.startswith(("landed file", "ledger row without"))
        )
        out.notes += found.problems


def run(home: Path, iterations: int, seed: int, faults: list[str] | None = None) -> list[Outcome]:
    soak = Soak(home, seed)
    outcomes = []
    for number in range(1, iterations + 1):
        fault = faults[(number - 1) % len(faults)] if faults else None
        outcome = soak.iteration(number, fault)
        print(
            f"[{number}/{iterations}] {outcome.fault:<16} {'ok' if outcome.clean else 'VIOLATION'} "
            f"reads={outcome.reads} {outcome.seconds:.0f}s {'; '.join(outcome.notes)[:300]}",
            flush=True,
        )
        outcomes.append(outcome)
    return outcomes


COLUMNS = (
    "reads",
    "reader_errors",
    "mixes",
    "corrupt_publish",
    "lost_payloads",
    "unledgered",
    "stranded",
    "runs_left_started",
    "locks_left",
)


def table(outcomes: list[Outcome], seed: int) -> str:
    per: dict[str, Counter] = {}
    for o in outcomes:
        row = per.setdefault(o.fault, Counter())
        row["iterations"] += 1
        for column in COLUMNS:
            row[column] += getattr(o, column)
        row["seconds"] += o.seconds
    header = ["fault", "iterations", *COLUMNS]
    lines = [
        f"Seed {seed}, {len(outcomes)} iterations, {sum(o.seconds for o in outcomes) / 60:.0f} min "
        f"({time.strftime('%Y-%m-%d')}); every column after `reads` must be 0.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    total = Counter()
    for fault in sorted(per):
        row = per[fault]
        total.update(row)
        lines.append("| " + " | ".join([fault, *(str(row[c]) for c in header[1:])]) + " |")
    lines.append("| **all** | " + " | ".join(str(total[c]) for c in header[1:]) + " |")
    return "\n".join(lines)


def write_doc(doc: Path, text: str) -> None:
    current = doc.read_text(encoding="utf-8") if doc.exists() else ""
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in current:
        current = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n### Chaos soak (`make soak`)\n\n" + block + "\n"
    doc.write_text(current, encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["job"]:
        return job(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tests.soak")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, required=True, help="a built $KZW_HOME (it is modified)")
    parser.add_argument("--write", type=Path, help="write the summary table into this Markdown file")
    args = parser.parse_args(argv)
    outcomes = run(args.home.resolve(), args.iterations, args.seed)
    text = table(outcomes, args.seed)
    print(text)
    if args.write:
        write_doc(args.write, text)
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

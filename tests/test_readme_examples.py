"""Every code block of README.md is run against the session's published build.

Rule (README, "Query the marts"): a fenced block is run according to its language tag, in a temp
directory where ``warehouse`` is the session build (so the README's ``warehouse/published/...`` paths
resolve there, never to the user's ``./warehouse``), in a fresh virtualenv holding only
``requirements.lock`` (the runtime environment ``make run`` creates, not the test extras):

- ``python``: run with that environment's Python;
- ``sql``: run by that environment's DuckDB CLI on an in-memory database;
- ``bash``: run by ``bash -e`` with that environment's ``bin/`` first on PATH;
- a block whose info string also carries ``no-run`` (e.g. ```` ```bash no-run ````: ``make`` targets that
  would rebuild or lint the project) and a block without a language tag (a diagram) are reported as
  skipped with the reason. Any other language tag fails: a new kind of example needs a runner or
  ``no-run``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion.settings import REPO_ROOT

README = REPO_ROOT / "README.md"
NO_RUN = "no-run"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    line: int
    language: str
    flags: tuple[str, ...]
    code: str

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.language or 'text'}"


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    for match in FENCE.finditer(text):
        info = match[1].split()
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(line, info[0] if info else "", tuple(info[1:]), match[2]))
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_one_runnable_example_per_reader():
    runnable = [b for b in BLOCKS if b.language and NO_RUN not in b.flags]
    assert {b.language for b in runnable} == {"python", "sql", "bash"}
    code = "\n".join(b.code for b in runnable)
    for reader in ("duckdb -readonly", "import duckdb", "sqlalchemy", "read_parquet", ".parquet'"):
        assert reader in code, reader


@pytest.fixture(scope="session")
def runtime_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with exactly ``requirements.lock`` installed, as the Makefile's ``.runtime`` step
    does (the project package itself is left out: no example imports it)."""
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    uv = Path(sys.executable).with_name("uv")
    lock = REPO_ROOT / "requirements.lock"
    python = venv / "bin" / "python"
    command = [str(uv), "pip", "install", "--quiet", "--python", str(python), "-r", str(lock)]
    subprocess.run(command, check=True)
    return venv / "bin"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, pipeline_run) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    (folder / "warehouse").symlink_to(pipeline_run.home, target_is_directory=True)
    return folder


def _command(block: Block, bin_dir: Path) -> list[str]:
    if block.language == "python":
        return [str(bin_dir / "python"), "-c", block.code]
    if block.language == "sql":
        return [str(bin_dir / "duckdb"), ":memory:", "-c", block.code]
    if block.language == "bash":
        return ["bash", "-e", "-o", "pipefail", "-c", block.code]
    pytest.fail(f"{block.id}: no runner for language {block.language!r}; tag it `{NO_RUN}` or add one")


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_block_runs(block: Block, request: pytest.FixtureRequest):
    if not block.language:
        pytest.skip(f"{block.id}: no language tag, a text block (diagram), not code")
    if NO_RUN in block.flags:
        pytest.skip(f"{block.id}: marked {NO_RUN}")
    bin_dir = request.getfixturevalue("runtime_env")
    cwd = request.getfixturevalue("workdir")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "VIRTUAL_ENV": str(bin_dir.parent),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        _command(block, bin_dir), cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{block.id} failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.strip(), f"{block.id} printed nothing"
    assert "Error" not in done.stderr, done.stderr

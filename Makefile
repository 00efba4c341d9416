# Kazakhstan regional-inequality warehouse. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export KZW_HOME ?= $(CURDIR)/warehouse
export DAGSTER_HOME ?= $(KZW_HOME)/dagster
export KZW_BUILD_DB ?= $(KZW_HOME)/build/warehouse.duckdb
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
UI_PORT ?= 3000

.PHONY: help setup setup-dev run test ui lint format lock dbt-parse clean report docs bench browser soak

help:
	@echo "make run    - set up, materialize every asset on the embedded snapshot, print a summary"
	@echo "make test   - set up (with test extras) and run the whole pytest suite"
	@echo "make ui     - Dagster webserver + daemon on http://127.0.0.1:$(UI_PORT)"
	@echo "make lint   - ruff and sqlfluff"
	@echo "make soak   - seeded chaos soak (N=100 SEED=1): SIGKILLs, bad payloads, readers; -> docs/reliability.md"
	@echo "make bench  - benchmark harness: prints a table, writes BENCHMARKS.md (BENCH_FULL=1: long version)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.runtime: $(VENV)/bin/python requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(PY) --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(PY) --require-hashes -r requirements-dev.lock
	@touch $@

setup: $(VENV)/.runtime dbt-parse
setup-dev: $(VENV)/.dev dbt-parse browser

# Headless Chromium for the report's browser test: installed (apt, as root or passwordless sudo) where
# missing and allowed; otherwise a clear message and that one test skips.
browser:
	@.ci/install-chromium

# The echo: `make run` shows a line at once, not after the parse (tens of seconds on a busy machine).
dbt-parse:
	@echo "parsing the dbt project (manifest for Dagster) ..."
	@$(BIN)/dbt parse --quiet --project-dir $(CURDIR)/dbt_project --profiles-dir $(CURDIR)/dbt_project

run: setup
	$(PY) -m orchestration.cli run

test: setup-dev
	$(PY) -m pytest

# Static HTML report (charts + map, works offline) of the PUBLISHED marts -> $(KZW_HOME)/published/report.html
report: setup
	$(PY) -m reporting

# dbt docs site -> $(KZW_HOME)/dbt_docs/static_index.html (one file: open it in a browser, no server).
# The catalog is read from the build database, so run it when no refresh is running.
docs: setup
	@test -f "$(KZW_BUILD_DB)" || { echo "no build database at $(KZW_BUILD_DB): run 'make run' first"; exit 1; }
	$(BIN)/dbt docs generate --static --quiet --project-dir $(CURDIR)/dbt_project --profiles-dir $(CURDIR)/dbt_project \
		--target-path $(KZW_HOME)/dbt_docs
	@echo "dbt docs: $(KZW_HOME)/dbt_docs/static_index.html"

# Benchmark harness (measurements, not tests): refresh stages vs a bare dbt build, the no-op check, and the
# inequality SQL at scale vs PySAL and a DuckDB scan. Scratch warehouses in a temp dir; writes BENCHMARKS.md.
bench: setup-dev
	$(PY) -m bench

# Chaos soak: a full refresh into a scratch $KZW_HOME, then N seeded fault iterations against it; the summary
# table goes to docs/reliability.md. Exit 1 when an invariant broke.
N ?= 100
SEED ?= 1
soak: setup-dev
	@home=$$(mktemp -d)/home && \
	KZW_HOME=$$home DAGSTER_HOME=$$home/dagster KZW_BUILD_DB=$$home/build/warehouse.duckdb \
		$(PY) -m orchestration.cli run > $$home.build.log 2>&1 && \
	$(PY) -m tests.soak --iterations $(N) --seed $(SEED) --home $$home --write docs/reliability.md

ui: setup
	$(PY) -m orchestration.cli init-instance
	$(BIN)/dagster dev --host 127.0.0.1 --port $(UI_PORT) --workspace workspace.yaml

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project

format: setup-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the pinned lock files from pyproject.toml (needs the package index), with the sha256 of every
# artifact: setup installs with --require-hashes, so a tampered or swapped wheel is refused.
lock: $(VENV)/bin/python
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --extra dev --extra spark pyproject.toml -o requirements-dev.lock

clean:
	rm -rf dbt_project/target dbt_project/logs

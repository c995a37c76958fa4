# Emporium: `make run` starts the shop, `make test` runs every test. Both bootstrap what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run seed test lint unit integration e2e venv chromium wrk clean help bench

help:
	@echo "make run    start web + worker (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set)"
	@echo "make seed   add demo data: accounts (development) and PRODUCTS generated products (default 200)"
	@echo "make test   lint, architecture contracts, type checks, unit, integration, BDD and e2e tests"

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python python3
	touch $@

venv: $(VENV)/.synced

chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The e2e tests need /usr/bin/chromium: run 'sudo apt-get install chromium' (browser downloads do not work here)."; \
		exit 1; \
	fi

run: venv
	$(PY) -m app.cli run

seed: venv
	$(PY) -m app.cli seed --products $(or $(PRODUCTS),200)

lint: venv
	$(VENV)/bin/ruff check app tests e2e $(wildcard bench) conftest.py piccolo_conf.py
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

unit: venv
	$(PY) -m pytest tests/unit

integration: venv
	$(PY) -m pytest tests/integration tests/features

e2e: venv chromium
	$(PY) -m pytest e2e

# Every test: first in parallel (pytest-xdist, TEST_WORKERS processes, each on its own copy of the test
# database: docs/adr/0016-parallel-tests-one-database-per-worker.md), then the `serial` ones alone.
TEST_WORKERS ?= 2
test: venv chromium lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist load -m "not serial" tests e2e
	$(PY) -m pytest -m serial tests e2e

# The read scenarios use Debian's wrk (installed here when root, as `chromium` does); without it the
# bench falls back to its httpx load generator and says so.
wrk:
	@if command -v wrk >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's wrk for the read benchmarks…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "No wrk: the bench uses its httpx load generator (run 'sudo apt-get install wrk' for wrk)."; \
	fi

bench: venv wrk
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf .data/test

# Tillit — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: setup browser run test bench lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,st]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the browser smoke test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "could not install chromium: the browser test will skip"; \
	  else echo "chromium not installed and not root: the browser test will skip"; fi; }

run: setup
	$(BIN)/tillit init
	$(BIN)/tillit demo
	$(BIN)/tillit classify
	$(BIN)/tillit dashboard --host 127.0.0.1 --port $(PORT)

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/classify_bench.py
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/browser_bench.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache data/models data/exports
	rm -f data/tillit.duckdb data/tillit.duckdb.wal
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

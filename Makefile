# Set-up on a fresh machine is `make run` (the demo) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST := $(BIN)/pytest -p no:cacheprovider
COMPAT := .venv-compat
# Real Statuspage consumers, each in a venv of its own (statuscheck pins an old httpx).

.PHONY: install compat run test test-sqlite test-postgres lint fix docs tour bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(COMPAT)/.stamp: Makefile
	rm -rf $(COMPAT)
	$(PYTHON) -m venv $(COMPAT)/statuscheck
	$(COMPAT)/statuscheck/bin/pip install --quiet statuscheck==3.11.0
	$(PYTHON) -m venv $(COMPAT)/exporter
	$(COMPAT)/exporter/bin/pip install --quiet statuspage-prometheus-exporter==2.6.0
	touch $@

compat: $(COMPAT)/.stamp  ## the real Statuspage clients the compatibility tests run

run: install  ## the control center on SQLite, seeded with the demo shop, at http://127.0.0.1:8000
	$(BIN)/trustops demo

test: lint test-sqlite test-postgres  ## lint, then the whole suite on SQLite and on PostgreSQL

test-sqlite: install compat
	$(PYTEST) --cov=trustops --cov-report=term:skip-covered

test-postgres: install compat
	TRUSTOPS_TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST) -m "not browser and not engine"

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/cog --check -I src docs/cli.md docs/configuration.md docs/auth.md

fix: install
	$(BIN)/ruff check --fix src tests $(wildcard bench)
	$(BIN)/ruff format src tests $(wildcard bench)
	$(BIN)/cog -r -I src docs/cli.md docs/configuration.md docs/auth.md

docs: fix

tour: install  ## the docs' screenshot tour (docs/tour.md, docs/tour/*.jpg), taken from the demo in Chromium
	TRUSTOPS_DOCS_DIR=docs $(PYTEST) -m browser tests/web/test_tour_browser.py -k docs_tour

bench: install  ## every bench/*.py script; results go in bench/RESULTS.md
	@set -e; for script in bench/*.py; do [ -e "$$script" ] || { echo "no benchmarks in bench/"; break; }; \
		echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) $(COMPAT) trustops.db* trustops-demo.db* trustops-demo-events.csv.gz .coverage

# Przystań — the README's commands. Every target is safe to run again; a second run is fast.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export LOGISTICS_DATABASE_URL ?= sqlite+aiosqlite:///var/logistics.db

.PHONY: install setup setup-test run test test-sqlite test-postgres test-browser lint check-migrations bench clean translations

## install: virtualenv, package, front-end packages, translations — no database changes (production)
install: $(VENV)/.installed static/vendor/.copied translations var/.keep

## setup: install, migrations, and the demo data when the database is empty
setup: install
	$(BIN)/logistics database upgrade --no-prompt
	$(BIN)/logistics seed demo --if-empty

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/.copied: node_modules/.package-lock.json scripts/vendor.sh
	bash scripts/vendor.sh
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d src/logistics/translations -D messages

var/.keep:
	mkdir -p var && touch $@

## run: set up and serve on http://$(HOST):$(PORT)
run: setup
	$(BIN)/logistics serve --host $(HOST) --port $(PORT)

## test: lint, type-check, migrations check, tests on SQLite and PostgreSQL, browser tests
test: setup-test lint check-migrations test-sqlite test-postgres test-browser

setup-test: $(VENV)/.installed-test static/vendor/.copied translations var/.keep

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src

check-migrations: $(VENV)/.installed-test
	rm -f var/migration-check.db*
	LOGISTICS_DATABASE_URL=sqlite+aiosqlite:///var/migration-check.db $(BIN)/logistics database upgrade --no-prompt
	LOGISTICS_DATABASE_URL=sqlite+aiosqlite:///var/migration-check.db $(BIN)/logistics database check
	rm -f var/migration-check.db*

# Each suite runs on every CPU core (pytest-xdist; a module's tests stay on one worker, and each worker has a
# database of its own). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile

test-sqlite: setup-test
	LOGISTICS_TEST_DB=sqlite $(BIN)/pytest -q -m "not browser" -p no:cacheprovider $(PYTEST_PARALLEL)

test-postgres: setup-test
	bash scripts/with-postgres.sh $(BIN)/pytest -q -m "not browser" -p no:cacheprovider $(PYTEST_PARALLEL)

test-browser: setup-test
	bash scripts/ensure-chromium.sh
	LOGISTICS_TEST_DB=sqlite $(BIN)/pytest -q -m browser -p no:cacheprovider

## bench: the benchmarks under benchmarks/ (figures go to benchmarks/RESULTS.md by hand)
bench: setup-test
	bash scripts/with-postgres.sh $(BIN)/python benchmarks/run.py

## translations-update: extract messages and merge them into the catalogs (run after changing UI text)
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _l -k gettext -k ngettext:1,2 -o src/logistics/translations/messages.pot --no-location --sort-output --omit-header --no-wrap --project=Przystan .
	$(BIN)/pybabel update -i src/logistics/translations/messages.pot -d src/logistics/translations -D messages --ignore-obsolete --no-wrap --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules static/vendor

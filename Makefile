# erpsync: `make demo` and `make test` are the two commands a user needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test test-all lint format services browser screenshots translations venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

services:
	./scripts/ensure-services.sh

browser:
	./scripts/ensure-browser.sh

demo: venv
	$(BIN)/erpsync demo

test: venv services browser
	$(BIN)/ruff check .
	$(BIN)/erpsync mappings check --offline mappings
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-all: venv services browser
	$(BIN)/ruff check .
	$(BIN)/erpsync mappings check --offline mappings
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/erpsync mappings check --offline mappings
	$(BIN)/ruff format --check . || true

format: venv
	$(BIN)/ruff check --fix .

# photographs of the admin panel for the README (Debian's chromium, a throw-away SQLite database)
screenshots: venv browser
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

# extract, update and compile the panel's translations (erpsync/admin/translations)
translations: venv
	./scripts/translations.sh

clean:
	rm -rf $(VENV) erpsync.db erpsync.db-* feeds .pytest_cache

# erpsync: `make demo` and `make test` are the two commands a user needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test test-all lint format services venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

services:
	./scripts/ensure-services.sh

demo: venv
	$(BIN)/erpsync demo

test: venv services
	$(BIN)/ruff check .
	$(BIN)/erpsync mappings check --offline mappings
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-all: venv services
	$(BIN)/ruff check .
	$(BIN)/erpsync mappings check --offline mappings
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/erpsync mappings check --offline mappings
	$(BIN)/ruff format --check . || true

format: venv
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) erpsync.db erpsync.db-* feeds .pytest_cache

# Two commands do everything: `make run` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POSTGRES_URL ?= $(or $(VSM_TEST_POSTGRES_URL),postgresql+asyncpg://postgres@127.0.0.1:5432/test)
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vsm db upgrade
	$(BIN)/vsm bootstrap
	$(BIN)/vsm serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	@echo "== test suite on SQLite =="
	VSM_TEST_DATABASE_URL= $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if $(BIN)/python -m tests.postgres_available "$(POSTGRES_URL)"; then \
		echo "== test suite on PostgreSQL =="; \
		VSM_TEST_DATABASE_URL="$(POSTGRES_URL)" $(BIN)/pytest -n 2 $(PYTEST_ARGS); \
	else \
		echo "!! PostgreSQL is not reachable at $(POSTGRES_URL): SKIPPING the PostgreSQL run"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench.http_read

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

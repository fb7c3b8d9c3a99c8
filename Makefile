# Two commands do everything: `make run` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POSTGRES_URL ?= $(or $(VSM_TEST_POSTGRES_URL),postgresql+asyncpg://postgres@127.0.0.1:5432/test)
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test browser test-sqlite test-postgres fuzz fuzz-sqlite fuzz-postgres lint format bench clean

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

# The stages of `make test`, in order; "a+b" runs a and b at once. Every stage runs
# even when an earlier one failed, the summary at the end gives each one's outcome, and
# `make test` fails if any failed (tests/stages.sh). A stage is any target here; one that
# decides to skip itself writes "<stage> SKIPPED: why" into $(TEST_SUMMARY) and exits 0.
TEST_STAGES ?= lint test-sqlite test-postgres fuzz-sqlite+fuzz-postgres
TEST_SUMMARY ?=

test: $(STAMP)
	@sh tests/stages.sh "$(MAKE)" $(TEST_STAGES)

# The readout's browser test draws it in Debian's chromium; without one it is skipped.
# BROWSER_SETUP= leaves the machine as it is.
BROWSER_SETUP ?= browser

browser:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "== installing Debian's chromium for the browser tests =="; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
				>/dev/null; } || echo "!! could not install chromium: the browser tests will skip"; \
		else \
			echo "!! no /usr/bin/chromium and no way to install it: the browser tests will skip"; \
		fi; }

# Two workers that steal queued tests from each other, so neither idles while the other
# finishes a run of slow ones (about 20 s less per database than plain -n 2).
test-sqlite: $(STAMP) $(BROWSER_SETUP)
	@echo "== test suite on SQLite =="
	VSM_TEST_DATABASE_URL= $(BIN)/pytest -n 2 --dist worksteal $(PYTEST_ARGS)

test-postgres: $(STAMP) $(BROWSER_SETUP)
	@if $(BIN)/python -m tests.postgres_available "$(POSTGRES_URL)"; then \
		echo "== test suite on PostgreSQL =="; \
		VSM_TEST_DATABASE_URL="$(POSTGRES_URL)" $(BIN)/pytest -n 2 --dist worksteal $(PYTEST_ARGS); \
	else \
		echo "!! PostgreSQL is not reachable at $(POSTGRES_URL): SKIPPING the PostgreSQL run"; \
		if [ -n "$(TEST_SUMMARY)" ]; then \
			echo "test-postgres SKIPPED: PostgreSQL is not reachable at $(POSTGRES_URL)" \
				>> "$(TEST_SUMMARY)"; \
		fi; \
	fi

# Schemathesis over every REST operation of a running server (tests/fuzz.py).
FUZZ_ARGS ?=

fuzz: fuzz-sqlite fuzz-postgres

fuzz-sqlite: $(STAMP)
	@echo "== schemathesis on SQLite =="
	$(BIN)/python -m tests.fuzz $(FUZZ_ARGS)

fuzz-postgres: $(STAMP)
	@if $(BIN)/python -m tests.postgres_available "$(POSTGRES_URL)"; then \
		echo "== schemathesis on PostgreSQL =="; \
		$(BIN)/python -m tests.fuzz --database-url "$(POSTGRES_URL)" $(FUZZ_ARGS); \
	else \
		echo "!! PostgreSQL is not reachable at $(POSTGRES_URL): SKIPPING the PostgreSQL fuzzing"; \
		if [ -n "$(TEST_SUMMARY)" ]; then \
			echo "fuzz-postgres SKIPPED: PostgreSQL is not reachable at $(POSTGRES_URL)" \
				>> "$(TEST_SUMMARY)"; \
		fi; \
	fi

# Types are checked by mypy as configured in pyproject.toml (strict; see [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark on SQLite, then PostgreSQL (see bench/README.md); `make bench
# BENCH="portfolio large_maps"` runs those only. http_read needs wrk.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; \
		else \
			echo "!! http_read needs wrk: install it with 'sudo apt-get install wrk'"; \
		fi; }
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

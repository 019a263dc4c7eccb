# One command surface for developers and CI.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck bench clean browser test-lowest lock

# Bytecode of the package's own modules, as pip writes it for a regular install: an
# editable install leaves it to the interpreter, which skips it where PYTHONDONTWRITEBYTECODE
# is set (then every command recompiles the modules it imports: 0.15-0.2 s of
# `smartvote forensics FILE`). Files changed later are compiled in memory as usual.
BYTECODE = $(BIN)/python -m compileall -q src >/dev/null

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BYTECODE)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/smartvote demo

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will skip"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) browser lint typecheck
	$(BIN)/pytest -q

# The fast lane while working: no real data, no browser, nothing marked slow (README).
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

# The lowest dependency versions pyproject.toml allows (constraints/lowest.txt), in their
# own venv; CI runs it beside `make test` (the newest versions the upper bounds allow).
LOWEST := .venv-lowest
$(LOWEST)/.installed: pyproject.toml constraints/lowest.txt
	rm -rf $(LOWEST)
	$(PY) -m venv $(LOWEST)
	$(LOWEST)/bin/pip install -q --upgrade pip
	$(LOWEST)/bin/pip install -q -c constraints/lowest.txt -e '.[dev]'
	touch $@

test-lowest: $(LOWEST)/.installed
	$(LOWEST)/bin/pytest -q -p no:cacheprovider tests/io tests/hostile tests/web tests/assess

# Pinned runtime versions for the demo and the server (requirements/server.lock).
lock: $(STAMP)
	$(BIN)/python requirements/lock.py

bench: $(STAMP)
	@$(BYTECODE)
	@for f in benchmarks/[!_]*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(LOWEST) .pytest_cache .mypy_cache .ruff_cache smartvote.duckdb demo-output

# The two commands a newcomer needs: `make demo` and `make test`. Everything installs into .venv.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
DATA    := $(CURDIR)/data
export DAGSTER_HOME ?= $(DATA)/dagster_home
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install demo test test-fast lint ui bench clean-data

# the C extension is built by the install too: a changed C source re-runs it
$(STAMP): pyproject.toml hunt_assets/analytics/dns/_native.c
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PY=python3.11)")'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: install, build the sample tenant, materialize every asset for the sample days, print a summary
demo: install
	$(BIN)/hunt-assets demo

## make test: ruff + pytest, including the browser test of the UI (what CI runs; CI installs Debian's chromium)
test: install lint
	@if [ -n "$$CI" ]; then bash scripts/ensure-chromium.sh; fi
	$(BIN)/python -m pytest

## make test-fast: everything but the ~80 s browser test
test-fast: install lint
	$(BIN)/python -m pytest -m "not browser"

lint: install
	$(BIN)/ruff check hunt_assets hunt_assets_tests bench

## make ui: the Dagster UI on http://127.0.0.1:3000 with the demo's persistent instance
ui: install
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || $(BIN)/python -c 'from pathlib import Path; from hunt_assets.instance import ensure_dagster_home; ensure_dagster_home(Path("$(DATA)"))'
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean-data:
	rm -rf $(DATA)

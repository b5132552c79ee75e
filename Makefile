# Two commands set everything up: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# uv installs from uv.lock, so a fresh clone gets the versions that were tested; uv itself is pinned
# and lives in its own small environment (uv sync removes anything from .venv that the lock lacks)
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
UV_SYNC := $(UV) sync --locked --python $(PYTHON)
ROOTCAUSES_DATA ?= $(abspath ../shared/data)
export ROOTCAUSES_DATA
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install build test lint format bench lock clean i18n

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --extra dev
	touch $@

install: $(BIN)/.installed

build: install
	@if [ -d "$(ROOTCAUSES_DATA)" ]; then \
	  echo "building the store from the snapshot in $(ROOTCAUSES_DATA)"; \
	  $(BIN)/rootcauses data build; \
	  $(BIN)/rootcauses tracker import --on-existing skip > /dev/null; \
	  $(BIN)/rootcauses tracker export --to-store; \
	else \
	  echo "no snapshot at $(ROOTCAUSES_DATA): downloading the official files (internet needed)"; \
	  $(BIN)/rootcauses data pull; \
	  $(BIN)/rootcauses data build --from-cache --skip-missing; \
	fi
	@# the first run: driver models, forecasts and the policy lab's what-ifs, once per build
	$(BIN)/rootcauses prepare

run: build
	$(BIN)/rootcauses serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/pytest

# lint also type-checks (mypy, configured in pyproject.toml); `make test` does not, since a
# cold mypy run takes minutes here
lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: install
	$(UV_SYNC) --extra dev --extra bench
	$(BIN)/python bench/run.py

# translations: extract the marked strings, merge them into each language's .po, compile the .mo
# (committed, so a fresh clone needs no build step); translate what is new before committing
i18n: install
	PYBABEL=$(BIN)/pybabel scripts/i18n.sh

# upgrade the pinned versions on purpose, then run `make test` and commit uv.lock
lock: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

clean:
	rm -rf $(VENV) $(TOOLS) .rootcauses .pytest_cache .ruff_cache .mypy_cache

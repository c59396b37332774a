# Essaim — two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint bench install install-dev clean

# Each stamp is rebuilt only when pyproject.toml changes, so a second install costs nothing.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(PIP) install -e '.[dev,bench]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/essaim demo --dir demo-output

test: $(VENV)/.installed-dev
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/hot_path.py
	$(BIN)/python benchmarks/far_ahead.py
	$(BIN)/python benchmarks/ceiling.py
	$(BIN)/python benchmarks/answer_ceiling.py
	$(BIN)/python benchmarks/aggregation.py
	$(BIN)/python benchmarks/aggregation.py --whole-process --classes 4 --repeat 3
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/replay.py --backend both
	$(BIN)/python benchmarks/cli_speed.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache .mypy_cache

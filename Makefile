# Two commands a new user needs: `make demo` and `make test`. Both build .venv from scratch.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test screenshots lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,interop,bench]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/batterycarbon overview --chart out/footprint-by-component.png

test: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/python -m pytest

# Regenerates docs/screenshots/ from the browser tests (a plain test run writes them to /tmp).
screenshots: $(VENV)/.installed
	BATTERYCARBON_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/web/test_web_browser.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

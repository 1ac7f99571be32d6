# aelib course. Two commands do everything, set-up included:
#   make course   — set up, fetch + verify data, execute every lesson, build the course's site: build/course/index.html
#   make test     — set up, fetch + verify data, ruff + import layers, unit tests, nbval over every notebook
#                   (twice: as is, and on another float path); NBVAL_EXACT=1 compares exactly, on this float path only
# After a change, first: make check (ruff, the import layers and every test that runs no lesson and starts no
#       browser: offline, a few minutes once `make data` has run). CI runs make test.
# Also: make docs (the site from the stored outputs, in seconds; = make course SITE_ONLY=1), make lab (JupyterLab),
#       make data, make notebooks (refresh stored outputs), make student (classroom copies), make bench,
#       make translations (the Chinese catalogues in locale/ after an English change), make lab-zh (Chinese notebooks).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.aelib-installed

.PHONY: setup data course docs webjs check test lab lab-zh notebooks lint chromium student bench translations clean
.DEFAULT_GOAL := help

help:
	@sed -n '2,9p' Makefile | sed 's/^# \{0,1\}//'

# Re-installs only when the lock file or pyproject.toml changed since the last install. The bytecode is compiled
# after pip, on every core (pip compiles one file at a time: a third of the install's time); a Python run with
# PYTHONDONTWRITEBYTECODE would otherwise recompile torch on every start. Like pip, it skips the few files written
# for a newer Python (torch's testing/_internal/py312_intrinsics.py), hence the `|| true`.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@
	@echo "set-up done: $(VENV) holds the packages of requirements.lock and aelib"

setup: $(STAMP)

data: setup
	$(BIN)/python -m aelib data fetch --all

ifdef SITE_ONLY
course: docs
else
course: data webjs
	$(BIN)/python -m aelib course
endif

# The site from the outputs stored in notebooks/: nothing is executed (aelib/tools/book.py, docs/book/conf.py).
docs: setup webjs
	$(BIN)/python -m aelib book

# The widget manager the site's pages draw widgets with (aelib/tools/vendor.py): fetched once from the npm registry,
# checked against its pinned sha512. Offline it says so and the site shows widgets as text.
webjs: setup
	@$(BIN)/python -m aelib book fetch

notebooks: data
	$(BIN)/python -m aelib course --inplace

# ruff (code and notebooks), then the layers of aelib (pyproject.toml [tool.importlinter]; docs/architecture.md).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# nbval compares cells tagged nbval-approx within their measured tolerance (tests/nbval_approx.py), the rest exactly.
# The second pass re-runs every lesson on other float32 kernels (the "aten" path of benchmarks/float_paths.py: it moves
# every lesson that trains, the most of any path measured for 03, 04 and 06, at 1.3x the time), with checkpoints of
# its own, against the same stored outputs: what another CPU would do to them.
NBVAL      := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg $(if $(NBVAL_EXACT),--nbval-exact)
FLOAT_PATH := ATEN_CPU_CAPABILITY=default

# The contributor's loop: no lesson executed, no browser, no network (pyproject.toml's markers; `make data` first).
check: lint
	$(BIN)/python -m pytest -p no:cacheprovider -m "not lessons and not browser and not network" tests

# After each lesson, nbval also runs its student copy's exercise cells in the lesson's kernel (tests/nbval_student.py).
# The second pass leaves out the lessons that print no number from training (no cell tagged nbval-approx): nothing
# in them can move on another float path.
test: data lint chromium webjs
	$(BIN)/python -m pytest -p no:cacheprovider $(NBVAL) tests notebooks
ifndef NBVAL_EXACT
	@echo "nbval, second pass: the lessons on another float path ($(FLOAT_PATH))"
	@ck=$$(mktemp -d) && trap 'rm -rf "$$ck"' EXIT && \
	  env $(FLOAT_PATH) AELIB_CHECKPOINTS="$$ck" $(BIN)/python -m pytest -p no:cacheprovider $(NBVAL) \
	  --nbval-trained-only notebooks
endif

# The browser test drives Debian's Chromium (no browser download), with a Chinese font for the Chinese pages (a
# desktop has one; a bare CI image does not, and its screenshots would show boxes). Installed here when missing and
# we are root; otherwise the test says how to install Chromium and skips.
chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || [ "$$(id -u)" != 0 ] || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei; }; }
	@command -v chromium >/dev/null || echo "chromium not installed (needs root: sudo apt-get install chromium)"

# Student copies (solutions stubbed, hidden tests and outputs removed) and the teacher guide, in build/student/.
student: setup
	$(BIN)/python -m aelib student

# The Chinese edition's catalogues (aelib/tools/i18n.py): a changed English unit's entry is marked fuzzy with the
# old English beside it, a new one added empty, a gone one removed; then it lists what the translator must do.
translations: setup
	$(BIN)/python -m aelib translations

bench: data
	$(BIN)/python -m aelib bench

# jupyter/jupyter_server_config.json: the kernels' messages encrypted (so ipykernel does not warn that they are not).
lab: data
	$(BIN)/jupyter lab --config=jupyter/jupyter_server_config.json notebooks

# The lessons in Chinese: written from the stored notebooks and the catalogues in locale/ (nothing executed).
lab-zh: data
	$(BIN)/python -m aelib book notebooks
	$(BIN)/jupyter lab --config=jupyter/jupyter_server_config.json build/zh/notebooks

clean:
	rm -rf build .pytest_cache .ruff_cache

# kulturplan — the two commands: `make start` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: start serve test lab install clean lint bench demo-data lock

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Installs exactly the versions pinned in requirements.lock (refresh with `make lock`).
# An editable install skips pyproject's data-files, so the Voilà template is linked into
# the environment's share/jupyter (where `voila dashboards/` finds it without JUPYTER_PATH).
$(STAMP): pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[test]"
	mkdir -p $(VENV)/share/jupyter/voila/templates
	ln -sfn $(CURDIR)/share/jupyter/voila/templates/kulturplan \
	    $(VENV)/share/jupyter/voila/templates/kulturplan
	touch $(STAMP)

# The front end's chunks in one file (kulturplan/frontend.py), from the installed files.
install: $(STAMP)
	@$(PY) -m kulturplan.frontend

# Serves only on this computer (127.0.0.1); `make start HOST=0.0.0.0` only behind a
# protection of your own — the dashboards have no password.
start: install
	@echo ""
	@echo "  Kulturplan-Dashboards: http://localhost:$(PORT)/"
	@echo "  (Beenden mit Strg+C)"
	@echo ""
	$(VENV)/bin/voila --port=$(PORT) --no-browser --Voila.ip=$(HOST) dashboards/

# Shared mode for a network (README, "Im Netz des Kreises teilen"): needs the password in
# KULTURPLAN_TOKEN (or TOKEN_FILE=...), refuses to start without one.
BASE_URL ?= /
serve: install
	$(VENV)/bin/kulturplan serve --host=$(HOST) --port=$(PORT) --base-url=$(BASE_URL) \
	    $(if $(TOKEN_FILE),--token-file=$(TOKEN_FILE))

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lab: install
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[test,lab]"
	$(VENV)/bin/jupyter lab notebooks/

lint: install
	$(VENV)/bin/ruff check kulturplan tests benchmarks notebooks dashboards
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

demo-data: install
	$(PY) -m kulturplan.demo data/musterland --kalender data/kalender

# Re-resolve all dependencies (runtime, test, lab) from pyproject.toml into requirements.lock.
lock: | $(PY)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --all-extras --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
	    --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

# kulturplan — the two commands: `make start` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866
STAMP  := $(VENV)/.installed

.PHONY: start test lab install clean lint bench demo-data

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

start: install
	@echo ""
	@echo "  Kulturplan-Dashboards: http://localhost:$(PORT)/"
	@echo "  (Beenden mit Strg+C)"
	@echo ""
	JUPYTER_PATH=$(CURDIR)/share/jupyter $(VENV)/bin/voila --port=$(PORT) --no-browser --Voila.ip=0.0.0.0 dashboards/

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lab: install
	$(VENV)/bin/jupyter lab notebooks/

lint: install
	$(VENV)/bin/ruff check kulturplan tests benchmarks

bench: install
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

demo-data: install
	$(PY) -m kulturplan.demo data/musterland

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

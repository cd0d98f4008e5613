# The two set-up commands of the README: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-only install bench

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q -e ".[server,agent]"

## Start taskloom on embedded defaults (SQLite in the user data dir, demo data).
demo: install
	$(VENV)/bin/taskloom demo

## Install everything (Python and Debian packages), lint, type-check and run the test suite.
test:
	bash .ci/run

## The test suite alone, in an environment that is already installed.
test-only:
	$(PY) -m pytest -q

## The benchmarks against their peers (pm4py, plain driver inserts, an idle baseline).
bench:
	for b in tests/bench/bench_*.py; do $(PY) $$b || exit 1; done

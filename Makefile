# `make run` / `make test` set everything up from scratch: a .venv with pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench reproduce clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	-$(PY) -m pip install --quiet torch==2.13.0
	$(PY) benchmarks/engine_speed.py

reproduce: $(STAMP)
	$(PY) benchmarks/reproduce_1986.py

clean:
	rm -rf $(VENV) build *.egg-info

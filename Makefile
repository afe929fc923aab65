# `make run` / `make test` set everything up from scratch: a .venv with pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TORCH_STAMP := $(VENV)/.torch-stamp

.PHONY: run test bench startup frames reproduce clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# PyTorch (the CPU build lies on disk on these machines) is only a yardstick: the export
# and benchmark checks compare against it. Without it those tests skip and say why.
$(TORCH_STAMP): $(STAMP)
	-$(PY) -m pip install --quiet torch==2.13.0 || echo "PyTorch not installed: its comparisons will be skipped"
	touch $(TORCH_STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP) $(TORCH_STAMP)
	$(VENV)/bin/lint-imports  # layering contracts in pyproject.toml
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP) $(TORCH_STAMP)
	$(PY) benchmarks/engine_speed.py
	$(PY) benchmarks/rules_speed.py
	$(PY) benchmarks/csv_load.py
	$(PY) benchmarks/window_frames.py

# the window at full speed: fps, UI-timer p99 and training speed kept (frames-only: make frames)
frames: $(STAMP)
	$(PY) benchmarks/window_frames.py

# launch to the first frame with the default network drawn (median of 5; last line first_frame_s=X)
startup: $(STAMP)
	$(PY) benchmarks/startup.py

reproduce: $(STAMP)
	$(PY) benchmarks/reproduce_1986.py

clean:
	rm -rf $(VENV) build *.egg-info

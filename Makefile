# segment_lib — every target creates the environment if it is missing.
#   make report   the main job: the parameterized segment report, end to end, HTML under reports/out/
#   make test     every test: unit, notebooks, export sync, fresh imports, report smoke runs
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Hermetic Jupyter/matplotlib state: no writes to $HOME, same behaviour on every machine.
HERMETIC := $(CURDIR)/.jupyter_hermetic
export IPYTHONDIR := $(HERMETIC)/ipython
export JUPYTER_CONFIG_DIR := $(HERMETIC)/config
export JUPYTER_DATA_DIR := $(HERMETIC)/data
export JUPYTER_RUNTIME_DIR := $(HERMETIC)/runtime
export MPLCONFIGDIR := $(HERMETIC)/mpl
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

DATA ?= synthetic
OUT ?= reports/out
ARGS ?=

.PHONY: env report report-uci test test-fast export outputs clean-nbs lint bench clean

env: $(VENV)/.installed

# torch first: the pinned CPU wheel satisfies the requirement, so pip never pulls a CUDA build.
$(VENV)/.installed: settings.ini setup.py constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,spark,deep]"
	touch $@

report: env
	$(BIN)/segment-lib report --data $(DATA) --out $(OUT) $(ARGS)

report-uci: env
	$(BIN)/segment-lib report --data uci --out reports/out_uci $(ARGS)

test: env
	env -u IN_TEST $(BIN)/python -m pytest tests -q $(ARGS)

test-fast: env
	env -u IN_TEST $(BIN)/python -m pytest tests -q -m "not slow" $(ARGS)

export: env
	$(BIN)/python tools/readme.py
	env -u IN_TEST $(BIN)/nbdev_export
	$(BIN)/nbdev_clean

# Execute the notebooks and keep their outputs (after `make export`; tests fail when outputs are stale).
outputs: env
	env -u IN_TEST $(BIN)/python tools/run_nbs.py $(NBS)
	$(BIN)/nbdev_clean

lint: env
	$(BIN)/ruff check segment_lib

bench: env
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf reports/out reports/out_uci tests/out $(HERMETIC)

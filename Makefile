PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps record what was installed, so each target installs once and re-installs when
# pyproject.toml changes.
# The demo draws a PNG: it installs the plot extra (matplotlib); the test extra includes it.
$(VENV)/.installed-plot: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-plot

demo: $(VENV)/.installed-plot
	$(BIN)/boostobj demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

benchmark: $(VENV)/.installed-plot
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV) build *.egg-info boostobj-out

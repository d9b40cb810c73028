PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test docs benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps record what was installed, so each target installs once and re-installs when
# pyproject.toml or the compiled kernels' sources change (the install compiles them).
# The demo draws a PNG: it installs the plot extra (matplotlib); the test extra includes it.
$(VENV)/.installed-plot: pyproject.toml setup.py boostobj/_kernels.pyx | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py boostobj/_kernels.pyx | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-plot

$(VENV)/.installed-docs: pyproject.toml setup.py boostobj/_kernels.pyx | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@ $(VENV)/.installed-plot

demo: $(VENV)/.installed-plot
	$(BIN)/boostobj demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# The documentation site, warnings as errors (a broken reference or docstring fails it).
docs: $(VENV)/.installed-docs
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

benchmark: $(VENV)/.installed-plot
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV) build *.egg-info boostobj-out docs/_build boostobj/_kernels.c boostobj/_kernels.*.so

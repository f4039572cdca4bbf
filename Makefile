# The two commands a newcomer needs: `make demo` and `make test`.
# Each installs into .venv what it runs (see the extras in pyproject.toml):
#   demo   the service and the embedded PostgreSQL  .[embedded]
#   test   that, and the test tools                 .[embedded,test]
#   bench  that, and panoramisk for comparison      .[embedded,bench]
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

EXTRAS_demo  := embedded
EXTRAS_test  := embedded,test
EXTRAS_bench := embedded,bench

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-%: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS_$*)]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/cti demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/acd_bench.py
	$(BIN)/python bench/ami_bench.py

clean:
	rm -rf $(VENV) var build *.egg-info

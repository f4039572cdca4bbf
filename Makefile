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

.PHONY: demo test browser-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-%: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS_$*)]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/cti demo

# Three workers: most tests wait on sockets, subprocesses and timers, so on two
# cores the suite takes about half the time of one process.
test: $(VENV)/.installed-test browser-deps
	$(BIN)/python -m pytest -n 3

# The browser tests (tests/browser) drive Debian's chromium: browsers that download
# themselves fail here. As root (CI on a fresh Debian machine) install it when it is
# missing; otherwise those tests skip saying how to install it (and fail under CI=true).
APT_BROWSER := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	chromium chromium-driver >/dev/null
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing Debian's chromium and chromium-driver for the browser tests"; \
	    $(APT_BROWSER) 2>/dev/null || { apt-get update -qq >/dev/null && $(APT_BROWSER); }; \
	  fi; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/acd_bench.py
	$(BIN)/python bench/ami_bench.py

clean:
	rm -rf $(VENV) var build *.egg-info

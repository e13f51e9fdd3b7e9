# Oasis — two commands: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: demo test bench soak lint test-xr system-deps system-deps-test

# The virtual environment is (re)built whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh runtime

system-deps-test:
	@bash scripts/install-system-deps.sh test

demo: system-deps $(STAMP)
	$(VENV)/bin/oasis demo

# A skip not listed in tests/allowed_skips.toml fails the run (tests/skip_gate.py). The tests run in
# TEST_WORKERS parallel processes (pytest-xdist, one test file per worker at a time): most of the
# suite waits on real-time LSL streams and sessions, not on the CPU.
TEST_WORKERS ?= 4
test: system-deps-test $(STAMP)
	$(PY) -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadfile

# The long soaks: ten minutes of LSL streaming and 50 kiosk sessions with the sensors restarted, in
# the private test session and under liblsl's default config (`make test`: 20 s, 6 and 5 sessions).
soak: $(STAMP)
	OASIS_SOAK=long $(PY) -m pytest -q tests/sensors/test_sim_soak.py tests/station/test_station_no_growth.py \
	  tests/station/test_station_default_lsl_soak.py

bench: system-deps $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# End-to-end OpenXR tests against Monado (simulated HMD) in a cached Debian trixie chroot
# (outside the repo: /var/cache/oasis-xr, override with OASIS_XR_CACHE). Needs root.
test-xr:
	bash scripts/test-xr.sh

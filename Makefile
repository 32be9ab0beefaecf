# Two commands for a fresh Debian 12 machine (run as root or with sudo):
#   make demo   install what is missing, build Release, run the main job on bundled real data
#   make test   install what is missing, build with tests, run every test
JOBS ?= 2
ATS := build/release/bin/ats
PREFIX ?= /usr/local

.PHONY: all deps release ats demo test bench install python format format-check clean

all: release

deps:
	@bash scripts/install-deps.sh

release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# Just the Release binary (no benchmarks): what the demo and an install need.
ats: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target ats

# The binary (stripped), the dashboard and chart assets, configs and docs under $(PREFIX).
install: ats
	@cmake --install build/release --prefix "$(PREFIX)" --strip
	@echo "installed: $(PREFIX)/bin/ats ($$($(PREFIX)/bin/ats --version))"

# The Python module ats_gym in build/release/python (PYTHONPATH=build/release/python /usr/bin/python3).
python: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target ats_gym_core
	@echo "ats_gym: PYTHONPATH=$(CURDIR)/build/release/python /usr/bin/python3 -c 'import ats_gym'"

demo: ats
	$(ATS) --version
	$(ATS) data inspect data/BTCUSDT_1h_2021-04_2025-12.csv | head -12
	$(ATS) backtest --config configs/demo.toml

test: deps
	@cmake --preset ci >/dev/null
	@cmake --build --preset ci -j $(JOBS)
	@ctest --test-dir build/ci --output-on-failure -j $(JOBS)

# Every speed goal side by side with its anchor (TA-Lib and Tulip fetched from npm, XGBoost's C
# API, ...), one table: docs/benchmarks.md.
bench:
	@ATS_EXTRA_PACKAGES=python3-pandas bash scripts/install-deps.sh
	@bash scripts/fetch-bench-refs.sh build/bench-refs >/dev/null
	@cmake --preset release $$(bash scripts/fetch-bench-refs.sh build/bench-refs) >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bash scripts/run-benches.sh build/bench-results

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build

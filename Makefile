# Thin wrapper around CMake: `make run` and `make test` do all set-up.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps test-deps build run test fuzz-build fuzz fuzz-ci bench deb deb-check clean

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test
	@scripts/install-browser-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/kluis serve --data var

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The Debian package: $(BUILD)/kluis_VERSION_ARCH.deb, built with debhelper
# from a copy of the tree (scripts/make-deb.sh). It is never installed here.
deb:
	@scripts/install-deps.sh deb
	scripts/make-deb.sh $(BUILD)

# The package checked: lintian, systemd-analyze verify and security, its
# contents run from an extracted root (tests/package/test_deb.py; a whole
# package build, so not part of make test, where it shows as skipped).
deb-check: build
	@scripts/install-deps.sh deb
	cd $(BUILD) && KLUIS_DEB_CHECK=1 ctest -R '^package_deb$$' --output-on-failure

# libFuzzer with ASan/UBSan (tests/fuzz/): the request-facing parsers and
# whole HTTP requests through the real daemon and handlers. `make fuzz`
# runs the request fuzzer FUZZ_TIME seconds, `make fuzz-ci` two minutes.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 600
fuzz-build: deps
	@scripts/install-deps.sh fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DKLUIS_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_parsers fuzz_request

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) 60

fuzz-ci: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) 120 30

# The benchmarks in tests/bench/ (figures from one run, not pass/fail; see
# README "Benchmarks"). BENCH_ARGS=--quick for a smoke run. Run them on a
# machine that is otherwise idle.
BENCHES = login_storm slow_clients idle_connections downloads zip
BENCH_ARGS ?=
bench: build
	@scripts/install-deps.sh bench
	@for b in $(BENCHES); do \
		echo "== tests/bench/bench_$$b.py"; \
		python3 tests/bench/bench_$$b.py --build $(BUILD) $(BENCH_ARGS) || exit 1; \
		echo; \
	done

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)

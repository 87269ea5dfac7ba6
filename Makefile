# Thin wrapper around CMake: `make run` and `make test` do all set-up.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps test-deps build run test fuzz bench clean

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

# A minute of libFuzzer on the parsers that see request bytes (not in CI).
FUZZ_SRC = tests/fuzz/fuzz_parsers.c portal/dl.c portal/validation.c \
	portal/password.c portal/totp.c portal/html.c portal/util.c portal/crypto.c
fuzz: deps
	@scripts/install-deps.sh fuzz
	mkdir -p $(BUILD)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I portal \
		-DKLUIS_SHARE_DIR='"$(CURDIR)"' $(FUZZ_SRC) \
		$$(pkg-config --cflags --libs liboath libargon2 openssl) \
		-o $(BUILD)/fuzz_parsers
	$(BUILD)/fuzz_parsers -max_total_time=60 -max_len=512 tests/fuzz/corpus

# The benchmarks in tests/bench/ (figures from one run, not pass/fail; see
# README "Benchmarks"). BENCH_ARGS=--quick for a smoke run. Run them on a
# machine that is otherwise idle.
BENCHES = login_storm slow_clients idle_connections downloads
BENCH_ARGS ?=
bench: build
	@scripts/install-deps.sh bench
	@for b in $(BENCHES); do \
		echo "== tests/bench/bench_$$b.py"; \
		python3 tests/bench/bench_$$b.py --build $(BUILD) $(BENCH_ARGS) || exit 1; \
		echo; \
	done

clean:
	rm -rf $(BUILD)

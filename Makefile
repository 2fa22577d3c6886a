# Lamina's entry points. Each one installs what is missing first.
#   make run    build and start a local devnet
#   make test   build (Release and ASan+UBSan) and run every test
#   make bench  run the benchmarks (primitives, L1 gas)
#   make fuzz   run each libFuzzer target for FUZZ_SECONDS (default 30)
#   make clean  remove build outputs

BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test bench fuzz clean

all: build

deps:
	@scripts/deps.sh --check || scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/lamina devnet --demo

test: deps
	@scripts/test.sh

bench: build
	@$(BUILD)/lamina-bench
	@echo
	@echo "L1 gas of Lamina's contract calls (whole transactions on anvil):"
	@cd contracts && script/gas-profile.sh

fuzz: deps
	@scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) contracts/out contracts/cache

# The two commands a newcomer needs: `make demo` and `make check`. Both do
# all set-up first (Debian packages, build directories). Meson and ninja do
# the real building; this file only names the jobs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# Seconds each fuzz target runs in `make check` (bench/fuzz runs longer).
FUZZ_SECONDS ?= 10
HERALD      = $(BUILD)/herald

.PHONY: all deps build build-asan build-fuzz check demo bench clean

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/build.ninja: | deps
	@meson setup $(BUILD) --buildtype=debugoptimized >/dev/null

$(ASAN_BUILD)/build.ninja: | deps
	@meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null

# libFuzzer needs clang: the parsers of outside input, built with coverage
# and ASan+UBSan, each behind a fuzz target (tests/fuzz). Warnings are not
# errors here: gcc's -Werror builds hold the code to its warnings, and
# clang's own set would only stop the fuzzing.
$(FUZZ_BUILD)/build.ninja: | deps
	@CC=clang meson setup $(FUZZ_BUILD) --buildtype=debugoptimized -Dfuzz=true -Dwerror=false \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null

build-fuzz: deps $(FUZZ_BUILD)/build.ninja
	@ninja -C $(FUZZ_BUILD) --quiet

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

build-asan: deps $(ASAN_BUILD)/build.ninja
	@ninja -C $(ASAN_BUILD) --quiet

# Runs the whole suite against the normal build and the sanitizer build,
# and each fuzz target for FUZZ_SECONDS, then prints one line with the
# totals of all three. The two suites run at once: their tests wait on
# processes, sockets and fsync for much of their time, so together they
# keep the 2 cores busier: a fresh clone's `make check` took 19.5 minutes
# on the project's 2-core VM, builds and fuzzing included, where one suite
# after the other took 28-30. The sanitizer suite's lines follow the
# normal suite's.
check: build build-asan build-fuzz
	@rm -f .check-summary
	@asan_log=$$(mktemp); \
	 bash tests/run.sh $(ASAN_BUILD) asan .check-summary >"$$asan_log" 2>&1 & asan=$$!; \
	 trap 'kill $$asan 2>/dev/null; rm -f "$$asan_log"' INT TERM; \
	 bash tests/run.sh $(BUILD) normal .check-summary; \
	 wait $$asan; cat "$$asan_log"; rm -f "$$asan_log"; \
	 bash tests/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) .check-summary; \
	 awk '{p+=$$1; f+=$$2} END {if (NR != 3) {print "a suite ended without its totals"; f++} \
	      printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0)}' .check-summary; \
	 status=$$?; rm -f .check-summary; exit $$status

# The whole system on loopback; a new demo-data/ each time.
demo: build
	@rm -rf demo-data
	@$(HERALD) demo --dir demo-data

bench: build
	@bash bench/ci.sh $(HERALD)
	@bash bench/idsvc.sh $(HERALD)
	@$(BUILD)/bench_merkle
	@$(BUILD)/bench_log
	@bash bench/latency 200 $(HERALD)
	@bash bench/e2e 20000 $(HERALD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# smsgw — the one front door.
#
#   make            optimised build with line tables for backtraces (build/smsgw)
#   make test       build and run every test suite; ends with "N passed, N failed"
#   make run        the gateway on the shipped configuration, and a phone console to try it
#   make asan       the test suites under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmark programs (figures go to docs/benchmarks.md)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make deb        Debian package in build/deb/
#   make format     clang-format every C++ file
#   make deps       install missing Debian packages (apt-get); a no-op when all are present
#
# Sources are found by wildcard: a new .cpp in a module folder is part of libsmsgw, a new
# tests/<suite>/*_test.cpp is part of the <suite>_tests binary, tests/bench/<x>_bench.cpp and
# tests/fuzz/<x>_fuzz.cpp each become a program. Nothing here needs editing to add a file.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BUILD ?= build
JOBS ?= $(shell nproc)
CXX ?= g++
# -g1: line tables only. Backtraces, perf and the sanitizers' reports keep function names and
# file:line; full -g (variables and types, for gdb) made every compile about a third slower
# and a clean `make test` about 18 minutes: `make OPT="-O2 -g"` when a debugger needs them.
OPT ?= -O2 -g1
SAN ?=
CPPFLAGS += -I. -I/usr/include/libsmpp34 -MMD -MP
# -Wmaybe-uninitialized is off: g++ 12 reports false positives inside std::variant and
# std::optional of strings at -O2 (GCC bugs 105562, 107138), which -Werror would turn into
# build failures that depend on inlining decisions.
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -Wno-maybe-uninitialized -pthread $(OPT) $(SAN)
LDFLAGS += -pthread $(SAN)
LDLIBS += -lsmpp34 -lyaml-cpp -lsqlite3 -lssl -lcrypto
# The daemon allocates from gperftools' tcmalloc: glibc's malloc and free were 18 % of its CPU
# under load (many small strings and SQLite buffers, freed on another thread than the one
# that allocated them), tcmalloc cut the CPU per forwarded MO by about 15 %
# (docs/benchmarks.md). Not under the sanitizers, which bring their own allocator.
MALLOC_LIB := $(if $(SAN),,-ltcmalloc_minimal)

# Debian packages the build, the tests and the tools need. `deps` installs what is missing.
DEB_PKGS := g++ make pkg-config libsmpp34-dev libboost-dev libsqlite3-dev libssl-dev \
            libyaml-cpp-dev nlohmann-json3-dev libgoogle-perftools-dev libgtest-dev libgmock-dev \
            libbenchmark-dev openssl procps iproute2 dpkg-dev adduser
FUZZ_PKGS := clang libclang-rt-dev

MODULES := conf parser store commands gateway
LIB_SRCS := $(shell find $(MODULES) -name '*.cpp' ! -name main.cpp 2>/dev/null | sort)
LIB_OBJS := $(LIB_SRCS:%.cpp=$(BUILD)/%.o)
LIB := $(BUILD)/libsmsgw.a
BIN := $(BUILD)/smsgw

# The suites' own sources (tests/<suite>/*.cpp) are compiled at TEST_OPT: they were two
# thirds of a clean build's compile time, and -Og takes a third off them. They also read
# gtest, gmock and the standard headers from a precompiled header (tests/suite_pch.h), a
# further quarter off each; if g++ finds it unusable it reads the copied header instead.
# Together: a clean `make test` on two cores from 995 s to 853 s. The code they test is the
# library above, at OPT as shipped; tests/support, which the benchmarks link, stays at OPT.
TEST_OPT ?= -Og -g1
SUPPORT_SRCS := $(wildcard tests/support/*.cpp)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.cpp=$(BUILD)/%.o)
SUITES := $(sort $(patsubst tests/%/,%,$(dir $(wildcard tests/*/*_test.cpp))))
TEST_BINS := $(SUITES:%=$(BUILD)/tests/%_tests)
SUITE_OBJS := $(patsubst %.cpp,$(BUILD)/%.o,$(wildcard $(SUITES:%=tests/%/*.cpp)))
SUITE_PCH_H := $(BUILD)/tests/suite_pch.h
SUITE_PCH := $(SUITE_PCH_H).gch
$(SUITE_OBJS) $(SUITE_PCH): OPT = $(TEST_OPT)
$(SUITE_OBJS): $(SUITE_PCH)
$(SUITE_OBJS): private PCH_FLAGS = -include $(SUITE_PCH_H)
TOOL_SRCS := $(wildcard tests/tools/*.cpp)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.cpp=$(BUILD)/tools/%)
BENCH_SRCS := $(wildcard tests/bench/*_bench.cpp)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.cpp=$(BUILD)/bench/%)
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.cpp)
REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/%.cpp=$(BUILD)/fuzz-replay/%)

.PHONY: all test asan run bench fuzz deb format clean deps check-format

all: $(BIN) $(TOOL_BINS)

$(BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(PCH_FLAGS) $(CXXFLAGS) -c $< -o $@

# The header is copied beside its compiled form, so g++ can fall back on it.
$(SUITE_PCH): tests/suite_pch.h
	@mkdir -p $(@D)
	cp $< $(SUITE_PCH_H)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -x c++-header $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/gateway/main.o $(LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MALLOC_LIB)

# Test helpers (SMSC simulator, HTTP backend double) are programs too, so `make run` and the
# benchmarks can start them.
$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

define suite_rule
$(BUILD)/tests/$(1)_tests: $(patsubst %.cpp,$(BUILD)/%.o,$(wildcard tests/$(1)/*.cpp)) $(SUPPORT_OBJS) $(LIB)
	@mkdir -p $$(@D)
	$$(CXX) $$(LDFLAGS) -o $$@ $$^ -lgmock -lgtest_main -lgtest $$(LDLIBS)
endef
$(foreach s,$(SUITES),$(eval $(call suite_rule,$(s))))

# A fuzz target linked with a plain main that replays its corpus: `make test` runs these so
# every input that once crashed stays fixed, without needing clang.
$(BUILD)/fuzz-replay/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay_main.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ -lbenchmark $(LDLIBS) $(BENCH_MALLOC_LIB)

# load_bench is the load generator (SMSC simulator and HTTP backend) on the daemon's machine:
# what it spends is taken from the daemon, so it allocates like the daemon does.
$(BUILD)/bench/load_bench: BENCH_MALLOC_LIB = $(MALLOC_LIB)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(BIN) $(TOOL_BINS) $(TEST_BINS) $(REPLAY_BINS)
	@tests/run_tests.sh $(BUILD)

asan:
	@$(MAKE) --no-print-directory -j$(JOBS) test BUILD=build-asan OPT="-O1 -g1 -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	tests/tools/run_demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(BIN) $(TOOL_BINS) $(BENCH_BINS)
	@tests/bench/run_benchmarks.sh $(BUILD)

FUZZ_SECONDS ?= 60
FUZZ_BUILD := build-fuzz
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.cpp=$(FUZZ_BUILD)/%)
fuzz: deps
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz-deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(FUZZ_BINS) BUILD=$(FUZZ_BUILD) CXX=clang++ \
	  OPT="-O1 -g -fno-omit-frame-pointer -Wno-unknown-warning-option" SAN="-fsanitize=fuzzer-no-link,address,undefined"
	@tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

$(FUZZ_BUILD)/%_fuzz: $(FUZZ_BUILD)/tests/fuzz/%_fuzz.o $(FUZZ_BUILD)/libsmsgw.a
	$(CXX) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

deb: all
	packaging/build_deb.sh $(BUILD)

format:
	clang-format -i $$(find $(MODULES) tests -name '*.cpp' -o -name '*.h')

check-format:
	clang-format --dry-run --Werror $$(find $(MODULES) tests -name '*.cpp' -o -name '*.h')

clean:
	rm -rf build build-asan build-fuzz

# dpkg-query answers in milliseconds, so this costs nothing when everything is installed.
# apt-get update first: on a fresh machine the package lists may be empty.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PKGS))

fuzz-deps:
	$(call install_missing,$(FUZZ_PKGS))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

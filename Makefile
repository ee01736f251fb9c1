# Agenda - build, run and test.
#   make            build ./agenda
#   make run        install missing packages, build, seed demo data, serve
#                   (on $AGENDA_LISTEN and $AGENDA_DB when set; LISTEN=, DB= override)
#   make test       install missing packages, build, run every test
#   make check      the edit-test loop: build, layering, unit and black-box
#                   tests on SQLite (no root, no PostgreSQL, a few minutes)
#   make CC=clang   the same with clang
#   make install    binary, man pages, systemd unit, sample config (mk/install.mk)
#   make deb        the Debian package, in build/deb/ (mk/deb.mk)
#
# Each area of checks beyond the core lives in mk/NAME.mk and appends the
# targets `make test` must run to TEST_TARGETS.

CC      ?= cc
CXX     ?= c++
PKGS    := libmicrohttpd libcjson sqlite3 libsodium libpq inih libical libcurl gnutls libxml-2.0 \
           libsystemd
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -pthread
CFLAGS  += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# C++ only where a library speaks nothing else (libphonenumber, behind a C
# header); it gets the same warnings.
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -Isrc -pthread
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lphonenumber -lstdc++ -pthread
BUILD   ?= build
BIN     ?= agenda
DB      ?= $(or $(AGENDA_DB),agenda.db)
LISTEN  ?= $(or $(AGENDA_LISTEN),127.0.0.1:8080)
PYTHON  ?= /usr/bin/python3

SRC      := $(shell find src -name '*.c' | sort)
CXX_SRC  := $(shell find src -name '*.cc' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
# Sources generated into the build folder from checked-in files (the OpenAPI
# document, embedded byte for byte: see the rule below and src/api/openapi.c).
GEN_OBJ  := $(BUILD)/gen/openapi_doc.o
OBJ      := $(SRC:%.c=$(BUILD)/%.o) $(CXX_SRC:%.cc=$(BUILD)/%.o) $(GEN_OBJ)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(CXX_SRC:%.cc=$(BUILD)/%.o) $(GEN_OBJ)
UNIT_SRC := $(shell find tests/unit -name '*.c' 2>/dev/null | sort)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

# What `make test` runs, in order; mk/*.mk files append to it.
TEST_TARGETS := format-check layers-check test-unit test-api

# pytest's own processes for the black-box suite: each runs its own server on
# its own database, so the suite takes half the time on two cores.  Serial
# where python3-pytest-xdist is missing (make check needs no root to install).
PYTEST_JOBS ?= $(shell $(PYTHON) -c 'import xdist' 2>/dev/null && echo 2)
PYTEST_PAR  := $(if $(filter-out 0 1,$(PYTEST_JOBS)),-n $(PYTEST_JOBS))

.PHONY: all deps run test check test-unit test-api clean format format-check layers-check
all: $(BIN)

deps:
	@sh scripts/deps.sh

$(BIN): $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c -o $@ $<

# The OpenAPI document as a C array (xxd, with a NUL after it), its length,
# and its ETag: the first 32 hex digits of its SHA-256, quoted.
$(BUILD)/gen/openapi_doc.c: src/api/openapi.json
	@mkdir -p $(dir $@)
	{ echo '/* Generated from src/api/openapi.json by the Makefile: do not edit. */'; \
	  echo '#include <stddef.h>'; \
	  echo 'const char openapi_json[] = {'; xxd -i < $<; echo ', 0x00};'; \
	  echo 'const size_t openapi_json_len = sizeof openapi_json - 1;'; \
	  printf 'const char openapi_etag[] = "\\"%s\\"";\n' "$$(sha256sum < $< | cut -c1-32)"; \
	} > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/openapi_doc.o: $(BUILD)/gen/openapi_doc.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit-tests: $(LIB_OBJ) $(UNIT_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)

run: deps
	$(MAKE) $(BIN)
	./$(BIN) demo --db $(DB) --listen $(LISTEN)
	./$(BIN) serve --db $(DB) --listen $(LISTEN)

test: deps
	$(MAKE) $(BIN) $(BUILD)/unit-tests
	$(MAKE) $(TEST_TARGETS)

check:
	$(MAKE) $(BIN) $(BUILD)/unit-tests
	$(MAKE) layers-check test-unit test-api

test-unit: $(BUILD)/unit-tests
	CK_FORK=yes $(BUILD)/unit-tests

test-api: $(BIN)
	AGENDA_BIN=$(abspath $(BIN)) $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_PAR) tests/api

format:
	clang-format -i $(SRC) $(CXX_SRC) $(shell find src tests/unit -name '*.h') $(UNIT_SRC)

format-check:
	clang-format --dry-run --Werror $(SRC) $(CXX_SRC) $(shell find src tests/unit -name '*.h') $(UNIT_SRC)

# Fails when a file includes a header of a higher layer (scripts/check-layers.sh).
layers-check:
	sh scripts/check-layers.sh

clean:
	rm -rf $(BUILD) $(BIN)

# The slot engine's timing (bench/sched_bench.c): built with -O2 and run;
# not part of `make` or `make test`.
.PHONY: bench-sched
SCHED_BENCH_SRC := bench/sched_bench.c src/sched/civil.c src/sched/slots.c src/sched/tzfile.c src/util/arena.c
bench-sched: $(BUILD)/bench/sched_bench
	$(BUILD)/bench/sched_bench

$(BUILD)/bench/sched_bench: $(SCHED_BENCH_SRC) src/sched/slots.h src/sched/tzfile.h src/util/arena.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -pthread -o $@ \
		$(SCHED_BENCH_SRC)

-include $(sort $(wildcard mk/*.mk))
-include $(OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

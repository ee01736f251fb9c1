# bench.mk - `make bench`: the benchmark harness (bench/run.py, README "Benchmarks").
#
#   make bench                 full scale, SQLite
#   make bench QUICK=1         the one-minute scale (same as `make bench-quick`)
#   make bench BENCH_ARGS='--store both --label after'    any option of bench/run.py
#   make bench-reminders       only the patient messages' part (bench/reminders_bench.py):
#                              the outbox's cost on collections and dispatch throughput
#   make bench REMINDERS_ARGS='--store both'   its options
#   make bench-sync            only CalDAV sync (bench/sync_bench.py): push latency and the
#                              requests of a pull of an unchanged 1,000-event collection,
#                              against Radicale on loopback
#   make bench SYNC_ARGS='--changes 50'        its options
#
# A benchmark never fails the build on a number, so it is not part of `make test`.

BENCH_BUILD  := build/bench
BENCH_CFLAGS ?= -O3 -g -DNDEBUG
BENCH_ARGS   ?=

REMINDERS_ARGS ?=
SYNC_ARGS      ?=

.PHONY: bench bench-quick bench-deps bench-build bench-reminders bench-sync
bench-deps:
	@sh scripts/deps.sh
	@sh scripts/bench-deps.sh

# The optimised server, built apart from the everyday one.  CFLAGS goes
# through the environment so the Makefile's own flags are still appended.
bench-build:
	CFLAGS='$(BENCH_CFLAGS)' $(MAKE) BUILD=$(BENCH_BUILD) BIN=$(BENCH_BUILD)/agenda \
		$(BENCH_BUILD)/agenda
	$(MAKE) $(BENCH_BUILD)/sqlite_ceiling

$(BENCH_BUILD)/sqlite_ceiling: bench/sqlite_ceiling.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c17 -Wall -Wextra -Werror $(shell pkg-config --cflags sqlite3) -o $@ $< \
		$(shell pkg-config --libs sqlite3)

bench: bench-deps
	$(MAKE) bench-build
	$(PYTHON) bench/run.py --bin $(BENCH_BUILD)/agenda --ceiling $(BENCH_BUILD)/sqlite_ceiling \
		$(if $(QUICK),--quick) $(BENCH_ARGS)
	$(PYTHON) bench/reminders_bench.py --bin $(BENCH_BUILD)/agenda $(if $(QUICK),--rounds 5) \
		$(REMINDERS_ARGS)
	$(PYTHON) bench/sync_bench.py --bin $(BENCH_BUILD)/agenda $(if $(QUICK),--changes 6 --rounds 3) \
		$(SYNC_ARGS)

bench-reminders: bench-deps
	$(MAKE) bench-build
	$(PYTHON) bench/reminders_bench.py --bin $(BENCH_BUILD)/agenda $(REMINDERS_ARGS)

bench-sync: bench-deps
	$(MAKE) bench-build
	$(PYTHON) bench/sync_bench.py --bin $(BENCH_BUILD)/agenda $(SYNC_ARGS)

bench-quick:
	$(MAKE) bench QUICK=1

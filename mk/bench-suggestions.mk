# bench-suggestions.mk - `make bench-suggestions`: the time of a 30-day
# GET /suggestions request on a calendar with 20,000 appointments over five
# years (bench/suggestions_bench.py; results in bench/results/).
#
#   make bench-suggestions
#   make bench-suggestions SUGG_BENCH_ARGS='--requests 5000 --threads 2'
#
# A benchmark never fails the build on a number, so it is not part of
# `make test`.  The optimised server is built into a directory of its own, so
# its objects are never mixed with those of other flags.

SUGG_BENCH_BUILD  ?= build/bench-suggestions
SUGG_BENCH_CFLAGS ?= -O2 -g -DNDEBUG
SUGG_BENCH_ARGS   ?=

.PHONY: bench-suggestions
# CFLAGS goes through the environment so the Makefile's own flags are still
# appended.
bench-suggestions: deps
	CFLAGS='$(SUGG_BENCH_CFLAGS)' $(MAKE) BUILD=$(SUGG_BENCH_BUILD) \
		BIN=$(SUGG_BENCH_BUILD)/agenda $(SUGG_BENCH_BUILD)/agenda
	$(PYTHON) bench/suggestions_bench.py --bin $(SUGG_BENCH_BUILD)/agenda \
		--cflags '$(SUGG_BENCH_CFLAGS)' $(SUGG_BENCH_ARGS)

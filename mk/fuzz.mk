# mk/fuzz.mk - libFuzzer harnesses (tests/fuzz/) for every parser that reads
# client bytes, each with a seed corpus in tests/fuzz/corpus/<harness>/.
#
#   make fuzz-short            each harness for FUZZ_SHORT_SECONDS (15); part of make test
#   make fuzz                  each harness for FUZZ_SECONDS (600)
#   make fuzz FUZZERS=form     only some harnesses
#   make fuzz-merge            add to the committed corpora the inputs of the
#                              working corpora that reach new code (minimised)
#
# Harnesses and the sources they call are built with clang into build/fuzz,
# with AddressSanitizer and UndefinedBehaviorSanitizer.  New inputs go to a
# working corpus under build/fuzz/corpus/, so the committed corpus only
# changes through fuzz-merge.  A crash, a sanitizer report, a leak, a broken
# property or an input slower than FUZZ_TIMEOUT seconds fails the run; the
# input is saved under build/fuzz/artifacts/ and the log's end is printed.
# Replay one input with: build/fuzz/bin/<harness> <file>.

FUZZ_CC            ?= clang
FUZZ_CXX           ?= clang++
FUZZ_BUILD         ?= build/fuzz
FUZZ_SECONDS       ?= 600
FUZZ_SHORT_SECONDS ?= 15
FUZZ_TIMEOUT       ?= 10
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
FUZZERS ?= body form url fields credentials tzfile framing expand

TEST_TARGETS += fuzz-short

.PHONY: fuzz fuzz-short fuzz-build fuzz-merge
# The one C++ file (phone.cc) is instrumented too, so the link takes the
# sanitizers' C++ runtime.
fuzz-build:
	CFLAGS="-O1 -g $(FUZZ_FLAGS)" CXXFLAGS="-O1 -g $(FUZZ_FLAGS)" \
	    LDFLAGS="$(FUZZ_FLAGS) -fsanitize-link-c++-runtime" $(MAKE) --no-print-directory \
	    CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) BUILD=$(FUZZ_BUILD) $(FUZZERS:%=$(FUZZ_BUILD)/bin/%)

# In the sub-make above BUILD is $(FUZZ_BUILD), so LIB_OBJ are fuzzing objects.
$(BUILD)/bin/%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
# Keep the harness objects (pattern-rule intermediates) for incremental builds.
.SECONDARY: $(FUZZERS:%=$(BUILD)/tests/fuzz/fuzz_%.o)

# $(call fuzz_run,SECONDS): runs every harness in FUZZERS for SECONDS each;
# fails after the last one when any failed.
define fuzz_run
@mkdir -p $(FUZZ_BUILD)/logs $(FUZZ_BUILD)/artifacts
@failed=""; \
for h in $(FUZZERS); do \
    mkdir -p $(FUZZ_BUILD)/corpus/$$h; \
    printf 'fuzz %-8s %4ss ... ' $$h $(1); \
    if $(FUZZ_BUILD)/bin/$$h -max_total_time=$(1) -timeout=$(FUZZ_TIMEOUT) \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- \
        $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h >$(FUZZ_BUILD)/logs/$$h.log 2>&1; then \
        grep -h 'stat::number_of_executed_units' $(FUZZ_BUILD)/logs/$$h.log | \
            sed 's/.*: *//; s/$$/ runs, ok/'; \
    else \
        echo FAILED; tail -n 60 $(FUZZ_BUILD)/logs/$$h.log; failed="$$failed $$h"; \
    fi; \
done; \
if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed (inputs in $(FUZZ_BUILD)/artifacts)" >&2; exit 1; fi
endef

fuzz-short: fuzz-build
	$(call fuzz_run,$(FUZZ_SHORT_SECONDS))

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-merge: fuzz-build
	@for h in $(FUZZERS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$h; \
	    $(FUZZ_BUILD)/bin/$$h -merge=1 -timeout=$(FUZZ_TIMEOUT) \
	        tests/fuzz/corpus/$$h $(FUZZ_BUILD)/corpus/$$h 2>&1 | grep 'MERGE-OUTER: [0-9]* new files' || exit 1; \
	done

-include $(wildcard $(BUILD)/tests/fuzz/*.d)

# mk/sanitize.mk - the unit and black-box suites, and the senders against
# their peers (mk/notify.mk) and the CalDAV client against Radicale and
# Xandikos (mk/sync.mk), against a build with AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer.
#
#   make test-asan          build into build/asan, run the suites, fail on any report
#   make test-asan SAN_CC=gcc
#
# Every sanitizer report fails the run, whichever process wrote it: the test
# runner, a command-line call or the server the black-box tests start in the
# background.  Reports go to files under $(SAN_LOGS) rather than to stderr
# (the tests read the programs' stderr), each process stops at its first
# report, and after the suites any report file is printed and fails the
# target, even when the process that wrote it was not watched by a test.

SAN_CC    ?= clang
SAN_CXX   ?= $(if $(filter gcc,$(SAN_CC)),g++,clang++)
SAN_BUILD ?= build/asan
SAN_LOGS  ?= $(SAN_BUILD)/reports
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Reports stop the process (abort) and go to $(SAN_LOGS)/<kind>.<pid>.
SAN_ENV := \
  ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1:log_path=$(abspath $(SAN_LOGS))/asan \
  UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$(abspath $(SAN_LOGS))/ubsan

TEST_TARGETS += test-asan

# clang links through the C driver, which leaves out UBSan's C++ runtime that
# the C++ file's vptr checks call; gcc's libubsan holds both.
SAN_LINK := $(if $(filter gcc,$(SAN_CC)),,-fsanitize-link-c++-runtime)

# The Makefile's own targets with the sanitizer build.  CFLAGS goes through
# the environment so the Makefile's flags are still appended.
SAN_MAKE := CFLAGS="-O1 -g $(SAN_FLAGS)" CXXFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS) $(SAN_LINK)" \
            $(MAKE) --no-print-directory CC=$(SAN_CC) CXX=$(SAN_CXX) BUILD=$(SAN_BUILD) BIN=$(SAN_BUILD)/agenda

.PHONY: test-asan asan-build
asan-build:
	$(SAN_MAKE) $(SAN_BUILD)/agenda $(SAN_BUILD)/unit-tests

test-asan: asan-build
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	@status=0; \
	$(SAN_ENV) $(SAN_MAKE) -k test-unit test-api test-notify-peers test-sync-peers || status=1; \
	if [ -n "$$(ls -A $(SAN_LOGS))" ]; then \
	    for f in $(SAN_LOGS)/*; do echo "==== sanitizer report $$f"; cat "$$f"; done; \
	    echo "test-asan: sanitizer reports in $(SAN_LOGS)" >&2; status=1; \
	fi; \
	exit $$status

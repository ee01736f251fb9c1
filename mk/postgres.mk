# mk/postgres.mk - the store suite against PostgreSQL.
#
#   make test-pg               the store's unit suites (tests/unit/store/fixture.h),
#                              case "postgres"
#   make test-pg PG_PORT=N     on port N (default: a free port)
#
# The run gets a throwaway cluster of its own (scripts/pg-test-server.sh):
# started in a new temporary directory, stopped and removed when the recipe
# ends, and by the script's watchdog should the recipe itself be killed.

TEST_TARGETS += test-pg

PG_SCRIPT := $(abspath scripts/pg-test-server.sh)
FREE_PORT := import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])

.PHONY: test-pg
test-pg: $(BUILD)/unit-tests
	@dir=$$(mktemp -d /tmp/agenda-pg.XXXXXX) && \
	trap 'sh $(PG_SCRIPT) stop "$$dir"' EXIT INT TERM && \
	port=$${PG_PORT:-$$($(PYTHON) -c '$(FREE_PORT)')} && \
	url=$$(sh $(PG_SCRIPT) start "$$dir" "$$port" $$$$) && \
	echo "test-pg: PostgreSQL at $$url" && \
	AGENDA_TEST_PG_URL="$$url" AGENDA_TEST_PG_DIR="$$dir" AGENDA_TEST_PG_CTL=$(PG_SCRIPT) \
	    CK_FORK=yes CK_RUN_CASE=postgres $(BUILD)/unit-tests

# The whole black-box suite again on PostgreSQL: every database a test asks
# for becomes a database of its own on one throwaway cluster
# (tests/api/helpers.py: database_for), and tests/pg/ adds what only a shared
# server can show (several agenda servers on one database, a restart of
# PostgreSQL under a running server).  tests/api runs on the pytest workers
# of `make test-api`; tests/pg runs alone after it, since it stops and starts
# the cluster every test shares.
TEST_TARGETS += test-api-pg

.PHONY: test-api-pg
test-api-pg: $(BIN)
	@dir=$$(mktemp -d /tmp/agenda-pg.XXXXXX) && \
	trap 'sh $(PG_SCRIPT) stop "$$dir"' EXIT INT TERM && \
	port=$${PG_PORT:-$$($(PYTHON) -c '$(FREE_PORT)')} && \
	url=$$(sh $(PG_SCRIPT) start "$$dir" "$$port" $$$$) && \
	echo "test-api-pg: PostgreSQL at $$url" && \
	export AGENDA_BIN=$(abspath $(BIN)) AGENDA_TEST_PG_URL="$$url" AGENDA_TEST_PG_DIR="$$dir" \
	    AGENDA_TEST_PG_CTL=$(PG_SCRIPT) && \
	$(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_PAR) tests/api && \
	$(PYTHON) -m pytest -q -p no:cacheprovider $(wildcard tests/pg)

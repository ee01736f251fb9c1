# mk/hardening.mk - the black-box hardening checks beyond tests/api.
#
# The authorization matrix, crash safety, abuse limits and the sync model
# live in tests/api/ (test_authz_matrix.py, test_crash_safety.py,
# test_limits.py, test_sync_model.py), so `make test-api` runs them in their
# short forms.  This file adds the soak to `make test` and the long forms:
#
#   make test-soak                  the short soak (SOAK_SHORT_SECONDS, 30); part of make test
#   make soak SOAK_SECONDS=300      a longer soak, 128 connections
#   make sync-model SEEDS=500       the sync model over many seeds (SYNC_SECONDS each, 2)
#   make sync-model SEEDS=20 SYNC_SECONDS=45   runs longer than since's 30 s reach-back
#   make sync-model SEED=123        one seed again (a failing run prints its seed)

SOAK_SHORT_SECONDS ?= 30
SOAK_SECONDS       ?= 300
SOAK_CONNECTIONS   ?= 128
SEEDS              ?= 500
SYNC_SECONDS       ?= 2

TEST_TARGETS += test-soak

.PHONY: test-soak soak sync-model
test-soak: $(BIN)
	$(PYTHON) tests/soak/soak.py --bin $(abspath $(BIN)) --seconds $(SOAK_SHORT_SECONDS) \
		--connections $(SOAK_CONNECTIONS)

soak: $(BIN)
	$(PYTHON) tests/soak/soak.py --bin $(abspath $(BIN)) --seconds $(SOAK_SECONDS) \
		--connections $(SOAK_CONNECTIONS)

sync-model: $(BIN)
	AGENDA_BIN=$(abspath $(BIN)) SEEDS=$(SEEDS) SYNC_SECONDS=$(SYNC_SECONDS) \
		$(if $(SEED),SEED=$(SEED)) $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/api/test_sync_model.py::test_sync_model

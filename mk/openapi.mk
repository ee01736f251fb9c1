# mk/openapi.mk - the API's OpenAPI document (src/api/openapi.json), linted
# with Redocly CLI from npm, installed into the build folder at a pinned
# version (the machine's npm, else Debian's: scripts/deps.sh), with the checked-in
# rules of redocly.yaml.  tests/api/helpers.py holds every response of the
# black-box suite to the same document.
#
#   make lint-openapi     part of make test; a few seconds once installed

TEST_TARGETS += lint-openapi

REDOCLY_VERSION := 2.77.0
REDOCLY := $(BUILD)/npm/node_modules/.bin/redocly

.PHONY: lint-openapi
$(REDOCLY):
	npm install --prefix $(BUILD)/npm --no-audit --no-fund --loglevel=error @redocly/cli@$(REDOCLY_VERSION)
	touch $@

lint-openapi: $(REDOCLY)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		$(REDOCLY) lint --config redocly.yaml --format=stylish src/api/openapi.json

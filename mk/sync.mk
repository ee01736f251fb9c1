# mk/sync.mk - the CalDAV client against real servers (tests/sync_peers/):
# Radicale and Xandikos from their Debian packages, each started by the
# tests in a temporary directory on a free loopback port, driven through
# build/dav-tool, which runs one operation of the server's own client
# (src/sync/dav.c) from its arguments.
#
#   make test-sync-peers     part of make test; about 20 s

TEST_TARGETS += test-sync-peers

.PHONY: test-sync-peers
$(BUILD)/dav-tool: $(BUILD)/tests/sync_peers/dav_tool.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test-sync-peers: $(BUILD)/dav-tool
	DAV_TOOL=$(abspath $(BUILD)/dav-tool) $(PYTHON) -m pytest -q -p no:cacheprovider tests/sync_peers

-include $(BUILD)/tests/sync_peers/dav_tool.d

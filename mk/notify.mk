# mk/notify.mk - the senders of patient messages against real peers
# (tests/notify_peers/): a local SMTP server (Debian's python3-aiosmtpd) and
# an HTTP SMS sink written in the test, each on a free loopback port, driven
# through build/send-tool, which sends one email or SMS from its arguments
# with the server's own code (src/notify/).
#
#   make test-notify-peers     part of make test; about 15 s

TEST_TARGETS += test-notify-peers

.PHONY: test-notify-peers
$(BUILD)/send-tool: $(BUILD)/tests/notify_peers/send_tool.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test-notify-peers: $(BUILD)/send-tool
	SEND_TOOL=$(abspath $(BUILD)/send-tool) $(PYTHON) -m pytest -q -p no:cacheprovider tests/notify_peers

-include $(BUILD)/tests/notify_peers/send_tool.d

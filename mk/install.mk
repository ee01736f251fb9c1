# mk/install.mk - the manual pages and `make install`, for servers without
# the Debian package (mk/deb.mk builds that from the same files).
#
#   make man          build/man/agenda.1 and agenda.conf.5 from man/*.scd (scdoc)
#   make install      the binary, the manual pages, the systemd unit, the
#                     sysusers.d and tmpfiles.d files, and the sample
#                     configuration (never over an existing one)
#   make install PREFIX=/usr DESTDIR=/tmp/root   the usual variables
#
# After a manual install, as root: systemd-sysusers && systemd-tmpfiles
# --create (the package does this), then systemctl daemon-reload.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SCDOC      ?= scdoc

MAN_PAGES := $(BUILD)/man/agenda.1 $(BUILD)/man/agenda.conf.5

.PHONY: man install
man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(SCDOC) < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/agenda.service: dist/agenda.service.in
	@mkdir -p $(dir $@)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@.tmp && mv $@.tmp $@

# The unit depends on BINDIR and SYSCONFDIR: made again on every install.
.PHONY: $(BUILD)/agenda.service

install: $(BIN) $(MAN_PAGES) $(BUILD)/agenda.service
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/agenda
	install -D -m 0644 $(BUILD)/man/agenda.1 $(DESTDIR)$(MANDIR)/man1/agenda.1
	install -D -m 0644 $(BUILD)/man/agenda.conf.5 $(DESTDIR)$(MANDIR)/man5/agenda.conf.5
	install -D -m 0644 $(BUILD)/agenda.service $(DESTDIR)$(UNITDIR)/agenda.service
	install -D -m 0644 dist/agenda.sysusers $(DESTDIR)$(SYSUSERSDIR)/agenda.conf
	install -D -m 0644 dist/agenda.tmpfiles $(DESTDIR)$(TMPFILESDIR)/agenda.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/agenda/agenda.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/agenda/agenda.conf"; \
	else \
		install -D -m 0644 dist/agenda.conf $(DESTDIR)$(SYSCONFDIR)/agenda/agenda.conf; \
	fi

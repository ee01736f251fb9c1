# mk/deb.mk - the Debian package and its tests.
#
#   make deb        build/deb/agenda_VERSION_ARCH.deb (the only .deb there),
#                   built by dpkg-buildpackage (debhelper, debian/) in a copy
#                   of the tree at build/deb-work/agenda, so the build never
#                   runs `make clean` in the working tree; uncommitted
#                   changes are included, ignored files (build/, ./agenda,
#                   *.db) are not (outside git: every file but those)
#   make test-deb   part of make test (root): the .deb builds, lintian passes,
#                   dpkg installs and removes it, systemd-analyze verifies the
#                   unit, the unit's ExecStart serves (tests/deb/)

DEB_WORK := $(BUILD)/deb-work
DEB_OUT  := $(BUILD)/deb

TEST_TARGETS += test-deb

.PHONY: deb test-deb
deb:
	rm -rf $(DEB_WORK) && mkdir -p $(DEB_WORK)/agenda
	if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . \( -path ./$(BUILD) -o -path ./.git -o -path ./$(BIN) -o -name '*.db*' \
			-o -name __pycache__ \) -prune -o \( -type f -o -type l \) -print0; \
	fi | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(DEB_WORK)/agenda
	cd $(DEB_WORK)/agenda && \
		DEB_BUILD_OPTIONS="parallel=$(or $(DEB_JOBS),2) $(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -b -us -uc
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)
	cp $(DEB_WORK)/*.deb $(DEB_OUT)/
	@ls $(DEB_OUT)/*.deb

test-deb: deb
	DEB_DIR=$(abspath $(DEB_OUT)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/deb

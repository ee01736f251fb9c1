#!/bin/sh
# Installs the Debian packages Agenda needs to build, run and test.
# Called by `make run` and `make test`; does nothing when everything is present.
# debhelper, dpkg-dev, lintian, scdoc and systemd (systemd-analyze) build and
# check the Debian package (make deb, make test-deb).
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -eu
. "$(dirname "$0")/apt-install.sh"

apt_install_missing agenda \
    build-essential pkg-config clang libclang-rt-14-dev clang-format \
    libmicrohttpd-dev libcjson-dev libsqlite3-dev libsodium-dev libpq-dev postgresql \
    libinih-dev libical-dev libcurl4-gnutls-dev libgnutls28-dev libphonenumber-dev \
    check python3 python3-pytest python3-pytest-xdist python3-requests python3-aiosmtpd curl tzdata \
    libxml2-dev libsystemd-dev radicale xandikos python3-caldav python3-icalendar vdirsyncer \
    openssl python3-prometheus-client debhelper dpkg-dev lintian scdoc systemd \
    python3-jsonschema xxd

# npm (the OpenAPI linter, mk/openapi.mk): the machine's own when it has one
# (a Node.js from elsewhere ships its npm, and Debian's npm package conflicts
# with it), else Debian's.
command -v npm >/dev/null 2>&1 || apt_install_missing agenda nodejs npm

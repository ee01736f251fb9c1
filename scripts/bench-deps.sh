#!/bin/sh
# Installs what `make bench` needs beyond the build: wrk (the load generator)
# and nginx (the static-file ceiling), both Debian packages.
# Does nothing when both are present.  As root it runs apt-get; otherwise it
# prints the exact command to run and fails.
set -eu
. "$(dirname "$0")/apt-install.sh"

apt_install_missing bench wrk nginx
# The package starts a system nginx on port 80; the harness runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
fi

#!/bin/sh
# Installs what `make bench` needs beyond the build: wrk (the load generator)
# and nginx (the static-file ceiling), both Debian packages.
# Does nothing when both are present.  As root it runs apt-get; otherwise it
# prints the exact command to run and fails.
set -eu

PACKAGES="wrk nginx"

missing=""
for p in wrk nginx; do
    command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "bench: missing programs:$missing" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
    exit 1
fi
echo "bench: installing $PACKAGES" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
# The package starts a system nginx on port 80; the harness runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
fi

#!/bin/sh
# Installs the Debian packages Agenda needs to build, run and test.
# Called by `make run` and `make test`; does nothing when everything is present.
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -eu

PACKAGES="build-essential pkg-config clang libclang-rt-14-dev \
libmicrohttpd-dev libcjson-dev libsqlite3-dev libsodium-dev libpq-dev postgresql \
check python3 python3-pytest python3-requests curl tzdata"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "agenda: missing packages:$missing" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "agenda: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# apt-install.sh - sourced by the scripts that install what a make target
# needs (deps.sh, bench-deps.sh): one way to find missing Debian packages and
# install them.
#
#   apt_install_missing LABEL PACKAGE...
#       Does nothing when every PACKAGE is installed.  As root, installs the
#       missing ones with apt-get (no recommends, quiet).  As another user,
#       prints the exact command to run on stderr, prefixed with LABEL, and
#       returns 1.  Returns apt-get's status otherwise.

apt_install_missing() {
    label=$1
    shift
    missing=""
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    [ -z "$missing" ] && return 0

    if [ "$(id -u)" -ne 0 ]; then
        echo "$label: missing packages:$missing" >&2
        echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
        return 1
    fi
    echo "$label: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || return 1
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

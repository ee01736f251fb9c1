#!/bin/sh
# check-layers.sh - the layering of src/, checked by the include lines.
#
# Each folder of src/ is a layer with a rank; a file may include headers of
# its own folder and of lower ranks only.  The command line (the files at the
# top of src/) stands above the HTTP server but uses the store, never api/.
#
#   rank  layer   knows
#   6     src/*.c the command line: http (to serve), notify, sync, store, sched, util
#   5     http/   the server: api (the handlers' contract), web (the pages), util
#   4     api/    the resources: notify, sync, store, sched, util
#   4     web/    the HTML pages (booking): store, sched, util; not api/, nor api/ web/
#   3     notify/ patient messages: templates, senders, the dispatcher
#   3     sync/   calendar sync: feeds, CalDAV, external busy time
#   2     store/  the storage interface and its drivers: sched, util
#   1     sched/  the slot engine and time zones: util
#   0     util/   nothing of the project
#
# A folder missing from the table fails the check, so a new concern gets a
# rank when it is added.  Prints one line per violation; exits 1 if any.
set -eu
cd "$(dirname "$0")/../src"

rank() {
    case "$1" in
    .) echo 6 ;;
    http) echo 5 ;;
    api) echo 4 ;;
    web) echo 4 ;;
    notify) echo 3 ;;
    sync) echo 3 ;;
    store) echo 2 ;;
    sched) echo 1 ;;
    util) echo 0 ;;
    *) echo "" ;;
    esac
}

status=0
for file in $(find . -name '*.[ch]' -o -name '*.cc' | sort); do
    from=$(dirname "$file" | sed 's|^\./||')
    from_rank=$(rank "$from")
    if [ -z "$from_rank" ]; then
        echo "check-layers: src/$from has no rank in scripts/check-layers.sh" >&2
        status=1
        continue
    fi
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file"); do
        case "$inc" in
        */*) to=${inc%%/*} ;;
        *) to=$from ;;
        esac
        [ "$to" = "$from" ] && continue
        to_rank=$(rank "$to")
        if [ -z "$to_rank" ] || [ "$to_rank" -ge "$from_rank" ] ||
            { [ "$from" = . ] && [ "$to" = api ]; }; then
            echo "check-layers: src/${file#./} includes \"$inc\" (a higher or sibling layer)" >&2
            status=1
        fi
    done
done
exit $status

#!/usr/bin/env bash
# Undoes what precheck.sh did on one host: starts the jobs it paused and reopens logins.
# Only what precheck recorded is touched: a /etc/nologin written by someone else stays.
# Running it twice is harmless.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: unlock.sh HOST

Starts the units precheck.sh paused (/var/lib/ripcord/paused-units on the host) and removes
/etc/nologin when precheck.sh wrote it.
  RIPCORD_SSH        ssh command (default "ssh"); REMOTE_SUDO root prefix (default "sudo -n")

Exit codes: 0 unlocked, 1 a unit did not start, 2 usage, 3 unreachable.
USAGE
}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_host "$@"

status=0
remote_script "$remote_sudo" <<'REMOTE' || status=$?
set -eu
sudo=$1
state=/var/lib/ripcord
fail=0
if [ -f "$state/paused-units" ]; then
    while read -r unit; do
        [ -n "$unit" ] || continue
        if $sudo systemctl start "$unit"; then
            echo "ok: started $unit"
        else
            echo "FAIL: could not start $unit" >&2
            fail=1
        fi
    done <"$state/paused-units"
    [ "$fail" -ne 0 ] || $sudo rm -f "$state/paused-units"
fi
if [ -f "$state/nologin-by-ripcord" ]; then
    $sudo rm -f /etc/nologin "$state/nologin-by-ripcord"
    echo "ok: logins reopened"
fi
exit "$fail"
REMOTE
if ((status != 0)); then
    die "$EXIT_CHECK" "unlock of $host incomplete (remote exit $status): start the units above by hand"
fi
log "unlocked"

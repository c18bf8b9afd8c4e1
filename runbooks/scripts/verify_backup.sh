#!/usr/bin/env bash
# Checks the backup of one host: the snapshot snapshot.sh recorded exists and is complete
# (waiting while the cloud still copies it), and, when SNAPSHOT_TEST_RESTORE_ARGS is set,
# that a test restore of it succeeds. High-risk plans need one verified restore before wave 1.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: verify_backup.sh HOST

Settings (environment; set them in the step's `env` table of the runbook):
  CLOUD_CLI                  the cloud CLI program and fixed words (as for snapshot.sh)
  SNAPSHOT_STATUS_ARGS       its arguments to print a snapshot's state; %id%, %host% filled in
                             (e.g. "describe-snapshots --snapshot-ids %id% --query Snapshots[0].State --output text")
  SNAPSHOT_READY             extended regex the state must match (default "^(completed|available|ready)$",
                             case-insensitive)
  SNAPSHOT_WAIT              seconds to wait for a pending snapshot (default 1800)
  SNAPSHOT_TEST_RESTORE_ARGS optional: arguments that restore %id% to a scratch volume and
                             clean up; exit 0 means the restore works
  RIPCORD_SNAPSHOT_DIR       where snapshot.sh recorded the ids (default .ripcord-snapshots)

Exit codes: 0 backup usable, 1 not ready in time or in a failed state, 2 usage,
4 the cloud CLI failed.
USAGE
}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_host "$@"
require_cloud SNAPSHOT_STATUS_ARGS

id=$(recorded_snapshot)
ready=${SNAPSHOT_READY:-^(completed|available|ready)$}
limit=${SNAPSHOT_WAIT:-1800}
waited=0
while :; do
    status=0
    state=$(cloud "$SNAPSHOT_STATUS_ARGS" "$id" | awk 'NF { last = $0 } END { print last }' | tr -d '[:space:]') ||
        status=$?
    ((status == 0)) || die "$EXIT_CLOUD" "$CLOUD_CLI failed (exit $status) reading the state of snapshot $id"
    if grep -Eiq -e "$ready" <<<"$state"; then
        log "snapshot $id is $state"
        break
    fi
    if grep -Eiq '^(error|failed|deleted|deleting)$' <<<"$state"; then
        die "$EXIT_CHECK" "snapshot $id of $host is $state: take the backup again"
    fi
    if ((waited >= limit)); then
        die "$EXIT_CHECK" "snapshot $id of $host is still \"${state:-unknown}\" after ${limit}s"
    fi
    sleep 15
    waited=$((waited + 15))
done

if [[ -n ${SNAPSHOT_TEST_RESTORE_ARGS:-} ]]; then
    log "test restore of $id"
    status=0
    cloud "$SNAPSHOT_TEST_RESTORE_ARGS" "$id" >&2 || status=$?
    ((status == 0)) || die "$EXIT_CHECK" "test restore of snapshot $id failed (exit $status): the backup cannot be trusted"
    log "test restore of $id succeeded"
fi

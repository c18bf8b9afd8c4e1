#!/usr/bin/env bash
# Rollback of one host: restore the snapshot snapshot.sh took before its upgrade, with your
# cloud's CLI, then wait until the host answers again. Follow it with verify.sh (the
# runbook's verify_rollback step) to check system, services and the business flow.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: rollback.sh HOST

Settings (environment; set them in the step's `env` table of the runbook):
  CLOUD_CLI               the cloud CLI program and fixed words (as for snapshot.sh)
  SNAPSHOT_RESTORE_ARGS   its arguments to restore the host from %id%; %host%, %id% filled in
                          (a wrapper script of your own usually stops the instance, swaps
                          the root volume and starts it again)
  ROLLBACK_WAIT           seconds to wait for the host to answer after the restore (default 900)
  RIPCORD_SNAPSHOT_DIR    where snapshot.sh recorded the ids (default .ripcord-snapshots)
  RIPCORD_SSH             ssh command (default "ssh")

Exit codes: 0 restored and reachable, 2 usage, 3 unreachable after the restore,
4 the cloud CLI failed.
USAGE
}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_host "$@"
require_cloud SNAPSHOT_RESTORE_ARGS

id=$(recorded_snapshot)
log "restoring $host from snapshot $id"
status=0
cloud "$SNAPSHOT_RESTORE_ARGS" "$id" >&2 || status=$?
((status == 0)) || die "$EXIT_CLOUD" "$CLOUD_CLI failed (exit $status) restoring $host from $id: restore it by hand (vendor support is in the runbook's contacts)"

wait_reachable "${ROLLBACK_WAIT:-900}" ||
    die "$EXIT_UNREACHABLE" "$host did not answer over ssh within ${ROLLBACK_WAIT:-900}s of the restore"
log "restored from $id and reachable"

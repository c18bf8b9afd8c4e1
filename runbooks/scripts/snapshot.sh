#!/usr/bin/env bash
# Backup of one host before its upgrade: flush its disks, take a snapshot with your cloud's
# CLI, and record the snapshot id for verify_backup.sh and rollback.sh.
#
# No cloud is built in: CLOUD_CLI names the program (and fixed first words), and
# SNAPSHOT_CREATE_ARGS the rest, with %host% and %name% filled in per word. The command must
# print the new snapshot's id as its last line. For example:
#   CLOUD_CLI="aws ec2"  SNAPSHOT_CREATE_ARGS="create-snapshot --volume-id ... --description %name% --query SnapshotId --output text"
#   CLOUD_CLI="/opt/ops/snap"  SNAPSHOT_CREATE_ARGS="create %host% %name%"   (a wrapper of your own that
#                      looks up the host's volumes, which is usually what a real fleet needs)
# The snapshot name is ripcord-<run>-<host>, so a retried backup in the same run reuses it.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: snapshot.sh HOST

Settings (environment; set them in the step's `env` table of the runbook):
  CLOUD_CLI              the cloud CLI program and fixed words (e.g. "aws ec2", "gcloud compute")
  SNAPSHOT_CREATE_ARGS   its arguments to create a snapshot; %host%, %name% are filled in;
                         it must print the snapshot id as its last line
  SNAPSHOT_SYNC          1 (default) runs sync on the host first; 0 skips it
  RIPCORD_SNAPSHOT_DIR   where ids are recorded (default .ripcord-snapshots, in the runbook folder)
  RIPCORD_SSH            ssh command (default "ssh")

Exit codes: 0 snapshot taken (or already taken in this run), 2 usage, 3 unreachable,
4 the cloud CLI failed.
USAGE
}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_host "$@"
require_cloud SNAPSHOT_CREATE_ARGS

name=$(snapshot_name)
file=$(snapshot_file)
if [[ -s $file ]] && [[ $(sed -n 2p "$file") == "$name" ]]; then
    log "snapshot $(head -n 1 "$file") already taken in this run ($name); reusing it"
    exit 0
fi

if [[ ${SNAPSHOT_SYNC:-1} == 1 ]]; then
    remote_script "$remote_sudo" <<'REMOTE' || die "$EXIT_CHECK" "sync failed on $host"
$1 sync
REMOTE
fi

log "creating snapshot $name"
status=0
output=$(cloud "$SNAPSHOT_CREATE_ARGS") || status=$?
if ((status != 0)); then
    printf '%s\n' "$output" | tail -n 20 >&2
    die "$EXIT_CLOUD" "$CLOUD_CLI failed (exit $status) creating the snapshot of $host"
fi
id=$(printf '%s\n' "$output" | awk 'NF { last = $0 } END { print last }' | tr -d '[:space:]')
[[ -n $id ]] || die "$EXIT_CLOUD" "$CLOUD_CLI printed no snapshot id; make it print the id as its last line"

mkdir -p "$snapshot_dir"
printf '%s\n%s\n' "$id" "$name" >"$file.tmp"
mv "$file.tmp" "$file"
log "snapshot $id recorded in $file"

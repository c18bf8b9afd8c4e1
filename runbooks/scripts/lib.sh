#!/usr/bin/env bash
# Shared helpers for the standard host steps (sourced, not run).
#
# Every step script takes the host as $1 and reaches it with ${RIPCORD_SSH:-ssh} (set
# RIPCORD_SSH="ssh -o BatchMode=yes -o ConnectTimeout=10" in production, so a missing key
# fails at once instead of waiting on a password prompt nobody can answer).
#
# Exit codes shared by every script:
#   0  done / healthy
#   1  a check failed: the host is not fit for the next step (the message says which check)
#   2  usage or configuration error (missing argument or variable)
#   3  the host is unreachable (ssh could not connect)
#   4  the cloud CLI failed (snapshot, status or restore command)

# shellcheck disable=SC2034 # used by the scripts that source this file
readonly EXIT_CHECK=1 EXIT_USAGE=2 EXIT_UNREACHABLE=3 EXIT_CLOUD=4

# Where the controller keeps what the backup step learnt (snapshot ids per host), so that
# verify_backup and rollback find it. Relative paths are relative to the runbook's folder,
# which is where ripcord runs steps.
snapshot_dir="${RIPCORD_SNAPSHOT_DIR:-.ripcord-snapshots}"

# Remote commands run as root through this prefix; set REMOTE_SUDO="" when ssh logs in as root.
# shellcheck disable=SC2034 # used by the scripts that source this file
remote_sudo="${REMOTE_SUDO-sudo -n}"

# Prints a timestamped line on stderr, prefixed by the script and host (ripcord keeps the
# output tail of every step, so these lines are the evidence of what happened).
log() {
    printf '%s %s[%s] %s\n' "$(date -u +%H:%M:%S)" "${0##*/}" "${host:-?}" "$*" >&2
}

# Logs a message and exits with the given code.
die() {
    local code=$1
    shift
    log "error: $*"
    exit "$code"
}

# Checks the host argument: ripcord validates host names, a hand-run script should too.
take_host() {
    host=${1:-}
    if [[ $host == -h || $host == --help ]]; then
        usage
        exit 0
    fi
    if [[ -z $host || $host == -* ]]; then
        usage >&2
        exit "$EXIT_USAGE"
    fi
    if [[ ! $host =~ ^[A-Za-z0-9._:-]+$ ]]; then
        die "$EXIT_USAGE" "\"$host\" is not a host name (letters, digits, . _ : - only)"
    fi
}

# The ssh command as an array, so RIPCORD_SSH may carry options.
read -r -a ssh <<<"${RIPCORD_SSH:-ssh}"

# Runs a POSIX sh script (read from stdin) on the host with the given arguments.
# ssh exits 255 when it cannot connect; that becomes EXIT_UNREACHABLE.
remote_script() {
    local quoted="" arg
    for arg in "$@"; do
        quoted+=" $(printf '%q' "$arg")"
    done
    local status=0
    "${ssh[@]}" "$host" "sh -s --$quoted" || status=$?
    if ((status == 255)); then
        die "$EXIT_UNREACHABLE" "cannot reach $host over ssh (${RIPCORD_SSH:-ssh}); check the host is up and the key is loaded"
    fi
    return "$status"
}

# True when the host answers over ssh.
reachable() {
    "${ssh[@]}" "$host" true </dev/null >/dev/null 2>&1
}

# Waits up to $1 seconds for the host to answer over ssh (after a reboot or a restore).
wait_reachable() {
    local limit=$1 waited=0
    until reachable; do
        if ((waited >= limit)); then
            return 1
        fi
        sleep 5
        waited=$((waited + 5))
    done
}

# Runs the cloud CLI: CLOUD_CLI (the program and fixed words, e.g. "aws ec2" or a wrapper
# script of your own) followed by a template of arguments whose words may hold %host%,
# %name% and %id% (not {host}: braces are ripcord's own placeholders, which it expands in
# argv before the script runs). Words are split on spaces and never re-split after substitution.
cloud() {
    local template=$1 id=${2:-}
    local -a cli words
    read -r -a cli <<<"$CLOUD_CLI"
    read -r -a words <<<"$template"
    local i
    for i in "${!words[@]}"; do
        words[i]=${words[i]//%host%/$host}
        words[i]=${words[i]//%name%/$(snapshot_name)}
        words[i]=${words[i]//%id%/$id}
    done
    "${cli[@]}" "${words[@]}"
}

# Fails unless CLOUD_CLI and the named argument template are set.
require_cloud() {
    [[ -n ${CLOUD_CLI:-} ]] ||
        die "$EXIT_USAGE" "CLOUD_CLI is not set: name your cloud CLI, e.g. CLOUD_CLI=\"aws ec2\" or a wrapper script (see --help)"
    local var
    for var in "$@"; do
        [[ -n ${!var:-} ]] || die "$EXIT_USAGE" "$var is not set: give the cloud CLI arguments it needs (see --help)"
    done
}

# The snapshot name for this host in this run: stable, so a retried backup finds its own.
snapshot_name() {
    printf 'ripcord-%s-%s' "${RIPCORD_RUN:-manual}" "$host"
}

# The file holding the host's snapshot id.
snapshot_file() {
    printf '%s/%s' "$snapshot_dir" "$host"
}

# Prints the snapshot id recorded for the host, or fails with a clear message.
recorded_snapshot() {
    local file
    file=$(snapshot_file)
    [[ -s $file ]] || die "$EXIT_USAGE" "no snapshot recorded for $host in $file: run the backup step (snapshot.sh) first"
    head -n 1 "$file"
}

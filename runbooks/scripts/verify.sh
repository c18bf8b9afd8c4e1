#!/usr/bin/env bash
# Verification of one host after its upgrade (or rollback) and reboot (DESIGN §1):
#   1. the host answers over ssh again (waits up to VERIFY_WAIT seconds for the reboot);
#   2. it runs the expected kernel (EXPECT_KERNEL), when given;
#   3. the boot log has no errors: dmesg --level=err,crit,alert,emerg (minus DMESG_IGNORE);
#   4. no systemd unit failed: systemctl --failed;
#   5. the services are active (systemctl is-active);
#   6. a smoke test answers over HTTP (SMOKE_URL, with curl from the controller).
# With --unlock it then runs unlock.sh (restarts paused jobs, reopens logins).
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: verify.sh HOST [--unlock]

Settings (environment; set them in the step's `env` table of the runbook):
  VERIFY_WAIT        seconds to wait for the host to answer after a reboot (default 600)
  EXPECT_KERNEL      kernel release the host must run (uname -r); empty skips the check
  DMESG_IGNORE       extended regex of boot-log lines that are known noise (default none)
  VERIFY_SERVICES    systemd units that must be active, space-separated (e.g. "nginx app")
  SMOKE_URL          URL fetched with curl -fsS; "%host%" in it becomes the host name
                     (e.g. "http://%host%:8080/healthz"); empty skips the smoke test
  SMOKE_TIMEOUT      seconds for the smoke test (default 10)
  RIPCORD_SSH        ssh command (default "ssh"); REMOTE_SUDO root prefix (default "sudo -n")

Exit codes: 0 healthy, 1 a check failed, 2 usage, 3 unreachable.
USAGE
}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_host "$@"
unlock=0
case ${2:-} in
"") ;;
--unlock) unlock=1 ;;
*)
    usage >&2
    exit "$EXIT_USAGE"
    ;;
esac

log "verify of $host"
wait_reachable "${VERIFY_WAIT:-600}" ||
    die "$EXIT_UNREACHABLE" "$host did not answer over ssh within ${VERIFY_WAIT:-600}s of the upgrade"

status=0
remote_script "$remote_sudo" "${EXPECT_KERNEL:-}" "${DMESG_IGNORE:-}" "${VERIFY_SERVICES:-}" \
    <<'REMOTE' || status=$?
set -eu
set -f
sudo=$1 expect_kernel=$2 dmesg_ignore=$3 services=$4
fail=0

running=$(uname -r)
if [ -n "$expect_kernel" ] && [ "$running" != "$expect_kernel" ]; then
    echo "FAIL: running kernel $running, expected $expect_kernel (did it boot the old one?)" >&2
    fail=1
else
    echo "ok: kernel $running"
fi

errors=$($sudo dmesg --level=err,crit,alert,emerg 2>/dev/null || echo "dmesg could not be read")
if [ -n "$dmesg_ignore" ]; then
    errors=$(printf '%s\n' "$errors" | grep -Ev -e "$dmesg_ignore" || true)
fi
if [ -n "$errors" ]; then
    echo "FAIL: boot log has errors:" >&2
    printf '%s\n' "$errors" | tail -n 20 >&2
    fail=1
else
    echo "ok: no errors in the boot log"
fi

failed_units=$(systemctl --failed --no-legend --plain 2>/dev/null | awk '{ print $1 }')
if [ -n "$failed_units" ]; then
    echo "FAIL: failed units: $(echo "$failed_units" | tr '\n' ' ')" >&2
    fail=1
else
    echo "ok: no failed units"
fi

for unit in $services; do
    if systemctl is-active --quiet "$unit"; then
        echo "ok: $unit is active"
    else
        echo "FAIL: $unit is $(systemctl is-active "$unit" 2>/dev/null || true)" >&2
        fail=1
    fi
done
exit "$fail"
REMOTE
if ((status != 0)); then
    die "$EXIT_CHECK" "verify failed on $host (remote exit $status); see the lines above"
fi

if [[ -n ${SMOKE_URL:-} ]]; then
    url=${SMOKE_URL//%host%/$host}
    if curl -fsS -o /dev/null --max-time "${SMOKE_TIMEOUT:-10}" "$url"; then
        log "ok: smoke test $url"
    else
        die "$EXIT_CHECK" "smoke test failed: $url did not answer 2xx within ${SMOKE_TIMEOUT:-10}s"
    fi
fi

if ((unlock)); then
    "$(dirname "${BASH_SOURCE[0]}")/unlock.sh" "$host"
fi
log "verify passed"

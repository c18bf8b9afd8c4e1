#!/usr/bin/env bash
# Precheck of one host before its upgrade (DESIGN §1 "standard host steps"):
#   1. the host answers over ssh;
#   2. the dependent services are active (systemctl is-active);
#   3. /boot has room for a new kernel;
#   4. the listed kernel modules exist for the new kernel (modinfo -k), when it is staged;
#   5. cron and backup jobs are paused (systemctl stop), and remembered for unlock.sh;
#   6. interactive logins are locked (/etc/nologin), remembered for unlock.sh.
# Checks 1-4 change nothing; 5-6 run only when they pass. Running it twice is harmless.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: precheck.sh HOST

Settings (environment; set them in the step's `env` table of the runbook):
  PRECHECK_SERVICES  systemd units that must be active, space-separated (e.g. "nginx app")
  NEW_KERNEL         kernel release being installed (e.g. "6.6.0-2-amd64"); enables check 4
  KERNEL_MODULES     modules the host needs under NEW_KERNEL (e.g. "bonding xfs ena")
  REQUIRE_STAGED_KERNEL=1  fail when NEW_KERNEL is not installed yet (default: warn and let
                     the upgrade playbook check modules before it reboots)
  BOOT_MIN_MB        free space /boot needs, in MiB (default 150; 0 skips the check)
  PAUSE_UNITS        units to stop for the upgrade (default "cron crond"; absent ones are
                     skipped; set it empty to pause nothing)
  LOCK_LOGINS        1 (default) writes /etc/nologin; 0 leaves logins open. pam_nologin also
                     refuses non-root ssh users, so steps must log in as root (REMOTE_SUDO="")
                     or set LOCK_LOGINS=0.
  RIPCORD_SSH        ssh command (default "ssh"); REMOTE_SUDO root prefix (default "sudo -n")

Exit codes: 0 fit for upgrade, 1 a check failed, 2 usage, 3 unreachable.
USAGE
}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
take_host "$@"

log "precheck of $host"
status=0
remote_script "$remote_sudo" "${PRECHECK_SERVICES:-}" "${NEW_KERNEL:-}" "${KERNEL_MODULES:-}" \
    "${REQUIRE_STAGED_KERNEL:-0}" "${BOOT_MIN_MB:-150}" "${PAUSE_UNITS-cron crond}" \
    "${LOCK_LOGINS:-1}" "${RIPCORD_RUN:-manual}" <<'REMOTE' || status=$?
set -eu
set -f # lists below are split on spaces and must never glob
sudo=$1 services=$2 new_kernel=$3 modules=$4 require_staged=$5 boot_min_mb=$6
pause_units=$7 lock_logins=$8 run=$9
state=/var/lib/ripcord
fail=0

for unit in $services; do
    if systemctl is-active --quiet "$unit"; then
        echo "ok: $unit is active"
    else
        echo "FAIL: dependent service $unit is $(systemctl is-active "$unit" 2>/dev/null || true)" >&2
        fail=1
    fi
done

if [ "$boot_min_mb" -gt 0 ] && [ -d /boot ]; then
    free_mb=$(df -Pm /boot | awk 'NR == 2 { print $4 }')
    if [ "$free_mb" -lt "$boot_min_mb" ]; then
        echo "FAIL: /boot has ${free_mb} MiB free, needs ${boot_min_mb} MiB: remove old kernels first" >&2
        fail=1
    else
        echo "ok: /boot has ${free_mb} MiB free"
    fi
fi

if [ -n "$new_kernel" ]; then
    if [ -d "/lib/modules/$new_kernel" ]; then
        for module in $modules; do
            if modinfo -k "$new_kernel" "$module" >/dev/null 2>&1; then
                echo "ok: module $module exists for $new_kernel"
            else
                echo "FAIL: module $module is missing for kernel $new_kernel (modinfo -k $new_kernel $module)" >&2
                fail=1
            fi
        done
    elif [ "$require_staged" = 1 ]; then
        echo "FAIL: kernel $new_kernel is not staged (/lib/modules/$new_kernel missing): install its package first" >&2
        fail=1
    else
        echo "warn: kernel $new_kernel not staged yet; modules are checked by the upgrade before reboot" >&2
    fi
fi

if [ "$fail" -ne 0 ]; then
    echo "precheck failed: nothing was changed on this host" >&2
    exit 1
fi

$sudo mkdir -p "$state"
for unit in $pause_units; do
    if systemctl cat "$unit" >/dev/null 2>&1 && systemctl is-active --quiet "$unit"; then
        $sudo systemctl stop "$unit"
        # Remember it once, so unlock.sh starts exactly what was running before.
        if ! grep -qx "$unit" "$state/paused-units" 2>/dev/null; then
            echo "$unit" | $sudo tee -a "$state/paused-units" >/dev/null
        fi
        echo "ok: paused $unit"
    fi
done

if [ "$lock_logins" = 1 ]; then
    if [ ! -e /etc/nologin ]; then
        echo "Upgrade in progress (ripcord run $run): interactive logins are locked." |
            $sudo tee /etc/nologin >/dev/null
        $sudo touch "$state/nologin-by-ripcord"
    fi
    echo "ok: interactive logins locked (/etc/nologin)"
fi
REMOTE

case $status in
0) log "precheck passed" ;;
*) die "$EXIT_CHECK" "precheck failed on $host (remote exit $status); see the lines above" ;;
esac

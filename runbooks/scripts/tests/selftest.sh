#!/usr/bin/env bash
# Self-test of the host-step scripts against a fake host: a fake `ssh` that runs the remote
# part locally inside a scratch folder (its /etc, /var/lib/ripcord and /lib/modules are
# redirected there) with stub systemctl, modinfo and dmesg, and a fake cloud CLI.
# It checks exit codes, what each script changes on the "host", and that re-runs are
# harmless. Run by .ci/run; by hand: bash runbooks/scripts/tests/selftest.sh
set -euo pipefail

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$work/bin" "$root/etc" "$root/lib/modules/6.6.0-test"

# The fake ssh: HOST then the remote command; the host named "down" is unreachable.
cat >"$work/ssh" <<FAKE
#!/usr/bin/env bash
host=\$1; shift
[[ \$host == down ]] && exit 255
sed -e 's#/etc/nologin#$root/etc/nologin#g' \
    -e 's#/var/lib/ripcord#$root/var/lib/ripcord#g' \
    -e 's#/lib/modules#$root/lib/modules#g' |
    PATH="$work/bin:\$PATH" bash -c "\$*"
FAKE
# Units are files: $root/unit-NAME exists, $root/active-NAME when it runs.
cat >"$work/bin/systemctl" <<FAKE
#!/usr/bin/env bash
case \$1 in
is-active) unit=\${!#}; [[ -e $root/active-\$unit ]] && exit 0; [[ \$2 == --quiet ]] || echo inactive; exit 3 ;;
cat) [[ -e $root/unit-\$2 ]] ;;
stop) rm -f "$root/active-\$2" ;;
start) touch "$root/active-\$2" ;;
--failed) cat "$root/failed" 2>/dev/null || true ;;
esac
FAKE
cat >"$work/bin/modinfo" <<FAKE
#!/bin/sh
[ -e "$root/mod-\$3" ]
FAKE
printf '#!/bin/sh\ncat "%s/dmesg" 2>/dev/null || true\n' "$root" >"$work/bin/dmesg"
cat >"$work/cloud" <<FAKE
#!/usr/bin/env bash
echo "\$*" >>"$work/cloud.log"
case \$1 in
create) echo "progress..."; echo "snap-0042" ;;
status) echo "\${FAKE_STATE:-completed}" ;;
restore) [[ -z \${FAKE_FAIL:-} ]] || exit 7 ;;
esac
FAKE
chmod +x "$work/ssh" "$work/cloud" "$work/bin/"*

export RIPCORD_SSH=$work/ssh REMOTE_SUDO="" RIPCORD_RUN=selftest VERIFY_WAIT=0
export CLOUD_CLI=$work/cloud RIPCORD_SNAPSHOT_DIR=$work/snapshots BOOT_MIN_MB=0

passed=0 failed=0
# expect CODE NAME COMMAND...: runs the command and compares its exit code.
expect() {
    local want=$1 name=$2 got=0
    shift 2
    "$@" >"$work/out" 2>&1 || got=$?
    if [[ $got == "$want" ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $got, expected $want" >&2
        sed 's/^/    /' "$work/out" >&2
    fi
}
# check NAME CONDITION...: a plain assertion.
check() {
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); else
        failed=$((failed + 1))
        echo "FAIL $name" >&2
    fi
}

touch "$root/unit-cron" "$root/active-cron" "$root/active-nginx" "$root/mod-xfs"

for s in precheck verify unlock snapshot verify_backup rollback; do
    expect 2 "$s without a host" "$scripts/$s.sh"
    expect 0 "$s --help" "$scripts/$s.sh" --help
    expect 2 "$s with a bad host name" "$scripts/$s.sh" 'web 1;rm'
done

expect 3 "precheck of an unreachable host" "$scripts/precheck.sh" down
expect 1 "precheck with a stopped service" env PRECHECK_SERVICES="nginx redis" "$scripts/precheck.sh" web-1
check "a failed precheck changes nothing" test ! -e "$root/etc/nologin" -a -e "$root/active-cron"
expect 1 "precheck with a missing module" \
    env NEW_KERNEL=6.6.0-test KERNEL_MODULES="xfs zfs" "$scripts/precheck.sh" web-1
expect 0 "precheck of a kernel not staged yet" env NEW_KERNEL=6.9.0 "$scripts/precheck.sh" web-1
rm -f "$root/etc/nologin" "$root/var/lib/ripcord/nologin-by-ripcord"
touch "$root/active-cron"
expect 1 "precheck requiring a staged kernel" \
    env NEW_KERNEL=6.9.0 REQUIRE_STAGED_KERNEL=1 "$scripts/precheck.sh" web-1
expect 0 "precheck of a fit host" \
    env PRECHECK_SERVICES=nginx NEW_KERNEL=6.6.0-test KERNEL_MODULES=xfs "$scripts/precheck.sh" web-1
check "precheck locks logins" test -e "$root/etc/nologin"
check "precheck pauses cron" test ! -e "$root/active-cron"
expect 0 "precheck again" env PRECHECK_SERVICES=nginx "$scripts/precheck.sh" web-1
check "cron is remembered once" test "$(grep -c cron "$root/var/lib/ripcord/paused-units")" = 1

echo "[    2.1] EXT4-fs error (device sda1)" >"$root/dmesg"
echo "app.service loaded failed failed App" >"$root/failed"
expect 1 "verify with boot errors and a failed unit" "$scripts/verify.sh" web-1
expect 1 "verify on the wrong kernel" env EXPECT_KERNEL=0.0.0 DMESG_IGNORE=EXT4 "$scripts/verify.sh" web-1
rm "$root/failed"
expect 0 "verify ignoring known boot noise" env DMESG_IGNORE=EXT4 "$scripts/verify.sh" web-1
rm "$root/dmesg"
expect 1 "verify with a smoke test that fails" \
    env SMOKE_URL="http://127.0.0.1:9/%host%" SMOKE_TIMEOUT=2 "$scripts/verify.sh" web-1
expect 2 "verify with an unknown option" "$scripts/verify.sh" web-1 --frobnicate
expect 3 "verify of a host that never comes back" "$scripts/verify.sh" down
expect 0 "verify --unlock" env VERIFY_SERVICES=nginx "$scripts/verify.sh" web-1 --unlock
check "unlock reopens logins" test ! -e "$root/etc/nologin"
check "unlock restarts cron" test -e "$root/active-cron"
touch "$root/etc/nologin"
expect 0 "unlock again" "$scripts/unlock.sh" web-1
check "unlock leaves a nologin it did not write" test -e "$root/etc/nologin"

expect 2 "snapshot without its arguments" "$scripts/snapshot.sh" web-1
export SNAPSHOT_CREATE_ARGS="create %host% %name%" SNAPSHOT_STATUS_ARGS="status %id%"
export SNAPSHOT_RESTORE_ARGS="restore %host% %id%"
expect 2 "verify_backup before any snapshot" "$scripts/verify_backup.sh" web-1
expect 0 "snapshot" "$scripts/snapshot.sh" web-1
check "snapshot records the id" test "$(head -n 1 "$work/snapshots/web-1")" = snap-0042
expect 0 "snapshot again in the same run" "$scripts/snapshot.sh" web-1
check "the cloud was asked once" test "$(grep -c '^create web-1 ripcord-selftest-web-1$' "$work/cloud.log")" = 1
expect 0 "verify_backup" env SNAPSHOT_TEST_RESTORE_ARGS="restore scratch %id%" "$scripts/verify_backup.sh" web-1
expect 1 "verify_backup of a failed snapshot" env FAKE_STATE=error "$scripts/verify_backup.sh" web-1
expect 1 "verify_backup of a snapshot still pending" \
    env FAKE_STATE=pending SNAPSHOT_WAIT=0 "$scripts/verify_backup.sh" web-1
expect 0 "rollback" "$scripts/rollback.sh" web-1
check "rollback restores the recorded snapshot" grep -qx 'restore web-1 snap-0042' "$work/cloud.log"
expect 4 "rollback when the cloud CLI fails" env FAKE_FAIL=1 "$scripts/rollback.sh" web-1
expect 2 "rollback without CLOUD_CLI" env CLOUD_CLI= "$scripts/rollback.sh" web-1

echo "host-step scripts: $passed passed, $failed failed"
((failed == 0))

# The nightly install (infra/nightly/): the scripts parse; install.sh writes
# the systemd units for a checkout into a folder (--dest), and a second run
# changes nothing; systemd-analyze verify accepts them; the cron line runs
# the same script on the same schedule as the timer; bad arguments exit 2.
# (The campaign itself is not run here: it is `sshdiff campaign`'s test.)
. "$(dirname "$0")/lib.sh" "$@"
N="$SRC/infra/nightly"

for tool in systemd-analyze; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done
for script in "$N/run.sh" "$N/install.sh" "$SRC/infra/oss-fuzz/build.sh" "$SRC/.clusterfuzzlite/build.sh"; do
	checks=$((checks + 1))
	bash -n "$script" 2>"$TMP/err" || fail "bash -n $script"
done

# install_it ARGS...: runs install.sh, status in $rc, output in $TMP/out.
install_it() {
	set +e
	bash "$N/install.sh" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
}
D="$TMP/units"
install_it --dest "$D" "$SRC"
expect_rc 0 "install.sh --dest"
expect_out "wrote $D/sshdiff-nightly.service"
expect_out "wrote $D/sshdiff-nightly.timer"
install_it --dest "$D" "$SRC"
expect_rc 0 "install.sh again"
expect_out "sshdiff-nightly.service unchanged"
expect_out "sshdiff-nightly.timer unchanged"
checks=$((checks + 1))
! grep -q wrote "$TMP/out" || fail "second install rewrote a file"

repo=$(cd "$SRC" && pwd)
svc="$D/sshdiff-nightly.service"
checks=$((checks + 1))
! grep -q '@[A-Z]*@' "$svc" "$D/sshdiff-nightly.timer" || fail "placeholder left in the units"
checks=$((checks + 1))
grep -qx "ExecStart=$repo/infra/nightly/run.sh" "$svc" || fail "ExecStart is not $repo/infra/nightly/run.sh"
checks=$((checks + 1))
grep -qx "User=$(stat -c %U "$SRC")" "$svc" || fail "User= is not the checkout's owner"

# systemd's own checker, and a unit it must reject (so a pass means something).
set +e
systemd-analyze verify "$svc" "$D/sshdiff-nightly.timer" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
expect_rc 0 "systemd-analyze verify"
checks=$((checks + 1))
[ ! -s "$TMP/err" ] || fail "systemd-analyze verify warned"
sed 's|^ExecStart=.*|ExecStart=/nonexistent/run.sh|' "$svc" >"$TMP/bad.service"
set +e
systemd-analyze verify "$TMP/bad.service" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
checks=$((checks + 1))
[ "$rc" -ne 0 ] || fail "systemd-analyze verify accepted a missing ExecStart"

# Timer and cron line: same time of day, every day.
cal=$(sed -n 's/^OnCalendar=//p' "$D/sshdiff-nightly.timer")
systemd-analyze calendar "$cal" >"$TMP/out"
expect_out 'Normalized form: \*-\*-\* 01:00:00'
install_it --cron --dest "$D" "$SRC"
expect_rc 0 "install.sh --cron --dest"
line=$(grep -v '^#' "$D/sshdiff-nightly" | grep -E '^[0-9*]')
checks=$((checks + 1))
[[ "$line" == "0 1 * * * $(stat -c %U "$SRC") "* ]] || fail "cron line is not daily 01:00 as the owner: $line"
checks=$((checks + 1))
[[ "$line" == *" $repo/infra/nightly/run.sh "* ]] || fail "cron line does not run $repo/infra/nightly/run.sh"
checks=$((checks + 1))
[[ "$line" == *"nice -n 19 ionice -c 3 timeout "* ]] || fail "cron line is not niced, idle I/O, time-limited"

install_it --dest "$D" "$TMP/nowhere"
expect_rc 2 "install.sh on a folder that is no checkout"
expect_err 'no infra/nightly/run.sh'
install_it --bogus "$SRC"
expect_rc 2 "unknown option"
expect_err "unknown option '--bogus'"
install_it --dest "$D" --user no-such-user-here "$SRC"
expect_rc 2 "unknown user"
expect_err "no user 'no-such-user-here'"
done_ok

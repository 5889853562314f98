# lib.sh — helpers for the end-to-end scripts (sourced, not run).
# Usage in a script:  . "$(dirname "$0")/lib.sh" "$@"
# Gives SSHDIFF (the binary), SRC (source dir), TMP (a fresh folder removed
# at exit), and after `run ARGS...`: $rc, $TMP/out, $TMP/err.
set -eu
SSHDIFF=${1:?usage: test_X.sh SSHDIFF_BINARY SOURCE_DIR}
SRC=${2:?usage: test_X.sh SSHDIFF_BINARY SOURCE_DIR}
E2E="$SRC/tests/e2e"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sshdiff-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
checks=0

fail() {
	echo "FAIL: $*" >&2
	echo "--- stdout" >&2; cat "$TMP/out" >&2 2>/dev/null || true
	echo "--- stderr" >&2; cat "$TMP/err" >&2 2>/dev/null || true
	exit 1
}

# Runs sshdiff with the arguments; never stops the script on its status.
run() {
	set +e
	"$SSHDIFF" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
}

expect_rc() {
	checks=$((checks + 1))
	[ "$rc" -eq "$1" ] || fail "exit status $rc, want $1 (${2:-})"
}

expect_no_stdout() {
	checks=$((checks + 1))
	[ ! -s "$TMP/out" ] || fail "stdout not empty (${1:-})"
}

# grep -E pattern on stdout / stderr
expect_out() {
	checks=$((checks + 1))
	grep -Eq -- "$1" "$TMP/out" || fail "stdout lacks /$1/"
}

expect_err() {
	checks=$((checks + 1))
	grep -Eq -- "$1" "$TMP/err" || fail "stderr lacks /$1/"
}

# A sshdiff crash under the sanitizers must never pass as an expected status.
expect_no_sanitizer() {
	checks=$((checks + 1))
	! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP/err" || fail "sanitizer report"
}

# The number of findings in the store DB ($1); 0 while it does not exist
# yet or is being created.
count_findings() {
	python3 -c 'import sqlite3,sys
try: print(sqlite3.connect(sys.argv[1]).execute("select count(*) from findings").fetchone()[0])
except Exception: print(0)' "$1"
}

done_ok() {
	echo "$checks checks passed"
}

# --suppressions: a matching entry turns a divergence into an allowed
# difference (exit 0, marked "suppressed", reason shown); a non-matching
# one changes nothing; the repository's suppressions.txt loads.
. "$(dirname "$0")/lib.sh" "$@"
CASE="$SRC/tests/cases/kexinit-reserved-server.case"

run replay --json "$CASE"
if [ "$rc" -eq 0 ]; then
	# The finding this test is built on no longer reproduces: that is news
	# (libssh changed?), not a reason to skip.  Mark it fixed in
	# docs/findings/ and pick another divergent case.
	echo "FAIL: $CASE no longer diverges with these backends"
	exit 1
fi
expect_rc 1 "without suppressions"

cat > "$TMP/sup.txt" <<'SUP'
# test entry
match  = send KEXINIT|RFC4253-7.1-reserved|*
reason = test: pretend the reserved field were a MAY
link   = https://www.rfc-editor.org/rfc/rfc4253#section-7.1
SUP
run replay --suppressions "$TMP/sup.txt" "$CASE"
expect_rc 0 "suppressed"
expect_out '<-- suppressed$'
expect_out '^suppressed: send KEXINIT\|RFC4253-7.1-reserved\|'
expect_out 'reason: test: pretend the reserved field were a MAY'
run replay --json --suppressions "$TMP/sup.txt" "$CASE"
expect_rc 0 "suppressed, --json"
expect_out '"divergent":false,"signature":"send KEXINIT\|RFC4253-7.1-reserved\|'
expect_out '"suppressed":"test: pretend the reserved field were a MAY"'

# Suppressed divergences are not findings.
run replay --store "$TMP/st" --suppressions "$TMP/sup.txt" "$CASE"
expect_rc 0 "suppressed, --store"
checks=$((checks + 1))
[ -z "$(ls "$TMP/st/findings")" ] || fail "a suppressed divergence was recorded"

cat > "$TMP/other.txt" <<'SUP'
match  = send IGNORE|*
reason = another difference
link   = https://example.org/
SUP
run replay --suppressions "$TMP/other.txt" "$CASE"
expect_rc 1 "non-matching suppression"
expect_out '<-- divergence$'

run replay --suppressions "$SRC/suppressions.txt" "$E2E/default-server.case"
expect_rc 0 "repository suppressions.txt"
expect_no_sanitizer
done_ok

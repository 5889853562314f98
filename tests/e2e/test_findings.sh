# Regression (issue 4, point 7; label "regression"): every saved finding
# under tests/findings/<id>/ (case.txt + signature.txt, as the finding store
# wrote them) is replayed with the repository's suppressions.  One without
# a FIXED file must still reproduce its exact signature (exit 1); one with
# a FIXED file (the reason inside: fixed by which change, or triaged as
# allowed and suppressed) must now agree (exit 0).  The folder
# name is the store's id: the first 16 hex digits of SHA-256(signature).
# Fewer than 60 findings replay in ~15 s under ASan.
. "$(dirname "$0")/lib.sh" "$@"
FINDINGS="$SRC/tests/findings"
[ -d "$FINDINGS" ] || fail "no folder $FINDINGS"
n=0
fixed=0
for dir in "$FINDINGS"/*/; do
	dir=${dir%/}
	id=$(basename "$dir")
	checks=$((checks + 1))
	[ -s "$dir/case.txt" ] && [ -s "$dir/signature.txt" ] || fail "$id: needs case.txt and signature.txt"
	want=$(cat "$dir/signature.txt")
	checks=$((checks + 1))
	[ "$(printf '%s' "$want" | sha256sum | cut -c1-16)" = "$id" ] || fail "$id: folder name is not the id of '$want'"
	run replay --json --suppressions "$SRC/suppressions.txt" "$dir/case.txt"
	expect_no_sanitizer
	if [ -e "$dir/FIXED" ]; then
		checks=$((checks + 1))
		[ -s "$dir/FIXED" ] || fail "$id: FIXED must say why (which change fixed it)"
		expect_rc 0 "$id is marked fixed ($(head -1 "$dir/FIXED")) but still diverges"
		fixed=$((fixed + 1))
	else
		expect_rc 1 "$id no longer reproduces '$want' (fixed? add $dir/FIXED with the reason)"
		checks=$((checks + 1))
		got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signature"])' "$TMP/out")
		[ "$got" = "$want" ] || fail "$id: signature changed to '$got', saved '$want' (re-triage)"
	fi
	n=$((n + 1))
done
checks=$((checks + 1))
[ "$n" -ge 1 ] || fail "no saved finding in $FINDINGS"
echo "$n findings replayed ($fixed marked fixed)"
done_ok

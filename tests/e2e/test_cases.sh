# The demonstrations of issue 3 point 8, replayed as a regression test.
#   tests/cases/*.case       each reproduces a divergence: exit 1 and exactly
#                            the signature in expected-signatures.txt
#   tests/agreements/*.case  every backend agrees: exit 0, no signature
# and every case of both folders gives exactly the per-step verdict vector
# recorded in expected-verdicts.txt (so "libssh rejects, but only at
# NEWKEYS" stays true, not just "it diverges somewhere").  Both files list
# exactly the cases present: a case without an entry, or an entry without a
# case, fails.  A changed result is news (libssh or a backend changed):
# re-triage it, then update docs/findings/ and the expected files together.
. "$(dirname "$0")/lib.sh" "$@"
cd "$SRC"
SIGS="tests/e2e/expected-signatures.txt"
VECS="tests/e2e/expected-verdicts.txt"

# The value recorded for a case in one of the files ("" when none).
expected() {
	awk -F '\t' -v f="$2" '!/^#/ && $1 == f { print $2; n++ } END { exit n == 1 ? 0 : 1 }' "$1"
}

# One letter per step for each backend (sorted by name), as in $VECS.
vector() {
	python3 - "$TMP/out" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read())
def cls(v):
    return "A" if v == "accept" else "R" if v.startswith("reject") else "-" if v == "-" else "?"
print(",".join("%s=%s" % (n, "".join(cls(s["verdicts"][n]) for s in o["steps"]))
               for n in sorted(o["backends"])))
PY
}

field() {
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); v=o[sys.argv[2]]; print(str(v).lower() if isinstance(v, bool) else v)' \
		"$TMP/out" "$1"
}

# The folders hold case files and nothing else; each opens with a '#'
# header saying what it demonstrates.
for dir in tests/cases tests/agreements; do
	checks=$((checks + 1))
	[ -z "$(find "$dir" -mindepth 1 ! -name '*.case')" ] || fail "$dir holds files other than *.case"
	checks=$((checks + 1))
	[ -n "$(ls "$dir"/*.case 2>/dev/null)" ] || fail "$dir has no cases"
	for f in "$dir"/*.case; do
		checks=$((checks + 1))
		head -n 1 "$f" | grep -q '^#' || fail "$f does not start with a '#' header"
	done
done

# Every entry names an existing case of the right folder.
for f in $(grep -v '^#' "$SIGS" | cut -f 1); do
	checks=$((checks + 1))
	case "$f" in tests/cases/*.case) [ -f "$f" ] ;; *) false ;; esac || fail "$SIGS: no case $f"
done
for f in $(grep -v '^#' "$VECS" | cut -f 1); do
	checks=$((checks + 1))
	[ -f "$f" ] || fail "$VECS: no case $f"
done

n_div=0
for f in tests/cases/*.case; do
	sig=$(expected "$SIGS" "$f") || fail "$SIGS: want exactly one entry for $f"
	vec=$(expected "$VECS" "$f") || fail "$VECS: want exactly one entry for $f"
	run replay --json "$f"
	expect_rc 1 "$f diverges"
	expect_no_sanitizer
	checks=$((checks + 1))
	[ "$(field divergent)" = true ] || fail "$f: divergent is not true"
	checks=$((checks + 1))
	got=$(field signature)
	[ "$got" = "$sig" ] || fail "$f: signature '$got', want '$sig'"
	checks=$((checks + 1))
	got=$(vector)
	[ "$got" = "$vec" ] || fail "$f: verdicts $got, want $vec"
	n_div=$((n_div + 1))
done

n_agree=0
for f in tests/agreements/*.case; do
	vec=$(expected "$VECS" "$f") || fail "$VECS: want exactly one entry for $f"
	run replay --json "$f"
	expect_rc 0 "$f agrees"
	expect_no_sanitizer
	checks=$((checks + 1))
	[ "$(field divergent)" = false ] && [ -z "$(field signature)" ] || fail "$f: reported a divergence"
	checks=$((checks + 1))
	got=$(vector)
	[ "$got" = "$vec" ] || fail "$f: verdicts $got, want $vec"
	n_agree=$((n_agree + 1))
done

echo "$n_div divergent cases, $n_agree agreeing cases"
done_ok

# sshdiff campaign on the stateful target (issue 4, "Done when"): started
# from the seed corpus only (valid scenarios), a short budget under ASan on
# 2 cores finds planted divergences (tests/cases: signatures in
# expected-signatures.txt), stores each signature once however many
# artifacts hit it, minimised and replayable, and lists the new ones with
# their replay commands (exit 1).
#
# Budget: 150 s.  Measured here (ASan build, 2 cores shared with other
# builds, load 5-12): 33, 47 and 56 distinct findings in three runs, 5, 5
# and 7 of them in expected-signatures.txt, the first within ~15 s; a 90 s
# run found 16, 2 of them planted.  The test asks for 2.
. "$(dirname "$0")/lib.sh" "$@"
TARGETS=${SSHDIFF_TARGETS_DIR:?SSHDIFF_TARGETS_DIR must name the fuzz targets build}
T=fuzz_differential
BUDGET=${SSHDIFF_CAMPAIGN_TEST_TIME:-150s}
MIN_EXPECTED=2
[ -x "$TARGETS/$T" ] || fail "no $T in $TARGETS (configure with -DSSHDIFF_FUZZ=ON and build it)"
[ -d "$TARGETS/${T}_seeds" ] || fail "no seed corpus $TARGETS/${T}_seeds (built by gen_diff_seeds)"
OUT="$TMP/camp"

run campaign --targets "$T" --time "$BUDGET" --jobs 2 --out "$OUT" --minimise-time 20s
expect_rc 1 "new findings"
expect_no_sanitizer
expect_out "^campaign: 1 target, [0-9]+m[0-9]{2}s, [0-9]+ findings in $OUT/findings.db, [0-9]+ new$"
expect_err "^sshdiff: new finding [0-9a-f]{16} \($T\): "

DB="$OUT/findings.db"
# Store and folders agree, no signature twice, every finding from $T.
checks=$((checks + 1))
python3 - "$OUT" "$T" "$SRC/tests/e2e/expected-signatures.txt" "$MIN_EXPECTED" >"$TMP/check" 2>&1 <<'EOF' || fail "store: $(cat "$TMP/check")"
import os, sqlite3, sys
out, target, expected_file, min_expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
db = sqlite3.connect(os.path.join(out, "findings.db"))
rows = db.execute("select id, signature, kind, target, count from findings").fetchall()
sigs = [r[1] for r in rows]
assert len(rows) >= 1, "no finding"
assert len(set(sigs)) == len(sigs), "duplicate signatures"
folders = sorted(os.listdir(os.path.join(out, "findings")))
assert folders == sorted(r[0] for r in rows), f"folders {folders} vs rows"
for id_, sig, kind, tgt, count in rows:
    assert tgt == target and count >= 1, (id_, tgt, count)
    with open(os.path.join(out, "findings", id_, "signature.txt")) as f:
        assert f.read() == sig + "\n", id_
# Deduplication happened: more artifacts than findings, some found twice.
n_art = db.execute("select count(*) from artifacts").fetchone()[0]
assert n_art > len(rows), f"{n_art} artifacts for {len(rows)} findings"
assert sum(r[4] for r in rows) > len(rows), "no signature seen twice"
expected = {l.rstrip("\n").split("\t")[1] for l in open(expected_file) if "\t" in l and not l.startswith("#")}
planted = sorted(set(sigs) & expected)
print(f"{len(rows)} findings seen {sum(r[4] for r in rows)} times, {n_art} artifacts, {len(planted)} planted: {planted}")
# The store's signatures were handed to the target while it ran
# (docs/fuzzing.md): DIR/known-divergences.txt lists stored signatures
# only (those triaged after the last rewrite may be missing).
known = {l.rstrip("\n") for l in open(os.path.join(out, "known-divergences.txt")) if not l.startswith("#")}
assert known, "known-divergences.txt lists nothing"
assert known <= set(sigs), f"listed but not stored: {sorted(known - set(sigs))}"
assert len(planted) >= min_expected, f"only {len(planted)} planted divergences: {planted}; all: {sigs}"
EOF
cat "$TMP/check"

# Every new finding is listed with its replay command, and that command
# reproduces the stored signature (with the suppressions triage used).
ids=$(sed -n 's/^new \([0-9a-f]\{16\}\) .*/\1/p' "$TMP/out")
checks=$((checks + 1))
[ -n "$ids" ] || fail "no new finding listed"
cp "$TMP/out" "$TMP/campaign.out"
n_div=0 n_cut=0
for id in $ids; do
	dir="$OUT/findings/$id"
	checks=$((checks + 1))
	if [ -e "$dir/input.bin" ]; then
		# A crash finding: the target saw what separate processes did not
		# (triage keeps it, under a signature that says so).
		grep -qx "    $TARGETS/$T $dir/input.bin" "$TMP/campaign.out" || fail "no command for crash $id"
		checks=$((checks + 1))
		grep -q "^crash $T|" "$dir/signature.txt" || fail "crash $id: signature $(cat "$dir/signature.txt")"
		echo "note: crash finding $id: $(cat "$dir/signature.txt")"
		continue
	fi
	grep -qx "    sshdiff replay $dir/case.txt" "$TMP/campaign.out" || fail "no replay command for $id"
	run replay --json --suppressions "$SRC/suppressions.txt" "$dir/case.txt"
	expect_rc 1 "replay of $id"
	checks=$((checks + 1))
	got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signature"])' "$TMP/out")
	[ "$got" = "$(cat "$dir/signature.txt")" ] || fail "$id replays to '$got', stored '$(cat "$dir/signature.txt")'"
	# Minimised: the steps after the divergent one are cut.  Not for every
	# finding: the cut is kept only when the signature stays exactly the
	# same, and for some the steps after it decide how the last exchange is
	# judged (seen: a rekey KEXINIT followed by a USERAUTH_PK_QUERY).
	n_div=$((n_div + 1))
	if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if o["divergent_step"] == len(o["steps"]) - 1 else 1)' "$TMP/out"; then
		n_cut=$((n_cut + 1))
	else
		echo "note: $id keeps steps after its divergent one"
	fi
done
checks=$((checks + 1))
echo "$n_cut of $n_div divergence findings end at their divergent step"
[ "$n_div" -gt 0 ] && [ $((n_cut * 4)) -ge $((n_div * 3)) ] || fail "only $n_cut of $n_div findings minimised to their divergent step"

# Stats were sampled; the corpus grew beyond the seeds and was merged.
checks=$((checks + 1))
[ "$(grep -c "	$T	libfuzzer	" "$OUT/stats/$T.tsv")" -ge 5 ] || fail "fewer than 5 stats samples"
checks=$((checks + 1))
[ "$(find "$OUT/corpus/$T" -type f | wc -l)" -ge 10 ] || fail "corpus did not grow"
done_ok

# kill -9 in the middle of a campaign (issue 4, "Done when"): no fuzzing
# process outlives sshdiff; every finding stored before the kill is still
# there, whole, with a count >= before; the rerun continues the corpus (its
# files all kept: --no-merge) and triages the artifacts the killed run had
# not marked, each once.
. "$(dirname "$0")/lib.sh" "$@"
TARGETS=${SSHDIFF_TARGETS_DIR:?SSHDIFF_TARGETS_DIR must name the fuzz targets build}
T=fuzz_differential
[ -x "$TARGETS/$T" ] || fail "no $T in $TARGETS (configure with -DSSHDIFF_FUZZ=ON and build it)"
OUT="$TMP/camp"
DB="$OUT/findings.db"

# Our process group is left alone: the campaign is killed by its pid.
"$SSHDIFF" campaign --targets "$T" --time 10m --jobs 2 --out "$OUT" >"$TMP/first.out" 2>"$TMP/first.err" &
pid=$!
# Until two findings are stored (or 120 s), then a little more: the kill
# lands while it fuzzes and triages.
for _ in $(seq 240); do
	[ "$(count_findings "$DB")" -ge 2 ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.5
done
sleep 3
checks=$((checks + 1))
kill -0 "$pid" 2>/dev/null || fail "campaign ended before the kill: $(cat "$TMP/first.err")"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true

# Nothing it started survives it (the engine's command lines name $OUT).
for _ in $(seq 20); do
	pgrep -f -- "$OUT" >/dev/null || break
	sleep 0.5
done
checks=$((checks + 1))
! pgrep -af -- "$OUT" >"$TMP/orphans" || fail "orphans after kill -9: $(cat "$TMP/orphans")"

python3 - "$DB" >"$TMP/before.txt" <<'EOF'
import sqlite3, sys
for id_, sig, count in sqlite3.connect(sys.argv[1]).execute("select id, signature, count from findings"):
    print(f"{id_}\t{count}\t{sig}")
EOF
checks=$((checks + 1))
[ "$(wc -l < "$TMP/before.txt")" -ge 1 ] || fail "nothing stored before the kill: $(cat "$TMP/first.err")"
find "$OUT/corpus/$T" -type f -printf '%f\n' | sort >"$TMP/corpus.before"
checks=$((checks + 1))
[ -s "$TMP/corpus.before" ] || fail "empty corpus at the kill"

# Rerun: a short slot, no merge so that the corpus only grows.
run campaign --targets "$T" --time 40s --jobs 2 --out "$OUT" --no-merge --minimise-time 5s
checks=$((checks + 1))
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "rerun exit status $rc"
expect_no_sanitizer
checks=$((checks + 1))
grep -Eq "^INFO: -fork=2: [0-9]+ seed inputs" "$OUT/log/$T.log" || fail "no fork-mode start in the log"
# Triage keeps to the budget and leaves the rest for the next run: run
# until nothing is left (each run triages what the previous one left).
for _ in 1 2 3; do
	grep -q "artifacts left to triage" "$TMP/err" || break
	run campaign --targets "$T" --time 20s --jobs 1 --out "$OUT" --no-merge --minimise-time 5s
	expect_no_sanitizer
done
checks=$((checks + 1))
! grep -q "artifacts left to triage" "$TMP/err" || fail "artifacts still untriaged after 4 runs"

checks=$((checks + 1))
python3 - "$OUT" "$TMP/before.txt" "$T" >"$TMP/check" 2>&1 <<'EOF' || fail "after the rerun: $(cat "$TMP/check")"
import hashlib, os, sqlite3, sys
out, before_file, target = sys.argv[1], sys.argv[2], sys.argv[3]
db = sqlite3.connect(os.path.join(out, "findings.db"))
now = {r[0]: (r[1], r[2]) for r in db.execute("select id, count, signature from findings")}
for line in open(before_file):
    id_, count, sig = line.rstrip("\n").split("\t", 2)
    assert id_ in now, f"finding {id_} lost"
    assert now[id_][1] == sig and now[id_][0] >= int(count), (id_, now[id_], count)
    folder = os.path.join(out, "findings", id_)
    crash = os.path.exists(os.path.join(folder, "input.bin"))
    files = ("input.bin", "report.txt", "signature.txt") if crash else \
            ("case.bin", "case.txt", "observations.json", "signature.txt")
    for f in files:
        assert os.path.getsize(os.path.join(folder, f)) > 0, (id_, f)
sigs = [v[1] for v in now.values()]
assert len(set(sigs)) == len(sigs), "duplicate signatures"
# Every artifact on disk is marked triaged, and only once.
marked = {r[0] for r in db.execute("select sha256 from artifacts")}
art = os.path.join(out, "artifacts", target)
for name in os.listdir(art):
    if name.startswith(".") or name.startswith("slow-unit-"):
        continue
    # The key: SHA-256 of the target's name, a NUL and the content.
    h = hashlib.sha256(target.encode() + b"\0" + open(os.path.join(art, name), "rb").read()).hexdigest()
    assert h in marked, f"artifact {name} not triaged"
print(f"{len(now)} findings, {len(marked)} artifacts marked")
EOF
cat "$TMP/check"
find "$OUT/corpus/$T" -type f -printf '%f\n' | sort >"$TMP/corpus.after"
checks=$((checks + 1))
missing=$(comm -23 "$TMP/corpus.before" "$TMP/corpus.after" | head -3)
[ -z "$missing" ] || fail "corpus files lost by the rerun: $missing"
checks=$((checks + 1))
[ ! -e "$OUT/corpus/$T.merge" ] && [ ! -e "$OUT/corpus/$T.old" ] || fail "merge leftovers"
done_ok

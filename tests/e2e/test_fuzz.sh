# sshdiff fuzz (docs/fuzzing.md, "Campaigns"): ~20 s of libFuzzer on the
# engine's raw-input target leaves the campaign layout, a corpus, stats
# samples in the documented format and progress lines on stderr; unusable
# options and targets directories exit 2 naming what is wrong.
# SSHDIFF_TARGETS_DIR is the fuzz-enabled build's targets/ (CTest sets it).
. "$(dirname "$0")/lib.sh" "$@"
TARGETS=${SSHDIFF_TARGETS_DIR:?SSHDIFF_TARGETS_DIR must name the fuzz targets build}
T=fuzz_machine_input
[ -x "$TARGETS/$T" ] || fail "no $T in $TARGETS (configure with -DSSHDIFF_FUZZ=ON and build it)"
OUT="$TMP/camp"

start=$(date +%s)
run fuzz --target "$T" --time 20s --jobs 2 --out "$OUT"
took=$(($(date +%s) - start))
# 1 would be a real crash found in the engine: news, and a failure here.
expect_rc 0 "20 s of $T"
expect_no_sanitizer
checks=$((checks + 1))
[ "$took" -le 45 ] || fail "a 20 s budget took ${took}s"

# The summary on stdout, progress lines on stderr (not a tty: plain lines).
expect_out "^fuzz: 1 target, 0m[0-9]{2}s, 0 findings in $OUT/findings.db, 0 new$"
expect_err "^\[00:00:[0-9]{2}\] $T: [0-9]+ exec/s  [0-9]+ execs  corpus [0-9]+  cov [0-9]+  findings 0 new / 0 total$"
checks=$((checks + 1))
[ "$(grep -c "^\[00:00:[0-9][0-9]\] $T: " "$TMP/err")" -ge 2 ] || fail "fewer than two progress lines"
checks=$((checks + 1))
! grep -q $'\r' "$TMP/err" || fail "carriage returns on a non-tty stderr"

# Campaign layout.
for d in corpus/$T artifacts/$T stats log findings; do
	checks=$((checks + 1))
	[ -d "$OUT/$d" ] || fail "missing $OUT/$d"
done
checks=$((checks + 1))
[ -s "$OUT/findings.db" ] || fail "no finding store"
checks=$((checks + 1))
n_corpus=$(find "$OUT/corpus/$T" -type f | wc -l)
[ "$n_corpus" -ge 5 ] || fail "corpus has $n_corpus files"
checks=$((checks + 1))
grep -q "^INFO: -fork=2: fuzzing in separate process" "$OUT/log/$T.log" || fail "libFuzzer not in fork mode (log)"

# stats/<target>.tsv: the header, then >= 2 samples of 9 numeric-or-name
# columns, execs not decreasing, time_s within the run.
TSV="$OUT/stats/$T.tsv"
checks=$((checks + 1))
[ "$(head -1 "$TSV")" = "$(printf 'time_s\ttarget\tengine\texecs\texecs_per_s\tcoverage\tcorpus\tfindings_new\tfindings_total')" ] ||
	fail "stats header: $(head -1 "$TSV")"
checks=$((checks + 1))
python3 - "$TSV" "$T" "$start" <<'EOF' || fail "stats samples"
import sys
path, target, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [l.rstrip("\n").split("\t") for l in open(path)][1:]
assert len(rows) >= 2, f"{len(rows)} samples"
prev = -1
for r in rows:
    assert len(r) == 9, r
    assert r[1] == target and r[2] == "libfuzzer", r
    t, execs, eps, cov, corp, new, total = int(r[0]), int(r[3]), float(r[4]), int(r[5]), int(r[6]), int(r[7]), int(r[8])
    assert start - 1 <= t <= start + 60, r
    assert execs >= prev and eps >= 0 and cov >= 0 and corp >= 0 and new == 0 and total == 0, r
    prev = execs
assert prev > 1000, f"only {prev} execs"
assert int(rows[-1][5]) > 50, "no coverage"
EOF

# A second run resumes: same corpus folder, samples appended.
before=$(wc -l < "$TSV")
run fuzz --target "$T" --time 8s --jobs 1 --out "$OUT"
expect_rc 0 "resumed run"
checks=$((checks + 1))
[ "$(wc -l < "$TSV")" -gt "$before" ] || fail "no samples appended on resume"
checks=$((checks + 1))
[ "$(grep -c '^time_s' "$TSV")" = 1 ] || fail "header written twice"
checks=$((checks + 1))
grep -Eq "^INFO: -fork=1: [0-9]+ seed inputs" "$OUT/log/$T.log" || fail "resume did not read the corpus"

# Unusable: exit 2, the message names what.
run fuzz --time 5s --out "$OUT"
expect_rc 2 "no --target"
expect_err "--target is required"
run fuzz --target fuzz_nope --time 5s --out "$OUT"
expect_rc 2 "unknown target"
expect_err "no target fuzz_nope in $TARGETS \(targets there: .*$T"
run fuzz --target "$T" --targets-dir "$TMP/none" --out "$OUT"
expect_rc 2 "missing targets dir"
expect_err "targets directory $TMP/none: No such file or directory"
mkdir "$TMP/empty"
run campaign --targets-dir "$TMP/empty" --out "$OUT"
expect_rc 2 "empty targets dir"
expect_err "no fuzz_\* targets in $TMP/empty"
run fuzz --target "$T" --time soon --out "$OUT"
expect_rc 2 "bad --time"
expect_err "--time wants a duration"
run fuzz --target "$T" --engine honggfuzz --out "$OUT"
expect_rc 2 "bad --engine"
expect_err "--engine wants libfuzzer or afl"
run fuzz --target "$T" --jobs 0 --out "$OUT"
expect_rc 2 "bad --jobs"
run campaign --targets "$T,fuzz_nope" --out "$OUT"
expect_rc 2 "unknown target in --targets"
expect_err "no target fuzz_nope"
run campaign --target "$T" --out "$OUT"
expect_rc 2 "--target is fuzz's"
run fuzz --target "$T" --suppressions "$TMP/nosuch.txt" --out "$OUT"
expect_rc 2 "missing suppressions"
expect_err "--suppressions $TMP/nosuch.txt"
printf 'x' > "$TMP/file"
run fuzz --target "$T" --time 5s --out "$TMP/file"
expect_rc 2 "--out is a file"
expect_err "$TMP/file"
# Something that is not a fuzz target: the engine never runs it.
mkdir "$TMP/bad"
printf '#!/bin/sh\nexit 3\n' > "$TMP/bad/fuzz_bad"
chmod +x "$TMP/bad/fuzz_bad"
run fuzz --target fuzz_bad --targets-dir "$TMP/bad" --time 10s --out "$TMP/badout"
expect_rc 2 "not a libFuzzer target"
expect_err "fuzz_bad: the engine could not fuzz it \(status 3\); see $TMP/badout/log/fuzz_bad.log"
run fuzz --help
expect_rc 0 "--help"
expect_out "usage: sshdiff fuzz --target T"
done_ok

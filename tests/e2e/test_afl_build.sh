# The AFL++ builds, then `sshdiff campaign --engine afl` on them.
#
# The `afl` and `afl-cmplog` presets configured into temp folders and built
# (afl-clang-fast; AFL_LLVM_CMPLOG=1 for the second), then `afl-fuzz -V 15
# -c <cmplog build>` by hand on one raw-bytes target over its seeds,
# asserting AFL++ ran it (fuzzer_stats: execs_done > 0), and the
# differential target for a few seconds with the case mutator
# (libsshdiff_afl_mutator.so) loaded through AFL_CUSTOM_MUTATOR_LIBRARY.
#
# Then the user's command on these builds, found as users find them
# ($SSHDIFF_AFL_TARGETS_DIR, the CMPLOG twins in the sibling build
# afl-cmplog, raw crashes reproduced with the libFuzzer ASan build of
# $SSHDIFF_TARGETS_DIR), under the test preset's ASAN_OPTIONS and without
# the AFL_* variables (sshdiff gives afl-fuzz what it needs):
#   sshdiff campaign --engine afl --time 90s --jobs 2 --out $TMP/camp
# asserting: new findings stored (exit 1); afl-fuzz -M/-S with CMPLOG and
# the mutator named on stderr and in fuzzer_stats; no progress line at
# 0 exec/s with executions (slots shorter than afl-fuzz's once-a-minute
# fuzzer_stats included); the stats TSVs: every row
# engine afl, fuzz_differential first with execs > 0, more targets after
# it, in turn; fuzz_differential's corpus grew past its seeds, holds AFL's
# main queue, every file whole (named by its SHA-256) and run by the target
# without a crash; the report JSON lists at least one divergence of
# fuzz_differential, each replayed by `sshdiff replay` to its stored
# signature (exit 1); `sshdiff report` writes the HTML; no process left.
# Then kill -9 in the middle of a second run (while it triages what the
# first left and afl-fuzz re-imports its queues): no process survives it; a
# third run (fuzz_differential only, 30 s) resumes AFL++'s folders, shows
# no executions until afl-fuzz rewrites its fuzzer_stats (not the previous
# run's numbers), loses no finding (each still there, count >= before) and
# no corpus file, and appends to the stats.
#
# Measured on 2 cores shared with other builds (load 3-7): 3 to 5 minutes
# in all; the two builds 25-110 s, afl-fuzz by hand 30 s, the campaigns
# with their checks 150 s (85 s, killed after 3-6 s, 38 s; 8 to 29
# findings in the first, all divergences of fuzz_differential but one crash
# once).
. "$(dirname "$0")/lib.sh" "$@"
# afl-fuzz can leave its CMPLOG forkserver behind, stopped (seen: state T,
# parent 1, an hour later): kill whatever still runs from our folder.  Under
# set -e a failing command in the trap ends the script with its status, so
# pkill finding nothing (its status 1) must not count.
trap 'pkill -9 -f "$TMP/" 2>/dev/null || true; rm -rf "$TMP"' EXIT

for tool in afl-clang-fast afl-fuzz cmake ninja nm objdump python3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done
# The libFuzzer ASan build (CTest's): the campaign reproduces raw crashes
# with it.
LF_TARGETS=${SSHDIFF_TARGETS_DIR:?SSHDIFF_TARGETS_DIR must name the libFuzzer targets build}
checks=$((checks + 1))
[ -x "$LF_TARGETS/fuzz_differential" ] || fail "no fuzz_differential in $LF_TARGETS (configure with -DSSHDIFF_FUZZ=ON and build it)"

# afl-fuzz refuses an ASAN_OPTIONS without symbolize=0 (CTest sets one);
# these builds have no sanitizer, so none is needed by hand.  The campaign
# gets the test preset's back (sshdiff must cope with it).
CAMPAIGN_ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
CAMPAIGN_UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MSAN_OPTIONS
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1

targets=()
for src in "$SRC"/targets/fuzz_*.c; do
	[ -e "$src" ] && targets+=("$(basename "$src" .c)")
done
checks=$((checks + 1))
[ ${#targets[@]} -gt 0 ] || fail "no targets/fuzz_*.c"

# Configures preset $1 into $2; the rest is the environment (VAR=VALUE...).
configure_preset() {
	local preset=$1 dir=$2
	shift 2
	set +e
	env "$@" cmake -S "$SRC" --preset "$preset" -B "$dir" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	expect_rc 0 "configure preset $preset"
}

# Builds targets $3... in $2, with environment $1 (VAR=VALUE or "").
build_in() {
	local envset=$1 dir=$2
	shift 2
	local t0
	t0=$(date +%s)
	set +e
	env $envset cmake --build "$dir" -j 2 --target "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	echo "$(basename "$dir"): built $* in $(($(date +%s) - t0)) s"
	expect_rc 0 "build in $(basename "$dir")"
}

configure_preset afl "$TMP/afl"
# afl-cmplog beside afl: where sshdiff looks for the CMPLOG twins.
configure_preset afl-cmplog "$TMP/afl-cmplog" AFL_LLVM_CMPLOG=1
# Extra outputs of the afl build (the presets use Ninja): the seed
# generators' runs and the AFL++ mutator library, whatever its target's name.
extra=()
while read -r t; do extra+=("$t"); done < <(ninja -C "$TMP/afl" -t targets all |
	grep -oE '^(gen_[A-Za-z0-9_]+_seeds_run|[^:]*/libsshdiff_afl_mutator\.so):' | tr -d : | sort -u)
build_in "" "$TMP/afl" "${targets[@]}" "${extra[@]}"
build_in AFL_LLVM_CMPLOG=1 "$TMP/afl-cmplog" "${targets[@]}"

# Calls into CMPLOG's hooks (the runtime defines them in every AFL++ build;
# only the CMPLOG variant's code calls them).
cmplog_calls() {
	objdump -d --no-show-raw-insn "$1" | grep -cE 'call +[0-9a-f]+ <__cmplog_' || true
}
for t in "${targets[@]}"; do
	checks=$((checks + 1))
	nm "$TMP/afl/targets/$t" | grep -q '__afl_area_ptr' || fail "$t (afl): no AFL++ instrumentation"
	checks=$((checks + 1))
	[ "$(cmplog_calls "$TMP/afl/targets/$t")" -eq 0 ] || fail "$t (afl): calls CMPLOG hooks"
	n=$(cmplog_calls "$TMP/afl-cmplog/targets/$t")
	checks=$((checks + 1))
	[ "$n" -gt 0 ] || fail "$t (afl-cmplog): no calls to CMPLOG hooks"
	echo "$t: $n CMPLOG call sites in the afl-cmplog build, none in the afl build"
done

# Runs afl-fuzz for $1 seconds on target $2 with seeds $3 into $4; the rest
# is the environment.  Then fuzzer_stats must show executions.
fuzz() {
	local secs=$1 t=$2 in=$3 out=$4
	shift 4
	local t0 tflag=()
	# The target's own time limit (its options file's timeout=, seconds),
	# with '+': a seed slower than that on a loaded machine is skipped, not
	# fatal to the dry run.
	local limit
	limit=$(sed -n 's/^[ \t]*timeout[ \t]*=[ \t]*\([0-9][0-9]*\).*/\1/p' "$SRC/targets/$t.options" 2>/dev/null | head -n 1)
	[ -z "$limit" ] || tflag=(-t "$((limit * 1000))+")
	t0=$(date +%s)
	set +e
	env "$@" afl-fuzz -V "$secs" "${tflag[@]}" -c "$TMP/afl-cmplog/targets/$t" -i "$in" -o "$out" \
		-- "$TMP/afl/targets/$t" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	expect_rc 0 "afl-fuzz on $t"
	local stats="$out/default/fuzzer_stats"
	checks=$((checks + 1))
	[ -f "$stats" ] || fail "$t: no $stats"
	local execs
	execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$stats")
	echo "$t: afl-fuzz -V $secs: execs_done $execs, $(awk -F' *: *' '$1 == "corpus_count" { print $2 }' "$stats") in corpus, $(($(date +%s) - t0)) s"
	checks=$((checks + 1))
	[ -n "$execs" ] && [ "$execs" -gt 0 ] || fail "$t: execs_done is '${execs}'"
	checks=$((checks + 1))
	grep -q '^command_line *: .* -c ' "$stats" || fail "$t: fuzzer_stats command line has no -c"
}

# At most $3 (default 100) seeds: the run is about the build, not the corpus.
take_seeds() {
	mkdir -p "$2"
	find "$1" -maxdepth 1 -type f -size -1000k | sort | head -n "${3:-100}" | while read -r f; do
		cp "$f" "$2/"
	done
}

# One raw-bytes target: a parser target with seeds, else fuzz_machine_input
# (whose first byte picks the role; a single valid-looking input is enough).
pick=""
for t in "${targets[@]}"; do
	case "$t" in fuzz_parse_*) ;; *) continue ;; esac
	if [ -n "$(ls -A "$TMP/afl/targets/${t}_seeds" 2>/dev/null)" ]; then
		pick=$t
		break
	fi
done
if [ -n "$pick" ]; then
	take_seeds "$TMP/afl/targets/${pick}_seeds" "$TMP/in"
else
	pick=fuzz_machine_input
	checks=$((checks + 1))
	[ -x "$TMP/afl/targets/$pick" ] || fail "no parser target with seeds and no fuzz_machine_input"
	if [ -d "$TMP/afl/targets/${pick}_seeds" ]; then
		take_seeds "$TMP/afl/targets/${pick}_seeds" "$TMP/in"
	else
		mkdir -p "$TMP/in"
		printf '\001\000\000\000\034\012\024' >"$TMP/in/seed"
	fi
fi
fuzz 15 "$pick" "$TMP/in" "$TMP/afl-out"

# The differential target with the case mutator (built beside the targets:
# where sshdiff campaign looks for it).
D=fuzz_differential
mutator="$TMP/afl/targets/libsshdiff_afl_mutator.so"
checks=$((checks + 1))
[ -f "$mutator" ] || fail "no $mutator in the afl build"
checks=$((checks + 1))
[ -x "$TMP/afl/targets/$D" ] || fail "mutator built, but no $D"
checks=$((checks + 1))
[ -d "$TMP/afl/targets/${D}_seeds" ] || fail "no ${D}_seeds"
take_seeds "$TMP/afl/targets/${D}_seeds" "$TMP/in-diff" 20
fuzz 8 "$D" "$TMP/in-diff" "$TMP/afl-out-diff" AFL_CUSTOM_MUTATOR_LIBRARY="$mutator"
checks=$((checks + 1))
cat "$TMP/out" "$TMP/err" | grep -qi 'custom mutator' || fail "afl-fuzz did not load $mutator"

# ---- The user's command: sshdiff campaign --engine afl on these builds ----
CAMP="$TMP/camp"
DB="$CAMP/findings.db"
BUDGET_S=${SSHDIFF_AFL_CAMPAIGN_TEST_SECONDS:-90}
# What AFL++ and sshdiff run from: nothing of it may outlive a campaign.
RUNS_FROM="$TMP/afl/targets/|$TMP/afl-cmplog/targets/|$CAMP/"
# afl-fuzz run by hand (above, no guardian) can leave a CMPLOG target
# process behind, stopped: not the campaign's doing, so gone before it.
for p in $(pgrep -f -- "$RUNS_FROM" || true); do kill -9 "$p" 2>/dev/null || true; done

# As a user runs it: the AFL_* variables above unset (sshdiff gives
# afl-fuzz what it needs), the test preset's sanitizer options set (afl-fuzz
# refuses its ASAN_OPTIONS unless sshdiff amends them), SSHDIFF_TARGETS_DIR
# from CTest.
campaign_env=(env -u AFL_NO_UI -u AFL_SKIP_CPUFREQ -u AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES -u AFL_NO_AFFINITY
	SSHDIFF_AFL_TARGETS_DIR="$TMP/afl/targets" ASAN_OPTIONS="$CAMPAIGN_ASAN_OPTIONS"
	UBSAN_OPTIONS="$CAMPAIGN_UBSAN_OPTIONS")
campaign() {
	local t0
	t0=$(date +%s)
	set +e
	"${campaign_env[@]}" "$SSHDIFF" campaign --engine afl "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	campaign_s=$(($(date +%s) - t0))
}

# No process of ours once a campaign is over (proc.c's guardian: its
# process group, and AFL++'s forkservers, which leave it with setsid()).
expect_no_leftovers() {
	for _ in $(seq 20); do
		pgrep -f -- "$RUNS_FROM" >/dev/null || break
		sleep 0.5
	done
	checks=$((checks + 1))
	! pgrep -af -- "$RUNS_FROM" >"$TMP/left" || fail "left running after $1: $(cat "$TMP/left")"
}

campaign --time "${BUDGET_S}s" --jobs 2 --out "$CAMP"
echo "campaign --engine afl --time ${BUDGET_S}s --jobs 2: $campaign_s s, exit $rc"
cp "$TMP/err" "$TMP/run1.err"
expect_rc 1 "campaign --engine afl: new findings stored"
expect_no_sanitizer
checks=$((checks + 1))
[ "$campaign_s" -le $((BUDGET_S + 60)) ] || fail "a ${BUDGET_S}s campaign took $campaign_s s"
expect_out "^campaign: ${#targets[@]} targets, [0-9]+m[0-9]{2}s, [0-9]+ findings? in $CAMP/findings.db, [1-9][0-9]* new$"
expect_out "^new [0-9a-f]{16} send "
expect_err "^sshdiff: $D: AFL\+\+ afl-fuzz -M main, -S s1, new in $CAMP/afl/$D, custom mutator $mutator$"
expect_err "^sshdiff: $D: CMPLOG binary $TMP/afl-cmplog/targets/$D$"
expect_err "^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] $D: [0-9]+ exec/s  [1-9][0-9]* execs  corpus [0-9]+  cov [0-9]+  findings "
# A rate whenever there are executions, also in the parser targets' slots
# of a few seconds (afl-fuzz writes fuzzer_stats once a minute).
checks=$((checks + 1))
! grep -E "^\[[0-9:]+\] [a-z_]+: 0 exec/s  [1-9][0-9]* execs" "$TMP/err" >"$TMP/zero" ||
	fail "progress at 0 exec/s with executions: $(head -3 "$TMP/zero")"
expect_err "^sshdiff: new finding [0-9a-f]{16} \($D\): "
expect_err "^sshdiff: $D: corpus 0 -> [0-9]+ files from the AFL\+\+ queue$"
# afl-fuzz itself: -M with -c and -S, the mutator loaded.
checks=$((checks + 1))
grep -q "^command_line *: afl-fuzz .* -M main -c $TMP/afl-cmplog/targets/$D " "$CAMP/afl/$D/main/fuzzer_stats" ||
	fail "main instance without CMPLOG: $(grep command_line "$CAMP/afl/$D/main/fuzzer_stats")"
checks=$((checks + 1))
grep -q "^command_line *: afl-fuzz .* -S s1 " "$CAMP/afl/$D/s1/fuzzer_stats" || fail "no secondary instance s1"
checks=$((checks + 1))
grep -aqF "Custom mutator '$mutator' installed successfully" "$CAMP/log/$D.log" || fail "afl-fuzz did not load $mutator"
expect_no_leftovers "the first campaign"

# Stats: every row of every TSV from AFL++; fuzz_differential first, with
# executions; at least one more target after it; one slot after another.
checks=$((checks + 1))
python3 - "$CAMP" "$D" "${targets[*]}" >"$TMP/check" 2>&1 <<'PY' || fail "stats: $(cat "$TMP/check")"
import os, sys
out, first, targets = sys.argv[1], sys.argv[2], sys.argv[3].split()
header = "time_s\ttarget\tengine\texecs\texecs_per_s\tcoverage\tcorpus\tfindings_new\tfindings_total"
spans, ran = {}, []
for name in sorted(os.listdir(os.path.join(out, "stats"))):
    t = name[:-len(".tsv")]
    assert name.endswith(".tsv") and t in targets, name
    lines = open(os.path.join(out, "stats", name)).read().split("\n")
    assert lines[0] == header and lines[-1] == "", (name, lines[0], lines[-1])
    rows = [l.split("\t") for l in lines[1:-1]]
    assert rows, f"{name}: no sample"
    for r in rows:
        assert len(r) == 9 and r[1] == t and r[2] == "afl", (name, r)
    execs = max(int(r[3]) for r in rows)
    spans[t] = (min(int(r[0]) for r in rows), max(int(r[0]) for r in rows))
    if execs > 0:
        ran.append(t)
    print(f"{t}: {len(rows)} samples, {execs} execs")
assert first in ran, f"{first}: no execs"
assert len(ran) >= 2, f"only {ran} fuzzed"
order = sorted(spans, key=lambda t: spans[t])
assert order[0] == first, f"{order[0]} before {first}"
for a, b in zip(order, order[1:]):
    assert spans[a][1] <= spans[b][0], f"{a} {spans[a]} and {b} {spans[b]} overlap"
PY
cat "$TMP/check"

# The corpus: past its seeds, AFL's main queue in it, every file whole.
checks=$((checks + 1))
python3 - "$CAMP" "$D" "$TMP/afl/targets/${D}_seeds" >"$TMP/check" 2>&1 <<'PY' || fail "corpus: $(cat "$TMP/check")"
import hashlib, os, sys
out, t, seeds = sys.argv[1], sys.argv[2], sys.argv[3]
corpus = os.path.join(out, "corpus", t)
assert not os.path.exists(corpus + ".merge") and not os.path.exists(corpus + ".old"), "merge leftovers"
names = set(os.listdir(corpus))
for n in names:
    p = os.path.join(corpus, n)
    assert os.path.isfile(p) and not os.path.islink(p), f"{n}: not a file"
    data = open(p, "rb").read()
    # Named by the SHA-256 of its content: a file cut short would not be.
    assert data and hashlib.sha256(data).hexdigest() == n, f"{n}: empty, or not its content's hash"
n_seeds = len(os.listdir(seeds))
assert len(names) > n_seeds, f"{len(names)} files for {n_seeds} seeds: AFL++ found nothing new"
queue = os.path.join(out, "afl", t, "main", "queue")
entries = [f for f in os.listdir(queue) if f.startswith("id:")]
missing = [f for f in entries if hashlib.sha256(open(os.path.join(queue, f), "rb").read()).hexdigest() not in names]
assert not missing, f"queue entries not in the corpus: {missing[:3]}"
print(f"corpus {len(names)} files ({n_seeds} seeds), main queue {len(entries)} entries")
PY
cat "$TMP/check"
# ...and each an input the target runs (no crash, no file it cannot read).
n_corpus=$(find "$CAMP/corpus/$D" -type f | wc -l)
set +e
timeout 300 "$TMP/afl/targets/$D" "$CAMP/corpus/$D"/* >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
expect_rc 0 "$D over its corpus"
checks=$((checks + 1))
[ "$(grep -c '^Execution successful' "$TMP/out" "$TMP/err" | awk -F: '{ n += $2 } END { print n }')" -eq "$n_corpus" ] ||
	fail "$D did not run all $n_corpus corpus files"

# The store, through the report: divergences of fuzz_differential, each
# replayed by `sshdiff replay` to its stored signature.
run report "$CAMP" --format json
expect_rc 0 "report --format json"
expect_out "^$CAMP/report.json$"
checks=$((checks + 1))
python3 - "$CAMP/report.json" "$D" "${targets[*]}" "$(count_findings "$DB")" >"$TMP/cases" 2>"$TMP/check" <<'PY' ||
import json, sys
report, first, targets, n_store = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4])
r = json.load(open(report))
found = r["findings"]
assert len(found) == n_store == r["summary"]["findings"]["all"]["total"], (len(found), n_store)
for f in found:
    assert f["signature"] and f["kind"] in ("divergence", "crash") and f["target"] in targets, f["id"]
    assert f["count"] >= 1, f["id"]
divs = [f for f in found if f["kind"] == "divergence" and f["target"] == first]
assert divs, f"no divergence of {first} among {[f['signature'] for f in found]}"
for f in divs:
    case = f["folder"] + "/case.txt"
    assert f["replay"] == "sshdiff replay " + case, f["replay"]
    print(f"{case}\t{f['signature']}")
print(f"{len(found)} findings, {len(divs)} divergences of {first}", file=sys.stderr)
PY
	fail "report.json: $(cat "$TMP/check")"
cat "$TMP/check"
python3 -c 'import sqlite3,sys
for (id_,) in sqlite3.connect(sys.argv[1]).execute("select id from findings"): print(id_)' "$DB" >"$TMP/run1.ids"
mapfile -t cases < <(cut -f1 "$TMP/cases")
run replay --json --suppressions "$SRC/suppressions.txt" "${cases[@]}"
expect_rc 1 "replay of the divergences"
expect_no_sanitizer
checks=$((checks + 1))
python3 - "$TMP/cases" "$TMP/out" >"$TMP/check" 2>&1 <<'PY' || fail "replays: $(cat "$TMP/check")"
import json, sys
want = dict(l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1]))
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == len(want), f"{len(got)} results for {len(want)} cases"
for g in got:
    assert g["divergent"] and g["signature"] == want[g["case"]], (g["case"], g["signature"], want[g["case"]])
print(f"{len(got)} divergences replayed to their signatures")
PY
cat "$TMP/check"

run report "$CAMP"
expect_rc 0 "report (HTML)"
expect_out "^$CAMP/report.html$"
checks=$((checks + 1))
python3 - "$CAMP/report.html" "$D" "$TMP/run1.ids" >"$TMP/check" 2>&1 <<'PY' || fail "report.html: $(cat "$TMP/check")"
import sys
html, first = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
assert html.startswith("<!DOCTYPE html>") and "<svg" in html and first in html and "<script" not in html
for id_ in open(sys.argv[3]).read().split():
    assert id_ in html, id_
PY

# kill -9 in the middle of a second campaign: once both afl-fuzz have
# resumed (-i -) and run the target (their forkservers are up: they are
# importing their queues again, the folders half resumed), and triage of
# what the first run left has stored a finding of this run; or after 30 s
# of that.  Then nothing of it may survive.
n_run1=$(count_findings "$DB")
"${campaign_env[@]}" "$SSHDIFF" campaign --engine afl --time 10m --jobs 2 --out "$CAMP" >"$TMP/run2.out" 2>"$TMP/run2.err" &
pid=$!
t0=$(date +%s)
for _ in $(seq 120); do
	kill -0 "$pid" 2>/dev/null || break
	if [ "$(pgrep -fc -- "afl-fuzz -i - -o $CAMP/afl/$D " || true)" -ge 2 ] &&
	   [ "$(pgrep -fxc -- "$TMP/afl/targets/$D" || true)" -ge 2 ]; then
		[ "$(count_findings "$DB")" -gt "$n_run1" ] && break
		[ $(($(date +%s) - t0)) -ge 30 ] && break
	fi
	sleep 0.5
done
sleep 2
checks=$((checks + 1))
kill -0 "$pid" 2>/dev/null || fail "second campaign ended before the kill: $(cat "$TMP/run2.err")"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "second campaign killed after $(($(date +%s) - t0)) s, $(($(count_findings "$DB") - n_run1)) findings stored by it"
expect_no_leftovers "kill -9 of the second campaign"

python3 - "$DB" >"$TMP/before.txt" <<'PY'
import sqlite3, sys
for id_, sig, count in sqlite3.connect(sys.argv[1]).execute("select id, signature, count from findings"):
    print(f"{id_}\t{count}\t{sig}")
PY
checks=$((checks + 1))
missing=$(cut -f1 "$TMP/before.txt" | sort | comm -13 - <(sort "$TMP/run1.ids") | head -3)
[ -z "$missing" ] || fail "findings of the first run lost by the kill: $missing"
find "$CAMP/corpus/$D" -type f -printf '%f\n' | sort >"$TMP/corpus.before"
rows_before=$(wc -l <"$CAMP/stats/$D.tsv")

# The third run resumes AFL++'s folders and keeps what is stored.  While
# it runs: when a resumed afl-fuzz first rewrites its fuzzer_stats (once it
# has imported its queue again), for the progress check below.
touch "$TMP/run3.mark"
start3=$(date +%s)
set +e
"${campaign_env[@]}" "$SSHDIFF" campaign --engine afl --time 30s --jobs 2 --out "$CAMP" --targets "$D" \
	>"$TMP/out" 2>"$TMP/err" &
pid=$!
rewritten=""
while kill -0 "$pid" 2>/dev/null; do
	[ -n "$rewritten" ] || [ -z "$(find "$CAMP/afl/$D" -maxdepth 2 -name fuzzer_stats -newer "$TMP/run3.mark")" ] ||
		rewritten=$(date +%s)
	sleep 0.5
done
wait "$pid"
rc=$?
set -e
campaign_s=$(($(date +%s) - start3))
echo "third campaign: $campaign_s s, exit $rc"
checks=$((checks + 1))
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "third campaign: exit status $rc"
expect_no_sanitizer
expect_err "^sshdiff: $D: AFL\+\+ afl-fuzz -M main, -S s1, resuming $CAMP/afl/$D, custom mutator $mutator$"
# Not the previous runs' numbers: until a resumed afl-fuzz rewrites its
# fuzzer_stats the progress shows no executions.  The lines of the third
# run printed before the first rewrite (5 s of slack for its start and
# the half-second samples above).
checks=$((checks + 1))
python3 - "$TMP/err" "$start3" "${rewritten:-0}" >"$TMP/check" 2>&1 <<'PY' || fail "resumed progress: $(cat "$TMP/check")"
import re, sys
err, start, rewritten = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) or 1e12
n = 0
for m in re.finditer(r"^\[(\d\d):(\d\d):(\d\d)\] \S+: (.*)$", open(err).read(), re.M):
    at = start + int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    if at + 5 < rewritten and not m.group(4).startswith("starting"):
        assert re.match(r"0 exec/s  0 execs ", m.group(4)), f"a previous run's stats: {m.group(0)}"
        n += 1
print(f"{n} progress lines before afl-fuzz rewrote its stats, none with the previous run's")
PY
cat "$TMP/check"
checks=$((checks + 1))
grep -q "^command_line *: afl-fuzz -i - -o $CAMP/afl/$D -M main " "$CAMP/afl/$D/main/fuzzer_stats" ||
	fail "main instance not resumed: $(grep command_line "$CAMP/afl/$D/main/fuzzer_stats")"
checks=$((checks + 1))
python3 - "$DB" "$TMP/before.txt" >"$TMP/check" 2>&1 <<'PY' || fail "after the third run: $(cat "$TMP/check")"
import sqlite3, sys
now = {r[0]: (r[1], r[2]) for r in sqlite3.connect(sys.argv[1]).execute("select id, count, signature from findings")}
before = [l.rstrip("\n").split("\t", 2) for l in open(sys.argv[2])]
for id_, count, sig in before:
    assert id_ in now, f"finding {id_} lost"
    assert now[id_][1] == sig and now[id_][0] >= int(count), (id_, now[id_], count)
print(f"{len(before)} findings before the third run, {len(now)} after")
PY
cat "$TMP/check"
find "$CAMP/corpus/$D" -type f -printf '%f\n' | sort >"$TMP/corpus.after"
checks=$((checks + 1))
missing=$(comm -23 "$TMP/corpus.before" "$TMP/corpus.after" | head -3)
[ -z "$missing" ] || fail "corpus files lost by the third run: $missing"
echo "corpus: $(wc -l <"$TMP/corpus.before") files before the third run, $(wc -l <"$TMP/corpus.after") after"
# AFL++ itself went on from its queue, not from the seeds.
checks=$((checks + 1))
n_queue=$(find "$CAMP/afl/$D/main/queue" -maxdepth 1 -name 'id:*' | wc -l)
[ "$n_queue" -ge "$(wc -l <"$TMP/corpus.before")" ] || fail "main queue restarted: $n_queue entries"
checks=$((checks + 1))
[ "$(wc -l <"$CAMP/stats/$D.tsv")" -gt "$rows_before" ] && [ "$(grep -c '^time_s' "$CAMP/stats/$D.tsv")" -eq 1 ] ||
	fail "stats not appended to"
expect_no_leftovers "the third campaign"
done_ok

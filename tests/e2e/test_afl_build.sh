# The AFL++ builds: the `afl` and `afl-cmplog` presets configured into temp
# folders and built (afl-clang-fast; AFL_LLVM_CMPLOG=1 for the second), then
# `afl-fuzz -V 15 -c <cmplog build>` on one raw-bytes target over its seeds,
# asserting AFL++ ran it (fuzzer_stats: execs_done > 0).  When the build
# has the case mutator for AFL++ (libsshdiff_afl_mutator.so), the
# differential target is also fuzzed for a few seconds with it loaded
# through AFL_CUSTOM_MUTATOR_LIBRARY.  Two builds of the engine: minutes.
. "$(dirname "$0")/lib.sh" "$@"
# afl-fuzz can leave its CMPLOG forkserver behind, stopped (seen: state T,
# parent 1, an hour later): kill whatever still runs from our folder.
trap 'pkill -9 -f "$TMP/" 2>/dev/null; rm -rf "$TMP"' EXIT

for tool in afl-clang-fast afl-fuzz cmake ninja nm objdump; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

# afl-fuzz refuses an ASAN_OPTIONS without symbolize=0 (CTest sets one);
# these builds have no sanitizer, so none is needed.
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
configure_preset afl-cmplog "$TMP/cmplog" AFL_LLVM_CMPLOG=1
# Extra outputs of the afl build (the presets use Ninja): the seed
# generators' runs and the AFL++ mutator library, whatever its target's name.
extra=()
while read -r t; do extra+=("$t"); done < <(ninja -C "$TMP/afl" -t targets all |
	grep -oE '^(gen_[A-Za-z0-9_]+_seeds_run|[^:]*/libsshdiff_afl_mutator\.so):' | tr -d : | sort -u)
build_in "" "$TMP/afl" "${targets[@]}" "${extra[@]}"
build_in AFL_LLVM_CMPLOG=1 "$TMP/cmplog" "${targets[@]}"

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
	n=$(cmplog_calls "$TMP/cmplog/targets/$t")
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
	env "$@" afl-fuzz -V "$secs" "${tflag[@]}" -c "$TMP/cmplog/targets/$t" -i "$in" -o "$out" \
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

# The differential target with the case mutator, when the build has it.
mutator=$(find "$TMP/afl" -name libsshdiff_afl_mutator.so | head -n 1)
if [ -n "$mutator" ]; then
	checks=$((checks + 1))
	[ -x "$TMP/afl/targets/fuzz_differential" ] || fail "mutator built, but no fuzz_differential"
	checks=$((checks + 1))
	[ -d "$TMP/afl/targets/fuzz_differential_seeds" ] || fail "no fuzz_differential_seeds"
	take_seeds "$TMP/afl/targets/fuzz_differential_seeds" "$TMP/in-diff" 20
	fuzz 8 fuzz_differential "$TMP/in-diff" "$TMP/afl-out-diff" AFL_CUSTOM_MUTATOR_LIBRARY="$mutator"
	checks=$((checks + 1))
	cat "$TMP/out" "$TMP/err" | grep -qi 'custom mutator' || fail "afl-fuzz did not load $mutator"
else
	echo "no libsshdiff_afl_mutator.so in the afl build: differential + custom mutator run not done"
fi
done_ok

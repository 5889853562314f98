#!/usr/bin/env bash
# bench_replay.sh — `sshdiff replay` of one full-handshake case as a whole
# process (issue 3, "Speed": target <= 50 ms), side by side in the same run
# with process-start baselines: `true` (fork + exec of the smallest program)
# and `sshdiff --help` (the same binary, its libraries loaded, no case run).
#
# Usage: bench/bench_replay.sh [SSHDIFF [N [CASE...]]]
#   SSHDIFF  the binary (default: build/release/replay/sshdiff, the release
#            preset; measure only a release build)
#   N        runs per command (default 200)
#   CASE     case files (default: tests/e2e/default-server.case and
#            default-client.case, i.e. case_default for each role)
# Prints min / median / max wall-clock milliseconds per run of each command.
# Each run is timed on its own with bash's $EPOCHREALTIME (no extra process
# inside the timed interval); every replay must exit 0 or the bench stops.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
SSHDIFF=${1:-$src/build/release/replay/sshdiff}
N=${2:-200}
shift $(($# < 2 ? $# : 2))
if [ $# -gt 0 ]; then
	cases=("$@")
else
	cases=("$src/tests/e2e/default-server.case" "$src/tests/e2e/default-client.case")
fi
[ -x "$SSHDIFF" ] || { echo "bench_replay: no executable $SSHDIFF (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
TRUE=$(type -P true) # the program, not the shell builtin

# time_cmd LABEL CMD...: N timed runs, prints "LABEL min median max" in ms.
time_cmd() {
	local label=$1 i t0 t1
	shift
	local -a ms=()
	"$@" >/dev/null 2>&1 || { echo "bench_replay: '$*' failed (exit $?)" >&2; exit 1; }
	for ((i = 0; i < N; i++)); do
		# microseconds: $EPOCHREALTIME ("seconds.micros", the separator is
		# the locale's) without the separator; no subshell in the interval
		t0=${EPOCHREALTIME/[.,]/}
		"$@" >/dev/null 2>&1 || { echo "bench_replay: '$*' failed" >&2; exit 1; }
		t1=${EPOCHREALTIME/[.,]/}
		ms+=($((t1 - t0)))
	done
	printf '%s\n' "${ms[@]}" | sort -n | awk -v label="$label" '
		{ v[NR] = $1 }
		END { printf "%-40s %8.2f %8.2f %8.2f\n", label, v[1] / 1000, v[int((NR + 1) / 2)] / 1000, v[NR] / 1000 }'
}

echo "bench_replay: $SSHDIFF, $N runs each, wall-clock ms per process: min median max"
echo
time_cmd "baseline: true" "$TRUE"
time_cmd "baseline: sshdiff --help" "$SSHDIFF" --help
for c in "${cases[@]}"; do
	time_cmd "sshdiff replay $(basename "$c")" "$SSHDIFF" replay "$c"
done

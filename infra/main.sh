#!/usr/bin/env bash
# The README's main command: on a fresh Debian bookworm machine, install
# what sshdiff needs, build it (release for the sshdiff command, libfuzzer
# for the fuzz targets), run a short campaign over the bundled corpus and
# write its report.
#
#   SSHDIFF_TIME   campaign budget (default 4m)
#   SSHDIFF_OUT    campaign directory (default out/campaign; kept across
#                  runs: the corpus and the findings grow, like a nightly)
set -euo pipefail
cd "$(dirname "$0")/.."

bash infra/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
cmake --preset libfuzzer >/dev/null
cmake --build --preset libfuzzer

out=${SSHDIFF_OUT:-out/campaign}
sshdiff=build/release/replay/sshdiff
# Exit status 1 means "new findings": a result, not a failure of this script.
rc=0
"$sshdiff" campaign --time "${SSHDIFF_TIME:-4m}" --jobs "$(nproc)" --out "$out" \
	--targets-dir build/libfuzzer/targets || rc=$?
if [ "$rc" -ge 2 ]; then
	echo "main: sshdiff campaign failed (exit $rc)" >&2
	exit "$rc"
fi
"$sshdiff" report "$out"
"$sshdiff" report --format md "$out" -o "$out/report.md" >/dev/null
echo "main: report: $(cd "$out" && pwd)/report.html (and report.md)"

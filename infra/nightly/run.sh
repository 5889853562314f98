#!/usr/bin/env bash
# infra/nightly/run.sh — one night's campaign on this machine: builds the
# libfuzzer preset (the targets) and the release preset (the sshdiff
# command), runs `sshdiff campaign` for the budget on every core into ONE
# directory that is kept from night to night (so the corpus grows and the
# finding store accumulates: campaigns resume), then writes its report.
#
#   SSHDIFF_BUDGET        campaign time (default 8h; sshdiff's --time syntax)
#   SSHDIFF_NIGHTLY_DIR   the campaign directory (default ./campaign: the
#                         systemd unit's and the cron line's working folder)
#   SSHDIFF_PULL=1        `git pull --ff-only` the checkout first
#
# Exit status: 0 when the campaign ran (with or without findings: findings
# are in the report, not a failure of the job), else the failing step's.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUDGET=${SSHDIFF_BUDGET:-8h}
DIR=${SSHDIFF_NIGHTLY_DIR:-$PWD/campaign}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# One campaign at a time on a directory: a night that overruns is not
# doubled by the next (cron has no such guard of its own).
exec 9>"$DIR/.nightly.lock"
if ! flock -n 9; then
	echo "nightly: a campaign is still running on $DIR; nothing to do" >&2
	exit 0
fi

log() { echo "nightly: $(date -u +%FT%TZ) $*" >&2; }

if [ "${SSHDIFF_PULL:-0}" = 1 ]; then
	log "git pull --ff-only in $REPO"
	git -C "$REPO" pull --ff-only
fi

log "building presets libfuzzer and release in $REPO"
(
	cd "$REPO"
	cmake --preset libfuzzer >/dev/null
	cmake --build --preset libfuzzer -j "$(nproc)"
	cmake --preset release >/dev/null
	cmake --build --preset release -j "$(nproc)" --target sshdiff
)
SSHDIFF="$REPO/build/release/replay/sshdiff"
export SSHDIFF_TARGETS_DIR="$REPO/build/libfuzzer/targets"

log "campaign --time $BUDGET --jobs $(nproc) --out $DIR"
set +e
"$SSHDIFF" campaign --time "$BUDGET" --jobs "$(nproc)" --out "$DIR"
rc=$?
set -e
log "campaign exit status $rc"

# The report is written whatever the campaign's status, as long as it left
# a campaign directory: a crashed night still shows what it had found.
"$SSHDIFF" report "$DIR"
case $rc in
0 | 1) exit 0 ;;  # 1: there are findings
*) exit "$rc" ;;
esac

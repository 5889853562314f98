#!/usr/bin/env bash
# infra/nightly/install.sh — installs the nightly campaign for the checkout
# REPO: the systemd timer + service (default) or the cron line (--cron).
# Idempotent: a file already as it should be is left alone; running it again
# after moving the checkout or changing the user rewrites what changed.
#
#   install.sh [--cron] [--user USER] [--dest DIR] [--no-enable] REPO
#
#   --cron       /etc/cron.d/sshdiff-nightly instead of the systemd units
#   --user USER  the account the campaign runs as (default: REPO's owner);
#                it builds in REPO/build, so it must be able to write there
#   --dest DIR   where to write (default /etc/systemd/system, or /etc/cron.d);
#                with --dest nothing is enabled (for packaging, or checking)
#   --no-enable  write the files but do not run systemctl
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 2; }
usage() { sed -n '7,14s/^# \{0,1\}//p' "$0"; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=systemd user="" dest="" enable=1 repo=""
while [ $# -gt 0 ]; do
	case "$1" in
	--cron) mode=cron ;;
	--user) [ $# -ge 2 ] || die "--user needs a value"; user=$2; shift ;;
	--dest) [ $# -ge 2 ] || die "--dest needs a value"; dest=$2; enable=0; shift ;;
	--no-enable) enable=0 ;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$repo" ] || die "one REPO only"; repo=$1 ;;
	esac
	shift
done
[ -n "$repo" ] || { usage >&2; exit 2; }
[ -x "$repo/infra/nightly/run.sh" ] || die "$repo: no infra/nightly/run.sh (not an sshdiff checkout?)"
repo=$(cd "$repo" && pwd)
# The path goes unquoted into ExecStart= and a cron line: keep it plain.
[[ "$repo" =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "$repo: use a path of letters, digits and ._/+- only"
[ -n "$user" ] || user=$(stat -c %U "$repo")
[[ "$user" =~ ^[A-Za-z0-9._-]+$ ]] || die "user '$user': letters, digits and ._- only"
id -u "$user" >/dev/null 2>&1 || die "no user '$user'"

# install_file TEMPLATE TARGET: the template with @REPO@ and @USER@ filled
# in, written (atomically) only when it differs.  Prints whether it changed.
changed=0
install_file() {
	local tmp
	tmp=$(mktemp "$2.XXXXXX")
	sed -e "s|@REPO@|$repo|g" -e "s|@USER@|$user|g" "$1" >"$tmp"
	chmod 0644 "$tmp"
	if cmp -s "$tmp" "$2"; then
		rm -f "$tmp"
		echo "install.sh: $2 unchanged"
	else
		mv -f "$tmp" "$2"
		changed=1
		echo "install.sh: wrote $2"
	fi
}

if [ "$mode" = systemd ]; then
	dest=${dest:-/etc/systemd/system}
	mkdir -p "$dest"
	install_file "$here/sshdiff-nightly.service" "$dest/sshdiff-nightly.service"
	install_file "$here/sshdiff-nightly.timer" "$dest/sshdiff-nightly.timer"
	if [ $enable = 1 ]; then
		[ -d /run/systemd/system ] || die "systemd is not running here: use --cron (or --dest DIR)"
		[ $changed = 0 ] || systemctl daemon-reload
		systemctl enable --now sshdiff-nightly.timer
		systemctl list-timers sshdiff-nightly.timer --no-pager
	fi
else
	dest=${dest:-/etc/cron.d}
	mkdir -p "$dest"
	# cron.d ignores names with dots: no extension.
	install_file "$here/crontab" "$dest/sshdiff-nightly"
	if [ $enable = 1 ]; then
		install -d -o "$user" -m 0755 /var/lib/sshdiff-nightly
		echo "install.sh: campaign folder /var/lib/sshdiff-nightly, log nightly.log there"
	fi
fi

# A real session recorded here: OpenSSH's sshd -D -ddd on 127.0.0.1 with a
# temporary config and host keys, and ssh -vvv against it (authentication
# fails, the key exchange completes).  Both logs go through `sshdiff
# ingest`: the two show one connection and give the same two cases (the
# second log's are duplicates), the negotiation --explain computes from the
# logged proposals is what OpenSSH logged it chose, and the cases replay
# with agreement.  Needs root (sshd's privilege separation directory), as
# CI runs the tests; a missing tool is a failure, never a skip.
. "$(dirname "$0")/lib.sh" "$@"
SSHD=/usr/sbin/sshd
for tool in "$SSHD" ssh ssh-keygen python3 timeout; do
	command -v "$tool" >/dev/null || fail "$tool not found"
done
[ "$(id -u)" -eq 0 ] || fail "needs root: sshd wants /run/sshd and its privilege separation user"
mkdir -p /run/sshd

REC="$TMP/rec"
mkdir "$REC"
ssh-keygen -q -t ed25519 -N '' -f "$REC/host_ed25519" || fail "ssh-keygen ed25519"
ssh-keygen -q -t ecdsa -N '' -f "$REC/host_ecdsa" || fail "ssh-keygen ecdsa"
cat > "$REC/sshd_config" <<EOF
HostKey $REC/host_ed25519
HostKey $REC/host_ecdsa
ListenAddress 127.0.0.1
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
EOF

sshd_pid=
cleanup() {
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# A free port (bind 0), then sshd on it; another process may take it in
# between, so a few tries.
for attempt in 1 2 3; do
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SSHD" -D -ddd -e -p "$port" -f "$REC/sshd_config" 2> "$REC/sshd.log" &
	sshd_pid=$!
	for i in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $port" "$REC/sshd.log" && break
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "Server listening on 127.0.0.1 port $port" "$REC/sshd.log" && break
	kill "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null; sshd_pid=
done
[ -n "$sshd_pid" ] || { cat "$REC/sshd.log" >&2; fail "sshd did not start"; }

set +e
timeout 60 ssh -vvv -p "$port" -o BatchMode=yes -o ConnectTimeout=20 -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o IdentityFile=/dev/null \
	-o IdentitiesOnly=yes nobody@127.0.0.1 true 2> "$REC/ssh.log"
set -e
# sshd -d serves one connection, then exits
for i in $(seq 100); do
	kill -0 "$sshd_pid" 2>/dev/null || break
	sleep 0.1
done
kill "$sshd_pid" 2>/dev/null || true
wait "$sshd_pid" 2>/dev/null || true
sshd_pid=
checks=$((checks + 1))
grep -q "debug1: kex: algorithm: " "$REC/ssh.log" || { cat "$REC/ssh.log" >&2; fail "ssh logged no key exchange"; }
checks=$((checks + 1))
grep -q "local server KEXINIT proposal" "$REC/sshd.log" || { cat "$REC/sshd.log" >&2; fail "sshd logged no proposal"; }

OUT="$TMP/cases"
run ingest "$REC/ssh.log" "$REC/sshd.log" --into "$OUT"
expect_rc 0 "recorded logs"
expect_no_sanitizer
expect_out "^2 files \(0 unusable\), 2 connections: 2 cases written, 2 duplicates skipped \(2 same content"
expect_out "versions +client SSH-2.0-OpenSSH_[^ ]+.* \| server SSH-2.0-OpenSSH_"
# (ssh ends its -v lines with CR LF)
kex=$(tr -d '\r' < "$REC/ssh.log" | sed -n 's/^debug1: kex: algorithm: \(.*\)$/\1/p' | head -n 1)
hk=$(tr -d '\r' < "$REC/ssh.log" | sed -n 's/^debug1: kex: host key algorithm: \(.*\)$/\1/p' | head -n 1)
expect_out "negotiated +kex $kex, hostkey $hk"

# The RFC 4253 section 7.1 result from the logged lists is what sshd chose.
run ingest --explain "$REC/sshd.log"
expect_rc 0 "explain"
expect_out "^  kex +$kex$"
expect_out "^  hostkey +$hk$"
expect_out "result: the negotiation succeeds"

run replay "$OUT"/*.case
expect_rc 0 "replay of the recorded session's cases"
expect_no_sanitizer
done_ok

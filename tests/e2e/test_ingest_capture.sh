# Captures recorded here and now: Debian's OpenSSH sshd on the loopback
# (own host keys in a temporary folder), Debian's ssh connecting over IPv4
# and IPv6 with three different key exchanges (auth fails: the handshake
# is what matters), dumpcap recording the port.  `sshdiff ingest` must find
# every connection and write cases that `sshdiff replay` accepts with
# agreement; a capture without SSH, a truncated capture and a file that is
# not a capture are refused with the file and packet named, exit 2, and
# nothing written for them.  Needs root (dumpcap on lo, sshd).
. "$(dirname "$0")/lib.sh" "$@"

SSHD=/usr/sbin/sshd
for tool in dumpcap ssh ssh-keygen python3 "$SSHD"; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool not installed"
done
[ "$(id -u)" -eq 0 ] || fail "must run as root (dumpcap on lo, sshd)"

KEYS="$TMP/keys"
mkdir -p "$KEYS" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$KEYS/host_ed25519" || fail "ssh-keygen ed25519"
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$KEYS/host_ecdsa" || fail "ssh-keygen ecdsa"

pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# Starts dumpcap on one interface for a BPF filter; waits until it is
# capturing.
cap_pids=""
start_capture() { # FILE FILTER INTERFACE [dumpcap options...]
	file=$1
	filter=$2
	iface=$3
	shift 3
	dumpcap -q -i "$iface" "$@" -f "$filter" -a duration:120 -w "$file" 2>"$file.log" &
	cap_pid=$!
	pids="$pids $cap_pid"
	cap_pids="$cap_pids $cap_pid"
	for _ in $(seq 100); do
		grep -q "Capturing on" "$file.log" 2>/dev/null && { sleep 0.5; return 0; }
		kill -0 "$cap_pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "dumpcap did not start: $(cat "$file.log")"
}

stop_capture() {
	sleep 0.5 # the last FIN/ACKs
	for p in $cap_pids; do kill -TERM "$p"; done
	for p in $cap_pids; do wait "$p" 2>/dev/null || true; done
	cap_pids=""
}

# sshd on a free port, IPv4 and IPv6 loopback.
start_sshd() {
	for try in 1 2 3 4 5; do
		PORT=$((20000 + ($$ * 7 + try * 1013) % 30000))
		cat >"$TMP/sshd_config" <<EOF
HostKey $KEYS/host_ed25519
HostKey $KEYS/host_ecdsa
ListenAddress 127.0.0.1
ListenAddress ::1
Port $PORT
UsePAM no
PidFile none
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel DEBUG2
EOF
		: >"$TMP/sshd.log"
		"$SSHD" -D -f "$TMP/sshd_config" -E "$TMP/sshd.log" &
		sshd_pid=$!
		for _ in $(seq 50); do
			if grep -q "Server listening on ::1 port $PORT" "$TMP/sshd.log" &&
				grep -q "Server listening on 127.0.0.1 port $PORT" "$TMP/sshd.log"; then
				pids="$pids $sshd_pid"
				return 0
			fi
			kill -0 "$sshd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$sshd_pid" 2>/dev/null || true
		wait "$sshd_pid" 2>/dev/null || true
	done
	fail "sshd did not start: $(cat "$TMP/sshd.log")"
}

# One ssh connection; authentication is refused (no keys, BatchMode), which
# proves the key exchange completed.
connect() { # HOST [ssh options...]
	host=$1
	shift
	set +e
	timeout 30 ssh -F /dev/null -p "$PORT" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o IdentityFile=/dev/null -o ConnectTimeout=10 "$@" \
		"nobody@$host" true >"$TMP/ssh.out" 2>"$TMP/ssh.err"
	set -e
	grep -q "Permission denied" "$TMP/ssh.err" || fail "ssh to $host $*: $(cat "$TMP/ssh.err")"
}

# ---- a capture with three SSH connections ----
start_sshd
CAP="$TMP/ssh.pcapng"
start_capture "$CAP" "tcp port $PORT" lo
# the same traffic on the "any" device: Linux cooked framing v2, as pcap
CAP2="$TMP/ssh-sll2.pcap"
start_capture "$CAP2" "tcp port $PORT" any -y LINUX_SLL2 -P
connect 127.0.0.1
connect ::1 -o KexAlgorithms=ecdh-sha2-nistp256 -o Ciphers=aes256-gcm@openssh.com
connect 127.0.0.1 -o KexAlgorithms=diffie-hellman-group-exchange-sha256 -o HostKeyAlgorithms=ecdsa-sha2-nistp256 \
	-o MACs=hmac-sha2-512-etm@openssh.com -o Ciphers=aes128-ctr
stop_capture
[ -s "$CAP" ] || fail "dumpcap wrote nothing"

OUT="$TMP/corpus"
mkdir -p "$OUT"
run ingest "$CAP" --into "$OUT"
expect_rc 0 "ingest of a clean capture"
expect_no_sanitizer
# every connection is listed, with both versions
checks=$((checks + 1))
[ "$(grep -Ec "127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:$PORT" "$TMP/out")" -ge 2 ] || fail "IPv4 connections not listed"
expect_out "\[::1\]:[0-9]+ > \[::1\]:$PORT|::1.*$PORT"
expect_out "SSH-2\.0-OpenSSH_9"
ncases=$(find "$OUT" -name '*.case' | wc -l)
checks=$((checks + 1))
[ "$ncases" -ge 3 ] || fail "want at least one case per connection, got $ncases"

# the cases replay, and every backend agrees; among them the captured
# OpenSSH server as the actor (the implementation under test is a client)
server_actor=0
for c in "$OUT"/*.case; do
	run replay "$c"
	expect_rc 0 "replay of $(basename "$c")"
	expect_out '^agreement: '
	expect_no_sanitizer
	if grep -q 'implementation under test is the client' "$TMP/out"; then
		server_actor=$((server_actor + 1))
	fi
done
checks=$((checks + 1))
[ "$server_actor" -ge 1 ] || fail "no case with the captured server as the actor"

# the cooked capture finds the same three connections; its cases are the
# same content as the first capture's (the corpus does not grow)
run ingest "$CAP2" --into "$OUT"
expect_rc 0 "ingest of the SLL2 capture"
expect_no_sanitizer
checks=$((checks + 1))
[ "$(grep -c "^$CAP2 " "$TMP/out")" -eq 3 ] || fail "want 3 connections in the SLL2 capture"
checks=$((checks + 1))
[ "$(find "$OUT" -name '*.case' | wc -l)" -eq "$ncases" ] || fail "SLL2 capture gave other cases"

# the same capture again: everything is a duplicate, nothing new written
run ingest "$CAP" --into "$OUT"
expect_rc 0 "second ingest"
checks=$((checks + 1))
[ "$(find "$OUT" -name '*.case' | wc -l)" -eq "$ncases" ] || fail "duplicates written"

# machine output
run ingest "$CAP" --into "$TMP/corpus-json" --json
expect_rc 0 "--json"
checks=$((checks + 1))
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$TMP/out" ||
	fail "--json output is not JSON"

# ---- bad input ----
# cut in the middle: the connections before the cut are still ingested and
# the packet where the file breaks is named
size=$(stat -c %s "$CAP")
CUT="$TMP/cut.pcapng"
head -c $((size * 2 / 3)) "$CAP" >"$CUT"
run ingest "$CUT" --into "$TMP/corpus-cut"
expect_no_sanitizer
expect_err "cut\.pcapng: packet [0-9]+: .*truncated"
checks=$((checks + 1))
[ "$(find "$TMP/corpus-cut" -name '*.case' 2>/dev/null | wc -l)" -ge 1 ] ||
	fail "nothing ingested from the part before the cut"

# a capture without SSH (a line protocol on another port)
QPORT=$((PORT + 1))
NOSSH="$TMP/nossh.pcapng"
start_capture "$NOSSH" "tcp port $QPORT" lo
python3 - "$QPORT" <<'PY' || fail "plain TCP exchange"
import socket, sys, threading
port = int(sys.argv[1])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    c.recv(100)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhi\n")
    c.close()
t = threading.Thread(target=serve)
t.start()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET / HTTP/1.0\r\nUser-Agent: test\r\n\r\n")
s.recv(100)
s.close()
t.join()
PY
stop_capture
run ingest "$NOSSH" --into "$TMP/corpus-nossh"
expect_rc 2 "capture without SSH"
expect_err "nossh\.pcapng: .*no SSH connection"
expect_no_sanitizer
checks=$((checks + 1))
[ "$(find "$TMP/corpus-nossh" -name '*.case' 2>/dev/null | wc -l)" -eq 0 ] || fail "cases written for a non-SSH capture"

# a binary file that is no capture (and no log)
head -c 4096 /bin/sh >"$TMP/binary.pcap"
run ingest "$TMP/binary.pcap" --into "$TMP/corpus-bin"
expect_rc 2 "binary file"
expect_err "binary\.pcap"
expect_no_sanitizer

done_ok

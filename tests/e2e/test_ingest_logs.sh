# `sshdiff ingest` on logs (docs/ingest.md): every fixture log of
# tests/data/logs becomes cases that `sshdiff replay` accepts (exit 0 or
# 1, never 2); a second run into the same folder skips every case as a
# duplicate; a log whose lists equal an earlier one's under another
# version string is a fingerprint duplicate; --explain on the "no matching
# mac" log names the MAC category and both lists; --json is one valid JSON
# object; bad inputs exit 2 naming the file and the line or byte, and write
# nothing; a partly damaged log is ingested, reported damaged, exit 0.
. "$(dirname "$0")/lib.sh" "$@"
LOGS="$SRC/tests/data/logs"
OUT="$TMP/corpus"

# the fixtures, all at once
run ingest "$LOGS"/*.log --into "$OUT"
expect_rc 0 "fixture logs"
expect_no_sanitizer
expect_out "^$LOGS/sshd-5.3-debug2-kex-parse-kexinit.log lines 6-49"
expect_out "versions +client SSH-2.0-libssh2_1.7.0_DEV \| server SSH-2.0-OpenSSH_5.3"
expect_out "hassh +client [0-9a-f]{32} \| server [0-9a-f]{32}"
expect_out "negotiated +kex sntrup761x25519-sha512, hostkey ssh-ed25519"
expect_out "case +actor client, IUT server: written [0-9a-f]{64}\.case"
expect_out "unusable +'\[email\?\?protected\]'"
expect_out "ttssh-dropbear-2024.86.log lines 1-35 +\[file damaged"
expect_err "ttssh-dropbear-2024.86.log: line 6: 3 unusable names in the client's cipher_cs list"
written=$(ls "$OUT"/*.case | wc -l)
checks=$((checks + 1))
[ "$written" -ge 14 ] || fail "only $written cases written"
expect_out "^8 files \(0 unusable\), 8 connections: $written cases written"
# ssh -vvv and sshd -ddd of one connection give the same two cases
expect_out "openssh-9.2-sshd-ddd.log lines 53-99"
expect_out "actor client, IUT server: duplicate: same content as"

# every case file says where it came from and what it is
checks=$((checks + 1))
grep -l "^# from $LOGS/sshd-7.2-debug2-proposals.log lines 1-26: proposals only, cookie not in the log" \
	"$OUT"/*.case >/dev/null || fail "no 'from ... lines 1-26' comment"
checks=$((checks + 1))
grep -l "^# from $LOGS/putty-0.81-event-log.log lines 13-25: negotiated algorithms only" "$OUT"/*.case \
	>/dev/null || fail "no negotiated-only comment"
checks=$((checks + 1))
! grep -l "protected" "$OUT"/*.case >/dev/null || fail "a mangled name reached a case"

# every written case replays: agreement or divergence, never unusable
run replay "$OUT"/*.case
checks=$((checks + 1))
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "replay of ingested cases: exit $rc"
expect_no_sanitizer
expect_out "agreement"

# again: nothing new
run ingest "$LOGS"/*.log --into "$OUT"
expect_rc 0 "second run"
expect_out "0 cases written, $((written + 2)) duplicates skipped \($((written + 2)) same content, 0 same"
checks=$((checks + 1))
[ "$(ls "$OUT"/*.case | wc -l)" -eq "$written" ] || fail "second run wrote files"

# same lists, another version string: a fingerprint duplicate (client),
# the same content (server: its version is not in either log)
{ echo "sshd[3685]: debug1: Client protocol version 2.0; client software version OpenSSH_7.1"
  cat "$LOGS/sshd-7.2-debug2-proposals.log"; } > "$TMP/variant.log"
run ingest "$TMP/variant.log" --into "$OUT" --json
expect_rc 0 "variant"
expect_out '"status":"duplicate","case":"[0-9a-f]{64}\.case","reason":"same HASSH [0-9a-f]{32} and lists as [0-9a-f]{64}\.case"'
expect_out '"duplicate_fingerprint":1'
expect_out '"client_version":"SSH-2.0-OpenSSH_7.1"'
python3 -m json.tool "$TMP/out" >/dev/null || fail "--json output is not JSON"

# --explain: the "no matching mac" question
run ingest --explain "$LOGS/sshd-no-matching-mac.log"
expect_rc 0 "explain"
expect_out "^  mac +NO COMMON ALGORITHM$"
expect_out "client offers: hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,hmac-ripemd160@openssh.com$"
expect_out "server offers: hmac-sha2-512,hmac-sha2-256$"
expect_out "result: NO COMMON MAC algorithm"
run ingest --explain "$LOGS/sshd-5.3-debug2-kex-parse-kexinit.log" "$LOGS/openssh-9.2-ssh-vvv.log"
expect_rc 0 "explain two"
expect_out "result: NO COMMON key exchange method"
expect_out "^  kex +sntrup761x25519-sha512$"
expect_out "^  mac +\(none: chacha20-poly1305@openssh.com is an AEAD cipher"

# bad input: exit 2, the file and the line or byte named, nothing written
BAD="$TMP/bad"
run ingest "$TMP/missing.log" --into "$BAD"
expect_rc 2 "missing file"
expect_err "$TMP/missing.log: cannot open"
head -c 4096 "$SSHDIFF" > "$TMP/binary.log"
run ingest "$TMP/binary.log" --into "$BAD"
expect_rc 2 "binary"
expect_err "$TMP/binary.log: byte [0-9]+: binary data, not a text log"
printf 'Jan  2 03:04:05 gw sshd[1]: Accepted publickey for root\nhello\n' > "$TMP/noprop.log"
run ingest "$TMP/noprop.log" --into "$BAD"
expect_rc 2 "no proposals"
expect_err "$TMP/noprop.log: no SSH key exchange in 2 lines"
run ingest "$TMP/noprop.log" --json
expect_rc 2 "no proposals, json"
expect_out '"usable":false'
checks=$((checks + 1))
[ ! -e "$BAD" ] || fail "bad inputs created $BAD"
# one bad file among good ones: the good one is still ingested, exit 2
run ingest "$LOGS/sshd-7.2-debug2-proposals.log" "$TMP/noprop.log" --into "$BAD"
expect_rc 2 "good and bad"
expect_out "2 files \(1 unusable\), 1 connection: 2 cases written"
# options
run ingest
expect_rc 2 "no file"
expect_err "no FILE given"
run ingest --into
expect_rc 2 "--into without DIR"
run ingest --bogus "$LOGS/sshd-no-matching-mac.log"
expect_rc 2 "unknown option"
run ingest --help
expect_rc 0 "help"
expect_out "usage: sshdiff ingest FILE"

# partly damaged: a log cut inside the peer's proposal
head -n 20 "$LOGS/sshd-7.2-debug2-proposals.log" > "$TMP/cut.log"
run ingest "$TMP/cut.log" --into "$TMP/cut"
expect_rc 0 "cut log"
expect_err "$TMP/cut.log: lines 1-20: the client proposal has 6 of 10 lists"
expect_out "\[file damaged"
expect_out "actor server, IUT client: written"
expect_no_sanitizer
done_ok

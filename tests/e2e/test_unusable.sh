# Unusable case files: exit 2, a message naming the file and the line
# (text) or byte offset (binary), nothing on stdout for that case.
. "$(dirname "$0")/lib.sh" "$@"
GOOD="$E2E/default-server.case"

# garbage: random bytes, and a text case with a misspelt step on line 3
head -c 300 /dev/urandom > "$TMP/random.case"
printf '\x99garbage\n' >> "$TMP/random.case"
run replay "$TMP/random.case"
expect_rc 2 "random bytes"
expect_no_stdout
expect_err "^$TMP/random.case:[0-9]+: "

printf 'sshdiff-case 1\niut server\nsned KEXINIT\n' > "$TMP/garbage.case"
run replay --json "$TMP/garbage.case"
expect_rc 2 "misspelt step"
expect_no_stdout
expect_err "^$TMP/garbage.case:3: .*sned"

# truncated binary: the header announces 163 bytes of body, 4 follow
printf 'SSHDIFF\001\000\000\000\243\006\000\001\000' > "$TMP/trunc.bin"
run replay "$TMP/trunc.bin"
expect_rc 2 "truncated binary"
expect_no_stdout
expect_err "^$TMP/trunc.bin: offset [0-9]+: .*truncated"

# unknown version, binary and text
printf 'SSHDIFF\002\000\000\000\002\000\000' > "$TMP/v2.bin"
run replay "$TMP/v2.bin"
expect_rc 2 "binary version 2"
expect_no_stdout
expect_err "^$TMP/v2.bin: offset [0-9]+: .*version 2"
printf 'sshdiff-case 2\niut server\n' > "$TMP/v2.case"
run replay "$TMP/v2.case"
expect_rc 2 "text version 2"
expect_no_stdout
expect_err "^$TMP/v2.case:1: .*version 2"

# missing and empty files
run replay "$TMP/missing.case"
expect_rc 2 "missing file"
expect_no_stdout
expect_err "^$TMP/missing.case: "
: > "$TMP/empty.case"
run replay "$TMP/empty.case"
expect_rc 2 "empty file"
expect_no_stdout
expect_err "^$TMP/empty.case: "

# One unusable case among good ones: the good ones are still replayed and
# printed, the bad one only named on stderr, and the status is 2.
run replay --json "$GOOD" "$TMP/garbage.case" "$GOOD"
expect_rc 2 "mixed"
checks=$((checks + 1))
[ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "want 2 JSON lines for the 2 good cases"
expect_out '"case":"[^"]*default-server.case"'
expect_err "^$TMP/garbage.case:3: "
expect_no_sanitizer
done_ok

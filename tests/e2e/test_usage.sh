# The command line: help, unknown commands and options, bad option values
# (exit 2 with the reason on stderr and nothing on stdout).
. "$(dirname "$0")/lib.sh" "$@"
CASE="$E2E/default-server.case"

run --help
expect_rc 0 "--help"
expect_out '^usage: sshdiff COMMAND'
run replay --help
expect_rc 0 "replay --help"
expect_out '^usage: sshdiff replay CASE'
expect_out '^backends: .*own'

run
expect_rc 2 "no command"
expect_no_stdout
expect_err '^usage: sshdiff'
run frobnicate
expect_rc 2 "unknown command"
expect_no_stdout
expect_err "unknown command 'frobnicate'"
run replay
expect_rc 2 "no case"
expect_no_stdout
expect_err 'no case file given'
run replay --bogus "$CASE"
expect_rc 2 "unknown option"
expect_no_stdout
expect_err "unknown option '--bogus'"

run replay --backends bogus "$CASE"
expect_rc 2 "--backends bogus"
expect_no_stdout
expect_err "unknown backend 'bogus'"
run replay --backends own,bogus2 "$CASE"
expect_rc 2 "--backends own,bogus2"
expect_no_stdout
expect_err "unknown backend 'bogus2'"
run replay --backends own, "$CASE"
expect_rc 2 "--backends own,"
expect_err "empty backend name"
run replay "$CASE" --backends
expect_rc 2 "--backends without value"
expect_no_stdout

for t in 0 -5 abc 5x 99999999999; do
	run replay --timeout-ms "$t" "$CASE"
	expect_rc 2 "--timeout-ms $t"
	expect_no_stdout
	expect_err "timeout-ms"
done

# Suppression file problems name the file and the line.
printf 'match = a\nreason = b\n' > "$TMP/sup.txt"
run replay --suppressions "$TMP/sup.txt" "$CASE"
expect_rc 2 "bad suppressions"
expect_no_stdout
expect_err "^$TMP/sup.txt:1: entry has no 'link'"
run replay --suppressions "$TMP/none.txt" "$CASE"
expect_rc 2 "missing suppressions"
expect_no_stdout
expect_err "$TMP/none.txt"

# A store that cannot be created names its path.
touch "$TMP/file"
run replay --store "$TMP/file/sub" "$CASE"
expect_rc 2 "bad store"
expect_no_stdout
expect_err "$TMP/file"
expect_no_sanitizer
done_ok

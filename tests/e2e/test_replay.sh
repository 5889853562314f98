# Replaying the valid default cases: every backend agrees (exit 0), the
# table shows every step and backend, --trace adds each backend's log,
# --backends selects.
. "$(dirname "$0")/lib.sh" "$@"
backends=$("$SSHDIFF" replay --help | sed -n 's/^backends: //p')
[ -n "$backends" ] || fail "no backends listed by replay --help"

for role in server client; do
	CASE="$E2E/default-$role.case"
	run replay "$CASE"
	expect_rc 0 "default $role case"
	expect_out "^case $CASE: implementation under test is the $role"
	expect_out '^step +message'
	expect_out '^ +0 +send KEXINIT'
	expect_out '^agreement: '
	for b in $backends; do
		expect_out "^step .* $b( |$)"
		expect_out "^$b \("
	done
	checks=$((checks + 1))
	! grep -q -- '<-- divergence' "$TMP/out" || fail "divergence marked in an agreeing case"
done

CASE="$E2E/default-server.case"
run replay --trace "$CASE"
expect_rc 0 "--trace"
for b in $backends; do
	expect_out "^== $b ==$"
done

run replay --backends own "$CASE"
expect_rc 0 "--backends own"
expect_out '^own \('
checks=$((checks + 1))
! grep -q '^libssh (' "$TMP/out" || fail "--backends own ran libssh"

# The same case twice in one call: two reports.
run replay --json "$CASE" "$CASE"
expect_rc 0 "two cases"
checks=$((checks + 1))
[ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "want 2 JSON lines"

# Time limits too short to finish: backends still running are killed and
# reported as "hang" at the step their actor had reached (the steps before
# it accepted, the ones after not reached); a fast build may finish some.
for ms in 1 3 8; do
run replay --json --timeout-ms $ms "$CASE"
checks=$((checks + 1))
python3 - "$TMP/out" "$rc" <<'PY' || fail "--timeout-ms $ms"
import json, re, sys
o = json.loads(open(sys.argv[1]).read())
rc = int(sys.argv[2])
hung = {}
for n, b in o["backends"].items():
    m = re.fullmatch(r"hang at step (\d+)", b["outcome"])
    assert m or b["outcome"] == "completed", b["outcome"]
    if m:
        hung[n] = int(m.group(1))
if hung:
    assert rc == 1 and o["divergent"], (rc, o["divergent"])
    # the divergence is the first step where a backend hung
    first = min(hung.values())
    assert o["divergent_step"] == first, (o["divergent_step"], first)
    for n, at in hung.items():
        if at == first:
            assert "%s=hang" % n in o["signature"], o["signature"]
        v = [s["verdicts"][n] for s in o["steps"]]
        assert v[at] == "hang", v
        assert all(x == "accept" for x in v[:at]), v
        assert all(x == "-" for x in v[at + 1:]), v
else:
    assert rc == 0
PY
done

# --store with agreeing cases records nothing and creates the store.
run replay --store "$TMP/store" "$CASE"
expect_rc 0 "--store"
checks=$((checks + 1))
[ -f "$TMP/store/findings.db" ] && [ -d "$TMP/store/findings" ] || fail "store not created"
checks=$((checks + 1))
[ -z "$(ls "$TMP/store/findings")" ] || fail "agreement recorded as a finding"
expect_no_sanitizer
done_ok

# --json: one object per case per line, the documented keys, and the same
# bytes on every run (20 replays byte-identical, agreeing and divergent).
. "$(dirname "$0")/lib.sh" "$@"

for role in server client; do
	CASE="$E2E/default-$role.case"
	run replay --json "$CASE"
	expect_rc 0 "--json $role"
	cp "$TMP/out" "$TMP/first.json"
	checks=$((checks + 1))
	[ "$(wc -l < "$TMP/first.json")" -eq 1 ] || fail "want exactly one line"
	# Valid JSON with the documented shape.
	checks=$((checks + 1))
	python3 - "$TMP/first.json" "$CASE" <<'PY' || fail "JSON shape"
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["case"] == sys.argv[2], o["case"]
assert o["divergent"] is False
assert o["signature"] == ""
assert isinstance(o["steps"], list) and o["steps"]
names = list(o["backends"])
assert names, "no backends"
for i, s in enumerate(o["steps"]):
    assert s["step"] == i
    assert isinstance(s["message"], str) and s["message"]
    assert list(s["verdicts"]) == names, (s["verdicts"], names)
    for v in s["verdicts"].values():
        assert isinstance(v, str) and v
for n, b in o["backends"].items():
    assert set(b) >= {"version", "negotiated", "keys_ok", "auth", "outcome"}, b
    assert list(b["negotiated"]) == ["kex", "hostkey", "cipher_cs", "cipher_sc", "mac_cs", "mac_sc"]
    assert b["keys_ok"] in (True, False, None)
    assert b["auth"] in ("success", "failure", "none")
assert o["steps"][0]["message"] == "send KEXINIT"
PY
	for i in $(seq 2 20); do
		run replay --json "$CASE"
		expect_rc 0 "--json run $i"
		checks=$((checks + 1))
		cmp -s "$TMP/first.json" "$TMP/out" || { diff "$TMP/first.json" "$TMP/out" >&2 || true; fail "run $i differs"; }
	done
done
# A divergent case is just as stable: same signature, same bytes, exit 1.
CASE="$SRC/tests/cases/kexinit-reserved-server.case"
run replay --json "$CASE"
cp "$TMP/out" "$TMP/first.json"
if [ "$rc" -ne 0 ]; then
	expect_rc 1 "divergent case"
	for i in $(seq 2 20); do
		run replay --json "$CASE"
		expect_rc 1 "divergent --json run $i"
		checks=$((checks + 1))
		cmp -s "$TMP/first.json" "$TMP/out" || fail "divergent run $i differs"
	done
fi
expect_no_sanitizer
done_ok

# The corpus of valid scenarios (corpus/README.md, issue 3 point 7):
# (1) corpus/scenarios/ is exactly what tools/gen_scenarios writes (so it
#     cannot drift from the generator), and holds nothing but case files;
# (2) every case in it replays with exit 0 and "divergent": false, and every
#     backend ran it to the end: each step accepted, the case's algorithms
#     negotiated, keys per RFC 4253 section 7.2, authentication succeeded.
# A case that a backend reports "unsupported" would agree vacuously: that
# fails here too, the corpus lists only what every backend supports.
# (3) spot check: a password scenario with the IUT as client really goes
#     publickey -> FAILURE(password) -> password on every backend.
. "$(dirname "$0")/lib.sh" "$@"
CORPUS="$SRC/corpus/scenarios"
# The generator is built next to sshdiff (tools/CMakeLists.txt).
GEN=${SSHDIFF_GEN_SCENARIOS:-$(dirname "$SSHDIFF")/../tools/gen_scenarios}
[ -x "$GEN" ] || fail "no generator at $GEN (build the gen_scenarios target)"
[ -d "$CORPUS" ] || fail "no folder $CORPUS"

# ---- (1) no drift, nothing but cases
set +e
"$GEN" "$TMP/gen" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
expect_rc 0 "gen_scenarios"
checks=$((checks + 1))
diff -r "$CORPUS" "$TMP/gen" >"$TMP/diff" 2>&1 ||
	fail "corpus/scenarios differs from gen_scenarios output (regenerate it: corpus/README.md):
$(head -20 "$TMP/diff")"
checks=$((checks + 1))
others=$(find "$CORPUS" -mindepth 1 \( ! -type f -o ! -name '*.case' \) -print | head -5)
[ -z "$others" ] || fail "not a case file in corpus/scenarios: $others"
n_cases=$(find "$CORPUS" -name '*.case' | wc -l)
checks=$((checks + 1))
[ "$n_cases" -gt 0 ] || fail "corpus/scenarios is empty"

# ---- (2) every case agrees, on every backend, all the way
backends=$("$SSHDIFF" replay --help | sed -n 's/^backends: //p')
[ -n "$backends" ] || fail "no backends listed by replay --help"
jobs=$(nproc 2>/dev/null || echo 2)
# Batches of cases per process, one process per core; replay's own status
# is the worst of its cases, so every batch must exit 0.  The time limit per
# backend is raised from 5 s: an 8192-bit group under the sanitizers on a
# loaded machine must not pass for a hang (a real hang still fails).
set +e
(cd "$CORPUS" && find . -name '*.case' -printf '%P\n' | LC_ALL=C sort |
	xargs -P "$jobs" -n 40 "$SSHDIFF" replay --json --timeout-ms 60000) >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
expect_no_sanitizer
checks=$((checks + 1))
python3 - "$TMP/out" "$CORPUS" "$backends" <<'PY' || fail "corpus replay (see above)"
import json, os, sys

out, corpus, backends = sys.argv[1], sys.argv[2], sys.argv[3].split()
cases = sorted(f for f in os.listdir(corpus) if f.endswith(".case"))
seen, bad = set(), []

def header(path):
    h = {}
    for line in open(os.path.join(corpus, path)):
        p = line.split()
        if len(p) == 2 and p[0] in ("kex", "hostkey", "cipher", "mac"):
            h[p[0]] = p[1]
    return h

for line in open(out):
    o = json.loads(line)
    name = o["case"]
    seen.add(name)
    why = []
    if o["divergent"] or o["signature"] != "":
        why.append("divergent: %s" % o["signature"])
    if sorted(o["backends"]) != sorted(backends):
        why.append("backends %s" % sorted(o["backends"]))
    for s in o["steps"]:
        for b, v in s["verdicts"].items():
            if v != "accept":
                why.append("step %d %s: %s=%s" % (s["step"], s["message"], b, v))
    h = header(name)
    aead = h["cipher"].startswith(("chacha20-poly1305", "aes128-gcm", "aes256-gcm"))
    want = {"kex": h["kex"], "hostkey": h["hostkey"], "cipher_cs": h["cipher"], "cipher_sc": h["cipher"],
            "mac_cs": "" if aead else h["mac"], "mac_sc": "" if aead else h["mac"]}
    for b, r in o["backends"].items():
        if r["outcome"] != "completed" or not r["keys_ok"] or r["auth"] != "success":
            why.append("%s: %s, keys_ok %s, auth %s" % (b, r["outcome"], r["keys_ok"], r["auth"]))
        for k, v in want.items():
            got = r["negotiated"][k]
            # libssh 0.10 has no name for the group-exchange methods
            # (oracle/backend_libssh.c): empty is all it can say
            if got != v and not (k == "kex" and got == "" and "group-exchange" in v):
                why.append("%s negotiated %s %r, case says %r" % (b, k, got, v))
    if why:
        bad.append((name, why))

missing = [c for c in cases if c not in seen]
for name, why in bad[:20]:
    print("FAIL %s: %s" % (name, "; ".join(why[:4])), file=sys.stderr)
for name in missing[:20]:
    print("FAIL %s: no JSON report" % name, file=sys.stderr)
print("%d cases, %d replayed, %d bad, %d missing" % (len(cases), len(seen), len(bad), len(missing)), file=sys.stderr)
sys.exit(1 if bad or missing or len(seen) != len(cases) else 0)
PY
expect_rc 0 "replay of corpus/scenarios"

# ---- (3) the IUT client really falls back to password on every backend
CASE="$CORPUS/client-curve25519-sha256-ssh-ed25519-chacha20-poly1305_at_openssh.com-password.case"
run replay --trace "$CASE"
expect_rc 0 "password spot check"
for b in $backends; do
	checks=$((checks + 1))
	# in b's log: the first request method after the FAILURE is password
	awk -v b="== $b ==" '
		/^== / { mine = ($0 == b); next }
		mine && /methods that can continue: password/ { after = 1; next }
		mine && after && /^ +method: / { print $2; exit }' "$TMP/out" >"$TMP/method"
	[ "$(cat "$TMP/method")" = password ] || fail "$b: no password request after USERAUTH_FAILURE(password)"
done
expect_no_sanitizer
echo "$n_cases scenarios"
done_ok

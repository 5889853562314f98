# sshdiff report: HTML, Markdown and JSON of a campaign directory built the
# honest way (replay --store records the divergence demonstrations of
# tests/cases, a stats TSV in the format of docs/fuzzing.md), then damaged
# and hostile folders, then bad input.  The browser rendering is checked by
# test_report_browser.sh.
. "$(dirname "$0")/lib.sh" "$@"
camp="$TMP/camp"

run replay --store "$camp" "$SRC"/tests/cases/*.case
expect_rc 1 "replay --store of the divergence demonstrations"
expect_no_sanitizer

# Progress samples as the campaign writes them: 30 samples of one target
# with an engine restart in the middle, one sample of another, a target
# whose file has only the header, and a truncated last line (a kill).
mkdir -p "$camp/stats"
python3 - "$camp/stats" <<'EOF'
import sys
d = sys.argv[1]
hdr = "time_s\ttarget\tengine\texecs\texecs_per_s\tcoverage\tcorpus\tfindings_new\tfindings_total\n"
with open(d + "/fuzz_differential.tsv", "w") as f:
    f.write(hdr)
    execs = 0
    for i in range(30):
        if i == 20:
            execs = 0                       # resumed after a kill
        execs += 5000 + 37 * i
        f.write("%d\tfuzz_differential\tlibfuzzer\t%d\t%d.5\t%d\t%d\t%d\t%d\n"
                % (1700000000 + 5 * i, execs, 1000 + 7 * i, 300 + 11 * i, 40 + i, i // 10, i // 5))
    f.write("1700000150\tfuzz_differential\tlibf")   # cut by a kill
with open(d + "/fuzz_parse_kexinit.tsv", "w") as f:
    f.write(hdr)
    f.write("1700000020\tfuzz_parse_kexinit\tlibfuzzer\t900000\t300000\t120\t33\t0\t0\n")
with open(d + "/fuzz_parse_newkeys.tsv", "w") as f:
    f.write(hdr)
EOF

ndb=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from findings").fetchone()[0])' "$camp/findings.db")
checks=$((checks + 1))
[ "$ndb" -ge 10 ] || fail "only $ndb findings stored from tests/cases"

# Every stored signature, one per line (for the greps below), and the ids.
python3 -c 'import sqlite3,sys
for (s,) in sqlite3.connect(sys.argv[1]).execute("select signature from findings order by id"): print(s)' \
	"$camp/findings.db" >"$TMP/sigs"
div_ids=$(python3 -c 'import sqlite3,sys
for (i,) in sqlite3.connect(sys.argv[1]).execute("select id from findings order by id"): print(i)' "$camp/findings.db")

# A crash finding as store_add_crash records it (docs/fuzzing.md, store.h):
# no fuzz target runs in this test, so the row and folder are written here,
# in the store's layout; the sanitizer report has 50 lines and markup.
crash_sig='crash fuzz_parse_kexinit|heap-buffer-overflow|kexinit_parse|msg_parse|LLVMFuzzerTestOneInput'
crash_id=$(python3 - "$camp" "$crash_sig" <<'EOF'
import hashlib, os, sqlite3, sys
camp, sig = sys.argv[1], sys.argv[2]
cid = hashlib.sha256(sig.encode()).hexdigest()[:16]
folder = os.path.join(camp, "findings", cid)
os.makedirs(folder)
open(os.path.join(folder, "signature.txt"), "w").write(sig + "\n")
open(os.path.join(folder, "input.bin"), "wb").write(bytes(range(37)))
with open(os.path.join(folder, "report.txt"), "w") as f:
    f.write("==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000031 <kexinit & co>\n")
    for i in range(1, 50):
        f.write("    #%d 0x55d0%04x in frame_%d proto/msg.c:%d\n" % (i, i, i, 100 + i))
db = sqlite3.connect(os.path.join(camp, "findings.db"))
db.execute("insert into findings(id, signature, first_seen, last_seen, count, versions, case_size, kind, target)"
           " values(?, ?, 1700000100, 1700000140, 3, '', 37, 1, 'fuzz_parse_kexinit')", (cid, sig))
db.commit()
print(cid)
EOF
)

# ---- HTML (default) ----
run report "$camp"
expect_rc 0 "report of a campaign directory"
expect_no_sanitizer
checks=$((checks + 1))
[ "$(cat "$TMP/out")" = "$camp/report.html" ] || fail "stdout is not the report's path"
html="$camp/report.html"
checks=$((checks + 1))
[ -s "$html" ] || fail "no $html"
# The truncated stats line is named with its file and line, on stderr and in the page.
expect_err "stats/fuzz_differential.tsv: line 32: "
checks=$((checks + 1))
grep -q 'stats/fuzz_differential.tsv: line 32: ' "$html" || fail "the bad stats line is not in the page"

# Self-contained: no URL, no src=, no href= but to #anchors, no script, no
# stylesheet or font link, no CSS import or url().
checks=$((checks + 1))
! grep -Eqi 'https?://|ftp://|file:|data:' "$html" || fail "external URL in the page"
checks=$((checks + 1))
! grep -Eqi '[^a-z-]src=' "$html" || fail "src= in the page"
checks=$((checks + 1))
! grep -Eoi 'href="[^"]*"' "$html" | grep -vq '^href="#' || fail "href= to something else than an #anchor"
checks=$((checks + 1))
! grep -Eqi '<script|<link|<iframe|<object|<embed|<img|@import|url\(' "$html" || fail "external asset or script"
checks=$((checks + 1))
grep -q '^<html lang="en">' "$html" && grep -q '<title>sshdiff report: ' "$html" || fail "lang or title missing"
checks=$((checks + 1))
grep -q '<th scope="col">signature</th>' "$html" || fail "findings table header missing"

# Every signature, HTML-escaped, in the findings table and in its detail.
python3 - "$html" "$TMP/sigs" <<'EOF' || fail "a signature is missing from the page"
import sys
page = open(sys.argv[1], encoding="utf-8").read()
def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
             .replace('"', "&quot;").replace("'", "&#39;"))
for sig in open(sys.argv[2], encoding="utf-8").read().splitlines():
    n = page.count("<code>" + esc(sig) + "</code>")
    if n < 2:
        sys.exit("signature %r appears %d times, want >= 2 (table and details)" % (sig, n))
EOF
checks=$((checks + 1))

# Per finding: its anchor, a verdict matrix with the divergent step, steps,
# and the replay command.
for id in $div_ids; do
	checks=$((checks + 1))
	grep -q "<article id=\"f-$id\"" "$html" || fail "no detail section for $id"
	checks=$((checks + 1))
	grep -q "<code>sshdiff replay $camp/findings/$id/case.txt</code>" "$html" || fail "no replay command for $id"
done
checks=$((checks + 1))
[ "$(grep -c '<table class="matrix">' "$html")" -eq "$ndb" ] || fail "one verdict matrix per finding"
checks=$((checks + 1))
[ "$(grep -c '<span class="mark">divergent</span>' "$html")" -eq "$ndb" ] || fail "divergent step marked once per finding"

# The crash: its signature (escaped), the first 40 lines of the sanitizer
# report, the count of the rest, the input size and how to reproduce it.
python3 - "$html" "$crash_id" "$crash_sig" "$camp" <<'EOF' || fail "crash finding"
import re, sys
page, cid, sig, camp = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3], sys.argv[4]
m = re.search(r'<article id="f-%s".*?</article>' % cid, page, re.S)
assert m, "no article for the crash"
a = m.group(0)
assert "<code>%s</code>" % sig in a
assert "heap-buffer-overflow on address 0x602000000031 &lt;kexinit &amp; co&gt;" in a
assert "#39 0x55d00027 in frame_39" in a and "#40 0x55d0" not in a, "not the first 40 lines"
assert "10 more lines in report.txt." in a
assert "<td>37 bytes</td>" in a
assert "<code>fuzz_parse_kexinit %s/findings/%s/input.bin</code>" % (camp, cid) in a
assert '<table class="matrix">' not in a
row = re.search(r'<tr><td><a href="#f-%s">.*?</tr>' % cid, page, re.S).group(0)
assert "<td>crash</td>" in row and "<code>fuzz_parse_kexinit</code>" in row
assert '<tr><th scope="row">crash</th><td class="num">1</td><td class="num">1</td></tr>' in page
EOF
checks=$((checks + 1))

# Plots: the two overview plots, the per-target plots, a line for the
# 30-sample target, a dot for the 1-sample one, ticks and a legend.
for id in plot-execs plot-coverage plot-0-execs plot-0-coverage plot-1-execs plot-1-coverage; do
	checks=$((checks + 1))
	grep -q "<svg id=\"$id\"" "$html" || fail "plot $id missing"
done
checks=$((checks + 1))
! grep -q '<svg id="plot-2-' "$html" || fail "a plot for the target without samples"
checks=$((checks + 1))
[ "$(grep -c '<polyline' "$html")" -ge 4 ] || fail "polylines missing"
checks=$((checks + 1))
grep -q '<circle' "$html" || fail "the single sample is not drawn"
checks=$((checks + 1))
grep -q 'fuzz_parse_newkeys (no samples)' "$html" || fail "legend lacks the target without samples"
checks=$((checks + 1))
grep -q ">time since the target's first sample<" "$html" || fail "x axis title missing"
# Summary: total execs = both runs of fuzz_differential + the parser's sample.
want_execs=$(python3 -c 'print(sum(5000 + 37 * i for i in range(20)) + sum(5000 + 37 * i for i in range(20, 30)) + 900000)')
checks=$((checks + 1))
grep -q "<th scope=\"row\">Total execs</th><td class=\"num\">$want_execs</td>" "$html" || fail "total execs, want $want_execs"

# Deterministic: the same directory gives the same bytes.
run report "$camp" -o "$TMP/again.html"
expect_rc 0 "second report"
checks=$((checks + 1))
cmp -s "$html" "$TMP/again.html" || fail "two reports of the same directory differ"
checks=$((checks + 1))
[ "$(cat "$TMP/out")" = "$TMP/again.html" ] || fail "stdout is not the -o path"

# ---- Markdown ----
run report --format md "$camp"
expect_rc 0 "--format md"
md="$camp/report.md"
checks=$((checks + 1))
[ "$(cat "$TMP/out")" = "$md" ] || fail "md: stdout is not the report's path"
checks=$((checks + 1))
grep -q '^| id | kind | signature | backends that disagree |' "$md" || fail "md: findings table header"
checks=$((checks + 1))
! grep -q '<svg' "$md" || fail "md: plots in the Markdown report"
checks=$((checks + 1))
grep -q '^| `fuzz_differential` | libfuzzer | 30 | 2 |' "$md" || fail "md: per-target row"
checks=$((checks + 1))
grep -q '^==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000031 <kexinit & co>$' "$md" ||
	fail "md: the sanitizer report is not in a code block"
checks=$((checks + 1))
grep -q "^- reproduce: \`fuzz_parse_kexinit $camp/findings/$crash_id/input.bin\`\$" "$md" || fail "md: crash reproducer"
checks=$((checks + 1))
grep -q '^- signature: `send KEXINIT|' "$md" || fail "md: a code span outside a table keeps | as is"
python3 - "$md" "$TMP/sigs" <<'EOF' || fail "md: a signature is missing"
import sys
md = open(sys.argv[1], encoding="utf-8").read()
rows = [l for l in md.splitlines() if l.startswith("| [`")]
for sig in open(sys.argv[2], encoding="utf-8").read().splitlines():
    cell = "`" + sig.replace("|", "\\|") + "`"
    if not any(cell in r for r in rows):
        sys.exit("md: no table row with %s" % cell)
EOF
checks=$((checks + 1))

# ---- JSON ----
run report "$camp" --format=json -o "$TMP/r.json"
expect_rc 0 "--format json"
checks=$((checks + 1))
python3 -m json.tool "$TMP/r.json" >/dev/null || fail "json: not valid JSON"
python3 - "$TMP/r.json" "$TMP/sigs" "$camp" "$crash_sig" <<'EOF' || fail "json: fields"
import json, sys
r = json.load(open(sys.argv[1]))
sigs = open(sys.argv[2]).read().splitlines()
camp, crash_sig = sys.argv[3], sys.argv[4]
assert r["report"] == "sshdiff" and r["format_version"] == 1
s = r["summary"]
assert s["dir"] == camp, s["dir"]
assert s["findings"]["divergence"]["total"] == len(sigs), s["findings"]
assert s["findings"]["crash"] == {"new": 1, "total": 1}, s["findings"]
assert s["targets"] == ["fuzz_differential", "fuzz_parse_kexinit", "fuzz_parse_newkeys"], s["targets"]
assert s["time_first"] == 1700000000 and s["time_first_utc"] == "2023-11-14T22:13:20Z", s
assert s["new_since"] == 1700000020, s["new_since"]   # the earliest start of a last run
f = r["findings"]
assert sorted(x["signature"] for x in f) == sorted(sigs + [crash_sig])
c = [x for x in f if x["kind"] == "crash"]
assert len(c) == 1 and c[0]["signature"] == crash_sig and c[0]["target"] == "fuzz_parse_kexinit"
assert c[0]["report_more_lines"] == 10 and c[0]["input_size"] == 37 and c[0]["count"] == 3
assert c[0]["report_head"].startswith("==4242==ERROR: AddressSanitizer: heap-buffer-overflow")
assert c[0]["report_head"].count("\n") == 40 and c[0]["disagree"] == [] and c[0]["new"] is True
assert c[0]["first_seen_utc"] == "2023-11-14T22:15:00Z" and c[0]["last_seen"] == 1700000140
for x in f:
    if x["kind"] == "crash":
        continue
    for k in ("id", "kind", "target", "signature", "new", "first_seen", "first_seen_utc", "last_seen",
              "last_seen_utc", "count", "versions", "disagree", "replay", "folder", "problems",
              "divergent_step", "suppressed", "backends", "steps"):
        assert k in x, (k, x["id"])
    assert x["kind"] == "divergence" and x["problems"] == []
    assert x["replay"] == "sshdiff replay %s/findings/%s/case.txt" % (camp, x["id"])
    assert x["first_seen_utc"].endswith("Z") and "T" in x["first_seen_utc"]
    names = [b["name"] for b in x["backends"]]
    assert set(names) == {"own", "libssh", "verifier"}, names
    step = x["steps"][x["divergent_step"]]
    assert step["step"] == x["divergent_step"]
    assert set(step["verdicts"]) == set(names)
    # The disagreeing groups are the signature's verdict classes.
    groups = {g["verdict"]: g["backends"] for g in x["disagree"]}
    assert len(groups) >= 2, x["disagree"]
    tail = x["signature"].rsplit("|", 1)[1]
    for pair in tail.split(","):
        name, verdict = pair.split("=", 1)
        assert name in groups[verdict], (pair, groups)
st = {x["target"]: x for x in r["stats"]}
assert st["fuzz_differential"]["samples"] == 30 and st["fuzz_differential"]["runs"] == 2
assert len(st["fuzz_differential"]["points"]) == 30
assert st["fuzz_differential"]["points"][0] == [1700000000, 5000, 1001, 300, 40, 0, 0], st["fuzz_differential"]["points"][0]
assert st["fuzz_parse_kexinit"]["samples"] == 1
assert st["fuzz_parse_newkeys"]["samples"] == 0 and st["fuzz_parse_newkeys"]["points"] == []
assert any("fuzz_differential.tsv: line 32" in p for p in r["problems"]), r["problems"]
EOF
checks=$((checks + 1))

# ---- damaged and hostile folders: reported, not fatal ----
bad="$TMP/bad"
cp -r "$camp" "$bad"
rm -f "$bad"/report.*
set -- $div_ids
broken=$1 nocase=$2 hostile=$3
printf '{"case":"case.bin","divergent":true,"steps":[{"step":0,' >"$bad/findings/$broken/observations.json"
rm "$bad/findings/$nocase/case.txt"
# A case text and a signature nobody should trust (the store's row too).
printf '# </pre><script>alert(1)</script> & <b>bold</b>\n' >>"$bad/findings/$hostile/case.txt"
python3 -c 'import sqlite3,sys
db = sqlite3.connect(sys.argv[1])
db.execute("update findings set signature=? where id=?", ("send <script>alert(\"x\")</script>|a&b|libssh=accept,own=reject", sys.argv[2]))
db.commit()' "$bad/findings.db" "$hostile"
run report "$bad"
expect_rc 0 "report with damaged finding folders"
expect_no_sanitizer
expect_err "^sshdiff report: $bad/findings/$broken/observations.json: line 1, column [0-9]+: text ends"
expect_err "^sshdiff report: $bad/findings/$nocase/case.txt: cannot read \(No such file or directory\)"
expect_err "^sshdiff report: $bad/findings/$hostile/signature.txt: differs from the signature in findings.db"
bhtml="$bad/report.html"
python3 - "$bhtml" "$broken" "$nocase" "$hostile" <<'EOF' || fail "damaged folders not reported in their sections"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
def article(fid):
    m = re.search(r'<article id="f-%s".*?</article>' % fid, page, re.S)
    assert m, "no article for " + fid
    return m.group(0)
a = article(sys.argv[2])
assert "observations.json: line 1, column" in a and 'class="problem"' in a, a[:2000]
assert '<table class="matrix">' not in a           # nothing shown from a broken file
b = article(sys.argv[3])
assert "case.txt: cannot read (No such file or directory)" in b
assert '<table class="matrix">' in b               # the rest of that finding is shown
h = article(sys.argv[4])
assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in h, "case text not escaped"
assert "send &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;|a&amp;b|libssh=accept,own=reject" in page
assert "<script" not in page and "<b>bold" not in page
EOF
checks=$((checks + 1))

# ---- bad input: named, exit 2, nothing written ----
run report "$TMP/missing"
expect_rc 2 "missing DIR"
expect_err "^sshdiff report: $TMP/missing: No such file or directory"
expect_no_stdout "missing DIR"
checks=$((checks + 1))
[ ! -e "$TMP/missing" ] || fail "missing DIR was created"

mkdir "$TMP/plain"
run report "$TMP/plain"
expect_rc 2 "DIR without findings.db"
expect_err "^sshdiff report: $TMP/plain: not a campaign directory \(no findings.db"
checks=$((checks + 1))
[ -z "$(ls -A "$TMP/plain")" ] || fail "something was written into a non-campaign directory"

run report "$TMP/sigs"
expect_rc 2 "DIR is a file"
expect_err "^sshdiff report: $TMP/sigs: not a directory"

printf 'not a database' >"$TMP/plain/findings.db"
run report "$TMP/plain"
expect_rc 2 "findings.db that is not SQLite"
expect_err "$TMP/plain/findings.db"
checks=$((checks + 1))
[ ! -e "$TMP/plain/report.html" ] || fail "report written for a broken store"

rm -f "$camp/report.html"
run report "$camp" --format pdf
expect_rc 2 "bad --format"
expect_err "--format wants html, md or json, not 'pdf'"
run report "$camp" --colour
expect_rc 2 "unknown option"
expect_err "unknown option '--colour'"
run report "$camp" "$camp"
expect_rc 2 "two directories"
expect_err "one campaign directory only"
run report
expect_rc 2 "no directory"
expect_err "no campaign directory given"
run report "$camp" -o
expect_rc 2 "-o without a file"
expect_err "-o needs a file"
run report "$camp" -o "$TMP/nodir/r.html"
expect_rc 2 "-o into a missing folder"
expect_err "^sshdiff report: $TMP/nodir/r.html: No such file or directory"
checks=$((checks + 1))
[ ! -e "$camp/report.html" ] && [ -z "$(find "$camp" "$TMP" -maxdepth 1 -name '.*.tmp')" ] ||
	fail "a failed run left files behind"
run report "$camp" -o "$TMP"
expect_rc 2 "-o names a directory"
expect_err "is a directory"
run report --help
expect_rc 0 "--help"
expect_out '^usage: sshdiff report DIR'

# -o - writes the report itself on stdout (and nothing else).
run report "$camp" --format json -o -
expect_rc 0 "-o -"
checks=$((checks + 1))
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" || fail "-o -: stdout is not the JSON report"
expect_no_sanitizer
done_ok

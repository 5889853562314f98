# sshdiff report in a real browser: Debian's headless Chromium
# (/usr/bin/chromium, infra/setup.sh) renders the HTML report of a campaign
# directory built with replay --store plus a stats file; the screenshot must
# be a real picture (a PNG of the window's size, not one flat colour, with
# the page's text and plot colours in it) and the DOM the browser built must
# hold the findings table with one row per stored signature.
# Runs as root in CI: hence --no-sandbox.  A missing browser is a failure.
. "$(dirname "$0")/lib.sh" "$@"
camp="$TMP/camp"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
checks=$((checks + 1))
[ -x "$CHROMIUM" ] || fail "$CHROMIUM not found (infra/setup.sh installs Debian's chromium)"

run replay --store "$camp" "$SRC"/tests/cases/*.case
expect_rc 1 "replay --store of the divergence demonstrations"
mkdir -p "$camp/stats"
python3 - "$camp/stats/fuzz_differential.tsv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("time_s\ttarget\tengine\texecs\texecs_per_s\tcoverage\tcorpus\tfindings_new\tfindings_total\n")
    for i in range(40):
        f.write("%d\tfuzz_differential\tlibfuzzer\t%d\t%d\t%d\t%d\t0\t%d\n"
                % (1700000000 + 10 * i, 9000 * (i + 1), 900 + (i * 37) % 200, 200 + 9 * i, 50 + i, i // 8))
EOF
run report "$camp"
expect_rc 0 "report"
html="$camp/report.html"

# The browser: a private profile and HOME, no network, bounded in time.
browse() {
	mkdir -p "$TMP/home"
	set +e
	HOME="$TMP/home" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--disable-background-networking --no-first-run --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" \
		"$@" "file://$html" 2>>"$TMP/chromium.log"
	brc=$?
	set -e
}

browse --screenshot="$TMP/shot.png" --window-size=1280,2000 >"$TMP/shot.out"
checks=$((checks + 1))
[ "$brc" -eq 0 ] && [ -s "$TMP/shot.png" ] || { cat "$TMP/chromium.log" >&2; fail "chromium --screenshot (status $brc)"; }

# Decode the PNG (python3's zlib; RFC 2083 filters) and look at its pixels.
python3 - "$TMP/shot.png" <<'EOF' || fail "the screenshot is not a rendered report"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert len(data) > 20000, "PNG of %d bytes: too small for a rendered page" % len(data)
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, = struct.unpack(">I", data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
assert (w, h) == (1280, 2000), "size %dx%d, want 1280x2000" % (w, h)
assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype, interlace)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for y in range(h):
    ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    if ftype == 1:
        for x in range(bpp, stride): line[x] = (line[x] + line[x - bpp]) & 255
    elif ftype == 2:
        for x in range(stride): line[x] = (line[x] + prev[x]) & 255
    elif ftype == 3:
        for x in range(stride):
            line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
    elif ftype == 4:
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours, dark = {}, 0
for y in range(0, h, 2):
    r = rows[y]
    for x in range(0, stride, bpp * 2):
        px = r[x:x + 3]
        colours[px] = colours.get(px, 0) + 1
        if sum(px) < 200:
            dark += 1
total = sum(colours.values())
top = max(colours.values())
assert len(colours) >= 16, "only %d colours" % len(colours)
assert top < 0.97 * total, "one colour covers %.1f%% of the picture" % (100.0 * top / total)
assert dark > 0.002 * total, "almost no dark (text) pixels: %d" % dark
# The verdict colours of the matrix and the plot's first line colour.
def near(c, tol=24):
    return any(all(abs(p[k] - c[k]) <= tol for k in range(3)) for p in colours)
assert near((0xda, 0xfb, 0xe1)), "no 'accept' green: the verdict matrix did not render"
assert near((0x00, 0x72, 0xb2), 40), "no plot line colour: the SVG did not render"
print("screenshot: %dx%d, %d colours, %.1f%% background" % (w, h, len(colours), 100.0 * top / total))
EOF
checks=$((checks + 1))

# The DOM as the browser parsed it: the findings table, one row per stored
# signature, the signature as text of its cell.
browse --dump-dom >"$TMP/dom.html"
checks=$((checks + 1))
[ "$brc" -eq 0 ] && [ -s "$TMP/dom.html" ] || { cat "$TMP/chromium.log" >&2; fail "chromium --dump-dom (status $brc)"; }
python3 - "$TMP/dom.html" "$camp/findings.db" <<'EOF' || fail "the browser's DOM lacks the findings table rows"
import html.parser, sqlite3, sys
want = sorted(s for (s,) in sqlite3.connect(sys.argv[2]).execute("select signature from findings"))
class Rows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_table = self.in_body = False
        self.rows, self.cell, self.cells = [], None, None
        self.svg = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("class") == "findings":
            self.in_table = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.cells = []
        elif self.in_body and tag == "td" and self.cells is not None:
            self.cell = ""
        elif tag == "svg":
            self.svg += 1
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cells.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            self.rows.append(self.cells)
            self.cells = None
        elif tag == "table":
            self.in_table = self.in_body = False
    def handle_data(self, d):
        if self.cell is not None:
            self.cell += d
p = Rows()
p.feed(open(sys.argv[1], encoding="utf-8").read())
assert len(p.rows) == len(want), "%d rows in the findings table, %d findings stored" % (len(p.rows), len(want))
got = sorted(r[2] for r in p.rows)
assert got == want, "signature cells differ:\n%s\n%s" % (got, want)
assert all(r[8].startswith("sshdiff replay ") for r in p.rows), "replay column"
assert p.svg >= 4, "%d svg elements in the DOM" % p.svg
EOF
checks=$((checks + 1))
expect_no_sanitizer
done_ok

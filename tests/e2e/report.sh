# mtan report: one self-contained HTML page. Its content on samples whose findings are
# known (leaky's sites and numbers, meshdev's marks and devices, racyalloc's races, the
# synthetic trace's anomalies), names escaped, nothing fetched, the SVG charts well-formed
# XML, the flame graphs read back into the stacks and bytes they draw, and the page
# rendered by headless chromium into a non-trivial PNG.
. "$TOP/tests/e2e/lib.bash"

# flames HTML: each flame graph of the page read back from its boxes, one per line:
# "CAPTION|ROOT_BYTES|BAD|FOLDED" where BAD counts boxes whose width is not their share of
# the root's (1068 units), that do not sit on one box at least as wide, or that overlap the
# next box of their row, and FOLDED is the
# stacks the boxes make (each box's bytes not in the boxes on it), ';'-joined, sorted, '^'
# between stacks.
flames() {
	python3 - "$1" <<'PY'
import html, re, sys
page = open(sys.argv[1]).read()
for fig in re.findall(r"<figure class=flame><figcaption>(.*?)</figure>", page, re.S):
	m = re.search(r'<svg class="flame" .*?</svg>', fig, re.S)
	if not m:
		continue
	caption = html.unescape(re.sub(r" <span.*", "", fig.split("</figcaption>")[0]))
	boxes = []
	for name, b, x, y, w in re.findall(r'<g><title>(.*): [^:]* \(([\d,]+) bytes\), [\d.]+%</title>'
			r'<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"', m.group(0)):
		boxes.append([html.unescape(name), int(b.replace(",", "")), float(x), int(y), float(w), None, 0])
	root = max(boxes, key=lambda b: b[3])
	bad = 0
	for b in boxes:
		if abs(b[4] - b[1] * 1068.0 / root[1]) > 0.011:
			bad += 1
		if b is root:
			continue
		under = [p for p in boxes if p[3] == b[3] + 17 and p[2] - 0.011 <= b[2] and b[2] + b[4] <= p[2] + p[4] + 0.011]
		if len(under) != 1:
			bad += 1
			continue
		b[5] = under[0]
		under[0][6] += b[1]
	for y in set(b[3] for b in boxes):
		row = sorted((b for b in boxes if b[3] == y), key=lambda b: b[2])
		bad += sum(1 for a, c in zip(row, row[1:]) if a[2] + a[4] > c[2] + 0.011)
	lines = []
	for b in boxes:
		if b is root or b[1] - b[6] <= 0:
			continue
		path, p = [], b
		while p is not root and p is not None:
			path.append(p[0])
			p = p[5]
		lines.append(";".join(reversed(path)) + " " + str(b[1] - b[6]))
	print("%s|%d|%d|%s" % (caption, root[1], bad, "^".join(sorted(lines))))
PY
}
folded_of() { # TRACE OF: mtan export --folded's lines the way flames() writes them
	"$MTAN" export -q "$1" --folded --of "$2" | sort | paste -sd '^'
}

"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
check_rc "report -o report.html" 0 "$MTAN" report leaky.zst -o report.html
check_eq "report: says where it went" "$(cat "$ERR")" "mtan: note: report written to 'report.html'"
check_eq "report: nothing on stdout" "$(cat "$OUT")" ""
R=$(cat report.html)
check_match "an HTML5 page" "^<!DOCTYPE html>" "$R"
check_match "the trace named in the title" "<title>mtan report: leaky\.zst</title>" "$R"
for s in summary timeline growth leaks flame anomalies races frag top; do
	check_match "section $s" "<section id=$s>" "$R"
done
check_match "summary: the events" "<td>events</td><td>229 \(119 allocations, 110 frees\)</td>" "$R"
check_match "summary: the leaked total (stdio's buffer suppressed)" "<td>leaked</td><td class=bad>3\.2 KiB in 8 blocks</td>" "$R"
check_match "summary: what the suppressions took out" "<td>suppressed</td><td>4\.0 KiB in 1 block</td>" "$R"
check_match "leaks: leak_buffers' site and numbers" "<summary>3,000 bytes in 3 blocks definitely lost \(pid [0-9]+, host heap\)</summary>" "$R"
check_match "leaks: its stack, leak_buffers then main" "<li>leak_buffers <span class=where>leaky\.c:[0-9]+</span> <span class=where>in leaky</span></li>" "$R"
check_match "leaks: leak_config's site" "<summary>240 bytes in 5 blocks definitely lost \(pid [0-9]+, host heap\)</summary>" "$R"
check_match "leaks: stdio's buffer, libc's frames greyed" "<li class=rt>_IO_file_doallocate" "$R"
check_match "a chart per device and space" "<figcaption>host heap <span class=where>peak 7\.2 KiB</span></figcaption>" "$R"
check_match "growth: the heap's verdict" "<td>host</td><td>heap</td><td class=ok>plateau</td>" "$R"
check_match "anomalies: none" "<p class=ok>None: every free matched a live block\.</p>" "$R"
check_match "top sites: churn's" "<details class=site><summary>[0-9.]+ KiB in 1[0-9][0-9] allocations" "$R"
check_nomatch "nothing fetched: no src, href, url() or @import" "src=|href=|url\(|@import" "$R"
check_eq "nothing fetched: the only URL is SVG's namespace" "$(grep -o 'https\?://[^" ]*' report.html | sort -u)" "http://www.w3.org/2000/svg"
check_eq "the SVG charts are well-formed XML" "$(python3 -c '
import re, sys, xml.etree.ElementTree as ET
svgs = re.findall(r"<svg .*?</svg>", open("report.html").read(), re.S)
for s in svgs: ET.fromstring(s)
print(len(svgs))')" 3

# the flame graphs: leaked and live at the peak, each adding up to the summary's total,
# every box as wide as its bytes, and the same stacks as mtan export --folded
"$MTAN" summary leaky.zst --format json >sum.json
flames report.html >flames.txt
check_eq "flame graphs: two on leaky" "$(cut -d'|' -f1 flames.txt)" "Leaked bytes by stack
Bytes live at the peak by stack (every process, device and space)"
check_eq "flame graph of leaks: its root is the leaked bytes" "$(sed -n 1p flames.txt | cut -d'|' -f2)" \
	"$(json_get sum.json 'd["leaked_bytes"]')"
check_eq "flame graph of the peak: its root is the peak" "$(sed -n 2p flames.txt | cut -d'|' -f2)" \
	"$(json_get sum.json 'd["peak_bytes"]')"
check_eq "flame graphs: every box as wide as its share, on the box below" "$(cut -d'|' -f3 flames.txt | paste -sd' ')" "0 0"
check_eq "flame graph of leaks: the stacks of export --folded" "$(sed -n 1p flames.txt | cut -d'|' -f4)" "$(folded_of leaky.zst leaked)"
check_eq "flame graph of the peak: the stacks of export --folded --of peak" "$(sed -n 2p flames.txt | cut -d'|' -f4)" "$(folded_of leaky.zst peak)"
check_match "flame graph: leak_buffers' box and its bytes" "<g><title>leak_buffers: 2\.9 KiB \(3,000 bytes\), 40\.9%</title><rect [^>]*fill=\"rgb\(2[0-9][0-9],[0-9]+,[0-9]+\)\"/><text [^>]*>leak_buffers</text></g>" "$R"
check_match "flame graph: leak_config's box, too narrow for its name, cut" "<g><title>leak_config: 240 B \(240 bytes\), 3\.3%</title><rect [^>]*/><text [^>]*>le\.\.</text></g>" "$R"
check_match "flame graph: libc's stdio frames grey" "<g><title>_IO_file_doallocate: 4\.0 KiB \(4,096 bytes\), 55\.8%</title><rect [^>]*fill=\"rgb\(([0-9]+),\1,[0-9]+\)\"/>" "$R"

check_rc "report -o -: to stdout" 0 "$MTAN" report -q leaky.zst -o -
check_eq "report -o -: the same page" "$(cat "$OUT")" "$R"
check_rc "report: the default file is TRACE.html" 0 "$MTAN" report -q leaky.zst
check_eq "report: TRACE.html" "$(cat leaky.zst.html)" "$R"
# --limit: lists cut at it say so; leaky's two leak sites (stdio's buffer is suppressed)
check_rc "report --limit 0" 0 "$MTAN" report -q leaky.zst -o - --limit 0
check_eq "--limit 0: no leak site shown, and not 'No leaks.'" \
	"$(grep -c '<details class=site open>' "$OUT") $(grep -c 'No leaks' "$OUT")" "0 0"
check_match "--limit 0: the leak list says it is cut" "<p class=meta>Leak sites: the first 0 shown \(<code>--limit</code>\); <code>mtan leaks</code> lists them all\.</p>" "$(cat "$OUT")"
check_rc "report --limit 1" 0 "$MTAN" report -q leaky.zst -o - --limit 1
check_eq "--limit 1: one leak site, cut" \
	"$(grep -c '<details class=site open>' "$OUT") $(grep -c 'Leak sites: the first 1 shown' "$OUT")" "1 1"
check_rc "report --limit 2" 0 "$MTAN" report -q leaky.zst -o - --limit 2
check_eq "--limit 2: both leak sites, not cut" \
	"$(grep -c '<details class=site open>' "$OUT") $(grep -c 'Leak sites: the first' "$OUT")" "2 0"
check_rc "report --limit 3 --no-default-suppressions" 0 "$MTAN" report -q leaky.zst -o - --limit 3 --no-default-suppressions
check_eq "--limit 3 --no-default-suppressions: still two (stdio's buffer is still reachable, not lost)" \
	"$(grep -c '<details class=site open>' "$OUT") $(grep -c 'Leak sites: the first' "$OUT")" "2 0"
check_match "--no-default-suppressions: the summary's still reachable row holds stdio's buffer" \
	"<tr><td>still reachable</td><td>4\.0 KiB in 1 block</td></tr>" "$(cat "$OUT")"
check_rc "report: an unwritable -o: exit 1" 1 "$MTAN" report leaky.zst -o /nonexistent/r.html
check_match "report: the unwritable -o's message" "^mtan: cannot create '/nonexistent/r\.html\.tmp\.[0-9]+': No such file or directory$" "$(cat "$ERR")"

# meshdev: eight devices with capacities, marks on the time axis, blocks released by close
"$MTREC" -q -o mesh.zst "$SAMPLES/meshdev" >/dev/null
check_rc "report on meshdev" 0 "$MTAN" report -q mesh.zst -o mesh.html
M=$(cat mesh.html)
check_eq "meshdev: a chart per device and space (host heap, 8 DRAM, 1 L1)" "$(grep -c '<figure>' mesh.html)" 10
for m in open work close; do
	check_match "meshdev: mark '$m' on the charts" "<title>mark $m at " "$M"
done
check_match "meshdev: marks listed" "<h3>Marks</h3>" "$M"
check_match "meshdev: device 0's capacity" "<td>device 0</td><td>DRAM</td>(<td class=n[^>]*>[^<]*</td>){4}<td class=n title=\"1073741824 bytes\">1\.0 GiB</td>" "$M"
check_match "meshdev: released by device close, not leaks" "<h3>Released by device close \(not leaks\)</h3>" "$M"
check_match "meshdev: device 0's released DRAM" "<td>device 0</td><td>DRAM</td><td class=n>16</td><td class=n title=\"15466496 bytes\">" "$M"

check_eq "meshdev: the flame graph of the peak holds the peak, device memory included" \
	"$(flames mesh.html | grep '^Bytes live at the peak' | cut -d'|' -f2-3)" "$("$MTAN" summary mesh.zst --format json >mesh.json && json_get mesh.json 'd["peak_bytes"]')|0"

# a real program with hundreds of stacks: boxes too narrow to draw are left out, their
# bytes kept in the box below (every stack's bytes still add up to the root)
"$MTREC" -q -o sq.zst sqlite3 :memory: "create table t(a); insert into t select value from generate_series(1, 20000); select count(*) from t;" >/dev/null
"$MTAN" report -q sq.zst -o sq.html
flames sq.html >sq.txt
grep '^Bytes live at the peak' sq.txt >sqpeak.txt
check_eq "sqlite3: the peak's flame graph, boxes as wide as their bytes" "$(cut -d'|' -f3 sqpeak.txt)" 0
check_eq "sqlite3: the peak's flame graph adds up to the peak" "$(cut -d'|' -f4 sqpeak.txt | tr '^' '\n' | awk '{s += $NF} END {print s}')" \
	"$("$MTAN" summary sq.zst --format json >sq.json && json_get sq.json 'd["peak_bytes"]')"
check_ge "sqlite3: more stacks at the peak than boxes drawn (narrow ones left out)" \
	"$("$MTAN" export sq.zst --folded --of peak | wc -l)" "$(($(cut -d'|' -f4 sqpeak.txt | tr '^' '\n' | wc -l) + 1))"

# racyalloc: its ten races
"$MTREC" -q -o racy.zst "$SAMPLES/racyalloc" >/dev/null
"$MTAN" report -q racy.zst -o racy.html
check_eq "racyalloc: ten races listed" "$(grep -c '^<tr><td>late_free</td>' racy.html)" 10
check_match "racyalloc: the reuse_race anomalies counted" "<span class=bad>10 reuse_race</span>" "$(cat racy.html)"

# the synthetic trace: anomalies listed; names from a CSV escaped
"$TOP/build/mktrace" basic basic.zst
"$MTAN" report -q basic.zst -o basic.html
check_match "basic: the unmatched free" "<tr><td>unmatched_free</td><td class=n>100</td><td>host</td><td>heap</td><td class=mono>0x9000</td>" "$(cat basic.html)"
check_match "basic: the double free" "<tr><td>double_free</td>" "$(cat basic.html)"
check_eq "basic: the flame graph of leaks, stacks and none" "$(flames basic.html | sed -n 1p)" \
	"Leaked bytes by stack|2330|0|[no stack] 30^site_beta 2000^site_caller;site_alpha 300"
check_match "basic: a stack that was not recorded is one grey box" '<g><title>\[no stack\]: 30 B \(30 bytes\), 1\.3%</title><rect [^>]*fill="rgb\(([0-9]+),\1,[0-9]+\)"/>' "$(cat basic.html)"
printf 'seq,time_ns,op,device,space,address,size,tid\n1,0,alloc,host,heap,0x10,64,1\n2,5,alloc,host,heap,0x90,36,1\n3,9,free,host,heap,0x10,,1\n4,9,free,host,heap,0x90,,1\n' >noleak.csv
"$MTAN" import -q noleak.csv
"$MTAN" report -q noleak.zst -o noleak.html
check_match "no leaks: the flame graph says so" '<figure class=flame><figcaption>Leaked bytes by stack <span class=where>0 B</span></figcaption>
<p class=ok>Nothing leaked\.</p></figure>' "$(cat noleak.html)"
check_eq "no leaks: the peak's flame graph still drawn (100 bytes, no stacks)" "$(flames noleak.html)" \
	"Bytes live at the peak by stack (every process, device and space)|100|0|[no stack] 100"
printf 'seq,time_ns,op,device,space,address,size,tid\n1,0,alloc,0,"<b>&""x""</b>",0x10,64,1\n' >names.csv
"$MTAN" import -q names.csv
check_rc "report on a space named with markup" 0 "$MTAN" report -q names.zst -o names.html
check_match "the name escaped" "<td>device 0</td><td>&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;</td>" "$(cat names.html)"
check_nomatch "no raw markup from the trace" "<b>&" "$(cat names.html)"

# rendered by a browser: headless chromium (a package `make check` installs)
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	fail "chromium is installed (make deps installs it)"
else
	profile=$(mktemp -d)
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
		--screenshot="$PWD/mesh.png" --window-size=1200,2000 "file://$PWD/mesh.html" >/dev/null 2>&1
	rm -rf "$profile"
	check_eq "chromium renders the page to a PNG of the window's size" "$(python3 -c '
import struct, sys
d = open("mesh.png", "rb").read()
print(d[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", d[16:24]))' 2>&1)" "(1200, 2000)"
	check_ge "the PNG is not a blank page (bytes)" "$(stat -c %s mesh.png 2>/dev/null)" 40000

	# the flame graph's zoom, run by the browser: a click on leak_config (too narrow for its
	# name) makes it the whole width with its name, its callers full width, the rest hidden;
	# a click on the root puts every box back
	zoom_dom() { # NAME...: the leak graph's boxes after clicks on the boxes named so
		python3 - "$@" <<'PY'
import json, sys
s = open("report.html").read()
click = "<script>var svg = document.querySelector('svg.flame'); %s.forEach(function (n) { Array.from(svg.querySelectorAll('g')).find(function (g) { return g.querySelector('title').textContent.indexOf(n + ': ') == 0; }).dispatchEvent(new Event('click')); });</script>" % json.dumps(sys.argv[1:])
open("zoom.html", "w").write(s.replace("</body>", click + "</body>"))
PY
		profile=$(mktemp -d)
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
			--dump-dom "file://$PWD/zoom.html" 2>/dev/null | python3 -c '
import re, sys
svg = re.search(r"<svg class=\"flame\".*?</svg>", sys.stdin.read(), re.S).group(0)
for g in re.findall(r"<g[^>]*>.*?</g>", svg, re.S):
	name = re.search(r"<title>(.*?): ", g).group(1)
	if "display: none" in g:
		continue
	x, w = re.search(r"<rect x=\"([0-9.]+)\" y=\"[0-9]+\" width=\"([0-9.]+)\"", g).groups()
	text = re.search(r"<text[^>]*>(.*?)</text>", g)
	print(name, x, w, text.group(1) if text else "")'
		rm -rf "$profile"
	}
	check_eq "flame zoom: leak_config fills the width, named; its callers full width; the rest hidden" \
		"$(zoom_dom leak_config)" "all 0.00 1068.00 all
_start 0.00 1068.00 _start
__libc_start_main 0.00 1068.00 __libc_start_main
__libc_start_call_main 0.00 1068.00 __libc_start_call_main
main 0.00 1068.00 main
leak_config 0.00 1068.00 leak_config"
	check_eq "flame zoom: the root zooms out to every box as it was" "$(zoom_dom leak_config all | md5sum)" "$(zoom_dom | md5sum)"
	# all, _start ... main, leak_config and leak_buffers (stdio's buffer is suppressed)
	check_eq "flame zoom: unzoomed, every box drawn" "$(zoom_dom | wc -l)" 7
fi

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

# charts HTML: each chart of live bytes read back, one per line:
# "CAPTION|AXIS|ROUND|ZERO_AT_END|LABELS|TICKS" where ROUND is 1 when every size and time
# tick is a multiple of one round step (1, 2, 2.5 or 5 times a power of ten, in the unit
# shown) and the ticks rise by it, ZERO_AT_END 1 when the line of live bytes ends on the
# zero line, LABELS the mark labels drawn as text, TICKS the light ticks drawn (marks of a
# repeated label)
charts() {
	python3 - "$1" <<'PY'
import html, re, sys
from decimal import Decimal
page = open(sys.argv[1]).read()
def round_steps(vals):
	if len(vals) < 2:
		return True
	d = [b - a for a, b in zip(vals, vals[1:])]
	if any(x != d[0] for x in d) or d[0] <= 0:
		return False
	m = d[0].normalize()
	mant = m.scaleb(-m.adjusted())
	return mant in (1, 2, Decimal("2.5"), 5) and all((v / d[0]) == (v / d[0]).to_integral_value() for v in vals)
for fig in re.findall(r"<figure class=chart>(.*?)</figure>", page, re.S):
	caption = html.unescape(re.sub(r"<[^>]+>", "", fig.split("</figcaption>")[0]))
	svg = re.search(r"<svg .*?</svg>", fig, re.S).group(0)
	axis = re.search(r'data-axis="(\w+)"', svg).group(1)
	ok = True
	for cls in ("ytick", "xtick"):
		labels = re.findall(r'<text class="%s"[^>]*>([^<]*)</text>' % cls, svg)
		vals, units = [], set()
		for t in labels:
			m = re.fullmatch(r"([\d,]+(?:\.\d+)?)(?: (B|KiB|MiB|GiB|ns|us|ms|s))?", t)
			if not m:
				ok = False
				continue
			vals.append(Decimal(m.group(1).replace(",", "")))
			if m.group(2):
				units.add(m.group(2))
		ok = ok and len(units) <= 1 and round_steps(vals)
	zero = re.search(r'<text class="ytick" x="[\d.]+" y="([\d.]+)" text-anchor="end">0</text>', svg)
	line = re.search(r'<path class="live"[^>]* d="([^"]*)"', svg).group(1)
	ys = re.findall(r"V([\d.]+)", line)
	y0 = float(zero.group(1)) - 4
	end_zero = int(bool(ys) and abs(float(ys[-1]) - y0) < 0.11)
	labels = [html.unescape(t) for t in re.findall(r'<text class="mark"[^>]*>([^<]*)</text>', svg)]
	ticks = sum(len(re.findall(r"M", d)) for d in re.findall(r'<path class="ticks"[^>]* d="([^"]*)"', svg))
	print("%s|%s|%d|%d|%s|%d" % (caption, axis, ok, end_zero, ",".join(labels), ticks))
PY
}
# zooms HTML: each chart's panel above its settled level, one per line (none: the chart
# has no panel): "CAPTION|FLOOR|TURNS|ROUND" where FLOOR is the panel's floor in bytes
# (data-floor), TURNS how often its line of live bytes turns from rising to falling or
# back, ROUND 1 when its size ticks above the floor (+64 KiB) rise by one round step
zooms() {
	python3 - "$1" <<'PY'
import html, re, sys
from decimal import Decimal
page = open(sys.argv[1]).read()
for fig in re.findall(r"<figure class=chart>(.*?)</figure>", page, re.S):
	caption = html.unescape(re.sub(r"<[^>]+>", "", fig.split("</figcaption>")[0]))
	z = re.search(r'<svg class="zoom".*?</svg>', fig, re.S)
	if not z:
		print("%s|none" % caption)
		continue
	floor = re.search(r'data-floor="(\d+)"', z.group(0)).group(1)
	line = re.search(r'<path class="live"[^>]* d="([^"]*)"', z.group(0)).group(1)
	ys = [float(y) for y in re.findall(r"V([\d.]+)", line)]
	d = [b - a for a, b in zip(ys, ys[1:]) if b != a]
	turns = sum(1 for a, b in zip(d, d[1:]) if (a > 0) != (b > 0))
	ticks = re.findall(r'<text class="ytick"[^>]*>\+([\d.]+) (?:B|KiB|MiB|GiB)</text>', z.group(0))
	vals = [Decimal(0)] + [Decimal(t) for t in ticks]
	steps = set(b - a for a, b in zip(vals, vals[1:]))
	m = steps.pop().normalize() if len(steps) == 1 else Decimal(3)
	print("%s|%s|%d|%d" % (caption, floor, turns, len(ticks) >= 1 and m.scaleb(-m.adjusted()) in (1, 2, Decimal("2.5"), 5)))
PY
}
# marks_table HTML: the marks table's rows, "label count" a line
marks_table() {
	python3 -c '
import html, re, sys
t = re.search(r"<table class=marks>(.*?)</table>", open(sys.argv[1]).read(), re.S)
for label, count in re.findall(r"<tr><td>(.*?)</td><td class=n>([\d,]+)</td>", t.group(1) if t else ""):
	print(html.unescape(label), count)' "$1"
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
check_match "a chart per device and space" "<figure class=chart><figcaption>host heap <span class=where>peak 7\.2 KiB(, by event order)?</span></figcaption>" "$R"
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
check_eq "meshdev: a chart per device and space (host heap, 8 DRAM, 1 L1)" "$(grep -c '<figure class=chart>' mesh.html)" 10
for m in open work close; do
	check_match "meshdev: mark '$m' on the charts" "<title>mark $m at " "$M"
done
check_match "meshdev: marks listed" "<h3>Marks</h3>" "$M"
check_match "meshdev: device 1's capacity, its one space's" "<td>device 1</td><td>DRAM</td>(<td class=n[^>]*>[^<]*</td>){4}<td class=n title=\"1073741824 bytes\">1\.0 GiB</td>" "$M"
check_match "meshdev: device 0 has two spaces: its capacity is not L1's" "<td>device 0</td><td>L1</td>(<td class=n[^>]*>[^<]*</td>){4}<td class=\"n where\" title=\"the device's capacity, for all its spaces: the client API gives none per space\">device 1\.0 GiB</td>" "$M"
charts mesh.html >mesh_charts.txt
check_eq "meshdev charts: every tick round, every device's line down to 0 at its close" \
	"$(cut -d'|' -f3,4 mesh_charts.txt | sort | uniq -c | sed 's/^ *//')" "10 1|1"
# (whether a device is charted over its own life or the run's depends on how long its life
# is against the run's, which the machine's speed and load decide: the axis is either, the
# capacity always its one space's)
check_match "meshdev charts: device 1's with its one space's capacity" \
	"^device 1 DRAM peak 15\.0 MiB of 1\.0 GiB(; the device's life, (seq [0-9,]+ to [0-9,]+, by event order|[0-9.]+ [mun]?s to [0-9.]+ [mun]?s))?\|" "$(cat mesh_charts.txt)"
check_match "meshdev charts: device 0's L1 with no capacity of its own" "^device 0 L1 peak 22\.0 KiB(; the device's life[^|]*)?\|" "$(cat mesh_charts.txt)"
check_eq "meshdev charts: one axis per device (DRAM and L1 of device 0 alike)" \
	"$(grep '^device 0 ' mesh_charts.txt | cut -d'|' -f2 | sort -u | wc -l)" 1
check_eq "meshdev: the marks table, a row per label" "$(marks_table mesh.html)" "open 1
work 1
close 1"
# each device's tensors (4 x 64 KiB, 50 rounds) on its 15 MiB of system buffers: under its
# chart a panel above the baseline (what was live at the end of its setup), where the ups
# and downs show; device 0's L1, flat after setup, has none
zooms mesh.html >mesh_zooms.txt
"$MTAN" sql -q mesh.zst "SELECT 'device ' || d.device || ' DRAM|' || sum(l.size) FROM devices d
	JOIN lifetimes l ON l.device = d.device AND l.alloc_seq <= d.baseline_seq
		AND (l.end_seq IS NULL OR l.end_seq > d.baseline_seq)
	JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space AND s.name = 'DRAM'
	GROUP BY d.device ORDER BY d.device" --format csv | tail -n +2 | tr -d '"' >mesh_baselines.txt
check_eq "meshdev zoom: each device's DRAM chart has the panel, its floor the baseline (from sql)" \
	"$(grep '^device [0-9] DRAM' mesh_zooms.txt | sed 's/ peak[^|]*//' | cut -d'|' -f1-2)" "$(cat mesh_baselines.txt)"
check_eq "meshdev zoom: the baselines, the system buffers (device 0: 16 x 966,656 B; 1-7: 10 x 1,546,240 B)" \
	"$(cut -d'|' -f2 mesh_baselines.txt | sort | uniq -c | sed 's/^ *//' | paste -sd' ')" "7 15462400 1 15466496"
check_eq "meshdev zoom: the tensors go up and down at least 10 times on every panel, round ticks" \
	"$(grep '^device [0-9] DRAM' mesh_zooms.txt | awk -F'|' '$3 >= 10 && $4 == 1' | wc -l)" 8
check_eq "meshdev zoom: no panel for device 0's L1 nor the host's heap" \
	"$(grep -v '^device [0-9] DRAM' mesh_zooms.txt | cut -d'|' -f2 | sort -u)" "none"
check_match "meshdev: released by device close, not leaks" "<h3>Released by device close \(not leaks\)</h3>" "$M"
check_match "meshdev: device 0's released DRAM" "<td>device 0</td><td>DRAM</td><td class=n>16</td><td class=n title=\"15466496 bytes\">" "$M"

check_eq "meshdev: the flame graph of the peak holds the peak, device memory included" \
	"$(flames mesh.html | grep '^Bytes live at the peak' | cut -d'|' -f2-3)" "$("$MTAN" summary mesh.zst --format json >mesh.json && json_get mesh.json 'd["peak_bytes"]')|0"

# the demo's pool (bufpool): 200 "frame" marks are light ticks with one legend entry and
# one row in the marks table, no label drawn; the ticks round; the line down to 0 when the
# process exits (its abandoned buffers went with it)
"$MTREC" -q -o pool.zst "$SAMPLES/bufpool" >/dev/null
check_rc "report on bufpool" 0 "$MTAN" report -q pool.zst -o pool.html
charts pool.html >pool_charts.txt
check_eq "bufpool charts: round ticks, down to 0 at exit, no mark label, 200 ticks each" \
	"$(cut -d'|' -f3- pool_charts.txt)" "1|1||200
1|1||200"
check_eq "bufpool zoom: no panel, its level moves a lot against its height" "$(zooms pool.html | cut -d'|' -f2 | sort -u)" "none"
check_eq "bufpool: one legend entry per chart for the 200 frames" "$(grep -c '<span class=key>.*frame <span class=where>&times;200</span>' pool.html)" 2
check_eq "bufpool: the marks table, one row: frame 200" "$(marks_table pool.html)" "frame 200"
check_match "bufpool: the row's first and last" "<tr><td>frame</td><td class=n>200</td><td class=n title=\"seq [0-9]+\">[0-9.]+ ms</td><td class=n title=\"seq [0-9]+\">[0-9.]+ ms</td></tr>" "$(cat pool.html)"
check_match "bufpool: device 0's chart, of its capacity" "^device 0 pool:instances peak 2\.0 MiB of 256\.0 MiB\|" "$(cat pool_charts.txt)"

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
	# mark labels never overlap, as the browser lays them out: meshdev's database with a
	# crowd of distinct labels close together (the text boxes measured by getBBox)
	cp mesh.zst.db crowd.db
	sqlite3 crowd.db "INSERT INTO marks (pid, tid, seq, time_ns, label) SELECT pid, tid, seq + 1, time_ns, 'loading weights' FROM marks WHERE label = 'work';
		INSERT INTO marks (pid, tid, seq, time_ns, label) SELECT pid, tid, seq + 2, time_ns, 'warm-up' FROM marks WHERE label = 'work';
		INSERT INTO marks (pid, tid, seq, time_ns, label) SELECT pid, tid, seq + 3, time_ns, 'compile kernels' FROM marks WHERE label = 'work';
		INSERT INTO marks (pid, tid, seq, time_ns, label) SELECT pid, tid, seq + 4, time_ns, 'first batch' FROM marks WHERE label = 'work';
		INSERT INTO marks (pid, tid, seq, time_ns, label) SELECT pid, tid, seq - 1, time_ns, 'teardown' FROM marks WHERE label = 'close';"
	"$MTAN" report -q crowd.db -o crowd.html
	python3 - <<'PY'
s = open("crowd.html").read()
probe = """<script>
var out = [];
document.querySelectorAll('figure.chart svg').forEach(function (svg, k) {
  var boxes = Array.from(svg.querySelectorAll('text.mark')).map(function (t) { return t.getBBox(); });
  var bad = 0;
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i], b = boxes[j];
    if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) bad++;
  }
  out.push(boxes.length + ':' + bad);
});
var p = document.createElement('pre'); p.id = 'probe'; p.textContent = out.join(' '); document.body.appendChild(p);
</script>"""
open("crowd_probe.html", "w").write(s.replace("</body>", probe + "</body>"))
PY
	profile=$(mktemp -d)
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
		--dump-dom "file://$PWD/crowd_probe.html" 2>/dev/null | sed -n 's/.*<pre id="probe">\(.*\)<\/pre>.*/\1/p' >crowd.txt
	rm -rf "$profile"
	check_eq "mark labels: no two overlap on any chart" "$(tr ' ' '\n' <crowd.txt | cut -d: -f2 | sort -u)" 0
	check_ge "mark labels: the crowd still labelled (labels on device 1's chart)" "$(tr ' ' '\n' <crowd.txt | sed -n 4p | cut -d: -f1)" 4
	check_match "mark labels left without room are said so under the chart" "more marks? without room for (its|their) label|^$" "$(grep -o 'more marks\? without room[^<]*' crowd.html | head -1)"

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

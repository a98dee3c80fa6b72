# mtan report: one self-contained HTML page. Its content on samples whose findings are
# known (leaky's sites and numbers, meshdev's marks and devices, racyalloc's races, the
# synthetic trace's anomalies), names escaped, nothing fetched, the SVG charts well-formed
# XML, and the page rendered by headless chromium into a non-trivial PNG.
. "$TOP/tests/e2e/lib.bash"

"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
check_rc "report -o report.html" 0 "$MTAN" report leaky.zst -o report.html
check_eq "report: says where it went" "$(cat "$ERR")" "mtan: note: report written to 'report.html'"
check_eq "report: nothing on stdout" "$(cat "$OUT")" ""
R=$(cat report.html)
check_match "an HTML5 page" "^<!DOCTYPE html>" "$R"
check_match "the trace named in the title" "<title>mtan report: leaky\.zst</title>" "$R"
for s in summary timeline growth leaks anomalies races frag top; do
	check_match "section $s" "<section id=$s>" "$R"
done
check_match "summary: the events" "<td>events</td><td>229 \(119 allocations, 110 frees\)</td>" "$R"
check_match "summary: the leaked total" "<td>leaked</td><td class=bad>7\.2 KiB</td>|<td>leaked</td><td class=bad>7\.2 KiB in 9 blocks</td>" "$R"
check_match "leaks: leak_buffers' site and numbers" "<summary>3,000 bytes in 3 blocks \(pid [0-9]+, host heap\)</summary>" "$R"
check_match "leaks: its stack, leak_buffers then main" "<li>leak_buffers <span class=where>leaky\.c:[0-9]+</span> <span class=where>in leaky</span></li>" "$R"
check_match "leaks: leak_config's site" "<summary>240 bytes in 5 blocks \(pid [0-9]+, host heap\)</summary>" "$R"
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
print(len(svgs))')" 1

check_rc "report -o -: to stdout" 0 "$MTAN" report -q leaky.zst -o -
check_eq "report -o -: the same page" "$(cat "$OUT")" "$R"
check_rc "report: the default file is TRACE.html" 0 "$MTAN" report -q leaky.zst
check_eq "report: TRACE.html" "$(cat leaky.zst.html)" "$R"
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
fi

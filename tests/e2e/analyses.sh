# The analyses on the samples whose incidents are planted with exact figures (each
# sample's header states them): races (racyalloc), device close (meshdev), frag
# (fragpool), growth (bufpool, peers), frees (badfree), timeline and top, windows by seq,
# time and mark, and the views users query themselves. The fixed variants find nothing.
. "$TOP/tests/e2e/lib.bash"

# sql DB QUERY: the rows as JSON (python's sqlite3, no shell needed)
sql() {
	python3 -c 'import json,sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(json.dumps(c.execute(sys.argv[2]).fetchall()))' "$1" "$2"
}
# csv_get FILE EXPR: EXPR over rows = the CSV's rows as dicts
record() { # NAME SAMPLE [ARGS]
	local name=$1; shift
	if ! "$MTREC" -q -o "$name.zst" "$SAMPLES/$@" >/dev/null 2>"$name.err"; then
		fail "mtrec records $*" "$(head -c 600 "$name.err")"
		return 1
	fi
}
# the frame a site report starts at (the program's, past the allocator and mtrec.h)
SITE='[f["function"] for f in s["frames"] if f["file"] and not f["file"].endswith("mtrec.h")][0]'

# ---------------------------------------------------------------- races (racyalloc)
record racy racyalloc && record racyfix racyalloc --fixed
check_rc "races --format json" 0 "$MTAN" races racy.zst --format json
cp "$OUT" races.json
check_eq "racyalloc: exactly 10 races, at 0x1000 .. 0xA000" "$(json_get races.json '[r["address"] for r in d]')" \
	'["0x1000", "0x2000", "0x3000", "0x4000", "0x5000", "0x6000", "0x7000", "0x8000", "0x9000", "0xa000"]'
check_eq "racyalloc: every race a late free, on device 0 DRAM" \
	"$(json_get races.json 'sorted(set((r["form"], r["device"], r["space"]) for r in d))')" '[["late_free", 0, "DRAM"]]'
check_eq "racyalloc: thread A frees, thread B reuses, the same two threads each time" \
	"$(json_get races.json 'len(set(r["free_tid"] for r in d)) == 1 and len(set(r["alloc_tid"] for r in d)) == 1 and d[0]["free_tid"] != d[0]["alloc_tid"] and all(r["tids"] == [r["free_tid"], r["alloc_tid"]] for r in d)')" true
check_eq "racyalloc: B's allocation was numbered before A's free" \
	"$(json_get races.json 'all(r["alloc_seq"] < r["free_seq"] and r["seq"] == r["alloc_seq"] and r["tid"] == r["alloc_tid"] and r["seqs"] == [r["alloc_seq"], r["free_seq"]] for r in d)')" true
check_eq "racyalloc: a time window per race" "$(json_get races.json 'all(isinstance(r["window_ns"], int) and r["window_ns"] >= 0 for r in d)')" true
check_rc "summary --format json" 0 "$MTAN" summary racy.zst --format json
check_eq "racyalloc: repaired: no double free, no alloc over live, 10 reuse races" \
	"$(json_get "$OUT" 'd["anomalies"]')" '{"unmatched_free": 0, "double_free": 0, "alloc_over_live": 0, "reuse_race": 10}'
check_rc "leaks --format json" 0 "$MTAN" leaks racy.zst --format json
check_eq "racyalloc: no leak on the device" "$(json_get "$OUT" '[s for s in d if s["device"] != -1]')" "[]"
check_eq "racyalloc: each address holds generations 1 (A's) and 2 (B's)" \
	"$(sql racy.zst.db 'SELECT generation, count(*) FROM lifetimes WHERE device = 0 GROUP BY generation')" '[[1, 10], [2, 10]]'
check_eq "racyalloc: A's block ends where B's begins, freed by A's free" \
	"$(sql racy.zst.db 'SELECT count(*) FROM races r JOIN lifetimes a ON a.id = r.freed_lifetime_id JOIN lifetimes b ON b.id = r.reuse_lifetime_id WHERE a.end_seq = b.alloc_seq AND a.free_seq = r.free_seq AND a.free_tid = r.free_tid AND a.end_reason = '"'free'"' AND b.free_tid = b.tid AND b.end_reason = '"'free'"'')" '[[10]]'
check_eq "racyalloc: the view reuse_races" "$(sql racy.zst.db 'SELECT count(*), min(space_name) FROM reuse_races')" '[[10, "DRAM"]]'
check_rc "races (table)" 0 env COLUMNS=200 "$MTAN" races racy.zst
check_match "races table: a line per race" "^late_free +[0-9]+ +0 +DRAM +0x1000 " "$(cat "$OUT")"
check_match "races table: the advice" "^10 address-reuse races, repaired" "$(cat "$OUT")"
check_rc "races --fixed" 0 "$MTAN" races racyfix.zst --format json
check_eq "racyalloc --fixed: no race" "$(cat "$OUT")" "[]"
"$MTAN" summary racyfix.zst --format json >sum.json
check_eq "racyalloc --fixed: no anomaly" "$(json_get sum.json 'sum(d["anomalies"].values())')" 0
"$MTAN" leaks racyfix.zst --format json >leaks.json
check_eq "racyalloc --fixed: no leak on the device" "$(json_get leaks.json '[s for s in d if s["device"] != -1]')" "[]"
check_rc "races (table) with none" 0 "$MTAN" races racyfix.zst
check_eq "races table: says there are none" "$(cat "$OUT")" "no address-reuse races"

# ---------------------------------------------------------------- device close (meshdev)
record mesh meshdev && record meshfix meshdev --fixed
"$MTAN" leaks mesh.zst --format json >leaks.json
check_eq "meshdev: no leak on any device (what close released is listed as ended by it)" \
	"$(json_get leaks.json '[s for s in d if s["device"] != -1 and s.get("ended") != "device_close"]')" "[]"
"$MTAN" summary mesh.zst --format json >sum.json
check_eq "meshdev: released by device close, per device and space" \
	"$(json_get sum.json '[[s["device"], s["space"], s["released_blocks"], s["released_bytes"], s["leaked_blocks"]] for s in d["spaces"] if s["device"] != -1]')" \
	'[[0, "DRAM", 16, 15466496, 0], [0, "L1", 2, 22528, 0], [1, "DRAM", 10, 15462400, 0], [2, "DRAM", 10, 15462400, 0], [3, "DRAM", 10, 15462400, 0], [4, "DRAM", 10, 15462400, 0], [5, "DRAM", 10, 15462400, 0], [6, "DRAM", 10, 15462400, 0], [7, "DRAM", 10, 15462400, 0]]'
check_eq "meshdev: the view device_released, per device" \
	"$(sql mesh.zst.db 'SELECT device, count(*), sum(size) FROM device_released GROUP BY device ORDER BY device')" \
	'[[0, 18, 15489024], [1, 10, 15462400], [2, 10, 15462400], [3, 10, 15462400], [4, 10, 15462400], [5, 10, 15462400], [6, 10, 15462400], [7, 10, 15462400]]'
check_rc "leaks (table)" 0 "$MTAN" leaks mesh.zst
check_match "meshdev: the table lists them apart" "^released by device close \(not leaks\)" "$(cat "$OUT")"
check_match "meshdev: device 0's DRAM buffers" "^15,466,496 bytes in 16 blocks released \(pid [0-9]+, device 0 DRAM\)" "$(cat "$OUT")"
# summary narrowed to a device, a space name, or both; the peak of several spaces together
# from an independent replay of the lifetimes
"$MTAN" export mesh.zst --what lifetimes -o lt.csv
peak_of() { # python condition over a lifetime row r: the most live at once of those rows
	python3 - "$1" <<'PY'
import csv, sys
ev = []
for r in csv.DictReader(open("lt.csv", newline="")):
	if not eval(sys.argv[1]):
		continue
	ev.append((int(r["alloc_seq"]), 0, int(r["size"])))
	if r["end_seq"]:
		ev.append((int(r["end_seq"]), 1, -int(r["size"])))
live = peak = 0
for _, _, d in sorted(ev):
	live += d
	peak = max(peak, live)
print(peak)
PY
}
check_rc "summary --device 0" 0 "$MTAN" summary mesh.zst --device 0 --format json
check_eq "summary --device 0: its two spaces, their counts and what close released" \
	"$(json_get "$OUT" '[d["allocs"], d["frees"], d["released_blocks"], d["released_bytes"], [s["space"] for s in d["spaces"]], d["processes"]]')" \
	'[218, 200, 18, 15489024, ["DRAM", "L1"], 1]'
check_eq "summary --device 0: the peak of DRAM and L1 together" "$(json_get "$OUT" 'd["peak_bytes"]')" "$(peak_of 'r["device"] == "0"')"
check_rc "summary --space DRAM" 0 "$MTAN" summary mesh.zst --space DRAM --format json
check_eq "summary --space DRAM: eight devices, the peak of them together" \
	"$(json_get "$OUT" '[len(d["spaces"]), d["released_blocks"], d["peak_bytes"]]')" "[8, 86, $(peak_of 'r["space"] == "DRAM"')]"
check_rc "summary --device 3 --space DRAM" 0 "$MTAN" summary mesh.zst --device 3 --space DRAM --format csv
check_eq "summary --device 3 --space DRAM: the space's own numbers, peak included" "$(sed -n 2p "$OUT")" \
	"\"all\",\"all\",$(sql mesh.zst.db "SELECT allocs, frees, bytes_allocated FROM space_stats WHERE device = 3 AND name = 'DRAM'" | tr -d '[] '),$(peak_of 'r["device"] == "3" and r["space"] == "DRAM"'),0,0,10,15462400"
check_rc "summary --device host (table)" 0 "$MTAN" summary mesh.zst --device host
check_match "summary --device host: the scope said" "^scope        host$" "$(cat "$OUT")"
check_rc "summary --device 1 --space L1: nothing there" 0 "$MTAN" summary mesh.zst --device 1 --space L1 --format json
check_eq "summary --device 1 --space L1: zeros, no process" "$(json_get "$OUT" '[d["events"], d["peak_bytes"], d["processes"], d["threads"], d["spaces"]]')" "[0, 0, 0, 0, []]"
# a name the whole trace lacks is a typo, not an empty scope: refused by every command,
# so that a CI gate cannot pass on it
for c in check leaks summary frag frees growth races timeline top; do
	check_rc "$c --device 99: an error" 1 "$MTAN" $c mesh.zst --device 99
	check_eq "$c --device 99: names it and the devices there" "$(cat "$ERR")|$(cat "$OUT")" \
		"mtan: no device 99 in 'mesh.zst' (devices: host, 0, 1, 2, 3, 4, 5, 6, 7)|"
done
check_rc "leaks --space nosuch: an error" 1 "$MTAN" leaks mesh.zst --space nosuch
check_eq "leaks --space nosuch: names it and the spaces there" "$(cat "$ERR")|$(cat "$OUT")" \
	"mtan: no space 'nosuch' in 'mesh.zst' (spaces: heap, DRAM, L1)|"
check_rc "check --device 0 --space nosuch: an error" 1 "$MTAN" check mesh.zst --device 0 --space nosuch
check_eq "check --space nosuch: no verdict" "$(cat "$ERR")|$(cat "$OUT")" \
	"mtan: no space 'nosuch' in 'mesh.zst' (spaces: heap, DRAM, L1)|"
meshpid=$(sql mesh.zst.db 'SELECT pid FROM processes' | tr -d '[] ')
for c in check leaks export sql; do
	more=(); [ $c = sql ] && more=('SELECT 1'); [ $c = export ] && more=(--what lifetimes)
	check_rc "$c --pid (not in the trace): an error" 1 "$MTAN" $c mesh.zst --pid 4000000000 "${more[@]}"
	check_eq "$c --pid (not in the trace): names it and the processes there" "$(cat "$ERR")|$(cat "$OUT")" \
		"mtan: no process 4000000000 in 'mesh.zst' (processes: $meshpid)|"
done
check_rc "leaks --pid of the trace" 0 "$MTAN" leaks mesh.zst --pid "$meshpid" --device host --space heap
check_rc "diff --pid: the process must be in both traces" 1 "$MTAN" diff mesh.zst meshfix.zst --pid "$meshpid"
check_match "diff --pid: names the trace without it" "^mtan: no process $meshpid in 'meshfix.zst' \(processes: [0-9]+\)$" "$(cat "$ERR")"
"$MTAN" summary meshfix.zst --format json >sum.json
check_eq "meshdev --fixed: nothing released by close, nothing leaked on a device" \
	"$(json_get sum.json '[d["released_blocks"], sum(s["leaked_blocks"] for s in d["spaces"] if s["device"] != -1)]')" "[0, 0]"

# ---------------------------------------------------------------- frag (fragpool)
record frag fragpool && record fragc fragpool --compact
check_rc "frag --until holes" 0 "$MTAN" frag frag.zst --until holes --device 0 --format json
cp "$OUT" frag.json
check_eq "fragpool at mark holes: the planted figures" \
	"$(json_get frag.json '[[f[k] for k in ("device", "space", "capacity", "live_bytes", "live_blocks", "free_bytes", "holes", "largest_free", "external_fragmentation", "at")] for f in d]')" \
	'[[0, "DRAM", 1048576, 524288, 8, 524288, 8, 65536, 0.875, "until"]]'
check_rc "frag --compact --until holes" 0 "$MTAN" frag fragc.zst --until holes --device 0 --format json
check_eq "fragpool --compact: one hole, no external fragmentation" \
	"$(json_get "$OUT" '[[f[k] for k in ("live_bytes", "free_bytes", "holes", "largest_free", "external_fragmentation")] for f in d]')" \
	'[[524288, 524288, 1, 524288, 0]]'
mark=$(sql frag.zst.db "SELECT seq FROM marks WHERE label = 'holes'" | tr -d '[]')
check_rc "frag --until SEQ" 0 "$MTAN" frag frag.zst --until "$mark" --device 0 --format json
check_eq "the mark's seq gives the mark's state" "$(cat "$OUT")" "$(cat frag.json)"
check_rc "frag --until mark:holes" 0 "$MTAN" frag frag.zst --until mark:holes --device 0 --format json
check_eq "mark:LABEL is the same" "$(cat "$OUT")" "$(cat frag.json)"
check_rc "frag at the peak (default)" 0 "$MTAN" frag frag.zst --device 0 --space DRAM --format json
check_eq "fragpool at its peak: full, no hole" \
	"$(json_get "$OUT" '[[f[k] for k in ("at", "live_bytes", "free_bytes", "holes", "external_fragmentation")] for f in d]')" \
	'[["peak", 1048576, 0, 0, 0]]'
check_eq "the view fragmentation says the same at the peak" \
	"$(sql frag.zst.db 'SELECT live_bytes, free_bytes, holes, largest_free, external_fragmentation FROM fragmentation WHERE device = 0')" \
	"$(json_get "$OUT" '[[f["live_bytes"], f["free_bytes"], f["holes"], f["largest_free"], float(f["external_fragmentation"])] for f in d]')"
check_rc "frag --at end" 0 "$MTAN" frag frag.zst --at end --device 0 --format json
check_eq "fragpool at the end: closed, all free in one hole" \
	"$(json_get "$OUT" '[[f[k] for k in ("at", "live_bytes", "free_bytes", "holes")] for f in d]')" '[["end", 0, 1048576, 1]]'
check_rc "frag --format csv" 0 "$MTAN" frag frag.zst --until holes --format csv
check_eq "frag csv: the device's row" "$(csv_get "$OUT" '[[r["holes"], r["external_fragmentation"]] for r in rows if r["device"] == "0"]')" '[["8", "0.875"]]'
check_rc "frag (table)" 0 env COLUMNS=200 "$MTAN" frag frag.zst --until holes
check_match "frag table: sizes and the ratio" " DRAM +until +[0-9]+ .* 512\.0 KiB +8 +512\.0 KiB +8 +64\.0 KiB +0\.875" "$(cat "$OUT")"
check_rc "frag --no mark: an error" 1 "$MTAN" frag frag.zst --until nosuchmark
check_eq "frag: an unknown mark says so" "$(cat "$ERR")" "mtan: no mark 'nosuchmark' in the trace (--until)"
check_rc "frag --since: a usage error" 2 "$MTAN" frag frag.zst --since holes
# every row has the time of its seq: the last event at or before it in any space (a free in
# another space too; a seq inside the first bucket of the timeline too), at the end the last event's
"$MTAN" export frag.zst --what events -o fragev.csv
for at in peak "until holes" end; do
	case $at in
	peak) "$MTAN" frag frag.zst --format json >fat.json ;;
	end) "$MTAN" frag frag.zst --at end --format json >fat.json ;;
	*) "$MTAN" frag frag.zst --until holes --format json >fat.json ;;
	esac
	check_eq "frag at $at: each row's time_ns is its seq's (the last event at or before it)" \
		"$(json_get fat.json '[[f["space"], f["time_ns"]] for f in d]')" \
		"$(python3 -c '
import csv, json
ev = {int(r["seq"]): int(r["time_ns"]) for r in csv.DictReader(open("fragev.csv"))}
at = lambda s: ev[max(k for k in ev if s is None or k <= s)]
print(json.dumps([[f["space"], at(f["seq"])] for f in json.load(open("fat.json"))]))')"
done

# ---------------------------------------------------------------- growth (bufpool, peers)
record buf bufpool && record buffix bufpool --fixed
check_rc "growth --format json" 0 "$MTAN" growth buf.zst --format json
cp "$OUT" growth.json
check_eq "bufpool: growth on device 0 pool:instances" \
	"$(json_get growth.json '[[g["device"], g["space"], g["verdict"], g["plateau_ns"]] for g in d if g["device"] == 0]')" \
	'[[0, "pool:instances", "growth", null]]'
check_eq "growth: the contract's fields" \
	"$(json_get growth.json 'all({"device", "space", "verdict", "rate_bytes_per_s", "plateau_ns", "sites"} <= set(g) for g in d)')" true
check_eq "bufpool: a positive rate and a growing site" \
	"$(json_get growth.json '[g["rate_bytes_per_s"] > 0 and g["sites"][0]["growth_bytes"] > 0 and g["sites"][0]["frames"] != [] for g in d if g["device"] == 0]')" '[true]'
"$MTAN" leaks buf.zst --format json >leaks.json
check_eq "bufpool: 19 abandoned buffers leaked, 1,945,600 bytes" \
	"$(json_get leaks.json '[sum(s["blocks"] for s in d if s["device"] == 0), sum(s["bytes"] for s in d if s["device"] == 0)]')" "[19, 1945600]"
check_eq "bufpool: the site starts past the client API's inline functions (mtrec.h), at main" \
	"$(json_get leaks.json '[[s["frames"][s["site"]]["function"], s["frames"][s["site"]]["file"], [f["function"] for f in s["frames"][:s["site"]]]] for s in d if s["device"] == 0]')" \
	'[["main", "samples/bufpool.c", ["mtrec_alloc_seq", "mtrec_alloc"]]]'
check_rc "growth (table) of bufpool" 0 "$MTAN" growth buf.zst --device 0
check_match "bufpool: the growing site printed from main" "growing sites:
  [0-9,]+ bytes in [0-9]+ more blocks \(pid [0-9]+\)
    #2 main \(bufpool\.c:[0-9]+\) in bufpool" "$(cat "$OUT")"
"$MTAN" growth buffix.zst --device 0 --format json >growth.json
check_eq "bufpool --fixed: plateau, reached at a time" \
	"$(json_get growth.json '[[g["space"], g["verdict"], isinstance(g["plateau_ns"], int)] for g in d]')" '[["pool:instances", "plateau", true]]'
check_eq "the table growth (judged at load) says the same" \
	"$(sql buffix.zst.db "SELECT device, space, verdict FROM growth WHERE device = 0")" '[[0, "pool:instances", "plateau"]]'
check_eq "the table growth for the leaky pool" \
	"$(sql buf.zst.db "SELECT verdict, plateau_ns IS NULL, rate_bytes_per_s > 0 FROM growth WHERE device = 0")" '[["growth", 1, 1]]'
"$MTAN" leaks buffix.zst --format json >leaks.json
check_eq "bufpool --fixed: no leak on the device" "$(json_get leaks.json '[s for s in d if s["device"] != -1]')" "[]"

record peers peers && record peersfix peers --fixed
check_rc "growth peers --device host" 0 "$MTAN" growth peers.zst --device host --space heap --format json
cp "$OUT" growth.json
check_eq "peers: growth on the host heap though all is freed at shutdown" \
	"$(json_get growth.json '[[g["device"], g["space"], g["verdict"]] for g in d]')" '[[-1, "heap", "growth"]]'
check_eq "peers: peer_entry_new and peer_name_new grow most" \
	"$(json_get growth.json "[[$SITE for s in g['sites'][:2]] for g in d]")" '[["peer_entry_new", "peer_name_new"]]'
check_eq "peers: entries grew by 256 bytes a block, names by 64" \
	"$(json_get growth.json '[[s["growth_bytes"] == 256 * s["growth_blocks"] for s in g["sites"][:1]] + [g["sites"][1]["growth_bytes"] == 64 * g["sites"][1]["growth_blocks"]] for g in d]')" '[[true, true]]'
check_eq "the tables growth and growth_sites for peers" \
	"$(sql peers.zst.db "SELECT g.verdict, s.rank, y.function FROM growth g JOIN growth_sites s ON s.device = g.device AND s.space = g.space JOIN stack_symbols y ON y.stack_id = s.stack AND y.level = 0 WHERE g.device = -1 AND s.rank <= 2 ORDER BY s.rank")" \
	'[["growth", 1, "peer_entry_new"], ["growth", 2, "peer_name_new"]]'
"$MTAN" leaks peers.zst --format json >leaks.json
check_eq "peers: nothing leaked from its code" \
	"$(json_get leaks.json '[s for s in d if s["frames"] and s["frames"][0]["module"].endswith("/peers")]')" "[]"
"$MTAN" growth peersfix.zst --device host --space heap --format json >growth.json
check_eq "peers --fixed: plateau" "$(json_get growth.json '[g["verdict"] for g in d]')" '["plateau"]'
check_rc "growth (table)" 0 "$MTAN" growth peers.zst --device host --limit 1
# the times printed are the run's own (any unit): only their shape is asserted
check_match "growth table: the verdict and the rate" "^host heap: growth \([0-9.]+ [KM]iB/s; judged [0-9.]+ [mu]?s to [0-9.]+ [mu]?s\)$" "$(cat "$OUT")"
check_match "growth table: the growing site" "peer_entry_new \(peers\.c:[0-9]+\)" "$(cat "$OUT")"
check_rc "growth --format csv" 0 "$MTAN" growth peers.zst --format csv
check_eq "growth csv: a row per space" "$(csv_get "$OUT" '[[r["device"], r["space"], r["verdict"]] for r in rows]')" '[["-1", "heap", "growth"]]'
# CSV and JSON print the same values: the same whole numbers (not truncated in one and
# rounded in the other) and the same z, to the character
same_growth() { # CSV JSON: "same" or what differs
	python3 - "$1" "$2" <<'PY'
import csv, json, re, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
text = open(sys.argv[2]).read()
d = json.loads(text)
zs = re.findall(r'"z": ([^,]+),', text)
bad = [] if len(rows) == len(d) == len(zs) and rows else ["rows: %d csv, %d json" % (len(rows), len(d))]
for r, j, z in zip(rows, d, zs):
    for k, c in r.items():
        v = j[k]
        want = "" if v is None else z if k == "z" else str(v)
        if c != want:
            bad.append("%s: csv %r, json %r" % (k, c, want))
print("; ".join(bad) or "same")
PY
}
for t in buf peers; do
	"$MTAN" growth $t.zst --format csv >g.csv
	"$MTAN" growth $t.zst --format json >g.json
	check_eq "growth $t: csv and json agree field by field" "$(same_growth g.csv g.json)" same
	"$MTAN" growth $t.zst --format csv --since 0.1s >g.csv
	"$MTAN" growth $t.zst --format json --since 0.1s >g.json
	check_eq "growth $t --since 0.1s: csv and json agree field by field" "$(same_growth g.csv g.json)" same
done
check_eq "growth: the table growth holds the same whole numbers as json" \
	"$(sql buf.zst.db 'SELECT device, space, rate_bytes_per_s, plateau_ns, start_ns, end_ns, start_bytes, end_bytes FROM growth ORDER BY device, space')" \
	"$("$MTAN" growth buf.zst --format json | python3 -c 'import json,sys; print(json.dumps(sorted([g[k] for k in ("device", "space", "rate_bytes_per_s", "plateau_ns", "start_ns", "end_ns", "start_bytes", "end_bytes")] for g in json.load(sys.stdin))))')"

# ---------------------------------------------------------------- frees (badfree)
record bad badfree && record badfix badfree --fixed
check_rc "frees --format json" 0 "$MTAN" frees bad.zst --format json
cp "$OUT" frees.json
check_eq "badfree: 3 unmatched then 2 double frees, in seq order" \
	"$(json_get frees.json '[[f["kind"], f["address"], f["device"], f["space"]] for f in d]')" \
	'[["unmatched_free", "0xdead0000", 0, "DRAM"], ["unmatched_free", "0xdead1000", 0, "DRAM"], ["unmatched_free", "0xdead2000", 0, "DRAM"], ["double_free", "0x1000", 0, "DRAM"], ["double_free", "0x2000", 0, "DRAM"]]'
check_eq "badfree: seqs rise, tids are the program's" "$(json_get frees.json '[f["seq"] for f in d] == sorted(f["seq"] for f in d) and len(set(f["tid"] for f in d)) == 1')" true
check_eq "badfree: the stack of each free" "$(json_get frees.json "[$SITE for s in d]")" \
	'["release_unknown", "release_unknown", "release_unknown", "release_twice", "release_twice"]'
check_eq "badfree: no earlier block at the unknown addresses" "$(json_get frees.json '[f["nearest"] for f in d[:3]]')" "[null, null, null]"
check_eq "badfree: the nearest earlier block of a double free" \
	"$(json_get frees.json '[[f["nearest"][k] for k in ("generation", "size", "end_reason")] for f in d[3:]]')" '[[1, 256, "free"], [1, 512, "free"]]'
check_eq "badfree: freed once before the second free" \
	"$(json_get frees.json 'all(f["nearest"]["free_seq"] < f["seq"] and f["nearest"]["alloc_seq"] < f["nearest"]["free_seq"] for f in d[3:])')" true
check_eq "badfree: the nearest block's allocation stack" "$(json_get frees.json "[$SITE for s in [f['nearest'] for f in d[3:]]]")" '["acquire", "acquire"]'
check_eq "badfree: the view bad_frees" "$(sql bad.zst.db 'SELECT kind, count(*) FROM bad_frees GROUP BY kind ORDER BY kind')" '[["double_free", 2], ["unmatched_free", 3]]'
"$MTAN" summary bad.zst --format json >sum.json
check_eq "badfree: no other anomaly, no device leak" \
	"$(json_get sum.json '[d["anomalies"], sum(s["leaked_blocks"] for s in d["spaces"] if s["device"] != -1)]')" \
	'[{"unmatched_free": 3, "double_free": 2, "alloc_over_live": 0, "reuse_race": 0}, 0]'
check_rc "frees (table)" 0 "$MTAN" frees bad.zst
check_match "frees table: a heading per finding" "^double free of 0x1000 \(pid [0-9]+, device 0 DRAM\) at seq [0-9]+, thread [0-9]+$" "$(cat "$OUT")"
check_match "frees table: the nearest block" "^  nearest earlier block: generation 1, 256 bytes, allocated at seq [0-9]+ by thread [0-9]+, freed at seq [0-9]+" "$(cat "$OUT")"
check_match "frees table: totals" "^frees: 3 unmatched, 2 double$" "$(cat "$OUT")"
first_double=$(json_get frees.json 'd[3]["seq"]')
check_rc "frees --until SEQ" 0 "$MTAN" frees bad.zst --until $((first_double - 1)) --format json
check_eq "a seq window: the unmatched frees only" "$(json_get "$OUT" '[f["kind"] for f in d]')" '["unmatched_free", "unmatched_free", "unmatched_free"]'
check_rc "frees --since SEQ" 0 "$MTAN" frees bad.zst --since "$first_double" --format csv
check_eq "--since SEQ, csv: the double frees" "$(csv_get "$OUT" '[[r["kind"], r["address"], r["nearest_size"]] for r in rows]')" \
	'[["double_free", "0x1000", "256"], ["double_free", "0x2000", "512"]]'
check_rc "frees --fixed" 0 "$MTAN" frees badfix.zst --format json
check_eq "badfree --fixed: no findings" "$(cat "$OUT")" "[]"
check_rc "frees (table) with none" 0 "$MTAN" frees badfix.zst
check_eq "frees table: says there are none" "$(cat "$OUT")" "no unmatched or double frees"

# ---------------------------------------------------------------- timeline
check_rc "timeline --format csv" 0 "$MTAN" timeline buf.zst --device 0 --space pool:instances --format csv
cp "$OUT" tl.csv
check_eq "timeline csv: the header" "$(head -1 tl.csv)" \
	'"time_ns","seq","pid","device","space","live_bytes","live_blocks","max_bytes","allocs","frees","bytes_allocated","bytes_freed","rss_bytes"'
check_eq "timeline csv: a row per allocation (20) and the last free, seqs rising" \
	"$(csv_get tl.csv '[len(rows), all(int(a["seq"]) < int(b["seq"]) for a, b in zip(rows, rows[1:])), all(int(a["time_ns"]) <= int(b["time_ns"]) for a, b in zip(rows, rows[1:]))]')" \
	'[21, true, true]'
check_eq "timeline csv: at the end the 19 abandoned buffers" "$(csv_get tl.csv '[rows[-1]["live_bytes"], rows[-1]["live_blocks"], rows[-1]["device"], rows[-1]["space"]]')" \
	'["1945600", "19", "0", "pool:instances"]'
check_eq "timeline csv: the peak before the last free" "$(csv_get tl.csv 'max(int(r["max_bytes"]) for r in rows)')" 2088960
check_eq "timeline csv: no RSS beside a device" "$(csv_get tl.csv 'sorted(set(r["rss_bytes"] for r in rows))')" '[""]'
check_rc "timeline host heap" 0 "$MTAN" timeline peers.zst --device host --format csv
check_eq "timeline: the sampled RSS beside the host heap" "$(csv_get "$OUT" 'sum(1 for r in rows if r["rss_bytes"] != "") > 10 and all(int(r["rss_bytes"]) > 0 for r in rows if r["rss_bytes"])')" true
check_eq "timeline: the same rows as the table timeline" "$(csv_get "$OUT" 'len(rows)')" \
	"$(sql peers.zst.db "SELECT count(*) FROM timeline WHERE pid IS NULL AND device = -1 AND space = 'heap'" | tr -d '[]')"
check_rc "timeline --format json" 0 "$MTAN" timeline buf.zst --device 0 --format json
check_eq "timeline json: the same rows" "$(json_get "$OUT" '[len(d), d[-1]["live_bytes"], d[-1]["pid"]]')" '[21, 1945600, null]'
check_rc "timeline (chart)" 0 "$MTAN" timeline buf.zst --device 0 --width 60 --height 8
check_match "timeline chart: a heading with the peak and the end" "^device 0 pool:instances: live bytes, peak 2\.0 MiB, at the end 1\.9 MiB$" "$(cat "$OUT")"
check_eq "timeline chart: 8 lines of bars, an axis, the times" "$(grep -c '|' "$OUT") $(grep -c '^ *0 +-' "$OUT") $(grep -cE '^ +[0-9.]+ s +[0-9.]+ s$' "$OUT")" "8 1 1"
check_eq "timeline chart: bars rise to the top" "$(sed -n 2p "$OUT" | grep -c '#')" 1
check_match "timeline chart: down to 0 when the process exits (its abandoned buffers go with it)" "#:$" "$(sed -n 9p "$OUT")"
check_rc "timeline chart with RSS" 0 "$MTAN" timeline peers.zst
check_match "timeline chart: RSS marked beside the heap" "^host heap: live bytes, peak [0-9.]+ KiB, at the end [0-9.]+ KiB; '\.' RSS$" "$(cat "$OUT")"
# times that resolve (meta.time interpolated, here by meshdev's CLOCK readings) chart even a
# run of a few ms by time: meshdev's device 0 from before its first event to past its last
check_eq "meshdev: times interpolated between its clock readings" \
	"$(sql mesh.zst.db "SELECT value FROM meta WHERE key = 'time'")" '[["interpolated"]]'
check_rc "timeline chart of a short run" 0 "$MTAN" timeline mesh.zst --device 0 --space DRAM --width 40 --height 4
check_match "short run, times resolve: by time, with the peak and the end" "^device 0 DRAM: live bytes, peak 15\.0 MiB, at the end 0 B$" "$(cat "$OUT")"
check_match "short run, times resolve: an axis by time" "^ +[0-9]+\.[0-9]{3} s +[0-9]+\.[0-9]{3} s$" "$(tail -1 "$OUT")"
"$MTAN" report mesh.zst -o mesh.html 2>/dev/null
mesh_ns=$(sql mesh.zst.db "SELECT min(l.alloc_ns), max(max(l.alloc_ns), coalesce(max(l.end_ns), 0)) FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space WHERE l.device = 0 AND s.name = 'DRAM'" | tr -d '[] ' | sed 's/,/ /')
# the terminal's axis, as the report's below, spans the space's events: its labels (3
# decimals) at or before the first and at or after the last
check_eq "short run, times resolve: the terminal's axis from the first event on past the last" "$(python3 -c '
import sys
l0, l1, first, last = map(float, sys.argv[1:5])
print(l0 <= first / 1e9 + 0.0005 and l1 >= last / 1e9 - 0.0005)' $(tail -1 "$OUT" | awk '{print $1, $3}') $mesh_ns)" "True"
check_eq "short run, times resolve: the axis from the first event on past the last" \
	"$(python3 -c '
import re, sys
m = re.search(r"data-x0=\"([0-9]+)\" data-x1=\"([0-9]+)\" data-axis=\"ns\"><title>device 0 DRAM:", open("mesh.html").read())
first, last = map(int, sys.argv[1:3])
print(int(int(m.group(1)) <= first), int(int(m.group(2)) > last))' $mesh_ns)" "1 1"
check_eq "short run, times resolve: 4 lines of bars held until the device closed, then down to 0 (':' the drop; where they start depends on whether device 0, open from the start, gets an axis of its own life)" "$(grep -cE '\| *#{5,}:$' "$OUT")" 4
mesh_seqs=$(sql mesh.zst.db "SELECT min(l.alloc_seq), max(max(l.alloc_seq), coalesce(max(l.end_seq), 0)) FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space WHERE l.device = 0 AND s.name = 'DRAM'" | tr -d '[] ' | sed 's/,/ /')
set -- $mesh_seqs
# rows of a window: the buckets whose last event is in it (interpolated times: fine buckets)
"$MTAN" timeline mesh.zst --device 0 --space DRAM --format csv >mesh_all.csv
check_rc "timeline csv of a short run, a window" 0 "$MTAN" timeline mesh.zst --device 0 --space DRAM --since $(($1 + 1)) --until $(($2 - 1)) --format csv
check_eq "a window: the rows whose last event is in it" \
	"$(csv_get "$OUT" '[r["seq"] for r in rows]')" \
	"$(csv_get mesh_all.csv "[r['seq'] for r in rows if $1 + 1 <= int(r['seq']) <= $2 - 1]")"
# times that do not resolve (meta.time collector: an older recorder, or an import whose
# events share two times) chart a short run by event order
python3 -c '
print("seq,time_ns,op,device,space,address,size,tid")
for i in range(40):
    print("%d,1000,alloc,0,DRAM,%d,1048576,7" % (i + 1, (i + 1) << 20))
for i in range(40):
    print("%d,2000,free,0,DRAM,%d,,7" % (i + 41, (i + 1) << 20))' >coarse.csv
"$MTAN" import coarse.csv -o coarse.zst 2>/dev/null
check_rc "timeline chart of a short run whose times do not resolve" 0 "$MTAN" timeline coarse.zst --device 0 --space DRAM --width 40 --height 4
check_eq "coarse times: meta.time collector" "$(sql coarse.zst.db "SELECT value FROM meta WHERE key = 'time'")" '[["collector"]]'
check_match "coarse times: by event order, with the peak and the end" "^device 0 DRAM: live bytes by event order \(seq\), peak 40\.0 MiB, at the end 0 B$" "$(cat "$OUT")"
# 80 events: the axis from seq 1 on past the last (3% and one seq of room after it)
check_eq "coarse times: an axis by seq, from the first event on past the last" "$(tail -1 "$OUT" | awk '{print $1, $2, $3, $4}')" "seq 1 seq 83"
check_eq "coarse times: bars rise to 40 MiB, then drop (':') to 0" "$(sed -n 2,5p "$OUT" | grep -c ':$')" 4
check_rc "timeline chart of a coarse run, a window" 0 "$MTAN" timeline coarse.zst --device 0 --space DRAM --since 2 --until 79 --width 40 --height 4
check_eq "a window: its own axis" "$(tail -1 "$OUT" | awk '{print $1, $2, $3, $4}')" "seq 2 seq 82"
# a window inside one bucket (every allocation at one time: one bucket) gives that bucket
"$MTAN" timeline coarse.zst --device 0 --space DRAM --format csv >coarse_all.csv
check_eq "coarse times: two buckets, one per time" "$(csv_get coarse_all.csv '[[r["time_ns"], r["seq"]] for r in rows]')" '[["1000", "40"], ["2000", "80"]]'
check_rc "timeline csv of a coarse run, a window inside a bucket" 0 "$MTAN" timeline coarse.zst --device 0 --space DRAM --since 2 --until 3 --format csv
check_eq "a window inside a bucket: the bucket that holds it" "$(csv_get "$OUT" '[r["seq"] for r in rows]')" '["40"]'
check_rc "growth of a short run, a window of two seqs" 0 "$MTAN" growth mesh.zst --device 0 --space DRAM --since $(($1 + 1)) --until $(($1 + 2)) --format json
# two seqs of a run of a few ms: a verdict in words (too short), not none
check_eq "growth: the bucket's verdict, not none" "$(json_get "$OUT" '[g["verdict"] for g in d]')" '["too_short"]'
check_rc "timeline chart of a long run stays by time" 0 "$MTAN" timeline peers.zst --width 40 --height 4
check_nomatch "a long run: not by event order" "by event order|seq [0-9]" "$(cat "$OUT")"
# windows by time: exactly the rows in the window
full=$(csv_get tl.csv '[[r["seq"], int(r["time_ns"])] for r in rows]')
check_rc "timeline --until 100ms" 0 "$MTAN" timeline buf.zst --device 0 --until 100ms --format csv
check_eq "--until 100ms: the rows up to 100 ms" "$(csv_get "$OUT" '[r["seq"] for r in rows]')" \
	"$(python3 -c "import json; print(json.dumps([s for s, t in $full if t <= 100000000]))")"
check_rc "timeline --since 0.2s" 0 "$MTAN" timeline buf.zst --device 0 --since 0.2s --format csv
check_eq "--since 0.2s: the rows from 200 ms" "$(csv_get "$OUT" '[r["seq"] for r in rows]')" \
	"$(python3 -c "import json; print(json.dumps([s for s, t in $full if t >= 200000000]))")"
check_rc "timeline --since 200000us --until 300ms" 0 "$MTAN" timeline buf.zst --device 0 --since 200000us --until 300ms --format csv
check_eq "--since and --until: the rows between" "$(csv_get "$OUT" '[r["seq"] for r in rows]')" \
	"$(python3 -c "import json; print(json.dumps([s for s, t in $full if 200000000 <= t <= 300000000]))")"

# leaks honour the window too: the abandoned buffers allocated in it
fifth=$(csv_get tl.csv 'rows[4]["seq"]' | tr -d '"')
check_rc "leaks --until SEQ" 0 "$MTAN" leaks buf.zst --device 0 --until "$fifth" --format json
check_eq "leaks up to the 5th buffer: the first 5 abandoned" "$(json_get "$OUT" '[sum(s["blocks"] for s in d), sum(s["bytes"] for s in d)]')" \
	"[5, $((65536 + 69632 + 73728 + 77824 + 81920))]"
check_rc "leaks --since SEQ" 0 "$MTAN" leaks buf.zst --device 0 --since $((fifth + 1)) --format json
check_eq "leaks after it: the other 14" "$(json_get "$OUT" 'sum(s["blocks"] for s in d)')" 14
check_rc "leaks --device host" 0 "$MTAN" leaks buf.zst --device host --format json --no-default-suppressions --reachable
check_eq "leaks --device host: no device's" "$(json_get "$OUT" 'sorted(set(s["device"] for s in d))')" "[-1]"
check_rc "leaks --until work (table)" 0 "$MTAN" leaks mesh.zst --until work --device 0
check_match "released blocks allocated before the mark" "^15,466,496 bytes in 16 blocks released" "$(cat "$OUT")"
check_rc "leaks --since work" 0 "$MTAN" leaks mesh.zst --since work --device 0
check_nomatch "none of the workload's blocks is released by close" "released by device close" "$(cat "$OUT")"
# a window that ends before it starts is an error, not an empty window that finds nothing
check_rc "--since after --until (seqs): an error" 1 "$MTAN" leaks mesh.zst --since 500 --until 100
check_eq "--since after --until (seqs): says so" "$(cat "$ERR")|$(cat "$OUT")" "mtan: --since (seq 500) is after --until (seq 100)|"
marks=$(sql mesh.zst.db "SELECT (SELECT seq FROM marks WHERE label = 'close'), (SELECT seq FROM marks WHERE label = 'open'), (SELECT time_ns FROM marks WHERE label = 'open')" | tr -d '[] ')
IFS=, read -r close_seq open_seq open_ns <<<"$marks"
check_rc "--since after --until (marks): an error" 1 "$MTAN" growth mesh.zst --since close --until open
check_eq "--since after --until (marks): names them and their seqs" "$(cat "$ERR")|$(cat "$OUT")" \
	"mtan: --since 'close' (seq $close_seq) is after --until 'open' (seq $open_seq)|"
check_rc "--since after --until (a seq and a mark): an error" 1 "$MTAN" top mesh.zst --since $((open_seq + 1)) --until mark:open
check_eq "--since after --until (a seq and a mark): says so" "$(cat "$ERR")" \
	"mtan: --since (seq $((open_seq + 1))) is after --until 'open' (seq $open_seq)"
check_rc "--since after --until (times): an error" 1 "$MTAN" timeline buf.zst --since 300ms --until 0.2s
check_eq "--since after --until (times): says so" "$(cat "$ERR")" "mtan: --since 300ms is after --until 0.2s"
check_rc "--since after --until (a time and a mark): an error" 1 "$MTAN" frees mesh.zst --since 1min --until open
check_eq "--since after --until (a time and a mark): the mark's time" "$(cat "$ERR")" \
	"mtan: --since 1min is after --until 'open' (at ${open_ns}ns)"
check_rc "--since equal to --until: a window of one seq" 0 "$MTAN" leaks mesh.zst --since 500 --until 500
check_rc "--since and --until in one gap between allocations: in order, no error" 0 "$MTAN" timeline buf.zst --since 200000001ns --until 200000002ns
check_rc "--since open --until close: in order" 0 "$MTAN" races mesh.zst --since open --until close

# ---------------------------------------------------------------- top (leaky, meshdev)
record leaky leaky
check_rc "top --format json" 0 "$MTAN" top leaky.zst --format json
cp "$OUT" top.json
check_eq "top: the three rankings" "$(json_get top.json 'sorted(d)')" '["by_bytes", "by_count", "by_temporaries"]'
check_eq "leaky: churn's 100 temporaries allocate most often" \
	"$(json_get top.json "[[$SITE, s['allocs'], s['bytes'], s['temporaries']] for s in d['by_count'][:1]]")" '[["churn", 100, 6550, 100]]'
check_eq "leaky: the leaking sites are listed by bytes" \
	"$(json_get top.json "sorted([$SITE, s['allocs'], s['bytes']] for s in d['by_bytes'] if $SITE.startswith('leak_'))")" \
	'[["leak_buffers", 3, 3000], ["leak_config", 5, 240]]'
check_eq "leaky: temporaries are churn's (mallocs and reallocs)" "$(json_get top.json "[[$SITE, s['temporaries']] for s in d['by_temporaries']]")" '[["churn", 100], ["churn", 10]]'
check_eq "the view alloc_sites counts the same" \
	"$(sql leaky.zst.db 'SELECT allocs, bytes, temporaries FROM alloc_sites ORDER BY allocs DESC LIMIT 1')" '[[100, 6550, 100]]'
check_rc "top --temporary 0ns" 0 "$MTAN" top leaky.zst --temporary 0ns --format json
check_eq "--temporary 0ns: nothing lives that short" "$(json_get "$OUT" '[d["by_temporaries"], d["by_count"][0]["allocs"]]')" "[[], 100]"
check_rc "top (table)" 0 "$MTAN" top leaky.zst --limit 2
check_match "top table: a site line" "^6,550 bytes in 100 allocations, 100 temporary \(pid [0-9]+, host heap\)$" "$(cat "$OUT")"
check_match "top table: the rankings' titles" "^by temporaries \(freed within 1 ms\)$" "$(cat "$OUT")"
check_rc "top --format csv" 0 "$MTAN" top leaky.zst --limit 1 --format csv
check_eq "top csv: a row per ranking" "$(csv_get "$OUT" '[[r["by"], r["rank"], r["allocs"]] for r in rows]')" \
	'[["bytes", "1", "100"], ["count", "1", "100"], ["temporaries", "1", "100"]]'
# windows by mark: meshdev's workload runs between the marks "work" and "close"
check_rc "top --since work --until close" 0 "$MTAN" top mesh.zst --since work --until close --format json
check_eq "between the marks: 8 devices x 50 rounds x 4 buffers of 64 KiB" \
	"$(json_get "$OUT" '[[s["device"], s["allocs"], s["bytes"]] for s in d["by_count"]]')" \
	'[[0, 200, 13107200], [1, 200, 13107200], [2, 200, 13107200], [3, 200, 13107200], [4, 200, 13107200], [5, 200, 13107200], [6, 200, 13107200], [7, 200, 13107200]]'
check_rc "top --until work" 0 "$MTAN" top mesh.zst --until work --device 0 --format json
check_eq "up to the mark: only the system buffers" "$(json_get "$OUT" '[[s["space"], s["allocs"], s["bytes"]] for s in d["by_bytes"]]')" \
	'[["DRAM", 16, 15466496], ["L1", 2, 22528]]'

# ---------------------------------------------------------------- the clean program
record clean clean
for c in frees races; do
	check_rc "clean: $c" 0 "$MTAN" $c clean.zst --format json
	check_eq "clean: no $c" "$(cat "$OUT")" "[]"
done
check_rc "clean: growth" 0 "$MTAN" growth clean.zst --format json
# clean runs a few ms: too little signal to judge (too_short, not a finding); a plateau
# on runs long enough is checked above (bufpool --fixed, peers --fixed)
check_eq "clean: too short to judge, no growth" "$(json_get "$OUT" '[g["verdict"] for g in d]')" '["too_short"]'
check_match "clean: too short, and why (too few clock readings, no repeated mark)" \
	"^[0-9.]+ [mu]?s, about [0-9]+ of the recorder's clock readings, and no repeated mark: 8 of either are needed$" \
	"$(json_get "$OUT" 'd[0]["reason"]')"
check_rc "clean: check passes (too_short is not a finding)" 0 "$MTAN" check clean.zst

# ---------------------------------------------------------------- usage
check_rc "help lists the analyses" 0 "$MTAN" help
check_eq "help: every analysis" "$(grep -cE '^  (frag|frees|growth|races|timeline|top) ' "$OUT")" 6
check_rc "frag --help" 0 "$MTAN" frag --help
check_match "--help documents --since and --until" "--until WHEN +up to and including WHEN" "$(cat "$OUT")"
check_rc "a bad --device" 2 "$MTAN" frag frag.zst --device gpu
check_rc "a bad --at" 2 "$MTAN" frag frag.zst --at middle

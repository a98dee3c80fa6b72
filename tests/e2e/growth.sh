# Verdicts over time that hold (issue 14): times that resolve (interpolated between the
# collector's clock readings), growth judged at each recurrence of a repeated mark, a
# warm-up found from the data, too_short said in words, windows without allocations, and
# `mtan diff` of verdicts. Samples warmpool (and --leak), meshround, manyframes. Nothing
# here depends on how fast the machine is: the verdicts and counts asserted are those of
# marks and seqs, and times are only compared with each other.
. "$TOP/tests/e2e/lib.bash"
SITE='s["frames"][s["site"]]["function"]'
# sql DB QUERY: the rows as JSON (the database is loaded first when it is not there)
sql() {
	[ -f "$1" ] || "$MTAN" load -q "${1%.db}" >/dev/null
	python3 -c 'import json,sqlite3,sys; print(json.dumps(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()))' "$1" "$2"
}

# ---- the flat pool, run after run: the same verdict (the flaky "growth" of issue 14)
for i in 1 2 3 4 5; do
	"$MTREC" -q -o flat$i.zst "$SAMPLES/warmpool" >/dev/null
	"$MTAN" growth flat$i.zst --format json >g$i.json
	check_eq "warmpool run $i: plateau on the host and the pool, judged on the 'frame' marks" \
		"$(json_get g$i.json '[[g["device"], g["space"], g["verdict"], g["axis"], g["mark"]] for g in d]')" \
		'[[-1, "heap", "plateau", "marks", "frame"], [0, "pool:instances", "plateau", "marks", "frame"]]'
	check_rc "warmpool run $i: check passes" 0 "$MTAN" check -q flat$i.zst
done
json_get g1.json '[g for g in d if g["device"] == 0][0]' >pool.json
# the pool fills during frames 0-77 (to 40 buffers): at frame 71 it holds 36 of them (90%):
# the plateau is reached there, and the judged part starts there, not at a fixed 10%
frames=$(sql flat1.zst.db "SELECT time_ns FROM marks WHERE label = 'frame' ORDER BY seq")
check_eq "warmpool: the plateau is reached at frame 71 (36 of its 40 buffers)" \
	"$(python3 -c 'import json,sys; g=json.load(open("pool.json")); f=[r[0] for r in json.loads(sys.argv[1])]; print(f.index(g["plateau_ns"]) if g["plateau_ns"] in f else g["plateau_ns"])' "$frames")" 71
check_eq "warmpool: from 36 buffers to the 40 held, nothing per frame" "$(json_get pool.json '[d["start_bytes"], d["end_bytes"], d["rate_bytes_per_mark"]]')" '[2359296, 2621440, 0]'
check_eq "warmpool: the judged part is frames 71 to 199" "$(json_get pool.json 'd["points"]')" 129

# ---- its leaking twin: growth, per frame, from pool_grow; check fails on it
"$MTREC" -q -o leak.zst "$SAMPLES/warmpool" --leak >/dev/null
check_rc "warmpool --leak: growth" 0 "$MTAN" growth leak.zst --device 0 --format json
check_eq "warmpool --leak: growth on the frames, from pool_grow" \
	"$(json_get "$OUT" "[[g['verdict'], g['axis'], g['mark'], g['rate_bytes_per_mark'] > 0, g['rate_bytes_per_s'] > 0, $SITE] for g in d for s in g['sites'][:1]]")" \
	'[["growth", "marks", "frame", true, true, "pool_grow"]]'
check_rc "warmpool --leak: check fails on growth" 1 "$MTAN" check -q leak.zst
check_match "warmpool --leak: the growth line" "^growth: device 0 pool:instances grows at [0-9.]+ [KMG]iB/s$" "$(cat "$OUT")"
check_rc "warmpool --leak: the table says per frame" 0 "$MTAN" growth leak.zst --device 0 --limit 1
check_match "warmpool --leak: growth per 'frame', judged at the marks" \
	"^device 0 pool:instances: growth \([0-9.]+ [KM]iB per 'frame', [0-9.]+ [KMG]iB/s; judged at 200 'frame' marks, " "$(head -1 "$OUT")"

# ---- diff: the verdict that changed; growth -> plateau is fixed
check_rc "diff leak flat" 0 "$MTAN" diff leak.zst flat1.zst
check_match "diff: the pool's verdict fixed" "^  device 0 pool:instances: growth -> plateau \(fixed\)$" "$(cat "$OUT")"
check_nomatch "diff: the unchanged host heap is not listed" "host heap: " "$(cat "$OUT")"
check_rc "diff --growth --format json" 0 "$MTAN" diff leak.zst flat1.zst --growth --format json
check_eq "diff --growth: every verdict, fixed and unchanged" \
	"$(json_get "$OUT" '[[g["status"], g["device"], g["space"], g["before"], g["after"]] for g in d]')" \
	'[["unchanged", -1, "heap", "plateau", "plateau"], ["fixed", 0, "pool:instances", "growth", "plateau"]]'
check_rc "diff --growth the other way" 0 "$MTAN" diff flat1.zst leak.zst --growth --format csv
check_match "diff --growth: plateau -> growth is new" '^"new",0,"pool:instances","plateau","growth"$' "$(cat "$OUT")"

# ---- the mesh: device 3 keeps 1 MiB per round, in a run too fast for any clock
"$MTREC" -q -o mesh.zst "$SAMPLES/meshround" >/dev/null
check_rc "meshround: growth" 0 "$MTAN" growth mesh.zst --format json
cp "$OUT" mesh.json
check_eq "meshround: device 3 grows 1 MiB per 'round N', judged at its 20 rounds" \
	"$(json_get mesh.json "[[g['verdict'], g['axis'], g['mark'], g['points'], g['rate_bytes_per_mark'], $SITE] for g in d if g['device'] == 3 for s in g['sites'][:1]]")" \
	'[["growth", "marks", "round N", 20, 1048576, "keep_tensor"]]'
check_eq "meshround: the other devices hold a plateau, judged on the rounds" \
	"$(json_get mesh.json 'sorted(set((g["verdict"], g["axis"]) for g in d if g["device"] not in (-1, 3)))')" '[["plateau", "marks"]]'
check_eq "meshround: seven devices judged plateau" "$(json_get mesh.json 'len([g for g in d if g["device"] not in (-1, 3)])')" 7
check_rc "meshround: check fails on device 3 only" 1 "$MTAN" check -q mesh.zst
check_match "meshround: the growth line names device 3" "^growth: device 3 DRAM grows at [0-9.]+ [KMGT]iB/s$" "$(cat "$OUT")"
# times resolve: every event has its own time, in seq order (interpolated by seq)
check_eq "meshround: times interpolated between clock readings" "$(sql mesh.zst.db "SELECT value FROM meta WHERE key = 'time'")" '[["interpolated"]]'
check_eq "meshround: no two events share a time" \
	"$(sql mesh.zst.db "SELECT count(DISTINCT alloc_ns) = count(*) FROM lifetimes WHERE device >= 0")" '[[1]]'
check_eq "meshround: times never go back in seq order" \
	"$(sql mesh.zst.db "SELECT count(*) FROM (SELECT alloc_ns, lag(alloc_ns) OVER (ORDER BY alloc_seq) AS p FROM lifetimes) WHERE alloc_ns < p")" '[[0]]'
check_eq "meshround: the rounds' marks are 20 distinct times" \
	"$(sql mesh.zst.db "SELECT count(DISTINCT time_ns) FROM marks WHERE label LIKE 'round %'")" '[[20]]'
"$MTREC" -q --precise-time -o precise.zst "$SAMPLES/meshround" >/dev/null
check_eq "--precise-time: stamps kept" "$(sql precise.zst.db "SELECT value FROM meta WHERE key = 'time'")" '[["precise"]]'
check_rc "--precise-time: the same verdict for device 3" 0 "$MTAN" growth precise.zst --device 3 --format json
check_eq "--precise-time: growth per round" "$(json_get "$OUT" '[[g["verdict"], g["rate_bytes_per_mark"]] for g in d]')" '[["growth", 1048576]]'

# ---- 2,000 frames: judged at each of them
"$MTREC" -q -o frames.zst "$SAMPLES/manyframes" >/dev/null
check_rc "manyframes: growth" 0 "$MTAN" growth frames.zst --format json
check_eq "manyframes: the host heap holds a plateau over the 'frame' marks" \
	"$(json_get "$OUT" '[[g["device"], g["verdict"], g["axis"], g["mark"]] for g in d]')" '[[-1, "plateau", "marks", "frame"]]'
check_eq "manyframes: live bytes kept at each of the 2,000 frames" \
	"$(sql frames.zst.db "SELECT count(*), count(DISTINCT live_bytes) FROM mark_live WHERE pid IS NULL AND device = -1")" '[[2000, 1]]'

# ---- too little signal: said in words, never a failed check
"$MTREC" -q -o true.zst /bin/true
check_rc "/bin/true: growth" 0 "$MTAN" growth true.zst
check_match "/bin/true: too short to judge, in words" "^host heap: too short to judge \(.+\)$" "$(cat "$OUT")"
check_rc "/bin/true: json" 0 "$MTAN" growth true.zst --format json
check_eq "/bin/true: too_short with its reason" "$(json_get "$OUT" '[[g["verdict"], bool(g["reason"])] for g in d]')" '[["too_short", true]]'
check_rc "/bin/true: check passes" 0 "$MTAN" check -q true.zst
check_eq "/bin/true: the table growth says too_short" "$(sql true.zst.db "SELECT verdict, reason IS NOT NULL FROM growth")" '[["too_short", 1]]'

# ---- windows: by a mark's time and by its seq, the plateau time inside the window
read -r m_seq m_ns <<<"$(sql flat1.zst.db "SELECT seq, time_ns FROM marks WHERE label = 'frame' ORDER BY seq LIMIT 1 OFFSET 150" | tr -d '[]' | tr ',' ' ')"
for since in "${m_ns}ns" "$m_seq"; do
	check_rc "warmpool --since $since (frame 150)" 0 "$MTAN" growth flat1.zst --device 0 --since "$since" --format json
	check_eq "warmpool --since frame 150: plateau, reached and judged inside the window" \
		"$(json_get "$OUT" "[[g['verdict'], g['plateau_ns'] >= $m_ns, g['start_ns'] >= $m_ns, g['points']] for g in d]")" '[["plateau", true, true, 50]]'
done
# over time (no marks): a pool filled in its first 400 ms, then nothing allocated on its
# device until the run ends at 1 s; the window from 700 ms holds no allocation
{
	echo 'seq,time_ns,op,device,space,address,size,tid'
	for i in 0 1 2 3 4 5 6 7 8 9; do echo "$((i + 1)),$((i * 40000000)),alloc,0,pool,$((4096 + i * 4096)),4096,1"; done
	echo '20,1000000000,alloc,host,heap,0x10,64,1'
} >quiet.csv
"$MTAN" import -q quiet.csv
check_rc "a window with no allocations: judged" 0 "$MTAN" growth quiet.zst --device 0 --since 700ms --format json
check_eq "a window with no allocations: plateau over time, reached at the window's start" \
	"$(json_get "$OUT" '[[g["verdict"], g["axis"], g["plateau_ns"], g["start_ns"], g["end_ns"], g["end_bytes"]] for g in d]')" \
	'[["plateau", "time", 700000000, 700000000, 1000000000, 40960]]'
check_rc "the whole quiet run: plateau reached at the last allocation" 0 "$MTAN" growth quiet.zst --device 0 --format json
check_eq "the whole quiet run: warm-up found (the fill), 90% of the level at the 9th block (320 ms)" \
	"$(json_get "$OUT" '[[g["verdict"], 320000000 <= g["plateau_ns"] < 322000000] for g in d]')" '[["plateau", true]]'

# ---------------------------------------------------------------- growth_sites of the load
# For a trace of one process the loader counts the growing sites from its lifetimes in
# memory (store.c), not with growth.sql's query: the table must hold what `mtan growth`
# finds with that query, in its order.
for t in flat1 flat2 leak mesh precise quiet; do
	[ -e $t.zst.db ] || continue
	"$MTAN" growth $t.zst --format json >gs.json 2>/dev/null
	check_eq "growth_sites of $t's load: the sites, bytes, blocks and order of mtan growth's query" \
		"$(python3 -c 'import json,sqlite3,sys
c = sqlite3.connect(sys.argv[1])
print(json.dumps(c.execute("SELECT device, space, rank, pid, growth_bytes, growth_blocks, live_bytes FROM growth_sites ORDER BY device, space, rank").fetchall()))' $t.zst.db)" \
		"$(json_get gs.json 'sorted([g["device"], g["space"], i + 1, s["pid"], s["growth_bytes"], s["growth_blocks"], s["live_bytes"]] for g in d for i, s in enumerate(g["sites"]))')"
done

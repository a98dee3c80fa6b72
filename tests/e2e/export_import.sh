# mtan export (events and lifetimes as CSV, folded stacks) and mtan import (a CSV of events
# from another tracker -> a trace): exact rows on the synthetic trace, bad rows told by
# line, exact leaks after an import, and round trips that keep every count.
. "$TOP/tests/e2e/lib.bash"
"$TOP/build/mktrace" basic run.zst

# ---- export --what events
check_rc "export --what events" 0 "$MTAN" export run.zst --what events
cp "$OUT" events.csv
check_eq "events: the head" "$(head -1 events.csv)" '"seq","time_ns","pid","tid","op","func","device","space","address","size","stack","lifetime_id"'
check_eq "events: one row per event (14)" "$(($(wc -l <events.csv) - 1))" 14
# (the modules are mktrace's path: taken out here, checked after)
check_eq "events: in seq order, spaces by name, addresses in hex, stacks as frames" \
	"$(sed -n '2p;10p;11p;13p' events.csv | sed 's/ (in [^)]*)//g')" \
	'2,2000,100,100,"alloc","malloc",-1,"heap",0x1000,100,"site_alpha (tests/tools/mktrace.c:37);site_caller (tests/tools/mktrace.c:39)",1
10,10000,100,101,"alloc","realloc",-1,"heap",0x5000,2000,"site_beta (tests/tools/mktrace.c:38)",5
12,12000,100,100,"alloc","client",0,"DRAM",0x10,4096,,6
14,14000,100,100,"free","client",0,"DRAM",0x20000,512,,7'
check_match "events: each frame with its module" '^10,.*,"site_beta \(tests/tools/mktrace\.c:38\) \(in /[^)]*/mktrace\)",5$' "$(cat events.csv)"
check_eq "events: an unmatched free has no size and no lifetime" "$(grep '^8,' events.csv)" '8,8000,100,100,"free","free",-1,"heap",0x9000,,,'
check_rc "export -o FILE" 0 "$MTAN" export run.zst --what events -o out.csv
check_eq "export -o: the same rows, nothing on stdout" "$(cat out.csv)|$(cat "$OUT")" "$(cat events.csv)|"
check_rc "export --pid 200" 0 "$MTAN" export run.zst --what events --pid 200
check_eq "export --pid: the child's events" "$(tail -n +2 "$OUT" | cut -d, -f1,3 | tr '\n' ' ')" "17,200 18,200 "
check_rc "export --format json" 0 "$MTAN" export run.zst --what events --format json
check_eq "export json: the same rows" "$(json_get "$OUT" '[[e["seq"], e["op"], e["address"], e["size"]] for e in d][7]')" '[9, "free", "0x4000", 1000]'

# ---- export --what lifetimes
check_rc "export --what lifetimes" 0 "$MTAN" export run.zst --what lifetimes
check_eq "lifetimes: one row per lifetime (11)" "$(($(wc -l <"$OUT") - 1))" 11
check_eq "lifetimes: the head" "$(head -1 "$OUT")" \
	'"id","pid","tid","device","space","address","size","generation","alloc_seq","alloc_ns","alloc_func","alloc_stack","free_seq","free_ns","free_tid","free_func","free_stack","end_seq","end_ns","end_reason","inherited","parent_id"'
check_match "lifetimes: the released block" '^6,100,100,0,"DRAM",0x10,4096,1,12,12000,"client",,,,,,,[0-9]+,[0-9]+,"device_close",0,$' "$(cat "$OUT")"
check_eq "lifetimes: the stacks as frames" "$(csv_get "$OUT" '[[r["alloc_stack"].split(" (")[0], r["free_stack"]] for r in rows if r["id"] == "5"][0]')" \
	'["site_beta", ""]'
check_rc "export --what events --format json" 0 "$MTAN" export run.zst --what events --format json
check_eq "events json: a stack is a string, no stack null" \
	"$(json_get "$OUT" '[d[0]["stack"].split(";")[1].split(" (")[0], d[10]["stack"]]')" '["site_caller", null]'

# ---- export --folded
check_rc "export --folded (leaked)" 0 "$MTAN" export run.zst --folded
check_eq "folded leaked: outermost first, bytes per stack" "$(cat "$OUT")" "[no stack] 30
site_beta 2000
site_caller;site_alpha 300"
check_rc "export --folded --of peak" 0 "$MTAN" export run.zst --folded --of peak
check_eq "folded peak: adds up to the peak (6908)" "$(awk '{s += $NF} END {print s}' "$OUT")" 6908
check_rc "export --folded --of allocated" 0 "$MTAN" export run.zst --folded --of allocated
check_eq "folded allocated: adds up to the bytes allocated (7988)" "$(awk '{s += $NF} END {print s}' "$OUT")" 7988
check_rc "export: neither --what nor --folded: exit 2" 2 "$MTAN" export run.zst
check_rc "export: --what nonsense: exit 2" 2 "$MTAN" export run.zst --what frames
check_rc "export: --of without --folded: exit 2" 2 "$MTAN" export run.zst --what events --of peak
check_rc "export --folded --limit: exit 2" 2 "$MTAN" export run.zst --folded --limit 1
check_eq "export --folded --limit: the message" "$(cat "$ERR")" "mtan: export: '--limit' does not apply to --folded
mtan: try 'mtan export --help'"
check_rc "export --folded --format: exit 2" 2 "$MTAN" export run.zst --folded --format csv
check_eq "export --folded --format: the message" "$(head -1 "$ERR")" "mtan: export: '--format' does not apply to --folded"
check_rc "export --help" 0 "$MTAN" export --help
check_match "export --help: csv, the true default" "^  --format F +output format: csv or json \(default: csv\)$" "$(cat "$OUT")"
check_match "export --help: which options --as takes" "^--format and --limit apply to --what only; --of to folded only\.$" "$(cat "$OUT")"
check_rc "export --format table: exit 2" 2 "$MTAN" export run.zst --what events --format table
check_eq "export --format table: the message" "$(head -1 "$ERR")" "mtan: export: invalid value 'table' for '--format' (csv or json)"
check_rc "export --format csv" 0 "$MTAN" export run.zst --what events --format csv
check_eq "export --format csv: the default's rows" "$(cat "$OUT")" "$(cat events.csv)"
check_rc "export: an unwritable -o: exit 1" 1 "$MTAN" export run.zst --what events -o /nonexistent/x.csv
check_eq "export: the unwritable -o's message" "$(cat "$ERR")" "mtan: cannot create '/nonexistent/x.csv': No such file or directory"

# the leaky sample: its planted sites as flame graph lines, and the peak adds up
"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
check_rc "export --folded on leaky" 0 "$MTAN" export leaky.zst --folded
check_match "folded: leak_buffers under main" ";main;leak_buffers 3000$" "$(cat "$OUT")"
check_match "folded: leak_config under main" ";main;leak_config 240$" "$(cat "$OUT")"
check_match "folded: stacks start at the outermost frame" "^_start;" "$(head -1 "$OUT")"
"$MTAN" summary leaky.zst --format json >sum.json
"$MTAN" export leaky.zst --folded --of peak >peak.folded
check_eq "folded peak on leaky: adds up to the peak" "$(awk '{s += $NF} END {print s}' peak.folded)" "$(json_get sum.json 'd["peak_bytes"]')"

# ---- import: good and bad rows
cat >tracker.csv <<'EOF'
seq,time_ns,op,device,space,address,size,tid,note
1,100,alloc,host,heap,0x1000,100,7,a
2,200,alloc,-1,heap,0x2000,200,7,
3,300,free,-1,heap,0x1000,,7,
4,400,alloc,0,DRAM,0x10,4096,8,"a, quoted ""note"""
5,500,alloc,0,DRAM,zz,16,8,
6,600,free,host,heap,0x9999,,7,
7,700,allok,host,heap,0x3000,5,7,
3,800,alloc,host,heap,0x4000,5,7,a repeated seq
8,900,alloc,host,heap,0x5000,,7,no size

10,1100,alloc,gpu,heap,0x5000,10,7,
11,1200,alloc,0,L1,64,32,8,
12,1300,free,0,DRAM,16,,8,
13,1400,alloc,host,heap,0x6000,24,9,
EOF
check_rc "import: good and bad rows: exit 0" 0 "$MTAN" import tracker.csv -o tracker.zst
check_eq "import: each bad row by line, then the count" "$(cat "$ERR")" \
	"mtan: import: 'tracker.csv' line 6: bad address 'zz'
mtan: import: 'tracker.csv' line 8: bad op 'allok' (alloc or free)
mtan: import: 'tracker.csv' line 10: bad size '' (a whole number below 2^63)
mtan: import: 'tracker.csv' line 12: bad device 'gpu'
mtan: import: 'tracker.csv' line 9: seq 3 again (first on line 4)
mtan: import: 'tracker.csv': 5 bad rows skipped, 8 events written to 'tracker.zst'"
check_rc "the imported trace loads" 0 "$MTAN" summary tracker.zst --format json
cp "$OUT" tracker.json
check_eq "imported: events" "$(json_get tracker.json '[d["allocs"], d["frees"], d["threads"]]')" "[5, 3, 3]"
check_eq "imported: the leaks exactly" "$(json_get tracker.json '[d["leaked_blocks"], d["leaked_bytes"]]')" "[3, 256]"
check_eq "imported: per space" "$(json_get tracker.json '[[s["device"], s["space"], s["leaked_blocks"], s["leaked_bytes"]] for s in d["spaces"]]')" \
	'[[-1, "heap", 2, 224], [0, "DRAM", 0, 0], [0, "L1", 1, 32]]'
check_eq "imported: the unmatched free" "$(json_get tracker.json 'd["anomalies"]["unmatched_free"]')" 1
check_rc "leaks of the imported trace" 0 "$MTAN" leaks tracker.zst --format json
check_eq "imported leaks: by site (process, device, space)" "$(json_get "$OUT" '[[s["bytes"], s["blocks"], s["pid"], s["space"]] for s in d]')" \
	'[[224, 2, 1, "heap"], [32, 1, 1, "L1"]]'

printf 'seq,time_ns,op,device,space,address,size,tid,pid,func\n1,0,alloc,host,heap,0x10,8,1,500,calloc\n2,0,alloc,host,heap,0x10,8,2,501,new\n3,0,free,host,heap,0x10,,2,501,delete\n4,0,alloc,host,heap,0x20,8,2,501,free\n' >pids.csv
check_rc "import: pid and func columns" 0 "$MTAN" import -q pids.csv
check_eq "import: a bad func" "$(head -1 "$ERR")" "mtan: import: 'pids.csv' line 5: bad func 'free' for an alloc"
check_eq "import: FILE.csv becomes FILE.zst" "$(ls pids.zst)" pids.zst
check_rc "import: sql over it" 0 "$MTAN" sql pids.zst "SELECT pid, alloc_func, free_func FROM lifetimes ORDER BY id" --format csv
check_eq "import: the pids and functions" "$(tail -n +2 "$OUT")" '500,"calloc",
501,"new","delete"'

printf 'seq,time_ns,op,device,space,address,size,tid\n1,1,alloc,host,heap,zz,1,1\n' >bad.csv
check_rc "import: no good row: exit 1" 1 "$MTAN" import bad.csv -o bad.zst
check_eq "import: no good row: the message" "$(tail -1 "$ERR")" "mtan: import: 'bad.csv': no good row (1 bad); nothing written"
check_eq "import: no good row: no trace" "$(ls bad.zst 2>/dev/null)" ""
printf 'seq,op,size\n' >head.csv
check_rc "import: a head without the columns: exit 1" 1 "$MTAN" import head.csv
check_eq "import: the missing column named" "$(cat "$ERR")" "mtan: import: 'head.csv' line 1: no column 'time_ns' in the head line (see CSV.md)"
check_rc "import: a missing file: exit 1" 1 "$MTAN" import nope.csv
# numbers that a database cannot hold (SQLite integers are signed 64-bit) are bad rows
printf 'seq,time_ns,op,device,space,address,size,tid\n9223372036854775808,1,alloc,host,heap,0x10,8,1\n2,9223372036854775808,alloc,host,heap,0x20,8,1\n3,3,alloc,host,heap,0x30,9223372036854775808,1\n9223372036854775807,4,alloc,host,heap,0x40,9223372036854775807,1\n' >big.csv
check_rc "import: numbers of 2^63 and more: exit 0 (one good row)" 0 "$MTAN" import big.csv -o big.zst
check_eq "import: numbers of 2^63 and more told by line" "$(cat "$ERR")" \
	"mtan: import: 'big.csv' line 2: bad seq '9223372036854775808' (a whole number below 2^63)
mtan: import: 'big.csv' line 3: bad time_ns '9223372036854775808' (a whole number below 2^63)
mtan: import: 'big.csv' line 4: bad size '9223372036854775808' (a whole number below 2^63)
mtan: import: 'big.csv': 3 bad rows skipped, 1 event written to 'big.zst'"
"$MTAN" export big.zst --what events -o big.back.csv
check_eq "import: 2^63 - 1 is kept whole" "$(tail -1 big.back.csv | cut -d, -f1,10)" "9223372036854775807,9223372036854775807"
# a spreadsheet's UTF-8 byte order mark before the head line
printf '\357\273\277seq,time_ns,op,device,space,address,size,tid\n1,1,alloc,host,heap,0x10,8,1\n' >bom.csv
check_rc "import: a byte order mark: exit 0" 0 "$MTAN" import -q bom.csv -o bom.zst
check_eq "import: a byte order mark: the event" "$(json_get <("$MTAN" summary bom.zst --format json) '[d["allocs"], d["leaked_bytes"]]')" "[1, 8]"
# the output never replaces the input or a device
cp bom.csv same.csv
check_rc "import -o INPUT: exit 1" 1 "$MTAN" import same.csv -o same.csv
check_eq "import -o INPUT: the message" "$(cat "$ERR")" "mtan: 'same.csv' is the input itself (choose another -o)"
check_eq "import -o INPUT: the input is kept" "$(cmp bom.csv same.csv && echo same)" same
ln -s same.csv link.csv
check_rc "import -o a link to the input: exit 1" 1 "$MTAN" import same.csv -o link.csv
check_eq "import -o a link to the input: still a link" "$(readlink link.csv)" same.csv
mkfifo fifo
check_rc "import -o FIFO: exit 1" 1 "$MTAN" import same.csv -o fifo
check_eq "import -o FIFO: the message" "$(cat "$ERR")" "mtan: 'fifo' exists and is not a regular file (choose another -o)"
check_eq "import -o FIFO: still a FIFO" "$(test -p fifo && echo fifo)" fifo
check_rc "export -o TRACE: exit 1" 1 "$MTAN" export bom.zst --what events -o bom.zst
check_eq "export -o TRACE: the trace is kept" "$(json_get <("$MTAN" summary bom.zst --format json) 'd["allocs"]')" 1
check_rc "report -o TRACE: exit 1" 1 "$MTAN" report bom.zst -o bom.zst
check_rc "report -o FIFO: exit 1" 1 "$MTAN" report bom.zst -o fifo
check_eq "report -o FIFO: still a FIFO" "$(test -p fifo && echo fifo)" fifo

# ---- round trips keep the counts: leaky (heap) and racyalloc (a device, threads, races)
"$MTREC" -q -o racy.zst "$SAMPLES/racyalloc" >/dev/null
# (a trace written by import has no exit scan: its blocks never freed are all not_scanned,
# which the original may call still reachable; so the round trip keeps the blocks never
# freed, every kind together, and no suppression takes any out)
numbers='[d[k] for k in ("allocs", "frees", "bytes_allocated", "bytes_freed", "peak_bytes", "threads", "anomalies")] + [sum(v["blocks"] for v in d["leak_summary"].values()), sum(v["bytes"] for v in d["leak_summary"].values())] + [[s["device"], s["space"], s["allocs"], s["peak_bytes"]] for s in d["spaces"]]'
for t in leaky racy; do
	"$MTAN" export $t.zst --what events -o $t.csv
	check_rc "$t: export then import" 0 "$MTAN" import -q $t.csv -o $t.back.zst
	"$MTAN" summary $t.zst --format json --no-default-suppressions >a.json
	"$MTAN" summary $t.back.zst --format json --no-default-suppressions >b.json
	check_eq "$t: the round trip keeps every count" "$(json_get b.json "$numbers")" "$(json_get a.json "$numbers")"
done
check_eq "racy: the races are still there" "$(json_get b.json 'd["anomalies"]["reuse_race"]')" 10
"$MTAN" export leaky.back.zst --what events -o again.csv
check_eq "leaky: exported again, the same rows, stacks and all" "$(cat again.csv)" "$(cat leaky.csv)"

# ---- stacks: a round trip keeps the leak sites (functions, bytes); with stacks the import
# is a database (a trace cannot hold the frames' names)
# sites FILE: leaks' JSON as [site function, bytes] summed over the kinds (the original's are
# memcheck's, the import's all "not scanned"), sorted
sites() {
	python3 -c 'import json, sys
s = {}
for x in json.load(open(sys.argv[1])):
	f = x["frames"][x["site"]]["function"] if x["frames"] else None
	s[str(f)] = s.get(str(f), 0) + x["bytes"]
print(sorted(s.items()))' "$1"
}
"$MTREC" -q -o kinds.zst "$SAMPLES/leakkinds" >/dev/null
for t in leaky kinds; do
	"$MTAN" export $t.zst --what events -o $t.st.csv
	check_rc "$t: import with stacks" 0 "$MTAN" import $t.st.csv
	check_eq "$t: FILE.csv with stacks becomes FILE.db, a database" "$(head -c 15 $t.st.db)|$(cat "$ERR")" \
		"SQLite format 3|mtan: import: '$t.st.csv': $(($(wc -l <$t.st.csv) - 1)) events written to '$t.st.db'"
	"$MTAN" leaks $t.zst --format json --reachable --no-default-suppressions >a.json
	"$MTAN" leaks $t.st.db --format json --reachable --no-default-suppressions >b.json
	check_eq "$t: the round trip keeps the leak sites' functions and bytes" "$(sites b.json)" "$(sites a.json)"
done
check_rc "leaky: leaks of the import" 0 "$MTAN" leaks leaky.st.db --format json
check_eq "leaky: its sites" "$(json_get "$OUT" '[[s["bytes"], s["frames"][s["site"]]["function"], s["frames"][s["site"]]["line"]] for s in d]')" \
	'[[3000, "leak_buffers", 19], [240, "leak_config", 12]]'
check_eq "leaky: the default suppressions still match (libc's frames kept their module)" \
	"$("$MTAN" leaks leaky.st.db 2>&1 | grep suppressed)" "$("$MTAN" leaks leaky.zst 2>&1 | grep suppressed)"
check_rc "kinds: the table of the import" 0 "$MTAN" leaks kinds.st.db --reachable
check_match "kinds: the table names the site" "^    #0 plant \(leakkinds\.c:[0-9]+\) in leakkinds$" "$(cat "$OUT")"
"$MTAN" export kinds.st.db --what events -o kinds.again.csv
check_eq "kinds: exported again, the same rows" "$(cat kinds.again.csv)" "$(cat kinds.st.csv)"
check_rc "import with stacks -o NAME" 0 "$MTAN" import -q leaky.st.csv -o named.zst
check_eq "import with stacks -o NAME: a database there, read as a trace is" \
	"$(json_get <("$MTAN" summary named.zst --format json) 'd["leaked_bytes"]')" "$(json_get <("$MTAN" summary leaky.st.db --format json) 'd["leaked_bytes"]')"

# a hand-written stack column: the allocator's frames skipped, inlined calls, an address,
# escapes, spaces, a free's stack, two processes
cat >hand.csv <<'EOF'
seq,time_ns,op,device,space,address,size,tid,pid,stack
1,100,alloc,host,heap,0x1000,100,7,1,malloc (in /usr/lib/x86_64-linux-gnu/libc.so.6);make_node (tree.c:12);build_tree (tree.c:40);main (main.c:5)
2,200,alloc,host,heap,0x2000,200,7,1,parse_config (conf.c:88) ; main (main.c:7)
3,300,alloc,host,heap,0x3000,300,7,1,"parse_config (conf.c:88);main (main.c:7)"
4,400,alloc,0,DRAM,0x10,64,7,1,"0x7f001234 (in /opt/libgpu.so);upload (gpu.cc:3) (inlined);Renderer::draw(int) (gpu.cc:20);main"
5,500,free,host,heap,0x2000,,7,1,free_config (conf.c:99);main (main.c:9)
6,600,alloc,host,heap,0x4000,7,7,1,"Table<int\; 4>::grow (in C:\\lib\\t.dll);main"
7,700,alloc,host,heap,0x5000,9,7,2,parse_config (conf.c:88);main (main.c:7)
8,800,alloc,host,heap,0x6000,5,7,2,
EOF
check_rc "import: a hand-written stack column" 0 "$MTAN" import -q hand.csv
check_rc "hand: leaks" 0 "$MTAN" leaks hand.db --format json
check_eq "hand: the sites, past the allocator" \
	"$(json_get "$OUT" '[[s["pid"], s["bytes"], s["blocks"], s["frames"][s["site"]]["function"] if s["frames"] else None, s["frames"][s["site"]]["line"] if s["frames"] else None] for s in d if s["device"] == -1]')" \
	'[[1, 300, 1, "parse_config", 88], [1, 100, 1, "make_node", 12], [2, 9, 1, "parse_config", 88], [1, 7, 1, "Table<int; 4>::grow", null], [2, 5, 1, null, null]]'
check_rc "hand: the device's stack" 0 "$MTAN" sql hand.db "SELECT y.function, y.file, y.line, y.module, CASE WHEN y.function IS NULL THEN printf('0x%x', y.address) END, y.inlined, y.frame_level, (SELECT count(DISTINCT address) FROM stack_symbols WHERE stack_id = l.alloc_stack) FROM lifetimes l JOIN stack_symbols y ON y.stack_id = l.alloc_stack WHERE l.device = 0 ORDER BY y.level" --format csv
check_eq "hand: every frame of the device's stack (3 addresses: the inlined call's is its holder's)" "$(tail -n +2 "$OUT")" \
	',,,"/opt/libgpu.so","0x7f001234",0,0,3
"upload","gpu.cc",3,,,1,1,3
"Renderer::draw(int)","gpu.cc",20,,,0,1,3
"main",,,,,0,2,3'
check_eq "hand: the escapes undone" "$("$MTAN" sql hand.db "SELECT function || '|' || module FROM frames WHERE function LIKE 'Table%'" --format csv | tail -1)" '"Table<int; 4>::grow|C:\lib\t.dll"'
check_rc "hand: sql over it" 0 "$MTAN" sql hand.db "SELECT l.free_seq, y.function FROM lifetimes l JOIN stack_symbols y ON y.stack_id = l.free_stack AND y.level = 0" --format csv
check_eq "hand: the free's stack" "$(tail -n +2 "$OUT")" '5,"free_config"'
check_rc "hand: exported" 0 "$MTAN" export hand.db --what events -o hand.back.csv
check_eq "hand: exported, the stacks as written (but the spaces)" "$(csv_get hand.back.csv '[r["stack"] for r in rows]')" \
	"$(csv_get hand.csv '[r["stack"].replace(" ; ", ";") or None for r in rows]' | sed 's/null/""/g')"

# an older export's stack column (the stack's number), or no stack at all: a trace as before
printf 'seq,time_ns,op,device,space,address,size,tid,stack\n1,1,alloc,host,heap,0x10,8,1,3\n2,2,alloc,host,heap,0x20,8,1,\n' >old.csv
check_rc "import: stack numbers of an older export" 0 "$MTAN" import -q old.csv
check_eq "import: stack numbers: a trace (zstd), no database" "$(od -An -tx1 -N4 old.zst | tr -d ' ')|$(ls old.db 2>/dev/null)" "28b52ffd|"
check_eq "import: stack numbers: the leaks, no stack" "$(json_get <("$MTAN" leaks old.zst --format json) '[[s["bytes"], s["frames"]] for s in d]')" '[[16, []]]'
check_eq "import: a CSV without the column is a trace" "$(od -An -tx1 -N4 tracker.zst | tr -d ' ')" "28b52ffd"

# a malformed stack: a bad row, told with its line
cat >badstack.csv <<'EOF'
seq,time_ns,op,device,space,address,size,tid,stack
1,100,alloc,host,heap,0x1000,8,1,f (a.c:1);main
2,200,alloc,0,ghost,0x2000,8,1,f;;main
3,300,alloc,host,heap,0x3000,8,1,(in libc.so.6);main
4,400,alloc,host,heap,0x4000,8,1,0xzz;main
5,500,alloc,host,heap,0x5000,8,1,f (a.c:0);main
6,600,alloc,host,heap,0x6000,8,1,f;main (inlined)
7,700,alloc,host,heap,0x7000,8,1,f (in );main
8,800,alloc,host,heap,0x8000,8,1,0x10 (inlined);main
EOF
check_rc "import: malformed stacks: exit 0 (one good row)" 0 "$MTAN" import badstack.csv
check_eq "import: each malformed stack told by line" "$(cat "$ERR")" \
	"mtan: import: 'badstack.csv' line 3: bad stack: frame 2: empty
mtan: import: 'badstack.csv' line 4: bad stack: frame 1: no function or address
mtan: import: 'badstack.csv' line 5: bad stack: frame 1: bad address '0xzz'
mtan: import: 'badstack.csv' line 6: bad stack: frame 1: bad file:line 'a.c:0'
mtan: import: 'badstack.csv' line 7: bad stack: frame 2: the outermost frame is inlined into none
mtan: import: 'badstack.csv' line 8: bad stack: frame 1: no module after 'in'
mtan: import: 'badstack.csv' line 9: bad stack: frame 1: an address cannot be inlined
mtan: import: 'badstack.csv': 7 bad rows skipped, 1 event written to 'badstack.db'"
check_eq "import: a row with a bad stack adds no space" "$(json_get <("$MTAN" summary badstack.db --format json) '[s["space"] for s in d["spaces"]]')" '["heap"]'
python3 -c 'print("seq,time_ns,op,device,space,address,size,tid,stack\n1,1,alloc,host,heap,0x10,8,1," + ";".join("f%d" % i for i in range(1025)))' >deep.csv
check_rc "import: a stack of 1025 frames: exit 1" 1 "$MTAN" import deep.csv
check_eq "import: a stack of 1025 frames: told" "$(head -1 "$ERR")" "mtan: import: 'deep.csv' line 2: bad stack: more than 1024 frames"

# -o never replaces what an import did not write: a recording, any other file
"$MTREC" -q -o keep.zst "$SAMPLES/leaky" >/dev/null 2>&1
"$MTAN" export -q keep.zst --what events -o keep.csv
cp keep.zst keep.orig
printf 'notes\n' >notes.txt
check_rc "import -o a recording: refused" 1 "$MTAN" import keep.csv -o keep.zst
check_eq "... one line naming it" "$(cat "$ERR")" "mtan: import: 'keep.zst' exists and is not an earlier import: not replaced (remove it, or give -o another name)"
check_eq "... the recording is untouched" "$(cmp keep.zst keep.orig && echo same)" same
check_rc "import -o a text file: refused" 1 "$MTAN" import keep.csv -o notes.txt
check_eq "... untouched" "$(cat notes.txt)" notes
check_rc "import -o a new name" 0 "$MTAN" import -q keep.csv -o again.zst
check_rc "import -o the same name again: an earlier import is replaced" 0 "$MTAN" import -q keep.csv -o again.zst
check_rc "import of an mtrec trace: refused" 1 "$MTAN" import keep.zst
check_eq "... saying it is a trace already" "$(cat "$ERR")" "mtan: import: 'keep.zst' is an mtrec trace already: every command reads it as it is"

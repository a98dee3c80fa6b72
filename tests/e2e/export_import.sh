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
check_eq "events: in seq order, spaces by name, addresses in hex" "$(sed -n '2p;10p;11p;13p' events.csv)" \
	'2,2000,100,100,"alloc","malloc",-1,"heap",0x1000,100,1,1
10,10000,100,101,"alloc","realloc",-1,"heap",0x5000,2000,2,5
12,12000,100,100,"alloc","client",0,"DRAM",0x10,4096,,6
14,14000,100,100,"free","client",0,"DRAM",0x20000,512,,7'
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
check_eq "leaky: exported again, the same events but stacks" "$(cut -d, -f1-10 again.csv)" "$(cut -d, -f1-10 leaky.csv)"

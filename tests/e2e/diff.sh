# mtan diff: the leakfix sample before and after its fix (samples/leakfix.c): exactly one
# site fixed, the other unchanged, matched by function names across two runs whose
# addresses differ (ASLR); grown and shrunk sites on imported CSVs.
. "$TOP/tests/e2e/lib.bash"

"$MTREC" -q -o before.zst "$SAMPLES/leakfix" >/dev/null
"$MTREC" -q -o after.zst "$SAMPLES/leakfix" --fixed >/dev/null
check_rc "leakfix before: its two leaks" 0 "$MTAN" leaks before.zst --format json
check_eq "leakfix before: open_session and fill_cache" \
	"$(json_get "$OUT" 'sorted([s["frames"][0]["function"], s["blocks"], s["bytes"]] for s in d if s["frames"][0]["function"] in ("open_session", "fill_cache"))')" \
	'[["fill_cache", 2, 1024], ["open_session", 4, 256]]'

check_rc "diff --format json" 0 "$MTAN" diff before.zst after.zst --format json
cp "$OUT" diff.json
mine='[[s["status"], s["frames"][0], s["before"]["blocks"], s["before"]["bytes"], s["after"]["blocks"], s["after"]["bytes"]] for s in d if s["frames"] and s["frames"][0] in ("open_session", "fill_cache")]'
check_eq "diff: open_session fixed, fill_cache unchanged, in that order" "$(json_get diff.json "$mine")" \
	'[["fixed", "open_session", 4, 256, 0, 0], ["unchanged", "fill_cache", 2, 1024, 2, 1024]]'
check_eq "diff: exactly one fixed site, nothing new, grown or shrunk" \
	"$(json_get diff.json 'sorted(s["status"] for s in d if s["status"] != "unchanged")')" '["fixed"]'
check_eq "diff: new and fixed sites first" "$(json_get diff.json 'd[0]["status"]')" fixed
check_eq "diff: the fields" "$(json_get diff.json 'sorted(d[0])')" '["after", "before", "device", "frames", "site", "space", "status"]'
check_eq "diff: frames are names (the caller of open_session is main)" "$(json_get diff.json 'd[0]["frames"][:2]')" '["open_session", "main"]'

check_rc "diff (table)" 0 "$MTAN" diff before.zst after.zst
check_match "table: the fixed site's row" "^fixed +256 B +0 B +4 +0 +host +heap +open_session < main" "$(cat "$OUT")"
check_match "table: the unchanged site's row" "^unchanged +1\.0 KiB +1\.0 KiB +2 +2 +host +heap +fill_cache < main" "$(cat "$OUT")"
check_match "table: the totals" "^sites: +0 new, 1 fixed, 0 grown, 0 shrunk, [0-9]+ unchanged$" "$(cat "$OUT")"
check_rc "diff --format csv" 0 "$MTAN" diff before.zst after.zst --format csv
check_eq "csv: the head" "$(head -1 "$OUT")" '"status","device","space","bytes_before","bytes_after","blocks_before","blocks_after","site","frames"'
check_match "csv: the fixed row" '^"fixed",-1,"heap",256,0,4,0,"open_session;main;' "$(sed -n 2p "$OUT")"

check_rc "diff the other way" 0 "$MTAN" diff after.zst before.zst --format json
check_eq "the other way: open_session is new" "$(json_get "$OUT" "$mine")" \
	'[["new", "open_session", 0, 0, 4, 256], ["unchanged", "fill_cache", 2, 1024, 2, 1024]]'
check_rc "a run against itself" 0 "$MTAN" diff before.zst before.zst --format json
check_eq "against itself: all unchanged" "$(json_get "$OUT" 'sorted(set(s["status"] for s in d))')" '["unchanged"]'
check_rc "diff --limit 1" 0 "$MTAN" diff before.zst after.zst --format json --limit 1
check_eq "--limit 1: the fixed site only" "$(json_get "$OUT" '[s["status"] for s in d]')" '["fixed"]'

# grown and shrunk: imported traces (no stacks: a site is its device and space)
printf 'seq,time_ns,op,device,space,address,size,tid\n1,0,alloc,host,heap,0x10,100,1\n2,0,alloc,0,DRAM,0x10,500,1\n3,0,alloc,0,L1,0x10,8,1\n' >a.csv
printf 'seq,time_ns,op,device,space,address,size,tid\n1,0,alloc,host,heap,0x10,300,1\n2,0,alloc,0,DRAM,0x10,200,1\n4,0,alloc,1,DRAM,0x10,64,1\n' >b.csv
"$MTAN" import -q a.csv && "$MTAN" import -q b.csv
check_rc "diff of imported traces" 0 "$MTAN" diff a.zst b.zst --format json
check_eq "imported: new, fixed, grown, shrunk" \
	"$(json_get "$OUT" '[[s["status"], s["device"], s["space"], s["before"]["bytes"], s["after"]["bytes"]] for s in d]')" \
	'[["new", 1, "DRAM", 0, 64], ["fixed", 0, "L1", 8, 0], ["grown", -1, "heap", 100, 300], ["shrunk", 0, "DRAM", 500, 200]]'

check_rc "diff: one trace only: exit 2" 2 "$MTAN" diff before.zst
check_rc "diff: --db: exit 2" 2 "$MTAN" diff before.zst after.zst --db x.db
check_rc "diff: a missing trace: exit 1" 1 "$MTAN" diff before.zst nope.zst
check_eq "diff: the missing trace's message" "$(cat "$ERR")" "mtan: cannot open 'nope.zst': No such file or directory"

# The walking skeleton end to end: record the leaky sample, find exactly its planted leaks
# per site with function names; the clean sample has no leak from its own code.
. "$TOP/tests/e2e/lib.bash"

check_rc "mtrec records the leaky sample" 0 "$MTREC" -o run.zst "$SAMPLES/leaky"
check_eq "the program's own output is untouched" "$(cat "$OUT")" "leaky: done"
check_match "one summary line on stderr" "^mtrec: 'run.zst': [0-9,]+ events, 1 process, 1 thread, .*bytes/event$" "$(cat "$ERR")"
check_rc "the trace is a standard zstd file" 0 zstd -q -t run.zst

check_rc "mtan leaks --format json" 0 "$MTAN" leaks run.zst --format json
cp "$OUT" leaks.json
# sites whose innermost frame is the program's own code
mine() { json_get leaks.json "sorted([(s['frames'][0]['function'], s['blocks'], s['bytes']) for s in d if s['frames'] and s['frames'][0]['module'].endswith('$1')])"; }
check_eq "exactly the planted leaks, per site" "$(mine leaky)" '[["leak_buffers", 3, 3000], ["leak_config", 5, 240]]'
check_eq "sites sorted by bytes, descending" "$(json_get leaks.json '[s["bytes"] for s in d] == sorted([s["bytes"] for s in d], reverse=True)')" true
check_eq "the contract's fields" "$(json_get leaks.json 'sorted(set(k for s in d for k in s) >= {"blocks","bytes","pid","device","space","frames"} and [1] or [])')" "[1]"
check_eq "host leaks say device -1, space heap" "$(json_get leaks.json 'sorted(set((s["device"], s["space"]) for s in d))')" '[[-1, "heap"]]'
check_eq "frames have function, file, line, module, address" \
	"$(json_get leaks.json '[sorted(f) for s in d for f in s["frames"]][0]')" '["address", "file", "function", "line", "module"]'
check_match "leak_config's frame names its file and line" '"file": "[^"]*leaky\.c", "line": [0-9]+' \
	"$(json_get leaks.json '[f for s in d for f in s["frames"] if f["function"] == "leak_config"][0]')"
check_eq "the caller is main" "$(json_get leaks.json '[s["frames"][1]["function"] for s in d if s["frames"][0]["function"] == "leak_buffers"]')" '["main"]'
check_eq "addresses are hex strings" "$(json_get leaks.json 'all(f["address"].startswith("0x") for s in d for f in s["frames"])')" true

check_rc "mtan summary --format json" 0 "$MTAN" summary run.zst --format json
cp "$OUT" sum.json
# leaky's own numbers: 100 temporaries, 10 reallocs (the first is an allocation), a calloc,
# 8 leaks, plus stdio's buffer: the same as valgrind counts (tests/e2e/recorder.sh); the
# buffer is suppressed by default (glibc keeps it for the process's life), and said so
check_eq "summary: allocs" "$(json_get sum.json 'd["allocs"]')" 119
check_eq "summary: frees" "$(json_get sum.json 'd["frees"]')" 110
check_eq "summary: events" "$(json_get sum.json 'd["events"]')" 229
check_eq "summary: leaked blocks (8 planted; stdio's buffer suppressed)" "$(json_get sum.json 'd["leaked_blocks"]')" 8
check_eq "summary: leaked bytes" "$(json_get sum.json 'd["leaked_bytes"]')" $((240 + 3000))
check_eq "summary: stdio's buffer, suppressed" "$(json_get sum.json '[d["suppressed_blocks"], d["suppressed_bytes"]]')" "[1, 4096]"
check_rc "summary --no-default-suppressions" 0 "$MTAN" summary run.zst --format json --no-default-suppressions
check_eq "summary --no-default-suppressions: stdio's buffer, still reachable (not leaked)" \
	"$(json_get "$OUT" '[d["leaked_blocks"], d["leaked_bytes"], d["suppressed_blocks"], d["leak_summary"]["still_reachable"]]')" \
	"[8, $((240 + 3000)), 0, {\"blocks\": 1, \"bytes\": 4096}]"
check_eq "summary: processes, threads" "$(json_get sum.json '[d["processes"], d["threads"]]')" "[1, 1]"
check_eq "summary: no anomalies" "$(json_get sum.json 'sum(d["anomalies"].values())')" 0
check_eq "summary: has every contract field" \
	"$(json_get sum.json '{"allocs","frees","bytes_allocated","peak_bytes","leaked_blocks","leaked_bytes","processes","threads","events","anomalies"} <= set(d)')" true
check_eq "summary: the peak is at least what leaked" "$(json_get sum.json 'd["peak_bytes"] >= d["leaked_bytes"]')" true

check_rc "mtan leaks (table) for people" 0 "$MTAN" leaks run.zst
check_match "the table names the sites" "3,000 bytes in 3 blocks definitely lost" "$(cat "$OUT")"
check_match "the table shows the function and line" "#0 leak_config \(leaky\.c:[0-9]+\)" "$(cat "$OUT")"

# the cache: beside the trace, reused, and commands accept the database too
check_eq "the database is cached beside the trace" "$(ls run.zst.db)" "run.zst.db"
check_rc "commands accept the database" 0 "$MTAN" leaks run.zst.db --format json
check_eq "same answer from the database" "$(cat "$OUT")" "$(cat leaks.json)"
check_rc "mtan load --db PATH" 0 "$MTAN" load run.zst --db other.db
check_rc "--db on a reporting command" 0 "$MTAN" summary run.zst --db other.db --format json
check_eq "same summary from --db" "$(json_get "$OUT" 'd["allocs"]')" 119

# the clean program: nothing leaks from its own code
check_rc "mtrec records the clean sample" 0 "$MTREC" -q -o clean.zst "$SAMPLES/clean"
"$MTAN" leaks clean.zst --format json >clean.json
check_eq "clean: no leak site in the program's own code" \
	"$(json_get clean.json '[s for s in d if s["frames"] and s["frames"][0]["module"].endswith("clean")]')" "[]"
check_eq "clean: nothing leaked (stdio's buffer is suppressed)" "$(json_get clean.json '[s["bytes"] for s in d]')" "[]"
"$MTAN" leaks clean.zst --format json --no-default-suppressions --reachable >clean.json
check_eq "clean --no-default-suppressions --reachable: stdio's buffer, still reachable" \
	"$(json_get clean.json '[[s["kind"], s["bytes"]] for s in d]')" '[["still_reachable", 4096]]'

# make install honours PREFIX and DESTDIR, and the installed mtrec finds its library
check_rc "make install PREFIX=/opt/mt DESTDIR=stage" 0 make -s -C "$TOP" install PREFIX=/opt/mt DESTDIR="$PWD/stage"
check_eq "make install: the files" "$(cd stage && find . -type f | sort | tr '\n' ' ')" \
	"./opt/mt/bin/mtan ./opt/mt/bin/mtrec ./opt/mt/include/mtrec.h ./opt/mt/lib/mtrec/libmtrec.so ./opt/mt/share/bash-completion/completions/mtan ./opt/mt/share/bash-completion/completions/mtrec ./opt/mt/share/doc/mtrec/CSV.md ./opt/mt/share/doc/mtrec/FORMAT.md ./opt/mt/share/doc/mtrec/SCHEMA.md ./opt/mt/share/man/man1/mtan.1 ./opt/mt/share/man/man1/mtrec.1 "
check_rc "the installed mtrec records" 0 stage/opt/mt/bin/mtrec -q -o inst.zst "$SAMPLES/leaky"
check_rc "the installed mtan reads it" 0 stage/opt/mt/bin/mtan leaks inst.zst --format json
check_eq "the installed pair finds the same leaks" "$(json_get "$OUT" 'sorted(s["bytes"] for s in d)')" "[240, 3000]"

# make demo: the README's first command shows the analyses on the samples
check_rc "make demo" 0 make -s -C "$TOP" demo
D=$(cat "$OUT")
check_match "demo: leaky's planted sites" "3,000 bytes in 3 blocks definitely lost .*
    #0 leak_buffers \(leaky\.c:[0-9]+\) in leaky" "$D"
check_match "demo: the CI gate fails on them" "leaks: 3,240 bytes in 8 blocks at 2 sites, over --max-leaked 0
\(exit 1\)" "$D"
check_match "demo: bufpool's growth from its site" "device 0 pool:instances: growth \([0-9.]+ [KM]iB/s; judged .*
  growing sites:
  [0-9,]+ bytes in [0-9]+ more blocks \(pid [0-9]+\)
    #2 main \(bufpool\.c:[0-9]+\)" "$D"
check_match "demo: bufpool's chart over time" "device 0 pool:instances: live bytes, peak 2\.0 MiB, at the end 1\.9 MiB" "$D"
check_match "demo: the report written" "report written to 'build/demo/pool\.html'" "$(cat "$ERR")"
check_ge "demo: the report is a page (bytes)" "$(stat -c %s "$TOP/build/demo/pool.html")" 10000

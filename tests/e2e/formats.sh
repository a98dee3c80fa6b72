# --format table|csv|json on the reporting commands, over the synthetic trace whose numbers
# are known exactly (build/mktrace basic): CSV parses with a standard reader and says what
# JSON says; tables fit the width.
. "$TOP/tests/e2e/lib.bash"
MKTRACE=$TOP/build/mktrace
"$MKTRACE" basic run.zst

# csv_get FILE EXPR: EXPR over rows = the CSV's rows as dicts (python's csv module)

check_rc "summary --format csv" 0 "$MTAN" summary run.zst --format csv
cp "$OUT" sum.csv
check_eq "summary csv: the columns" "$(head -1 sum.csv)" \
	'"device","space","allocs","frees","bytes_allocated","peak_bytes","leaked_blocks","leaked_bytes","released_blocks","released_bytes"'
check_eq "summary csv: a row of totals, then one per device and space" \
	"$(csv_get sum.csv '[[r["device"], r["space"], r["allocs"], r["frees"], r["bytes_allocated"], r["peak_bytes"], r["leaked_blocks"], r["leaked_bytes"], r["released_blocks"], r["released_bytes"]] for r in rows]')" \
	'[["all", "all", "8", "6", "7988", "6908", "4", "2330", "1", "4096"], ["-1", "heap", "6", "5", "3380", "4600", "4", "2330", "0", "0"], ["0", "DRAM", "2", "1", "4608", "4608", "0", "0", "1", "4096"]]'
"$MTAN" summary run.zst --format json >sum.json
check_eq "summary csv: the same numbers as json" \
	"$(csv_get sum.csv '[int(r["leaked_bytes"]) for r in rows[1:]]')" "$(json_get sum.json '[s["leaked_bytes"] for s in d["spaces"]]')"

check_rc "leaks --format csv" 0 "$MTAN" leaks run.zst --format csv
cp "$OUT" leaks.csv
check_eq "leaks csv: the columns" "$(head -1 leaks.csv)" '"kind","bytes","blocks","pid","device","space","function","file","line","frames","ended","held_to_close"'
check_eq "leaks csv: sites by bytes, as json has them" \
	"$(csv_get leaks.csv '[[int(r["bytes"]), int(r["blocks"]), int(r["pid"]), int(r["device"]), r["space"], r["ended"], r["held_to_close"]] for r in rows]')" \
	'[[2000, 1, 100, -1, "heap", "", ""], [300, 2, 100, -1, "heap", "", ""], [30, 1, 200, -1, "heap", "", ""], [4096, 1, 100, 0, "DRAM", "device_close", "0"]]'
check_eq "leaks csv: innermost function, every frame" "$(csv_get leaks.csv '[[r["function"], r["frames"]] for r in rows]')" \
	'[["site_beta", "site_beta"], ["site_alpha", "site_alpha;site_caller"], ["", ""], ["", ""]]'
check_match "leaks csv: file and line of the innermost frame" "mktrace\.c [0-9]+" "$(csv_get leaks.csv 'rows[1]["file"] + " " + rows[1]["line"]' | tr -d '"')"
check_rc "leaks --format csv --limit 1" 0 "$MTAN" leaks run.zst --format csv --limit 1
check_eq "leaks csv --limit 1: one row under the head" "$(wc -l <"$OUT")" 2

check_rc "a bad --format: exit 2" 2 "$MTAN" summary run.zst --format xml
check_eq "a bad --format: the message" "$(head -1 "$ERR")" "mtan: summary: invalid value 'xml' for '--format' (table, csv or json)"

# leaks csv names the site's frame (past the allocator and libc), as the table starts there
"$MTREC" -q -o clean.zst "$SAMPLES/clean" >/dev/null
check_rc "leaks csv of the clean sample" 0 "$MTAN" leaks clean.zst --format csv --no-default-suppressions --reachable
check_eq "leaks csv: stdio's buffer is main's, in clean.c" "$(csv_get "$OUT" '[[r["function"], r["file"].rsplit("/", 1)[-1], r["frames"].split(";")[0]] for r in rows]')" \
	'[["main", "clean.c", "_IO_file_doallocate"]]'

# mtan's command line on synthetic traces (build/mktrace) whose numbers are known exactly:
# summary and leaks JSON contracts, the table output, the cache, damaged traces, and the
# exit codes and messages of the error paths.
. "$TOP/tests/e2e/lib.bash"
MKTRACE=$TOP/build/mktrace
if [ ! -x "$MKTRACE" ]; then
	fail "build/mktrace is built (make build/mktrace)"
	exit 1
fi

"$MKTRACE" basic run.zst

# ---- load and the cache
check_rc "load builds the database" 0 "$MTAN" load run.zst
check_match "load says what it loaded" \
	"^mtan: loaded 'run.zst' into 'run.zst.db': 14 events, 11 lifetimes, 4 leaks \([0-9.]+ s\)$" "$(cat "$ERR")"
check_rc "load again" 0 "$MTAN" load run.zst
check_match "a current database is reused" "^mtan: 'run.zst.db' is up to date: 14 events" "$(cat "$ERR")"
check_rc "load -q" 0 "$MTAN" load -q run.zst
check_eq "-q says nothing" "$(cat "$ERR")" ""
touch -d '+1 minute' run.zst
check_rc "load after the trace changed" 0 "$MTAN" load run.zst
check_match "a newer trace is loaded again" "^mtan: loaded 'run.zst'" "$(cat "$ERR")"
check_eq "no temporary file is left" "$(ls | grep -c '\.tmp\.')" 0

# ---- summary --format json: every number exact
check_rc "summary --format json" 0 "$MTAN" summary run.zst --format json
cp "$OUT" sum.json
check_eq "summary: one JSON object" "$(json_get sum.json 'type(d).__name__')" dict
check_eq "summary: events, allocs, frees" "$(json_get sum.json '[d["events"], d["allocs"], d["frees"]]')" "[14, 8, 6]"
check_eq "summary: bytes allocated" "$(json_get sum.json 'd["bytes_allocated"]')" 7988
check_eq "summary: peak bytes (host and device, all processes)" "$(json_get sum.json 'd["peak_bytes"]')" 6908
check_eq "summary: leaked blocks and bytes" "$(json_get sum.json '[d["leaked_blocks"], d["leaked_bytes"]]')" "[4, 2330]"
check_eq "summary: processes and threads" "$(json_get sum.json '[d["processes"], d["threads"]]')" "[2, 3]"
check_eq "summary: anomalies, every kind present" "$(json_get sum.json 'd["anomalies"]')" \
	'{"unmatched_free": 1, "double_free": 1, "alloc_over_live": 0, "reuse_race": 0}'
check_eq "summary: complete, nothing lost" "$(json_get sum.json '[d["complete"], d["lost_events"]]')" "[true, 0]"
check_eq "summary: released by device close" "$(json_get sum.json '[d["released_blocks"], d["released_bytes"]]')" "[1, 4096]"
check_eq "summary: spaces" \
	"$(json_get sum.json '[[s[k] for k in ("device","space","allocs","frees","bytes_allocated","peak_bytes","leaked_blocks","leaked_bytes")] for s in d["spaces"]]')" \
	'[[-1, "heap", 6, 5, 3380, 4600, 4, 2330], [0, "DRAM", 2, 1, 4608, 4608, 0, 0]]'
check_rc "summary --pid 200" 0 "$MTAN" summary run.zst --pid 200 --format json
check_eq "summary --pid: the forked child alone" \
	"$(json_get "$OUT" '[d["allocs"], d["frees"], d["leaked_blocks"], d["leaked_bytes"], d["processes"], d["peak_bytes"]]')" \
	"[1, 1, 1, 30, 1, 2300]"

# ---- summary table
check_rc "summary (table)" 0 "$MTAN" summary run.zst
check_match "table: events line" "^events +14 \(8 allocs, 6 frees\)$" "$(cat "$OUT")"
check_match "table: sizes for people" "^peak live +6\.7 KiB$" "$(cat "$OUT")"
check_match "table: a line per device and space" "^0 +DRAM +2 +1 +4\.5 KiB" "$(cat "$OUT")"
check_match "table: host is 'host'" "^host +heap +6 +5 " "$(cat "$OUT")"

# ---- leaks --format json: the contract
check_rc "leaks --format json" 0 "$MTAN" leaks run.zst --format json
cp "$OUT" leaks.json
check_eq "leaks: a JSON array of sites" "$(json_get leaks.json 'type(d).__name__')" list
check_eq "leaks: sites by bytes, descending, then what device close released (ended)" \
	"$(json_get leaks.json '[[s["bytes"], s["blocks"], s["pid"], s.get("ended"), s.get("held_to_close")] for s in d]')" \
	'[[2000, 1, 100, null, null], [300, 2, 100, null, null], [30, 1, 200, null, null], [4096, 1, 100, "device_close", false]]'
check_eq "leaks: device -1 and space name for the heap" "$(json_get leaks.json 'sorted(set((s["device"], s["space"]) for s in d if "ended" not in s))')" \
	'[[-1, "heap"]]'
check_eq "leaks: frames innermost first, symbolized" \
	"$(json_get leaks.json '[[f["function"] for f in s["frames"]] for s in d]')" \
	'[["site_beta"], ["site_alpha", "site_caller"], [], []]'
check_eq "leaks: frame fields" "$(json_get leaks.json 'sorted(d[0]["frames"][0])')" \
	'["address", "file", "function", "line", "module"]'
check_match "leaks: file, line, module" '"file": "[^"]*mktrace\.c", "line": [0-9]+, "module": "[^"]*/mktrace"' \
	"$(json_get leaks.json 'd[1]["frames"][0]')"
check_match "leaks: address as a hex string" '^"?0x[0-9a-f]+"?$' "$(json_get leaks.json 'd[0]["frames"][0]["address"]')"
check_rc "leaks --limit 1" 0 "$MTAN" leaks run.zst --format json --limit 1
check_eq "leaks --limit 1: the biggest site" "$(json_get "$OUT" '[s["bytes"] for s in d]')" "[2000]"
check_rc "leaks --pid 200" 0 "$MTAN" leaks run.zst --format json --pid 200
check_eq "leaks --pid 200: the child's own leak only" "$(json_get "$OUT" '[[s["pid"], s["bytes"]] for s in d]')" "[[200, 30]]"

# ---- leaks table
check_rc "leaks (table)" 0 "$MTAN" leaks run.zst
check_match "table: a site's heading" "^2,000 bytes in 1 block not scanned \(pid 100, host heap\)$" "$(cat "$OUT")"
check_match "table: frames with file and line" "^    #0 site_alpha \(mktrace\.c:[0-9]+\) in mktrace$" "$(cat "$OUT")"
check_match "table: totals" "^leaked: 2,330 bytes in 4 blocks at 3 sites$" "$(cat "$OUT")"
check_match "table: device-released blocks apart" "^released by device close" "$(cat "$OUT")"
check_match "table: the released block" "^4,096 bytes in 1 block released \(pid 100, device 0 DRAM\)$" "$(cat "$OUT")"

# ---- the database as input, and --db
check_rc "a command on the database itself" 0 "$MTAN" summary run.zst.db --format json
check_eq "the same summary from the database" "$(cat "$OUT")" "$(cat sum.json)"
check_rc "load --db PATH" 0 "$MTAN" load -q run.zst --db elsewhere.db
check_rc "summary --db PATH" 0 "$MTAN" summary run.zst --db elsewhere.db --format json
check_eq "the same summary from --db" "$(cat "$OUT")" "$(cat sum.json)"
check_rc "--db with a database for input: exit 2" 2 "$MTAN" summary run.zst.db --db other.db
check_eq "--db with a database for input: the message" "$(cat "$ERR")" "mtan: summary: '--db' goes with a trace, and 'run.zst.db' is a database
mtan: try 'mtan summary --help'"
check_eq "--db with a database for input: no database made" "$(ls other.db 2>/dev/null)" ""
check_rc "--db with a database for input (sql): exit 2" 2 "$MTAN" sql elsewhere.db "SELECT 1" --db run.zst.db
check_eq "--db with a database for input (sql): the message" "$(head -1 "$ERR")" "mtan: sql: '--db' goes with a trace, and 'elsewhere.db' is a database"

# ---- damaged and unfinished traces: one warning, what was readable is loaded
"$MKTRACE" bench big.zst 300000 2>/dev/null
head -c $(($(stat -c %s big.zst) * 2 / 3)) big.zst >cut.zst
check_rc "a truncated trace loads" 0 "$MTAN" summary cut.zst --format json
check_match "one warning with the facts" \
	"^mtan: warning: 'cut.zst': file ends inside a frame at offset [0-9]+; loaded [0-9]+ events from the first [0-9]+ of $(stat -c %s cut.zst) bytes$" \
	"$(cat "$ERR")"
check_eq "exactly one line on stderr" "$(wc -l <"$ERR")" 1
check_eq "the truncated trace is not complete" "$(json_get "$OUT" 'd["complete"]')" false
"$MKTRACE" noend noend.zst
check_rc "a trace without its end record loads" 0 "$MTAN" summary noend.zst --format json
check_eq "its warning" "$(cat "$ERR")" \
	"mtan: warning: 'noend.zst': trace has no end record (the recorder was stopped before finishing); loaded 14 events"
check_eq "its numbers are all there" "$(json_get "$OUT" '[d["events"], d["complete"]]')" "[14, false]"

# ---- errors: messages and exit codes
check_rc "a missing trace: exit 1" 1 "$MTAN" summary nope.zst
check_eq "a missing trace: the message" "$(cat "$ERR")" "mtan: cannot open 'nope.zst': No such file or directory"
echo "hello, I am text" >x.txt
check_rc "not a trace: exit 1" 1 "$MTAN" leaks x.txt
check_eq "not a trace: the message" "$(cat "$ERR")" "mtan: 'x.txt': not a zstd-compressed file"
check_eq "not a trace: no database left behind" "$(ls x.txt.db* 2>/dev/null | wc -l)" 0
echo "hello" | zstd -q -c >y.zst
check_rc "a zstd file that is not a trace: exit 1" 1 "$MTAN" summary y.zst
check_eq "a zstd file that is not a trace: the message" "$(cat "$ERR")" "mtan: 'y.zst': not an mtrec trace"
check_rc "an unknown command: exit 2" 2 "$MTAN" frobnicate run.zst
check_match "an unknown command: the message" "^mtan: unknown command 'frobnicate'$" "$(cat "$ERR")"
check_rc "an unknown option: exit 2" 2 "$MTAN" summary --frob run.zst
check_match "an unknown option: the message" "^mtan: summary: unknown option '--frob'$" "$(cat "$ERR")"
check_rc "a bad --format: exit 2" 2 "$MTAN" leaks --format xml run.zst
check_rc "a bad --limit: exit 2" 2 "$MTAN" leaks --limit -3 run.zst
# every bad option value names its option
for c in "leaks --limit abc" "leaks --pid x1" "leaks --format xml" "leaks --device gpu" "frag --at middle" \
	"check --max-leaked 5Q" "export --what frames"; do
	set -- $c
	check_rc "$1 $2 $3: exit 2" 2 "$MTAN" $c run.zst
	check_match "$1 $2 $3: the message names the option" "^mtan: $1: invalid value '$3' for '$2'( \(.*\))?$" "$(head -1 "$ERR")"
done
check_eq "a bad --limit: the whole message" "$("$MTAN" leaks --limit abc run.zst 2>&1)" "mtan: leaks: invalid value 'abc' for '--limit'
mtan: try 'mtan leaks --help'"
check_rc "--quiet=yes: exit 2" 2 "$MTAN" leaks --quiet=yes run.zst
check_eq "--quiet=yes: the message" "$(cat "$ERR")" "mtan: leaks: '--quiet' takes no value
mtan: try 'mtan leaks --help'"
check_rc "a command's own flag with a value: exit 2" 2 "$MTAN" check --no-growth=1 run.zst
check_eq "a command's own flag with a value: the message" "$(head -1 "$ERR")" "mtan: check: '--no-growth' takes no value"
check_rc "--db '': exit 2" 2 "$MTAN" summary --db '' run.zst
check_eq "--db '': the message" "$(cat "$ERR")" "mtan: summary: empty path for '--db'
mtan: try 'mtan summary --help'"
check_rc "--db= (empty): exit 2" 2 "$MTAN" load --db= run.zst
check_eq "--db= (empty): the message" "$(head -1 "$ERR")" "mtan: load: empty path for '--db'"
check_rc "a bad --debug-dir: exit 2" 2 "$MTAN" leaks --debug-dir nowhere run.zst
check_eq "a bad --debug-dir: the message" "$(cat "$ERR")" "mtan: leaks: invalid value 'nowhere' for '--debug-dir': not a directory
mtan: try 'mtan leaks --help'"
check_rc "no trace given, none in the directory: exit 2" 2 sh -c 'mkdir -p empty && cd empty && exec "$0" summary' "$MTAN"
check_eq "no trace given: the message" "$(head -1 "$ERR")" "mtan: summary: missing TRACE or DB, and no trace (*.zst) in the current directory"
check_rc "no command: exit 2" 2 "$MTAN"
check_rc "a database that is not mtan's: exit 1" 1 sh -c 'sqlite3 foreign.db "CREATE TABLE t(x)" && "$0" summary foreign.db' "$MTAN"
check_eq "a database that is not mtan's: the message" "$(cat "$ERR")" "mtan: 'foreign.db': not an mtan database"

# ---- help
check_rc "mtan --help" 0 "$MTAN" --help
check_match "--help lists the commands" "^  leaks +" "$(cat "$OUT")"
check_rc "mtan help" 0 "$MTAN" help
check_match "help lists every command" "^  summary +" "$(cat "$OUT")"
check_rc "mtan help leaks" 0 "$MTAN" help leaks
check_match "a command's usage" "^usage: mtan leaks " "$(cat "$OUT")"
check_rc "mtan summary --help" 0 "$MTAN" summary --help
check_match "common options in every usage" "--format F +output format: table, csv or json" "$(cat "$OUT")"
check_rc "mtan --version" 0 "$MTAN" --version
check_match "--version: the version" "^mtan [0-9.]+ \(schema [0-9]+\)$" "$(cat "$OUT")"
check_rc "mtan -h" 0 "$MTAN" -h
check_eq "-h is --help" "$(cat "$OUT")" "$("$MTAN" --help)"
check_rc "mtan -V" 0 "$MTAN" -V

# ---- a command's option put before the command: one line that says where it goes
for a in "--format json" "--format=json" "-q" "--limit 3"; do
	check_rc "mtan $a leaks: exit 2" 2 "$MTAN" $a leaks run.zst
	check_eq "mtan $a leaks: one line" "$(cat "$ERR")" "mtan: '${a%%[ =]*}' goes after the command: mtan COMMAND [options] TRACE|DB"
	check_eq "mtan $a leaks: nothing on stdout" "$(cat "$OUT")" ""
done
check_rc "mtan --help=x: exit 2" 2 "$MTAN" --help=x
check_eq "mtan --help=x: the message" "$(cat "$ERR")" "mtan: '--help' takes no value"

# ---- common options a command has no use for: not in its help, refused when given
for c in "import --format" "import --limit" "import --pid" "import --db" "import --sysroot" "import --debug-dir" \
	"load --format" "load --limit" "load --pid" "report --format" "report --pid" "summary --limit" "diff --db" "frag --since" "check --limit"; do
	set -- $c
	check_rc "$1 $2: not in its help" 1 sh -c '"$0" "$1" --help | grep -q -- "^  $2 "' "$MTAN" "$1" "$2"
	check_rc "$1 $2: refused (exit 2)" 2 "$MTAN" "$1" "$2" /tmp run.zst run.zst
	check_eq "$1 $2: the message" "$(head -1 "$ERR")" "mtan: $1: '$2' does not apply to this command"
done
for c in "leaks --pid" "report --limit" "summary --pid" "diff --format" "sql --limit" "export --pid" "frag --until"; do
	set -- $c
	check_rc "$1 $2: in its help" 0 sh -c '"$0" "$1" --help | grep -q -- "^  $2 "' "$MTAN" "$1" "$2"
done

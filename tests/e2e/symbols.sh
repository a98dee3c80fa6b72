# Symbols in mtan (issue #4): inlined calls as frames of their own, with their lines;
# where a site starts (past the allocator and the runtime; --all-frames, --skip-module,
# --skip-function; JSON "site" and SQL leak_sites_program); modules looked up under
# --sysroot by build id, separate debug files by build id in --debug-dir and in
# /usr/lib/debug; those options and the cache.
. "$TOP/tests/e2e/lib.bash"
# (leaks --reachable --no-default-suppressions: these tests are about frames, whatever
# kind memcheck gives the blocks, stdio's buffer included)
line_of() { grep -n "$2" "$TOP/samples/$1" | head -1 | cut -d: -f1; }
sql() { sqlite3 -separator ' ' "$1" "$2"; }

# ---- inlined calls (samples/inlined.c, -O2)
"$MTREC" -q -o inl.zst "$SAMPLES/inlined"
check_rc "inlined: leaks --format json" 0 "$MTAN" leaks --reachable --no-default-suppressions inl.zst --format json
cp "$OUT" inl.json
# function, file, line, inlined of a site's frames down to main
frames() { json_get inl.json "[[f['function'], f['file'].split('/')[-1], f['line'], f.get('inlined', False)] for s in d if s['bytes'] == $1 for f in s['frames'][:$2]]"; }
check_eq "inlined: two levels, each at its own line, then the noinline caller at its call" "$(frames 160 4)" \
	"[[\"new_node\", \"inlined.c\", $(line_of inlined.c 'leak site of new_node'), true], [\"push\", \"inlined.c\", $(line_of inlined.c 'call of new_node \*/'), true], [\"build_list\", \"inlined.c\", $(line_of inlined.c 'call of push \*/'), false], [\"main\", \"inlined.c\", $(line_of inlined.c 'build_list(4)'), false]]"
check_eq "inlined: one level" "$(frames 48 3)" \
	"[[\"make_tag\", \"inlined.c\", $(line_of inlined.c 'leak site of make_tag'), true], [\"tag_all\", \"inlined.c\", $(line_of inlined.c 'call of make_tag \*/'), false], [\"main\", \"inlined.c\", $(line_of inlined.c 'tag_all(tags'), false]]"
check_eq "inlined: the blocks" "$(json_get inl.json '[[s["blocks"], s["bytes"]] for s in d]')" "[[4, 160], [2, 48]]"
check_eq "inlined: every frame keeps the contract's fields; \"inlined\" only where true" \
	"$(json_get inl.json 'sorted(set(tuple(sorted(f)) for s in d for f in s["frames"]))')" \
	'[["address", "file", "function", "inlined", "line", "module"], ["address", "file", "function", "line", "module"]]'
check_eq "inlined: an inlined frame has its caller's address and module" \
	"$(json_get inl.json '[(f["address"], f["module"].split("/")[-1]) for s in d if s["bytes"] == 160 for f in s["frames"][:3]]' | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(set(map(tuple, a))), a[0][1])')" "1 inlined"
check_rc "inlined: table" 0 "$MTAN" leaks --reachable --no-default-suppressions inl.zst
check_match "inlined: the table says (inlined)" \
	"^    #0 new_node \(inlined\) \(inlined\.c:$(line_of inlined.c 'leak site of new_node')\) in inlined$" "$(cat "$OUT")"
check_match "inlined: ... and the caller's line is the call" \
	"^    #2 build_list \(inlined\.c:$(line_of inlined.c 'call of push \*/')\) in inlined$" "$(cat "$OUT")"
check_eq "SQL: stack_symbols has a row per inlined call, frame_level the recorded frame" \
	"$(sql inl.zst.db "SELECT y.level, y.function, y.inlined, y.frame_level FROM leak_sites l JOIN stack_symbols y ON y.stack_id = l.stack WHERE l.bytes = 160 AND y.level < 4 ORDER BY y.level")" \
	"0 new_node 1 0
1 push 1 0
2 build_list 0 0
3 main 0 1"
check_eq "SQL: stacks.depth counts recorded frames" \
	"$(sql inl.zst.db "SELECT s.depth + 2 = (SELECT count(*) FROM stack_frames WHERE stack_id = s.id) FROM leak_sites l JOIN stacks s ON s.id = l.stack WHERE l.bytes = 160")" 1

# ---- where a site starts
"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
check_rc "sites: leaks --format json" 0 "$MTAN" leaks --reachable --no-default-suppressions leaky.zst --format json
cp "$OUT" leaky.json
check_eq "sites: stdio's buffer is all libc: its site is main's frame" \
	"$(json_get leaky.json '[(s["frames"][s["site"]]["function"], s["frames"][0]["module"].split("/")[-1]) for s in d if s["bytes"] == 4096]')" \
	'[["main", "libc.so.6"]]'
check_eq "sites: a leak in the program starts at frame 0" \
	"$(json_get leaky.json 'sorted((s["site"], s["frames"][0]["function"]) for s in d if s["bytes"] != 4096)')" \
	'[[0, "leak_buffers"], [0, "leak_config"]]'
check_eq "sites: JSON keeps every frame" \
	"$(json_get leaky.json '[s["frames"][0]["function"] for s in d if s["bytes"] == 4096]')" '["_IO_file_doallocate"]'
check_rc "sites: table" 0 "$MTAN" leaks --reachable --no-default-suppressions leaky.zst
check_eq "sites: the table starts stdio's site at main" \
	"$(grep -A1 '^4,096 bytes' "$OUT" | tail -1 | sed 's/ (.*//')" \
	"    #$(json_get leaky.json '[s["site"] for s in d if s["bytes"] == 4096][0]') main"
check_nomatch "sites: ... libc's inner frames are not shown" "_IO_file_doallocate" "$(cat "$OUT")"
check_rc "sites: --all-frames" 0 "$MTAN" leaks --reachable --no-default-suppressions leaky.zst --all-frames
check_eq "sites: --all-frames shows frame 0" "$(grep -A1 '^4,096 bytes' "$OUT" | tail -1 | sed 's/ (.*//')" "    #0 _IO_file_doallocate"
check_eq "SQL: leak_sites_program gives each site's frame" \
	"$(sql leaky.zst.db "SELECT bytes, function FROM leak_sites_program ORDER BY bytes DESC")" \
	"4096 main
3000 leak_buffers
240 leak_config"
check_eq "SQL: stacks.site is JSON's site" \
	"$(sql leaky.zst.db "SELECT s.site FROM leak_sites l JOIN stacks s ON s.id = l.stack WHERE l.bytes = 4096")" \
	"$(json_get leaky.json '[s["site"] for s in d if s["bytes"] == 4096][0]')"
check_eq "SQL: frames.runtime marks libc's frames" \
	"$(sql leaky.zst.db "SELECT DISTINCT runtime FROM frames WHERE module LIKE '%/libc.so%'") $(sql leaky.zst.db "SELECT DISTINCT runtime FROM frames WHERE function = 'leak_config'")" "1 0"

"$MTREC" -q -o cxx.zst "$SAMPLES/cxxleak" >/dev/null
"$MTAN" leaks --reachable --no-default-suppressions cxx.zst --format json -q >cxx.json
check_eq "sites: C++: past operator new, at the member function" \
	"$(json_get cxx.json '[(s["site"], s["frames"][s["site"]]["function"]) for s in d if s["bytes"] == 256]')" '[[1, "Factory::make(int)"]]'
check_rc "sites: C++ table" 0 "$MTAN" leaks --reachable --no-default-suppressions cxx.zst
check_eq "sites: ... starts at it" "$(grep -A1 '^256 bytes' "$OUT" | tail -1 | sed 's/ (.*//')" "    #1 Factory::make(int)"

"$MTREC" -q -o dl.zst "$SAMPLES/dlopener" "$SAMPLES/plugin.so" >/dev/null
check_rc "--skip-module plugin.so" 0 "$MTAN" leaks --reachable --no-default-suppressions dl.zst --format json --skip-module plugin.so
check_eq "--skip-module: the plugin's leak starts at its caller" \
	"$(json_get "$OUT" '[s["frames"][s["site"]]["function"] for s in d if s["bytes"] == 369]')" '["main"]'
check_rc "--skip-module with a path glob" 0 "$MTAN" leaks --reachable --no-default-suppressions dl.zst --format json --skip-module '*/plugin.*'
check_eq "--skip-module with a path glob: the same" \
	"$(json_get "$OUT" '[s["frames"][s["site"]]["function"] for s in d if s["bytes"] == 369]')" '["main"]'
check_rc "--skip-function" 0 "$MTAN" leaks --reachable --no-default-suppressions dl.zst --format json --skip-function 'plugin_*'
check_eq "--skip-function: the same" \
	"$(json_get "$OUT" '[s["frames"][s["site"]]["function"] for s in d if s["bytes"] == 369]')" '["main"]'
check_rc "--skip-module: table" 0 "$MTAN" leaks --reachable --no-default-suppressions dl.zst --skip-module plugin.so
check_eq "--skip-module: the table starts there" "$(grep -A1 '^369 bytes' "$OUT" | tail -1 | sed 's/ (.*//')" "    #2 main"
# CSV names the same site as JSON and the table, whatever the options
for opts in "" "--skip-module plugin.so" "--skip-function plugin_*" "--all-frames"; do
	"$MTAN" leaks --reachable --no-default-suppressions dl.zst --format json $opts >sites.json
	"$MTAN" leaks --reachable --no-default-suppressions dl.zst --format csv $opts >sites.csv
	check_eq "leaks csv ${opts:-(no options)}: each site's function as JSON's" \
		"$(python3 -c 'import csv,sys; print(sorted((int(r["bytes"]), r["function"]) for r in csv.DictReader(open(sys.argv[1]))))' sites.csv)" \
		"$(python3 -c 'import json,sys; print(sorted((s["bytes"], s["frames"][s["site"]]["function"] if s["frames"] else "") for s in json.load(open(sys.argv[1]))))' sites.json)"
done
check_eq "leaks csv --skip-function: the plugin's leak at main" \
	"$("$MTAN" leaks --reachable --no-default-suppressions dl.zst --format csv --skip-function 'plugin_*' | awk -F, '$2 == 369 {print $7}')" '"main"'
check_rc "leaks --help lists the site options" 0 "$MTAN" leaks --reachable --no-default-suppressions --help
check_eq "... all three" "$(grep -cE '^  --(all-frames|skip-module|skip-function)' "$OUT")" 3

# ---- --sysroot: a trace symbolized where its program's path no longer resolves
mkdir -p bin
cp "$SAMPLES/leaky" bin/leaky
"$MTREC" -q -o moved.zst "$PWD/bin/leaky" >/dev/null
mkdir -p "root$PWD/bin"
cp bin/leaky "root$PWD/bin/leaky"
mv bin/leaky bin/leaky.gone
check_rc "--sysroot: without it" 0 "$MTAN" leaks --reachable --no-default-suppressions moved.zst --format json
check_eq "--sysroot: without it, module+offset only" \
	"$(json_get "$OUT" 'sorted(s["frames"][0]["function"].split("+")[0] for s in d if s["bytes"] in (240, 3000))')" '["leaky", "leaky"]'
check_rc "--sysroot root" 0 "$MTAN" leaks --reachable --no-default-suppressions moved.zst --format json --sysroot root
check_eq "--sysroot: the functions are named, with file and line" \
	"$(json_get "$OUT" 'sorted((s["frames"][0]["function"], s["frames"][0]["file"].split("/")[-1], s["frames"][0]["line"]) for s in d if s["bytes"] in (240, 3000))')" \
	"[[\"leak_buffers\", \"leaky.c\", $(line_of leaky.c 'malloc(1000)')], [\"leak_config\", \"leaky.c\", $(line_of leaky.c 'malloc(48)')]]"
check_eq "--sysroot: frames keep the recorded module path" \
	"$(json_get "$OUT" '[s["frames"][0]["module"] for s in d if s["bytes"] == 240]')" "[\"$PWD/bin/leaky\"]"
check_eq "--sysroot: kept in meta" "$(sql moved.zst.db "SELECT value FROM meta WHERE key = 'sysroot'")" "$PWD/root"
check_rc "--sysroot: a later command without it" 0 "$MTAN" load moved.zst
check_match "... reuses that database" "is up to date" "$(cat "$ERR")"
check_rc "--sysroot: the same again" 0 "$MTAN" load moved.zst --sysroot root
check_match "... reuses it too" "is up to date" "$(cat "$ERR")"
mkdir -p "other$PWD/bin"
cp "$SAMPLES/leaky-fp" "other$PWD/bin/leaky"
check_rc "--sysroot other: another sysroot" 0 "$MTAN" leaks --reachable --no-default-suppressions moved.zst --format json --sysroot other
check_eq "--sysroot: a file of another build is refused" \
	"$(json_get "$OUT" 'sorted(s["frames"][0]["function"].split("+")[0] for s in d if s["bytes"] in (240, 3000))')" '["leaky", "leaky"]'
check_rc "--sysroot: a missing directory" 2 "$MTAN" leaks --reachable --no-default-suppressions moved.zst --sysroot nowhere
check_eq "--sysroot: a missing directory: the message" "$(head -1 "$ERR")" "mtan: leaks: invalid value 'nowhere' for '--sysroot': not a directory"

# ---- --debug-dir: a stripped program, its debug file found by build id
mkdir -p strip
cp "$SAMPLES/leaky" strip/leaky
objcopy --only-keep-debug strip/leaky leaky.debug
strip -s strip/leaky
id=$(readelf -n strip/leaky | awk '/Build ID:/ {print $3}')
mkdir -p "dbg/.build-id/${id:0:2}"
mv leaky.debug "dbg/.build-id/${id:0:2}/${id:2}.debug"
"$MTREC" -q -o stripped.zst "$PWD/strip/leaky" >/dev/null
check_rc "--debug-dir: without it" 0 "$MTAN" leaks --reachable --no-default-suppressions stripped.zst --format json
check_eq "--debug-dir: without it, a stripped program has no file or line" \
	"$(json_get "$OUT" 'sorted((s["frames"][0]["file"], s["frames"][0]["line"]) for s in d if s["bytes"] in (240, 3000))')" '[[null, null], [null, null]]'
check_rc "--debug-dir dbg" 0 "$MTAN" leaks --reachable --no-default-suppressions stripped.zst --format json --debug-dir dbg
check_eq "--debug-dir: function, file and line from DIR/.build-id/xx/yyyy.debug" \
	"$(json_get "$OUT" 'sorted((s["frames"][0]["function"], s["frames"][0]["file"].split("/")[-1], s["frames"][0]["line"]) for s in d if s["bytes"] in (240, 3000))')" \
	"[[\"leak_buffers\", \"leaky.c\", $(line_of leaky.c 'malloc(1000)')], [\"leak_config\", \"leaky.c\", $(line_of leaky.c 'malloc(48)')]]"
check_eq "--debug-dir: kept in meta" "$(sql stripped.zst.db "SELECT value FROM meta WHERE key = 'debug_dirs'")" "$PWD/dbg"
check_rc "--debug-dir with ':' in it" 2 "$MTAN" leaks --reachable --no-default-suppressions stripped.zst --debug-dir a:b
check_rc "--debug-dir on a database" 0 "$MTAN" leaks --reachable --no-default-suppressions stripped.zst.db --format json --debug-dir dbg
check_eq "... a note: it applies to loading a trace" "$(cat "$ERR")" \
	"mtan: note: 'stripped.zst.db' is a database: --sysroot and --debug-dir apply when a trace is loaded (give the trace)"

# ---- /usr/lib/debug: libc's separate debug file, found by its build id
libc=$(sql leaky.zst.db "SELECT path || ' ' || build_id FROM modules WHERE path LIKE '%/libc.so%' LIMIT 1")
lid=${libc#* }
if [ -f "/usr/lib/debug/.build-id/${lid:0:2}/${lid:2}.debug" ] && ! readelf -S "${libc% *}" | grep -q '\.debug_info'; then
	check_eq "/usr/lib/debug/.build-id: libc's frames get file and line from its debug file" \
		"$(json_get leaky.json '[(s["frames"][0]["function"], s["frames"][0]["file"].split("/")[-1]) for s in d if s["bytes"] == 4096]')" \
		'[["_IO_file_doallocate", "filedoalloc.c"]]'
else
	fail "/usr/lib/debug/.build-id: no separate debug file for libc (the Makefile installs libc6-dbg)"
fi

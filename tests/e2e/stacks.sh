# Call stacks and symbols: demangled C++ sites with file and line, a plugin unloaded before
# exit, programs with and without frame pointers, --no-stacks, --free-stacks, --stack-depth.
. "$TOP/tests/e2e/lib.bash"
DUMP="$TOP/build/mtdump"
line_of() { grep -n "$2" "$TOP/samples/$1" | head -1 | cut -d: -f1; }

"$MTREC" -q -o cxx.zst "$SAMPLES/cxxleak" >/dev/null
"$MTAN" leaks cxx.zst --format json -q >cxx.json
# the site: the first frame in the program's own module
site() { json_get cxx.json "[(s['blocks'], s['bytes'], f['function'], f['file'].split('/')[-1], f['line']) for s in d for f in s['frames'][:3] if f['module'].endswith('/cxxleak') and f['function'].startswith('$1')][:1]"; }
check_eq "C++: a member function, demangled, with file and line" "$(site 'Factory::make')" \
	"[[4, 256, \"Factory::make(int)\", \"cxxleak.cpp\", $(line_of cxxleak.cpp 'leak site of Factory::make')]]"
r=$(site 'remember(')
check_match "C++: a function taking const std::string&, demangled" '"remember\(std::(__cxx11::)?basic_string<char, std::char_traits<char>, std::allocator<char> > const&\)"' "$r"
check_match "C++: its blocks, bytes, file and line" "^\[\[2, 80, .*\"cxxleak.cpp\", $(line_of cxxleak.cpp 'leak site of remember')\]\]$" "$r"
check_eq "C++: operator new is shown as what it is" \
	"$(json_get cxx.json '[s["frames"][0]["function"] for s in d if s["bytes"] == 256]')" '["operator new(unsigned long)"]'

"$MTREC" -q -o dl.zst "$SAMPLES/dlopener" "$SAMPLES/plugin.so" >/dev/null
"$MTAN" leaks dl.zst --format json -q >dl.json
check_eq "a plugin unloaded before exit: its leak keeps its function, file and line" \
	"$(json_get dl.json "[(s['blocks'], s['bytes'], s['frames'][0]['function'], s['frames'][0]['file'].split('/')[-1], s['frames'][0]['line'], s['frames'][0]['module'].split('/')[-1]) for s in d if s['frames'] and s['frames'][0]['function'] == 'plugin_leak']")" \
	"[[3, 369, \"plugin_leak\", \"plugin.c\", $(line_of plugin.c 'return malloc(123)'), \"plugin.so\"]]"
check_match "the plugin's load and unload are in the module map" "unload base=" "$("$DUMP" dl.zst | grep '^module')"

for v in leaky-fp leaky-nofp; do
	"$MTREC" -q -o $v.zst "$SAMPLES/$v" >/dev/null
	"$MTAN" leaks $v.zst --format json -q >$v.json
	check_eq "$v: complete stacks down to main" \
		"$(json_get $v.json '[[f["function"] for f in s["frames"][:2]] for s in d if s["frames"][0]["function"] in ("leak_config", "leak_buffers")]' | tr -d ' ')" \
		'[["leak_buffers","main"],["leak_config","main"]]'
	check_eq "$v: and below main, libc's start" \
		"$(json_get $v.json 'sorted(set(s["frames"][2]["function"] for s in d if s["frames"][0]["function"] == "leak_config"))')" '["__libc_start_call_main"]'
done

"$MTREC" -q --no-stacks -o ns.zst "$SAMPLES/leaky" >/dev/null
check_rc "--no-stacks: summary runs" 0 "$MTAN" summary ns.zst --format json
# (the scan does not need stacks: stdio's buffer is still reachable, the 8 planted lost;
# without frames no suppression can match, so nothing is suppressed)
check_eq "--no-stacks: the same counts" "$(json_get "$OUT" '[d["allocs"], d["frees"], d["leaked_blocks"], d["leaked_bytes"], d["suppressed_blocks"], d["leak_summary"]["still_reachable"]["bytes"]]')" "[119, 110, 8, 3240, 0, 4096]"
check_rc "--no-stacks: leaks runs" 0 "$MTAN" leaks ns.zst --format json --reachable
check_eq "--no-stacks: one site without frames per kind" "$(json_get "$OUT" '[(s["kind"], s["blocks"], s["bytes"], s["frames"]) for s in d]')" '[["still_reachable", 1, 4096, []], ["definitely_lost", 8, 3240, []]]'

"$MTREC" -q --free-stacks -o fs.zst "$SAMPLES/leaky" >/dev/null
check_eq "--free-stacks: frees carry stacks" "$("$DUMP" fs.zst | grep -c '^event .* free .* stack=[1-9]')" 110
check_eq "without it they do not" "$("$DUMP" ns.zst | grep -c '^event .* free .* stack=[1-9]')" 0
"$MTREC" -q --stack-depth 2 -o d2.zst "$SAMPLES/leaky" >/dev/null
check_eq "--stack-depth 2: at most two frames" "$("$DUMP" d2.zst | awk '/^stack/ {sub("n=", "", $4); if ($4 > m) m = $4} END {print m}')" 2
check_rc "--stack-depth 300: refused" 2 "$MTREC" --stack-depth 300 true
check_eq "--stack-depth 300: says the range" "$(head -1 "$ERR")" "mtrec: invalid stack depth '300': give 0 to 256"

# The symbol cache (issue #15): one symbolizer for the whole trace, each (build id,
# offset, return flag) resolved once however many processes map the file; the results
# kept under $XDG_CACHE_HOME/mtan so that a second load resolves nothing; a damaged cache
# file changes nothing but the time; a changed file, other options, or
# MTAN_SYMBOL_CACHE=off are honoured. meta.symbols_resolved / meta.symbols_cached count.
. "$TOP/tests/e2e/lib.bash"
sql() { sqlite3 -separator ' ' "$1" "$2"; }
meta() { sql "$1" "SELECT value FROM meta WHERE key = '$2'"; }
frames() { sql "$1" "SELECT * FROM frames ORDER BY id"; }
cachefiles() { find "$1" -type f 2>/dev/null | wc -l; }

# the program twice, each time another process with the same files at other addresses;
# a copy of it, so that its file can be changed below
mkdir -p bin
cp "$SAMPLES/leaky" bin/leaky
"$MTREC" -q -o two.zst sh -c "$PWD/bin/leaky; $PWD/bin/leaky" >/dev/null
check_rc "cold: load" 0 "$MTAN" load two.zst
check_eq "the trace has three processes with frames" "$(sql two.zst.db "SELECT count(DISTINCT pid) FROM frames")" 3
# every frame in a readable file (an absolute path: not the vdso) is looked up with libdw
# or the cache; the same file and offset in two processes is one lookup
distinct=$(sql two.zst.db "SELECT count(*) FROM (SELECT DISTINCT module, offset, return_address FROM frames WHERE inlined = 0 AND module LIKE '/%')")
per_process=$(sql two.zst.db "SELECT count(*) FROM (SELECT DISTINCT pid, module, offset, return_address FROM frames WHERE inlined = 0 AND module LIKE '/%')")
check_eq "cold: each (file, offset, return flag) resolved once: symbols_resolved is the distinct count" \
	"$(meta two.zst.db symbols_resolved)" "$distinct"
check_ge "... fewer than the processes' own counts together" "$((per_process - distinct))" 1
check_eq "cold: nothing came from the cache" "$(meta two.zst.db symbols_cached)" 0
check_ge "cold: the cache has files under XDG_CACHE_HOME/mtan/symbols" "$(cachefiles .cache/mtan/symbols)" 2
check_eq "cold: the leaks are named" \
	"$("$MTAN" leaks two.zst --format json 2>/dev/null | python3 -c 'import json,sys; print(sorted({s["frames"][0]["function"] for s in json.load(sys.stdin) if s["bytes"] in (240, 3000)}))')" \
	"['leak_buffers', 'leak_config']"
frames two.zst.db >cold.txt

check_rc "warm: load --force" 0 "$MTAN" load --force two.zst
check_eq "warm: nothing resolved with libdw" "$(meta two.zst.db symbols_resolved)" 0
check_eq "warm: every address from the cache" "$(meta two.zst.db symbols_cached)" "$distinct"
frames two.zst.db >warm.txt
check_eq "warm: the frames table is byte-identical" "$(cmp cold.txt warm.txt && echo same)" same

# a new trace of the same program: its addresses are the first trace's
"$MTREC" -q -o one.zst "$PWD/bin/leaky" >/dev/null
check_rc "another trace of the program" 0 "$MTAN" load one.zst
check_eq "... every address resolved or cached, once" \
	"$(( $(meta one.zst.db symbols_resolved) + $(meta one.zst.db symbols_cached) ))" \
	"$(sql one.zst.db "SELECT count(*) FROM (SELECT DISTINCT module, offset, return_address FROM frames WHERE inlined = 0 AND module LIKE '/%')")"
check_ge "... most from the cache" "$(meta one.zst.db symbols_cached)" "$(( $(meta one.zst.db symbols_resolved) + 1 ))"

# damaged cache files: every one cut in half, one filled with junk, one emptied
n=0
for f in .cache/mtan/symbols/*; do
	n=$((n + 1))
	case $((n % 3)) in
	0) head -c $(($(stat -c %s "$f") / 2)) "$f" >cut && mv cut "$f" ;;
	1) head -c 4096 /dev/urandom >"$f" ;;
	2) : >"$f" ;;
	esac
done
check_rc "damaged cache: load --force" 0 "$MTAN" load -q --force two.zst
check_eq "damaged cache: no warning (the cache is not the user's business)" "$(cat "$ERR")" ""
check_eq "damaged cache: everything resolved again, nothing from it" \
	"$(meta two.zst.db symbols_resolved) $(meta two.zst.db symbols_cached)" "$distinct 0"
frames two.zst.db >damaged.txt
check_eq "damaged cache: the same frames as no cache" "$(cmp cold.txt damaged.txt && echo same)" same
check_rc "damaged cache: the next load" 0 "$MTAN" load --force two.zst
check_eq "... finds the files written again" "$(meta two.zst.db symbols_resolved) $(meta two.zst.db symbols_cached)" "0 $distinct"

# a cache file names the build and its files: a changed file is resolved again
mine=$(sql two.zst.db "SELECT count(*) FROM (SELECT DISTINCT offset, return_address FROM frames WHERE inlined = 0 AND module = '$PWD/bin/leaky')")
touch -d '2001-01-01' bin/leaky
check_rc "a changed program file: load --force" 0 "$MTAN" load --force two.zst
check_eq "... its addresses alone are resolved again" \
	"$(meta two.zst.db symbols_resolved) $(meta two.zst.db symbols_cached)" "$mine $((distinct - mine))"
check_ge "... (it has some)" "$mine" 1
frames two.zst.db >touched.txt
check_eq "... the same frames" "$(cmp cold.txt touched.txt && echo same)" same

# other options: another cache
mkdir -p dbg
check_rc "--debug-dir: load --force" 0 "$MTAN" load --force two.zst --debug-dir dbg
check_eq "--debug-dir: nothing from the cache of the load without it" "$(meta two.zst.db symbols_cached)" 0

# off: nothing read or written
check_rc "MTAN_SYMBOL_CACHE=off: load --force" 0 env MTAN_SYMBOL_CACHE=off XDG_CACHE_HOME="$PWD/off" "$MTAN" load --force two.zst
check_eq "MTAN_SYMBOL_CACHE=off: resolved, none cached" \
	"$(meta two.zst.db symbols_resolved) $(meta two.zst.db symbols_cached)" "$distinct 0"
check_eq "MTAN_SYMBOL_CACHE=off: nothing written under XDG_CACHE_HOME" "$(cachefiles off)" 0
frames two.zst.db >off.txt
check_eq "MTAN_SYMBOL_CACHE=off: the same frames" "$(cmp cold.txt off.txt && echo same)" same

# a cache that cannot be written (XDG_CACHE_HOME is a file): loads as without one
echo x >afile
check_rc "an unwritable cache: load --force" 0 env XDG_CACHE_HOME="$PWD/afile" "$MTAN" load -q --force two.zst
check_eq "an unwritable cache: no message" "$(cat "$ERR")" ""
frames two.zst.db >unwritable.txt
check_eq "an unwritable cache: the same frames" "$(cmp cold.txt unwritable.txt && echo same)" same

# two loads at once into one cache: both whole, the files readable after
rm -rf par && mkdir par
cp two.zst a.zst && cp two.zst b.zst
XDG_CACHE_HOME="$PWD/par" "$MTAN" load -q a.zst & pa=$!
XDG_CACHE_HOME="$PWD/par" "$MTAN" load -q b.zst & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check_eq "two loads at once: both succeed" "$ra $rb" "0 0"
check_eq "... no temporary file left" "$(find par -name '*.??????' | wc -l)" 0
check_rc "... a third load" 0 env XDG_CACHE_HOME="$PWD/par" "$MTAN" load --force a.zst
check_eq "... takes everything from their files" "$(meta a.zst.db symbols_resolved) $(meta a.zst.db symbols_cached)" "0 $distinct"

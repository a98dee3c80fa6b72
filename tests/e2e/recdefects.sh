# Recorder defects found on other projects' test programs (issue 13, point 5): each case
# failed before its fix. Frees glibc aborts in, RTLD_DEEPBIND libraries, execve with bad
# pointers, raw clone() children, the database cache as an output, aligned operator new.
. "$TOP/tests/e2e/lib.bash"
vg_counts() { # prints "allocs frees bytes" as valgrind counts them
	valgrind --run-libc-freeres=no --run-cxx-freeres=no "$@" 2>&1 >/dev/null |
		sed -n 's/.*total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees, \([0-9,]*\) bytes allocated.*/\1 \2 \3/p' | tr -d ,
}
have_vg=$(command -v valgrind)
[ -n "$have_vg" ] || fail "valgrind is not installed (make check installs it): the oracle tests cannot run"

# --- a double free that glibc aborts in: recorded before the allocator sees it
check_rc "double free: the program dies of SIGABRT" 134 "$MTREC" -q --free-stacks -o df.zst "$SAMPLES/rd_doublefree"
check_rc "double free: mtan frees" 0 "$MTAN" frees df.zst
check_match "double free: frees shows it" "^frees: 0 unmatched, 1 double$" "$(cat "$OUT")"
check_match "double free: of the block make_block allocated" "generation 1, 40 bytes" "$(cat "$OUT")"
check_match "double free: its stack names free_again" "free_again \(rd_doublefree.c" "$(cat "$OUT")"
check_rc "double free: mtan check fails" 1 "$MTAN" check df.zst
check_match "double free: check names it" "double_free: 1" "$(cat "$OUT")"
check_rc "double free: mtan summary" 0 "$MTAN" summary df.zst
check_match "double free: summary says SIGABRT killed the process" \
	"^killed       pid [0-9]+ \(rd_doublefree\) by SIGABRT$" "$(cat "$OUT")"
"$MTAN" summary df.zst --format json >dfs.json
check_eq "double free: summary json names the signal" "$(json_get dfs.json '[k["signal"] for k in d["killed"]]')" '["SIGABRT"]'
check_eq "double free: one anomaly, the double free" "$(json_get dfs.json 'd["anomalies"]')" \
	'{"unmatched_free": 0, "double_free": 1, "alloc_over_live": 0, "reuse_race": 0}'

# --- the database cache as an output: refused as the trace itself is, and left intact
cp df.zst cache.zst
"$MTAN" summary cache.zst >/dev/null
sum_before=$(md5sum <cache.zst.db)
"$MTAN" summary cache.zst --db other.db >/dev/null
other_before=$(md5sum <other.db)
for c in "report cache.zst -o cache.zst.db" "export cache.zst --what events -o cache.zst.db" \
	"report cache.zst -o ./cache.zst.db" "export cache.zst --folded -o cache.zst.db"; do
	# shellcheck disable=SC2086
	check_rc "cache as output: mtan $c: refused" 1 "$MTAN" $c
	check_eq "cache as output: mtan $c: one line" "$(cat "$ERR")" \
		"mtan: '${c##* }' is the input's database (choose another -o)"
done
check_eq "cache as output: the database is intact" "$(md5sum <cache.zst.db)" "$sum_before"
for c in "report cache.zst --db other.db -o other.db" "export cache.zst --db other.db --what lifetimes -o other.db"; do
	# shellcheck disable=SC2086
	check_rc "cache as output: mtan $c: refused" 1 "$MTAN" $c
	check_eq "cache as output: mtan $c: one line" "$(cat "$ERR")" \
		"mtan: 'other.db' is the input's database (choose another -o)"
done
check_eq "cache as output: the --db database is intact" "$(md5sum <other.db)" "$other_before"
check_rc "cache as output: the cache still answers" 0 "$MTAN" frees cache.zst
check_match "cache as output: with the same findings" "^frees: 0 unmatched, 1 double$" "$(cat "$OUT")"
# a cache the command itself creates is as much the input
cp df.zst fresh.zst
check_rc "cache as output: a cache made by this very command: refused" 1 "$MTAN" report fresh.zst -o fresh.zst.db
check_rc "cache as output: that cache answers" 0 "$MTAN" summary fresh.zst.db

# --- execve given bad pointers: EFAULT, as without the recorder (the hooks read envp first)
check_rc "bad execve pointers: without the recorder" 0 "$SAMPLES/rd_badexec"
check_eq "bad execve pointers: without the recorder, EFAULT each time" "$(cat "$OUT")" "rd_badexec: EFAULT EFAULT EFAULT"
check_rc "bad execve pointers: recorded, the program exits normally" 0 "$MTREC" -q -o bx.zst "$SAMPLES/rd_badexec"
check_eq "bad execve pointers: recorded, EFAULT each time" "$(cat "$OUT")" "rd_badexec: EFAULT EFAULT EFAULT"
"$MTAN" summary bx.zst --format json >bx.json
check_eq "bad execve pointers: the program's events around the execs" \
	"$(json_get bx.json '[d["allocs"], d["frees"], sum(d["anomalies"].values()), d["killed"]]')" '[4, 3, 0, []]'

# --- C++17 aligned operator new: the size the program asked for, not libstdc++'s rounded one
"$MTREC" -q -o an.zst "$SAMPLES/rd_alignednew" >/dev/null
sizes() { "$MTAN" sql an.zst "SELECT group_concat(size, ' ') FROM (SELECT l.size FROM lifetimes l WHERE EXISTS
	(SELECT 1 FROM stack_symbols s WHERE s.stack_id = l.alloc_stack AND s.function LIKE 'new\_%' ESCAPE '\')
	ORDER BY l.alloc_seq)" | tail -1; }
check_eq "aligned new: the sizes asked for (100, sizeof 128, 200 nothrow, 72 direct, 3 x 128, 24)" \
	"$(sizes)" "100 128 200 72 384 24"
check_eq "aligned new: each one freed" "$("$MTAN" sql an.zst "SELECT count(*) FROM lifetimes WHERE size IN (100, 200, 72, 384) AND end_reason = 'free'" --format csv | tail -1)" 4
check_match "aligned new: the operator is in the stack, the recorder is not" \
	"^operator new\(unsigned long, std::align_val_t\)\|new_array\(\)$" \
	"$("$MTAN" sql an.zst "SELECT group_concat(function, '|') FROM (SELECT s.function FROM lifetimes l JOIN stack_symbols s ON s.stack_id = l.alloc_stack WHERE l.size = 100 AND s.level < 2 ORDER BY s.level)" | tail -1)"
"$MTAN" summary an.zst --format json >an.json
[ -n "$have_vg" ] && check_eq "aligned new: counts and bytes equal valgrind's (it counts the size asked for)" \
	"$(json_get an.json '"%d %d %d" % (d["allocs"], d["frees"], d["bytes_allocated"])')" \
	"$(vg_counts "$SAMPLES/rd_alignednew")"
check_eq "aligned new: no anomaly" "$(json_get an.json 'sum(d["anomalies"].values())')" 0

# --- a library opened with RTLD_DEEPBIND: its malloc and free bind to libc's past the
# hooks unless its imports are pointed back at them
counts() { json_get "$1" '"%d %d %d" % (d["allocs"], d["frees"], d["bytes_allocated"])'; }
deep() { # DESC PLUGIN HOW FIELDS: FIELDS 3 compares bytes too, 2 the counts only
	local desc=$1 plugin=$2 how=$3 fields=$4
	check_rc "$desc: recorded" 0 "$MTREC" -q -o deep.zst "$SAMPLES/rd_deepbind" "$plugin" $how
	"$MTAN" summary deep.zst --format json >deep.json
	[ -n "$have_vg" ] && check_eq "$desc: counts equal valgrind's total heap usage" \
		"$(counts deep.json | cut -d' ' -f1-"$fields")" \
		"$(cd "$SAMPLES" && vg_counts ./rd_deepbind "$plugin" $how | cut -d' ' -f1-"$fields")"
	check_eq "$desc: no unmatched free, no anomaly" "$(json_get deep.json 'd["anomalies"]')" \
		'{"unmatched_free": 0, "double_free": 0, "alloc_over_live": 0, "reuse_race": 0}'
	"$MTAN" leaks deep.zst --format json >deepl.json
	check_eq "$desc: the plugin's one leak, by its function" \
		"$(json_get deepl.json "[(s['blocks'], s['bytes']) for s in d if any(f['function'] == 'deep_work' for f in s['frames'])]")" "[[1, 77]]"
	check_eq "$desc: nothing the plugin freed or the program freed of the plugin's is leaked" \
		"$(json_get deepl.json "[s['bytes'] for s in d if s['bytes'] in (111, 222, 50, 5000, 300)]")" "[]"
}
deep "RTLD_NOW | RTLD_DEEPBIND" "$SAMPLES/rd_deepplugin.so" "" 3
deep "RTLD_LAZY | RTLD_DEEPBIND" "$SAMPLES/rd_deepplugin.so" lazy 3
# a bare name: found by the caller's RUNPATH ($ORIGIN), as without the recorder (ld.so keeps
# the name it was given, so its own bytes differ by the path's length: counts only)
deep "RTLD_DEEPBIND, a bare name by the caller's RUNPATH" rd_deepplugin.so "" 2
# no RTLD_DEEPBIND: dlopen goes on to the real one with the program as its caller
deep "plain RTLD_NOW, a bare name by the caller's RUNPATH" rd_deepplugin.so plain 3

# --- raw clone() children (no CLONE_THREAD): a process of their own, or counted lost; the
# parent's events after the clone are never lost
q() { "$MTAN" sql clone.zst "$1" | tail -n +2 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }
check_rc "clone without CLONE_VM: recorded" 0 "$MTREC" -q -o clone.zst "$SAMPLES/rd_clone" fork
child=$(sed -n 's/^rd_clone: fork child \([0-9]*\)$/\1/p' "$OUT")
parent=$(q "SELECT pid FROM processes WHERE how = 'exec'")
check_eq "clone without CLONE_VM: the parent's blocks before and after, all freed" \
	"$(q "SELECT size, count(*), sum(end_reason = 'free') FROM lifetimes WHERE pid = $parent AND size IN (100, 200, 300) GROUP BY size")" \
	"100 4 4 200 6 6"
check_eq "clone without CLONE_VM: the child's blocks under its own pid" \
	"$(q "SELECT size, count(*), sum(end_reason = 'free') FROM lifetimes WHERE pid = $child AND size IN (100, 200, 300) GROUP BY size")" \
	"300 5 3"
check_eq "clone without CLONE_VM: the child is a process, forked from the parent" \
	"$(q "SELECT ppid, how FROM processes WHERE pid = $child")" "$parent fork"
"$MTAN" summary clone.zst --format json >clone.json
check_eq "clone without CLONE_VM: complete, nothing lost, no anomaly" \
	"$(json_get clone.json '[d["complete"], d["lost_events"], sum(d["anomalies"].values())]')" "[true, 0, 0]"
"$MTAN" leaks clone.zst --format json >clonel.json
check_eq "clone without CLONE_VM: the child's leak, by child_work" \
	"$(json_get clonel.json "[(s['pid'], s['blocks'], s['bytes']) for s in d if any(f['function'] == 'child_work' for f in s['frames'])]")" \
	"[[$child, 2, 600]]"

check_rc "clone with CLONE_VM: recorded" 0 "$MTREC" -q -o clone.zst "$SAMPLES/rd_clone" vm
parent=$(q "SELECT pid FROM processes WHERE how = 'exec'")
check_eq "clone with CLONE_VM: the parent's blocks before and after, all freed, none of the child's" \
	"$(q "SELECT size, count(*), sum(end_reason = 'free') FROM lifetimes WHERE size IN (100, 200, 300) GROUP BY size")" \
	"100 4 4 200 6 6"
"$MTAN" summary clone.zst --format json >clone.json
check_eq "clone with CLONE_VM: the child's 8 events counted lost, no anomaly" \
	"$(json_get clone.json '[d["lost_events"], sum(d["anomalies"].values())]')" "[8, 0]"
check_rc "clone with CLONE_VM: summary" 0 "$MTAN" summary clone.zst
check_match "clone with CLONE_VM: summary says events were lost" "^trace .*8 events lost" "$(cat "$OUT")"

# Both cores: symbolizing runs on a thread of its own beside the pairing and writing
# (analyze/store_frames.c), and the lifetimes that have ended are written on another while
# the pairing goes on (analyze/pair.c). The database must not depend on them: every table
# of a load with the threads equals a load without them (MTAN_THREADS=1), row for row, on
# traces with many frames and several processes (a forker and its children, a program and
# a shell), and with a lifetime buffer small enough to write dozens of batches beside the
# pairing (the forker's pairing adds its children's pools meanwhile).
. "$TOP/tests/e2e/lib.bash"

# every row of every table but the load's own timing and date
dump() { # DB
	local t
	for t in $(sqlite3 "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"); do
		echo "== $t"
		if [ "$t" = meta ]; then
			sqlite3 "$1" "SELECT * FROM meta WHERE key NOT IN ('load_seconds', 'loaded_at') ORDER BY key"
		else
			sqlite3 "$1" "SELECT * FROM \"$t\" ORDER BY 1, 2, 3"
		fi
	done
}

"$MTREC" -q -o fork.zst "$SAMPLES/forker" "$SAMPLES/leaky" >/dev/null 2>&1
"$MTREC" -q -o shell.zst sh -c "$SAMPLES/manyframes >/dev/null; $SAMPLES/leaky >/dev/null" >/dev/null 2>&1
ln -s fork.zst forkbatches.zst
for t in fork shell forkbatches; do
	buf=
	[ $t = forkbatches ] && buf=MTAN_LIFETIME_BUFFER=2000 # 22 lifetimes a batch
	check_rc "$t: load on one thread" 0 env $buf MTAN_THREADS=1 MTAN_SYMBOL_CACHE=off "$MTAN" load -q --db "$t.1.db" "$t.zst"
	check_rc "$t: load with the threads" 0 env $buf MTAN_SYMBOL_CACHE=off "$MTAN" load -q --db "$t.2.db" "$t.zst"
	check_ge "$t: frames were symbolized" "$(sqlite3 "$t.2.db" "SELECT count(*) FROM frames WHERE function IS NOT NULL")" 5
	check_ge "$t: more than one process" "$(sqlite3 "$t.2.db" "SELECT count(DISTINCT pid) FROM processes")" 2
	dump "$t.1.db" >"$t.1.txt"
	dump "$t.2.db" >"$t.2.txt"
	if cmp -s "$t.1.txt" "$t.2.txt"; then
		ok "$t: every table the same with and without the thread ($(wc -l <"$t.1.txt") rows)"
	else
		fail "$t: every table the same with and without the thread" "$(diff "$t.1.txt" "$t.2.txt" | head -10)"
	fi
done

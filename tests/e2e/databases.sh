# Databases under faults: a load interrupted by SIGINT or SIGKILL, a full disk, a database
# of another schema version, files that are not mtan databases, and concurrent commands on
# one fresh trace. No later command takes an unfinished database for a complete one, and
# what it then builds has the numbers of a clean load.
. "$TOP/tests/e2e/lib.bash"
schema=$("$MTAN_PLAIN" --version | sed -n 's/.*(schema \([0-9]*\)).*/\1/p')
tmps() { ls -a | grep -c '\.tmp\.'; }

"$MTREC" -q -o big.zst "$SAMPLES/stress" 2 1000000 >/dev/null
"$MTAN_PLAIN" load -q big.zst --db ref.db
"$MTAN_PLAIN" summary ref.db --format json >ref.json
check_eq "the reference load of the big trace" "$(json_get ref.json 'd["events"]')" 4000007
# the lifetimes go in through a twin declaration without the generated columns (load.sql):
# the real one is back, and the partial indexes hold what the real declarations select
check_eq "the load leaves lifetimes declared as schema.sql has it (its virtual columns)" \
	"$(sqlite3 ref.db "SELECT count(*) FROM pragma_table_xinfo('lifetimes') WHERE hidden = 2")" \
	"$(awk '/^CREATE TABLE lifetimes/,/^\textra TEXT\);/' "$TOP/queries/schema.sql" | grep -o ' VIRTUAL' | wc -l)"
check_eq "... and its indexes as schema.sql has them" \
	"$(sqlite3 ref.db "SELECT group_concat(name || ':' || (sql LIKE '%end_reason%' OR sql LIKE '%end_seq IS NULL%'), ' ') FROM (SELECT * FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'lifetimes' ORDER BY name)")" \
	"lifetimes_detached:1 lifetimes_leaks:1 lifetimes_long:1 lifetimes_released:1"
check_eq "SQLite's integrity check passes (every index entry is the real declaration's)" \
	"$(sqlite3 ref.db 'PRAGMA integrity_check')" ok

# ---- lifetimes written while pairing: a buffer of 1 MB (about 12,000 ended lifetimes) makes
# the big trace's 2,000,000 go in as many batches, and the smallest one (1 byte) writes each
# ended lifetime of a trace with races, forks and execs as soon as the next one ends; the
# rows are the same as when all of them are written at the end (in id order)
stored="id, pid, address, size, generation, alloc_ns, alloc_stack, ops, alloc_dseq, end_dseq, end_dns, dtid, dev, free_thread, extra"
tables() { # every table but meta in its stored order, and meta but for when and where
	for t in $(sqlite3 "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name != 'meta' ORDER BY name"); do
		echo "== $t"
		sqlite3 "$1" "SELECT * FROM \"$t\""
	done
	sqlite3 "$1" "SELECT * FROM meta WHERE key NOT IN ('load_seconds', 'loaded_at', 'trace_path') ORDER BY key"
}
MTAN_LIFETIME_BUFFER=1000000 "$MTAN_PLAIN" load -q big.zst --db batches.db
check_eq "a small buffer: the same lifetimes rows" "$(sqlite3 batches.db "SELECT $stored FROM lifetimes" | md5sum)" \
	"$(sqlite3 ref.db "SELECT $stored FROM lifetimes" | md5sum)"
check_eq "... the same sites, in the same order" "$(sqlite3 batches.db 'SELECT rowid, * FROM sites')" \
	"$(sqlite3 ref.db 'SELECT rowid, * FROM sites')"
# (whether stress's run grew at all varies with how its threads ran: warmpool below has sites)
check_eq "... the same growth sites (the long blocks written early kept, the short ones read back)" \
	"$(sqlite3 batches.db 'SELECT * FROM growth_sites')" "$(sqlite3 ref.db 'SELECT * FROM growth_sites')"
check_eq "... and SQLite's integrity check passes" "$(sqlite3 batches.db 'PRAGMA integrity_check')" ok
"$MTREC" -q -o racelate.zst "$SAMPLES/racelate" >/dev/null
"$MTREC" -q -o forker.zst "$SAMPLES/forker" "$SAMPLES/leaky" >/dev/null 2>&1
"$MTREC" -q -o leakkinds.zst "$SAMPLES/leakkinds" >/dev/null 2>&1
for t in racelate forker leakkinds; do
	MTAN_SYMBOL_CACHE=off "$MTAN_PLAIN" load -q $t.zst --db $t-ref.db
	MTAN_SYMBOL_CACHE=off MTAN_LIFETIME_BUFFER=1 "$MTAN_PLAIN" load -q $t.zst --db $t-1.db
	check_ge "$t: it has lifetimes" "$(sqlite3 $t-1.db 'SELECT count(*) FROM lifetimes')" 10
	check_eq "$t: the smallest buffer, every table the same" "$(tables $t-1.db)" "$(tables $t-ref.db)"
done
# growth's sites when lifetimes were written while pairing: the long ones kept in memory, the
# short ones near the window's ends read back (warmpool's blocks around its window's start
# are such short ones: leaving them out changes its sites' bytes)
"$MTREC" -q -o warmpool.zst "$SAMPLES/warmpool" >/dev/null 2>&1
MTAN_SYMBOL_CACHE=off "$MTAN_PLAIN" load -q warmpool.zst --db warmpool-ref.db
MTAN_SYMBOL_CACHE=off MTAN_LIFETIME_BUFFER=1 "$MTAN_PLAIN" load -q warmpool.zst --db warmpool-1.db
check_ge "warmpool: growth has sites" "$(sqlite3 warmpool-ref.db 'SELECT count(*) FROM growth_sites')" 1
check_eq "warmpool: the smallest buffer, the same growth sites as all in memory" \
	"$(sqlite3 warmpool-1.db 'SELECT * FROM growth_sites')" "$(sqlite3 warmpool-ref.db 'SELECT * FROM growth_sites')"
check_ge "racelate: its races are there" "$(sqlite3 racelate-1.db 'SELECT count(*) FROM races')" 2
check_ge "forker: inherited lifetimes are there" "$(sqlite3 forker-1.db 'SELECT count(*) FROM lifetimes WHERE inherited')" 1
check_eq "leakkinds: the exit scan judged its leaks (blocks it saw freed later were kept for it)" \
	"$(sqlite3 leakkinds-1.db "SELECT group_concat(DISTINCT leak_kind) FROM (SELECT leak_kind FROM lifetimes WHERE leak_kind IN ('definitely_lost', 'indirectly_lost', 'possibly_lost') ORDER BY leak_kind)")" \
	"definitely_lost,indirectly_lost,possibly_lost"

# ---- SIGINT during the load: nothing is left, the next command builds it whole
timeout -s INT 0.3 "$MTAN_PLAIN" load big.zst 2>int.err
rc=$?
check_eq "SIGINT: the load was under way and ended by it" "$rc:$(cat int.err)" "124:"
check_eq "SIGINT: no database and no temporary file left" "$(ls big.zst.db* 2>/dev/null)" ""
check_rc "SIGINT: the next summary loads again" 0 "$MTAN_PLAIN" summary big.zst --format json
check_eq "SIGINT: ... with the numbers of a clean load" "$(cat "$OUT")" "$(cat ref.json)"
# a reload (the trace changed) interrupted: the old database stays and is not taken as current
touch big.zst
timeout -s INT 0.3 "$MTAN_PLAIN" load big.zst 2>/dev/null
check_rc "SIGINT of a reload: the next summary loads again" 0 "$MTAN_PLAIN" summary big.zst --format json
check_eq "SIGINT of a reload: ... for the trace as it is now" \
	"$(sqlite3 big.zst.db "SELECT value FROM meta WHERE key = 'trace_mtime_ns'")" "$(stat -c %.9Y big.zst | tr -d .)"
check_eq "SIGINT of a reload: the same numbers" "$(cat "$OUT")" "$(cat ref.json)"
check_eq "SIGINT of a reload: no temporary file left" "$(tmps)" 0

# ---- SIGKILL: its temporary file may stay, but is never taken for the database
rm -f big.zst.db
"$MTAN_PLAIN" load big.zst 2>/dev/null &
pid=$!
for i in $(seq 100); do [ -e big.zst.db.tmp.$pid ] && break; sleep 0.05; done
sleep 0.3
kill -KILL $pid
{ wait $pid; } 2>/dev/null
check_eq "SIGKILL: the load was under way" "$?" 137
left=big.zst.db.tmp.$pid
check_eq "SIGKILL: no database, only its temporary file" "$(ls big.zst.db* 2>/dev/null)" "$left"
check_rc "SIGKILL: the temporary file named directly is refused" 1 "$MTAN_PLAIN" summary "$left"
check_match "SIGKILL: ... as an unfinished load" "^mtan: '$left': (unfinished load|not an mtan database|damaged database)" "$(cat "$ERR")"
# the killed load's process is gone (a big address space takes the kernel a moment)
for i in $(seq 100); do kill -0 "${left##*.}" 2>/dev/null || break; sleep 0.05; done
sh -c 'exit 0' & dead=$!; wait $dead   # a pid that no longer runs
: >big.zst.db.tmp.$dead
: >big.zst.db.tmp.$$                   # this shell's: a load in progress
check_rc "SIGKILL: the next summary loads again" 0 "$MTAN_PLAIN" summary big.zst --format json
check_eq "SIGKILL: ... with the numbers of a clean load" "$(cat "$OUT")" "$(cat ref.json)"
check_eq "SIGKILL: temporary files of dead loads are removed, a live one's kept" \
	"$(ls big.zst.db.tmp.* 2>/dev/null)" "big.zst.db.tmp.$$"
rm -f big.zst.db.tmp.$$

# ---- a full disk during the load (a 512 KiB tmpfs in a private mount namespace)
"$MTREC" -q -o t.zst "$SAMPLES/stress" 4 20000 >/dev/null
"$MTAN_PLAIN" summary t.zst --format json --db t-ref.db -q >t.json
mkdir small
if unshare -m sh -c 'mount -t tmpfs -o size=512k none small' 2>/dev/null; then
	unshare -m sh -c 'mount -t tmpfs -o size=512k none small && cp t.zst small/ &&
		{ "$0" summary small/t.zst --format json >full1.out 2>full1.err; echo $? >full1.rc;
		  "$0" summary t.zst --db small/x.db --format json >full2.out 2>full2.err; echo $? >full2.rc;
		  ls -a small >full.ls; }' "$MTAN"
	for i in 1 2; do
		check_eq "full disk ($i): exit 1, nothing on stdout" "$(cat full$i.rc):$(cat full$i.out)" "1:"
		check_match "full disk ($i): one line saying the disk is full" \
			"^mtan: cannot write '(small/t\.zst\.db|small/x\.db)': database or disk is full$" "$(cat full$i.err)"
		check_eq "full disk ($i): one line" "$(wc -l <full$i.err)" 1
	done
	check_eq "full disk: no database and no temporary file left" "$(grep -v '^\.*$' full.ls | tr '\n' ' ')" "t.zst "
else
	fail "full disk: a tmpfs in a private mount namespace (needs root)"
fi

# ---- another schema version: a cache is rebuilt, a database named directly is refused
"$MTAN_PLAIN" load -q t.zst
cp t.zst.db v1.db
sqlite3 t.zst.db "PRAGMA user_version = 99"
check_rc "a cache of another user_version: rebuilt" 0 "$MTAN" summary t.zst --format json
check_eq "... with the right numbers" "$(cat "$OUT")" "$(cat t.json)"
check_eq "... and the current version" "$(sqlite3 t.zst.db 'PRAGMA user_version')" "$schema"
sqlite3 t.zst.db "UPDATE meta SET value = 0 WHERE key = 'schema_version'"
check_rc "a cache of another meta.schema_version: rebuilt" 0 "$MTAN" summary t.zst --format json
check_eq "... with the right numbers" "$(cat "$OUT")" "$(cat t.json)"
cp v1.db other.db
sqlite3 other.db "PRAGMA user_version = 99"
check_rc "a database of another version named directly: exit 1" 1 "$MTAN" summary other.db
check_eq "... says which version" "$(cat "$ERR")" \
	"mtan: 'other.db': database of schema version 99; this mtan reads $schema (load its trace again)"
cp v1.db unfinished.db
sqlite3 unfinished.db "DELETE FROM meta WHERE key = 'load_complete'"
check_rc "an unfinished database named directly: exit 1" 1 "$MTAN" summary unfinished.db
check_eq "... says so" "$(cat "$ERR")" "mtan: 'unfinished.db': unfinished load (load its trace again)"

# ---- files that are not mtan databases: refused, never overwritten
echo "my notes" >notes.txt
sqlite3 mine.db "CREATE TABLE t(x); INSERT INTO t VALUES (42)"
head -c 40000 v1.db >cut.db
for f in notes.txt mine.db cut.db; do
	sum=$(md5sum <$f)
	what="is not an mtan database"
	[ $f = cut.db ] && what="is a damaged database"
	check_rc "--db $f: refused" 1 "$MTAN" summary t.zst --db $f
	check_eq "--db $f: the message" "$(cat "$ERR")" "mtan: '$f': exists and $what (remove it or choose another --db)"
	check_eq "--db $f: left as it was" "$(md5sum <$f)" "$sum"
done
# a FIFO, a directory or a device (/dev/null is not tried here: a failure would replace it)
# would be replaced by the rename that ends a load
mkfifo pipe.db
mkdir dir.db
for f in pipe.db dir.db; do
	check_rc "--db $f: refused" 1 "$MTAN" summary t.zst --db $f
	check_eq "--db $f: the message" "$(cat "$ERR")" "mtan: '$f': exists and is not a regular file (remove it or choose another --db)"
done
check_eq "--db: the FIFO and the directory are left" "$(test -p pipe.db && test -d dir.db && echo left)" left
check_rc "load --db FIFO: refused" 1 "$MTAN" load t.zst --db pipe.db
check_rc "a damaged database named directly: exit 1" 1 "$MTAN" summary cut.db
check_match "... says it is damaged" "^mtan: 'cut.db': damaged database \(.+\)$" "$(cat "$ERR")"
check_rc "another program's database named directly: exit 1" 1 "$MTAN" summary mine.db
check_eq "... the message" "$(cat "$ERR")" "mtan: 'mine.db': not an mtan database"

# ---- four commands at once on a trace without a database yet
cp t.zst c.zst
for i in 1 2 3 4; do "$MTAN" summary c.zst --format json >c$i.out 2>c$i.err & done
rcs=""
for j in $(jobs -p); do wait "$j"; rcs="$rcs$?"; done
check_eq "concurrent: all four succeed" "$rcs" "0000"
check_eq "concurrent: nothing on stderr" "$(cat c?.err)" ""
check_eq "concurrent: identical, right output" "$(cat c1.out c2.out c3.out c4.out | sort -u)" "$(cat t.json)"
check_eq "concurrent: one database, no temporary file" "$(ls -a | grep '^c\.zst\.')" "c.zst.db"
check_rc "concurrent: the database is complete" 0 "$MTAN" summary c.zst.db --format json
check_eq "concurrent: ... and right" "$(cat "$OUT")" "$(cat t.json)"

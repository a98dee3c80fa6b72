# mtan sql: a query of the user's over the synthetic trace's database, in each format,
# read-only, with SQLite's errors reported as "mtan: sql: MESSAGE" and exit 1.
. "$TOP/tests/e2e/lib.bash"
"$TOP/build/mktrace" basic run.zst
Q='SELECT pid, bytes, blocks FROM leak_sites ORDER BY bytes DESC'

check_rc "sql (table)" 0 "$MTAN" sql run.zst "$Q"
check_eq "sql table: the statement's column names, numbers to the right" "$(cat "$OUT")" \
	"pid  bytes  blocks
100   2000       1
100    300       2
200     30       1"
check_rc "sql --format csv" 0 "$MTAN" sql run.zst "$Q" --format csv
check_eq "sql csv" "$(cat "$OUT")" '"pid","bytes","blocks"
100,2000,1
100,300,2
200,30,1'
check_rc "sql --format json" 0 "$MTAN" sql run.zst "$Q" --format json
check_eq "sql json: an array of objects" "$(json_get "$OUT" 'd')" \
	'[{"pid": 100, "bytes": 2000, "blocks": 1}, {"pid": 100, "bytes": 300, "blocks": 2}, {"pid": 200, "bytes": 30, "blocks": 1}]'
check_rc "sql: text, reals and NULL" 0 "$MTAN" sql run.zst "SELECT 'a,\"b\"' AS t, 0.5 AS r, NULL AS n" --format csv
check_eq "sql csv: text quoted, NULL empty" "$(sed -n 2p "$OUT")" '"a,""b""",0.5,'
check_rc "sql json: NULL is null" 0 "$MTAN" sql run.zst "SELECT NULL AS n, 'x' AS s" --format json
check_eq "sql json: null and a string" "$(cat "$OUT")" '[{"n": null, "s": "x"}]'
check_rc "sql: no rows" 0 "$MTAN" sql run.zst "SELECT 1 AS one WHERE 0" --format json
check_eq "sql json: no rows is []" "$(cat "$OUT")" "[]"

# parameters and --limit
check_rc "sql: :pid from --pid" 0 "$MTAN" sql run.zst "SELECT bytes FROM leak_sites WHERE :pid IS NULL OR pid = :pid" --pid 200 --format csv
check_eq "sql: :pid bound" "$(cat "$OUT")" '"bytes"
30'
check_rc "sql: --limit stops the rows" 0 "$MTAN" sql run.zst "SELECT seq FROM events ORDER BY seq" --limit 2 --format csv
check_eq "sql: two rows" "$(cat "$OUT")" '"seq"
2
3'
check_rc "sql: :limit from --limit" 0 "$MTAN" sql run.zst "SELECT count(*) AS n FROM (SELECT seq FROM events LIMIT :limit)" --limit 5 --format csv
check_eq "sql: :limit bound" "$(sed -n 2p "$OUT")" 5

# tables fit the width: text is cut, numbers are whole
check_rc "sql: a wide table" 0 env COLUMNS=40 "$MTAN" sql run.zst "SELECT 123456789 AS n, printf('%.80c', 'x') AS long"
check_eq "sql: every line within 40 columns" "$(awk 'length($0) > 40' "$OUT" | wc -l)" 0
check_match "sql: the text cut with ..." "^123456789  x+\.\.\.$" "$(cat "$OUT")"

# errors
check_rc "sql: a syntax error exits 1" 1 "$MTAN" sql run.zst "SELEC 1"
check_eq "sql: SQLite's message" "$(cat "$ERR")" 'mtan: sql: near "SELEC": syntax error'
check_rc "sql: an unknown table exits 1" 1 "$MTAN" sql run.zst "SELECT * FROM nope"
check_eq "sql: the unknown table's message" "$(cat "$ERR")" "mtan: sql: no such table: nope"
sum_before=$(md5sum run.zst.db)
check_rc "sql: writing is refused" 1 "$MTAN" sql run.zst "DELETE FROM lifetimes"
check_eq "sql: the refusal" "$(cat "$ERR")" "mtan: sql: attempt to write a readonly database"
check_rc "sql: a temporary table is refused too" 1 "$MTAN" sql run.zst "CREATE TEMP TABLE t(x)"
check_eq "sql: the database is unchanged" "$(md5sum run.zst.db)" "$sum_before"
check_rc "sql: two statements exit 1" 1 "$MTAN" sql run.zst "SELECT 1; SELECT 2"
check_match "sql: one at a time" "^mtan: sql: one statement at a time" "$(cat "$ERR")"
check_rc "sql: a trailing comment is fine" 0 "$MTAN" sql run.zst "SELECT 1 AS one; -- done"
check_rc "sql: no QUERY exits 2" 2 "$MTAN" sql run.zst
check_eq "sql: no QUERY: the message" "$(head -1 "$ERR")" "mtan: sql: missing QUERY"
check_rc "sql: on the database itself" 0 "$MTAN" sql run.zst.db "SELECT count(*) AS n FROM lifetimes" --format csv
check_eq "sql: the database's answer" "$(sed -n 2p "$OUT")" 11

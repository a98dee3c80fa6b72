# Strings from the traced program are data: a mark label, a thread name, a space and a
# device name and the program's argument made of quotes, statements and comments,
# newlines and printf conversions (samples/badnames.c) go into the database as bound
# parameters, come back byte for byte, and leave every table in place.
. "$TOP/tests/e2e/lib.bash"
DROP="'); DROP TABLE meta; --"
check_rc "badnames runs under mtrec" 0 "$MTREC" -q -o n.zst "$SAMPLES/badnames" "$DROP"
check_rc "the trace loads" 0 "$MTAN" load -q n.zst
hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F; }
q() { sqlite3 n.zst.db "$1"; }
check_eq "every table is still there" \
	"$(q "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'lifetimes', 'marks', 'threads', 'spaces', 'devices', 'processes')")" 7
check_eq "the rows are there" "$(q "SELECT (SELECT count(*) FROM lifetimes) > 0, (SELECT count(*) FROM marks), (SELECT count(*) FROM meta) > 10")" "1|5|1"
want=""
for l in "'); DROP TABLE lifetimes; --" \
	"$(printf '"double" and '"'"'single'"'"' quotes\nsecond line\tand a tab \\ backslash')" \
	'%s%n%d%x %% 100%' "$(printf '\xc3\xbcn\xc3\xafc\xc3\xb6d\xc3\xa9 \xe2\x9c\x93')" \
	"'; DELETE FROM marks WHERE '1'='1"; do
	want="$want$(hex "$l")"$'\n'
done
check_eq "mark labels read back byte for byte" "$(q "SELECT hex(label) FROM marks ORDER BY seq")" "${want%$'\n'}"
check_eq "the thread name reads back" "$(q "SELECT DISTINCT hex(name) FROM threads WHERE name LIKE 'a%'")" \
	"$(hex "$(printf 'a'"'"'"\n); --%%s')")"
check_eq "the space name reads back" "$(q "SELECT hex(name) FROM spaces")" \
	"$(hex "$(printf 'pool'"'"'); DROP TABLE spaces; --\n"x"')")"
check_eq "the device name reads back" "$(q "SELECT name FROM devices WHERE device = 7")" "dev'); DROP TABLE devices; --"
check_eq "the argument reads back in the command line" "$(q "SELECT value FROM meta WHERE key = 'cmdline'")" \
	"$SAMPLES/badnames $DROP"
check_rc "summary --format json" 0 "$MTAN" summary n.zst --format json
check_eq "JSON: the space name exact" "$(json_get "$OUT" '[s["space"] for s in d["spaces"] if s["device"] == 7] == ["pool'"'"'); DROP TABLE spaces; --\n\"x\""]')" true
check_eq "JSON: its leak" "$(json_get "$OUT" '[[s["leaked_blocks"], s["leaked_bytes"]] for s in d["spaces"] if s["device"] == 7]')" "[[1, 256]]"
check_rc "leaks --format json" 0 "$MTAN" leaks n.zst --format json
check_eq "leaks: keep_one's 64 bytes" "$(json_get "$OUT" '[s["bytes"] for s in d if s["frames"] and s["frames"][0]["function"] == "keep_one"]')" "[64]"
check_rc "summary (table)" 0 env COLUMNS=200 "$MTAN" summary n.zst
check_match "table: the name's newline is escaped, the row stays one line" \
	"^7 +pool'\); DROP TABLE spaces; --\\\\n\"x\" +1 +0 " "$(cat "$OUT")"

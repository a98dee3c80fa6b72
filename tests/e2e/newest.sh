# Small things people expect: `mtan COMMAND` without a TRACE takes the newest trace in the
# current directory (and says which), so `mtan timeline --device 3` works right after
# `mtrec -o run.zst ./app`; mtrec's summary line counts as mtan does (1 process, 4,007
# events).
. "$TOP/tests/e2e/lib.bash"

# ---- no TRACE: the newest *.zst here
check_rc "no trace here: exit 2" 2 "$MTAN" leaks
check_eq "no trace here: the message" "$(cat "$ERR")" "mtan: leaks: missing TRACE or DB, and no trace (*.zst) in the current directory
mtan: try 'mtan leaks --help'"
"$MTREC" -q -o old.zst "$SAMPLES/clean" >/dev/null
"$MTREC" -o run.zst "$SAMPLES/meshdev" >/dev/null 2>rec.err
touch -d '2001-01-01' old.zst
mkdir dir.zst # a directory is no trace
check_rc "timeline --device 3 right after mtrec" 0 "$MTAN" timeline --device 3 --format csv
check_eq "it says which trace, on stderr, once" "$(cat "$ERR")" "mtan: using 'run.zst' (the newest trace here)"
cp "$OUT" newest.csv
"$MTAN" timeline run.zst --device 3 --format csv >named.csv
check_eq "the same rows as naming it" "$(cat newest.csv)" "$(cat named.csv)"
check_eq "device 3's rows" "$(csv_get newest.csv 'sorted({r["device"] for r in rows})')" '["3"]'
check_rc "-q: nothing said" 0 "$MTAN" summary -q --format json
check_eq "-q: stderr empty, the newest trace's summary" "$(cat "$ERR")|$(json_get "$OUT" 'd["released_blocks"]')" "|88"
# the newest by modification time, not by name
touch -d '2002-01-01' run.zst
touch old.zst
check_rc "the newest by mtime" 0 "$MTAN" leaks --format json --no-default-suppressions
check_eq "the newest by mtime: old.zst now" "$(cat "$ERR")" "mtan: using 'old.zst' (the newest trace here)"
# --db keeps working: the newest trace, its database where --db says
check_rc "--db with no TRACE" 0 "$MTAN" summary --db elsewhere.db --format json
check_eq "--db with no TRACE: that database was built" "$(test -s elsewhere.db && echo built)" "built"
# a command of other operands is untouched
check_rc "diff with one trace: still a usage error" 2 "$MTAN" diff run.zst
check_eq "diff: the message" "$(head -1 "$ERR")" "mtan: diff: missing AFTER (a trace or database)"
# the newest one is not a trace: said, as for one named
echo "not a trace" >notes.zst
check_rc "the newest is not a trace: exit 1" 1 "$MTAN" leaks
check_match "the newest is not a trace: named in the error" "^mtan: using 'notes.zst' \(the newest trace here\)
mtan: .*'notes.zst'" "$(cat "$ERR")"

# ---- mtrec's summary line: singular and plural, thousands separators
check_match "mtrec: 1 process, 1 thread" "^mtrec: 'run.zst': [0-9,]+ events, 1 process, 1 thread, " "$(cat rec.err)"
"$MTREC" -o st.zst "$SAMPLES/stress" 2 1000 >/dev/null 2>st.err
check_match "mtrec: counts with separators, threads plural" "^mtrec: 'st.zst': [1-9][0-9]{0,2}(,[0-9]{3})+ events, 1 process, 3 threads, " "$(cat st.err)"
"$MTREC" -o fork.zst "$SAMPLES/forker" "$SAMPLES/clean" >/dev/null 2>fork.err
check_match "mtrec: processes plural" "^mtrec: 'fork.zst': [0-9,]+ events, [2-9] processes, " "$(cat fork.err)"

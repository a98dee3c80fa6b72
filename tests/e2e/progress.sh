# Progress of long loads: a line on stderr rewritten in place while a load takes more than
# a moment, only when stderr is a terminal (faked with script(1)) and without -q; cleared
# at the end. MTAN_PROGRESS_AFTER_MS=0 shows it at once on a small trace.
. "$TOP/tests/e2e/lib.bash"
if ! command -v script >/dev/null; then
	fail "script(1) is installed (util-linux)"
	exit 0
fi
"$TOP/build/mktrace" bench p.zst 300000 2>/dev/null
# tty CMD: runs CMD with stdout and stderr on a pseudo-terminal; the terminal's output
tty() { script -qec "$*" /dev/null </dev/null; }

out=$(tty env MTAN_PROGRESS_AFTER_MS=0 "$MTAN" load p.zst)
check_match "a terminal: the load's progress while reading" "mtan: loading 'p\.zst': reading [0-9]+%( \([0-9,]+ events\))?, [0-9.]+ s" "$out"
check_match "a terminal: the later phases" "mtan: loading 'p\.zst': (pairing|writing lifetimes|symbolizing|indexing)" "$out"
check_match "the line is rewritten in place" $'\r''mtan: loading' "$out"
check_match "the line is cleared before the summary" $'\r\033\\[K''mtan: loaded' "$out"
rm -f p.zst.db

out=$(tty env MTAN_PROGRESS_AFTER_MS=0 "$MTAN" load -q p.zst)
check_nomatch "-q: no progress" "loading" "$out"
rm -f p.zst.db
out=$(tty env MTAN_PROGRESS_AFTER_MS=0 "$MTAN" load p.zst '2>err.txt')
check_nomatch "stderr not a terminal: no progress" "loading" "$(cat err.txt)$out"
check_match "stderr not a terminal: the summary alone" "^mtan: loaded 'p\.zst'" "$(cat err.txt)"
rm -f p.zst.db
out=$(tty env MTAN_PROGRESS_AFTER_MS=0 "$MTAN" summary p.zst --format json)
check_match "a reporting command that loads shows it too" "mtan: loading 'p\.zst'" "$out"
out=$(tty env MTAN_PROGRESS_AFTER_MS=0 "$MTAN" summary p.zst --format json)
check_nomatch "nothing to load: no progress" "loading" "$out"

# without the knob: a quick load stays quiet, a long one (2 M events) shows progress
"$TOP/build/mktrace" basic small.zst
out=$(tty "$MTAN" load small.zst)
check_nomatch "a quick load: no progress" "loading" "$out"
"$TOP/build/mktrace" bench big.zst 2000000 2>/dev/null
out=$(tty "$MTAN" load big.zst)
check_match "a load longer than a moment: progress" "mtan: loading 'big\.zst': " "$out"
check_match "and the summary after it" "mtan: loaded 'big\.zst' into 'big\.zst\.db': 2,007,155 events" "$out"

# the whole load's percentage and the time left: a long load (2 M events) on a terminal
check_match "a terminal: the time left once there is a pace" "mtan: loading 'big\.zst': [a-z ]+ [0-9]+% \([0-9,]+ events\), [0-9.]+ s, about [0-9]+ (s|min) left" "$(rm -f big.zst.db; tty env MTAN_PROGRESS_AFTER_MS=0 "$MTAN" load big.zst)"
# stderr not a terminal (a log, CI): whole lines at an interval (10 s; 0 here), never rewritten
rm -f p.zst.db
MTAN_PROGRESS_EVERY_MS=0 "$MTAN" load p.zst 2>err.txt >/dev/null
check_match "not a terminal: whole progress lines" "^mtan: loading 'p\.zst': reading [0-9]+% \([0-9,]+ events\), [0-9]+ s so far" "$(cat err.txt)"
check_match "not a terminal: every stage" "^mtan: loading 'p\.zst': pairing [0-9]+%" "$(cat err.txt)"
check_nomatch "not a terminal: no carriage returns or escapes" $'[\r\033]' "$(cat err.txt)"
check_eq "not a terminal: the summary is the last line" "mtan: loaded 'p.zst'" "$(tail -n1 err.txt | cut -c1-20)"
rm -f p.zst.db
MTAN_PROGRESS_EVERY_MS=0 "$MTAN" load -q p.zst 2>err.txt >/dev/null
check_eq "not a terminal, -q: nothing" "" "$(cat err.txt)"

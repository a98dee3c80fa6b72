# mtan import of heaptrack's own files: a sample recorded with heaptrack, imported, gives
# heaptrack_print's counts and leaked bytes, heaptrack's names for the planted sites, and
# diffs against the same program recorded by mtrec with every site unchanged.
. "$TOP/tests/e2e/lib.bash"
if ! command -v heaptrack >/dev/null || ! command -v heaptrack_print >/dev/null; then
	skip "heaptrack: not installed (the Makefile's deps step installs it)"
	exit 0
fi
heaptrack -o "$PWD/heaptrack.leaky.4242" "$SAMPLES/leaky" >ht.log 2>&1
ht=$(ls heaptrack.leaky.4242.* 2>/dev/null | head -1)
check_match "heaptrack recorded leaky" '^heaptrack\.leaky\.4242\.(zst|gz)$' "$ht"

# what heaptrack_print says: calls to allocation functions, and leaked bytes and calls
heaptrack_print -f "$ht" -l 1 -p 0 -a 0 -T 0 --flamegraph-cost-type leaked -F leaked.txt >print.txt 2>&1
ht_allocs=$(sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p' print.txt)
ht_leaked=$(awk '{s += $NF} END {print s}' leaked.txt)
ht_leaked_calls=$(sed -n 's/^.* leaked over \([0-9]*\) calls from$/\1/p' print.txt | awk '{s += $1} END {print s}')
check_ge "heaptrack_print: allocations" "$ht_allocs" 118
check_ge "heaptrack_print: the planted leaks and more (>= 3240 bytes)" "$ht_leaked" 3240

check_rc "import heaptrack file" 0 "$MTAN" import "$ht"
check_eq "import: the database's name and the message" "$(ls heaptrack.leaky.4242.db)|$(cat "$ERR")" \
	"heaptrack.leaky.4242.db|mtan: import: '$ht': $((ht_allocs * 2 - ht_leaked_calls)) events written to 'heaptrack.leaky.4242.db'"
db=heaptrack.leaky.4242.db
check_rc "sql: counts" 0 "$MTAN" sql $db "SELECT (SELECT count(*) FROM events WHERE op = 'alloc'), (SELECT count(*) FROM events WHERE op = 'free'), (SELECT sum(size) FROM leaks), (SELECT count(*) FROM leaks), (SELECT count(*) FROM anomalies), (SELECT max(pid) FROM lifetimes)" --format csv
check_eq "allocs, frees, leaked bytes and blocks as heaptrack_print's; no anomaly; the pid of the file name" \
	"$(tail -1 "$OUT")" "$ht_allocs,$((ht_allocs - ht_leaked_calls)),$ht_leaked,$ht_leaked_calls,0,4242"
check_rc "leaks on the import" 0 "$MTAN" leaks $db --no-default-suppressions
check_match "leaks: all of heaptrack's leaked bytes" "^leaked: $(python3 -c "print(f'{$ht_leaked:,}')") bytes in $ht_leaked_calls blocks" "$(cat "$OUT")"
check_match "leaks: leak_buffers named by heaptrack, file and line" '#0 leak_buffers \(leaky\.c:[0-9]+\) in leaky' "$(cat "$OUT")"
check_match "leaks: leak_config's 240 bytes in 5 blocks" '^240 bytes in 5 blocks' "$(cat "$OUT")"
check_rc "top on the import" 0 "$MTAN" top $db
check_match "top: churn's 100 temporaries" '100 allocations, 100 temporary' "$(cat "$OUT")"
check_rc "sql: stacks end at _start" 0 "$MTAN" sql $db "SELECT function FROM stack_symbols y JOIN stacks s ON s.id = y.stack_id WHERE y.level = (SELECT max(level) FROM stack_symbols WHERE stack_id = y.stack_id) AND function = 'leak_buffers' OR (y.level = s.site AND y.function = 'leak_buffers') LIMIT 1" --format csv
check_eq "leak_buffers is a site" "$(tail -1 "$OUT")" '"leak_buffers"'

"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
check_rc "diff: the heaptrack import against mtrec's trace" 0 "$MTAN" diff $db leaky.zst --format csv
check_eq "diff: both planted sites unchanged, nothing new or fixed" \
	"$(cut -d, -f1,4,5,8 "$OUT" | grep -E 'leak_(config|buffers)' | sed 's/;main;.*/;main/' | sort)" \
	'"unchanged",240,240,"leak_config;main
"unchanged",3000,3000,"leak_buffers;main'
check_eq "diff: no new or fixed site" "$(grep -cE '^"(new|fixed)"' "$OUT")" 0

# gzip and plain text read alike
zstdcat "$ht" 2>/dev/null >plain.txt || gzip -dc "$ht" >plain.txt
gzip -c plain.txt >heaptrack.plain.1.gz
check_rc "import a .gz" 0 "$MTAN" import -q heaptrack.plain.1.gz -o gz.db
check_rc "import plain text" 0 "$MTAN" import -q plain.txt -o plain.db
check_eq "gz and plain: the same leaked bytes" \
	"$("$MTAN" sql gz.db 'SELECT sum(size) FROM leaks' --format csv | tail -1),$("$MTAN" sql plain.db 'SELECT sum(size) FROM leaks' --format csv | tail -1)" \
	"$ht_leaked,$ht_leaked"

# bad input: one line each, exit 1
printf 'v 10400 9\n' >new.txt
check_rc "a newer file format: exit 1" 1 "$MTAN" import new.txt -o new.db
check_eq "a newer file format: the message" "$(cat "$ERR")" "mtan: import: 'new.txt': heaptrack file format 9 is not supported (1 to 3 are: heaptrack 1.0 and later)"
printf 'v 10400 3\nX prog\n' >empty.txt
check_rc "no allocation: exit 1" 1 "$MTAN" import empty.txt -o empty.db
check_eq "no allocation: the message, nothing written" "$(cat "$ERR")|$(ls empty.db 2>&1 | grep -c 'No such')" "mtan: import: 'empty.txt': no allocation in it; nothing written|1"
printf 'v 10400 3\nX prog\na 10 0\n+ 0\n+ 7\nq what\n- 0\n' >bad.txt
check_rc "bad lines are skipped: exit 0" 0 "$MTAN" import bad.txt -o bad.db
check_eq "bad lines: told by line, then the count" "$(cat "$ERR")" "mtan: import: 'bad.txt' line 5: bad allocation line (no such allocation info)
mtan: import: 'bad.txt' line 6: not a heaptrack line
mtan: import: 'bad.txt': 2 bad lines skipped, 2 events written to 'bad.db'"
head -c 100 "$ht" >cut.zst
check_rc "a cut zstd file: exit 1" 1 "$MTAN" import cut.zst -o cut.db

# a program whose own frames have no names (Debian's perl is stripped): recorded by both
# tools, its sites match in a diff by module where a frame has no function (heaptrack's
# frames carry no offset), as two mtrec runs of it match
P='my %h; for my $i (1..20000) { $h{"k$i"} = "v" x ($i % 50); } print scalar(keys %h), "\n";'
heaptrack -o "$PWD/heaptrack.perl.4243" perl -e "$P" >htp.log 2>&1
"$MTREC" -q -o perl.zst perl -e "$P" >/dev/null 2>&1
hp=$(ls heaptrack.perl.4243.* 2>/dev/null | head -1)
check_rc "perl: heaptrack's file imports" 0 "$MTAN" import -q "$hp" -o hperl.db
"$MTAN" diff hperl.db perl.zst >pdiff.txt 2>&1
read -r new fixed unchanged < <(sed -n 's/^sites: *\([0-9]*\) new, \([0-9]*\) fixed, .* \([0-9]*\) unchanged$/\1 \2 \3/p' pdiff.txt)
check_ge "perl: most sites unchanged between the tools ($unchanged)" "$unchanged" 50
check_eq "perl: at most a few new or fixed (as between two mtrec runs)" "$([ $((new + fixed)) -le 8 ] && echo yes || echo "$new new, $fixed fixed")" yes

# Output for people fits the terminal's width ($COLUMNS): at 60 and 200 columns every line
# of the analyses and of `mtan sql` does, text is cut with "..." while numbers stay whole
# (the same as in the CSV), a table too wide even then is a block per row, prose folds
# between words and the timeline's chart fills the width. CSV and JSON are never cut.
. "$TOP/tests/e2e/lib.bash"

record() { # NAME SAMPLE
	if ! "$MTREC" -q -o "$1.zst" "$SAMPLES/$2" >/dev/null 2>"$1.err"; then
		fail "mtrec records $2" "$(head -c 600 "$1.err")"
		return 1
	fi
}
# csv_get FILE EXPR: EXPR over rows = the CSV's rows as dicts
csv_get() {
	python3 -c 'import csv,json,sys; rows=list(csv.DictReader(open(sys.argv[1], newline=""))); r=eval(sys.argv[2]); print(r if isinstance(r, str) else json.dumps(r))' "$1" "$2"
}
# over WIDTH FILE: how many lines of FILE are wider than WIDTH
over() { awk -v w="$1" 'length($0) > w' "$2" | wc -l; }

record racy racyalloc && record frag fragpool && record leaky leaky && record mesh meshdev && record cxx cxxleak
lifetimes='SELECT * FROM lifetimes LIMIT 5'
narrow='SELECT id, pid, address, size, alloc_seq, alloc_ns, alloc_func FROM lifetimes LIMIT 5'

# ---- every line fits
for w in 60 200; do
	for cmd in "frag frag.zst --until holes" "races racy.zst" "leaks leaky.zst" "leaks cxx.zst" \
		"top leaky.zst" "timeline mesh.zst" "timeline leaky.zst"; do
		# shellcheck disable=SC2086
		check_rc "$cmd at $w: runs" 0 env COLUMNS=$w "$MTAN" $cmd
		check_eq "$cmd at $w: every line fits" "$(over $w "$OUT")" 0
	done
	for q in "$lifetimes" "$narrow"; do
		check_rc "sql '$q' at $w: runs" 0 env COLUMNS=$w "$MTAN" sql leaky.zst "$q"
		check_eq "sql '$q' at $w: every line fits" "$(over $w "$OUT")" 0
	done
done

# ---- numbers whole, as in the CSV
"$MTAN" frag frag.zst --until holes --format csv >frag.csv
t=$(csv_get frag.csv '[r["time_ns"] for r in rows if r["device"] == "0"][0]')
check_rc "frag at 200" 0 env COLUMNS=200 "$MTAN" frag frag.zst --until holes
check_match "frag at 200: a table, the device's time whole, the ratio at three decimals" \
	"^ *[0-9]+ +0 +DRAM +until +[0-9]+ +$t +1\.0 MiB .* 0\.875 +960\.0 KiB$" "$(cat "$OUT")"
check_rc "frag at 60" 0 env COLUMNS=60 "$MTAN" frag frag.zst --until holes
check_eq "frag at 60: a block per row" "$(grep -c '^-\[ row [0-9]* \]-*$' "$OUT")" 2
check_match "frag at 60: the time whole" "^time_ns +$t$" "$(cat "$OUT")"
check_match "frag at 60: the ratio" "^ext\. frag +0\.875$" "$(cat "$OUT")"
check_eq "frag csv: the ratio with every digit" "$(csv_get frag.csv '[r["external_fragmentation"] for r in rows]')" '["0", "0.875"]'

"$MTAN" races racy.zst --format csv >races.csv
first=$(csv_get races.csv '" ".join([rows[0][k] for k in ("pid", "address", "free_seq", "free_tid", "late_seq", "late_tid", "reuse_seq", "reuse_tid")])')
read -r pid addr fseq ftid lseq ltid rseq rtid <<<"$first"
check_rc "races at 200" 0 env COLUMNS=200 "$MTAN" races racy.zst
check_match "races at 200: a line per race, as the CSV's" \
	"^late_free +$pid +0 +DRAM +$addr +$fseq +$ftid +$lseq +$ltid +$rseq +$rtid +[0-9,]+$" "$(cat "$OUT")"
check_rc "races at 60" 0 env COLUMNS=60 "$MTAN" races racy.zst
check_eq "races at 60: a block per race" "$(grep -c '^-\[ row [0-9]* \]' "$OUT")" 10
check_eq "races at 60: the first race's numbers, as the CSV's" \
	"$(sed -n '/^-\[ row 1 \]/,/^$/p' "$OUT" | grep -E '^(pid|address|free seq|by|late seq|reuse seq) ' | awk '{print $NF}' | xargs)" \
	"$pid $addr $fseq $ftid $lseq $ltid $rseq $rtid"
check_match "races at 60: the advice folded between words" \
	"^10 address-reuse races, repaired in the lifetimes \(reserve$" "$(cat "$OUT")"
check_eq "races at 60: a report's heading in the stacks folded between words, the seq whole" \
	"$(sed -n '/^race 1 /,/^$/p' "$OUT" | grep -A1 '^  reuse:')" \
	"  reuse: the allocation that got the address after the free:
    seq $rseq by thread $rtid"

"$MTAN" sql leaky.zst "$narrow" --format csv >narrow.csv
a=$(csv_get narrow.csv 'rows[0]["address"]') ns=$(csv_get narrow.csv 'rows[0]["alloc_ns"]')
check_rc "sql at 200: fits as a table" 0 env COLUMNS=200 "$MTAN" sql leaky.zst "$narrow"
check_match "sql at 200: the first row's numbers whole" "^ +1 +[0-9]+ +$a +[0-9]+ +[0-9]+ +$ns +malloc$" "$(cat "$OUT")"
check_rc "sql at 60: blocks" 0 env COLUMNS=60 "$MTAN" sql leaky.zst "$narrow"
check_match "sql at 60: the address whole" "^address +$a$" "$(cat "$OUT")"
check_match "sql at 60: alloc_ns whole" "^alloc_ns +$ns$" "$(cat "$OUT")"
long="SELECT address, printf('%.100c', 'y') AS long FROM lifetimes LIMIT 1"
check_rc "sql: a long text at 60" 0 env COLUMNS=60 "$MTAN" sql leaky.zst "$long"
check_match "sql: the text cut with ..., the number whole" "^$a  y+\.\.\.$" "$(cat "$OUT")"
check_eq "sql: the cut line is 60 wide" "$(sed -n 2p "$OUT" | awk '{print length($0)}')" 60

# ---- CSV and JSON are never cut
for f in csv json; do
	env COLUMNS=60 "$MTAN" sql leaky.zst "$long" --format $f >narrow.$f
	env COLUMNS=200 "$MTAN" sql leaky.zst "$long" --format $f >wide.$f
	check_eq "sql --format $f: the same at 60 and 200" "$(cmp -s narrow.$f wide.$f && echo same)" same
	check_eq "sql --format $f: the text whole" "$(grep -c "y\{100\}" narrow.$f)" 1
done
check_eq "races --format csv at 60: wider lines than the terminal, whole" \
	"$(env COLUMNS=60 "$MTAN" races racy.zst --format csv | cmp -s - races.csv && echo same)" same

# ---- prose folds, frames are cut where they must be
check_rc "top at 60" 0 env COLUMNS=60 "$MTAN" top leaky.zst
check_match "top at 60: a heading folded, its numbers whole" \
	"^6,550 bytes in 100 allocations, 100 temporary \(pid [0-9]+, host heap\)$" \
	"$(sed -n '/^6,550 bytes/{N;s/\n  / /;p;q}' "$OUT")"
check_rc "leaks of cxxleak at 60" 0 env COLUMNS=60 "$MTAN" leaks cxx.zst
check_match "leaks at 60: a long C++ name cut, its file and line kept" \
	"^    #[0-9]+ remember\(std::[^ ]*\.\.\. \(cxxleak\.cpp:[0-9]+\)$" "$(cat "$OUT")"
check_rc "leaks of cxxleak at 200" 0 env COLUMNS=200 "$MTAN" leaks cxx.zst
check_match "leaks at 200: the name whole" \
	"^    #[0-9]+ remember\(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&\) \(cxxleak\.cpp:[0-9]+\) in cxxleak$" \
	"$(cat "$OUT")"

# ---- the timeline's chart fills the width; --width still wins
for w in 60 200; do
	check_rc "timeline at $w" 0 env COLUMNS=$w "$MTAN" timeline mesh.zst --device 0 --space DRAM
	check_eq "timeline at $w: the axis spans the width" "$(grep -E '^ *0 \+-+$' "$OUT" | awk '{print length($0)}')" $w
done
check_rc "timeline --width 100 at 60" 0 env COLUMNS=60 "$MTAN" timeline mesh.zst --device 0 --space DRAM --width 100
check_eq "timeline --width 100: 100 columns of chart" "$(grep -E '^ *0 \+-+$' "$OUT" | tr -cd '-' | wc -c)" 100

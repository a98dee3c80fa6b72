#!/usr/bin/env bash
# make bench: mtrec side by side with heaptrack, valgrind (massif, memcheck) and glibc's
# mtrace on the same programs, repetitions alternating between tools; prints medians and
# ratios and writes bench/RESULTS.md with the targets checked against the numbers.
#
# Environment:
#   BENCH_REPS=N      repetitions of every run (default 3; medians are reported)
#   BENCH_FAST_REPS=N repetitions of the quick tools (native, mtrec, heaptrack), which the
#                     slow ones do not join after BENCH_REPS (default 5, at least BENCH_REPS):
#                     wall times on a shared 2-core machine are noisy
#   BENCH_FULL=1      also the 100 M-event churn, and memcheck on every workload
#   BENCH_QUICK=1     churn sizes divided by 10 (debugging the script); results go to
#                     build/bench/RESULTS.quick.md unless BENCH_RESULTS says otherwise
#   BENCH_ONLY=REGEX  only the workloads whose id matches (c1-1M c1-10M c1-100M c2-10M
#                     r1-10M sqlite perl scan; bench/load.sh's: c1-1M c2-1M c1-10M c2-10M
#                     c1-100M c2-100M sqlite perl gcc make git python)
#   BENCH_RESULTS=F   where to write the results (default bench/RESULTS.md)
#   BENCH_LOAD=0      without bench/load.sh's section (mtan leaks against heaptrack_print,
#                     multi-process loads, mtan's memory, database size); it runs last, with
#                     the same BENCH_REPS, BENCH_QUICK, BENCH_FULL, BENCH_ONLY, BENCH_RESULTS;
#                     BENCH_ONLY=load (or a regex of its workloads only) runs it alone
# Needs: make all samples build/bench/churn build/bench/scanheap build/bench/mtrace-on.so
# build/mtdump.
set -u
export LC_ALL=C
# perl's hash seed is random per run, and with it the allocations its hashes make: fixed,
# the perl workload makes the same calls under every tool (up to what %ENV holds)
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
REPS=${BENCH_REPS:-3}
FAST_REPS=${BENCH_FAST_REPS:-5}
FULL=${BENCH_FULL:-0}
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-}
if [ "$QUICK" = 1 ]; then
	RESULTS=${BENCH_RESULTS:-$B/bench/RESULTS.quick.md}
else
	RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
fi
for v in "BENCH_REPS=$REPS" "BENCH_FAST_REPS=$FAST_REPS"; do
	case ${v#*=} in '' | *[!0-9]* | 0) echo "bench: ${v%%=*} must be a positive number, not '${v#*=}'" >&2; exit 2 ;; esac
done
[ "$FAST_REPS" -lt "$REPS" ] && FAST_REPS=$REPS

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

CHURN=$B/bench/churn
SCANHEAP=$B/bench/scanheap
MTRACE_ON=$B/bench/mtrace-on.so
for f in "$B/mtrec" "$B/libmtrec.so" "$B/mtan" "$B/mtdump" "$CHURN" "$SCANHEAP" "$MTRACE_ON"; do
	[ -e "$f" ] || die "'$f' is missing: run 'make bench' (or make it first)"
done
[ -x /usr/bin/time ] || "$ROOT/tools/deps.sh" time || die "GNU time (/usr/bin/time) is needed: apt-get install time"
SQLITE3=$(command -v sqlite3 || true)
PERL=$(command -v perl || true)
if [ -z "$SQLITE3" ] && "$ROOT/tools/deps.sh" sqlite3; then SQLITE3=$(command -v sqlite3 || true); fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mtrec-bench.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# --- the competitors: a missing one is skipped, once, with a message --------------------
MALLOC_DEBUG=""
for f in /usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0 /lib/x86_64-linux-gnu/libc_malloc_debug.so.0 \
	/usr/lib64/libc_malloc_debug.so.0 /usr/lib/libc_malloc_debug.so.0; do
	[ -e "$f" ] && { MALLOC_DEBUG=$f; break; }
done
declare -A HAVE=([native]=1 [mtrec]=1 [mtrec-ns]=1 [mtrec-nosc]=1 [mtrec-ss]=1)
HAVE[heaptrack]=0 HAVE[massif]=0 HAVE[memcheck]=0 HAVE[mtrace]=0 HAVE[vg-leak]=0 HAVE[vg-noleak]=0
HT_PRINT=""
if command -v heaptrack >/dev/null; then
	HAVE[heaptrack]=1
	HT_PRINT=$(command -v heaptrack_print || true)
	[ -n "$HT_PRINT" ] || say "bench: heaptrack_print is not installed: skipping its load times"
else
	say "bench: heaptrack is not installed (Debian: apt-get install heaptrack): skipping it"
fi
if command -v valgrind >/dev/null; then
	HAVE[massif]=1 HAVE[memcheck]=1 HAVE[vg-leak]=1 HAVE[vg-noleak]=1
else
	say "bench: valgrind is not installed (apt-get install valgrind): skipping massif and memcheck"
fi
if [ -n "$MALLOC_DEBUG" ]; then
	HAVE[mtrace]=1
else
	say "bench: glibc's libc_malloc_debug.so.0 is not found (glibc < 2.34?): skipping mtrace"
fi
[ -n "$SQLITE3" ] || say "bench: sqlite3 is not installed (apt-get install sqlite3): skipping the sqlite workload"
[ -n "$PERL" ] || say "bench: perl is not installed (apt-get install perl): skipping the perl workload"

TOOLS_ALL="native mtrec mtrec-ns heaptrack massif memcheck mtrace"
FAST_TOOLS=" native mtrec mtrec-ns mtrec-nosc mtrec-ss heaptrack "
# the exit scan's workload has tools of its own: mtrec without its scan, and memcheck with
# and without its leak check (the difference is what memcheck's scan costs)
SCAN_TOOLS="native mtrec mtrec-nosc vg-leak vg-noleak"
declare -A LABEL=([native]="native" [mtrec]="mtrec" [mtrec-ns]="mtrec --no-stacks" [mtrec-nosc]="mtrec --no-scan"
	[mtrec-ss]="mtrec --sample-stacks 512k"
	[vg-leak]="memcheck --leak-check=full" [vg-noleak]="memcheck --leak-check=no"
	[heaptrack]="heaptrack" [massif]="valgrind massif" [memcheck]="valgrind memcheck"
	[mtrace]="glibc mtrace")

# --- the workloads ------------------------------------------------------------------------
# id -> description, the program's arguments, its stdin, the tools run on it
D=1
[ "$QUICK" = 1 ] && D=10
declare -A W_DESC W_ARGS W_IN W_TOOLS
WORKLOADS=""
add_workload() { # ID DESC TOOLS STDIN ARGS...
	local id=$1 desc=$2 tools=$3 in=$4
	shift 4
	[ -n "$ONLY" ] && ! [[ $id =~ $ONLY ]] && return
	W_DESC[$id]=$desc W_TOOLS[$id]=$tools W_IN[$id]=$in
	W_ARGS[$id]=$(printf '%q ' "$@")
	WORKLOADS="$WORKLOADS $id"
}
NOMEM="native mtrec mtrec-ns heaptrack massif mtrace"
[ "$FULL" = 1 ] && NOMEM=$TOOLS_ALL
churn() { # ID THREADS ITERATIONS MODE TOOLS
	local its=$(($3 / D)) what="churn" ev
	[ "$4" = realloc ] && what="churn (realloc mode)"
	ev=$(($2 * its * 2))
	if [ $ev -ge 1000000 ]; then ev="$((ev / 1000000)) M"; else ev="$((ev / 1000))k"; fi
	add_workload "$1" "$what, $2 thread$([ "$2" = 1 ] || echo s) x $its iterations (~$ev events)" "$5" /dev/null \
		"$CHURN" "$2" "$its" "$4"
}
churn c1-1M 1 500000 malloc "$TOOLS_ALL"
churn c1-10M 1 5000000 malloc "$NOMEM"
[ "$FULL" = 1 ] && churn c1-100M 1 50000000 malloc "native mtrec mtrec-ns heaptrack"
churn c2-10M 2 2500000 malloc "$NOMEM"
churn r1-10M 1 5000000 realloc "$NOMEM"
[ -n "$SQLITE3" ] && add_workload sqlite "sqlite3 shell running bench/workload.sql (in-memory database)" \
	"$TOOLS_ALL mtrec-ss" "$ROOT/bench/workload.sql" "$SQLITE3"
[ -n "$PERL" ] && add_workload perl "perl running bench/workload.pl (hashes, sort, strings)" "$NOMEM mtrec-ss" \
	/dev/null "$PERL" "$ROOT/bench/workload.pl"
# the exit scan: 1 GiB live in 1,048,576 blocks of 1 KiB, left live at exit (quick: / 8)
SCAN_BLOCKS=$((1048576 / (QUICK == 1 ? 8 : 1)))
add_workload scan "scanheap: $((SCAN_BLOCKS / 1024)) Ki blocks of 1 KiB ($((SCAN_BLOCKS / 1024)) MiB) live at exit, one list from a global" \
	"$SCAN_TOOLS" /dev/null "$SCANHEAP" "$SCAN_BLOCKS" 1024
# none of these: the first-answer workloads of bench/load.sh alone (BENCH_ONLY=load: all of them)
if [ -z "$WORKLOADS" ]; then
	[ "$ONLY" = load ] && unset BENCH_ONLY
	rm -rf "$TMP"
	BENCH_RESULTS=$RESULTS exec "$ROOT/bench/load.sh"
fi
# scaling series (extra cost per event by size) and the traces loaded by mtan
SCALING="c1-1M c1-10M c1-100M"
LOADS="c1-1M c1-10M c1-100M sqlite perl scan"

# --- running one tool once ----------------------------------------------------------------
# Every run appends "workload tool rep wall_s cpu_s maxrss_kb trace_bytes collector_cpu_s" to
# runs.tsv (NA where it failed or does not apply) and compares the program's output with the
# native run's.
RUNS=$TMP/runs.tsv
: >"$RUNS"
: >"$TMP/scan_inproc"
declare -A COUNTS EVENTS KEEP_TRACE KEEP_HT
SCAN_SAID=""
now() { echo "${EPOCHREALTIME/,/.}"; }

# sets SIZE to the size of the trace a tool left (NA: none), records the counts it shows on
# the first repetition, removes what will not be loaded later
trace_size() { # TOOL WL REP OUTPREFIX
	local tool=$1 wl=$2 rep=$3 out=$4 f size=NA keep=0
	[ "$rep" = 1 ] && [[ " $LOADS " == *" $wl "* ]] && keep=1
	case $tool in
	mtrec | mtrec-ns | mtrec-nosc | mtrec-ss)
		size=$(stat -c %s "$out.zst")
		if [ "$rep" = 1 ]; then
			COUNTS[$wl,$tool]=$("$B/mtdump" -c "$out.zst" 2>&1) ||
				say "bench: mtdump cannot read the $tool trace of $wl: ${COUNTS[$wl,$tool]}"
		fi
		# the exit scan's own time, from its BEGIN and DONE records
		[ "$tool" = mtrec ] && [ "$wl" = scan ] && "$B/mtdump" "$out.zst" 2>/dev/null |
			awk '$1 == "scan" && ($4 == "begin" || $4 == "done") { for (i = 5; i <= NF; i++) if ($i ~ /^t=/) t[$4] = substr($i, 3) }
				END { if (("begin" in t) && ("done" in t)) printf "%.4f\n", (t["done"] - t["begin"]) / 1e9 }' >>"$TMP/scan_inproc"
		if [ "$tool" = mtrec ] && [ $keep = 1 ]; then KEEP_TRACE[$wl]=$out.zst; else rm -f "$out.zst"; fi ;;
	heaptrack)
		for f in "$out".ht.*; do [ -e "$f" ] && size=$(stat -c %s "$f"); done
		[ "$rep" = 1 ] && COUNTS[$wl,$tool]="allocations $(awk '/allocations:/ && !/leaked|temporary/ {print $2; exit}' "$out.err")"
		if [ $keep = 1 ] && [ "$size" != NA ]; then KEEP_HT[$wl]=$f; else rm -f "$out".ht.*; fi ;;
	memcheck)
		[ "$rep" = 1 ] && COUNTS[$wl,$tool]=$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees.*/allocs \1 frees \2/p' "$out.vg" | tr -d ,)
		rm -f "$out.vg" ;;
	vg-leak | vg-noleak) rm -f "$out.vg" ;;
	massif) rm -f "$out.massif" ;;
	mtrace)
		size=$(stat -c %s "$out.mtrace")
		[ "$rep" = 1 ] && COUNTS[$wl,$tool]=$(awk '$1 == "@" { for (i = 2; i <= NF; i++) if ($i ~ /^[-+<>]$/) { o = $i; break }
			if (o == "+" || o == ">") a++; else if (o == "-" || o == "<") f++ }
			END { printf "allocs %d frees %d", a, f }' "$out.mtrace")
		rm -f "$out.mtrace" ;;
	esac
	SIZE=$size
}

run_tool() { # TOOL WL REP
	local tool=$1 wl=$2 rep=$3
	local out=$TMP/$wl.$tool.$rep
	local -a app cmd
	eval "app=(${W_ARGS[$wl]})"
	case $tool in
	native) cmd=("${app[@]}") ;;
	# MTREC_DEBUG=1: mtrec's last line splits its CPU time into the collector's and the program's
	mtrec) cmd=(env MTREC_DEBUG=1 "$B/mtrec" -q -o "$out.zst" -- "${app[@]}") ;;
	mtrec-ns) cmd=(env MTREC_DEBUG=1 "$B/mtrec" -q --no-stacks -o "$out.zst" -- "${app[@]}") ;;
	mtrec-nosc) cmd=(env MTREC_DEBUG=1 "$B/mtrec" -q --no-scan -o "$out.zst" -- "${app[@]}") ;;
	mtrec-ss) cmd=(env MTREC_DEBUG=1 "$B/mtrec" -q --sample-stacks 512k -o "$out.zst" -- "${app[@]}") ;;
	heaptrack) cmd=(heaptrack -o "$out.ht" "${app[@]}") ;;
	massif) cmd=(valgrind -q --tool=massif --massif-out-file="$out.massif" "${app[@]}") ;;
	memcheck) cmd=(valgrind --tool=memcheck --log-file="$out.vg" "${app[@]}") ;;
	vg-leak) cmd=(valgrind --tool=memcheck --leak-check=full --log-file="$out.vg" "${app[@]}") ;;
	vg-noleak) cmd=(valgrind --tool=memcheck --leak-check=no --log-file="$out.vg" "${app[@]}") ;;
	mtrace) cmd=(env MALLOC_TRACE="$out.mtrace" LD_PRELOAD="$MALLOC_DEBUG:$MTRACE_ON" "${app[@]}") ;;
	esac
	local t0 t1 rc
	t0=$(now)
	/usr/bin/time -f '%U %S %M' -o "$out.time" "${cmd[@]}" <"${W_IN[$wl]}" >"$out.out" 2>"$out.err"
	rc=$?
	t1=$(now)
	local ok=1
	# what mtrec says of its exit scan (MTREC_DEBUG=1), kept for the report
	[ "$tool" = mtrec ] && [ "$wl" = scan ] && [ "$rep" = 1 ] && SCAN_SAID=$(grep -i 'scan' "$out.err" | tail -n 3)
	if [ $rc != 0 ]; then
		say "bench: '${LABEL[$tool]}' failed on $wl (exit $rc); its last lines:"
		tail -n 5 "$out.err" | sed 's/^/    /' >&2
		ok=0
	else
		# the program's own output must not change under a tool (heaptrack adds its own lines)
		[ "$tool" = heaptrack ] && sed -i -e '/^heaptrack output will be written/d' -e '/^\/.*libheaptrack/d' \
			-e '/^starting application/d' -e '/^Heaptrack finished/d' -e '/^  heaptrack --analyze/d' \
			-e '/^$/d' "$out.out"
		if [ -e "$TMP/$wl.expected" ] && ! cmp -s "$out.out" "$TMP/$wl.expected"; then
			say "bench: '${LABEL[$tool]}' changed the output of $wl (rep $rep): not counted"
			diff "$TMP/$wl.expected" "$out.out" | head -n 5 | sed 's/^/    /' >&2
			ok=0
		fi
		[ "$tool" = native ] && [ ! -e "$TMP/$wl.expected" ] && cp "$out.out" "$TMP/$wl.expected"
	fi
	local size=NA
	if [ $ok = 1 ]; then
		trace_size "$tool" "$wl" "$rep" "$out"
		size=$SIZE
		read -r u s rss < <(tail -n 1 "$out.time")
		local coll
		coll=$(sed -n 's/^mtrec: collector cpu \([0-9.]*\) s.*/\1/p' "$out.err" | tail -n 1)
		echo "$wl $tool $rep $(awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v r="$rss" -v z="$size" \
			'BEGIN { printf "%.4f %.2f %d %s", b - a, u + s, r, z }') ${coll:-NA}" >>"$RUNS"
	else
		rm -f "$out".zst "$out".ht.* "$out.massif" "$out.mtrace" "$out.vg"
		echo "$wl $tool $rep NA NA NA NA NA" >>"$RUNS"
	fi
	rm -f "$out.out" "$out.err" "$out.time"
	return 0
}

# --- statistics -----------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# median of column COL (4 wall, 5 cpu, 6 rss, 7 bytes) of the successful runs of TOOL on WL
med() { awk -v w="$1" -v t="$2" -v c="$3" '$1 == w && $2 == t && $c != "NA" { print $c }' "$RUNS" | median; }
# (max - min) / median of the wall times of TOOL on WL, in percent
spread() {
	awk -v w="$1" -v t="$2" -v m="$3" '$1 == w && $2 == t && $4 != "NA" { if (!n++ || $4 < lo) lo = $4; if ($4 > hi) hi = $4 }
		END { if (n > 1 && m > 0) printf "%.0f%%", (hi - lo) / m * 100; else print "-" }' "$RUNS"
}
# arithmetic with NA propagation: calc 'EXPR' A [B [C [D]]] (a, b, c, d in EXPR); NA when any is
calc() {
	local e=$1
	shift
	awk -v n=$# -v a="${1-0}" -v b="${2-0}" -v c="${3-0}" -v d="${4-0}" \
		"BEGIN { if ((n > 0 && a == \"NA\") || (n > 1 && b == \"NA\") || (n > 2 && c == \"NA\") || (n > 3 && d == \"NA\")) print \"NA\"; else print $e }"
}
fmt() { # PRINTF-FORMAT VALUE
	if [ "$2" = NA ]; then echo "-"; else LC_ALL=C printf "$1" "$2"; fi
}

# events of a workload: allocations + frees in the mtrec trace (rep 1), else computed
events_of() {
	local wl=$1 c=${COUNTS[$wl,mtrec]:-}
	if [[ $c == allocs* ]]; then
		awk '{ print $2 + $4 }' <<<"$c"
	else
		local -a a
		eval "a=(${W_ARGS[$wl]})"
		if [ "${a[0]}" = "$CHURN" ]; then echo $((a[1] * (2 * a[2] + 128))); else echo NA; fi
	fi
}

# --- the runs -------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T_START=$(now)
say "bench: $REPS repetitions ($FAST_REPS of native, mtrec and heaptrack); workloads:$WORKLOADS; temporary files in $TMP"
if awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg; then
	say "bench: warning: the load average is $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs: other jobs will blur the wall times"
fi
for wl in $WORKLOADS; do
	tools=""
	for t in ${W_TOOLS[$wl]}; do [ "${HAVE[$t]}" = 1 ] && tools="$tools $t"; done
	W_TOOLS[$wl]=$tools
	say "bench: $wl: ${W_DESC[$wl]}:$tools ($(date +%T))"
	for rep in $(seq "$FAST_REPS"); do
		for t in $tools; do
			[ "$rep" -gt "$REPS" ] && [[ $FAST_TOOLS != *" $t "* ]] && continue
			run_tool "$t" "$wl" "$rep"
		done
	done
	EVENTS[$wl]=$(events_of "$wl")
done

# loading: mtan load (events/s, peak RSS) against heaptrack_print on heaptrack's trace
LOADRUNS=$TMP/loads.tsv
: >"$LOADRUNS"
for wl in $LOADS; do
	[ -n "${KEEP_TRACE[$wl]:-}" ] || continue
	say "bench: loading the traces of $wl"
	for rep in $(seq "$REPS"); do
		db=$TMP/load.db
		rm -f "$db"
		t0=$(now)
		if /usr/bin/time -f '%M' -o "$TMP/load.time" "$B/mtan" load -f -q --db "$db" "${KEEP_TRACE[$wl]}" \
			>/dev/null 2>"$TMP/load.err"; then
			t1=$(now)
			echo "$wl mtan $rep $(calc 'b - a' "$t0" "$t1") $(tail -n 1 "$TMP/load.time")" >>"$LOADRUNS"
		else
			say "bench: 'mtan load' failed on the trace of $wl; its last lines:"
			tail -n 5 "$TMP/load.err" | sed 's/^/    /' >&2
		fi
		rm -f "$db" "$db"-*
		if [ -n "$HT_PRINT" ] && [ -n "${KEEP_HT[$wl]:-}" ]; then
			t0=$(now)
			if /usr/bin/time -f '%M' -o "$TMP/load.time" "$HT_PRINT" "${KEEP_HT[$wl]}" >/dev/null 2>"$TMP/load.err"; then
				t1=$(now)
				echo "$wl heaptrack_print $rep $(calc 'b - a' "$t0" "$t1") $(tail -n 1 "$TMP/load.time")" >>"$LOADRUNS"
			else
				say "bench: 'heaptrack_print' failed on the heaptrack file of $wl; its last lines:"
				tail -n 5 "$TMP/load.err" | sed 's/^/    /' >&2
			fi
		fi
	done
	rm -f "${KEEP_TRACE[$wl]}" "${KEEP_HT[$wl]:-}"
done
lmed() { awk -v w="$1" -v t="$2" -v c="$3" '$1 == w && $2 == t { print $c }' "$LOADRUNS" | median; }
T_END=$(now)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report -------------------------------------------------------------------------------
REPORT=$TMP/report.md
{
	echo "| workload | tool | events | runs | wall s | spread | extra ns/event | slowdown | extra CPU ns/event | trace bytes/event | max RSS MiB |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	for wl in $WORKLOADS; do
		ev=${EVENTS[$wl]}
		nw=$(med "$wl" native 4)
		nc=$(med "$wl" native 5)
		for t in ${W_TOOLS[$wl]}; do
			w=$(med "$wl" "$t" 4)
			c=$(med "$wl" "$t" 5)
			r=$(med "$wl" "$t" 6)
			z=$(med "$wl" "$t" 7)
			if [ "$w" = NA ]; then
				echo "| $wl | ${LABEL[$t]} | $ev | 0 | failed | | | | | | |"
				continue
			fi
			extra=$(calc '(b - a) / c * 1e9' "$nw" "$w" "$ev")
			cextra=$(calc '(b - a) / c * 1e9' "$nc" "$c" "$ev")
			slow=$(calc 'b / a' "$nw" "$w")
			bpe=$(calc 'a / b' "$z" "$ev")
			[ "$t" = native ] && extra=NA cextra=NA
			n=$(awk -v w="$wl" -v t="$t" '$1 == w && $2 == t && $4 != "NA"' "$RUNS" | wc -l)
			echo "| $wl | ${LABEL[$t]} | $ev | $n | $(fmt %.3f "$w") | $(spread "$wl" "$t" "$w") | $(fmt %.0f "$extra") | $(fmt %.2fx "$slow") | $(fmt %.0f "$cextra") | $(fmt %.2f "$bpe") | $(fmt %.0f "$(calc 'a / 1024' "$r")") |"
		done
	done
} >"$TMP/table.md"

# extra ns/event of TOOL on WL: median wall (COL=4) or CPU time (COL=5) against native's
COL=4
extra() { calc '(b - a) / c * 1e9' "$(med "$1" native $COL)" "$(med "$1" "$2" $COL)" "${EVENTS[$1]:-NA}"; }
verdict() { # OK-EXPRESSION VALUES... -> PASS/FAIL/n/a
	local r
	r=$(calc "($1) ? \"PASS\" : \"FAIL\"" "${@:2}")
	[ "$r" = NA ] && r="n/a (not measured)"
	echo "$r"
}
# "measured | result" of the time targets, by the current COL
vs_heaptrack() { # WL DIVISOR
	local m h
	m=$(extra "$1" mtrec) h=$(extra "$1" heaptrack)
	echo "$(fmt %.0f "$m") vs $(fmt %.0f "$h") ns/event (ratio $(fmt %.2f "$(calc 'a / b' "$m" "$h")")) | $(verdict "a <= b / $2" "$m" "$h")"
}
no_stacks_ns() { # WL LIMIT
	local m
	m=$(extra "$1" mtrec-ns)
	echo "$(fmt %.1f "$m") ns/event | $(verdict "a <= $2" "$m")"
}
no_stacks_slowdown() { # WL [TOOL]
	local s
	s=$(calc 'b / a' "$(med "$1" native $COL)" "$(med "$1" "${2:-mtrec-ns}" $COL)")
	echo "$(fmt %.1f%% "$(calc '(a - 1) * 100' "$s")") | $(verdict 'a < 1.10' "$s")"
}
linear() {
	local wl m prev=NA lin="" ok=NA
	for wl in $SCALING; do
		[ -n "${EVENTS[$wl]:-}" ] || continue
		m=$(extra "$wl" mtrec)
		[ "$m" = NA ] && continue
		lin="${lin:+$lin, }$wl $(fmt %.0f "$m")"
		if [ "$prev" != NA ] && [ "$ok" != 0 ]; then ok=$(calc 'b <= a * 1.25' "$prev" "$m"); fi
		prev=$m
	done
	case $ok in 1) ok=PASS ;; 0) ok=FAIL ;; *) ok="n/a (fewer than two sizes)" ;; esac
	echo "${lin:--} ns/event | $ok"
}
both() { # FUNCTION ARGS...: its wall and CPU columns
	local w c
	w=$(COL=4; "$@") c=$(COL=5; "$@")
	echo "$w | $c"
}
{
	echo "| target | by median wall time | result | by median CPU time (cross-check) | result |"
	echo "|---|---|---|---|---|"
	echo "| churn T=1: mtrec extra time/event <= 1/3 of heaptrack's | $(both vs_heaptrack c1-10M 3) |"
	echo "| churn T=2: mtrec extra time/event <= 1/4 of heaptrack's | $(both vs_heaptrack c2-10M 4) |"
	echo "| churn T=1: mtrec --no-stacks extra time/event <= 15 ns | $(both no_stacks_ns c1-10M 15) |"
	for wl in sqlite perl; do
		[ -n "${EVENTS[$wl]:-}" ] || continue
		echo "| $wl: mtrec --no-stacks slowdown < 10% | $(both no_stacks_slowdown $wl) |"
		echo "| $wl: mtrec --sample-stacks 512k slowdown < 10% | $(both no_stacks_slowdown $wl mtrec-ss) |"
		echo "| $wl: mtrec extra time < 1/3 of heaptrack's | $(both vs_heaptrack $wl 3) |"
	done
	echo "| mtrec cost linear in events: extra ns/event grows by at most 25% from one size to the next | $(both linear) |"
	worst=NA
	for wl in c1-1M c1-10M c1-100M c2-10M r1-10M; do
		[ -n "${EVENTS[$wl]:-}" ] || continue
		b=$(calc 'a / b' "$(med "$wl" mtrec 7)" "${EVENTS[$wl]}")
		[ "$b" = NA ] && continue
		if [ "$worst" = NA ]; then worst=$b; else worst=$(calc '(b > a) ? b : a' "$worst" "$b"); fi
	done
	echo "| churn: mtrec trace <= 3.5 bytes/event (worst churn run) | $(fmt %.2f "$worst") bytes/event | $(verdict 'a <= 3.5' "$worst") | | |"
	lw=NA
	for wl in c1-100M c1-10M c1-1M; do
		[ -n "${EVENTS[$wl]:-}" ] && [ "$(lmed "$wl" mtan 4)" != NA ] && { lw=$wl; break; }
	done
	r=NA
	[ $lw != NA ] && r=$(calc 'b / a' "$(lmed "$lw" mtan 4)" "${EVENTS[$lw]}")
	echo "| mtan load >= 3 M events/s (largest churn trace, $lw) | $(fmt %.2f "$(calc 'a / 1e6' "$r")") M events/s | $(verdict 'a >= 3e6' "$r") | | |"
} >"$TMP/targets.md"

{
	echo "| trace | events | mtan load s | mtan M events/s | mtan peak RSS MiB | heaptrack_print s | heaptrack_print M events/s | heaptrack_print peak RSS MiB |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|"
	for wl in $LOADS; do
		[ -n "${EVENTS[$wl]:-}" ] || continue
		ev=${EVENTS[$wl]}
		ms=$(lmed "$wl" mtan 4) mr=$(lmed "$wl" mtan 5)
		hs=$(lmed "$wl" heaptrack_print 4) hr=$(lmed "$wl" heaptrack_print 5)
		[ "$ms" = NA ] && [ "$hs" = NA ] && continue
		echo "| $wl | $ev | $(fmt %.2f "$ms") | $(fmt %.2f "$(calc 'b / a / 1e6' "$ms" "$ev")") | $(fmt %.0f "$(calc 'a / 1024' "$mr")") | $(fmt %.2f "$hs") | $(fmt %.2f "$(calc 'b / a / 1e6' "$hs" "$ev")") | $(fmt %.0f "$(calc 'a / 1024' "$hr")") |"
	done
} >"$TMP/loads.md"

{
	echo "| size | events | mtrec ns/event | mtrec --no-stacks ns/event | heaptrack ns/event | mtrec marginal ns/event | mtrec CPU ns/event |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
	pe=NA pw=NA
	for wl in $SCALING; do
		[ -n "${EVENTS[$wl]:-}" ] || continue
		ev=${EVENTS[$wl]}
		w=$(calc 'b - a' "$(med "$wl" native 4)" "$(med "$wl" mtrec 4)")
		marg=$(calc '(b - a) / (d - c) * 1e9' "$pw" "$w" "$pe" "$ev")
		echo "| $wl | $ev | $(fmt %.0f "$(extra "$wl" mtrec)") | $(fmt %.0f "$(extra "$wl" mtrec-ns)") | $(fmt %.0f "$(extra "$wl" heaptrack)") | $(fmt %.0f "$marg") | $(fmt %.0f "$(COL=5 extra "$wl" mtrec)") |"
		pe=$ev pw=$w
	done
} >"$TMP/scaling.md"

{
	echo "| workload | tool | counts (first repetition) |"
	echo "|---|---|---|"
	for wl in $WORKLOADS; do
		for t in mtrec mtrec-ns mtrec-ss heaptrack memcheck mtrace; do
			[ -n "${COUNTS[$wl,$t]:-}" ] && echo "| $wl | ${LABEL[$t]} | ${COUNTS[$wl,$t]} |"
		done
	done
} >"$TMP/counts.md"

# contention: wall / CPU time of the native single-threaded runs long enough to measure
contention=$(awk '$2 == "native" && $1 != "c2-10M" && $4 != "NA" && $5 >= 0.2 { print $4 / $5 }' "$RUNS" | median)
{
	echo "| workload | tool | extra CPU ns/event in the program | collector CPU ns/event |"
	echo "|---|---|--:|--:|"
	for wl in $WORKLOADS; do
		for t in mtrec mtrec-ns mtrec-ss; do
			[[ " ${W_TOOLS[$wl]} " == *" $t "* ]] || continue
			col=$(med "$wl" "$t" 8) all=$(med "$wl" "$t" 5)
			app=$(calc '(b - d - a) / c * 1e9' "$(med "$wl" native 5)" "$all" "${EVENTS[$wl]}" "$col")
			echo "| $wl | ${LABEL[$t]} | $(fmt %.0f "$app") | $(fmt %.0f "$(calc 'a / b * 1e9' "$col" "${EVENTS[$wl]}")") |"
		done
	done
} >"$TMP/split.md"

# the exit scan: mtrec against mtrec --no-scan (the scan's own cost and trace bytes), and
# memcheck's leak check against none
{
	echo "| | wall s | CPU s | max RSS MiB | trace bytes |"
	echo "|---|--:|--:|--:|--:|"
	if [ -n "${EVENTS[scan]:-}" ]; then
		for t in ${W_TOOLS[scan]}; do
			echo "| ${LABEL[$t]} | $(fmt %.3f "$(med scan "$t" 4)") | $(fmt %.2f "$(med scan "$t" 5)") | $(fmt %.0f "$(calc 'a / 1024' "$(med scan "$t" 6)")") | $(fmt %.0f "$(med scan "$t" 7)") |"
		done
		echo "| **mtrec's scan in the process (SCAN BEGIN to DONE)** | **$(fmt %.3f "$(median <"$TMP/scan_inproc")")** | | | |"
		echo "| **mtrec's scan: mtrec - mtrec --no-scan** | **$(fmt %.3f "$(calc 'b - a' "$(med scan mtrec-nosc 4)" "$(med scan mtrec 4)")")** | **$(fmt %.2f "$(calc 'b - a' "$(med scan mtrec-nosc 5)" "$(med scan mtrec 5)")")** | | **$(fmt %.0f "$(calc 'b - a' "$(med scan mtrec-nosc 7)" "$(med scan mtrec 7)")")** |"
		echo "| memcheck's leak check: --leak-check=full - no | $(fmt %.3f "$(calc 'b - a' "$(med scan vg-noleak 4)" "$(med scan vg-leak 4)")") | $(fmt %.2f "$(calc 'b - a' "$(med scan vg-noleak 5)" "$(med scan vg-leak 5)")") | | |"
		echo "| mtan load of mtrec's trace | $(fmt %.3f "$(lmed scan mtan 4)") | | $(fmt %.0f "$(calc 'a / 1024' "$(lmed scan mtan 5)")") | |"
	fi
} >"$TMP/scan.md"
if [ -n "${EVENTS[scan]:-}" ]; then
	sc=$(calc 'b - a' "$(med scan mtrec-nosc 4)" "$(med scan mtrec 4)")
	echo "| exit scan of 1 GiB live in 1 M blocks takes about a second (<= 1.5 s; mtrec - mtrec --no-scan) | $(fmt %.2f "$sc") s | $(verdict 'a <= 1.5' "$sc") | $(fmt %.2f "$(calc 'b - a' "$(med scan mtrec-nosc 5)" "$(med scan mtrec 5)")") s | |" >>"$TMP/targets.md"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- record formats 2>/dev/null || commit="$commit (with uncommitted changes in record/ or formats/)"
{
	echo "# Benchmarks: mtrec against heaptrack, valgrind and glibc's mtrace"
	echo
	echo "Written by \`make bench\` (bench/run.sh); the numbers below are from a real run."
	echo
	echo "- date: $START, $(calc '(b - a) / 60' "$T_START" "$T_END" | xargs printf '%.1f') minutes"
	echo "- machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "- load average at start $LOAD_START, at end $LOAD_END (other jobs share this machine)"
	[ "$contention" != NA ] && echo "- contention: native single-threaded runs took $(fmt %.2f "$contention") times their CPU time in wall time (median; about 1.0 on an idle machine)"
	echo "- mtrec commit $commit; $(ldd --version 2>&1 | head -n 1)"
	echo "- competitors: $(heaptrack --version 2>/dev/null | head -n 1 || echo 'heaptrack absent'); $(valgrind --version 2>/dev/null || echo 'valgrind absent'); mtrace via ${MALLOC_DEBUG:-absent} + mtrace-on.so"
	echo "- $REPS repetitions of every run, tools alternating within a repetition, and $((FAST_REPS - REPS)) more of"
	echo "  native, mtrec and heaptrack (the quick ones); medians; spread = (max - min) / median wall"
	echo
	echo "Events are allocations + frees counted in mtrec's trace (\`mtdump -c\`); a realloc is"
	echo "one free and one allocation. Extra ns/event = (tool's median wall time - native's) /"
	echo "events; the wall time is the whole command's (mtrec's includes its collector"
	echo "finishing the file, heaptrack's its interpreter). CPU is user + system of the command"
	echo "and its children (mtrec's collector, heaptrack's interpreter): total work, which is"
	echo "steadier than wall time when other jobs share the machine, and is given as a cross-check."
	echo "Trace bytes: mtrec's .zst, heaptrack's .zst, mtrace's text file."
	echo
	echo "## Targets"
	echo
	cat "$TMP/targets.md"
	echo
	echo "## Recording"
	echo
	cat "$TMP/table.md"
	echo
	echo "## mtrec's CPU: in the program against in the collector"
	echo
	echo "The program's share is what slows it down on an idle machine (the collector has a core"
	echo "of its own there); on a busy one both count. From \`MTREC_DEBUG=1\` (medians; CPU times"
	echo "are counted in 10 ms ticks, so short runs are coarse)."
	echo
	cat "$TMP/split.md"
	echo
	echo "## Scaling (churn, 1 thread): extra ns per event by size"
	echo
	cat "$TMP/scaling.md"
	echo
	echo "## Loading: mtan load against heaptrack_print (median wall, peak RSS)"
	echo
	cat "$TMP/loads.md"
	echo
	if [ -n "${EVENTS[scan]:-}" ]; then
		echo "## The exit scan"
		echo
		echo "\`scanheap $SCAN_BLOCKS 1024\` (bench/scanheap.c) leaves $SCAN_BLOCKS blocks of 1 KiB live at exit, one"
		echo "list $SCAN_BLOCKS blocks deep from a global, the other words data; every block is still"
		echo "reachable. The scan's cost is mtrec's median against mtrec --no-scan's, in the same"
		echo "run, and the time between its first and last SCAN records (BEGIN and DONE, the scan"
		echo "in the process, without what the collector and mtan do with its words); memcheck's is"
		echo "its --leak-check=full against --leak-check=no (medians)."
		echo
		cat "$TMP/scan.md"
		if [ -n "$SCAN_SAID" ]; then
			echo
			echo "mtrec (MTREC_DEBUG=1) on the first run:"
			echo
			echo '```'
			echo "$SCAN_SAID"
			echo '```'
		fi
		echo
	fi
	echo "## Event counts seen by each tool"
	echo
	echo "memcheck frees what glibc keeps until exit (\`__libc_freeres\`), so it can count a few"
	echo "more frees than the program made; heaptrack counts allocations only. perl copies its"
	echo "environment into %ENV, so each tool's own variables (LD_PRELOAD, MTREC_SHM, MTREC_DEBUG,"
	echo "MALLOC_TRACE; heaptrack removes its own) move its counts by a few allocations."
	echo
	cat "$TMP/counts.md"
	echo
	echo "## Workloads"
	echo
	for wl in $WORKLOADS; do echo "- $wl: ${W_DESC[$wl]}"; done
	echo
	echo "<details><summary>Every run (workload, tool, repetition, wall s, CPU s, max RSS KiB, trace bytes, mtrec collector CPU s)</summary>"
	echo
	echo '```'
	cat "$RUNS"
	echo '```'
	echo "</details>"
} >"$REPORT"

mkdir -p "$(dirname "$RESULTS")" && cp "$REPORT" "$RESULTS" || die "cannot write '$RESULTS'"
# the first answer (mtan leaks against heaptrack_print, multi-process, memory, database
# size): a section of its own, added to the file just written
if [ "${BENCH_LOAD:-1}" != 0 ]; then
	: >"$TMP/load.out"
	BENCH_LOAD_CALLED=1 BENCH_RESULTS=$RESULTS "$ROOT/bench/load.sh" >"$TMP/load.out" ||
		say "bench: bench/load.sh failed: the first-answer section is missing from '$RESULTS'"
fi
echo
cat "$TMP/table.md"
echo
cat "$TMP/scaling.md"
echo
cat "$TMP/loads.md"
echo
cat "$TMP/targets.md"
[ -s "$TMP/load.out" ] && grep -v "^bench-load: section written" "$TMP/load.out"
echo
echo "bench: results written to '$RESULTS'"

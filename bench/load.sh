#!/usr/bin/env bash
# make bench-load (also the last part of make bench): how long the first answer takes.
# `mtan leaks TRACE` on a fresh trace (no database yet: it loads, then answers) against
# `heaptrack_print FILE` on heaptrack's recording of the same program; multi-process
# traces (gcc, make, git, python through a shell) with a cold and a warm symbol cache;
# mtan's peak RSS against a budget; the database's bytes per event. Writes one section of
# bench/RESULTS.md (between its markers), leaving the rest of the file as it is.
#
# Environment:
#   BENCH_REPS=N        timed loads of every trace (default 3; medians are reported)
#   BENCH_FULL=1 or BENCH_LOAD_FULL=1
#                       also churn at 100 M events (1 and 2 threads)
#   BENCH_QUICK=1       churn sizes divided by 10 (debugging the script); results go to
#                       build/bench/RESULTS.quick.md unless BENCH_RESULTS says otherwise
#   BENCH_ONLY=REGEX    only the workloads whose id matches (c1-1M c2-1M c1-10M c2-10M
#                       c1-100M c2-100M sqlite perl gcc make git python)
#   BENCH_RESULTS=F     the file whose section this writes (default bench/RESULTS.md)
#   BENCH_MTAN=PATH     the mtan to judge (default build/mtan of this tree; the traces are
#                       always this tree's mtrec's)
#   BENCH_LOAD_BLOCK_BYTES=N
#                       the bookkeeping a live block may cost the loader (default 64)
# Needs: make all build/bench/churn (make bench-load builds them).
set -u
export LC_ALL=C
# the same perl calls under both recorders (see run.sh)
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
REPS=${BENCH_REPS:-3}
QUICK=${BENCH_QUICK:-0}
FULL=0
[ "${BENCH_FULL:-0}" = 1 ] && FULL=1
[ "${BENCH_LOAD_FULL:-0}" = 1 ] && FULL=1
ONLY=${BENCH_ONLY:-}
PER_BLOCK=${BENCH_LOAD_BLOCK_BYTES:-64}
BASE_MIB=256
if [ "$QUICK" = 1 ]; then
	RESULTS=${BENCH_RESULTS:-$B/bench/RESULTS.quick.md}
else
	RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
fi

say() { printf '%s\n' "$*" >&2; }
die() { say "bench-load: $*"; exit 1; }

for v in "BENCH_REPS=$REPS" "BENCH_LOAD_BLOCK_BYTES=$PER_BLOCK"; do
	case ${v#*=} in '' | *[!0-9]* | 0) die "${v%%=*} must be a positive number, not '${v#*=}'" ;; esac
done
MTREC=$B/mtrec
MTAN=${BENCH_MTAN:-$B/mtan}
CHURN=$B/bench/churn
for f in "$MTREC" "$B/libmtrec.so" "$MTAN" "$CHURN"; do
	[ -e "$f" ] || die "'$f' is missing: run 'make bench-load' (or make it first)"
done
[ -x /usr/bin/time ] || "$ROOT/tools/deps.sh" time || die "GNU time (/usr/bin/time) is needed: apt-get install time"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mtrec-bench-load.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# --- the tools: a missing one is skipped, with a message ----------------------------------
HEAPTRACK=$(command -v heaptrack || true)
HT_PRINT=$(command -v heaptrack_print || true)
if [ -z "$HEAPTRACK" ] || [ -z "$HT_PRINT" ]; then
	say "bench-load: heaptrack or heaptrack_print is not installed (Debian: apt-get install heaptrack): mtan alone, no ratios"
	HEAPTRACK="" HT_PRINT=""
fi
have() { # PROGRAM WORKLOAD: is PROGRAM installed? says so once when not
	command -v "$1" >/dev/null && return 0
	say "bench-load: '$1' is not installed: skipping the $2 workload"
	return 1
}

# --- the workloads ------------------------------------------------------------------------
# id -> description, the directory it runs in, a command that readies that directory before
# each recording, the command (words quoted for eval), its stdin; kind fa (first answer
# against heaptrack_print) or mp (multi-process: cold and warm symbol cache, <= 1 s)
declare -A W_DESC W_DIR W_PREP W_CMD W_IN W_KIND
WORKLOADS=""
add() { # ID KIND DESC DIR PREP STDIN COMMAND...
	local id=$1
	[ -n "$ONLY" ] && ! [[ $id =~ $ONLY ]] && return 0
	W_KIND[$id]=$2 W_DESC[$id]=$3 W_DIR[$id]=$4 W_PREP[$id]=$5 W_IN[$id]=$6
	shift 6
	W_CMD[$id]=$(printf '%q ' "$@")
	WORKLOADS="$WORKLOADS $id"
}
D=1
[ "$QUICK" = 1 ] && D=10
churn() { # ID THREADS EVENTS: churn makes THREADS x (2 x iterations + 128) events
	local its=$(($3 / D / 2 / $2)) ev=$(($3 / D)) e
	if [ $ev -ge 1000000 ]; then e="$((ev / 1000000)) M"; else e="$((ev / 1000))k"; fi
	add "$1" fa "churn, $2 thread$([ "$2" = 1 ] || echo s) x $its iterations (~$e events)" "$TMP" : /dev/null \
		"$CHURN" "$2" "$its"
}
churn c1-1M 1 1000000
churn c2-1M 2 1000000
churn c1-10M 1 10000000
churn c2-10M 2 10000000
if [ "$FULL" = 1 ]; then
	churn c1-100M 1 100000000
	churn c2-100M 2 100000000
fi
have sqlite3 sqlite && add sqlite fa "sqlite3 shell running bench/workload.sql (in-memory database)" "$TMP" : \
	"$ROOT/bench/workload.sql" "$(command -v sqlite3)"
have perl perl && add perl fa "perl running bench/workload.pl" "$TMP" : /dev/null "$(command -v perl)" "$ROOT/bench/workload.pl"

# multi-process: each in a directory of its own, made ready before each recording
if have gcc gcc; then
	mkdir -p "$TMP/gcc"
	printf '#include <stdio.h>\n\nint main(void)\n{\n\tputs("hello");\n\treturn 0;\n}\n' >"$TMP/gcc/hello.c"
	add gcc mp "gcc -O2 -c hello.c" "$TMP/gcc" "rm -f hello.o" /dev/null gcc -O2 -c hello.c
fi
if have make make && have gcc make; then
	mkdir -p "$TMP/make"
	for n in a b c; do
		printf 'int %s(int x);\nint %s(int x)\n{\n\treturn x * %d + 1;\n}\n' "$n" "$n" "${#n}" >"$TMP/make/$n.c"
	done
	printf '#include <stdio.h>\nint a(int), b(int), c(int);\nint main(void)\n{\n\tprintf("%%d\\n", a(1) + b(2) + c(3));\n\treturn 0;\n}\n' >"$TMP/make/main.c"
	printf 'CFLAGS = -O2\nprog: main.o a.o b.o c.o\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n' >"$TMP/make/Makefile"
	add make mp "make -j2 of a Makefile with 4 C files (main.c a.c b.c c.c; gcc -O2, then a link)" "$TMP/make" \
		"rm -f prog *.o" /dev/null make -j2
fi
if have git git; then
	mkdir -p "$TMP/git"
	# HOME in the directory: no user's git configuration; the identity on the command line
	add git mp "git init, add, commit, log in a new repository (one sh -c script)" "$TMP/git" "rm -rf repo" /dev/null \
		env HOME="$TMP/git" GIT_CONFIG_NOSYSTEM=1 sh -c 'git init -q repo && cd repo && echo hello >README &&
		git add README && git -c user.name=bench -c user.email=bench@example.invalid commit -q -m first &&
		git log --oneline'
fi
if have python3 python; then
	mkdir -p "$TMP/python"
	# Debian's python3 first: a version manager's shim (pyenv) would add its own processes
	pypath=$PATH
	[ -x /usr/bin/python3 ] && pypath=/usr/bin:/bin
	add python mp "sh -c 'python3 -c \"import json,re\"' ($(PATH=$pypath command -v python3))" "$TMP/python" : /dev/null \
		env PATH="$pypath" sh -c 'python3 -c "import json,re"'
fi
if [ -z "$WORKLOADS" ]; then
	# from make bench (run.sh), a selection of its own workloads only is not an error
	[ "${BENCH_LOAD_CALLED:-0}" = 1 ] && { say "bench-load: no load workload matches BENCH_ONLY='$ONLY': none run"; exit 0; }
	die "no workload matches BENCH_ONLY='$ONLY'"
fi

# --- statistics -----------------------------------------------------------------------------
now() { echo "${EPOCHREALTIME/,/.}"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# arithmetic with NA propagation: calc 'EXPR' A [B [C [D]]] (a, b, c, d in EXPR); NA when any is
calc() {
	local e=$1
	shift
	awk -v n=$# -v a="${1-0}" -v b="${2-0}" -v c="${3-0}" -v d="${4-0}" \
		"BEGIN { if ((n > 0 && a == \"NA\") || (n > 1 && b == \"NA\") || (n > 2 && c == \"NA\") || (n > 3 && d == \"NA\")) print \"NA\"; else print $e }"
}
fmt() { # PRINTF-FORMAT VALUE
	if [ "$2" = NA ]; then echo "-"; else printf "$1" "$2"; fi
}
verdict() { # OK-EXPRESSION VALUES... -> PASS/FAIL/n/a
	local r
	r=$(calc "($1) ? \"PASS\" : \"FAIL\"" "${@:2}")
	[ "$r" = NA ] && r="n/a (not measured)"
	echo "$r"
}

# --- recording ------------------------------------------------------------------------------
declare -A TRACE HTFILE
# runs COMMAND... in WL's directory, readied first, with WL's stdin; output to OUT.*
in_dir() { # WL OUT COMMAND...
	local wl=$1 out=$2
	shift 2
	(cd "${W_DIR[$wl]}" && eval "${W_PREP[$wl]}" && "$@" <"${W_IN[$wl]}" >"$out.out" 2>"$out.err")
}
record() { # WL
	local wl=$1 out=$TMP/rec.$1 f rc
	local -a cmd
	eval "cmd=(${W_CMD[$wl]})"
	if in_dir "$wl" "$out" "$MTREC" -q -o "$TMP/$wl.zst" -- "${cmd[@]}"; then
		TRACE[$wl]=$TMP/$wl.zst
	else
		rc=$?
		say "bench-load: 'mtrec' failed recording $wl (exit $rc); its last lines:"
		echo "$wl mtrec recording (exit $rc: $(tail -n 1 "$out.err" | cut -c1-100))" >>"$FAILED"
		tail -n 5 "$out.err" | sed 's/^/    /' >&2
		rm -f "$TMP/$wl.zst"
	fi
	[ -n "$HEAPTRACK" ] || return 0
	if in_dir "$wl" "$out" "$HEAPTRACK" -o "$TMP/$wl.ht" "${cmd[@]}"; then
		for f in "$TMP/$wl".ht.*; do [ -e "$f" ] && HTFILE[$wl]=$f; done
		[ -n "${HTFILE[$wl]:-}" ] || say "bench-load: heaptrack left no file for $wl"
	else
		rc=$?
		say "bench-load: 'heaptrack' failed recording $wl (exit $rc); its last lines:"
		echo "$wl heaptrack recording (exit $rc: $(tail -n 1 "$out.err" | cut -c1-100))" >>"$FAILED"
		tail -n 5 "$out.err" | sed 's/^/    /' >&2
		rm -f "$TMP/$wl".ht.*
	fi
}

# --- loading --------------------------------------------------------------------------------
# Every timed run appends "workload tool rep wall_s cpu_s maxrss_kb db_bytes" to runs.tsv;
# tool: cold (mtan leaks, empty symbol cache), warm (mtan leaks, the cache the cold run
# left), htp (heaptrack_print). A failed run is reported and not written.
RUNS=$TMP/runs.tsv
: >"$RUNS"
FAILED=$TMP/failed
: >"$FAILED"
declare -A NAME=([cold]="mtan leaks (cold cache)" [warm]="mtan leaks (warm cache)" [htp]="heaptrack_print")
fresh() { rm -f "$1.db" "$1.db-"* "$1.db.tmp."*; } # TRACE: no database, as after mtrec
timed() { # WL TOOL REP COMMAND...: runs it with /usr/bin/time; 0 when it succeeded
	local wl=$1 tool=$2 rep=$3 t0 t1 rc u s rss
	shift 3
	t0=$(now)
	/usr/bin/time -f '%U %S %M' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	t1=$(now)
	if [ $rc != 0 ]; then
		say "bench-load: '${NAME[$tool]}' failed on $wl (rep $rep, exit $rc): not counted; its last lines:"
		tail -n 5 "$TMP/err" | sed 's/^/    /' >&2
		echo "$wl ${NAME[$tool]} rep $rep (exit $rc: $(tail -n 1 "$TMP/err" | cut -c1-100))" >>"$FAILED"
		return 1
	fi
	read -r u s rss < <(tail -n 1 "$TMP/time")
	TIMED="$wl $tool $rep $(calc 'b - a' "$t0" "$t1") $(calc 'a + b' "$u" "$s") $rss"
	return 0
}
load_mtan() { # WL TOOL REP CACHEDIR
	local wl=$1 tr=${TRACE[$1]} db f
	fresh "$tr" # cold or warm, the database is never there: only the symbol cache differs
	timed "$wl" "$2" "$3" env XDG_CACHE_HOME="$4" "$MTAN" leaks "$tr" || return 0
	db=0
	for f in "$tr.db" "$tr.db-wal"; do [ -e "$f" ] && db=$((db + $(stat -c %s "$f"))); done
	echo "$TIMED $db" >>"$RUNS"
}
load_htp() { # WL REP
	[ -n "${HTFILE[$1]:-}" ] || return 0
	timed "$1" htp "$2" "$HT_PRINT" "${HTFILE[$1]}" && echo "$TIMED NA" >>"$RUNS"
	return 0
}

# what the loaded database says of the trace: events, processes (pids, starts), the
# whole trace's peak of live bytes and the blocks live then (and their bytes, a check)
declare -A EVENTS PIDS STARTS PEAK_BYTES PEAK_BLOCKS PEAK_SUM
facts() { # WL
	local wl=$1 tr=${TRACE[$1]} row
	row=$(XDG_CACHE_HOME=$TMP/xdg.facts "$MTAN" sql --format csv "$tr" \
		"select (select value from meta where key = 'loaded_events'),
			(select count(distinct pid) from processes), (select count(*) from processes),
			(select peak_bytes from peaks where pid is null and device is null and space is null)" 2>"$TMP/err" | tail -n 1)
	if [ -z "$row" ] || [[ $row == \"* ]]; then
		say "bench-load: 'mtan sql' cannot read the database of $wl: $(head -n 1 "$TMP/err")"
		return 0
	fi
	IFS=, read -r EVENTS[$wl] PIDS[$wl] STARTS[$wl] PEAK_BYTES[$wl] <<<"$row"
	row=$(XDG_CACHE_HOME=$TMP/xdg.facts "$MTAN" sql --format csv "$tr" \
		"select count(*), coalesce(sum(l.size), 0) from lifetimes l, peaks p
			where p.pid is null and p.device is null and p.space is null
			and l.alloc_seq <= p.peak_seq and (l.end_seq is null or l.end_seq > p.peak_seq)" 2>"$TMP/err" | tail -n 1)
	[ -n "$row" ] && [[ $row != \"* ]] && IFS=, read -r PEAK_BLOCKS[$wl] PEAK_SUM[$wl] <<<"$row"
	return 0
}

# --- the runs -------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T_START=$(now)
say "bench-load: $REPS timed loads of each trace; workloads:$WORKLOADS; load average $LOAD_START on $(nproc) CPUs; temporary files in $TMP"
for wl in $WORKLOADS; do
	say "bench-load: $wl: ${W_DESC[$wl]} ($(date +%T))"
	record "$wl"
	[ -n "${TRACE[$wl]:-}" ] || continue
	for rep in $(seq "$REPS"); do
		# an empty symbol cache for the cold load; the warm one reuses what it left
		cache=$TMP/xdg.$wl.$rep
		rm -rf "$cache" && mkdir -p "$cache"
		load_mtan "$wl" cold "$rep" "$cache"
		[ "${W_KIND[$wl]}" = mp ] && load_mtan "$wl" warm "$rep" "$cache"
		load_htp "$wl" "$rep"
		rm -rf "$cache"
	done
	facts "$wl"
	fresh "${TRACE[$wl]}"
	rm -f "${TRACE[$wl]}" "${HTFILE[$wl]:-}"
done
T_END=$(now)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# median of column COL (4 wall, 5 cpu, 6 rss KiB, 7 db bytes) of TOOL's runs on WL
med() { awk -v w="$1" -v t="$2" -v c="$3" '$1 == w && $2 == t { print $c }' "$RUNS" | median; }
nruns() { awk -v w="$1" -v t="$2" '$1 == w && $2 == t' "$RUNS" | wc -l; }
mib() { fmt %.0f "$(calc 'a / 1024' "$1")"; } # KiB -> MiB
is_churn() { [[ $1 == c[12]-* ]]; }

# --- the tables -------------------------------------------------------------------------------
{
	echo "| workload | events | runs | mtan leaks s | heaptrack_print s | time ratio mtan/heaptrack_print | mtan <= heaptrack_print | mtan CPU s | heaptrack_print CPU s | CPU ratio | mtan peak RSS MiB | heaptrack_print peak RSS MiB | RSS ratio |"
	echo "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|"
	for wl in $WORKLOADS; do
		[ "${W_KIND[$wl]}" = fa ] || continue
		if [ -z "${TRACE[$wl]:-}" ]; then
			echo "| $wl | - | 0 | recording failed | | | | | | | | | |"
			continue
		fi
		mw=$(med "$wl" cold 4) hw=$(med "$wl" htp 4) mr=$(med "$wl" cold 6) hr=$(med "$wl" htp 6)
		mc=$(med "$wl" cold 5) hc=$(med "$wl" htp 5)
		echo "| $wl | ${EVENTS[$wl]:--} | $(nruns "$wl" cold) | $(fmt %.2f "$mw") | $(fmt %.2f "$hw") | $(fmt %.2f "$(calc 'a / b' "$mw" "$hw")") | $(verdict 'a <= b' "$mw" "$hw") | $(fmt %.2f "$mc") | $(fmt %.2f "$hc") | $(fmt %.2f "$(calc 'a / b' "$mc" "$hc")") | $(mib "$mr") | $(mib "$hr") | $(fmt %.1f "$(calc 'a / b' "$mr" "$hr")") |"
	done
} >"$TMP/first.md"

{
	echo "| workload | processes (pids / images) | events | runs | mtan leaks s, cold cache | <= 1 s | mtan leaks s, warm cache | <= 1 s | mtan CPU s cold / warm | mtan peak RSS MiB | heaptrack_print s (launched process only) |"
	echo "|---|--:|--:|--:|--:|---|--:|---|--:|--:|--:|"
	for wl in $WORKLOADS; do
		[ "${W_KIND[$wl]}" = mp ] || continue
		if [ -z "${TRACE[$wl]:-}" ]; then
			echo "| $wl | - | - | 0 | recording failed | | | | | | |"
			continue
		fi
		cw=$(med "$wl" cold 4) ww=$(med "$wl" warm 4)
		echo "| $wl | ${PIDS[$wl]:--} / ${STARTS[$wl]:--} | ${EVENTS[$wl]:--} | $(nruns "$wl" cold) | $(fmt %.2f "$cw") | $(verdict 'a <= 1' "$cw") | $(fmt %.2f "$ww") | $(verdict 'a <= 1' "$ww") | $(fmt %.2f "$(med "$wl" cold 5)") / $(fmt %.2f "$(med "$wl" warm 5)") | $(mib "$(med "$wl" cold 6)") | $(fmt %.2f "$(med "$wl" htp 4)") |"
	done
} >"$TMP/multi.md"

# memory: peak RSS <= 256 MiB + blocks live at the trace's peak x PER_BLOCK bytes
{
	echo "| workload | events | blocks live at peak | live MiB at peak | mtan peak RSS MiB | budget MiB | RSS <= budget | RSS bytes/event |"
	echo "|---|--:|--:|--:|--:|--:|---|--:|"
	for wl in $WORKLOADS; do
		[ -n "${TRACE[$wl]:-}" ] || continue
		r=$(med "$wl" cold 6) ev=${EVENTS[$wl]:-NA} blk=${PEAK_BLOCKS[$wl]:-NA}
		budget=$(calc "a * $PER_BLOCK / 1024 + $BASE_MIB * 1024" "$blk") # KiB
		echo "| $wl | $ev | $blk | $(fmt %.1f "$(calc 'a / 1048576' "${PEAK_BYTES[$wl]:-NA}")") | $(mib "$r") | $(mib "$budget") | $(verdict 'a <= b' "$r" "$budget") | $(fmt %.0f "$(calc 'a * 1024 / b' "$r" "$ev")") |"
	done
} >"$TMP/memory.md"
# extrapolated to 1 G events along each churn series: the two largest sizes loaded, linear
extrapolate=""
for t in 1 2; do
	pe=NA pr=NA le=NA lr=NA lw=""
	for s in 1M 10M 100M; do
		wl=c$t-$s
		[ -n "${TRACE[$wl]:-}" ] && [ -n "${EVENTS[$wl]:-}" ] || continue
		r=$(med "$wl" cold 6)
		[ "$r" = NA ] && continue
		pe=$le pr=$lr le=${EVENTS[$wl]} lr=$r lw=$wl
	done
	[ "$pe" = NA ] && continue
	slope=$(calc '(b - a) * 1024 / (d - c)' "$pr" "$lr" "$pe" "$le") # bytes/event
	at1g=$(calc "(a * 1024 + b * (1e9 - c)) / 1048576" "$lr" "$slope" "$le")
	budget=$(calc "$BASE_MIB + a * $PER_BLOCK / 1048576" "${PEAK_BLOCKS[$lw]:-NA}")
	extrapolate="$extrapolate- churn, $t thread$([ $t = 1 ] || echo s): $(fmt %.0f "$slope") bytes of RSS per extra event, so about **$(fmt %.0f "$at1g") MiB at 1 G events** against a budget of $(fmt %.0f "$budget") MiB (the blocks live at peak do not grow with the run): $(verdict 'a <= b' "$at1g" "$budget")
"
done

{
	echo "| workload | events | TRACE.db bytes | bytes/event | <= 24 B/event |"
	echo "|---|--:|--:|--:|---|"
	for wl in $WORKLOADS; do
		[ -n "${TRACE[$wl]:-}" ] && [ "${W_KIND[$wl]}" = fa ] || continue
		z=$(med "$wl" cold 7) ev=${EVENTS[$wl]:-NA}
		bpe=$(calc 'a / b' "$z" "$ev")
		v="(not a target)"
		is_churn "$wl" && v=$(verdict 'a <= 24' "$bpe")
		echo "| $wl | $ev | $(fmt %.0f "$z") | $(fmt %.1f "$bpe") | $v |"
	done
} >"$TMP/dbsize.md"

# --- the section ------------------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- analyze formats queries 2>/dev/null || commit="$commit (with uncommitted changes in analyze/, formats/ or queries/)"
BEGIN_MARK="<!-- bench/load.sh: begin (make bench-load rewrites this section) -->"
END_MARK="<!-- bench/load.sh: end -->"
SECTION=$TMP/section.md
rows() { [ "$(wc -l <"$1")" -gt 2 ]; } # a table with rows under its header
{
	echo "$BEGIN_MARK"
	echo "## First answer: \`mtan leaks\` on a fresh trace against \`heaptrack_print\`"
	echo
	echo "Written by \`make bench-load\` (bench/load.sh; also the end of \`make bench\`); to"
	echo "reproduce: \`make bench-load\` (\`BENCH_REPS=N\`, \`BENCH_LOAD_FULL=1\` for churn at"
	echo "100 M events, \`BENCH_ONLY=REGEX\` for some of the workloads listed below). Each program is"
	echo "recorded once by mtrec and once by heaptrack; then, $REPS time$([ "$REPS" = 1 ] || echo s), \`mtan leaks TRACE\`"
	echo "with no database beside the trace (removed before every run: the load is timed, then"
	echo "the answer) and \`heaptrack_print FILE\`, alternating. Medians of wall time, CPU"
	echo "(user + system) and peak RSS (GNU time's maximum resident set of the command). The"
	echo "symbol cache (\`\$XDG_CACHE_HOME/mtan\`) is an empty directory for every cold load; a"
	echo "warm load reuses the directory the cold load before it filled. Events and processes"
	echo "come from the loaded database (\`meta.loaded_events\`, \`processes\`)."
	echo
	echo "- date: $START, $(calc '(b - a) / 60' "$T_START" "$T_END" | xargs printf '%.1f') minutes$([ "$QUICK" = 1 ] && echo ' (BENCH_QUICK: churn sizes / 10)')"
	echo "- machine: $(nproc) CPUs (nproc), $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "- load average at start $LOAD_START, at end $LOAD_END (1, 5, 15 minutes). Other jobs share this machine: with a load above nproc every wall time is stretched (the verdicts are by wall time), so compare the CPU columns too"
	echo "- mtan commit $commit; $(heaptrack --version 2>/dev/null | head -n 1 || echo 'heaptrack absent')"
	if [ -s "$FAILED" ]; then
		echo "- failed, not counted (the runs column counts the rest):"
		sed 's/^/  - /' "$FAILED"
	fi
	echo
	if rows "$TMP/first.md"; then
		echo "### Single process: target mtan <= heaptrack_print (cold symbol cache)"
		echo
		cat "$TMP/first.md"
		echo
	fi
	if rows "$TMP/multi.md"; then
		echo "### Multi-process: target <= 1 s each"
		echo
		echo "heaptrack follows only the process it starts (its preload is not passed on), so its"
		echo "column is a reference, not the same run: gcc's driver, make, sh."
		echo
		cat "$TMP/multi.md"
		echo
	fi
	echo "### Memory: target mtan's peak RSS <= $BASE_MIB MiB + $PER_BLOCK B per block live at the trace's peak"
	echo
	echo "The blocks live at the trace's peak (\`peaks\`, whole trace) are counted in \`lifetimes\`"
	echo "(allocated at or before \`peak_seq\`, not yet ended); their bytes are the peak's live bytes."
	echo "$PER_BLOCK B per block is the bookkeeping a loader needs for a live block (address, size,"
	echo "stack, seq, its place in a table); the $BASE_MIB MiB is for everything else."
	echo
	cat "$TMP/memory.md"
	echo
	if [ -n "$extrapolate" ]; then
		echo "Extrapolated to 1 G events (linear through the two largest churn sizes loaded):"
		echo
		printf '%s' "$extrapolate"
		echo
	fi
	if rows "$TMP/dbsize.md"; then
		echo "### Database size: target TRACE.db <= 24 bytes per event on churn"
		echo
		cat "$TMP/dbsize.md"
		echo
	fi
	echo "Workloads:"
	echo
	for wl in $WORKLOADS; do echo "- $wl: ${W_DESC[$wl]}"; done
	echo
	echo "<details><summary>Every timed run (workload, tool, repetition, wall s, CPU s, peak RSS KiB, TRACE.db bytes; cold/warm: mtan leaks, htp: heaptrack_print)</summary>"
	echo
	echo '```'
	cat "$RUNS"
	echo '```'
	echo "</details>"
	echo "$END_MARK"
} >"$SECTION"

# into RESULTS: in place of the section a run before wrote; else after "## Loading", before
# the next heading; else at the end
mkdir -p "$(dirname "$RESULTS")" || die "cannot write '$RESULTS'"
[ -e "$RESULTS" ] || : >"$RESULTS" || die "cannot write '$RESULTS'"
awk -v sec="$SECTION" -v b="$BEGIN_MARK" -v e="$END_MARK" '
	function put() { while ((getline l < sec) > 0) print l; print ""; done = 1 }
	{ lines[NR] = $0; if ($0 == b) hb = 1 }
	END {
		for (i = 1; i <= NR; i++) {
			if (hb) {
				if (lines[i] == b) { put(); skip = 1; continue }
				if (skip) { if (lines[i] == e) { skip = 0; if (lines[i + 1] == "") i++ } continue }
			} else if (!done && lines[i] ~ /^## Loading/) {
				loading = 1
			} else if (!done && loading && lines[i] ~ /^## /) {
				put()
			}
			print lines[i]
		}
		if (!done) { if (NR) print ""; put() }
	}' "$RESULTS" >"$TMP/results.md" || die "cannot write '$RESULTS'"
cp "$TMP/results.md" "$RESULTS" || die "cannot write '$RESULTS'"

for t in first multi memory dbsize; do
	rows "$TMP/$t.md" && { echo; cat "$TMP/$t.md"; }
	[ $t = memory ] && [ -n "$extrapolate" ] && printf '\n%s' "$extrapolate"
done
echo
echo "bench-load: load average at start $LOAD_START, at end $LOAD_END on $(nproc) CPUs"
echo "bench-load: section written to '$RESULTS'"

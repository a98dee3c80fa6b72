#!/bin/bash
# Runs every test: the unit test binaries (built with ASan+UBSan) and the end-to-end CLI
# scripts in tests/e2e/, each in a scratch directory. Each reports cases as lines
# "ok NAME" / "FAIL NAME"; a program that dies or exits non-zero without a FAIL line
# counts as one failure. A line "skip NAME" is a check that cannot run here (its package
# truly cannot be installed), counted apart. Ends with "N passed, N failed, N skipped".
#
# Scripts run side by side, TEST_JOBS at a time (default: the number of CPUs), the slow
# ones started first; each is independent (its own scratch directory and symbol cache),
# and each reports in the order of the list below whatever order they finish in.
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
export MTREC="$top/build/mtrec" MTAN="$top/build/asan/mtan" MTAN_PLAIN="$top/build/mtan"
export SAMPLES="$top/build/samples" TOP="$top"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: TEST_JOBS must be a positive number, not '$jobs'"; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run_one INDEX NAME COMMAND...: the test's output into $out/INDEX.log, then its exit status
# and seconds into $out/INDEX.rc
run_one() {
	local i=$1 name=$2; shift 2
	local scratch; scratch=$(mktemp -d)
	local t0=$SECONDS
	# each test its own symbol cache: none reads or writes the user's (~/.cache/mtan)
	(cd "$scratch" && XDG_CACHE_HOME="$scratch/.cache" "$@") >"$out/$i.log" 2>&1
	echo "$? $((SECONDS - t0))" >"$out/$i.rc"
	rm -rf "$scratch"
}

names=() cmds=()
for t in build/asan/test_*; do
	[ -x "$t" ] || continue
	names+=("$(basename "$t")"); cmds+=("$top/$t")
done
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	names+=("$(basename "$t" .sh)"); cmds+=("bash $top/$t")
done
# the scripts that take longest first, so that no long one starts last and runs alone
# (their names only: a script missing from the list just starts after them)
slow="recorder analyses damaged report oracle databases growth recdefects mtan_cli export_import"
order=()
for s in $slow; do
	for i in "${!names[@]}"; do [ "${names[$i]}" = "$s" ] && order+=("$i"); done
done
for i in "${!names[@]}"; do
	[[ " $slow " == *" ${names[$i]} "* ]] || order+=("$i")
done

running=0
for i in "${order[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	# shellcheck disable=SC2086 # a command and its script path
	run_one "$i" "${names[$i]}" ${cmds[$i]} &
	running=$((running + 1))
done
wait

pass=0 fail=0 skipped=0
failed_names=()
for i in "${!names[@]}"; do
	name=${names[$i]} log=$out/$i.log
	read -r rc secs <"$out/$i.rc" 2>/dev/null || { rc=1; secs=0; }
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^skip ' "$log")
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name (exit $rc)" >>"$log"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		echo "--- $name"; grep -v '^ok ' "$log" | tail -40
		failed_names+=("$name")
	else
		echo "$name: $p passed$([ "$s" -gt 0 ] && echo ", $s skipped: $(grep '^skip ' "$log" | head -1 | cut -c6-)") ($secs s)"
	fi
done
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]

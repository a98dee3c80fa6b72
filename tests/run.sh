#!/bin/bash
# Runs every test: the unit test binaries (built with ASan+UBSan) and the end-to-end CLI
# scripts in tests/e2e/, each in a scratch directory. Each reports cases as lines
# "ok NAME" / "FAIL NAME"; a program that dies or exits non-zero without a FAIL line
# counts as one failure. A line "skip NAME" is a check that cannot run here (its package
# truly cannot be installed), counted apart. Ends with "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
export MTREC="$top/build/mtrec" MTAN="$top/build/asan/mtan" MTAN_PLAIN="$top/build/mtan"
export SAMPLES="$top/build/samples" TOP="$top"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0 fail=0 skipped=0
failed_names=()
log=$(mktemp)
run_one() { # name, command...
	local name=$1; shift
	local scratch; scratch=$(mktemp -d)
	local t0=$SECONDS
	# each test its own symbol cache: none reads or writes the user's (~/.cache/mtan)
	(cd "$scratch" && XDG_CACHE_HOME="$scratch/.cache" "$@") >"$log" 2>&1
	local rc=$?
	local p f s
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
		echo "$name: $p passed$([ "$s" -gt 0 ] && echo ", $s skipped: $(grep '^skip ' "$log" | head -1 | cut -c6-)") ($((SECONDS - t0)) s)"
	fi
	rm -rf "$scratch"
}
for t in build/asan/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$top/$t"
done
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" bash "$top/$t"
done
rm -f "$log"
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]

#!/bin/sh
# Runs each fuzzer for a bounded time (`make fuzz`, FUZZ_SECONDS each). New inputs go to
# build/fuzz/work/NAME (the committed corpus in tests/fuzz/corpus/NAME only seeds it);
# crashes, timeouts and out-of-memory inputs are saved as build/fuzz/artifacts/NAME-*.
# Exits 1 when any harness found something: fix it, then copy the file into
# tests/fuzz/regressions/NAME/ so test_fuzz_replay keeps it fixed.
# Usage: tests/fuzz/run.sh SECONDS NAME...
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-60}; shift
found=0
for name in "$@"; do
	work=build/fuzz/work/$name art=build/fuzz/artifacts
	mkdir -p "$work" "$art"
	dict=; [ -f "tests/fuzz/$name.dict" ] && dict=tests/fuzz/$name.dict
	before=$(ls "$art" | grep -c "^$name-")
	echo "fuzz: $name for ${secs}s" >&2
	"build/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$art/$name-" \
		${dict:+-dict="$dict"} "$work" "tests/fuzz/corpus/$name" \
		>"build/fuzz/$name.log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "build/fuzz/$name.log" >&2
	after=$(ls "$art" | grep -c "^$name-")
	if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
		echo "fuzz: $name failed (exit $rc); see build/fuzz/$name.log and:" >&2
		ls "$art" | grep "^$name-" | sed "s|^|  $art/|" >&2
		found=1
	fi
done
exit $found

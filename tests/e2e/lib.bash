# lib.bash: helpers for the end-to-end scripts in tests/e2e/*.sh. Each check prints
# "ok DESC" or "FAIL DESC" (with detail lines after a FAIL) for tests/run.sh to count.
# Scripts run in a scratch directory with MTREC, MTAN, MTAN_PLAIN, SAMPLES and TOP set.

OUT=$PWD/.out ERR=$PWD/.err
# mtan's symbol cache in the scratch directory, never the user's (also when a script is
# run alone, outside tests/run.sh)
export XDG_CACHE_HOME=$PWD/.cache

ok() { echo "ok $1"; }
# skip DESC: a check that cannot run here (a package that cannot be installed); counted
# apart by tests/run.sh
skip() { echo "skip $1"; }
fail() { echo "FAIL $1"; shift; for l in "$@"; do echo "    $l"; done; }
# skip DESC WHY: a check that cannot run here (its tool cannot be installed): counted apart
skip() { echo "skip $1: $2"; }

# check_eq DESC ACTUAL EXPECTED
check_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got:      $2" "expected: $3"; fi
}

# check_ge DESC ACTUAL MIN (integers)
check_ge() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1"; else fail "$1" "got: $2" "expected at least: $3"; fi
}

# check_match DESC REGEX TEXT (extended regex, grep -E)
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else fail "$1" "text:  $(printf '%s' "$3" | head -c 600)" "regex: $2"; fi
}

# check_nomatch DESC REGEX TEXT
check_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then fail "$1" "text:  $(printf '%s' "$3" | head -c 600)" "unexpected: $2"; else ok "$1"; fi
}

# check_rc DESC EXPECTED_RC CMD... : runs CMD with stdout in $OUT and stderr in $ERR
check_rc() {
	local desc=$1 want=$2; shift 2
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc"; else fail "$desc" "exit $rc, expected $want: $*" "stderr: $(head -c 600 "$ERR")"; fi
}

# json_get FILE EXPR: evaluates the python expression EXPR over d = the parsed JSON
# csv_get FILE EXPR: EXPR over rows (csv.DictReader's dicts), printed as JSON
csv_get() {
	python3 -c 'import csv,json,sys; rows=list(csv.DictReader(open(sys.argv[1], newline=""))); r=eval(sys.argv[2]); print(json.dumps(r))' "$1" "$2"
}
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(json.dumps(r) if isinstance(r,(dict,list,bool)) or r is None else r)' "$1" "$2"
}

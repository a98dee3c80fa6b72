# Static analysis: cppcheck over the project's own C, one ok/FAIL line. Findings are fixed,
# or suppressed inline (// cppcheck-suppress ID) on the line before with the reason beside
# it. samples/ is left out: its programs leak and misuse memory on purpose.
# (--library=posix is not used: it flags mmap(..., -1, 0) of anonymous maps and wants the
# deprecated readdir_r. variableScope, a declaration that could move into a block, is
# taste, not a defect.)
. "$TOP/tests/e2e/lib.bash"
if ! command -v cppcheck >/dev/null; then
	fail "cppcheck is installed (make deps installs it)"
	exit 0
fi
(cd "$TOP" && cppcheck --error-exitcode=1 --enable=warning,portability,performance,style --std=c11 \
	--inline-suppr --suppress=variableScope -q -D_GNU_SOURCE -Iformats -Ianalyze -Irecord -Itests/unit -Itests/fuzz \
	formats record analyze tools tests) >"$OUT" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$OUT" ]; then
	ok "cppcheck: formats/ record/ analyze/ tools/ tests/ are clean"
else
	mapfile -t lines < <(grep -E '^[^ ].*:[0-9]+:[0-9]+: ' "$OUT" | head -30)
	fail "cppcheck: formats/ record/ analyze/ tools/ tests/ are clean (exit $rc)" "${lines[@]}"
fi

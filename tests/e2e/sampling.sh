# mtrec --sample-stacks (issue #18): every event recorded exactly, stacks for a byte
# sample; mtan estimates each site's bytes and blocks from it. samples/sampled.c has three
# sites with known totals and leaks; a full-stack run of it is the oracle.
. "$TOP/tests/e2e/lib.bash"
DUMP="$TOP/build/mtdump"
MEAN=4096 # small, so the sample program's sites are estimated to a few percent

# ---- bad sizes: one line, usage exit
for bad in 0 x 5q -1 512kk ''; do
	check_rc "--sample-stacks '$bad': exit 2" 2 "$MTREC" -q -o bad.zst --sample-stacks "$bad" true
	check_eq "--sample-stacks '$bad': one line naming it" "$(wc -l <"$ERR") $(grep -c "^mtrec: invalid sample size '$bad': give bytes" "$ERR")" "1 1"
done
check_rc "--sample-stacks with --free-stacks: refused" 2 "$MTREC" -q --sample-stacks 512k --free-stacks true
check_match "--sample-stacks with --free-stacks: says why" \
	"^mtrec: '--free-stacks' cannot be combined with '--sample-stacks'" "$(cat "$ERR")"
check_match "--help documents --sample-stacks" "--sample-stacks BYTES" "$("$MTREC" --help)"
check_match "the manual page documents --sample-stacks" "--sample-stacks BYTES" "$(MANWIDTH=100 man -l "$TOP/doc/mtrec.1" 2>/dev/null)"
for ok in 512k 1M 1g 3000; do
	check_rc "--sample-stacks $ok is a size" 0 "$MTREC" -q -o ok.zst --sample-stacks $ok true
done

# ---- the trace says the mean
"$MTREC" -q -o full.zst "$SAMPLES/sampled"
"$MTREC" -q -o samp.zst --sample-stacks 4k "$SAMPLES/sampled"
check_eq "the header has the sampled flag and the mean" \
	"$("$MTAN_PLAIN" sql -q samp.zst --format csv "SELECT (SELECT value FROM meta WHERE key = 'flags') & 64, sample_bytes FROM sampling" | tail -1)" "64,$MEAN"
check_eq "a full-stack trace has no mean" \
	"$("$MTAN_PLAIN" sql -q full.zst --format csv "SELECT sample_bytes FROM sampling" | tail -1)" 0

# ---- exact: counts, bytes, leaks and order as the full-stack run's
sumj() { "$MTAN_PLAIN" summary "$1" --format json -q | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["allocs"], d["frees"], d["bytes_allocated"], d["leaked_bytes"], d["leaked_blocks"])'; }
check_eq "sampled: allocs, frees, bytes and leaks equal the full run's" "$(sumj samp.zst)" "$(sumj full.zst)"
check_eq "sampled: the program's known totals" "$(sumj samp.zst)" "110020 84516 46271520 5944304 25504"
check_eq "sampled: the raw counts equal the full run's" "$("$DUMP" -c samp.zst | awk '{print $2, $4, $6}')" \
	"$("$DUMP" -c full.zst | awk '{print $2, $4, $6}')"
check_eq "sampled: no anomaly (every free paired in seq order)" \
	"$("$MTAN_PLAIN" sql -q samp.zst --format csv 'SELECT count(*) FROM anomalies' | tail -1)" 0
stacked=$("$MTAN_PLAIN" sql -q samp.zst --format csv 'SELECT count(alloc_stack) FROM lifetimes' | tail -1)
# expected ~5,000 of 110,020 with a stack (the big blocks always, the 48-byte ones ~1.2%)
check_ge "sampled: some allocations have a stack" "$stacked" 2000
check_eq "sampled: most have none" "$((stacked < 10000))" 1
check_eq "sampled: no free has a stack" \
	"$("$MTAN_PLAIN" sql -q samp.zst --format csv 'SELECT count(free_stack) FROM lifetimes' | tail -1)" 0
check_eq "full: the estimates are the exact figures" \
	"$("$MTAN_PLAIN" sql -q full.zst --format csv 'SELECT count(*) FROM alloc_sites WHERE est_bytes != bytes OR est_allocs != allocs OR est_leaked_bytes != leaked_bytes UNION ALL SELECT count(*) FROM leak_sites WHERE est_bytes != bytes OR est_blocks != blocks' | tail -n +2 | tr '\n' ' ')" "0 0 "

# ---- the estimates: each site's within 4 standard errors of the full run's exact figure.
# The standard error is computed from the full run's blocks: the estimate of a site is
# sum over its sampled blocks of w*size, w = 1/p, p = 1 - exp(-size/mean), whose variance
# is sum size^2 (1 - p) / p over all its blocks (blocks: sum (1 - p) / p); for sizes well
# below the mean that is mean * bytes. A check fails by chance about once in 16,000.
"$MTAN_PLAIN" load -q full.zst
"$MTAN_PLAIN" load -q samp.zst
cat >est.py <<'PY'
import math, sqlite3, sys
mean = float(sys.argv[1])
def site_fn(db):  # stack id -> the function at the stack's site (its program frame)
    return dict(db.execute("SELECT s.id, y.function FROM stacks s JOIN stack_symbols y "
                           "ON y.stack_id = s.id AND y.level = s.site"))
full = sqlite3.connect("full.zst.db"); samp = sqlite3.connect("samp.zst.db")
ff, fs = site_fn(full), site_fn(samp)
exact = {}  # function -> [bytes, blocks, var bytes, var blocks] of allocations, then of leaks
for stack, size, live in full.execute("SELECT alloc_stack, size, end_reason IS NULL FROM lifetimes WHERE inherited = 0"):
    fn = ff.get(stack)
    if fn not in ("small_blocks", "mixed_blocks", "big_blocks"):
        continue
    p = -math.expm1(-max(size, 1) / mean)
    e = exact.setdefault(fn, [0.0] * 8)
    for k in ((0, 1) if live else (0,)):
        e[4 * k] += size; e[4 * k + 1] += 1
        e[4 * k + 2] += size * size * (1 - p) / p; e[4 * k + 3] += (1 - p) / p
est = {}
for stack, b, n, lb, ln in samp.execute("SELECT stack, est_bytes, est_allocs, est_leaked_bytes, est_leaked_blocks FROM alloc_sites WHERE stack IS NOT NULL"):
    fn = fs.get(stack)
    if fn in exact:
        e = est.setdefault(fn, [0.0] * 4)
        e[0] += b; e[1] += n; e[2] += lb; e[3] += ln
lk = {}
for stack, b, n in samp.execute("SELECT stack, est_bytes, est_blocks FROM leak_sites WHERE stack IS NOT NULL"):
    fn = fs.get(stack)
    if fn in exact:
        e = lk.setdefault(fn, [0.0, 0.0]); e[0] += b; e[1] += n
for fn in sorted(exact):
    x, g, l = exact[fn], est.get(fn, [0.0] * 4), lk.get(fn, [0.0, 0.0])
    for what, got, want, var in (("bytes", g[0], x[0], x[2]), ("allocations", g[1], x[1], x[3]),
                                 ("leaked bytes", g[2], x[4], x[6]), ("leaked blocks", g[3], x[5], x[7]),
                                 ("leak_sites bytes", l[0], x[4], x[6]), ("leak_sites blocks", l[1], x[5], x[7])):
        bound = 4 * math.sqrt(var) + 1e-6 * want  # + rounding, for sites sampled wholly
        ok = abs(got - want) <= bound
        print("%s %s: %s estimated %.0f, exact %.0f, 4 standard errors %.0f (%.1f%%)" %
              ("ok" if ok else "FAIL", fn, what, got, want, bound, 100 * bound / want if want else 0))
PY
python3 est.py $MEAN

# ---- what the commands show
check_rc "leaks on a sampled trace" 0 "$MTAN" leaks samp.zst
check_eq "leaks: three sites, each marked as estimated" "$(grep -Ec '^~[0-9,]+ bytes in ~[0-9,]+ blocks definitely lost' "$OUT")" 3
check_match "leaks: the total is exact" "^leaked: 5,944,304 bytes in 25,504 blocks at 3 sites$" "$(cat "$OUT")"
check_match "leaks: says what the estimates are" "^sites are estimates \(~\) from sampled stacks \(mtrec --sample-stacks $MEAN\)" "$(cat "$OUT")"
check_match "leaks: the exact summary" "definitely lost: 5,944,304 bytes in 25,504 blocks" "$(cat "$OUT")"
check_rc "leaks --format json on a sampled trace" 0 "$MTAN" leaks samp.zst --format json
cp "$OUT" leaks.json
check_eq "leaks json: every site estimated, with its sample" \
	"$(json_get leaks.json '[s["estimated"] and s["sampled_blocks"] <= s["blocks"] for s in d]')" "[true, true, true]"
check_eq "leaks json: the big blocks, always sampled, exact" \
	"$(json_get leaks.json '[(s["bytes"], s["blocks"]) for s in d if s["frames"][0]["function"] == "big_blocks"]')" "[[4194304, 4]]"
check_match "leaks json: the note on stderr" "^mtan: note: sites are estimates" "$(cat "$ERR")"
check_rc "leaks --format json on a full trace" 0 "$MTAN" leaks full.zst --format json
check_eq "leaks json, full stacks: nothing marked" "$(json_get "$OUT" '[("estimated" in s) for s in d]')" "[false, false, false]"
check_rc "top on a sampled trace" 0 "$MTAN" top samp.zst --limit 3
check_eq "top: the sites marked as estimated" "$(grep -Ec '^~[0-9,]+ bytes in ~[0-9,]+ allocations' "$OUT")" 9
check_nomatch "top: no site of the unsampled blocks" "bytes in [0-9,]+ allocations" "$(cat "$OUT")"
check_rc "top --format json on a sampled trace" 0 "$MTAN" top samp.zst --format json
check_eq "top json: the big blocks exact, marked" \
	"$(json_get "$OUT" '[(s["bytes"], s["allocs"], s["leaked_bytes"], s["estimated"]) for s in d["by_bytes"] if s["frames"][0]["function"] == "big_blocks"]')" \
	"[[20971520, 20, 4194304, true]]"
# a window: the allocations in it weighed one by one, as the loader weighs the whole trace
check_rc "top --since on a sampled trace" 0 "$MTAN" top samp.zst --since 1 --format json
check_eq "top --since 1 (everything): as without a window" \
	"$(json_get "$OUT" '[(s["bytes"], s["allocs"]) for s in d["by_bytes"]]')" \
	"$("$MTAN" top samp.zst --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([(s["bytes"], s["allocs"]) for s in d["by_bytes"]]))')"

# ---- threads: each has its own countdown; nothing is lost
"$MTREC" -q -o st-full.zst "$SAMPLES/stress" 8 20000 >/dev/null
"$MTREC" -q -o st-samp.zst --sample-stacks 512k "$SAMPLES/stress" 8 20000 >/dev/null
check_eq "threads: sampled counts equal the full run's" "$("$DUMP" -c st-samp.zst | awk '{print $2, $4}')" \
	"$("$DUMP" -c st-full.zst | awk '{print $2, $4}')"
check_eq "threads: no anomaly" "$("$MTAN_PLAIN" sql -q st-samp.zst --format csv 'SELECT count(*) FROM anomalies' | tail -1)" 0
check_rc "--sample-stacks with --no-stacks: refused" 2 "$MTREC" -q --sample-stacks 512k --no-stacks true
check_eq "... one line saying why" "$(cat "$ERR")" "mtrec: '--no-stacks' cannot be combined with '--sample-stacks': there would be no stacks to sample"
